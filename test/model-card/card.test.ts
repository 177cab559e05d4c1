import { describe, expect, test } from 'vitest';
import {
  assembleCard,
  buildReport,
  type CardEvidence,
  historyOf,
  isConfigurationError,
  MLFLOW_DESCRIPTION_LIMIT,
  type ModelCard,
  mlflowDescription,
  parseConfig,
  readModelCardConfig,
  recordShortcomings,
  renderModelCard,
  withModelCardSection,
} from '../../shared/src/index.js';
import { benign, HOSTILE_TEXT } from '../fixtures/hostile-text.js';
import { expectSameStructure, markdownStructure } from '../support/markdown-tree.js';
import { schemaValidator } from '../support/schemas.js';

const COMMIT = 'feed'.padEnd(40, '5');
const DIGEST = `sha256:${'ab'.repeat(32)}`;

/** A release where every piece of evidence was found; `text` fills every free-text field. */
function evidence(text: (index: number) => string = (index) => `text ${index}`): CardEvidence {
  let next = 0;
  const t = () => text(next++ % HOSTILE_TEXT.length);
  const dataReport = buildReport({
    action: 'validate-data',
    headline: t(),
    checks: [{ id: 'schema', title: t(), status: 'passed', severity: 'error' }],
    run: {},
    fields: {
      rows: 344,
      drift: { share: 0.25, datasetDrift: false, columns: [{ column: t(), drifted: true }] },
      reference: t(),
    },
  });
  const testReport = buildReport({
    action: 'test-model',
    headline: 'churn: all 3 tests passed',
    checks: [{ id: 'f1.min', title: t(), status: 'passed', severity: 'error' }],
    run: {},
    fields: {
      metrics: { accuracy: 0.9, f1: 0.85 },
      slices: [{ column: t(), value: t(), rows: 120, metrics: { accuracy: 0.88 }, tooSmall: false }],
      significance: [{ metric: 'f1', delta: 0.01, low: -0.002, high: 0.021, verdict: t() }],
    },
  });
  return {
    commit: COMMIT,
    createdAt: '2026-12-06T23:00:00.000Z',
    release: { tag: t(), repository: 'acme/churn-model', runUrl: 'https://github.com/acme/churn-model/actions/runs/7' },
    model: { name: t(), version: '4', runId: 'r1', params: { [t()]: t() }, tags: { git_sha: COMMIT } },
    image: {
      name: 'registry.example/acme/churn',
      digest: DIGEST,
      labels: { [t()]: t() },
      layers: [{ name: 'image layer 1', digest: DIGEST }],
    },
    dataFiles: [{ name: t(), digest: DIGEST }],
    dataReport,
    profile: {
      kind: 'mlops-actions/data-profile',
      version: 1,
      rows: 344,
      createdAt: '2026-12-01T00:00:00Z',
      columns: [
        { name: 'bill_length_mm', type: 'DOUBLE', kind: 'numeric', count: 342, nulls: 2, distinct: 164 },
        { name: t(), type: 'VARCHAR', kind: 'categorical', count: 344, nulls: 0, distinct: 3 },
      ],
    } as CardEvidence['profile'],
    testReport,
    mainRun: { id: 11, url: 'https://github.com/acme/churn-model/actions/runs/11' },
    pullRequest: {
      number: 42,
      title: t(),
      url: 'https://github.com/acme/churn-model/pull/42',
      author: t(),
      approvers: [{ login: t(), at: '2026-12-01T09:00:00Z' }],
    },
    checks: [{ name: t(), state: 'success', passed: true }],
    approvals: [{ login: t(), environments: [t()], state: 'approved', at: null, comment: t() }],
    previousProfile: {
      kind: 'mlops-actions/data-profile',
      version: 1,
      rows: 300,
      createdAt: '2026-11-01T00:00:00Z',
      columns: [
        { name: 'bill_length_mm', type: 'DOUBLE', kind: 'numeric', count: 300, nulls: 0, distinct: 150 },
        { name: 'island', type: 'VARCHAR', kind: 'categorical', count: 300, nulls: 0, distinct: 3 },
      ],
    },
    previous: {
      version: '3',
      commit: 'beef'.padEnd(40, '1'),
      metrics: { accuracy: 0.88, f1: 0.86 },
      columns: ['bill_length_mm', 'island'],
      rows: 300,
    },
    earlier: [
      {
        version: '2',
        date: '2026-10-01T08:00:00.000Z',
        commit: 'cafe'.padEnd(40, '2'),
        metrics: { accuracy: 0.8, f1: 0.9 },
        columns: ['bill_length_mm', 'sex'],
        rows: 250,
      },
      { version: '1', metrics: { accuracy: 0.7 } },
    ],
    human: {
      description: t(),
      intendedUse: t(),
      outOfScopeUses: [t()],
      limitations: [t(), t()],
      ethicalConsiderations: t(),
      owners: [t()],
      license: t(),
    },
  };
}

describe('model-card.yml: the human parts, strict, errors at their line', () => {
  test('every section is read', () => {
    const config = readModelCardConfig(
      parseConfig(
        'description: Churn risk\nintended-use: Rank active customers\nout-of-scope-uses: [credit decisions]\nlimitations:\n  - trained on EU data only\nowners: [ml-team]\nlicense: MIT\n',
        'model-card.yml',
      ),
    );
    expect(config).toEqual({
      description: 'Churn risk',
      intendedUse: 'Rank active customers',
      outOfScopeUses: ['credit decisions'],
      limitations: ['trained on EU data only'],
      owners: ['ml-team'],
      license: 'MIT',
    });
  });

  test.each([
    { text: 'intended-use: x\nlimitaions:\n  - y\n', line: 2, message: "unknown section 'limitaions'" },
    { text: 'limitations: none\n', line: 1, message: "'limitations' must be a list" },
    { text: 'owners:\n  - ml\n  - 3\n', line: 3, message: "'owners' item 2 must be text" },
    { text: 'description: [a]\n', line: 1, message: "'description' must be text" },
    { text: '- a list\n', line: 1, message: 'must be a mapping' },
  ])('$message (line $line)', ({ text, line, message }) => {
    let caught: unknown;
    try {
      readModelCardConfig(parseConfig(text, 'ml/model-card.yml', 'config'));
    } catch (error) {
      caught = error;
    }
    expect(isConfigurationError(caught), String(caught)).toBe(true);
    const error = caught as { message: string; location: { file?: string; line?: number } };
    expect(error.location).toMatchObject({ file: 'ml/model-card.yml', line });
    expect(error.message).toContain(message);
  });

  test('the JSON Schema accepts and refuses what the parser does', async () => {
    const validate = await schemaValidator('model-card-config.schema.json');
    expect(validate({ 'intended-use': 'x', limitations: ['y'], owners: ['z'] })).toBe(true);
    expect(validate({ limitaions: ['y'] })).toBe(false);
    expect(validate({ owners: [3] })).toBe(false);
  });
});

describe('the card: assembled from evidence, pure', () => {
  test('a complete release: record fields filled, nothing missing, history computed', async () => {
    const card = assembleCard(evidence());
    expect(card.missingEvidence).toEqual([]);
    expect(recordShortcomings(card)).toEqual([]);
    expect(card.tests).toEqual({ passed: true, summary: 'churn: all 3 tests passed' });
    expect(card.data).toMatchObject({
      rows: 344,
      files: [{ digest: DIGEST }],
      drift: { share: 0.25, drifted: ['text 2'] },
    });
    expect(card.model.image?.digest).toBe(DIGEST);
    expect(card.history.metricDeltas).toEqual([
      { metric: 'accuracy', previous: 0.88, current: 0.9, delta: 0.9 - 0.88 },
      { metric: 'f1', previous: 0.86, current: 0.85, delta: 0.85 - 0.86 },
    ]);
    expect(card.history.featuresAdded).toEqual([card.data.columns?.[1]?.name]);
    expect(card.history.featuresRemoved).toEqual(['island']);
    expect(card.history.rows).toEqual({ previous: 300, current: 344, change: 44 });
    // The production history, newest first, each version against the one before it.
    expect(card.history.versions?.map((version) => [version.version, version.changes])).toEqual([
      [
        '3',
        {
          metricDeltas: [
            { metric: 'accuracy', previous: 0.8, current: 0.88, delta: 0.88 - 0.8 },
            { metric: 'f1', previous: 0.9, current: 0.86, delta: 0.86 - 0.9 },
          ],
          featuresAdded: ['island'],
          featuresRemoved: ['sex'],
          rows: { previous: 250, current: 300, change: 50 },
        },
      ],
      [
        '2',
        {
          metricDeltas: [{ metric: 'accuracy', previous: 0.7, current: 0.8, delta: 0.8 - 0.7 }],
          featuresAdded: [],
          featuresRemoved: [],
        },
      ],
      ['1', undefined],
    ]);
    const validate = await schemaValidator('model-card.schema.json');
    expect(validate(card), JSON.stringify(validate.errors)).toBe(true);
  });

  test.each<{ case: string; change: (evidence: CardEvidence) => void; missing: string }>([
    {
      case: 'no main run',
      change: (e) => {
        delete e.mainRun;
        delete e.dataReport;
        delete e.testReport;
        delete e.profile;
      },
      missing: `the main-branch run of ${COMMIT.slice(0, 7)}`,
    },
    {
      case: 'no data profile',
      change: (e) => delete e.profile,
      missing: 'the data profile (mlops-data-profile) of run 11',
    },
    { case: 'no test report', change: (e) => delete e.testReport, missing: 'the test-model report of run 11' },
    {
      case: "no profile of the previous version's training data",
      change: (e) => delete e.previousProfile,
      missing: `the training data profile of the previous production version 3 (the main-branch run of beef111)`,
    },
    {
      case: 'a previous version without a commit',
      change: (e) => {
        delete e.previousProfile;
        delete e.previous!.commit;
      },
      missing: 'the training data profile of the previous production version 3 (its MLflow version has no git_sha tag)',
    },
    {
      case: 'a version without a run',
      change: (e) => {
        e.modelWithoutRun = true;
      },
      missing: 'the MLflow run of text 9 version 4',
    },
    { case: 'no data digests', change: (e) => (e.dataFiles = []), missing: 'the training data files (their digests)' },
    {
      case: 'no approving review',
      change: (e) => (e.pullRequest!.approvers = []),
      missing: 'an approving review of #42',
    },
  ])('$case: named as missing, and the record is refused for it', ({ change, missing }) => {
    const given = evidence();
    change(given);
    const card = assembleCard(given);
    expect(card.missingEvidence).toContain(missing);
    expect(recordShortcomings(card)).toContain(`missing evidence: ${missing}`);
    expect(renderModelCard(card)).toContain('Missing evidence: ');
  });

  test('history without a previous version is empty; without profiles, no feature diff', () => {
    expect(historyOf({ metrics: { f1: 1 } }, undefined)).toEqual({
      metricDeltas: [],
      featuresAdded: [],
      featuresRemoved: [],
    });
    expect(historyOf({ metrics: { f1: 0.5 }, columns: ['a'] }, { version: '2', metrics: { f1: 0.4 } })).toMatchObject({
      featuresAdded: [],
      featuresRemoved: [],
      metricDeltas: [{ metric: 'f1', delta: 0.5 - 0.4 }],
    });
  });
});

describe('the card in Markdown', () => {
  test('a reviewer reads names, numbers and digests in the model-card sections', () => {
    const markdown = renderModelCard(assembleCard(evidence()));
    for (const section of [
      '## Model details',
      '## Intended use',
      '## Training data',
      '## Evaluation',
      '## Metrics by slice',
      '## Limitations',
      '## Changes since the last version',
      '## People and process',
    ]) {
      expect(markdown).toContain(section);
    }
    expect(markdown).toContain(`| Image | \`registry.example/acme/churn@${DIGEST}\` |`);
    expect(markdown).toContain('344 rows, 2 columns');
    expect(markdown).toContain('| accuracy | 0.88 | 0.9 | +0.02 |');
    expect(markdown).toContain('| f1 | 0.86 | 0.85 | −0.01 |');
    expect(markdown).toContain('Training rows: 300 → 344 (+44).');
    expect(markdown).toContain('Features removed: island');
    expect(markdown).toContain('### Production history (3 versions)');
    expect(markdown).toContain(
      '| 3 |  | `beef111` | 300 | 0.88 | 0.86 | accuracy +0.08; f1 −0.04; added island; removed sex; rows +50 |',
    );
    expect(markdown).toContain('| 2 | 2026-10-01T08:00:00.000Z | `cafe222` | 250 | 0.8 | 0.9 | accuracy +0.1 |');
    expect(markdown).toContain('| 1 |  |  |  | 0.7 |  | the oldest listed |');
    expect(markdown).toMatch(/\n\| `text \d+` \| text \d+ \| approved \| {2}\| text \d+ \|\n/);
    expect(markdown).toMatch(/approved by `text \d+`\./);
  });

  test('inside release notes every heading is one level down, and a rerun replaces the section', () => {
    const card = assembleCard(evidence());
    const section = renderModelCard(card, { headingLevel: 2 });
    expect(section.split('\n')[0]).toBe('## Model card: text 9 version 4');
    expect(section).toContain('\n### Training data\n');
    const once = withModelCardSection('Release notes.', section);
    const twice = withModelCardSection(once, section.replace('version 4', 'version 5'));
    expect(twice.match(/mlops-actions\/model-card:start/g)).toHaveLength(1);
    expect(twice).toContain('version 5');
    expect(twice.startsWith('Release notes.\n\n')).toBe(true);
  });

  test('the hostile corpus in every text field renders inert (same GFM structure as benign text)', () => {
    const hostile: ModelCard[] = [];
    const harmless: ModelCard[] = [];
    for (let offset = 0; offset < HOSTILE_TEXT.length; offset += 7) {
      const at = (index: number) => (index + offset) % HOSTILE_TEXT.length;
      hostile.push(assembleCard(evidence((index) => HOSTILE_TEXT[at(index)] as string)));
      harmless.push(assembleCard(evidence((index) => benign(HOSTILE_TEXT[at(index)] as string, at(index)))));
    }
    for (const [index, card] of hostile.entries()) {
      expectSameStructure(renderModelCard(card), renderModelCard(harmless[index] as ModelCard), `card ${index}`);
      expectSameStructure(
        renderModelCard(card, { headingLevel: 2 }),
        renderModelCard(harmless[index] as ModelCard, { headingLevel: 2 }),
        `release-notes card ${index}`,
      );
    }
    // The corpus reached the tables: the structure compared holds them.
    const elements = markdownStructure(renderModelCard(hostile[0] as ModelCard)).elements;
    expect(elements.filter((element) => element.startsWith('table ')).length).toBeGreaterThanOrEqual(8);
  });
});

describe("the card as the MLflow version's description", () => {
  test.each([
    { length: 10, cut: false },
    { length: MLFLOW_DESCRIPTION_LIMIT, cut: false },
    { length: MLFLOW_DESCRIPTION_LIMIT + 1, cut: true },
    { length: 3 * MLFLOW_DESCRIPTION_LIMIT, cut: true },
  ])('$length characters: cut $cut, never over the limit', ({ length, cut }) => {
    const markdown = 'x'.repeat(length);
    const description = mlflowDescription(markdown);
    expect(description.length).toBe(Math.min(length, MLFLOW_DESCRIPTION_LIMIT));
    expect(description.endsWith("the whole card is the run's artifact model-card/model-card.md.")).toBe(cut);
  });
});

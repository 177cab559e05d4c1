import { code, escapeText, formatNumber, heading, link, type Markdown, table } from '../markdown/index.js';
import { percentText, plural } from '../report/render.js';
import { driftSection } from '../validation/render.js';
import type { ModelCard, VersionChanges } from './card.js';

const STATUS_WORD: Record<string, string> = { passed: '✅ passed', warning: '⚠️ warning', failed: '❌ failed' };

function signed(value: number): string {
  return `${value > 0 ? '+' : value < 0 ? '−' : '±'}${formatNumber(Math.abs(value))}`;
}

/** A link to an http(s) URL we were given, or the URL as inert text when it is anything else. */
function safeLink(text: string, url: string | undefined): string | Markdown {
  if (!url) return text;
  try {
    return link(text, url);
  } catch {
    return text;
  }
}

function cellText(value: string | Markdown): string {
  return typeof value === 'string' ? escapeText(value) : value.text;
}

function bullets(items: readonly string[], empty: string): string {
  return items.length === 0 ? `_${empty}_` : items.map((item) => `- ${escapeText(item)}`).join('\n');
}

function paragraph(text: string | undefined, empty: string): string {
  return text ? escapeText(text) : `_${empty}_`;
}

function details(card: ModelCard): string {
  const { model } = card;
  const rows: [string, string | Markdown][] = [
    ['Model', model.name ?? 'unknown'],
    ['MLflow version', model.version ?? 'unknown'],
    ['MLflow run', model.runId ? code(model.runId) : 'none'],
    ['Image', model.image ? code(`${model.image.name}@${model.image.digest}`) : 'not found'],
    ['Commit', code(card.commit)],
    ['Release', card.release.tag ?? 'none'],
  ];
  const parts = [
    heading(2, 'Model details'),
    '',
    paragraph(card.human.description, 'No description in model-card.yml.'),
    '',
    table(['', ''], rows),
  ];
  if (card.human.owners.length > 0) parts.push('', `Owners: ${card.human.owners.map(escapeText).join(', ')}`);
  if (card.human.license) parts.push('', `License: ${escapeText(card.human.license)}`);
  const params = Object.entries(model.params);
  if (params.length > 0)
    parts.push(
      '',
      heading(3, 'Parameters'),
      '',
      table(
        ['Parameter', 'Value'],
        params.map(([key, value]) => [code(key), value]),
      ),
    );
  const labels = Object.entries(model.image?.labels ?? {});
  if (labels.length > 0)
    parts.push(
      '',
      heading(3, 'Image labels'),
      '',
      table(
        ['Label', 'Value'],
        labels.map(([key, value]) => [code(key), value]),
      ),
    );
  return parts.join('\n');
}

function intendedUse(card: ModelCard): string {
  return [
    heading(2, 'Intended use'),
    '',
    paragraph(card.human.intendedUse, 'Not stated: add intended-use to model-card.yml.'),
    '',
    heading(3, 'Out of scope'),
    '',
    bullets(card.human.outOfScopeUses, 'None stated.'),
  ].join('\n');
}

/** Drift against the previous production version's training data, or why there is none. */
function previousDriftSection(card: ModelCard): string[] {
  const drift = card.data.driftFromPrevious;
  const previous = card.history.previous;
  if (!drift) {
    if (!previous) return ['_No previous production version: no drift to show against its training data._'];
    return [
      `_No drift against version ${escapeText(previous.version)}: the profile of its or this release's training data was not found._`,
    ];
  }
  const label = `${card.model.name ?? 'the model'} version ${drift.version}${drift.commit ? ` (${drift.commit.slice(0, 7)})` : ''}`;
  const sections = driftSection(drift, label, {
    level: 3,
    approximateNote:
      '≈ A profile without raw values on one side: these statistics use its 0.001 quantile grid (distances within about one grid step of the exact value).',
  });
  return [
    ...sections.flatMap((section, index) => (index === 0 ? [section] : ['', section])),
    '',
    `This release's training data against that of version ${escapeText(drift.version)}, the production model before it (their validate-data profiles).`,
  ];
}

function trainingData(card: ModelCard): string {
  const { data } = card;
  const parts = [heading(2, 'Training data'), ''];
  const facts: string[] = [];
  if (data.rows !== undefined) facts.push(plural(data.rows, 'row'));
  if (data.columns) facts.push(plural(data.columns.length, 'column'));
  parts.push(facts.length > 0 ? facts.join(', ') : '_No profile of the training data was found._');
  if (data.files.length > 0) {
    parts.push(
      '',
      table(
        ['File', 'Digest'],
        data.files.map((file) => [file.name, code(file.digest)]),
      ),
    );
  }
  if (data.columns && data.columns.length > 0) {
    parts.push(
      '',
      table(
        ['Column', 'Type'],
        data.columns.map((column) => [column.name, code(column.type)]),
      ),
    );
  }
  if (data.suite) {
    parts.push(
      '',
      `Suite: ${STATUS_WORD[data.suite.status] ?? escapeText(data.suite.status)} — ${escapeText(data.suite.headline)}`,
    );
  }
  if (data.drift) {
    const against = data.drift.reference ? ` against ${escapeText(data.drift.reference)}` : '';
    const drifted = data.drift.drifted.length > 0 ? `: ${data.drift.drifted.map(escapeText).join(', ')}` : '';
    parts.push('', `Drift${against}: ${percentText(data.drift.share)} of columns drifted${drifted}.`);
  }
  parts.push('', ...previousDriftSection(card));
  return parts.join('\n');
}

function evaluation(card: ModelCard): string {
  const parts = [heading(2, 'Evaluation'), ''];
  const result = card.evaluation;
  if (!result) return [...parts, '_No test-model report was found._'].join('\n');
  parts.push(`${STATUS_WORD[result.status] ?? escapeText(result.status)} — ${escapeText(result.headline)}`);
  const metrics = Object.entries(result.metrics);
  if (metrics.length > 0)
    parts.push(
      '',
      table(
        ['Metric', 'Value'],
        metrics.map(([name, value]) => [name, value]),
        { align: [undefined, 'right'] },
      ),
    );
  if (result.tests.length > 0) {
    parts.push(
      '',
      heading(3, 'Tests'),
      '',
      table(
        ['Test', 'Result'],
        result.tests.map((test) => [test.title, STATUS_WORD[test.status] ?? test.status]),
      ),
    );
  }
  if (result.significance.length > 0) {
    parts.push(
      '',
      heading(3, 'Significance against the previous version'),
      '',
      table(
        ['Metric', 'Change', 'Interval', 'Verdict'],
        result.significance.map((entry) => [
          entry.metric,
          signed(entry.delta),
          `${signed(entry.low)} … ${signed(entry.high)}`,
          entry.verdict,
        ]),
      ),
    );
  }
  parts.push('', heading(2, 'Metrics by slice'), '');
  if (result.slices.length === 0) parts.push('_No slices were evaluated._');
  else {
    const names = [...new Set(result.slices.flatMap((slice) => Object.keys(slice.metrics)))];
    parts.push(
      table(
        ['Slice', 'Rows', ...names],
        result.slices.map((slice) => [
          `${slice.column} = ${slice.value}`,
          slice.rows,
          ...names.map((name) => slice.metrics[name]),
        ]),
      ),
    );
  }
  return parts.join('\n');
}

function limitations(card: ModelCard): string {
  const parts = [heading(2, 'Limitations'), '', bullets(card.human.limitations, 'None stated in model-card.yml.')];
  if (card.human.ethicalConsiderations) {
    parts.push('', heading(3, 'Ethical considerations'), '', escapeText(card.human.ethicalConsiderations));
  }
  return parts.join('\n');
}

function changes(card: ModelCard): string {
  const { history } = card;
  const parts = [heading(2, 'Changes since the last version'), ''];
  if (!history.previous) return [...parts, '_No previous production version._'].join('\n');
  parts.push(
    `Previous production version: ${escapeText(history.previous.version)}${history.previous.commit ? ` (${code(history.previous.commit.slice(0, 7)).text})` : ''}.`,
  );
  if (history.metricDeltas.length > 0) {
    parts.push(
      '',
      table(
        ['Metric', 'Previous', 'Now', 'Change'],
        history.metricDeltas.map((delta) => [delta.metric, delta.previous, delta.current, signed(delta.delta)]),
        { align: [undefined, 'right', 'right', 'right'] },
      ),
    );
  }
  if (history.featuresAdded.length > 0)
    parts.push('', `Features added: ${history.featuresAdded.map(escapeText).join(', ')}`);
  if (history.featuresRemoved.length > 0)
    parts.push('', `Features removed: ${history.featuresRemoved.map(escapeText).join(', ')}`);
  if (history.rows) {
    parts.push(
      '',
      `Training rows: ${formatNumber(history.rows.previous)} → ${formatNumber(history.rows.current)} (${signed(history.rows.change)}).`,
    );
  }
  parts.push(...productionHistoryTable(card));
  return parts.join('\n');
}

/** One version's changes from the one before it, in a few words: the key metrics' deltas, features, rows. */
function changesText(changes: VersionChanges, metrics: readonly string[]): string {
  const parts = changes.metricDeltas
    .filter((delta) => metrics.includes(delta.metric))
    .map((delta) => `${delta.metric} ${signed(delta.delta)}`);
  if (changes.featuresAdded.length > 0) parts.push(`added ${changes.featuresAdded.join(', ')}`);
  if (changes.featuresRemoved.length > 0) parts.push(`removed ${changes.featuresRemoved.join(', ')}`);
  if (changes.rows) parts.push(`rows ${signed(changes.rows.change)}`);
  return parts.length > 0 ? parts.join('; ') : 'no change seen';
}

/** The production versions before this release, newest first, with their key metrics and what each changed. */
function productionHistoryTable(card: ModelCard): string[] {
  const versions = card.history.versions ?? [];
  if (versions.length === 0) return [];
  // The metrics this release reports, else those the versions share: the columns a reader compares along.
  const current = Object.keys(card.evaluation?.metrics ?? {});
  const metrics = (current.length > 0 ? current : Object.keys(versions[0]?.metrics ?? {})).slice(0, 4);
  return [
    '',
    heading(3, `Production history (${plural(versions.length, 'version')})`),
    '',
    table(
      ['Version', 'Promoted', 'Commit', 'Rows', ...metrics, 'Changes from the one before'],
      versions.map((version) => [
        version.version,
        version.date ?? '',
        version.commit ? code(version.commit.slice(0, 7)) : '',
        version.rows ?? null,
        ...metrics.map((metric) => version.metrics[metric] ?? null),
        version.changes ? changesText(version.changes, metrics) : 'the oldest listed',
      ]),
    ),
  ];
}

function process(card: ModelCard): string {
  const { process } = card;
  const parts = [heading(2, 'People and process'), ''];
  const pull = process.pullRequest;
  if (pull) {
    const approvers = pull.approvers.map((approver) => code(approver.login).text).join(', ');
    parts.push(
      `Merged by pull request ${cellText(safeLink(`#${pull.number} ${pull.title}`, pull.url))}, written by ${code(pull.author).text}; approved by ${approvers || 'nobody'}.`,
    );
  } else parts.push('_The pull request that merged the commit was not found._');
  if (process.checks.length > 0) {
    parts.push(
      '',
      table(
        ['Required check', 'Conclusion'],
        process.checks.map((check) => [check.name, `${check.passed ? '✅' : '❌'} ${check.state}`]),
      ),
    );
  }
  if (process.approvals.length > 0) {
    parts.push(
      '',
      table(
        ['Release approved by', 'Environments', 'Decision', 'When', 'Comment'],
        process.approvals.map((approval) => [
          code(approval.login),
          approval.environments.join(', '),
          approval.state,
          approval.at ?? '',
          approval.comment,
        ]),
      ),
    );
  } else parts.push('', '_No environment approval was recorded for this run._');
  if (card.release.runUrl)
    parts.push('', `Workflow run: ${cellText(safeLink(card.release.runUrl, card.release.runUrl))}`);
  return parts.join('\n');
}

/** The card as Markdown, every text from data, configs, reports and people escaped by the markdown layer. */
export function renderModelCard(card: ModelCard, options: { headingLevel?: 1 | 2 } = {}): string {
  const title = `Model card: ${card.model.name ?? 'unknown model'}${card.model.version ? ` version ${card.model.version}` : ''}`;
  const parts = [heading(1, title), ''];
  if (card.missingEvidence.length > 0) {
    parts.push('> [!WARNING]', `> Missing evidence: ${card.missingEvidence.map(escapeText).join('; ')}.`, '');
  }
  parts.push(
    details(card),
    '',
    intendedUse(card),
    '',
    trainingData(card),
    '',
    evaluation(card),
    '',
    limitations(card),
    '',
    changes(card),
    '',
    process(card),
    '',
  );
  const text = parts.join('\n');
  // Inside release notes the card is one section: every heading one level down.
  return options.headingLevel === 2 ? text.replace(/^(#{1,5}) /gm, '#$1 ') : text;
}

export const MODEL_CARD_SECTION_START = '<!-- mlops-actions/model-card:start -->';
export const MODEL_CARD_SECTION_END = '<!-- mlops-actions/model-card:end -->';

/** Release notes with the card's section appended, or replaced when a run already wrote one. */
export function withModelCardSection(body: string | null | undefined, markdown: string): string {
  const section = `${MODEL_CARD_SECTION_START}\n${markdown.trimEnd()}\n${MODEL_CARD_SECTION_END}`;
  const text = body ?? '';
  const start = text.indexOf(MODEL_CARD_SECTION_START);
  const end = text.indexOf(MODEL_CARD_SECTION_END);
  if (start >= 0 && end > start)
    return `${text.slice(0, start)}${section}${text.slice(end + MODEL_CARD_SECTION_END.length)}`;
  return text.trim() === '' ? section : `${text.trimEnd()}\n\n${section}`;
}

/** MLflow keeps a version's description in a 5000-character column. */
export const MLFLOW_DESCRIPTION_LIMIT = 5000;

/** The card as the MLflow version's description: whole when it fits, else cut with a pointer to the whole. */
export function mlflowDescription(markdown: string, limit = MLFLOW_DESCRIPTION_LIMIT): string {
  if (markdown.length <= limit) return markdown;
  const note = "\n\n… cut to fit MLflow: the whole card is the run's artifact model-card/model-card.md.";
  return `${markdown.slice(0, limit - note.length)}${note}`;
}

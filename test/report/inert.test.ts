import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { buildReport, MAX_REPORT_BYTES, type ReportCheck, STAGES } from '../../shared/src/index.js';
import { benign, HOSTILE_TEXT } from '../fixtures/hostile-text.js';
import { exampleEvent } from '../support/events.js';
import { type GitHubSandbox, startGitHubSandbox, TOKENS } from '../support/github/sandbox.js';
import { expectSameStructure } from '../support/markdown-tree.js';
import { actionDir, runAction } from '../support/run-action.js';

/**
 * The hostile corpus through actions as the runner runs them: each render is parsed with a CommonMark + GFM
 * parser and compared with the same render of benign text. Equal structures mean the hostile text added no
 * element, link, image, heading, rule, table break, mention or reference of its own.
 */
const REPO = 'Codertocat/Hello-World';
let sandbox: GitHubSandbox;
let nextPullRequest = 900;

beforeAll(async () => {
  sandbox = await startGitHubSandbox();
  sandbox.emulator.addRepository(REPO, 'master');
});
afterEach(() => sandbox.emulator.assertContractClean());
afterAll(() => sandbox.stop());

/** A same-repository pull request's run posting `inputs.reports` through `report`: its summary and comment. */
async function reportOnPullRequest(reports: readonly object[]) {
  const dir = await mkdtemp(join(tmpdir(), 'inert-reports-'));
  await Promise.all(reports.map((report, index) => writeFile(join(dir, `r${index}.json`), JSON.stringify(report))));
  const number = nextPullRequest++;
  const headSha = number.toString(16).padStart(40, 'b');
  sandbox.emulator.addPullRequest(REPO, { number, headSha });
  const event = exampleEvent('pull_request', 'opened');
  event.payload.pull_request.number = number;
  event.payload.pull_request.head.sha = headSha;
  const run = await runAction(actionDir('report'), {
    event,
    githubToken: TOKENS.actions,
    inputs: { reports: `${dir}/*.json` },
    env: { GITHUB_API_URL: sandbox.emulator.apiUrl },
  });
  expect(run.exitCode, run.stdout).toBe(0);
  expect(run.annotations.filter((annotation) => annotation.level !== 'notice')).toEqual([]);
  const comment = sandbox.emulator.repository(REPO).issueComments.find((candidate) => candidate.issue_number === number)
    ?.body as string;
  expect(comment).toBeDefined();
  return { summary: run.summary, comment };
}

/**
 * A stage's reports whose every text field is a corpus string (or its benign stand-in), ten strings a report so
 * that each stays under the 2 MB a report may weigh (a bigger one is rightly ignored, which would hide the test).
 */
function stageReports(action: string, text: (index: number) => string) {
  const indexes = HOSTILE_TEXT.map((_, index) => index);
  const reports = [];
  for (let start = 0; start < indexes.length; start += 10) {
    const checks: ReportCheck[] = indexes.slice(start, start + 10).map((index) => ({
      id: `check.${index}`,
      // The schema takes titles up to 500 characters; a longer one is rightly refused (tested elsewhere).
      title: text(index).slice(0, 500),
      status: index % 3 === 0 ? 'failed' : index % 3 === 1 ? 'warning' : 'passed',
      severity: index % 3 === 0 ? 'error' : 'warning',
      observed: text(index),
      expected: { value: text(index) },
      details: text(index),
    }));
    const report = buildReport({ action, headline: text(start).slice(0, 1000), checks, run: {} });
    expect(JSON.stringify(report).length).toBeLessThan(MAX_REPORT_BYTES);
    reports.push(report);
  }
  return reports;
}

describe('report: hostile report files render as text in the job summary and the posted comment', () => {
  for (const stage of STAGES) {
    test(stage.action, async () => {
      const hostile = await reportOnPullRequest(stageReports(stage.action, (index) => HOSTILE_TEXT[index] as string));
      const harmless = await reportOnPullRequest(
        stageReports(stage.action, (index) => benign(HOSTILE_TEXT[index] as string, index)),
      );
      expectSameStructure(hostile.summary, harmless.summary, 'job summary');
      expectSameStructure(hostile.comment, harmless.comment, 'comment');
      // Content, not only shape: the lone-\r example is there, as text, one line.
      expect(hostile.comment).toContain('1 &lt;img src=https:\u2060//evil.example/p.png&gt; @\u2060octocat');
    });
  }

  test('headlines with every corpus string, one report per stage: the status table keeps its rows', async () => {
    const reports = STAGES.flatMap((stage) =>
      HOSTILE_TEXT.slice(0, 12).map((text) =>
        buildReport({
          action: stage.action,
          headline: text.slice(0, 1000),
          checks: [{ id: 'x', title: 'x', status: 'passed', severity: 'error' }],
          run: { url: 'https://evil.example/phish' },
        }),
      ),
    );
    const hostile = await reportOnPullRequest(reports);
    const harmless = await reportOnPullRequest(
      reports.map((report, index) => ({ ...report, headline: benign(report.headline, index) })),
    );
    expectSameStructure(hostile.comment, harmless.comment, 'comment');
    expect(hostile.comment).not.toContain('evil.example/phish');
  });
});

/** A CSV field: always quoted, quotes doubled (newlines and carriage returns stay inside the quotes). */
const csvField = (text: string) => `"${text.replace(/"/g, '""')}"`;

describe('validate-data: hostile column names and failing values render as text', () => {
  // NUL cannot be in a CSV that DuckDB reads; every other corpus string is a value, five to a column.
  const values = HOSTILE_TEXT.filter((text) => !text.includes('\u0000'));
  const columnCount = Math.ceil(values.length / 5);
  // Column names: the corpus strings a CSV header can carry (one line, no more than 200 characters, distinct).
  const names = [...new Set(values.filter((text) => text.trim() !== '' && !/[\r\n\v\f\u0085\u2028\u2029]/.test(text)))]
    .filter((text) => text.length <= 200 && /[<[@#|!&*_~`]|www|:\/\//.test(text) && !/^`+$/.test(text))
    .slice(0, columnCount);

  async function validateWith(text: (index: number) => string, columnName: (column: number) => string) {
    const header = Array.from({ length: columnCount }, (_, column) => columnName(column));
    const rows = Array.from({ length: 5 }, (_, row) =>
      header.map((_, column) => {
        const index = column * 5 + row;
        return index < values.length ? text(index) : 'ok';
      }),
    );
    const csv = `${[header, ...rows, ...Array.from({ length: 5 }, () => header.map(() => 'ok'))]
      .map((fields) => fields.map(csvField).join(','))
      .join('\n')}\n`;
    const suite = { version: 1, columns: Object.fromEntries(header.map((name) => [name, { in: ['ok'] }])) };
    const dir = await mkdtemp(join(tmpdir(), 'inert-validate-'));
    await writeFile(join(dir, 'data.csv'), csv);
    // JSON is YAML: every name arrives in the suite exactly as written.
    await writeFile(join(dir, 'suite.yml'), JSON.stringify(suite));
    const run = await runAction(actionDir('validate-data'), {
      workspace: dir,
      inputs: { data: 'data.csv', suite: 'suite.yml', comment: 'never', 'fail-on': 'never' },
    });
    expect(run.exitCode, run.stdout).toBe(0);
    return run.summary;
  }

  test('failing-row samples and column names, parsed as GFM against the same run on benign text', async () => {
    const hostile = await validateWith(
      (index) => values[index] as string,
      (column) => names[column] ?? `column ${column}`,
    );
    const harmless = await validateWith(
      (index) => benign(values[index] as string, index),
      (column) => `column ${column}`,
    );
    expectSameStructure(hostile, harmless, 'validate-data job summary');
    expect(hostile).toContain('@\u2060octocat');
  });
});

describe('test-model: hostile class labels, slice values and model name render as text', () => {
  // Values a CSV cell carries (no NUL) and that stay distinct after DuckDB reads them (no leading/trailing space).
  const labels = [...new Set(HOSTILE_TEXT.filter((text) => text !== '' && !text.includes('\u0000')))]
    .filter((text) => text === text.trim() && text.length <= 1000)
    .slice(0, 12);

  async function testModelWith(text: (index: number) => string, name: string) {
    const rows: string[][] = [];
    // Three classes, labels from the corpus; predictions right two times in three. Slices: one per corpus string.
    for (let index = 0; index < 40 * labels.length; index++) {
      const label = index % 3;
      const predicted = index % 3 === 2 ? (label + 1) % 3 : label;
      rows.push([text(label), text(predicted), text(index % labels.length)]);
    }
    const csv = `${[['label', 'prediction', 'segment'], ...rows].map((fields) => fields.map(csvField).join(',')).join('\n')}\n`;
    const dir = await mkdtemp(join(tmpdir(), 'inert-model-'));
    await writeFile(join(dir, 'predictions.csv'), csv);
    await writeFile(
      join(dir, 'tests.yml'),
      JSON.stringify({
        version: 1,
        metrics: { accuracy: { min: 0.9 } },
        slices: { by: ['segment'], 'min-rows': 30, metrics: { accuracy: { min: 0.9 } } },
      }),
    );
    const run = await runAction(actionDir('test-model'), {
      workspace: dir,
      inputs: {
        predictions: 'predictions.csv',
        tests: 'tests.yml',
        task: 'multiclass',
        'label-column': 'label',
        'prediction-column': 'prediction',
        baseline: 'none',
        name,
        comment: 'never',
      },
    });
    expect(run.exitCode, run.stdout).toBe(1); // accuracy 0.67 < 0.9: the failing path renders the most
    expect(run.annotations.map((annotation) => annotation.level)).not.toContain('warning');
    return run.summary;
  }

  test('confusion matrix, slices and headline, parsed as GFM against the same run on benign text', async () => {
    const hostile = await testModelWith((index) => labels[index] as string, HOSTILE_TEXT[0] as string);
    const harmless = await testModelWith((index) => benign(labels[index] as string, index), 'benign model');
    expectSameStructure(hostile, harmless, 'test-model job summary');
    expect(hostile).toContain('@\u2060octocat');
    expect(hostile).toContain('crlf');
    expect(hostile).toContain('&lt;img src=https:\u2060//evil.example/p.png&gt;');
  });
});

import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createRandom } from '../../shared/src/index.js';
import { normal } from '../metrics/support.js';
import { exampleEvent, type WebhookEvent } from '../support/events.js';
import { type GitHubSandbox, startGitHubSandbox, TOKENS } from '../support/github/sandbox.js';
import { runReference } from '../support/python.js';
import { type ActionRun, actionDir, runAction } from '../support/run-action.js';
import { reportValidator } from '../support/schemas.js';

const REPO = 'Codertocat/Hello-World';
const WORKFLOW_REF = `${REPO}/.github/workflows/ml.yml@refs/heads/master`;
let sandbox: GitHubSandbox;
let workspace: string;

interface Example {
  label: number;
  score: number;
  region: string;
}

/** Seeded binary predictions; `skill` separates the classes (the PR's model is a little worse). */
function examples(count: number, skill: number, seed = 5): Example[] {
  const random = createRandom(seed);
  const regions = ['EU', 'US', 'APAC'];
  return Array.from({ length: count }, (_, index) => {
    const label = index % 5 < 2 ? 1 : 0;
    const logit = 1.3 * normal(random) + (label ? skill : -skill);
    return { label, score: Math.round(1e6 / (1 + Math.exp(-logit))) / 1e6, region: regions[index % 3]! };
  });
}

function csv(rows: readonly Example[]): string {
  return `label,score,region\n${rows.map((row) => `${row.label},${row.score},${row.region}`).join('\n')}\n`;
}

const TESTS = `version: 1
metrics:
  accuracy: {min: 0.6}
  f1:       {min: 0.5, max-drop: 0.01}
  roc_auc:  {min: 0.7, max-relative-drop: 0.02}
significance: {alpha: 0.05, resamples: 300}
slices:
  by: [region]
  min-rows: 30
  metrics: {accuracy: {min: 0.5, max-gap: 0.2}}
`;

const mainRows = examples(1500, 1.4);
const prRows = examples(1500, 1.0);

beforeAll(async () => {
  sandbox = await startGitHubSandbox({ artifacts: true });
  sandbox.emulator.addRepository(REPO, 'master');
  workspace = await mkdtemp(join(tmpdir(), 'test-model-ws-'));
  await mkdir(join(workspace, 'ml'));
  await writeFile(join(workspace, 'ml', 'tests.yml'), TESTS);
  await writeFile(join(workspace, 'main.csv'), csv(mainRows));
  await writeFile(join(workspace, 'pr.csv'), csv(prRows));
});
afterEach(() => sandbox.emulator.assertContractClean());
afterAll(() => sandbox.stop());

function runnerEnv(runId: number) {
  return { ...sandbox.emulator.runnerEnvironment(REPO, runId), GITHUB_WORKFLOW_REF: WORKFLOW_REF };
}

function pushToMaster(): WebhookEvent {
  const push = exampleEvent('push');
  push.payload.ref = 'refs/heads/master';
  return push;
}

function pullRequest(number: number, headSha: string): WebhookEvent {
  const event = exampleEvent('pull_request', 'opened');
  event.payload.pull_request.number = number;
  event.payload.pull_request.head.sha = headSha;
  sandbox.emulator.addPullRequest(REPO, { number, headSha, baseRef: 'master' });
  return event;
}

const comments = (number: number) =>
  sandbox.emulator.repository(REPO).issueComments.filter((comment) => comment.issue_number === number);

function errors(run: ActionRun) {
  return run.annotations.filter((annotation) => annotation.level === 'error');
}

async function sklearnBinary(rows: readonly Example[]): Promise<Record<string, number>> {
  return runReference(
    `from sklearn import metrics as M
import numpy as np
y = np.array(data["y"]); s = np.array(data["s"]); p = (s >= 0.5).astype(int)
result = {"accuracy": M.accuracy_score(y, p), "precision": M.precision_score(y, p), "recall": M.recall_score(y, p),
          "f1": M.f1_score(y, p), "roc_auc": M.roc_auc_score(y, s), "pr_auc": M.average_precision_score(y, s),
          "log_loss": M.log_loss(y, s), "brier": M.brier_score_loss(y, s)}`,
    { y: rows.map((row) => row.label), s: rows.map((row) => row.score) },
  );
}

function expectMetricsClose(actual: Record<string, number>, expected: Record<string, number>) {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [name, value] of Object.entries(expected))
    expect(Math.abs(actual[name]! - value), name).toBeLessThan(1e-9);
}

describe('test-model: baseline auto, end to end through the GitHub emulator', () => {
  let mainRun: ActionRun;

  test('a push to the default branch tests the model and saves its metrics as the baseline artifact', async () => {
    const run = sandbox.emulator.addWorkflowRun(REPO, { workflow: 'ml.yml', branch: 'master', event: 'push' });
    mainRun = await runAction(actionDir('test-model'), {
      event: pushToMaster(),
      workspace,
      githubToken: TOKENS.actions,
      inputs: { predictions: 'main.csv', tests: 'ml/tests.yml' },
      env: runnerEnv(run.id),
    });
    expect(mainRun.exitCode, mainRun.stdout).toBe(0);
    expect(mainRun.outputs.passed).toBe('true');
    expectMetricsClose(JSON.parse(mainRun.outputs.metrics!), await sklearnBinary(mainRows));
    expect(mainRun.outputs['baseline-metrics']).toBe('{}');
    const artifact = sandbox.emulator
      .repository(REPO)
      .artifacts.find((item) => item.name === 'mlops-metrics-Hello-World');
    expect(artifact?.workflow_run.id).toBe(run.id);
    // No earlier green run saved one: said in the summary, and the drop tests are skipped, not passed.
    expect(mainRun.summary).toContain('No baseline: no successful push run of ml.yml on master saved');
    expect(mainRun.summary).toContain('➖ drop ≤ 0.01');
    const report = JSON.parse(await readFile(mainRun.outputs.report!, 'utf8'));
    const validate = await reportValidator();
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
  });

  test('a pull request finds it, compares, gates the drop and comments a table a reader grasps at a glance', async () => {
    const headSha = 'a'.repeat(40);
    const event = pullRequest(31, headSha);
    const run = sandbox.emulator.addWorkflowRun(REPO, {
      workflow: 'ml.yml',
      branch: 'feature',
      event: 'pull_request',
      headSha,
    });
    const prRun = await runAction(actionDir('test-model'), {
      event,
      workspace,
      githubToken: TOKENS.actions,
      inputs: { predictions: 'pr.csv', tests: 'ml/tests.yml' },
      env: runnerEnv(run.id),
    });
    expect(prRun.exitCode, prRun.stdout).toBe(1);
    const main = JSON.parse(mainRun.outputs.metrics!) as Record<string, number>;
    const pr = JSON.parse(prRun.outputs.metrics!) as Record<string, number>;
    expect(JSON.parse(prRun.outputs['baseline-metrics']!)).toEqual(main);
    expectMetricsClose(pr, await sklearnBinary(prRows));
    expect(pr.f1).toBeLessThan(main.f1! - 0.01);
    expect(JSON.parse(prRun.outputs['failed-tests']!)).toEqual(expect.arrayContaining(['f1.max-drop']));
    expect(prRun.outputs.passed).toBe('false');
    const [error] = errors(prRun);
    expect(error?.message).toMatch(/model tests failed: .*f1 dropped by/);
    expect(prRun.stdout).not.toMatch(/\n\s+at /);

    const [comment] = comments(31);
    const body = comment?.body as string;
    expect(body).toMatch(/^<!-- mlops-actions:test-model -->\n### ❌ Model tests: Hello-World\n/);
    expect(body).toMatch(/\*\*\d+ of \d+ tests failed\*\*: f1 drop ≤ 0\.01/);
    expect(body).toMatch(
      / · binary · 1,500 examples · \[compared with master \([0-9a-f]{7}\)\]\(https:\/\/github\.com\/Codertocat\/Hello-World\/actions\/runs\/\d+\)\n/,
    );
    expect(body).toContain('| Metric | master | this PR | Δ | Test |');
    const f1Row = body.split('\n').find((line) => line.startsWith('| `f1` |'));
    expect(f1Row).toMatch(
      /\| 🔴 ▼ −[\d.]+<br><sub>(worse|within noise) \(95% CI −[\d.]+ … [−+]?[\d.]+\)<\/sub> \| ✅ ≥ 0\.5 · ❌ drop ≤ 0\.01 \|$/,
    );
    const accuracyRow = body.split('\n').find((line) => line.startsWith('| `accuracy` |'));
    expect(accuracyRow).toContain('McNemar p = ');
    expect(body).toContain('#### Slices');
    expect(body).toMatch(/\| <b>gap \(best − worst\)<\/b> \| {2}\| [\d.]+ \| [✅❌] gap ≤ 0\.2 \|/);
    expect(body).toContain('#### Confusion matrix at threshold 0.5');
    expect(body).toContain(
      '```mermaid\nxychart-beta\n    title "master vs this PR, side by side"\n    x-axis ["accuracy · master", "accuracy · PR", "f1 · master", "f1 · PR", "roc_auc · master", "roc_auc · PR"]',
    );
    expect(body).toContain('<details>\n<summary>All other metrics (5)</summary>');
    expect(run.id).toBeGreaterThan(0);
    // The job summary is the same section.
    expect(prRun.summary).toContain('| Metric | master | this PR | Δ | Test |');
  });

  test('same predictions as main: every change is zero and within the noise, and the step passes', async () => {
    const headSha = 'b'.repeat(40);
    const event = pullRequest(32, headSha);
    const run = sandbox.emulator.addWorkflowRun(REPO, {
      workflow: 'ml.yml',
      branch: 'same',
      event: 'pull_request',
      headSha,
    });
    const same = await runAction(actionDir('test-model'), {
      event,
      workspace,
      githubToken: TOKENS.actions,
      inputs: { predictions: 'main.csv', tests: 'ml/tests.yml' },
      env: runnerEnv(run.id),
    });
    expect(same.exitCode, same.stdout).toBe(0);
    const body = comments(32)[0]?.body as string;
    expect(body).toMatch(/\*\*All \d+ tests passed\*\*/);
    expect(body.split('\n').find((line) => line.startsWith('| `f1` |'))).toContain('| = 0 |');
  });

  test('a model name without a saved baseline: said in the comment, absolute thresholds only', async () => {
    const headSha = 'c'.repeat(40);
    const event = pullRequest(33, headSha);
    const run = sandbox.emulator.addWorkflowRun(REPO, {
      workflow: 'ml.yml',
      branch: 'x',
      event: 'pull_request',
      headSha,
    });
    const fresh = await runAction(actionDir('test-model'), {
      event,
      workspace,
      githubToken: TOKENS.actions,
      inputs: { predictions: 'pr.csv', tests: 'ml/tests.yml', name: 'new-model' },
      env: runnerEnv(run.id),
    });
    expect(fresh.exitCode, fresh.stdout).toBe(0);
    const body = comments(33)[0]?.body as string;
    expect(body).toContain("No baseline: no successful push run of ml.yml on master saved 'mlops-metrics-new-model'");
    expect(body).toContain('| Metric | this PR | Test |');
    expect(body).not.toContain('mermaid');
    expect(fresh.annotations.filter((annotation) => annotation.level === 'warning')[0]?.message).toContain(
      'No baseline',
    );
  });
});

describe('test-model: sharded evaluation merged from partial artifacts', () => {
  test('two shards save partials; merge: true combines them into the metrics of all rows', async () => {
    const run = sandbox.emulator.addWorkflowRun(REPO, { workflow: 'ml.yml', branch: 'feature', event: 'pull_request' });
    const env = runnerEnv(run.id);
    await writeFile(join(workspace, 'shard-1.csv'), csv(mainRows.slice(0, 700)));
    await writeFile(join(workspace, 'shard-2.csv'), csv(mainRows.slice(700)));
    for (const shard of ['1', '2']) {
      const step = await runAction(actionDir('test-model'), {
        workspace,
        githubToken: TOKENS.actions,
        inputs: { predictions: `shard-${shard}.csv`, shard, comment: 'never', name: 'sharded' },
        env,
      });
      expect(step.exitCode, step.stdout).toBe(0);
    }
    const merged = await runAction(actionDir('test-model'), {
      workspace,
      githubToken: TOKENS.actions,
      inputs: { merge: 'true', tests: 'ml/tests.yml', comment: 'never', name: 'sharded', baseline: 'none' },
      env,
    });
    // The slices need per-example predictions, which shards do not hand on: asking for them is an error.
    expect(merged.exitCode).toBe(1);
    expect(errors(merged)[0]).toMatchObject({ file: 'ml/tests.yml', line: 7 });
    expect(errors(merged)[0]?.message).toContain('slices need per-example predictions');
    await writeFile(join(workspace, 'ml', 'tests-merged.yml'), 'version: 1\nmetrics:\n  roc_auc: {min: 0.7}\n');
    const again = await runAction(actionDir('test-model'), {
      workspace,
      githubToken: TOKENS.actions,
      inputs: { merge: 'true', tests: 'ml/tests-merged.yml', comment: 'never', name: 'sharded', baseline: 'none' },
      env,
    });
    expect(again.exitCode, again.stdout).toBe(0);
    expect(again.summary).toContain('Merged from 2 shard(s).');
    // Scores with six decimals collide in the 2^16-cell grid, so the shards keep histograms: counting metrics, log
    // loss and Brier merge exactly, ROC AUC and PR AUC within the bound the report states.
    const bounds = /within ±([\d.e+-]+) and ±([\d.e+-]+) of the exact values/.exec(again.summary);
    expect(bounds).not.toBeNull();
    const [rocBound, prBound] = [Number(bounds![1]), Number(bounds![2])];
    expect(rocBound).toBeLessThan(1e-3);
    const { roc_auc, pr_auc, ...exact } = JSON.parse(again.outputs.metrics!) as Record<string, number>;
    const { roc_auc: rocExpected, pr_auc: prExpected, ...exactExpected } = await sklearnBinary(mainRows);
    expectMetricsClose(exact, exactExpected);
    expect(Math.abs(roc_auc! - rocExpected!)).toBeLessThanOrEqual(rocBound);
    expect(Math.abs(pr_auc! - prExpected!)).toBeLessThanOrEqual(prBound);
  });
});

describe('test-model: bad inputs are one clear error each, exit 1', () => {
  test.each([
    [
      'the label column is missing',
      { 'label-column': 'target' },
      "Input 'label-column': column 'target' is not in main.csv; its columns are label, score, region.",
    ],
    [
      'scores that are not numbers',
      { predictions: 'text.csv' },
      `Input 'predictions': text.csv:3: the score column 'score' holds "n/a", which is not a number; scores must be numeric.`,
    ],
    [
      'an empty predictions file',
      { predictions: 'empty.csv' },
      "Input 'predictions': 'empty.csv' is empty; it should hold one row per example.",
    ],
    [
      'an unknown metric in the tests',
      { tests: 'ml/typo.yml' },
      "ml/typo.yml:3: unknown metric 'acuracy': the metrics computed or read from the metrics files are accuracy, precision, recall, f1, roc_auc, pr_auc, log_loss, brier. Did you mean 'accuracy'? (at metrics.acuracy)",
    ],
    [
      'a metrics file that is not JSON or YAML',
      { predictions: '', metrics: 'metrics.txt' },
      "Input 'metrics': 'metrics.txt' is not a metrics file: use JSON (.json), YAML (.yaml, .yml) or CSV (.csv, .tsv).",
    ],
    [
      'neither predictions nor metrics',
      { predictions: '' },
      "Give 'predictions' (a CSV, Parquet or JSON Lines file with one row per example) or 'metrics' (JSON, YAML or CSV metric files), or both.",
    ],
    ['an unknown task', { task: 'ranking' }, "Input 'task' must be one of"],
  ])('%s', async (_name, inputs, message) => {
    await writeFile(join(workspace, 'text.csv'), 'label,score,region\n1,0.9,EU\n0,n/a,US\n');
    await writeFile(join(workspace, 'empty.csv'), '');
    await writeFile(join(workspace, 'metrics.txt'), 'accuracy=0.9\n');
    await writeFile(join(workspace, 'ml', 'typo.yml'), 'version: 1\nmetrics:\n  acuracy: {min: 0.9}\n');
    const run = await runAction(actionDir('test-model'), {
      workspace,
      inputs: { predictions: 'main.csv', comment: 'never', baseline: 'none', ...inputs },
    });
    expect(run.exitCode).toBe(1);
    const found = errors(run);
    expect(found).toHaveLength(1);
    expect(found[0]?.message).toContain(message);
    expect(run.stdout).not.toMatch(/\n\s+at /);
  });

  test('metrics files alone: nested names are gated, and the error for an unknown one names its line', async () => {
    await writeFile(join(workspace, 'metrics.json'), '{"accuracy": 0.91, "val": {"loss": 0.2}, "latency_p95_ms": 41}');
    await writeFile(
      join(workspace, 'ml', 'files.yml'),
      'version: 1\nmetrics:\n  accuracy: {min: 0.9}\n  val.loss: {max: 0.25, direction: lower}\n  latency_p95_ms: {max: 50}\n',
    );
    const run = await runAction(actionDir('test-model'), {
      workspace,
      inputs: { metrics: 'metrics.json', tests: 'ml/files.yml', comment: 'never', baseline: 'none' },
    });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(JSON.parse(run.outputs.metrics!)).toEqual({ accuracy: 0.91, 'val.loss': 0.2, latency_p95_ms: 41 });
    expect(run.summary).toContain('| `val.loss` | 0.2 | ✅ ≤ 0.25 |');
  });
});

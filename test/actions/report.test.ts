import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { buildReport, REPORT_SCHEMA } from '../../shared/src/index.js';
import { exampleEvent } from '../support/events.js';
import { type GitHubSandbox, startGitHubSandbox, TOKENS } from '../support/github/sandbox.js';
import { actionDir, repositoryRoot, runAction } from '../support/run-action.js';

const REPO = 'Codertocat/Hello-World';
let sandbox: GitHubSandbox;
let workspace: string;

beforeAll(async () => {
  sandbox = await startGitHubSandbox({ artifacts: true });
  sandbox.emulator.addRepository(REPO, 'master');
  workspace = await mkdtemp(join(tmpdir(), 'report-ws-'));
  await mkdir(join(workspace, 'data'));
  await writeFile(join(workspace, 'data', 'train.csv'), 'age\n31\n');
  // age 31 breaks a warning-level check: the combined status is a warning.
  await writeFile(
    join(workspace, 'suite.yml'),
    'version: 1\ncolumns:\n  age: {type: integer, max: 30, severity: warning}\n',
  );
});
afterEach(() => sandbox.emulator.assertContractClean());
afterAll(() => sandbox.stop());

const runnerEnv = (runId: number) => sandbox.emulator.runnerEnvironment(REPO, runId);

const prComments = (number: number) =>
  sandbox.emulator.repository(REPO).issueComments.filter((comment) => comment.issue_number === number);

describe('report: one combined, fork-safe comment', () => {
  test('a fork PR run hands its report on; the workflow_run poster combines it into one comment, updated on rerun', async () => {
    // 1. The pull_request run from a fork: read-only token, the step still passes and uploads its report.
    const pr = exampleEvent('pull_request', 'opened');
    const number = 77;
    const headSha = '7'.repeat(40);
    pr.payload.pull_request.number = number;
    pr.payload.pull_request.head.sha = headSha;
    pr.payload.pull_request.head.repo.full_name = 'contributor/Hello-World';
    sandbox.emulator.addPullRequest(REPO, { number, headSha, fromFork: 'contributor/Hello-World' });
    const prRun = sandbox.emulator.addWorkflowRun(REPO, {
      workflow: 'ml-pull-request.yml',
      branch: 'feature',
      event: 'pull_request',
      headSha,
    });
    const forkStep = await runAction(actionDir('validate-data'), {
      event: pr,
      workspace,
      githubToken: TOKENS.fork,
      inputs: { data: 'data/train.csv', suite: 'suite.yml' },
      env: runnerEnv(prRun.id),
    });
    expect(forkStep.exitCode, forkStep.stdout).toBe(0);
    expect(prComments(number)).toHaveLength(0);

    // 2. The workflow_run poster, with a write token, in the base repository.
    const completed = exampleEvent('workflow_run', 'completed');
    completed.payload.workflow_run.id = prRun.id;
    completed.payload.workflow_run.head_sha = headSha;
    completed.payload.workflow_run.pull_requests = []; // what GitHub sends for forks
    completed.payload.workflow_run.head_repository.full_name = 'contributor/Hello-World';
    const posterRun = sandbox.emulator.addWorkflowRun(REPO, {
      workflow: 'comment-on-pr.yml',
      branch: 'master',
      event: 'workflow_run',
    });
    const post = () =>
      runAction(actionDir('report'), {
        event: completed,
        workspace,
        githubToken: TOKENS.actions,
        inputs: { 'from-artifacts': 'true', 'check-run': 'true' },
        env: runnerEnv(posterRun.id),
      });
    const first = await post();
    expect(first.exitCode, first.stdout).toBe(0);
    expect(first.outputs.status).toBe('warning');
    expect(first.outputs['comment-url']).toMatch(
      new RegExp(`^https://github.com/${REPO}/pull/${number}#issuecomment-\\d+$`),
    );
    const [comment] = prComments(number);
    expect(comment?.body).toMatch(/^<!-- mlops-actions:summary -->\n### ⚠️ mlops-actions\n/);
    expect(comment?.body).toContain(
      'data ⚠️ · model — not run · image — not run · promote — not run · deploy — not run',
    );
    expect(comment?.body).toContain('<summary>⚠️ data: 0 failed, 1 warning of 2 checks on 1 row</summary>');
    const check = sandbox.emulator.repository(REPO).checkRuns.find((run) => run.head_sha === headSha);
    expect(check).toMatchObject({ name: 'mlops-actions', conclusion: 'neutral', status: 'completed' });

    const second = await post();
    expect(second.exitCode).toBe(0);
    expect(prComments(number)).toHaveLength(1);
  });

  test('malicious reports are escaped, capped or rejected with a warning; nothing else breaks', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hostile-'));
    const hostile = buildReport({
      action: 'test-model',
      headline: '<img src=x onerror=alert(1)> cc @acme/ml-team',
      checks: [
        {
          id: 'f1',
          title: '[click me](https://evil.example) `code` | pipe',
          status: 'failed',
          severity: 'error',
          observed: { injected: '</details><script>alert(1)</script>' },
          details: `@everyone ${'x'.repeat(50_000)}`,
        },
      ],
      run: { url: 'https://evil.example/phish' },
    });
    await writeFile(join(dir, 'hostile.json'), JSON.stringify(hostile));
    await writeFile(join(dir, 'huge.json'), JSON.stringify({ ...hostile, padding: 'y'.repeat(10 * 1024 * 1024) }));
    await writeFile(join(dir, 'wrong.json'), JSON.stringify({ action: 'deploy', status: 'ok', checks: 'none' }));
    await writeFile(join(dir, 'garbage.json'), '{"not json');

    const run = await runAction(actionDir('report'), { inputs: { reports: `${dir}/*.json`, comment: 'never' } });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(
      run.annotations.filter((annotation) => annotation.level === 'warning').map((annotation) => annotation.message),
    ).toEqual([
      `Report ${dir}/garbage.json ignored: not JSON (Unterminated string in JSON at position 10 (line 1 column 11)).`,
      `Report ${dir}/huge.json ignored: 10.0 MB is over the 2 MB limit for a report.`,
      `Report ${dir}/wrong.json ignored: not a report: (root) must have required property 'schemaVersion'.`,
    ]);
    const summary = run.summary;
    // Untrusted values inside code spans are shown literally by GitHub; outside them no tag survives.
    const outsideCode = summary.replace(/(`+)[^`]*?\1/g, '');
    expect(outsideCode).not.toMatch(/<img|<script/);
    expect(summary).toContain('| injected &lt;/details&gt;&lt;script&gt;alert(1)&lt;/script&gt; |');
    expect(summary).not.toMatch(/@(acme|everyone)/);
    expect(summary).not.toContain('](https://evil.example');
    expect(summary).not.toContain('https://evil.example/phish');
    expect(summary).toContain('&lt;img src=x onerror=alert(1)&gt; cc @\u2060acme/ml-team');
    expect(summary).toContain('more characters)');
    expect(summary.length).toBeLessThan(20_000);
    expect(run.outputs.status).toBe('failed');
  });

  test('without reports it warns and still writes its own report', async () => {
    const run = await runAction(actionDir('report'), { inputs: { comment: 'never' } });
    expect(run.exitCode).toBe(0);
    expect(run.annotations).toEqual([{ level: 'warning', message: 'No mlops-actions reports were found to combine.' }]);
    expect(run.outputs.status).toBe('passed');
  });

  test('from-artifacts outside workflow_run is a configuration error', async () => {
    const run = await runAction(actionDir('report'), { inputs: { 'from-artifacts': 'true' } });
    expect(run.exitCode).toBe(1);
    expect(run.annotations[0]?.message).toBe(
      "Input 'from-artifacts' needs a workflow_run event: it reads the triggering run's artifacts.",
    );
  });

  test('schemas/report.schema.json is the schema the code validates with', async () => {
    const { readFile } = await import('node:fs/promises');
    expect(JSON.parse(await readFile(join(repositoryRoot, 'schemas', 'report.schema.json'), 'utf8'))).toEqual(
      REPORT_SCHEMA,
    );
  });
});

import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { exampleEvent } from '../support/events.js';
import { type GitHubSandbox, startGitHubSandbox, TOKENS } from '../support/github/sandbox.js';
import { actionDir, runAction } from '../support/run-action.js';

// The repository of the real webhook payloads in @octokit/webhooks-examples.
const REPO = 'Codertocat/Hello-World';
let sandbox: GitHubSandbox;
let workspace: string;

beforeAll(async () => {
  sandbox = await startGitHubSandbox({ artifacts: true });
  sandbox.emulator.addRepository(REPO, 'master');
  workspace = await mkdtemp(join(tmpdir(), 'comment-ws-'));
  await mkdir(join(workspace, 'data'));
  await writeFile(join(workspace, 'data', 'train.csv'), 'age\n31\n');
  await writeFile(join(workspace, 'suite.yml'), 'version: 1\ncolumns:\n  age: {type: integer}\n');
});
afterEach(() => sandbox.emulator.assertContractClean());
afterAll(() => sandbox.stop());

function validate(event: ReturnType<typeof exampleEvent>, token: string, extra: Record<string, string> = {}) {
  const run = sandbox.emulator.addWorkflowRun(REPO, {
    workflow: 'ml.yml',
    branch: 'master',
    status: 'in_progress',
    conclusion: null,
  });
  return runAction(actionDir('validate-data'), {
    event,
    workspace,
    inputs: {
      data: 'data/train.csv',
      suite: 'suite.yml',
      'github-token': token,
      comment: 'auto',
      'comment-key': 'validate-data',
      ...extra,
    },
    env: sandbox.emulator.runnerEnvironment(REPO, run.id),
  }).then((result) => ({ result, run }));
}

const prComments = (number: number) =>
  sandbox.emulator.repository(REPO).issueComments.filter((comment) => comment.issue_number === number);

describe('validate-data comments through the runner harness and the emulator', () => {
  test('pull_request: one sticky comment, updated in place on rerun, token never shown', async () => {
    const event = exampleEvent('pull_request', 'opened');
    const number = event.payload.pull_request.number;
    sandbox.emulator.addPullRequest(REPO, { number, headSha: event.payload.pull_request.head.sha });
    const first = await validate(event, TOKENS.actions);
    expect(first.result.exitCode, first.result.stdout).toBe(0);
    expect(prComments(number)).toHaveLength(1);
    const second = await validate(event, TOKENS.actions);
    expect(second.result.exitCode).toBe(0);
    expect(prComments(number)).toHaveLength(1);
    expect(prComments(number)[0]?.body).toMatch(/^<!-- mlops-actions:validate-data -->\n### ✅ Data validation/);
    expect(second.result.stdout).toMatch(
      /PR comment (updated|unchanged): https:\/\/github\.com\/Codertocat\/Hello-World\/pull\/2#issuecomment-\d+/,
    );
    const withoutMask = second.result.stdout.replace(`::add-mask::${TOKENS.actions}`, '');
    expect(withoutMask).not.toContain(TOKENS.actions);
    expect(second.result.summary).not.toContain(TOKENS.actions);
  });

  test("a fork's read-only token: a warning, the report handed on as an artifact, exit 0", async () => {
    const event = exampleEvent('pull_request', 'opened');
    const number = event.payload.pull_request.number;
    const before = prComments(number).length;
    const { result, run } = await validate(event, TOKENS.fork);
    expect(result.exitCode, result.stdout).toBe(0);
    const warning = result.annotations.find((annotation) => annotation.level === 'warning');
    expect(warning?.message).toMatch(
      /^Cannot comment: the token cannot write comments on pull request #2 of Codertocat\/Hello-World\. The report was uploaded as artifact 'mlops-report-validate-data-test-step_1' \(id \d+\)/,
    );
    expect(prComments(number)).toHaveLength(before);
    const handedOn = sandbox.emulator
      .repository(REPO)
      .artifacts.filter((artifact) => artifact.workflow_run.id === run.id);
    expect(handedOn.map((artifact) => artifact.name)).toEqual(['mlops-report-validate-data-test-step_1']);
  });

  test('push: finds the pull request of the pushed commit', async () => {
    const event = exampleEvent('push');
    sandbox.emulator.addPullRequest(REPO, { number: 40, headSha: event.payload.after });
    const { result } = await validate(event, TOKENS.actions);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(prComments(40)).toHaveLength(1);
  });

  test('no pull request: no comment with auto, a commit comment with always', async () => {
    const event = exampleEvent('push');
    event.payload.after = 'e'.repeat(40);
    const auto = await validate(event, TOKENS.actions);
    expect(auto.result.stdout).toContain('This run has no pull request: no comment (comment: auto).');
    const commitComments = () =>
      sandbox.emulator.repository(REPO).commitComments.filter((comment) => comment.commit_id === 'e'.repeat(40));
    expect(commitComments()).toHaveLength(0);
    const always = await validate(event, TOKENS.actions, { comment: 'always' });
    expect(always.result.exitCode, always.result.stdout).toBe(0);
    expect(commitComments()).toHaveLength(1);
  });

  test('comment: never touches no GitHub API at all', async () => {
    const before = sandbox.emulator.requests.length;
    const { result } = await validate(exampleEvent('pull_request', 'opened'), TOKENS.actions, { comment: 'never' });
    expect(result.exitCode).toBe(0);
    expect(sandbox.emulator.requests.slice(before).filter((request) => !request.path.startsWith('/twirp'))).toEqual([]);
  });
});

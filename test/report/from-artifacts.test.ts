import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { buildReport, formatBytes, type Report, uploadRunArtifact } from '../../shared/src/index.js';
import { exampleEvent } from '../support/events.js';
import { type GitHubSandbox, startGitHubSandbox, TOKENS } from '../support/github/sandbox.js';
import { actionDir, runAction } from '../support/run-action.js';

/** The repository the workflow_run example payload names. */
const REPO = 'Codertocat/Hello-World';
let sandbox: GitHubSandbox;
let nextPullRequest = 500;

beforeAll(async () => {
  sandbox = await startGitHubSandbox({ artifacts: true });
  sandbox.emulator.addRepository(REPO, 'master');
  // Uploads happen in this process, as the pull request's run would make them; @actions/artifact reads these.
  process.env.ACTIONS_RESULTS_URL = sandbox.emulator.resultsUrl;
});
afterEach(() => sandbox.emulator.assertContractClean());
afterAll(() => sandbox.stop());

const passing = (action: string, headline: string) =>
  buildReport({
    action,
    headline,
    checks: [{ id: 'rows', title: 'row count ≥ 100', status: 'passed', severity: 'error' }],
    run: {},
  });

type Conclusion = 'success' | 'failure' | 'cancelled';

/** A fork's ml-pull-request run that ended `conclusion` and uploaded `artifacts` (name → file → content). */
async function forkRun(artifacts: Record<string, Record<string, string>>, conclusion: Conclusion = 'success') {
  const number = nextPullRequest++;
  const headSha = number.toString(16).padStart(40, 'a');
  sandbox.emulator.addPullRequest(REPO, { number, headSha, fromFork: 'contributor/Hello-World' });
  const run = sandbox.emulator.addWorkflowRun(REPO, {
    workflow: 'ml-pull-request.yml',
    branch: 'feature',
    event: 'pull_request',
    headSha,
    conclusion,
  });
  process.env.ACTIONS_RUNTIME_TOKEN = sandbox.emulator.runtimeTokenFor(REPO, run.id);
  for (const [name, files] of Object.entries(artifacts)) {
    const folder = await mkdtemp(join(tmpdir(), 'fork-artifact-'));
    for (const [file, content] of Object.entries(files)) await writeFile(join(folder, file), content);
    await uploadRunArtifact(
      name,
      Object.keys(files).map((file) => join(folder, file)),
      folder,
    );
  }
  return { number, headSha, run };
}

const reportArtifact = (report: Report) => ({ 'report.json': JSON.stringify(report) });

/** comment-on-pr.yml's report step, run by the runner in the base repository after `pr` completed. */
async function postFor(pr: Awaited<ReturnType<typeof forkRun>>, inputs: Record<string, string> = {}) {
  const completed = exampleEvent('workflow_run', 'completed');
  Object.assign(completed.payload.workflow_run, {
    id: pr.run.id,
    name: 'ml-pull-request',
    head_sha: pr.headSha,
    conclusion: pr.run.conclusion,
    pull_requests: [],
  });
  completed.payload.workflow_run.head_repository.full_name = 'contributor/Hello-World';
  const poster = sandbox.emulator.addWorkflowRun(REPO, {
    workflow: 'comment-on-pr.yml',
    branch: 'master',
    event: 'workflow_run',
  });
  const run = await runAction(actionDir('report'), {
    event: completed,
    githubToken: TOKENS.actions,
    inputs: { 'from-artifacts': 'true', 'check-run': 'true', ...inputs },
    env: sandbox.emulator.runnerEnvironment(REPO, poster.id),
  });
  expect(run.exitCode, run.stdout).toBe(0);
  const repository = sandbox.emulator.repository(REPO);
  const checks = repository.checkRuns.filter((check) => check.head_sha === pr.headSha);
  expect(checks).toHaveLength(1);
  const comments = repository.issueComments.filter((comment) => comment.issue_number === pr.number);
  expect(comments).toHaveLength(1);
  return {
    run,
    check: checks[0] as { conclusion: string; output: { title: string; summary: string } },
    comment: comments[0]?.body as string,
    warnings: run.annotations.filter((annotation) => annotation.level === 'warning').map((item) => item.message),
  };
}

const FORK_NOTE =
  "> The statuses below come from the pull request's own report artifacts: for a pull request from a fork they " +
  "are the fork's claims. Protect branches with the ml-pull-request jobs as required checks, not with this one.";

describe('the check run is honest about what it knows', () => {
  test('no reports: neutral, saying so, never success', async () => {
    const pr = await forkRun({});
    const { check, warnings } = await postFor(pr);
    expect(check.conclusion).toBe('neutral');
    expect(check.output.title).toBe('no mlops-actions reports found');
    expect(check.output.summary).toMatch(/^\*\*Conclusion: neutral\*\*\n\n- no mlops-actions reports found\n\n/);
    expect(check.output.summary).toContain(FORK_NOTE);
    expect(warnings).toEqual(['No mlops-actions reports were found to combine.']);
  });

  test('a failed triggering run: failure, whatever the reports claim', async () => {
    const pr = await forkRun(
      { 'mlops-report-data': reportArtifact(passing('validate-data', '12 checks passed')) },
      'failure',
    );
    const { check, comment } = await postFor(pr);
    expect(check.conclusion).toBe('failure');
    expect(check.output.title).toBe('ml-pull-request failed');
    expect(check.output.summary).toMatch(/^\*\*Conclusion: failure\*\*\n\n- ml-pull-request failed\n\n/);
    expect(comment).toContain('<summary>✅ data: 12 checks passed</summary>');
  });

  test('a cancelled triggering run: failure, and the missing stage named', async () => {
    const pr = await forkRun(
      { 'mlops-report-data': reportArtifact(passing('validate-data', '12 checks passed')) },
      'cancelled',
    );
    const { check, comment } = await postFor(pr, { 'expected-stages': 'data, model' });
    expect(check.conclusion).toBe('failure');
    expect(check.output.title).toBe('ml-pull-request was cancelled; missing reports: model');
    expect(check.output.summary).toMatch(
      /^\*\*Conclusion: failure\*\*\n\n- ml-pull-request was cancelled\n- missing reports: model\n\n/,
    );
    expect(comment).toContain('data ✅ · model — not run · image — not run');
  });

  test('a passing run with every expected report passing: success, naming the stages', async () => {
    const pr = await forkRun({
      'mlops-report-data': reportArtifact(passing('validate-data', '12 checks passed')),
      'mlops-report-model': reportArtifact(passing('test-model', 'f1 0.91 ≥ 0.85')),
    });
    const { check, comment, warnings } = await postFor(pr, { 'expected-stages': 'data, model' });
    expect(warnings).toEqual([]);
    expect(check.conclusion).toBe('success');
    expect(check.output.title).toBe('passed: data, model');
    expect(check.output.summary).toMatch(/^\*\*Conclusion: success\*\*\n\n- passed: data, model\n\n/);
    expect(check.output.summary).toContain(comment.replace(/^<!--[^\n]*-->\n/, ''));
    expect(comment).toContain('<summary>✅ model: f1 0.91 ≥ 0.85</summary>');
  });

  test('a passing run whose report failed: never better than the worst report', async () => {
    const failing = buildReport({
      action: 'test-model',
      headline: 'f1 0.71 < 0.85',
      checks: [{ id: 'f1', title: 'f1 ≥ 0.85', status: 'failed', severity: 'error' }],
      run: {},
    });
    const pr = await forkRun({
      'mlops-report-data': reportArtifact(passing('validate-data', '12 checks passed')),
      'mlops-report-model': reportArtifact(failing),
    });
    const { check } = await postFor(pr);
    expect(check.conclusion).toBe('failure');
    expect(check.output.title).toBe('failed: model');
  });
});

describe('bad input in the artifacts: a warning naming it, the rest posted', () => {
  test('a malformed report artifact and a 1 GB one (by its listed size, never downloaded)', async () => {
    const pr = await forkRun({
      'mlops-report-data': reportArtifact(passing('validate-data', '12 checks passed')),
      'mlops-report-malformed': { 'report.json': '{"schemaVersion": 1, "action": ' },
      'mlops-report-empty': { 'notes.txt': 'no report here' },
    });
    // Listed only: a download would fail, so the test also shows the size is checked before downloading.
    const huge = sandbox.emulator.seedArtifact(REPO, pr.run.id, {
      name: 'mlops-report-huge',
      sizeInBytes: 1_073_741_824,
    });
    const before = sandbox.emulator.requests.length;
    const { warnings, comment, check } = await postFor(pr);
    expect(warnings).toEqual([
      "Artifact 'mlops-report-huge' (1.07 GB) was not downloaded: it is over the 100 MB left of max-artifacts-size (100 MB).",
      "Artifact 'mlops-report-empty' holds no report (no .json file).",
      'Report mlops-report-malformed/report.json ignored: not JSON (Unexpected end of JSON input).',
    ]);
    expect(comment).toContain('<summary>✅ data: 12 checks passed</summary>');
    expect(check.conclusion).toBe('neutral');
    expect(check.output.title).toBe('1 report ignored');
    const downloads = sandbox.emulator.requests
      .slice(before)
      .filter((request) => request.operationId === 'actions/download-artifact');
    expect(downloads).toHaveLength(3);
    expect(downloads.map((request) => request.path)).not.toContainEqual(expect.stringContaining(`/${huge.id}/`));
  });

  test('a zip bomb (small as listed, over the cap unzipped): one warning naming it, nothing of it used, the rest posted', async () => {
    // 20 MB of one character around a report: deflate makes it about 20 KB, well under the 1 MB listed cap.
    const bomb = `${JSON.stringify(passing('test-model', 'bomb headline'))}${' '.repeat(20_000_000)}`;
    const pr = await forkRun({
      'mlops-report-bomb': { 'report.json': bomb },
      'mlops-report-data': reportArtifact(passing('validate-data', '12 checks passed')),
    });
    const listed = sandbox.emulator
      .repository(REPO)
      .artifacts.find((artifact) => artifact.workflow_run.id === pr.run.id && artifact.name === 'mlops-report-bomb');
    expect(listed?.size_in_bytes).toBeLessThan(100_000);
    const { warnings, comment } = await postFor(pr, { 'max-artifacts-size': '1MB' });
    expect(warnings).toEqual([
      `Artifact 'mlops-report-bomb' (${formatBytes(listed?.size_in_bytes as number)} zipped) was left out: it unzips to more than the 1 MB left of max-artifacts-size (1 MB).`,
    ]);
    expect(comment).toContain('<summary>✅ data: 12 checks passed</summary>');
    expect(comment).not.toContain('bomb headline');
  });

  test('10,000 artifacts: one warning, the first max-artifacts downloaded and posted, the listing not read to the end', async () => {
    const pr = await forkRun({ 'mlops-report-a-data': reportArtifact(passing('validate-data', '12 checks passed')) });
    const stored = sandbox.emulator
      .repository(REPO)
      .artifacts.find((artifact) => artifact.workflow_run.id === pr.run.id);
    if (!stored) throw new Error('the uploaded report artifact is not listed');
    for (let index = 0; index < 9_999; index++) {
      const name = `mlops-report-z-${String(index).padStart(4, '0')}`;
      sandbox.emulator.seedArtifact(REPO, pr.run.id, { name, sizeInBytes: stored.size_in_bytes, sameBlobAs: stored });
    }
    const before = sandbox.emulator.requests.length;
    const { warnings, comment } = await postFor(pr, { 'max-artifacts': '3' });
    expect(warnings).toEqual([
      `Run ${pr.run.id} has more than 3 'mlops-report-*' artifacts (10,000 artifacts in all), over max-artifacts (3): only the first 3 listed were downloaded.`,
    ]);
    // The same report three times (the first artifact and two copies of its blob), combined and posted.
    expect(comment.split('<summary>✅ data: 12 checks passed</summary>')).toHaveLength(4);
    const listings = sandbox.emulator.requests
      .slice(before)
      .filter((request) => request.operationId === 'actions/list-workflow-run-artifacts');
    expect(listings).toHaveLength(1);
  });

  test('a strict parser for the limits', async () => {
    const run = await runAction(actionDir('report'), { inputs: { 'max-artifacts-size': '100' } });
    expect(run.exitCode).toBe(1);
    expect(run.annotations[0]?.message).toBe(
      `Input 'max-artifacts-size' must be a size such as 512MB, 1.5GB or 2GiB (units KB, MB, GB, TB or KiB, MiB, GiB, TiB), got "100".`,
    );
    const stages = await runAction(actionDir('report'), { inputs: { 'expected-stages': 'data, models' } });
    expect(stages.exitCode).toBe(1);
    expect(stages.annotations[0]?.message).toBe(
      `Input 'expected-stages' must be one of 'data', 'model', 'image', 'promote', 'deploy', got "models".`,
    );
  });
});

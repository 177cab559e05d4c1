import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { type GitHubSandbox, REPOSITORY, startGitHubSandbox } from '../support/github/sandbox.js';

// Checks, statuses, deployments and releases are what promote and deploy will use: every call here is checked
// against GitHub's contract in both directions.
const repository = { owner: 'acme', repo: 'churn-model' };
const sha = '9'.repeat(40);
let sandbox: GitHubSandbox;

beforeAll(async () => {
  sandbox = await startGitHubSandbox();
});
afterEach(() => sandbox.emulator.assertContractClean());
afterAll(() => sandbox.stop());

describe('emulated resources answer within the contract', () => {
  test('check runs: create, update, list for a ref', async () => {
    const { client } = sandbox.client();
    const { data: created } = await client.rest.checks.create({
      ...repository,
      name: 'mlops / model',
      head_sha: sha,
      status: 'in_progress',
    });
    expect(created).toMatchObject({ name: 'mlops / model', status: 'in_progress', conclusion: null });
    await client.rest.checks.update({
      ...repository,
      check_run_id: created.id,
      conclusion: 'failure',
      output: { title: 'f1 fell', summary: 'f1 −0.013 vs main' },
    });
    const { data } = await client.rest.checks.listForRef({ ...repository, ref: sha });
    expect(data.check_runs.map((run) => [run.name, run.status, run.conclusion, run.output.title])).toEqual([
      ['mlops / model', 'completed', 'failure', 'f1 fell'],
    ]);
  });

  test('commit statuses and the combined status keep the latest per context', async () => {
    const { client } = sandbox.client();
    await client.rest.repos.createCommitStatus({ ...repository, sha, state: 'pending', context: 'data' });
    await client.rest.repos.createCommitStatus({ ...repository, sha, state: 'success', context: 'data' });
    await client.rest.repos.createCommitStatus({ ...repository, sha, state: 'failure', context: 'model' });
    const { data } = await client.rest.repos.getCombinedStatusForRef({ ...repository, ref: sha });
    expect(data.state).toBe('failure');
    expect(data.statuses.map((status) => [status.context, status.state])).toEqual([
      ['data', 'success'],
      ['model', 'failure'],
    ]);
  });

  test('deployments with statuses, newest first', async () => {
    const { client } = sandbox.client();
    const { data: deployment } = await client.rest.repos.createDeployment({
      ...repository,
      ref: sha,
      environment: 'production',
      auto_merge: false,
      required_contexts: [],
      payload: { digest: 'sha256:abc' },
    });
    if (!('id' in deployment)) throw new Error('expected a deployment');
    await client.rest.repos.createDeploymentStatus({
      ...repository,
      deployment_id: deployment.id,
      state: 'in_progress',
    });
    await client.rest.repos.createDeploymentStatus({ ...repository, deployment_id: deployment.id, state: 'success' });
    const { data: statuses } = await client.rest.repos.listDeploymentStatuses({
      ...repository,
      deployment_id: deployment.id,
    });
    expect(statuses.map((status) => status.state)).toEqual(['success', 'in_progress']);
    const { data: listed } = await client.rest.repos.listDeployments({ ...repository, environment: 'production' });
    expect(listed.map((item) => item.id)).toContain(deployment.id);
  });

  test('releases: read by tag, notes appended', async () => {
    const release = {
      ...sandbox.emulator.contract.example<Record<string, any>>('release'),
      id: 77,
      tag_name: 'v1.4.0',
      body: 'Notes',
    };
    sandbox.emulator.repository(REPOSITORY).releases.push(release);
    const { client } = sandbox.client();
    const { data } = await client.rest.repos.getReleaseByTag({ ...repository, tag: 'v1.4.0' });
    expect(data.id).toBe(77);
    const { data: updated } = await client.rest.repos.updateRelease({
      ...repository,
      release_id: 77,
      body: `${data.body}\n\n## Promoted`,
    });
    expect(updated.body).toBe('Notes\n\n## Promoted');
    await expect(client.rest.repos.getReleaseByTag({ ...repository, tag: 'v9.9.9' })).rejects.toMatchObject({
      status: 404,
    });
  });

  test('workflow runs filter by branch, status and event, newest first', async () => {
    const older = sandbox.emulator.addWorkflowRun(REPOSITORY, {
      workflow: 'ci.yml',
      branch: 'main',
      createdAt: '2026-01-01T00:00:00Z',
    });
    const newer = sandbox.emulator.addWorkflowRun(REPOSITORY, {
      workflow: 'ci.yml',
      branch: 'main',
      createdAt: '2026-02-01T00:00:00Z',
    });
    sandbox.emulator.addWorkflowRun(REPOSITORY, {
      workflow: 'ci.yml',
      branch: 'main',
      conclusion: 'failure',
      createdAt: '2026-03-01T00:00:00Z',
    });
    sandbox.emulator.addWorkflowRun(REPOSITORY, {
      workflow: 'ci.yml',
      branch: 'dev',
      createdAt: '2026-04-01T00:00:00Z',
    });
    sandbox.emulator.addWorkflowRun(REPOSITORY, {
      workflow: 'ci.yml',
      branch: 'main',
      event: 'pull_request',
      createdAt: '2026-05-01T00:00:00Z',
    });
    const { client } = sandbox.client();
    const { data } = await client.rest.actions.listWorkflowRuns({
      ...repository,
      workflow_id: 'ci.yml',
      branch: 'main',
      status: 'success',
      event: 'push',
    });
    expect(data.workflow_runs.map((run) => run.id)).toEqual([newer.id, older.id]);
  });

  test('writes without authentication are refused; a read-only token may still read', async () => {
    const anonymous = await fetch(`${sandbox.emulator.url}/repos/${REPOSITORY}/check-runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', head_sha: sha }),
    });
    expect(anonymous.status).toBe(401);
    const { client } = sandbox.client('ghs_forkReadOnlyToken0000000000000000000');
    await expect(client.rest.checks.create({ ...repository, name: 'x', head_sha: sha })).rejects.toMatchObject({
      status: 403,
    });
    expect((await client.rest.checks.listForRef({ ...repository, ref: sha })).status).toBe(200);
  });
});

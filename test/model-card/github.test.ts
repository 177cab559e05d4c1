import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  findMergingPullRequest,
  runApprovals,
  updateReleaseNotes,
  uploadReleaseAsset,
  withModelCardSection,
} from '../../shared/src/index.js';
import { type GitHubSandbox, REPOSITORY, startGitHubSandbox } from '../support/github/sandbox.js';

// What the model card reads of a release's people and process (the pull request that merged the commit with its
// reviews, the environment approvals of the release run) and where it writes (release assets), every call checked
// against GitHub's contract in both directions.
const repository = { owner: 'acme', repo: 'churn-model' };
let sandbox: GitHubSandbox;

beforeAll(async () => {
  sandbox = await startGitHubSandbox();
});
afterEach(() => sandbox.emulator.assertContractClean());
afterAll(() => sandbox.stop());

describe('release evidence from the emulated GitHub', () => {
  test('the merging pull request: its author, and the reviewers whose latest review approved', async () => {
    const commit = 'a1'.repeat(20);
    sandbox.emulator.addPullRequest(REPOSITORY, { number: 7, headSha: 'b2'.repeat(20), title: 'Open, same head' });
    sandbox.emulator.addPullRequest(REPOSITORY, {
      number: 8,
      headSha: 'c3'.repeat(20),
      mergeCommitSha: commit,
      author: 'data-scientist',
      title: 'Add flipper length',
    });
    const review = (login: string, state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED', at: string) =>
      sandbox.emulator.addReview(REPOSITORY, 8, { login, state, submittedAt: at });
    review('alice', 'APPROVED', '2026-12-01T09:00:00Z');
    review('bob', 'CHANGES_REQUESTED', '2026-12-01T09:10:00Z');
    review('bob', 'APPROVED', '2026-12-01T09:30:00Z');
    review('carol', 'APPROVED', '2026-12-01T09:40:00Z');
    review('carol', 'CHANGES_REQUESTED', '2026-12-01T09:50:00Z');
    review('dave', 'COMMENTED', '2026-12-01T10:00:00Z');
    const { client } = sandbox.client();
    expect(await findMergingPullRequest(client, repository, commit)).toEqual({
      number: 8,
      title: 'Add flipper length',
      url: `https://github.com/${REPOSITORY}/pull/8`,
      author: 'data-scientist',
      approvers: [
        { login: 'alice', at: '2026-12-01T09:00:00Z' },
        { login: 'bob', at: '2026-12-01T09:30:00Z' },
      ],
    });
    expect(await findMergingPullRequest(client, repository, 'd4'.repeat(20))).toBeUndefined();
  });

  test("the release run's environment approvals: who, which environments, the decision, comment and when", async () => {
    const run = sandbox.emulator.addWorkflowRun(REPOSITORY, {
      workflow: 'ml-release.yml',
      branch: 'v1.0.0',
      event: 'release',
    });
    sandbox.emulator.addRunApproval(REPOSITORY, run.id, {
      login: 'release-manager',
      environments: ['production'],
      comment: 'Reviewed the card',
    });
    sandbox.emulator.addRunApproval(REPOSITORY, run.id, {
      login: 'auditor',
      environments: ['audit'],
      state: 'rejected',
    });
    const { client } = sandbox.client();
    const commit = 'e5'.repeat(20);
    // The job's deployment of the commit starts once approved: that start is when it was approved.
    const { data: deployment } = await client.rest.repos.createDeployment({
      ...repository,
      ref: commit,
      environment: 'production',
      auto_merge: false,
      required_contexts: [],
    });
    const id = (deployment as { id: number }).id;
    await client.rest.repos.createDeploymentStatus({ ...repository, deployment_id: id, state: 'in_progress' });
    const started = sandbox.emulator.repository(REPOSITORY).deploymentStatuses.get(id)?.[0]?.created_at;
    expect(started).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await runApprovals(client, repository, run.id, commit)).toEqual([
      {
        login: 'release-manager',
        environments: ['production'],
        state: 'approved',
        at: started,
        comment: 'Reviewed the card',
      },
      { login: 'auditor', environments: ['audit'], state: 'rejected', at: null, comment: '' },
    ]);
    // Another commit: no deployment of it, so no time rather than a guess.
    expect((await runApprovals(client, repository, run.id, 'f6'.repeat(20)))[0]?.at).toBeNull();
    await expect(runApprovals(client, repository, 999_999, commit)).rejects.toThrow(/answered 404/);
  });

  test('release assets: uploaded with their bytes and type, a rerun replaces the asset of the same name', async () => {
    const release = sandbox.emulator.addRelease(REPOSITORY, { tag: 'v1.0.0', body: 'Notes' });
    const { client } = sandbox.client();
    const target = { id: release.id, uploadUrl: release.upload_url };
    const url = await uploadReleaseAsset(client, repository, target, {
      name: 'model-card.json',
      contentType: 'application/json',
      content: Buffer.from('{"version":"3"}'),
    });
    expect(url).toBe(`https://github.com/${REPOSITORY}/releases/download/v1.0.0/model-card.json`);
    await uploadReleaseAsset(client, repository, target, {
      name: 'model-card.json',
      contentType: 'application/json',
      content: Buffer.from('{"version":"4"}'),
    });
    const stored = sandbox.emulator.repository(REPOSITORY).releaseAssets;
    expect(stored.map((asset) => [asset.name, asset.content_type, asset.content.toString()])).toEqual([
      ['model-card.json', 'application/json', '{"version":"4"}'],
    ]);
    const { data: listed } = await client.rest.repos.listReleaseAssets({ ...repository, release_id: release.id });
    expect(listed.map((asset) => [asset.name, asset.size])).toEqual([['model-card.json', 15]]);
    // GitHub refuses a second asset of one name; the upload without deleting first is answered 422.
    const again = await client
      .request({
        method: 'POST',
        url: release.upload_url,
        name: 'model-card.json',
        data: 'x',
        headers: { 'content-type': 'text/plain' },
      })
      .catch((error: { status: number }) => error.status);
    expect(again).toBe(422);
  });

  test('release notes: the card section added to the notes as they are, then replaced on a rerun', async () => {
    const release = sandbox.emulator.addRelease(REPOSITORY, { tag: 'v1.1.0', body: 'Written by a person.' });
    const { client } = sandbox.client();
    await updateReleaseNotes(client, repository, release.id, (body) => withModelCardSection(body, '## Card one'));
    await updateReleaseNotes(client, repository, release.id, (body) => `${body}\n\nAppended by someone else.`);
    await updateReleaseNotes(client, repository, release.id, (body) => withModelCardSection(body, '## Card two'));
    expect(sandbox.emulator.repository(REPOSITORY).releases.find((entry) => entry.id === release.id)?.body).toBe(
      'Written by a person.\n\n<!-- mlops-actions/model-card:start -->\n## Card two\n<!-- mlops-actions/model-card:end -->\n\nAppended by someone else.',
    );
    await expect(updateReleaseNotes(client, repository, 1, (body) => body ?? '')).rejects.toThrow(
      /Updating the notes of release 1 failed: GitHub answered 404/,
    );
  });
});

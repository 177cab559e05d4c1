import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { describeGitHubFailure, readGithubEnvironment, resolvePullRequest } from '../../shared/src/index.js';
import { eventEnvironment, exampleEvent } from '../support/events.js';
import { type GitHubSandbox, REPOSITORY, startGitHubSandbox } from '../support/github/sandbox.js';

const repository = { owner: 'acme', repo: 'churn-model' };
let sandbox: GitHubSandbox;

beforeAll(async () => {
  sandbox = await startGitHubSandbox();
  sandbox.emulator.addPullRequest(REPOSITORY, { number: 1, headSha: '1'.repeat(40) });
});
afterEach(() => sandbox.emulator.assertContractClean());
afterAll(() => sandbox.stop());

const getPull = () => sandbox.client().client.rest.pulls.get({ ...repository, pull_number: 1 });
const attempts = () =>
  sandbox.emulator.requests.filter((request) => request.path === `/repos/${REPOSITORY}/pulls/1`).length;

describe('retries and rate limits', () => {
  test('a 502 then 200 succeeds', async () => {
    const before = attempts();
    sandbox.emulator.injectFault({ method: 'GET', path: /\/pulls\/1$/, status: 502, message: 'Bad Gateway' });
    const { data } = await getPull();
    expect(data.number).toBe(1);
    expect(attempts() - before).toBe(2);
  });

  test('a secondary rate limit with retry-after succeeds after waiting', async () => {
    const before = attempts();
    sandbox.emulator.injectFault({
      method: 'GET',
      path: /\/pulls\/1$/,
      status: 403,
      headers: { 'retry-after': '1' },
      message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
    });
    const started = Date.now();
    const { client, log } = sandbox.client();
    const { data } = await client.rest.pulls.get({ ...repository, pull_number: 1 });
    expect(data.number).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(attempts() - before).toBe(2);
    expect(log.messages('warning')).toEqual([
      `GitHub secondary rate limit on GET /repos/{owner}/{repo}/pulls/{pull_number}; retrying in 1s.`,
    ]);
  });

  test('a primary rate limit (remaining 0) waits for the reset', async () => {
    const before = attempts();
    sandbox.emulator.injectFault({
      method: 'GET',
      path: /\/pulls\/1$/,
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000)) },
      message: 'API rate limit exceeded',
    });
    const { client, log } = sandbox.client();
    const { data } = await client.rest.pulls.get({ ...repository, pull_number: 1 });
    expect(data.number).toBe(1);
    expect(attempts() - before).toBe(2);
    expect(log.messages('warning')[0]).toMatch(/^GitHub primary rate limit on GET .*; retrying in \ds\.$/);
  });

  test('a 429 is retried', async () => {
    const before = attempts();
    sandbox.emulator.injectFault({ method: 'GET', path: /\/pulls\/1$/, status: 429, headers: { 'retry-after': '1' } });
    expect((await getPull()).data.number).toBe(1);
    expect(attempts() - before).toBe(2);
  });

  test('a 404 is not retried and the message names the resource', async () => {
    const before = sandbox.emulator.requests.length;
    const failure = await sandbox
      .client()
      .client.rest.pulls.get({ ...repository, pull_number: 99 })
      .catch((error: unknown) => describeGitHubFailure(error, `Reading pull request #99 of ${REPOSITORY}`));
    expect(sandbox.emulator.requests.length - before).toBe(1);
    expect((failure as Error).message).toBe(
      `Reading pull request #99 of ${REPOSITORY} failed: GitHub answered 404 Not Found (GET /repos/${REPOSITORY}/pulls/99)` +
        ' — check the repository, number or name, and that the token can see it.',
    );
  });
});

describe('resolvePullRequest', () => {
  const resolve = (event: ReturnType<typeof exampleEvent>) =>
    resolvePullRequest(
      sandbox.client().client,
      repository,
      readGithubEnvironment(eventEnvironment(event)),
      event.payload,
    );

  test('pull_request: from the payload', async () => {
    const event = exampleEvent('pull_request', 'synchronize');
    expect(await resolve(event)).toMatchObject({
      number: event.payload.pull_request.number,
      headSha: event.payload.pull_request.head.sha,
      baseRef: event.payload.pull_request.base.ref,
    });
  });

  test('push: via the pull requests associated with the pushed commit', async () => {
    const event = exampleEvent('push');
    sandbox.emulator.addPullRequest(REPOSITORY, { number: 21, headSha: event.payload.after, baseRef: 'main' });
    expect(await resolve(event)).toMatchObject({ number: 21, headSha: event.payload.after, fromFork: false });
    const elsewhere = exampleEvent('push');
    elsewhere.payload.after = 'f'.repeat(40);
    expect(await resolve(elsewhere)).toBeUndefined();
  });

  test('workflow_run: from its pull_requests, or by head SHA when the list is empty (forks)', async () => {
    const event = exampleEvent('workflow_run', 'completed');
    sandbox.emulator.addPullRequest(REPOSITORY, { number: 31, headSha: event.payload.workflow_run.head_sha });
    event.payload.workflow_run.pull_requests = [
      { number: 31, id: 1, url: 'https://api.github.com/x', head: {}, base: {} },
    ];
    expect(await resolve(event)).toMatchObject({ number: 31 });

    const fork = exampleEvent('workflow_run', 'completed');
    fork.payload.workflow_run.head_sha = '5'.repeat(40);
    fork.payload.workflow_run.pull_requests = [];
    fork.payload.workflow_run.head_repository.full_name = 'contributor/churn-model';
    // The same commit heads another repository's pull request: the head repository tells them apart.
    sandbox.emulator.addPullRequest(REPOSITORY, { number: 33, headSha: '5'.repeat(40) });
    sandbox.emulator.addPullRequest(REPOSITORY, {
      number: 32,
      headSha: '5'.repeat(40),
      fromFork: 'contributor/churn-model',
    });
    expect(await resolve(fork)).toMatchObject({ number: 32, fromFork: true });
  });
});

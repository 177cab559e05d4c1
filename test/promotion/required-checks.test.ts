import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { describeBlockingChecks, evaluateRequiredChecks } from '../../shared/src/index.js';
import { type GitHubSandbox, startGitHubSandbox } from '../support/github/sandbox.js';

const repository = { owner: 'acme', repo: 'churn-model' };
let sandbox: GitHubSandbox;

beforeAll(async () => {
  sandbox = await startGitHubSandbox();
});
afterEach(() => sandbox.emulator.assertContractClean());
afterAll(() => sandbox.stop());

/** A commit with `filler` passing check runs (to force several pages) plus the named ones. */
type RunState = 'success' | 'failure' | 'neutral' | 'in_progress';
type StatusState = 'success' | 'failure' | 'pending';

async function seedCommit(
  sha: string,
  runs: Record<string, RunState>,
  statuses: Record<string, StatusState>,
  filler = 0,
) {
  const { client } = sandbox.client();
  for (let i = 0; i < filler; i++) {
    await client.rest.checks.create({ ...repository, name: `lint-${i}`, head_sha: sha, conclusion: 'success' });
  }
  for (const [name, state] of Object.entries(runs)) {
    await client.rest.checks.create({
      ...repository,
      name,
      head_sha: sha,
      ...(state === 'in_progress' ? { status: 'in_progress' } : { conclusion: state }),
    });
  }
  for (const [context, state] of Object.entries(statuses)) {
    await client.rest.repos.createCommitStatus({ ...repository, sha, state, context });
  }
  return client;
}

describe('require-checks gate against the GitHub emulator', () => {
  test('every named check found past the first page of check runs, and statuses, all success: passes', async () => {
    const sha = '1'.repeat(40);
    const client = await seedCommit(sha, { 'model-eval': 'success' }, { 'data-checks': 'success' }, 120);
    const result = await evaluateRequiredChecks(client, repository, sha, ['model-eval', 'data-checks', 'lint-3']);
    expect(result.passed).toBe(true);
    expect(result.checks.map((check) => [check.name, check.source, check.state])).toEqual([
      ['model-eval', 'check-run', 'success'],
      ['data-checks', 'status', 'success'],
      ['lint-3', 'check-run', 'success'],
    ]);
    const pages = sandbox.emulator.requests.filter((request) => request.path.endsWith(`/commits/${sha}/check-runs`));
    expect(pages.length).toBe(2);
  });

  const ok = 'success' as const;
  test.each<{ sha: string; runs: Record<string, RunState>; statuses: Record<string, StatusState>; blocking: string }>([
    {
      sha: 'a1',
      runs: { 'model-eval': 'failure' as const },
      statuses: { 'data-checks': ok },
      blocking: 'model-eval (failure)',
    },
    {
      sha: 'a2',
      runs: { 'model-eval': 'in_progress' as const },
      statuses: { 'data-checks': ok },
      blocking: 'model-eval (in_progress)',
    },
    {
      sha: 'a3',
      runs: { 'model-eval': 'neutral' as const },
      statuses: { 'data-checks': ok },
      blocking: 'model-eval (neutral)',
    },
    {
      sha: 'a4',
      runs: { 'model-eval': ok },
      statuses: { 'data-checks': 'failure' as const },
      blocking: 'data-checks (failure)',
    },
    { sha: 'a5', runs: { 'model-eval': ok }, statuses: {}, blocking: 'data-checks (missing)' },
    {
      sha: 'a6',
      runs: { 'model-eval': ok, 'data-checks': ok },
      statuses: { 'data-checks': 'pending' as const },
      blocking: 'data-checks (pending)',
    },
  ])('blocked, naming $blocking', async ({ sha, runs, statuses, blocking }) => {
    const commit = sha.padEnd(40, '0');
    const client = await seedCommit(commit, runs, statuses);
    const result = await evaluateRequiredChecks(client, repository, commit, ['model-eval', 'data-checks']);
    expect(result.passed).toBe(false);
    expect(describeBlockingChecks(result)).toBe(blocking);
  });

  test('a re-run: the latest check run of a name decides', async () => {
    const sha = '3'.repeat(40);
    const { client } = sandbox.client();
    await client.rest.checks.create({ ...repository, name: 'model-eval', head_sha: sha, conclusion: 'failure' });
    await client.rest.checks.create({ ...repository, name: 'model-eval', head_sha: sha, conclusion: 'success' });
    const result = await evaluateRequiredChecks(client, repository, sha, ['model-eval']);
    expect(result.passed).toBe(true);
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  COMMENT_LIMIT,
  commentMarker,
  fitComment,
  resolveTokenLogin,
  upsertStickyComment,
} from '../../shared/src/index.js';
import { type GitHubSandbox, REPOSITORY, startGitHubSandbox, TOKENS } from '../support/github/sandbox.js';

const repository = { owner: 'acme', repo: 'churn-model' };
let sandbox: GitHubSandbox;
let pullNumber = 100;

beforeAll(async () => {
  sandbox = await startGitHubSandbox();
});
afterEach(() => sandbox.emulator.assertContractClean());
afterAll(() => sandbox.stop());

function newPull(): number {
  pullNumber += 1;
  sandbox.emulator.addPullRequest(REPOSITORY, {
    number: pullNumber,
    headSha: pullNumber.toString(16).padStart(40, '0'),
  });
  return pullNumber;
}

const comments = (number: number) =>
  sandbox.emulator.repository(REPOSITORY).issueComments.filter((comment) => comment.issue_number === number);

async function upsert(
  number: number,
  body: string,
  options: { key?: string; token?: string; mode?: 'edit' | 'minimize' } = {},
) {
  const { client } = sandbox.client(options.token);
  return upsertStickyComment({
    client,
    repository,
    target: { pullRequest: number },
    key: options.key ?? 'validate-data',
    body,
    author: await resolveTokenLogin(client),
    ...(options.mode ? { mode: options.mode } : {}),
    runUrl: 'https://github.com/acme/churn-model/actions/runs/1',
  });
}

describe('sticky PR comments', () => {
  test('created once, then updated in place on rerun; unchanged text makes no write', async () => {
    const number = newPull();
    const first = await upsert(number, 'first run');
    expect(first).toMatchObject({ action: 'created', truncated: false });
    const second = await upsert(number, 'second run');
    expect(second).toMatchObject({ action: 'updated', id: (first as { id: number }).id });
    expect(comments(number).map((comment) => comment.body)).toEqual([
      '<!-- mlops-actions:validate-data -->\nsecond run',
    ]);
    const writes = sandbox.emulator.requests.filter((request) => request.method !== 'GET').length;
    expect(await upsert(number, 'second run')).toMatchObject({ action: 'unchanged' });
    expect(sandbox.emulator.requests.filter((request) => request.method !== 'GET').length).toBe(writes);
  });

  test('a second key makes a second comment', async () => {
    const number = newPull();
    await upsert(number, 'data', { key: 'validate-data' });
    await upsert(number, 'model', { key: 'test-model' });
    expect(comments(number)).toHaveLength(2);
  });

  test("someone else's comment with the same marker is left alone", async () => {
    const number = newPull();
    const person = sandbox.emulator.tokens.get(TOKENS.person)!;
    const theirs = sandbox.emulator.seedIssueComment(
      REPOSITORY,
      number,
      `${commentMarker('validate-data')}\nquoted by a human`,
      person,
    );
    const result = await upsert(number, 'ours');
    expect(result).toMatchObject({ action: 'created' });
    expect(comments(number).map((comment) => comment.body)).toEqual([
      theirs.body,
      '<!-- mlops-actions:validate-data -->\nours',
    ]);
  });

  test('found on page 3 of 250 comments', async () => {
    const number = newPull();
    const bot = sandbox.emulator.tokens.get(TOKENS.actions)!;
    const person = sandbox.emulator.tokens.get(TOKENS.person)!;
    for (let index = 0; index < 250; index += 1) {
      const body = index === 230 ? `${commentMarker('validate-data')}\nold` : `chatter ${index}`;
      sandbox.emulator.seedIssueComment(REPOSITORY, number, body, index === 230 ? bot : person);
    }
    const result = await upsert(number, 'new');
    expect(result).toMatchObject({ action: 'updated' });
    expect(comments(number)).toHaveLength(250);
    expect(comments(number)[230]?.body).toBe('<!-- mlops-actions:validate-data -->\nnew');
    const pages = sandbox.emulator.requests.filter(
      (request) => request.path === `/repos/${REPOSITORY}/issues/${number}/comments`,
    );
    expect(pages.map((request) => new URLSearchParams(request.query).get('page') ?? '1')).toEqual(['1', '2', '3']);
  });

  test('bodies over 65,536 characters are shortened with a note and a link to the run', async () => {
    const number = newPull();
    const huge = `<details>\n<summary>rows</summary>\n\n${'| a | b |\n'.repeat(10_000)}`;
    const result = await upsert(number, huge);
    expect(result).toMatchObject({ action: 'created', truncated: true });
    const body = comments(number)[0]?.body as string;
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(body).toContain("shortened to fit GitHub's 65,536-character limit");
    expect(body).toContain('(https://github.com/acme/churn-model/actions/runs/1)');
    expect(body.match(/<details>/g)?.length).toBe(body.match(/<\/details>/g)?.length);
  });

  test('minimize mode hides the old comment as outdated and posts a new one', async () => {
    const number = newPull();
    await upsert(number, 'v1', { mode: 'minimize' });
    const result = await upsert(number, 'v2', { mode: 'minimize' });
    expect(result).toMatchObject({ action: 'replaced' });
    expect(comments(number).map((comment) => [comment.body.split('\n')[1], comment.minimized])).toEqual([
      ['v1', true],
      ['v2', false],
    ]);
  });

  test('a read-only fork token is reported, not thrown', async () => {
    const number = newPull();
    const result = await upsert(number, 'from a fork', { token: TOKENS.fork });
    expect(result).toEqual({
      action: 'read-only',
      reason: `the token cannot write comments on pull request #${number} of ${REPOSITORY}`,
    });
    expect(comments(number)).toHaveLength(0);
  });

  test('commit comments work the same way when there is no pull request', async () => {
    const { client } = sandbox.client();
    const sha = 'c'.repeat(40);
    const options = { client, repository, target: { commit: sha }, key: 'summary', author: 'github-actions[bot]' };
    expect(await upsertStickyComment({ ...options, body: 'one' })).toMatchObject({ action: 'created' });
    expect(await upsertStickyComment({ ...options, body: 'two' })).toMatchObject({ action: 'updated' });
    const stored = sandbox.emulator
      .repository(REPOSITORY)
      .commitComments.filter((comment) => comment.commit_id === sha);
    expect(stored.map((comment) => comment.body)).toEqual(['<!-- mlops-actions:summary -->\ntwo']);
  });

  test('token identity: a person via GET /user, the Actions bot for installation tokens', async () => {
    expect(await resolveTokenLogin(sandbox.client(TOKENS.person).client)).toBe('octocat');
    expect(await resolveTokenLogin(sandbox.client(TOKENS.actions).client)).toBe('github-actions[bot]');
  });
});

describe('comment helpers', () => {
  test.each(['', 'has space', 'x'.repeat(101), 'a<b'])('comment key %j is refused', (key) => {
    expect(() => commentMarker(key)).toThrow("Input 'comment-key' must be 1-100 letters");
  });

  test('fitComment closes an open code fence', () => {
    const { body, truncated } = fitComment(`\`\`\`\n${'x\n'.repeat(200)}`, undefined, 200);
    expect(truncated).toBe(true);
    expect(body.length).toBeLessThanOrEqual(200);
    expect(body.match(/```/g)?.length).toBe(2);
    expect(body).toContain("this run's job summary");
  });
});

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { githubContract } from '../support/github/contract.js';
import { type GitHubSandbox, REPOSITORY, startGitHubSandbox, TOKENS } from '../support/github/sandbox.js';

let sandbox: GitHubSandbox;
beforeAll(async () => {
  sandbox = await startGitHubSandbox();
  sandbox.emulator.addPullRequest(REPOSITORY, { number: 7, headSha: 'a'.repeat(40) });
});
afterAll(() => sandbox.stop());

async function raw(method: string, path: string, body?: unknown) {
  const response = await fetch(`${sandbox.emulator.url}${path}`, {
    method,
    headers: { authorization: `token ${TOKENS.actions}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (response.status === 204 ? undefined : await response.json()) as any };
}

describe("the emulator holds requests to GitHub's OpenAPI contract", () => {
  test('a comment body sent as a number is rejected and recorded (the validator is live)', async () => {
    const before = sandbox.emulator.violations.length;
    const response = await raw('POST', `/repos/${REPOSITORY}/issues/7/comments`, { body: 42 });
    expect(response.status).toBe(400);
    expect(response.body.message).toBe('Contract violation: body/body must be string');
    expect(sandbox.emulator.violations.slice(before)).toEqual([
      {
        kind: 'request',
        method: 'POST',
        path: `/repos/${REPOSITORY}/issues/7/comments`,
        operationId: 'issues/create-comment',
        problems: ['body/body must be string'],
      },
    ]);
    expect(() => sandbox.emulator.assertContractClean()).toThrow(/issues\/create-comment.*body\/body must be string/);
    sandbox.emulator.violations.length = before;
  });

  test.each([
    ['GET', `/repos/${REPOSITORY}/issues/7/comments?per_page=abc`, "query parameter 'per_page' must be integer"],
    [
      'GET',
      `/repos/${REPOSITORY}/issues/7/comments?perpage=10`,
      "query parameter 'perpage' is not part of issues/list-comments",
    ],
    ['POST', `/repos/${REPOSITORY}/issues/7/comments`, 'a JSON request body is required'],
    ['GET', '/repos/acme/no/such/route', 'no such operation in the OpenAPI description'],
  ])('%s %s is a violation: %s', async (method, path, problem) => {
    const before = sandbox.emulator.violations.length;
    const response = await raw(method, path);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(sandbox.emulator.violations.slice(before).flatMap((v) => v.problems)).toContain(problem);
    sandbox.emulator.violations.length = before;
  });

  test('a valid request is answered with a contract-valid response', async () => {
    const created = await raw('POST', `/repos/${REPOSITORY}/issues/7/comments`, { body: 'hello' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ body: 'hello', user: { login: 'github-actions[bot]', type: 'Bot' } });
    const pull = await raw('GET', `/repos/${REPOSITORY}/pulls/7`);
    expect(pull.body.head.sha).toBe('a'.repeat(40));
    sandbox.emulator.assertContractClean();
  });

  test('response validation catches an emulated object that GitHub would never send', () => {
    const contract = githubContract();
    const found = contract.match('GET', '/repos/o/r/pulls/1');
    expect(found?.operation.operationId).toBe('pulls/get');
    const pull = contract.example<Record<string, unknown>>('pull-request');
    pull.requested_teams = [];
    expect(contract.checkResponse(found!.operation, 200, pull)).toEqual([]);
    expect(contract.checkResponse(found!.operation, 200, { ...pull, number: 'seven' })).toEqual([
      'response 200/number must be integer',
    ]);
    expect(contract.checkResponse(found!.operation, 299, pull)).toEqual([
      'status 299 is not a documented response of pulls/get',
    ]);
  });

  test('nullable fields accept null and their type, nothing else', () => {
    const contract = githubContract();
    const found = contract.match('GET', '/repos/o/r/actions/artifacts/1')!;
    const artifact = contract.example<Record<string, unknown>>('artifact');
    expect(contract.checkResponse(found.operation, 200, { ...artifact, digest: null })).toEqual([]);
    expect(contract.checkResponse(found.operation, 200, { ...artifact, digest: 5 })).not.toEqual([]);
  });
});

import { describe, expect, test } from 'vitest';
import { readEventPayload, readGithubEnvironment } from '../../shared/src/index.js';
import { eventEnvironment, exampleEvent } from '../support/events.js';
import { actionDir, runAction } from '../support/run-action.js';

describe('real webhook payloads', () => {
  test.each([
    ['pull_request', 'opened', /^refs\/pull\/\d+\/merge$/],
    ['pull_request', 'synchronize', /^refs\/pull\/\d+\/merge$/],
    ['push', undefined, /^refs\/(heads|tags)\//],
    ['release', 'published', /^refs\/tags\/.+/],
    ['workflow_run', 'completed', /^refs\/heads\/.+/],
  ] as const)('%s.%s gives the runner variables', (name, action, ref) => {
    const event = exampleEvent(name, action);
    if (action) expect(event.payload.action).toBe(action);
    const env = eventEnvironment(event);
    expect(env.GITHUB_EVENT_NAME).toBe(name);
    expect(env.GITHUB_REF).toMatch(ref);
    expect(env.GITHUB_SHA).toMatch(/^[0-9a-f]{40}$/);
    expect(env.GITHUB_REPOSITORY).toBe(event.payload.repository.full_name);
  });

  test('an unknown example is an error, not a silent empty payload', () => {
    expect(() => exampleEvent('release', 'no-such-action')).toThrow(/no release\.no-such-action payload/);
  });

  test('readGithubEnvironment reads the runner variables and the payload', async () => {
    const event = exampleEvent('push');
    const github = readGithubEnvironment(
      { ...eventEnvironment(event), GITHUB_RUN_ID: '9', RUNNER_TEMP: '/rt' },
      '/cwd',
    );
    expect(github).toMatchObject({
      eventName: 'push',
      sha: event.payload.after,
      owner: event.payload.repository.owner.login,
      runUrl: `https://github.com/${event.payload.repository.full_name}/actions/runs/9`,
      workspace: '/cwd',
      runnerTemp: '/rt',
      apiUrl: 'https://api.github.com',
    });
    expect(await readEventPayload(github)).toBeUndefined();
  });

  test('the harness hands the action the event file and the repository from the payload', async () => {
    const event = exampleEvent('release', 'published');
    const run = await runAction(actionDir('validate-data'), { event, inputs: { data: 'x.csv', suite: 's.yml' } });
    expect(run.env.GITHUB_EVENT_NAME).toBe('release');
    expect(run.env.GITHUB_REF).toBe(`refs/tags/${event.payload.release.tag_name}`);
    expect(
      JSON.parse(await (await import('node:fs/promises')).readFile(run.env.GITHUB_EVENT_PATH as string, 'utf8')),
    ).toEqual(event.payload);
  });
});

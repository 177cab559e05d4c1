import { describe, expect, test } from 'vitest';
import {
  ConfigurationError,
  defaultTags,
  parseSemVer,
  readGithubEnvironment,
  resolveTags,
  tagContext,
} from '../../shared/src/index.js';
import { type EventName, eventEnvironment, exampleEvent, type WebhookEvent } from '../support/events.js';

function contextOf(event: WebhookEvent) {
  return tagContext(readGithubEnvironment(eventEnvironment(event)), event.payload);
}

function event(name: EventName, action?: string, change?: (payload: Record<string, any>) => void): WebhookEvent {
  const loaded = exampleEvent(name, action);
  change?.(loaded.payload);
  return loaded;
}

describe('default tags from real webhook payloads, as docker/metadata-action', () => {
  const pr = exampleEvent('pull_request', 'opened').payload;
  const push = exampleEvent('push').payload;
  test.each([
    [
      'pull_request.opened: pr-<n> and the HEAD sha, not the merge commit',
      event('pull_request', 'opened'),
      [`pr-${pr.number}`, `sha-${pr.pull_request.head.sha.slice(0, 7)}`],
    ],
    ['push of a non-semver tag: the tag name', event('push'), ['simple-tag', `sha-${push.after.slice(0, 7)}`]],
    [
      'push to a branch with a slash: sanitised name',
      event('push', undefined, (p) => {
        p.ref = 'refs/heads/feature/new-model';
      }),
      ['feature-new-model', `sha-${push.after.slice(0, 7)}`],
    ],
    [
      'push of v1.2.3: full, minor, major, latest',
      event('push', undefined, (p) => {
        p.ref = 'refs/tags/v1.2.3';
      }),
      ['1.2.3', '1.2', '1', 'latest', `sha-${push.after.slice(0, 7)}`],
    ],
    [
      'push of a pre-release v2.0.0-rc.1: only the full version, no latest',
      event('push', undefined, (p) => {
        p.ref = 'refs/tags/v2.0.0-rc.1';
      }),
      ['2.0.0-rc.1', `sha-${push.after.slice(0, 7)}`],
    ],
    ['release 0.0.1 (published): no bare 0 major', event('release', 'published'), ['0.0.1', '0.0', 'latest']],
  ])('%s', (_name, source, expected) => {
    const tags = defaultTags(contextOf(source));
    // The release payload names no commit sha, so the runner's GITHUB_SHA stands in for it.
    expect(tags.filter((tag) => !(source.name === 'release' && tag.startsWith('sha-')))).toEqual(expected);
  });

  test.each([
    ['1.2.3', { major: 1, minor: 2, patch: 3 }],
    ['v10.0.1-alpha.1+build.5', { major: 10, minor: 0, patch: 1, prerelease: 'alpha.1', build: 'build.5' }],
    ['1.2', undefined],
    ['v01.2.3', undefined],
  ])('parseSemVer(%s)', (text, expected) => {
    expect(parseSemVer(text)).toEqual(expected);
  });

  test('explicit tags replace the defaults and are checked', () => {
    expect(resolveTags(['prod', 'v1'], contextOf(event('push')))).toEqual(['prod', 'v1']);
    expect(() => resolveTags(['Has Space'], contextOf(event('push')))).toThrow(ConfigurationError);
  });
});

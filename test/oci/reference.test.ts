import { describe, expect, test } from 'vitest';
import {
  ConfigurationError,
  credentialsFromAuthFile,
  parseAuthChallenge,
  parseImageReference,
  parseRetryAfter,
  referrersFallbackTag,
  retryDelayMs,
} from '../../shared/src/index.js';

describe('parseImageReference', () => {
  test.each([
    ['ghcr.io/acme/churn-model', { registry: 'ghcr.io', repository: 'acme/churn-model' }],
    ['ghcr.io/acme/churn-model:1.2.3', { registry: 'ghcr.io', repository: 'acme/churn-model', tag: '1.2.3' }],
    ['127.0.0.1:5000/models/a', { registry: '127.0.0.1:5000', repository: 'models/a' }],
    ['localhost/x:y', { registry: 'localhost', repository: 'x', tag: 'y' }],
    ['busybox', { registry: 'docker.io', repository: 'library/busybox' }],
    ['acme/model__v2', { registry: 'docker.io', repository: 'acme/model__v2' }],
    [`r.io/a@sha256:${'a'.repeat(64)}`, { registry: 'r.io', repository: 'a', digest: `sha256:${'a'.repeat(64)}` }],
  ])('%s', (text, expected) => {
    expect(parseImageReference(text)).toEqual(expected);
  });

  test.each([
    ['ghcr.io/Acme/Model', /lower case \('Acme' → 'acme'\)/],
    ['ghcr.io/acme/model!', /may only hold/],
    ['ghcr.io/acme//model', /empty part/],
    ['https://ghcr.io/acme/model', /without a scheme/],
    ['ghcr.io/acme/model:-bad', /tag '-bad'/],
    ['ghcr.io/acme/model@sha256:abc', /digest/],
    ['', /empty/],
  ])('refuses %j naming the input', (text, why) => {
    const error = (() => {
      try {
        parseImageReference(text, 'image');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).message).toMatch(/^Input 'image': /);
    expect((error as ConfigurationError).message).toMatch(why);
    expect((error as ConfigurationError).location.input).toBe('image');
  });
});

describe('auth pieces', () => {
  test.each([
    [
      'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"',
      {
        scheme: 'bearer',
        params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull' },
      },
    ],
    ['Basic realm="rig-registry"', { scheme: 'basic', params: { realm: 'rig-registry' } }],
    [
      'Bearer realm="r",error="insufficient_scope",scope="repository:a:pull,push"',
      { scheme: 'bearer', params: { realm: 'r', error: 'insufficient_scope', scope: 'repository:a:pull,push' } },
    ],
  ])('parses %s', (header, expected) => {
    expect(parseAuthChallenge(header)).toEqual(expected);
  });

  test('reads docker config.json credentials in each spelling', () => {
    const auth = Buffer.from('user:pa:ss').toString('base64');
    expect(credentialsFromAuthFile(JSON.stringify({ auths: { 'ghcr.io': { auth } } }), 'ghcr.io')).toEqual({
      username: 'user',
      password: 'pa:ss',
    });
    expect(
      credentialsFromAuthFile(JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth } } }), 'docker.io'),
    ).toEqual({ username: 'user', password: 'pa:ss' });
    expect(credentialsFromAuthFile(JSON.stringify({ auths: { 'quay.io': { auth } } }), 'ghcr.io')).toBeUndefined();
  });

  test('Retry-After in seconds or as a date; backoff grows and is capped', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter(null)).toBeUndefined();
    const policy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(retryDelayMs(1, policy, 4000)).toBe(1000);
    for (let attempt = 1; attempt < 8; attempt++) {
      const delay = retryDelayMs(attempt, policy);
      const ceiling = Math.min(1000, 100 * 2 ** (attempt - 1));
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
    }
    expect(referrersFallbackTag(`sha256:${'b'.repeat(64)}`)).toBe(`sha256-${'b'.repeat(64)}`);
  });
});

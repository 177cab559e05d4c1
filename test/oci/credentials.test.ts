import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { chooseRegistryCredentials, InputReader, resolveRegistryCredentials } from '../../shared/src/index.js';

// The one rule build-image and promote log in to registries by (actions/*/action.yml and READMEs say it too).

const inputs = { username: 'ci', password: 'from-inputs' };
const stored = { username: 'robot', password: 'from-docker-login' };

describe('chooseRegistryCredentials', () => {
  test.each([
    ['the image registry: the inputs win', 'registry.acme.io', { inputs }, stored, 'inputs', inputs],
    ['the image registry, no inputs: the stored login', 'registry.acme.io', {}, stored, 'stored', stored],
    ['another registry (a base image): never the inputs', 'docker.io', { inputs }, undefined, undefined, undefined],
    ['another registry: its own stored login', 'docker.io', { inputs }, stored, 'stored', stored],
    [
      'ghcr.io, nothing else: github-token as the actor',
      'ghcr.io',
      { githubToken: 'ghs_token', actor: 'octocat' },
      undefined,
      'github-token',
      { username: 'octocat', password: 'ghs_token' },
    ],
    [
      'ghcr.io without an actor: x-access-token',
      'ghcr.io',
      { githubToken: 'ghs_token' },
      undefined,
      'github-token',
      { username: 'x-access-token', password: 'ghs_token' },
    ],
    [
      'ghcr.io: a stored login wins over github-token',
      'ghcr.io',
      { githubToken: 'ghs_token' },
      stored,
      'stored',
      stored,
    ],
    [
      'ghcr.io as the image registry: the inputs win over both',
      'ghcr.io',
      { inputsRegistry: 'ghcr.io', inputs, githubToken: 'ghs_token' },
      stored,
      'inputs',
      inputs,
    ],
    ['github-token goes to ghcr.io only', 'quay.io', { githubToken: 'ghs_token' }, undefined, undefined, undefined],
  ])('%s', (_name, registry, given, storedLogin, source, credentials) => {
    const chosen = chooseRegistryCredentials(registry, { inputsRegistry: 'registry.acme.io', ...given }, storedLogin);
    expect(chosen).toEqual(source ? { source, credentials } : undefined);
  });
});

describe('resolveRegistryCredentials', () => {
  test('reads the stored login of DOCKER_CONFIG for that registry only; an OCI layout directory gets none', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'credentials-'));
    const auth = Buffer.from('robot:from-docker-login').toString('base64');
    await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { 'docker.io': { auth } } }));
    const env = { DOCKER_CONFIG: dir, HOME: dir };
    const given = { inputsRegistry: 'registry.acme.io', inputs };
    expect(await resolveRegistryCredentials('docker.io', given, env)).toEqual(stored);
    expect(await resolveRegistryCredentials('quay.io', given, env)).toBeUndefined();
    expect(await resolveRegistryCredentials('registry.acme.io', given, env)).toEqual(inputs);
    expect(await resolveRegistryCredentials('oci', { inputsRegistry: 'oci', inputs }, env)).toBeUndefined();
  });

  test('registry-username and registry-password go together', () => {
    const reader = (values: Record<string, string>) => new InputReader((name) => values[name], { workspace: '/ws' });
    expect(reader({}).userAndPassword('registry-username', 'registry-password')).toBeUndefined();
    expect(
      reader({ 'registry-username': 'ci', 'registry-password': 'p' }).userAndPassword(
        'registry-username',
        'registry-password',
      ),
    ).toEqual({ username: 'ci', password: 'p' });
    expect(() =>
      reader({ 'registry-username': 'ci' }).userAndPassword('registry-username', 'registry-password'),
    ).toThrow("Inputs 'registry-username' and 'registry-password' go together: give both or neither.");
  });
});

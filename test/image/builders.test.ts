import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  buildahBudArgs,
  ConfigurationError,
  chooseBuilder,
  type DockerfileBuild,
  dockerBuildArgs,
  dockerBuildEnv,
  dockerDaemonAnswers,
} from '../../shared/src/index.js';

const build: DockerfileBuild = {
  context: '/ws',
  dockerfile: '/ws/serve/Dockerfile',
  buildArgs: { MODEL: 'churn', 'PY VERSION': '3.12' },
  labels: { 'org.opencontainers.image.revision': 'abc' },
  annotations: { 'org.opencontainers.image.title': 'churn' },
  platforms: ['linux/amd64', 'linux/arm64'],
  epochSeconds: 1_700_000_000,
};

describe('docker and buildah arguments (pure)', () => {
  test('docker buildx writes an OCI layout; no push, no provenance; SOURCE_DATE_EPOCH in the environment', () => {
    expect(dockerBuildArgs(build, '/tmp/layout')).toEqual([
      'buildx',
      'build',
      '--file',
      '/ws/serve/Dockerfile',
      '--platform',
      'linux/amd64,linux/arm64',
      '--build-arg',
      'MODEL=churn',
      '--build-arg',
      'PY VERSION=3.12',
      '--label',
      'org.opencontainers.image.revision=abc',
      '--annotation',
      'org.opencontainers.image.title=churn',
      '--provenance=false',
      '--output',
      'type=oci,dest=/tmp/layout,tar=false',
      '/ws',
    ]);
    expect(dockerBuildEnv(build)).toEqual({ SOURCE_DATE_EPOCH: '1700000000' });
    expect(dockerBuildArgs({ ...build, platforms: [], buildArgs: {}, labels: {}, annotations: {} }, '/l')).toEqual([
      'buildx',
      'build',
      '--file',
      '/ws/serve/Dockerfile',
      '--provenance=false',
      '--output',
      'type=oci,dest=/l,tar=false',
      '/ws',
    ]);
  });

  test('buildah bud: the same meaning, chroot isolation, --timestamp, auth file, loopback TLS off', () => {
    expect(
      buildahBudArgs({ ...build, platforms: [], insecureRegistries: true }, 'localhost/x:1', '/tmp/auth.json'),
    ).toEqual([
      'bud',
      '--isolation',
      'chroot',
      '--layers=false',
      '--file',
      '/ws/serve/Dockerfile',
      '--build-arg',
      'MODEL=churn',
      '--build-arg',
      'PY VERSION=3.12',
      '--label',
      'org.opencontainers.image.revision=abc',
      '--annotation',
      'org.opencontainers.image.title=churn',
      '--timestamp',
      '1700000000',
      '--tls-verify=false',
      '--authfile',
      '/tmp/auth.json',
      '--tag',
      'localhost/x:1',
      '/ws',
    ]);
  });
});

describe('builder auto', () => {
  const none = { dockerDaemon: false, buildah: false };
  test.each([
    [{ hasDockerfile: true, hasModelPath: false, available: { dockerDaemon: true, buildah: true } }, 'docker'],
    [{ hasDockerfile: true, hasModelPath: true, available: { dockerDaemon: false, buildah: true } }, 'buildah'],
    [{ hasDockerfile: false, hasModelPath: true, available: { dockerDaemon: true, buildah: true } }, 'layers'],
  ])('%j → %s', (options, expected) => {
    expect(chooseBuilder('auto', options)).toBe(expected);
  });

  test('nothing to build with, or nothing to build: a configuration error naming builder', () => {
    expect(() => chooseBuilder('auto', { hasDockerfile: true, hasModelPath: false, available: none })).toThrow(
      /neither/,
    );
    expect(() => chooseBuilder('auto', { hasDockerfile: false, hasModelPath: false, available: none })).toThrow(
      ConfigurationError,
    );
    expect(chooseBuilder('buildah', { hasDockerfile: true, hasModelPath: false, available: none })).toBe('buildah');
  });

  test('a docker client without a daemon does not count as docker being available', async () => {
    // This machine has the docker CLI; the daemon answers only where its socket exists.
    const socket = existsSync('/var/run/docker.sock') || process.env.DOCKER_HOST !== undefined;
    expect(await dockerDaemonAnswers()).toBe(socket);
  });
});

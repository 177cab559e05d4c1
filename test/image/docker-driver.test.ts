import { describe, expect, test } from 'vitest';
import { builderWritesOciLayout, type DockerfileBuild, dockerLoadArgs } from '../../shared/src/index.js';

const build: DockerfileBuild = {
  context: '/ws',
  dockerfile: '/ws/Dockerfile',
  buildArgs: { MODEL: 'churn' },
  labels: { 'org.opencontainers.image.revision': 'abc' },
  annotations: { 'org.opencontainers.image.title': 'churn' },
  platforms: [],
  epochSeconds: 1_700_000_000,
};

/** `docker buildx inspect` against a 20.10 daemon (the rig's), abridged. */
const dockerDriver = `Name:   default
Driver: docker

Nodes:
Name:             default
Endpoint:         default
Status:           running
BuildKit version: v0.8.3-3-g244e8cde
Platforms:        linux/amd64, linux/386
Labels:
 org.mobyproject.buildkit.worker.moby.host-gateway-ip: 172.17.0.1
`;

describe('the docker driver without the containerd image store (pure)', () => {
  test('builds into the daemon under a local name; annotations are left to the converted layout', () => {
    expect(dockerLoadArgs(build, 'localhost/mlops-actions/build-1:latest')).toEqual([
      'buildx',
      'build',
      '--file',
      '/ws/Dockerfile',
      '--build-arg',
      'MODEL=churn',
      '--label',
      'org.opencontainers.image.revision=abc',
      '--provenance=false',
      '--output',
      'type=docker,name=localhost/mlops-actions/build-1:latest',
      '/ws',
    ]);
  });

  test.each([
    ['the docker driver on the classic image store', false, dockerDriver],
    [
      'the docker driver on the containerd image store',
      true,
      `${dockerDriver} org.mobyproject.buildkit.worker.snapshotter: overlayfs\n`,
    ],
    ['a docker-container builder', true, dockerDriver.replace('Driver: docker', 'Driver: docker-container')],
    ['a remote builder', true, 'Name: remote\nDriver: remote\n'],
  ])('%s writes an OCI layout: %s', (_name, writes, inspected) => {
    expect(builderWritesOciLayout(inspected)).toBe(writes);
  });
});

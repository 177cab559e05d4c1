import { describe, expect, test } from 'vitest';
import { dockerfileBuildOf, layerAnnotations, layerChangesOf } from '../../actions/build-image/src/args.js';
import { getInputs } from '../../actions/build-image/src/inputs.js';
import { buildahBudArgs, dockerBuildArgs, dockerBuildEnv, InputReader } from '../../shared/src/index.js';

// build-image's pure step, table-tested as docker/build-push-action's getArgs: the inputs a workflow writes, to
// the exact arguments docker buildx and buildah run with.

function inputsOf(values: Record<string, string | undefined>) {
  return getInputs(new InputReader((name) => values[name], { workspace: '/ws' }));
}

const facts = {
  dockerfile: '/ws/serve/Dockerfile',
  labels: { 'org.opencontainers.image.revision': 'abc' },
  epochSeconds: 1_700_000_000,
  insecureRegistries: false,
};

/** docker buildx's arguments around the flags both builders share (the Dockerfile first, the context last). */
const dockerArgs = (flags: string[], context: string) => [
  'buildx',
  'build',
  '--file',
  '/ws/serve/Dockerfile',
  ...flags,
  '--provenance=false',
  '--output',
  'type=oci,dest=/l,tar=false',
  context,
];

/** buildah bud's after its fixed head (isolation, no layer cache: test/image/builders.test.ts): the source date too. */
const buildahArgs = (flags: string[], context: string) => [
  '--file',
  '/ws/serve/Dockerfile',
  ...flags,
  '--timestamp',
  '1700000000',
  '--tag',
  'localhost/x:1',
  context,
];

describe('build-image inputs → builder arguments', () => {
  test.each([
    {
      name: 'the minimum: the workspace as context, no platform',
      inputs: { image: 'ghcr.io/acme/churn' },
      flags: ['--label', 'org.opencontainers.image.revision=abc'],
      context: '/ws',
    },
    {
      name: 'build args, platforms, annotations and a context folder',
      inputs: {
        image: 'registry.example:5000/acme/churn',
        context: 'serve',
        'build-args': 'PYTHON=3.12\nEXTRAS=gpu',
        platforms: 'linux/amd64,linux/arm64',
        annotations: 'org.opencontainers.image.vendor=acme',
      },
      flags: [
        '--platform',
        'linux/amd64,linux/arm64',
        '--build-arg',
        'PYTHON=3.12',
        '--build-arg',
        'EXTRAS=gpu',
        '--label',
        'org.opencontainers.image.revision=abc',
        '--annotation',
        'org.opencontainers.image.vendor=acme',
      ],
      context: '/ws/serve',
    },
  ])('$name', ({ inputs, flags, context }) => {
    const build = dockerfileBuildOf(inputsOf(inputs), facts);
    expect(dockerBuildArgs(build, '/l')).toEqual(dockerArgs(flags, context));
    expect(dockerBuildEnv(build)).toEqual({ SOURCE_DATE_EPOCH: '1700000000' });
    expect(buildahBudArgs(build, 'localhost/x:1').slice(4)).toEqual(buildahArgs(flags, context));
  });

  test.each([
    {
      name: 'a base image, a revision, the inputs last (they win)',
      inputs: { image: 'ghcr.io/acme/churn', annotations: 'org.opencontainers.image.created=yesterday' },
      baseName: 'python:3.12-slim',
      sha: 'abc123',
      expected: {
        'org.opencontainers.image.created': 'yesterday',
        'org.opencontainers.image.base.name': 'python:3.12-slim',
        'org.opencontainers.image.revision': 'abc123',
      },
    },
    {
      name: 'scratch: no base to name, no commit',
      inputs: { image: 'ghcr.io/acme/churn' },
      baseName: undefined,
      sha: undefined,
      expected: { 'org.opencontainers.image.created': '2023-11-14T22:13:20.000Z' },
    },
  ])('layers annotations: $name', ({ inputs, baseName, sha, expected }) => {
    expect(layerAnnotations(inputsOf(inputs), { created: '2023-11-14T22:13:20.000Z', baseName, sha })).toEqual(
      expected,
    );
  });

  test('layers config changes: env, cmd and the model folder from the inputs', () => {
    const inputs = inputsOf({
      image: 'ghcr.io/acme/churn',
      env: 'MODEL_NAME=churn\nWORKERS=2',
      cmd: '["python", "serve.py"]',
      'model-dest': '/srv/model',
    });
    expect(layerChangesOf(inputs, { created: 'c', labels: { a: 'b' } }, { x: 'y' })).toEqual({
      created: 'c',
      labels: { a: 'b' },
      annotations: { x: 'y' },
      env: ['MODEL_NAME=churn', 'WORKERS=2'],
      cmd: ['python', 'serve.py'],
      modelDest: 'srv/model',
    });
  });
});

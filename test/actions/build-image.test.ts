import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  bufferBlobSource,
  type ImageIndex,
  type ImageManifest,
  MediaType,
  RegistryClient,
  sha256Digest,
} from '../../shared/src/index.js';
import { type ContainerTools, createContainerTools, pushBusyboxBase } from '../services/containers.js';
import { type FaultProxy, startFaultProxy } from '../services/fault-proxy.js';
import { run } from '../services/process.js';
import { type RegistryHandle, startRegistryPerAuth } from '../services/registry.js';
import { requireService } from '../services/require-service.js';
import { stopAll } from '../services/rig.js';
import { exampleEvent } from '../support/events.js';
import { type ActionRun, actionDir, runAction } from '../support/run-action.js';
import { reportValidator } from '../support/schemas.js';

const buildImage = actionDir('build-image');
const COMMIT_DATE = '2026-03-01T12:00:00Z';
const workspaces: string[] = [];

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  workspaces.push(dir);
  return dir;
}

/** A git checkout with a model directory, committed at a fixed time; returns the dir and the commit sha. */
async function checkout(model: Record<string, Buffer | string>, at = 'repo'): Promise<{ dir: string; sha: string }> {
  const dir = join(await tempDir('build-image-ws-'), at);
  for (const [name, content] of Object.entries(model)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  const env = {
    ...process.env,
    GIT_AUTHOR_DATE: COMMIT_DATE,
    GIT_COMMITTER_DATE: COMMIT_DATE,
    GIT_AUTHOR_NAME: 'ml',
    GIT_AUTHOR_EMAIL: 'ml@example.com',
    GIT_COMMITTER_NAME: 'ml',
    GIT_COMMITTER_EMAIL: 'ml@example.com',
  };
  await run('git', ['init', '-q', dir], { env });
  await run('git', ['-C', dir, 'add', '-A'], { env });
  await run('git', ['-C', dir, 'commit', '-q', '-m', 'model'], { env });
  const sha = (await run('git', ['-C', dir, 'rev-parse', 'HEAD'], { env })).stdout.trim();
  return { dir, sha };
}

/** The runner swallows `::add-mask::` lines: everything else of stdout reaches the log. */
function withoutMasks(stdout: string): string {
  return stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
}

function errorsOf(result: ActionRun) {
  return result.annotations.filter((annotation) => annotation.level === 'error');
}

describe.skipIf(!requireService('registry', 'skopeo', 'buildah'))('build-image through the runner harness', () => {
  let tools: ContainerTools;
  let open: RegistryHandle;
  let basic: RegistryHandle;
  let token: RegistryHandle;
  let proxy: FaultProxy;
  let proxyHost: string;
  const weights = randomBytes(2 << 20);
  const model = {
    'model/weights.bin': weights,
    'model/config.json': '{"threshold": 0.5}\n',
    'model/tokenizer/vocab.txt': 'a\nb\nc\n'.repeat(5000),
    'metrics.json': '{"auc": 0.91, "f1": 0.82, "notes": "holdout"}\n',
  };

  beforeAll(async () => {
    let registries: Awaited<ReturnType<typeof startRegistryPerAuth>>;
    [tools, registries] = await Promise.all([
      createContainerTools(),
      startRegistryPerAuth({ 'rig/*': ['pull', 'push'] }),
    ]);
    ({ open, basic, token } = registries);
    proxy = await startFaultProxy({ target: open.url, failureRate: 0 });
    proxyHost = new URL(proxy.url).host;
    await pushBusyboxBase(tools, `${open.host}/rig/busybox:1`);
    const basicAuth = await tools.writeAuthFile({ [basic.host]: { username: 'builder', password: 'correct horse' } });
    const tokenAuth = await tools.writeAuthFile({ [token.host]: { username: 'pusher', password: 'push-secret' } });
    await Promise.all([
      tools.copy(`docker://${open.host}/rig/busybox:1`, `docker://${basic.host}/rig/busybox:1`, basicAuth),
      tools.copy(`docker://${open.host}/rig/busybox:1`, `docker://${token.host}/rig/busybox:1`, tokenAuth),
    ]);
  });

  afterAll(async () => {
    await stopAll([open, basic, token, proxy]);
    await tools?.remove();
    await Promise.all(workspaces.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  const layersInputs = (registry: string, repository = 'models/churn') => ({
    image: `${registry}/${repository}`,
    builder: 'layers',
    'base-image': `${registry}/rig/busybox:1`,
    'model-path': 'model',
    'model-name': 'churn',
    'model-version': '7',
    'metrics-file': 'metrics.json',
    env: 'MODEL_DIR=/opt/ml/model',
  });

  /** Blob digests whose upload finished at the registry (through the proxy) since `from`. */
  const uploadedSince = (from: number) =>
    proxy.log
      .slice(from)
      .filter((entry) => entry.method === 'PUT' && /\/blobs\/uploads\//.test(entry.path) && entry.status === 201)
      .map((entry) => decodeURIComponent(/[?&]digest=([^&]+)/.exec(entry.path)?.[1] ?? ''));

  test('layers: pushed with labels skopeo shows, runnable, reproducible from another checkout; one changed file uploads one layer', async () => {
    const first = await checkout(model);
    const event = exampleEvent('push');
    event.payload.ref = 'refs/heads/main';
    const before = proxy.log.length;
    const result = await runAction(buildImage, {
      inputs: layersInputs(proxyHost),
      event,
      workspace: first.dir,
      env: { GITHUB_SHA: first.sha, GITHUB_REF: 'refs/heads/main', GITHUB_REF_NAME: 'main' },
    });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const digest = result.outputs.digest as string;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(result.outputs['image-ref']).toBe(`${proxyHost}/models/churn@${digest}`);
    expect(JSON.parse(result.outputs.tags as string)).toEqual([
      `${proxyHost}/models/churn:main`,
      `${proxyHost}/models/churn:sha-${first.sha.slice(0, 7)}`,
    ]);
    const metadata = JSON.parse(result.outputs.metadata as string);
    expect(metadata).toMatchObject({
      builder: 'layers',
      pushed: true,
      created: '2026-03-01T12:00:00.000Z',
      createdFrom: 'commit',
    });
    // Model layer + config uploaded; busybox's layer mounted from rig/busybox.
    const firstUploads = uploadedSince(before);
    expect(firstUploads).toHaveLength(2);
    expect(firstUploads).toContain(metadata.layers[0].digest);

    const report = JSON.parse(await readFile(result.outputs.report as string, 'utf8'));
    const validate = await reportValidator();
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report).toMatchObject({ action: 'build-image', status: 'passed', digest });

    // What skopeo (not our client) sees, straight at the registry.
    const inspected = JSON.parse(
      (await tools.skopeo(['inspect', '--tls-verify=false', `docker://${open.host}/models/churn:main`])).stdout,
    );
    expect(inspected.Digest).toBe(digest);
    const metrics = await readFile(join(first.dir, 'metrics.json'));
    expect(inspected.Labels).toMatchObject({
      'org.opencontainers.image.revision': first.sha,
      'org.opencontainers.image.created': '2026-03-01T12:00:00.000Z',
      'org.opencontainers.image.version': 'main',
      'ai.mlops.model.name': 'churn',
      'ai.mlops.model.version': '7',
      'ai.mlops.model.metrics-digest': sha256Digest(metrics),
      'ai.mlops.model.metric.auc': '0.91',
      'ai.mlops.model.metric.f1': '0.82',
    });
    expect(inspected.Labels['ai.mlops.model.metric.notes']).toBeUndefined();

    // The image runs (chroot isolation): the base's shell sees the model files and the env.
    const local = `docker://${open.host}/models/churn@${digest}`;
    const container = (await tools.buildah(['from', '--tls-verify=false', local])).stdout.trim().split('\n').at(-1)!;
    const shown = await tools.buildah([
      'run',
      '--isolation',
      'chroot',
      container,
      '--',
      'sh',
      '-c',
      'echo "$MODEL_DIR"; cat /opt/ml/model/config.json; md5sum /opt/ml/model/weights.bin',
    ]);
    const expectedMd5 = (await run('md5sum', [join(first.dir, 'model/weights.bin')])).stdout.split(' ')[0];
    expect(shown.stdout.trim().split('\n')).toEqual([
      '/opt/ml/model',
      '{"threshold": 0.5}',
      `${expectedMd5}  /opt/ml/model/weights.bin`,
    ]);
    await tools.buildah(['rm', container]);

    // Another checkout (other path, other file times) of the same commit: same digest, nothing uploaded.
    const second = join(await tempDir('build-image-other-'), 'elsewhere');
    await cp(first.dir, second, { recursive: true });
    const beforeSecond = proxy.log.length;
    const again = await runAction(buildImage, {
      inputs: layersInputs(proxyHost),
      event,
      workspace: second,
      env: { GITHUB_SHA: first.sha, GITHUB_REF: 'refs/heads/main', GITHUB_REF_NAME: 'main' },
    });
    expect(again.exitCode, again.stdout).toBe(0);
    expect(again.outputs.digest).toBe(digest);
    expect(uploadedSince(beforeSecond)).toEqual([]);

    // One model file changed: only its layer and the new config go up.
    await writeFile(join(second, 'model/config.json'), '{"threshold": 0.6}\n');
    const beforeThird = proxy.log.length;
    const changed = await runAction(buildImage, {
      inputs: layersInputs(proxyHost),
      event,
      workspace: second,
      env: { GITHUB_SHA: first.sha, GITHUB_REF: 'refs/heads/main', GITHUB_REF_NAME: 'main' },
    });
    expect(changed.exitCode, changed.stdout).toBe(0);
    expect(changed.outputs.digest).not.toBe(digest);
    const changedMetadata = JSON.parse(changed.outputs.metadata as string);
    const uploads = uploadedSince(beforeThird);
    expect(uploads).toHaveLength(2);
    expect(uploads).toContain(changedMetadata.layers[0].digest);
    const client = new RegistryClient({ registry: open.host });
    const manifest = (await client.getManifest('models/churn', changed.outputs.digest as string))
      .json as unknown as ImageManifest;
    expect(uploads).toContain(manifest.config.digest);
  });

  test('a multi-platform base gets the model on every platform and a new index', async () => {
    const client = new RegistryClient({ registry: open.host });
    const amd64 = await client.getManifest('rig/busybox', '1');
    const amdManifest = amd64.json as unknown as ImageManifest;
    const config = JSON.parse((await client.getBlob('rig/busybox', amdManifest.config.digest)).toString());
    const armConfig = Buffer.from(JSON.stringify({ ...config, architecture: 'arm64', variant: 'v8' }));
    await client.uploadBlob('rig/multi', bufferBlobSource(armConfig, sha256Digest(armConfig)));
    for (const layer of amdManifest.layers) {
      await client.uploadBlob('rig/multi', client.blobSource('rig/busybox', layer), { mountFrom: 'rig/busybox' });
    }
    await client.uploadBlob('rig/multi', client.blobSource('rig/busybox', amdManifest.config), {
      mountFrom: 'rig/busybox',
    });
    const armManifest = Buffer.from(
      JSON.stringify({
        ...amdManifest,
        mediaType: amd64.mediaType,
        config: { ...amdManifest.config, digest: sha256Digest(armConfig), size: armConfig.length },
      }),
    );
    await client.putManifest('rig/multi', amd64.digest, amd64.bytes, amd64.mediaType);
    await client.putManifest('rig/multi', sha256Digest(armManifest), armManifest, amd64.mediaType);
    const index: ImageIndex = {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        {
          mediaType: amd64.mediaType,
          digest: amd64.digest,
          size: amd64.bytes.length,
          platform: { os: 'linux', architecture: 'amd64' },
        },
        {
          mediaType: amd64.mediaType,
          digest: sha256Digest(armManifest),
          size: armManifest.length,
          platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
        },
      ],
    };
    const indexBytes = Buffer.from(JSON.stringify(index));
    await client.putManifest('rig/multi', '1', indexBytes, MediaType.ociIndex);

    const ws = await checkout(model);
    const result = await runAction(buildImage, {
      inputs: { ...layersInputs(open.host, 'models/multi'), 'base-image': `${open.host}/rig/multi:1`, tags: 'v1' },
      event: 'push',
      workspace: ws.dir,
      env: { GITHUB_SHA: ws.sha },
    });
    expect(result.exitCode, result.stdout).toBe(0);
    const built = await client.getManifest('models/multi', 'v1');
    expect(built.digest).toBe(result.outputs.digest);
    expect(built.mediaType).toBe(MediaType.ociIndex);
    const children = (built.json as unknown as ImageIndex).manifests;
    expect(children.map((child) => child.platform?.architecture)).toEqual(['amd64', 'arm64']);
    const modelLayer = JSON.parse(result.outputs.metadata as string).layers[0].digest;
    for (const child of children) {
      const manifest = (await client.getManifest('models/multi', child.digest)).json as unknown as ImageManifest;
      expect(manifest.layers.at(-1)?.digest).toBe(modelLayer);
      const childConfig = JSON.parse((await client.getBlob('models/multi', manifest.config.digest)).toString());
      expect(childConfig.architecture).toBe(child.platform?.architecture);
      expect(childConfig.config.Labels['ai.mlops.model.name']).toBe('churn');
    }
  });

  test.each([
    ['htpasswd', () => basic, { 'registry-username': 'builder', 'registry-password': 'correct horse' }],
    ['token', () => token, { 'registry-username': 'pusher', 'registry-password': 'push-secret' }],
  ])('auth %s: pushes, and the password appears nowhere', async (_mode, registry, credentials) => {
    const ws = await checkout(model);
    const result = await runAction(buildImage, {
      inputs: { ...layersInputs(registry().host), ...credentials, tags: 'v1' },
      event: 'push',
      workspace: ws.dir,
      env: { GITHUB_SHA: ws.sha },
    });
    expect(result.exitCode, result.stdout).toBe(0);
    const authFile = await tools.writeAuthFile({
      [registry().host]: { username: credentials['registry-username'], password: credentials['registry-password'] },
    });
    const inspected = JSON.parse(
      (
        await tools.skopeo([
          'inspect',
          '--tls-verify=false',
          '--authfile',
          authFile,
          `docker://${registry().host}/models/churn:v1`,
        ])
      ).stdout,
    );
    expect(inspected.Digest).toBe(result.outputs.digest);
    const everything = [
      withoutMasks(result.stdout),
      result.stderr,
      result.summary,
      JSON.stringify(result.outputs),
      await readFile(result.outputs.report as string, 'utf8'),
    ].join('\n');
    expect(everything).not.toContain(credentials['registry-password']);
    expect(result.stdout).toContain(`::add-mask::${credentials['registry-password']}`);
  });

  test.each([
    ['an upper-case image name', () => ({ image: `${open.host}/Models/Churn` }), 'image', /lower case/],
    [
      'an unreachable registry',
      () => ({ image: '127.0.0.1:9/models/churn', 'base-image': '127.0.0.1:9/rig/busybox:1' }),
      'image',
      /could not be reached/,
    ],
    [
      'a wrong password',
      () => ({
        image: `${basic.host}/models/churn`,
        'base-image': `${basic.host}/rig/busybox:1`,
        'registry-username': 'builder',
        'registry-password': 'wrong horse',
      }),
      'registry-password',
      /refused the password for user 'builder'/,
    ],
    [
      'a missing Dockerfile',
      () => ({ builder: 'buildah', dockerfile: 'serve/Dockerfile' }),
      'dockerfile',
      /'serve\/Dockerfile' does not exist/,
    ],
    ['a missing model path', () => ({ 'model-path': 'no-such-model' }), 'model-path', /'no-such-model' does not exist/],
  ])(
    '%s: one clear error naming the input, exit 1, nothing pushed under the tags',
    async (_name, overrides, input, message) => {
      const ws = await checkout(model);
      const inputs = { ...layersInputs(open.host, 'models/refused'), tags: 'must-not-exist', ...overrides() };
      const result = await runAction(buildImage, {
        inputs,
        event: 'push',
        workspace: ws.dir,
        env: { GITHUB_SHA: ws.sha },
      });
      expect(result.exitCode).toBe(1);
      const errors = errorsOf(result);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.message).toMatch(message);
      expect(errors[0]!.title).toBe(`build-image: input '${input}'`);
      expect(result.stdout).not.toMatch(/\n\s+at /);
      expect(withoutMasks(result.stdout)).not.toContain('wrong horse');
      for (const registry of [open, basic]) {
        const client = new RegistryClient({
          registry: registry.host,
          credentials: { username: 'builder', password: 'correct horse' },
        });
        expect(await client.resolve('models/refused', 'must-not-exist')).toBeUndefined();
      }
    },
  );

  test('buildah: a Dockerfile with RUN and COPY on the busybox base; the digest output is what skopeo reports', async () => {
    const ws = await checkout({
      ...model,
      Dockerfile: `FROM ${open.host}/rig/busybox:1\nCOPY model/ /srv/model/\nRUN echo "built" > /srv/proof && ls /srv/model > /srv/listing\n`,
    });
    const result = await runAction(buildImage, {
      inputs: { image: `${open.host}/models/bud`, builder: 'buildah', tags: 'v1', 'model-name': 'churn' },
      event: 'push',
      workspace: ws.dir,
      env: { ...tools.env, GITHUB_SHA: ws.sha } as Record<string, string>,
      timeoutMs: 240_000,
    });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const inspected = JSON.parse(
      (await tools.skopeo(['inspect', '--tls-verify=false', `docker://${open.host}/models/bud:v1`])).stdout,
    );
    expect(inspected.Digest).toBe(result.outputs.digest);
    expect(inspected.Labels['ai.mlops.model.name']).toBe('churn');
    expect(inspected.Labels['org.opencontainers.image.revision']).toBe(ws.sha);
    const container = (
      await tools.buildah(['from', '--tls-verify=false', `docker://${open.host}/models/bud:v1`])
    ).stdout
      .trim()
      .split('\n')
      .at(-1)!;
    const shown = await tools.buildah([
      'run',
      '--isolation',
      'chroot',
      container,
      '--',
      'cat',
      '/srv/proof',
      '/srv/listing',
    ]);
    expect(shown.stdout.trim().split('\n')).toEqual(['built', 'config.json', 'tokenizer', 'weights.bin']);
    await tools.buildah(['rm', container]);
  }, 300_000);
});

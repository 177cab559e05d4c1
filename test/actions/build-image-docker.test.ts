import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  bufferBlobSource,
  type ImageConfig,
  type ImageManifest,
  MediaType,
  RegistryClient,
  sha256Digest,
} from '../../shared/src/index.js';
import { type DockerHandle, startDockerd } from '../services/docker.js';
import { run } from '../services/process.js';
import { type RegistryHandle, startRegistry, startRegistryPerAuth } from '../services/registry.js';
import { dockerClient, executable, requireService } from '../services/require-service.js';
import { stopAll } from '../services/rig.js';
import { actionDir, runAction } from '../support/run-action.js';

const buildImage = actionDir('build-image');
/** 2026-03-01T12:00:00Z: the image's created label, from SOURCE_DATE_EPOCH. */
const SOURCE_DATE_EPOCH = '1772366400';
const SHA = 'c0ffee5eed00000000000000000000000000beef';
const model = {
  'model/weights.bin': Buffer.from(Array.from({ length: 70_000 }, (_, index) => (index * 7919) % 251)),
  'model/config.json': '{"threshold": 0.5}\n',
  'metrics.json': '{"auc": 0.91, "f1": 0.82}\n',
};
const workspaces: string[] = [];

async function workspace(files: Record<string, Buffer | string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'build-image-docker-ws-'));
  workspaces.push(dir);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return dir;
}

/** The file names and contents of a gzipped layer tar, read by GNU tar (not by our code). */
async function layerFiles(layer: Buffer): Promise<{ names: string[]; read: (name: string) => Promise<Buffer> }> {
  const dir = await mkdtemp(join(tmpdir(), 'build-image-docker-layer-'));
  workspaces.push(dir);
  await writeFile(join(dir, 'layer.tar.gz'), layer);
  await mkdir(join(dir, 'x'));
  await run('tar', ['-xzf', join(dir, 'layer.tar.gz'), '-C', join(dir, 'x')]);
  const names = (await run('tar', ['-tzf', join(dir, 'layer.tar.gz')])).stdout.trim().split('\n').sort();
  return { names, read: (name) => readFile(join(dir, 'x', name)) };
}

/** Pushes a one-layer base image (/base/version) as `repository:1`; returns its layer's uncompressed digest. */
async function pushBase(client: RegistryClient, repository: string): Promise<{ diffId: string }> {
  const dir = await workspace({ 'base/version': 'base 1\n' });
  await run('tar', ['-C', dir, '--owner=0', '--group=0', '-cf', join(dir, 'layer.tar'), 'base']);
  const tar = await readFile(join(dir, 'layer.tar'));
  const layer = gzipSync(tar);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: [sha256Digest(tar)] },
    }),
  );
  await client.uploadBlob(repository, bufferBlobSource(layer, sha256Digest(layer)));
  await client.uploadBlob(repository, bufferBlobSource(config, sha256Digest(config)));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: sha256Digest(config), size: config.length },
      layers: [{ mediaType: MediaType.ociLayerGzip, digest: sha256Digest(layer), size: layer.length }],
    }),
  );
  await client.putManifest(repository, '1', manifest, MediaType.ociManifest);
  return { diffId: sha256Digest(tar) };
}

describe.skipIf(!requireService('docker', 'registry', 'skopeo'))(
  'build-image with docker buildx on a real dockerd',
  () => {
    let docker: DockerHandle | undefined;
    let open: RegistryHandle | undefined;
    let basic: RegistryHandle | undefined;
    let token: RegistryHandle | undefined;
    /** Another registry, holding the base image: anonymous pulls of rig/*, `seeder` may push there. */
    let other: RegistryHandle | undefined;

    beforeAll(async () => {
      const started = await Promise.allSettled([
        startDockerd().then((handle) => {
          docker = handle;
        }),
        startRegistryPerAuth().then((handles) => {
          ({ open, basic, token } = handles);
        }),
        startRegistry({
          mode: 'token',
          users: { seeder: { password: 'seed-secret', grants: { 'rig/*': ['pull', 'push'] } } },
          anonymousGrants: { 'rig/*': ['pull'] },
        }).then((handle) => {
          other = handle;
        }),
      ]);
      // A dockerd that cannot start fails the suite here, under CI=true as everywhere.
      const failed = started.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
    }, 120_000);

    afterAll(async () => {
      await stopAll([docker, open, basic, token, other]);
      await Promise.all(workspaces.map((dir) => rm(dir, { recursive: true, force: true })));
    });

    const dockerEnv = () => ({ ...docker?.env, SOURCE_DATE_EPOCH, GITHUB_SHA: SHA });
    const skopeo = (args: string[]) => run(executable('skopeo'), args);

    test('which docker build-image finds: /usr/bin/docker, the same version as the dockerd it talks to, with the rig buildx', async () => {
      const handle = docker as DockerHandle;
      const env = { ...process.env, ...handle.env };
      const found = (await run('sh', ['-c', 'command -v docker'], { env })).stdout.trim();
      expect(found).toBe(join(handle.dir, 'bin', 'docker'));
      expect(await realpath(found)).toBe(await realpath(dockerClient));
      const daemon = (await run(executable('dockerd'), ['--version'])).stdout;
      const version = /^Docker version ([^,\s]+)/.exec(daemon)?.[1];
      console.log(`docker client and dockerd: ${version}`);
      const versions = await run('docker', ['version', '--format', '{{.Client.Version}} {{.Server.Version}}'], { env });
      expect(versions.stdout.trim()).toBe(`${version} ${version}`);
      expect((await run('docker', ['buildx', 'version'], { env })).stdout).toMatch(/ v0\.38\.2 /);
    });

    test('builder docker: FROM scratch + COPY pushed; digest is what skopeo reports, labels in the pushed config, files in the layer, annotations on the manifest', async () => {
      const registry = open as RegistryHandle;
      const ws = await workspace({
        ...model,
        Dockerfile: 'FROM scratch\nCOPY model/ /srv/model/\nLABEL org.example.stage=serve\n',
      });
      const result = await runAction(buildImage, {
        inputs: {
          image: `${registry.host}/models/docker`,
          builder: 'docker',
          tags: 'v1',
          'model-name': 'churn',
          'model-version': '7',
          'metrics-file': 'metrics.json',
          labels: 'team=ml',
          annotations: 'org.opencontainers.image.description=churn model',
        },
        event: 'push',
        workspace: ws,
        env: dockerEnv(),
        timeoutMs: 240_000,
      });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      // The daemon's image store cannot write an OCI layout: built into it, saved, converted, removed again.
      expect(result.stdout).toMatch(
        /\[command\]docker buildx build .*--output type=docker,name=localhost\/mlops-actions\//,
      );
      expect(result.stdout).toMatch(/\[command\]docker save --output /);
      const leftover = await run('docker', ['images', '--quiet'], { env: { ...process.env, ...docker?.env } });
      expect(leftover.stdout.trim()).toBe('');

      const digest = result.outputs.digest as string;
      expect(JSON.parse(result.outputs.metadata as string)).toMatchObject({ builder: 'docker', pushed: true });
      expect(result.outputs['image-ref']).toBe(`${registry.host}/models/docker@${digest}`);
      const inspected = JSON.parse(
        (await skopeo(['inspect', '--tls-verify=false', `docker://${registry.host}/models/docker:v1`])).stdout,
      );
      expect(inspected.Digest).toBe(digest);
      const metrics = await readFile(join(ws, 'metrics.json'));
      expect(inspected.Labels).toEqual({
        'org.example.stage': 'serve',
        team: 'ml',
        'org.opencontainers.image.revision': SHA,
        'org.opencontainers.image.source': 'https://github.com/Codertocat/Hello-World',
        'org.opencontainers.image.title': 'Hello-World',
        'org.opencontainers.image.created': '2026-03-01T12:00:00.000Z',
        'org.opencontainers.image.version': 'v1',
        'ai.mlops.model.name': 'churn',
        'ai.mlops.model.version': '7',
        'ai.mlops.model.metrics-digest': sha256Digest(metrics),
        'ai.mlops.model.metric.auc': '0.91',
        'ai.mlops.model.metric.f1': '0.82',
      });

      const raw = JSON.parse(
        (await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/models/docker:v1`])).stdout,
      ) as ImageManifest;
      expect(raw.annotations).toEqual({ 'org.opencontainers.image.description': 'churn model' });
      expect(raw.layers).toHaveLength(1);
      const client = new RegistryClient({ registry: registry.host });
      const config = JSON.parse((await client.getBlob('models/docker', raw.config.digest)).toString()) as ImageConfig;
      const layer = await client.getBlob('models/docker', raw.layers[0]?.digest as string);
      // The config's diff_id is the uncompressed tar's digest, as docker recorded it before we gzipped the layer.
      expect(config.rootfs.diff_ids).toEqual([sha256Digest(gunzipSync(layer))]);
      const files = await layerFiles(layer);
      expect(files.names.filter((name) => !name.endsWith('/'))).toEqual([
        'srv/model/config.json',
        'srv/model/weights.bin',
      ]);
      expect((await files.read('srv/model/config.json')).toString()).toBe('{"threshold": 0.5}\n');
      expect((await files.read('srv/model/weights.bin')).equals(model['model/weights.bin'])).toBe(true);
    }, 300_000);

    test('builder auto picks docker when its daemon answers (buildah is installed too)', async () => {
      const registry = open as RegistryHandle;
      const ws = await workspace({ ...model, Dockerfile: 'FROM scratch\nCOPY model/config.json /srv/\n' });
      const result = await runAction(buildImage, {
        inputs: { image: `${registry.host}/models/auto`, tags: 'v1' },
        event: 'push',
        workspace: ws,
        env: dockerEnv(),
        timeoutMs: 240_000,
      });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      expect(JSON.parse(result.outputs.metadata as string).builder).toBe('docker');
      const inspected = JSON.parse(
        (await skopeo(['inspect', '--tls-verify=false', `docker://${registry.host}/models/auto:v1`])).stdout,
      );
      expect(inspected.Digest).toBe(result.outputs.digest);
    }, 300_000);

    test('credentials: the password reaches the image registry only; the base on another registry is pulled anonymously', async () => {
      const target = token as RegistryHandle;
      const baseRegistry = other as RegistryHandle;
      const base = await pushBase(
        new RegistryClient({
          registry: baseRegistry.host,
          credentials: { username: 'seeder', password: 'seed-secret' },
        }),
        'rig/base',
      );
      const baseTokensBefore = baseRegistry.tokenServer?.issued.length ?? 0;

      const ws = await workspace({
        ...model,
        Dockerfile: `FROM ${baseRegistry.host}/rig/base:1\nCOPY model/config.json /srv/\n`,
      });
      const result = await runAction(buildImage, {
        inputs: {
          image: `${target.host}/models/secure`,
          builder: 'docker',
          tags: 'v1',
          'registry-username': 'pusher',
          'registry-password': 'push-secret',
        },
        event: 'push',
        workspace: ws,
        env: dockerEnv(),
        timeoutMs: 240_000,
      });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);

      const pusherTokens = (target.tokenServer?.issued ?? []).filter((issued) => issued.account === 'pusher');
      expect(pusherTokens.flatMap((issued) => issued.access)).toContainEqual(
        expect.objectContaining({ name: 'models/secure', actions: expect.arrayContaining(['push']) }),
      );
      const baseTokens = baseRegistry.tokenServer?.issued.slice(baseTokensBefore) ?? [];
      expect(baseTokens.length).toBeGreaterThan(0);
      expect(baseTokens.map((issued) => issued.account)).toEqual(baseTokens.map(() => undefined));

      const authFile = join(await workspace({}), 'auth.json');
      await writeFile(
        authFile,
        JSON.stringify({ auths: { [target.host]: { auth: Buffer.from('pusher:push-secret').toString('base64') } } }),
      );
      const inspected = JSON.parse(
        (
          await skopeo([
            'inspect',
            '--tls-verify=false',
            '--authfile',
            authFile,
            `docker://${target.host}/models/secure:v1`,
          ])
        ).stdout,
      );
      expect(inspected.Digest).toBe(result.outputs.digest);
      // The base's layer is in the image, by its uncompressed digest.
      const client = new RegistryClient({
        registry: target.host,
        credentials: { username: 'pusher', password: 'push-secret' },
      });
      const manifest = (await client.getManifest('models/secure', 'v1')).json as unknown as ImageManifest;
      const config = JSON.parse((await client.getBlob('models/secure', manifest.config.digest)).toString());
      expect(manifest.layers).toHaveLength(2);
      expect(config.rootfs.diff_ids[0]).toBe(base.diffId);

      const visible = [
        result.stdout
          .split('\n')
          .filter((line) => !line.startsWith('::add-mask::'))
          .join('\n'),
        result.stderr,
        result.summary,
        JSON.stringify(result.outputs),
        await readFile(result.outputs.report as string, 'utf8'),
      ].join('\n');
      expect(visible).not.toContain('push-secret');
    }, 300_000);

    test('credentials: a FROM on the image registry itself is pulled with the same credentials, as buildah does', async () => {
      const registry = basic as RegistryHandle;
      const credentials = { username: 'builder', password: 'correct horse' };
      const base = await pushBase(new RegistryClient({ registry: registry.host, credentials }), 'rig/base');
      const ws = await workspace({
        ...model,
        Dockerfile: `FROM ${registry.host}/rig/base:1\nCOPY model/config.json /srv/\n`,
      });
      const result = await runAction(buildImage, {
        inputs: {
          image: `${registry.host}/models/same`,
          builder: 'docker',
          tags: 'v1',
          'registry-username': credentials.username,
          'registry-password': credentials.password,
        },
        event: 'push',
        workspace: ws,
        env: dockerEnv(),
        timeoutMs: 240_000,
      });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      const client = new RegistryClient({ registry: registry.host, credentials });
      const pushed = await client.getManifest('models/same', 'v1');
      expect(pushed.digest).toBe(result.outputs.digest);
      const manifest = pushed.json as unknown as ImageManifest;
      const config = JSON.parse((await client.getBlob('models/same', manifest.config.digest)).toString());
      expect(config.rootfs.diff_ids[0]).toBe(base.diffId);
      const logged = result.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'));
      expect(logged.join('\n')).not.toContain('correct horse');
    }, 300_000);

    test('several platforms on the docker driver: one error naming platforms, exit 1, nothing pushed', async () => {
      const registry = open as RegistryHandle;
      const ws = await workspace({ ...model, Dockerfile: 'FROM scratch\nCOPY model/config.json /srv/\n' });
      const result = await runAction(buildImage, {
        inputs: {
          image: `${registry.host}/models/multi`,
          builder: 'docker',
          tags: 'v1',
          platforms: 'linux/amd64,linux/arm64',
        },
        event: 'push',
        workspace: ws,
        env: dockerEnv(),
        timeoutMs: 120_000,
      });
      expect(result.exitCode).toBe(1);
      const errors = result.annotations.filter((annotation) => annotation.level === 'error');
      expect(errors.map((error) => [error.title, error.message])).toEqual([
        [
          "build-image: input 'platforms'",
          "Input 'platforms': the current docker buildx builder (the docker driver on Docker's classic image store) builds one platform, not linux/amd64, linux/arm64; set up a docker-container builder first (docker/setup-buildx-action) or use builder: buildah.",
        ],
      ]);
      expect(result.stdout).not.toMatch(/\n\s+at /);
      expect(result.stdout).not.toContain('[command]docker buildx build');
      expect(await new RegistryClient({ registry: registry.host }).resolve('models/multi', 'v1')).toBeUndefined();
    }, 180_000);
  },
);

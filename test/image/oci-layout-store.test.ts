import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, test } from 'vitest';
import {
  bufferBlobSource,
  buildModelLayers,
  ConfigurationError,
  composeLayeredImage,
  copyReferrers,
  formatImageReference,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  type ImageStore,
  isRegistryError,
  layoutBlobPath,
  MediaType,
  OciLayoutStore,
  parseImageReference,
  parsePlatform,
  pushImage,
  REF_NAME_ANNOTATION,
  RegistryClient,
  referenceOrDefault,
  scratchBase,
  sha256Digest,
} from '../../shared/src/index.js';
import { makeTestImage } from '../oci/support.js';
import { type ContainerTools, createContainerTools } from '../services/containers.js';
import { requireService } from '../services/require-service.js';

const dirs: string[] = [];
let tools: ContainerTools | undefined;
afterAll(async () => {
  await tools?.remove();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(prefix = 'oci-layout-test-') {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

async function readIndex(layout: string): Promise<ImageIndex> {
  return JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as ImageIndex;
}

const tagsIn = (index: ImageIndex) =>
  Object.fromEntries(index.manifests.map((entry) => [entry.annotations?.[REF_NAME_ANNOTATION], entry.digest]));

describe('oci:DIR references', () => {
  test.each([
    ['oci:build/image', { registry: 'oci', repository: 'build/image' }],
    ['oci:build/image:v1.2', { registry: 'oci', repository: 'build/image', tag: 'v1.2' }],
    [
      `oci:/abs/Dir@sha256:${'a'.repeat(64)}`,
      { registry: 'oci', repository: '/abs/Dir', digest: `sha256:${'a'.repeat(64)}` },
    ],
  ])('%s parses and formats back', (text, expected) => {
    const parsed = parseImageReference(text, 'image');
    expect(parsed).toEqual(expected);
    expect(formatImageReference(parsed)).toBe(text);
  });

  test.each([
    ['oci:', "name the layout directory after 'oci:'"],
    ['oci::latest', "name the layout directory after 'oci:'"],
    ['oci:dir:-bad', "the tag '-bad' must be"],
    ['oci:dir@sha256:short', 'the digest must be sha256:'],
  ])('%s is a ConfigurationError naming the input', (text, why) => {
    const error = (() => {
      try {
        parseImageReference(text, 'source');
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).message).toContain("Input 'source'");
    expect((error as ConfigurationError).message).toContain(why);
  });

  test('platforms are os/architecture[/variant], strictly', () => {
    expect(parsePlatform('linux/arm64/v8', 'platforms')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    for (const wrong of ['linux', 'linux/', 'Linux/amd64', 'linux/amd64/v8/x']) {
      expect(() => parsePlatform(wrong, 'platforms')).toThrow(/Input 'platforms'.*os\/architecture/);
    }
  });
});

describe('OciLayoutStore', () => {
  test('a pushed image is a layout: blobs by digest, tags as ref names, retagging replaces', async () => {
    const root = await tempDir();
    const store = new OciLayoutStore(root);
    const image = await makeTestImage({ randomBytes: 64 << 10, files: 2 });
    dirs.push(image.dir);
    const pushed = await pushImage(store, 'out/layout', { ...image, tags: ['candidate', 'latest'] });
    expect(pushed.digest).toBe(image.digest);
    expect(pushed.blobs.uploaded).toBe(image.blobs.length);

    const layout = join(root, 'out', 'layout');
    expect(JSON.parse(await readFile(join(layout, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    expect(tagsIn(await readIndex(layout))).toEqual({ candidate: image.digest, latest: image.digest });
    for (const name of await readdir(join(layout, 'blobs', 'sha256'))) {
      expect(sha256Digest(await readFile(join(layout, 'blobs', 'sha256', name)))).toBe(`sha256:${name}`);
    }

    // Another image under `latest`: the ref name moves, `candidate` stays.
    const other = Buffer.from(JSON.stringify({ ...image.manifest, annotations: { other: 'yes' } }));
    await store.putManifest('out/layout', 'latest', other, MediaType.ociManifest);
    expect(tagsIn(await readIndex(layout))).toEqual({ candidate: image.digest, latest: sha256Digest(other) });
    expect((await store.getManifest('out/layout', 'latest')).digest).toBe(sha256Digest(other));

    // Again: every blob is there already.
    const again = await pushImage(store, 'out/layout', { ...image, tags: [] });
    expect(again.blobs).toEqual({ exists: image.blobs.length, mounted: 0, uploaded: 0 });
    expect(await store.deleteManifest('out/layout', 'latest')).toBe('deleted');
    expect(await store.deleteManifest('out/layout', 'latest')).toBe('absent');
    expect(await store.resolve('out/layout', 'latest')).toBeUndefined();
  });

  test('blobs are checked on arrival and on reading; a blob of another layout is copied ("mounted")', async () => {
    const root = await tempDir();
    const store = new OciLayoutStore(root);
    const bytes = Buffer.from('model bytes');
    const lying = { ...bufferBlobSource(bytes, sha256Digest('something else')) };
    const refused = await store.uploadBlob('a', lying).catch((error: unknown) => error);
    expect(isRegistryError(refused, 'protocol')).toBe(true);
    expect(await readdir(join(root, 'a', 'blobs', 'sha256'))).toEqual([]);

    const digest = sha256Digest(bytes);
    expect(await store.uploadBlob('a', bufferBlobSource(bytes, digest))).toBe('uploaded');
    expect(await store.uploadBlob('b', bufferBlobSource(bytes, digest), { mountFrom: 'a' })).toBe('mounted');
    expect(await store.getBlob('b', digest)).toEqual(bytes);

    await writeFile(join(root, 'b', 'blobs', 'sha256', digest.slice(7)), 'tampered');
    const corrupt = await store.getBlob('b', digest).catch((error: unknown) => error);
    expect(isRegistryError(corrupt, 'protocol')).toBe(true);
  });

  test('a missing layout or tag is not-found, which promote and build-image explain as the input to fix', async () => {
    const store = new OciLayoutStore(await tempDir());
    // Started one at a time: a second promise made up front could reject before anything awaits it.
    for (const attempt of [() => store.getManifest('nowhere', 'v1'), () => store.checkAccess('nowhere', 'pull')]) {
      const error = await attempt().catch((thrown: unknown) => thrown);
      expect(isRegistryError(error, 'not-found')).toBe(true);
    }
  });

  test('a layout opened for writing is valid before anything is written: oci-layout and an empty index.json', async () => {
    const root = await tempDir();
    const store = new OciLayoutStore(root);
    await store.checkAccess('fresh', 'pull,push');
    expect(await readIndex(join(root, 'fresh'))).toEqual({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [],
    });
    expect(JSON.parse(await readFile(join(root, 'fresh', 'oci-layout'), 'utf8'))).toEqual({
      imageLayoutVersion: '1.0.0',
    });
  });

  test('a digest that is not sha256:<64 hex> is never a path, and a layer found by digest is plain bytes', async () => {
    const root = await tempDir();
    const store = new OciLayoutStore(root);
    // Not a digest, so only ever a tag name looked up in index.json.
    expect(await store.resolve('x', 'sha256:../../../etc/passwd')).toBeUndefined();
    expect(() => layoutBlobPath(root, 'sha256:../../escape')).toThrow(/not a sha256 digest/);
    const image = await makeTestImage({ randomBytes: 4 << 10, files: 1 });
    dirs.push(image.dir);
    await pushImage(store, 'app', { ...image, tags: ['v1'] });
    const manifest = JSON.parse((await store.getManifest('app', 'v1')).bytes.toString()) as ImageManifest;
    const layer = manifest.layers[0]!;
    expect(await store.resolve('app', layer.digest)).toEqual({
      mediaType: 'application/octet-stream',
      digest: layer.digest,
      size: layer.size,
    });
  });

  test('oci:DIR without a tag is the only image of the layout (as skopeo reads it), else latest', async () => {
    const store = new OciLayoutStore(await tempDir());
    const first = await makeTestImage({ randomBytes: 2 << 10, files: 1 });
    const second = await makeTestImage({ randomBytes: 2 << 10, files: 1 });
    dirs.push(first.dir, second.dir);
    await pushImage(store, 'base', { ...first, tags: ['3.11-slim'] });
    const untagged = parseImageReference('oci:base', 'base-image');
    expect(await referenceOrDefault(store, untagged)).toBe(first.digest);
    expect(await referenceOrDefault(store, parseImageReference('oci:base:v2', 'base-image'))).toBe('v2');
    await pushImage(store, 'base', { ...second, tags: ['3.12-slim'] });
    expect(await referenceOrDefault(store, untagged)).toBe('latest');
    const registry = new RegistryClient({ registry: '127.0.0.1:9' });
    expect(await referenceOrDefault(registry, parseImageReference('127.0.0.1:9/acme/base', 'base-image'))).toBe(
      'latest',
    );
  });

  test('layouts keep no referrers, so none are copied into one (nor reported as copied)', async () => {
    const store = new OciLayoutStore(await tempDir());
    // A source that has a signature for the subject: copied anywhere else, it would be fetched and listed.
    const signature = { mediaType: MediaType.ociManifest, digest: `sha256:${'b'.repeat(64)}`, size: 2 };
    const signedSource = {
      referrers: async () => [signature],
      getManifest: async () => {
        throw new Error('nothing may be read from the source for a layout target');
      },
    } as unknown as ImageStore;
    const copied = await copyReferrers(
      { client: signedSource, repository: 'source' },
      { client: store, repository: 'target' },
      `sha256:${'a'.repeat(64)}`,
    );
    expect(copied).toEqual({ copied: [] });
  });

  test.skipIf(!requireService('skopeo'))('skopeo reads our layout and we read what skopeo copies', async () => {
    tools ??= await createContainerTools();
    const root = await tempDir();
    const store = new OciLayoutStore(root);
    const image = await makeTestImage({ randomBytes: 32 << 10, files: 1 });
    dirs.push(image.dir);
    await pushImage(store, 'ours', { ...image, tags: ['v1'] });
    const inspected = JSON.parse((await tools.skopeo(['inspect', `oci:${join(root, 'ours')}:v1`])).stdout);
    expect(inspected.Digest).toBe(image.digest);
    await tools.skopeo(['copy', `oci:${join(root, 'ours')}:v1`, `oci:${join(root, 'theirs')}:copied`]);
    const copied = await store.getManifest('theirs', 'copied');
    expect(copied.digest).toBe(image.digest);
  });
});

describe('scratch base', () => {
  async function modelLayers() {
    const dir = await tempDir();
    await mkdir(join(dir, 'model'));
    await writeFile(join(dir, 'model', 'model.json'), '{"weights":[1,2,3]}');
    return buildModelLayers({
      modelPath: join(dir, 'model'),
      modelDest: 'opt/ml/model',
      epochSeconds: 1_700_000_000,
      workDir: join(dir, 'layers'),
    });
  }
  const changes = {
    created: '2023-11-14T22:13:20.000Z',
    labels: { 'ai.mlops.model.name': 'rain' },
    annotations: { 'org.opencontainers.image.revision': 'abc' },
    env: ['MODEL_DIR=/opt/ml/model'],
    cmd: ['node', '/opt/ml/model/serve.mjs'],
    modelDest: 'opt/ml/model',
  };

  test('one platform: an OCI manifest of the model layers alone, with a config naming the platform', async () => {
    const layers = await modelLayers();
    const root = await tempDir();
    const store = new OciLayoutStore(root);
    const image = await composeLayeredImage(
      scratchBase([{ os: 'linux', architecture: 'arm64', variant: 'v8' }]),
      { client: store, repository: 'img' },
      layers,
      changes,
    );
    expect(image.baseDigest).toBeUndefined();
    expect(image.platforms.map((platform) => platform.platform)).toEqual(['linux/arm64/v8']);
    await pushImage(store, 'img', { ...image.plan, tags: ['t'] });

    const manifest = (await store.getManifest('img', 't')).json as unknown as ImageManifest;
    expect(manifest.mediaType).toBe(MediaType.ociManifest);
    expect(manifest.layers.map((layer) => layer.digest)).toEqual(layers.map((layer) => layer.digest));
    expect(manifest.annotations).toEqual(changes.annotations);
    const config = JSON.parse((await store.getBlob('img', manifest.config.digest)).toString()) as ImageConfig;
    expect(config).toMatchObject({ os: 'linux', architecture: 'arm64', variant: 'v8', created: changes.created });
    expect(config.config).toEqual({ Env: changes.env, Cmd: changes.cmd, Labels: changes.labels });
    expect(config.rootfs.diff_ids).toEqual([sha256Digest(gunzipSync(await readFile(layers[0]!.path)))]);
  });

  test('two platforms: an index over two images that differ only in their platform', async () => {
    const layers = await modelLayers();
    const store = new OciLayoutStore(await tempDir());
    const platforms = [parsePlatform('linux/amd64', 'platforms'), parsePlatform('linux/arm64', 'platforms')];
    const image = await composeLayeredImage(
      scratchBase(platforms),
      { client: store, repository: 'img' },
      layers,
      changes,
    );
    await pushImage(store, 'img', { ...image.plan, tags: ['t'] });
    const index = (await store.getManifest('img', 't')).json as unknown as ImageIndex;
    expect(index.mediaType).toBe(MediaType.ociIndex);
    expect(index.manifests.map((entry) => entry.platform)).toEqual(platforms);
    const children = await Promise.all(
      index.manifests.map(
        async (entry) => (await store.getManifest('img', entry.digest)).json as unknown as ImageManifest,
      ),
    );
    expect(children[0]!.layers).toEqual(children[1]!.layers);
    expect(children[0]!.config.digest).not.toBe(children[1]!.config.digest);
  });
});

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  bufferBlobSource,
  copyImage,
  type ImageIndex,
  isRegistryError,
  MediaType,
  pushImage,
  RegistryClient,
  type RegistryCredentials,
  referrersFallbackTag,
  sha256Digest,
} from '../../shared/src/index.js';
import { type ContainerTools, createContainerTools } from '../services/containers.js';
import { type FaultProxy, startFaultProxy } from '../services/fault-proxy.js';
import { type RegistryHandle, startRegistry, startRegistryPerAuth } from '../services/registry.js';
import { requireService } from '../services/require-service.js';
import { stopAll } from '../services/rig.js';
import { makeTestImage } from './support.js';

type TestImage = Awaited<ReturnType<typeof makeTestImage>>;

/** What skopeo (not our client) sees at `reference`: the manifest digest, after copying every blob out. */
async function skopeoVerify(tools: ContainerTools, reference: string, authFile?: string) {
  const auth = authFile ? ['--authfile', authFile] : [];
  const inspected = await tools.skopeo(['inspect', '--tls-verify=false', ...auth, `docker://${reference}`]);
  const target = join(tools.dir, `copy-${Date.now()}-${Math.random().toString(16).slice(2)}`);
  // skopeo copy checks every blob's digest on the way: a truncated or wrong blob fails here.
  const copied = await tools.copy(`docker://${reference}`, `dir:${target}`, authFile);
  await rm(target, { recursive: true, force: true });
  return { digest: JSON.parse(inspected.stdout).Digest as string, copied: copied.code, stderr: copied.stderr };
}

describe.skipIf(!requireService('registry', 'skopeo'))('RegistryClient against the rig registry', () => {
  let tools: ContainerTools;
  let open: RegistryHandle;
  let basic: RegistryHandle;
  let token: RegistryHandle;
  let image: TestImage;
  const basicUser = { username: 'builder', password: 'correct horse' };
  const pusher = { username: 'pusher', password: 'push-secret' };

  beforeAll(async () => {
    let registries: Awaited<ReturnType<typeof startRegistryPerAuth>>;
    [tools, registries, image] = await Promise.all([
      createContainerTools(),
      startRegistryPerAuth(),
      makeTestImage({ randomBytes: 3 << 20, files: 3 }),
    ]);
    ({ open, basic, token } = registries);
  });

  afterAll(async () => {
    await stopAll([open, basic, token]);
    await tools?.remove();
    await rm(image.dir, { recursive: true, force: true });
  });

  const modes = () =>
    [
      { name: 'none', registry: open, credentials: undefined },
      { name: 'htpasswd', registry: basic, credentials: basicUser },
      { name: 'token', registry: token, credentials: pusher },
    ] as { name: string; registry: RegistryHandle; credentials?: RegistryCredentials }[];

  test.each(['none', 'htpasswd', 'token'])(
    'auth %s: chunked push, tags after the manifest, skopeo sees the same digest; a second push uploads nothing',
    async (mode) => {
      const { registry, credentials } = modes().find((candidate) => candidate.name === mode)!;
      // Chunks of 512 KiB: the 3 MiB layer goes up in PATCHes.
      const client = new RegistryClient({ registry: registry.host, credentials, chunkSize: 512 * 1024 });
      await client.checkAccess('models/churn', 'pull,push');
      const first = await pushImage(client, 'models/churn', { ...image, tags: ['v1', 'latest'] });
      expect(first.digest).toBe(image.digest);
      expect(first.blobs).toEqual({ exists: 0, mounted: 0, uploaded: image.blobs.length });
      expect(client.requestCounts.PATCH).toBeGreaterThanOrEqual(6);

      const authFile = credentials ? await tools.writeAuthFile({ [registry.host]: credentials }) : undefined;
      const seen = await skopeoVerify(tools, `${registry.host}/models/churn:v1`, authFile);
      expect(seen.copied, seen.stderr).toBe(0);
      expect(seen.digest).toBe(image.digest);
      expect((await client.resolve('models/churn', 'latest'))?.digest).toBe(image.digest);
      expect((await client.listTags('models/churn')).sort()).toEqual(['latest', 'v1']);

      const again = await pushImage(client, 'models/churn', { ...image, tags: ['v1'] });
      expect(again.blobs).toEqual({ exists: image.blobs.length, mounted: 0, uploaded: 0 });
      const fetched = await client.getManifest('models/churn', 'v1');
      expect(fetched.bytes.equals(Buffer.from(image.manifests[0]!.bytes))).toBe(true);
      const config = await client.getBlob('models/churn', image.manifest.config.digest);
      expect(JSON.parse(config.toString()).config.Labels).toEqual({ test: 'oci' });
    },
  );

  test('wrong passwords are unauthorized in Basic and token mode; a pull-only grant is denied a push', async () => {
    const wrongBasic = new RegistryClient({
      registry: basic.host,
      credentials: { username: 'builder', password: 'nope' },
    });
    const basicError = await wrongBasic.checkAccess('models/x', 'pull,push').catch((error) => error);
    expect(isRegistryError(basicError, 'unauthorized'), String(basicError)).toBe(true);

    const wrongToken = new RegistryClient({
      registry: token.host,
      credentials: { username: 'pusher', password: 'nope' },
    });
    const tokenError = await wrongToken.checkAccess('models/x', 'pull').catch((error) => error);
    expect(isRegistryError(tokenError, 'unauthorized'), String(tokenError)).toBe(true);
    expect(String(tokenError)).not.toContain('nope');

    const reader = new RegistryClient({
      registry: token.host,
      credentials: { username: 'reader', password: 'read-secret' },
    });
    await reader.checkAccess('models/churn', 'pull');
    const denied = await reader.checkAccess('models/churn', 'pull,push').catch((error) => error);
    expect(isRegistryError(denied, 'denied'), String(denied)).toBe(true);
    const issued = token.tokenServer!.issued.filter((entry) => entry.account === 'reader');
    expect(issued.flatMap((entry) => entry.access.flatMap((claim) => claim.actions))).not.toContain('push');
  });

  test('an unreachable registry fails fast as unreachable', async () => {
    const client = new RegistryClient({ registry: '127.0.0.1:9', retry: { baseDelayMs: 10 } });
    const started = performance.now();
    const error = await client.checkAccess('models/x', 'pull').catch((caught) => caught);
    expect(isRegistryError(error, 'unreachable'), String(error)).toBe(true);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  test('copyImage between registries keeps the digest (ranged reads) and mounts within one', async () => {
    const source = new RegistryClient({ registry: token.host, credentials: pusher, chunkSize: 1 << 20 });
    await pushImage(source, 'models/source', { ...image, tags: ['1'] });
    const destination = new RegistryClient({ registry: open.host, chunkSize: 1 << 20 });
    const copied = await copyImage(
      { client: source, repository: 'models/source', reference: '1' },
      { client: destination, repository: 'promoted/churn' },
      ['prod'],
    );
    expect(copied.digest).toBe(image.digest);
    expect(copied.blobs.uploaded).toBe(image.blobs.length);
    const seen = await skopeoVerify(tools, `${open.host}/promoted/churn:prod`);
    expect(seen.copied, seen.stderr).toBe(0);
    expect(seen.digest).toBe(image.digest);

    const mounted = await copyImage(
      { client: source, repository: 'models/source', reference: image.digest },
      { client: source, repository: 'models/mounted' },
      ['m'],
    );
    expect(mounted.blobs).toEqual({ exists: 0, mounted: image.blobs.length, uploaded: 0 });
  });

  test('referrers fall back to the sha256-<hex> tag on a registry without the referrers API', async () => {
    const client = new RegistryClient({ registry: open.host });
    await pushImage(client, 'models/ref', { ...image, tags: ['1'] });
    expect(await client.referrers('models/ref', image.digest)).toEqual([]);
    const empty = Buffer.from('{}');
    const emptyDigest = sha256Digest(empty);
    const signature = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        artifactType: 'application/vnd.example.signature',
        config: { mediaType: MediaType.ociEmpty, digest: emptyDigest, size: 2 },
        layers: [{ mediaType: MediaType.ociEmpty, digest: emptyDigest, size: 2 }],
        subject: { mediaType: MediaType.ociManifest, digest: image.digest, size: image.manifests[0]!.bytes.length },
      }),
    );
    await client.uploadBlob('models/ref', bufferBlobSource(empty, emptyDigest));
    const signatureDigest = await client.putManifest(
      'models/ref',
      sha256Digest(signature),
      signature,
      MediaType.ociManifest,
    );
    const fallback: ImageIndex = {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        {
          mediaType: MediaType.ociManifest,
          digest: signatureDigest,
          size: signature.length,
          artifactType: 'application/vnd.example.signature',
        },
      ],
    };
    const fallbackBytes = Buffer.from(JSON.stringify(fallback));
    await client.putManifest('models/ref', referrersFallbackTag(image.digest), fallbackBytes, MediaType.ociIndex);
    expect(await client.referrers('models/ref', image.digest)).toEqual(fallback.manifests);
  });
});

describe.skipIf(!requireService('registry', 'skopeo'))('RegistryClient through the fault proxy at 20%', () => {
  let tools: ContainerTools;
  let registry: RegistryHandle;
  let proxy: FaultProxy;
  let image: TestImage;

  beforeAll(async () => {
    [tools, registry, image] = await Promise.all([
      createContainerTools(),
      startRegistry({ mode: 'htpasswd', users: { builder: 'correct horse' } }),
      makeTestImage({ randomBytes: 4 << 20, files: 12 }),
    ]);
    proxy = await startFaultProxy({ target: registry.url, failureRate: 0.2, seed: 20, retryAfterSeconds: 1 });
  });

  afterAll(async () => {
    await stopAll([registry, proxy]);
    await tools?.remove();
    await rm(image.dir, { recursive: true, force: true });
  });

  test('every fault kind is met and recovered; the push is complete and correct', async () => {
    const host = new URL(proxy.url).host;
    const credentials = { username: 'builder', password: 'correct horse' };
    const client = new RegistryClient({
      registry: host,
      credentials,
      chunkSize: 256 * 1024,
      retry: { baseDelayMs: 20, maxDelayMs: 1000, attempts: 10 },
    });
    const pushed = await pushImage(client, 'models/flaky', { ...image, tags: ['v1', 'v2'] });
    expect(pushed.digest).toBe(image.digest);

    const faults = proxy.log.filter((entry) => entry.fault !== undefined);
    expect(faults.length / proxy.log.length).toBeGreaterThan(0.1);
    expect(new Set(faults.map((entry) => entry.fault))).toEqual(new Set([500, 503, 429, 'reset']));
    // Faults landed on the upload steps themselves, not only on reads.
    expect(faults.some((entry) => entry.method === 'PATCH')).toBe(true);

    // Verified straight at the registry, not through the proxy, by skopeo.
    const authFile = await tools.writeAuthFile({ [registry.host]: credentials });
    for (const tag of ['v1', 'v2']) {
      const seen = await skopeoVerify(tools, `${registry.host}/models/flaky:${tag}`, authFile);
      expect(seen.copied, seen.stderr).toBe(0);
      expect(seen.digest).toBe(image.digest);
    }
  });
});

describe.skipIf(!requireService('registry'))('copyImage between registries through the fault proxy', () => {
  let source: RegistryHandle;
  let destination: RegistryHandle;
  let proxy: FaultProxy;

  beforeAll(async () => {
    [source, destination] = await Promise.all([startRegistry({ mode: 'none' }), startRegistry({ mode: 'none' })]);
    // Faults on the upload steps only (start, chunks, the finishing PUT): where a blob could be sent twice.
    proxy = await startFaultProxy({
      target: destination.url,
      failureRate: 0.3,
      seed: 24,
      retryAfterSeconds: 0,
      eligible: (method, path) =>
        (method === 'PATCH' || method === 'PUT' || method === 'POST') && /\/blobs\//.test(path),
    });
  });

  afterAll(() => stopAll([source, destination, proxy]));

  /** Config and layers of random bytes, and the manifest listing them. */
  function layeredImage(layers: number, size: number) {
    const blobs = Array.from({ length: layers }, () => {
      const bytes = Buffer.from(Array.from({ length: size }, () => Math.floor(Math.random() * 256)));
      return bufferBlobSource(bytes, sha256Digest(bytes));
    });
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers' } }));
    const configSource = bufferBlobSource(config, sha256Digest(config));
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: { mediaType: MediaType.ociConfig, digest: configSource.digest, size: config.length },
        layers: blobs.map((blob) => ({ mediaType: MediaType.ociLayer, digest: blob.digest, size: blob.size })),
      }),
    );
    return {
      blobs: [configSource, ...blobs].map((blob) => ({ source: blob })),
      manifests: [{ bytes: manifest, mediaType: MediaType.ociManifest, digest: sha256Digest(manifest) }],
    };
  }

  test('bytes that do not hash to the digest are refused before their last chunk is sent', async () => {
    const client = new RegistryClient({ registry: source.host, chunkSize: 256 * 1024 });
    const bytes = Buffer.alloc(700 * 1024, 7);
    const claimed = sha256Digest(Buffer.alloc(700 * 1024, 8));
    await expect(client.uploadBlob('models/corrupt', bufferBlobSource(bytes, claimed))).rejects.toThrow(
      `Blob ${claimed} read for upload hashes to ${sha256Digest(bytes)}: its source is corrupt or not that blob.`,
    );
    expect(client.requestCounts.PUT ?? 0).toBe(0);
    expect(client.requestCounts.PATCH).toBe(2);
    expect(await client.blobExists('models/corrupt', claimed)).toBeUndefined();
  });

  test('each blob is finished once, in parallel, despite faults; a retried copy sends no finished blob again', async () => {
    const image = layeredImage(6, 600 * 1024);
    const from = new RegistryClient({ registry: source.host });
    await pushImage(from, 'models/churn', { ...image, tags: ['v1'] });
    const to = new RegistryClient({
      registry: new URL(proxy.url).host,
      chunkSize: 256 * 1024,
      retry: { baseDelayMs: 5, maxDelayMs: 50, attempts: 10 },
    });
    const copied = await copyImage(
      { client: from, repository: 'models/churn', reference: 'v1' },
      { client: to, repository: 'prod/churn' },
      ['prod'],
    );
    expect(copied.digest).toBe(image.manifests[0]!.digest);
    expect(copied.blobs).toEqual({ exists: 0, mounted: 0, uploaded: 7 });
    expect(proxy.log.filter((entry) => entry.fault !== undefined && entry.method === 'PATCH').length).toBeGreaterThan(
      0,
    );

    // No blob is finished twice: at most one finishing PUT answered 2xx, and one answered or cut by the proxy
    // after the registry got it (the client then finds the blob there instead of sending it again).
    const finishing = (digest: string, counted: (status: number | 'reset') => boolean) =>
      proxy.log.filter(
        (entry) =>
          entry.method === 'PUT' &&
          entry.path.includes(`digest=${encodeURIComponent(digest)}`) &&
          counted(entry.status),
      ).length;
    const answered = (status: number | 'reset') => typeof status === 'number' && status < 300;
    expect(image.blobs.map((blob) => finishing(blob.source.digest, answered) <= 1)).toEqual(
      image.blobs.map(() => true),
    );
    expect(
      image.blobs.map((blob) => finishing(blob.source.digest, (status) => answered(status) || status === 'reset') >= 1),
    ).toEqual(image.blobs.map(() => true));
    const direct = new RegistryClient({ registry: destination.host });
    for (const blob of image.blobs) {
      expect(sha256Digest(await direct.getBlob('prod/churn', blob.source.digest))).toBe(blob.source.digest);
    }

    // The copy run again (a promotion retried after a later step failed): every blob is there, none is sent.
    const before = proxy.log.length;
    const again = await copyImage(
      { client: from, repository: 'models/churn', reference: 'v1' },
      { client: to, repository: 'prod/churn' },
      ['prod-2'],
    );
    expect(again.blobs).toEqual({ exists: 7, mounted: 0, uploaded: 0 });
    expect(again.uploadedBytes).toBe(0);
    expect(proxy.log.slice(before).filter((entry) => /\/blobs\/uploads\//.test(entry.path))).toEqual([]);
  });
});

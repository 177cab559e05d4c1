import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type BlobSource,
  bufferBlobSource,
  copyImage,
  MediaType,
  RegistryClient,
  sha256Digest,
} from '../../shared/src/index.js';
import { type FaultProxy, startFaultProxy } from '../services/fault-proxy.js';
import { type RegistryHandle, startRegistry } from '../services/registry.js';
import { requireService } from '../services/require-service.js';
import { stopAll } from '../services/rig.js';

const KiB = 1024;

/** A source whose ranged reads give `bytes` and whose stream gives `streamed` (corrupt or cut short). */
function streamingSource(bytes: Buffer, streamed: Buffer): BlobSource {
  const plain = bufferBlobSource(bytes, sha256Digest(bytes));
  return {
    ...plain,
    stream: async (offset) => new Blob([streamed.subarray(offset)]).stream(),
  };
}

describe.skipIf(!requireService('registry'))('blobs streamed from one registry into an upload at another', () => {
  let source: RegistryHandle;
  let destination: RegistryHandle;
  let proxy: FaultProxy;

  beforeAll(async () => {
    [source, destination] = await Promise.all([startRegistry({ mode: 'none' }), startRegistry({ mode: 'none' })]);
    // No faults: the proxy only counts what reaches the destination.
    proxy = await startFaultProxy({ target: destination.url, failureRate: 0 });
  });

  afterAll(() => stopAll([source, destination, proxy]));

  test('each large blob is one GET at the source and one PATCH at the destination, the digest kept', async () => {
    const layers = [randomBytes(700 * KiB), randomBytes(900 * KiB), randomBytes(100 * KiB)];
    const from = new RegistryClient({ registry: source.host, chunkSize: 256 * KiB });
    const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers"}}');
    const blobs = [config, ...layers];
    for (const blob of blobs) await from.uploadBlob('models/churn', bufferBlobSource(blob, sha256Digest(blob)));
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: { mediaType: MediaType.ociConfig, digest: sha256Digest(config), size: config.length },
        layers: layers.map((layer) => ({
          mediaType: MediaType.ociLayer,
          digest: sha256Digest(layer),
          size: layer.length,
        })),
      }),
    );
    await from.putManifest('models/churn', 'v1', manifest, MediaType.ociManifest);

    const reader = new RegistryClient({ registry: source.host, chunkSize: 256 * KiB });
    const to = new RegistryClient({ registry: new URL(proxy.url).host, chunkSize: 256 * KiB });
    const copied = await copyImage(
      { client: reader, repository: 'models/churn', reference: 'v1' },
      { client: to, repository: 'prod/churn' },
      ['prod'],
    );
    expect(copied.digest).toBe(sha256Digest(manifest));
    expect(copied.blobs).toEqual({ exists: 0, mounted: 0, uploaded: 4 });
    // The two layers above the chunk size streamed in one PATCH each; the small ones went in one PUT.
    const patches = proxy.log.filter((entry) => entry.method === 'PATCH');
    expect(patches.map((entry) => entry.requestBytes).sort((a, b) => a - b)).toEqual([700 * KiB, 900 * KiB]);
    // One GET per blob (the manifest's GET besides), no ranges.
    expect(reader.requestCounts.GET).toBe(1 + blobs.length);
    const direct = new RegistryClient({ registry: destination.host });
    for (const blob of blobs) expect((await direct.getBlob('prod/churn', sha256Digest(blob))).equals(blob)).toBe(true);
  });

  test('a stream that does not hash to the digest is refused before its last bytes are sent', async () => {
    const bytes = randomBytes(600 * KiB);
    const corrupt = Buffer.from(bytes);
    corrupt[300 * KiB] = (corrupt[300 * KiB]! + 1) % 256;
    const client = new RegistryClient({ registry: destination.host, chunkSize: 256 * KiB });
    await expect(client.uploadBlob('models/corrupt', streamingSource(bytes, corrupt))).rejects.toThrow(
      `Blob ${sha256Digest(bytes)} read for upload hashes to ${sha256Digest(corrupt)}: its source is corrupt or not that blob.`,
    );
    expect(client.requestCounts.PUT ?? 0).toBe(0);
    expect(await client.blobExists('models/corrupt', sha256Digest(bytes))).toBeUndefined();
  });

  test('a stream cut short is finished by ranged reads from where the registry stands', async () => {
    const bytes = randomBytes(800 * KiB);
    const client = new RegistryClient({ registry: destination.host, chunkSize: 256 * KiB, retry: { baseDelayMs: 5 } });
    const outcome = await client.uploadBlob('models/cut', streamingSource(bytes, bytes.subarray(0, 300 * KiB)));
    expect(outcome).toBe('uploaded');
    // The streamed PATCH, then 500 KiB left in chunks of 256 KiB.
    expect(client.requestCounts.PATCH).toBe(3);
    const stored = await new RegistryClient({ registry: destination.host }).getBlob('models/cut', sha256Digest(bytes));
    expect(stored.equals(bytes)).toBe(true);
  });
});

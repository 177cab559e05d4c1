import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BlobToPush,
  bufferBlobSource,
  buildModelLayers,
  fileBlobSource,
  type ImageConfig,
  type ImageManifest,
  type ManifestToPush,
  MediaType,
  sha256Digest,
} from '../../shared/src/index.js';

/** A small real image (random + text files as deterministic layers, a config, a manifest), never pushed yet. */
export async function makeTestImage(options: { randomBytes: number; files?: number } = { randomBytes: 3 << 20 }) {
  const dir = await mkdtemp(join(tmpdir(), 'oci-test-image-'));
  const model = join(dir, 'model');
  await mkdir(join(model, 'sub'), { recursive: true });
  await writeFile(join(model, 'weights.bin'), randomBytes(options.randomBytes));
  for (let i = 0; i < (options.files ?? 3); i++) {
    await writeFile(join(model, 'sub', `part-${i}.txt`), `line ${i}\n`.repeat(1000 + i));
  }
  const layers = await buildModelLayers({
    modelPath: model,
    modelDest: 'opt/model',
    epochSeconds: 1_700_000_000,
    workDir: join(dir, 'layers'),
  });
  const config: ImageConfig = {
    architecture: 'amd64',
    os: 'linux',
    config: { Labels: { test: 'oci' } },
    rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId) },
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: sha256Digest(configBytes), size: configBytes.length },
    layers: layers.map((layer) => ({ mediaType: MediaType.ociLayerGzip, digest: layer.digest, size: layer.size })),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const blobs: BlobToPush[] = [
    { source: bufferBlobSource(configBytes, manifest.config.digest) },
    ...layers.map((layer) => ({ source: fileBlobSource(layer.path, layer.digest, layer.size) })),
  ];
  const manifests: ManifestToPush[] = [
    { bytes: manifestBytes, mediaType: MediaType.ociManifest, digest: sha256Digest(manifestBytes) },
  ];
  return { dir, blobs, manifests, digest: sha256Digest(manifestBytes), layers, manifest };
}

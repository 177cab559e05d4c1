import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Digest } from '../oci/digest.js';
import { layoutBlobPath } from '../oci/layout.js';
import { type Descriptor, type ImageIndex, type ImageManifest, MediaType } from '../oci/media-types.js';
import { writeDeterministicGzip } from './gzip.js';

/** One image of `docker save`'s manifest.json (the same in the legacy and the OCI-layout archive formats). */
interface SavedImage {
  Config: string;
  Layers: string[];
}

/**
 * Turns an unpacked `docker save` archive into an OCI image layout: the config byte for byte (its digest is the
 * image ID), each layer tar gzipped deterministically, and `annotations` on the manifest. The docker driver of
 * buildx cannot write an OCI layout itself unless the daemon uses the containerd image store.
 */
export async function dockerArchiveToOciLayout(
  archiveDir: string,
  layout: string,
  annotations: Record<string, string>,
): Promise<void> {
  const saved = JSON.parse(await readFile(join(archiveDir, 'manifest.json'), 'utf8')) as SavedImage[];
  const image = saved[0];
  if (saved.length !== 1 || !image) {
    throw new Error(`docker save wrote ${saved.length} images to ${archiveDir}, expected one`);
  }
  await mkdir(join(layout, 'blobs', 'sha256'), { recursive: true });
  const putBlob = async (bytes: Buffer, mediaType: string): Promise<Descriptor> => {
    const digest = sha256Digest(bytes);
    await writeFile(layoutBlobPath(layout, digest), bytes);
    return { mediaType, digest, size: bytes.length };
  };
  const config = await putBlob(await readFile(join(archiveDir, image.Config)), MediaType.ociConfig);
  const layers: Descriptor[] = [];
  for (const [index, layer] of image.Layers.entries()) {
    const temporary = join(layout, `layer-${index}.tar.gz`);
    const gzipped = await writeDeterministicGzip(createReadStream(join(archiveDir, layer)), temporary);
    await rename(temporary, layoutBlobPath(layout, gzipped.digest));
    layers.push({ mediaType: MediaType.ociLayerGzip, digest: gzipped.digest, size: gzipped.size });
  }
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config,
    layers,
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
  const manifestDescriptor = await putBlob(Buffer.from(JSON.stringify(manifest)), MediaType.ociManifest);
  const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [manifestDescriptor] };
  await writeFile(join(layout, 'index.json'), JSON.stringify(index));
  await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
}

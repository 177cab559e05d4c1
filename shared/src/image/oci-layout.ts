import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileBlobSource } from '../oci/blob-source.js';
import type { BlobToPush, ManifestToPush } from '../oci/copy.js';
import { sha256Digest } from '../oci/digest.js';
import { layoutBlobPath } from '../oci/layout.js';
import {
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
  isIndexMediaType,
  MediaType,
} from '../oci/media-types.js';

/**
 * The push plan of the image in an OCI image layout directory (what `buildah push oci:DIR` and
 * `docker buildx build --output type=oci,tar=false` write): its blobs by file and its manifests byte for byte,
 * so the pushed digest is the layout's.
 */
export async function readOciLayout(
  layout: string,
): Promise<{ digest: string; mediaType: string; blobs: BlobToPush[]; manifests: ManifestToPush[] }> {
  const top = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as ImageIndex;
  const entry = top.manifests?.[0];
  if (!entry) throw new Error(`${layout}/index.json lists no image`);
  const blobs: BlobToPush[] = [];
  const manifests: ManifestToPush[] = [];
  const visit = async (descriptor: Descriptor): Promise<void> => {
    const bytes = await readFile(layoutBlobPath(layout, descriptor.digest));
    if (sha256Digest(bytes) !== descriptor.digest) throw new Error(`${descriptor.digest} in ${layout} is corrupt`);
    const parsed = JSON.parse(bytes.toString('utf8')) as ImageManifest & ImageIndex;
    const mediaType = parsed.mediaType ?? descriptor.mediaType ?? MediaType.ociManifest;
    if (isIndexMediaType(mediaType)) {
      for (const child of parsed.manifests) await visit(child);
    } else {
      for (const blob of [parsed.config, ...parsed.layers]) {
        const path = layoutBlobPath(layout, blob.digest);
        const size = (await stat(path)).size;
        blobs.push({ source: fileBlobSource(path, blob.digest, size) });
      }
    }
    manifests.push({ bytes, mediaType, digest: descriptor.digest });
  };
  await visit(entry);
  const root = manifests.at(-1) as ManifestToPush;
  return { digest: root.digest, mediaType: root.mediaType, blobs, manifests };
}

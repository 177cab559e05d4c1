import type { BlobSource } from './blob-source.js';
import { referrersFallbackTag, sha256Digest } from './digest.js';
import { type Descriptor, type ImageIndex, type ImageManifest, isIndexMediaType, MediaType } from './media-types.js';
import type { ImageStore, UploadOutcome } from './store.js';

/** A blob to push, and where in the same registry it may already be (to mount instead of uploading). */
export interface BlobToPush {
  source: BlobSource;
  mountFrom?: string;
}

export interface ManifestToPush {
  bytes: Uint8Array;
  mediaType: string;
  digest: string;
}

export interface PushPlan {
  blobs: BlobToPush[];
  /** Children before parents: platform manifests first, the index (the root) last. */
  manifests: ManifestToPush[];
  tags: readonly string[];
}

export interface PushResult {
  /** The root manifest's digest (the last manifest of the plan). */
  digest: string;
  blobs: Record<UploadOutcome, number>;
  /** Bytes sent in uploads (blobs that were neither present nor mounted). */
  uploadedBytes: number;
}

/** Runs `work` over `items` with at most `limit` in flight, keeping results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}

/**
 * Pushes an image so that no tag ever names a partial image: every blob (missing ones only), then every manifest
 * by digest, and only then the tags, each pointing at the root manifest.
 */
export async function pushImage(
  client: ImageStore,
  repository: string,
  plan: PushPlan,
  options: { concurrency?: number } = {},
): Promise<PushResult> {
  const root = plan.manifests.at(-1);
  if (!root) throw new Error('pushImage: the plan has no manifest');
  const outcomes: Record<UploadOutcome, number> = { exists: 0, mounted: 0, uploaded: 0 };
  let uploadedBytes = 0;
  const unique = [...new Map(plan.blobs.map((blob) => [blob.source.digest, blob])).values()];
  await mapLimit(unique, options.concurrency ?? 3, async (blob) => {
    const outcome = await client.uploadBlob(
      repository,
      blob.source,
      blob.mountFrom !== undefined ? { mountFrom: blob.mountFrom } : {},
    );
    outcomes[outcome] += 1;
    if (outcome === 'uploaded') uploadedBytes += blob.source.size;
  });
  for (const manifest of plan.manifests) {
    await client.putManifest(repository, manifest.digest, manifest.bytes, manifest.mediaType);
  }
  for (const tag of plan.tags) await client.putManifest(repository, tag, root.bytes, root.mediaType);
  return { digest: root.digest, blobs: outcomes, uploadedBytes };
}

export interface CopySource {
  client: ImageStore;
  repository: string;
  /** A tag or digest. */
  reference: string;
}

/**
 * Copies an image (a manifest or a whole index with every platform) by digest, byte for byte, so the digest is
 * the same at the destination: blobs are mounted within one registry and streamed by ranges between two, then
 * the tags are put last. The promote action's copy.
 */
export async function copyImage(
  from: CopySource,
  to: { client: ImageStore; repository: string },
  tags: readonly string[],
): Promise<PushResult> {
  const sameRegistry = from.client.baseUrl === to.client.baseUrl;
  if (sameRegistry && from.repository === to.repository) {
    // Everything is already there: only the tags are new.
    const root = await from.client.getManifest(from.repository, from.reference);
    for (const tag of tags) await to.client.putManifest(to.repository, tag, root.bytes, root.mediaType);
    return { digest: root.digest, blobs: { exists: 0, mounted: 0, uploaded: 0 }, uploadedBytes: 0 };
  }
  const blobs: BlobToPush[] = [];
  const manifests: ManifestToPush[] = [];
  const visit = async (reference: string): Promise<void> => {
    const fetched = await from.client.getManifest(from.repository, reference);
    if (isIndexMediaType(fetched.mediaType)) {
      for (const child of (fetched.json as unknown as ImageIndex).manifests) await visit(child.digest);
    } else {
      const manifest = fetched.json as unknown as ImageManifest;
      for (const descriptor of [manifest.config, ...manifest.layers] as Descriptor[]) {
        blobs.push({
          source: from.client.blobSource(from.repository, descriptor),
          ...(sameRegistry ? { mountFrom: from.repository } : {}),
        });
      }
    }
    manifests.push({ bytes: fetched.bytes, mediaType: fetched.mediaType, digest: fetched.digest });
  };
  await visit(from.reference);
  // Blobs stream from one registry to another: as many at once as skopeo copies (its default is 6).
  return pushImage(to.client, to.repository, { blobs, manifests, tags }, { concurrency: 6 });
}

/** Where referrers of a subject are, or go: a repository of one registry. */
export interface RepositoryAt {
  client: ImageStore;
  repository: string;
}

export interface ReferrersCopy {
  /** Referrer manifests copied (by digest, with their blobs), in the order copied. */
  copied: Descriptor[];
  /**
   * On a registry without the referrers API, the fallback index (`sha256-<hex>` tag) that lists the target's
   * referrers after the copy: the caller puts it, so the tag write can be undone like any other.
   */
  fallback?: { tag: string; manifest: ManifestToPush };
}

/**
 * Copies the referrers of `subject` (signatures, SBOMs, attestations: OCI 1.1 manifests with a `subject`) that
 * `to` lacks. Content only: the fallback tag on registries without the referrers API is returned, not written.
 */
export async function copyReferrers(from: RepositoryAt, to: RepositoryAt, subject: string): Promise<ReferrersCopy> {
  // Copied into a store that cannot list them, they would be unreachable blobs reported as copied.
  if (!to.client.keepsReferrers) return { copied: [] };
  const wanted = await from.client.referrers(from.repository, subject);
  const hasApi = await to.client.hasReferrersApi(to.repository, subject);
  const present = await to.client.referrers(to.repository, subject);
  const presentDigests = new Set(present.map((descriptor) => descriptor.digest));
  const missing = wanted.filter((descriptor) => !presentDigests.has(descriptor.digest));
  for (const descriptor of missing) {
    await copyImage({ ...from, reference: descriptor.digest }, to, []);
  }
  if (hasApi || missing.length === 0) return { copied: missing };
  const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [...present, ...missing] };
  const bytes = Buffer.from(JSON.stringify(index));
  return {
    copied: missing,
    fallback: {
      tag: referrersFallbackTag(subject),
      manifest: { bytes, mediaType: MediaType.ociIndex, digest: sha256Digest(bytes) },
    },
  };
}

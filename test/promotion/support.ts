import { rm } from 'node:fs/promises';
import {
  bufferBlobSource,
  type ImageIndex,
  MediaType,
  MemoryLogger,
  type PromotionOptions,
  pushImage,
  type RegistryClient,
  type RepositoryEndpoint,
  referrersFallbackTag,
  sha256Digest,
} from '../../shared/src/index.js';
import { makeTestImage } from '../oci/support.js';

export function endpoint(client: RegistryClient, repository: string): RepositoryEndpoint {
  return { client, registry: client.registry, repository };
}

/** Pushes a small multi-layer image under `tag`; returns its digest. */
export async function pushSingle(client: RegistryClient, repository: string, tag: string, bytes = 256 << 10) {
  const image = await makeTestImage({ randomBytes: bytes, files: 3 });
  try {
    const pushed = await pushImage(client, repository, { ...image, tags: [tag] });
    return { digest: pushed.digest, size: image.manifests[0]!.bytes.length, blobs: image.blobs.length };
  } finally {
    await rm(image.dir, { recursive: true, force: true });
  }
}

/** Pushes a two-platform image index (linux/amd64, linux/arm64) under `tag`; returns the index digest. */
export async function pushIndex(client: RegistryClient, repository: string, tag: string) {
  const platforms = [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64' },
  ];
  const manifests = [];
  for (const platform of platforms) {
    const image = await makeTestImage({ randomBytes: 128 << 10, files: 2 });
    try {
      await pushImage(client, repository, { ...image, tags: [] });
      manifests.push({
        mediaType: MediaType.ociManifest,
        digest: image.digest,
        size: image.manifests[0]!.bytes.length,
        platform,
      });
    } finally {
      await rm(image.dir, { recursive: true, force: true });
    }
  }
  const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests };
  const bytes = Buffer.from(JSON.stringify(index));
  const digest = sha256Digest(bytes);
  await client.putManifest(repository, digest, bytes, MediaType.ociIndex);
  await client.putManifest(repository, tag, bytes, MediaType.ociIndex);
  return { digest, size: bytes.length, children: manifests.map((manifest) => manifest.digest) };
}

/**
 * Attaches a signature-like referrer to `subject` (an OCI 1.1 artifact manifest with `subject`) and lists it
 * under the fallback tag, as tools do on registries without the referrers API. Returns the referrer's digest.
 */
export async function attachReferrer(
  client: RegistryClient,
  repository: string,
  subject: { digest: string; size: number; mediaType: string },
  payload = 'signature',
) {
  const empty = Buffer.from('{}');
  const emptyDigest = sha256Digest(empty);
  const layer = Buffer.from(payload);
  await client.uploadBlob(repository, bufferBlobSource(empty, emptyDigest));
  await client.uploadBlob(repository, bufferBlobSource(layer, sha256Digest(layer)));
  const artifactType = 'application/vnd.example.signature';
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType,
      config: { mediaType: MediaType.ociEmpty, digest: emptyDigest, size: 2 },
      layers: [{ mediaType: 'application/octet-stream', digest: sha256Digest(layer), size: layer.length }],
      subject,
    }),
  );
  const digest = sha256Digest(manifest);
  await client.putManifest(repository, digest, manifest, MediaType.ociManifest);
  const fallback: ImageIndex = {
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: [{ mediaType: MediaType.ociManifest, digest, size: manifest.length, artifactType }],
  };
  await client.putManifest(
    repository,
    referrersFallbackTag(subject.digest),
    Buffer.from(JSON.stringify(fallback)),
    MediaType.ociIndex,
  );
  return digest;
}

/** What each `repository:tag` points at now (undefined when absent). */
export async function digestsOf(client: RegistryClient, repository: string, tags: readonly string[]) {
  const found: Record<string, string | undefined> = {};
  for (const tag of tags) found[tag] = (await client.resolve(repository, tag))?.digest;
  return found;
}

/** A promotion of `commit` as release `release` by octocat, no GitHub and no model: image only, for real. */
export function promotionOptions(
  commit: string,
  release: string,
  overrides: Partial<PromotionOptions> & Pick<PromotionOptions, 'source' | 'targets'>,
): PromotionOptions {
  return {
    commit,
    release,
    requiredChecks: [],
    github: undefined,
    model: undefined,
    dryRun: false,
    promotedBy: 'octocat',
    runUrl: undefined,
    log: new MemoryLogger(),
    ...overrides,
  };
}

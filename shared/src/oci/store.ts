import type { BlobSource } from './blob-source.js';
import type { Descriptor } from './media-types.js';

export type RegistryAccess = 'pull' | 'pull,push';

export interface FetchedManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
  /** The parsed JSON; an image manifest or an index depending on mediaType. */
  json: Record<string, unknown>;
}

export type UploadOutcome = 'exists' | 'mounted' | 'uploaded';

/**
 * Where images are kept and read by digest and tag: a registry (RegistryClient) or an OCI image layout directory
 * (OciLayoutStore). Builds, copies and promotions work against this, so any of them can start or end in either.
 */
export interface ImageStore {
  /** As image references name it: `ghcr.io`, `127.0.0.1:5000`, or `oci` for a layout directory. */
  readonly registry: string;
  /** Identifies the store: two stores with the same baseUrl share their blobs (mounts, copies that are no-ops). */
  readonly baseUrl: string;
  /** False when the store keeps no referrers (a layout): signatures and SBOMs are not copied into it. */
  readonly keepsReferrers: boolean;
  /** Fails early, before a build, when `repository` cannot be read (and written, for 'pull,push'). */
  checkAccess(repository: string, access: RegistryAccess): Promise<void>;
  /** The descriptor a tag or digest points at; undefined when there is none. */
  resolve(repository: string, reference: string): Promise<Descriptor | undefined>;
  /** A manifest or index by tag or digest, its bytes checked against the digest. */
  getManifest(repository: string, reference: string): Promise<FetchedManifest>;
  /** Puts a manifest under a tag or its digest; returns the digest. */
  putManifest(repository: string, reference: string, bytes: Uint8Array, mediaType: string): Promise<string>;
  /** Removes a tag (or, given a digest, the manifest); 'unsupported' when the store refuses. */
  deleteManifest(repository: string, reference: string): Promise<'deleted' | 'absent' | 'unsupported'>;
  /** Manifests whose `subject` is `digest` (signatures, SBOMs). */
  referrers(repository: string, digest: string): Promise<Descriptor[]>;
  /** Whether referrers are found without the referrers tag schema's fallback tag. */
  hasReferrersApi(repository: string, digest: string): Promise<boolean>;
  /** A whole blob, checked against its digest; for configs and other small blobs. */
  getBlob(repository: string, digest: string): Promise<Buffer>;
  /** The blob's bytes by range, to copy it elsewhere without holding it in memory. */
  blobSource(repository: string, descriptor: Pick<Descriptor, 'digest' | 'size'>): BlobSource;
  /** Stores a blob unless present (or mountable from `mountFrom` in the same store). */
  uploadBlob(repository: string, source: BlobSource, options?: { mountFrom?: string }): Promise<UploadOutcome>;
}

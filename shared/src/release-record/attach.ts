import { bufferBlobSource } from '../oci/blob-source.js';
import type { RepositoryAt } from '../oci/copy.js';
import { referrersFallbackTag, sha256Digest } from '../oci/digest.js';
import { type Descriptor, type ImageIndex, type ImageManifest, MediaType } from '../oci/media-types.js';
import type { ImageStore } from '../oci/store.js';
import type { DsseEnvelope } from './dsse.js';
import { RELEASE_RECORD_PREDICATE_TYPE } from './statement.js';

/** The artifactType of our referrer manifests: how a reader finds the record among signatures and SBOMs. */
export const RELEASE_RECORD_ARTIFACT_TYPE = 'application/vnd.mlops-actions.release-record.v1+json';
export const DSSE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
/** cosign's layer annotations: an attestation layer carries an empty signature annotation and its predicate type. */
const COSIGN_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
const PREDICATE_TYPE_ANNOTATION = 'predicateType';

/** cosign's attestation tag for a subject: `sha256-<hex>.att` (it reads attestations from there, not referrers). */
export function cosignAttestationTag(digest: string): string {
  return `${referrersFallbackTag(digest)}.att`;
}

export interface AttachedRecord {
  /** The referrer manifest's digest. */
  digest: string;
  /** Where it can be found besides the referrers API: the fallback index tag and cosign's tag. */
  tags: string[];
  /** Earlier records of the subject (a rerun's) this one replaced: deleted. */
  replaced: string[];
  /** Earlier records the registry would not delete: still listed, and read by verifiers. */
  stale: string[];
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/**
 * Attaches the signed record to the image `subject` in `repository`, so that both kinds of reader find it:
 * an OCI 1.1 referrer (artifactType ours, `subject` the image; listed under the `sha256-<hex>` fallback index
 * where the registry has no referrers API) that promote copies with the image, and the same manifest under
 * cosign's `sha256-<hex>.att` tag, keeping the attestations of other predicate types that were there. Earlier
 * records of the subject are deleted (a rerun replaces, never adds); those the registry keeps are `stale`.
 */
export async function attachRecord(
  store: ImageStore,
  repository: string,
  subjectDigest: string,
  envelope: DsseEnvelope,
): Promise<AttachedRecord> {
  const subject = await store.resolve(repository, subjectDigest);
  if (!subject)
    throw new Error(`${repository}@${subjectDigest} is not in the registry: nothing to attach the record to`);
  const empty = Buffer.from('{}');
  const envelopeBytes = json(envelope);
  await store.uploadBlob(repository, bufferBlobSource(empty, sha256Digest(empty)));
  await store.uploadBlob(repository, bufferBlobSource(envelopeBytes, sha256Digest(envelopeBytes)));
  const layer: Descriptor = {
    mediaType: DSSE_MEDIA_TYPE,
    digest: sha256Digest(envelopeBytes),
    size: envelopeBytes.length,
    annotations: { [COSIGN_SIGNATURE_ANNOTATION]: '', [PREDICATE_TYPE_ANNOTATION]: RELEASE_RECORD_PREDICATE_TYPE },
  };
  const attTag = cosignAttestationTag(subjectDigest);
  const existing = await store.resolve(repository, attTag);
  const kept = existing
    ? ((await store.getManifest(repository, attTag)).json as unknown as ImageManifest).layers.filter(
        (other) => other.annotations?.[PREDICATE_TYPE_ANNOTATION] !== RELEASE_RECORD_PREDICATE_TYPE,
      )
    : [];
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    artifactType: RELEASE_RECORD_ARTIFACT_TYPE,
    config: { mediaType: MediaType.ociEmpty, digest: sha256Digest(empty), size: empty.length },
    layers: [...kept, layer],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
  };
  const bytes = json(manifest);
  const digest = await store.putManifest(repository, sha256Digest(bytes), bytes, MediaType.ociManifest);
  await store.putManifest(repository, attTag, bytes, MediaType.ociManifest);
  const tags = [attTag];
  // A rerun replaces the record: earlier ones of the subject go, so no verifier reads an outdated card.
  const replaced: string[] = [];
  const stale: string[] = [];
  const earlier = (await store.referrers(repository, subjectDigest)).filter(
    (entry) => entry.artifactType === RELEASE_RECORD_ARTIFACT_TYPE && entry.digest !== digest,
  );
  for (const entry of earlier) {
    const outcome = await store.deleteManifest(repository, entry.digest);
    (outcome === 'unsupported' ? stale : replaced).push(entry.digest);
  }
  if (!(await store.hasReferrersApi(repository, subjectDigest))) {
    const listed = await store.referrers(repository, subjectDigest);
    const index: ImageIndex = {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        ...listed.filter((entry) => entry.digest !== digest && !replaced.includes(entry.digest)),
        { mediaType: MediaType.ociManifest, digest, size: bytes.length, artifactType: RELEASE_RECORD_ARTIFACT_TYPE },
      ],
    };
    const fallbackTag = referrersFallbackTag(subjectDigest);
    await store.putManifest(repository, fallbackTag, json(index), MediaType.ociIndex);
    tags.push(fallbackTag);
  }
  return { digest, tags, replaced, stale };
}

/**
 * After a promotion: cosign finds attestations only under its `.att` tag, which referrer copies do not carry.
 * Puts the tag in `to` when `from` has it and the manifest it names was copied to `to` (as the record's
 * referrer); a `.att` tag already in `to` is left alone (it may hold other attestations). Whether it wrote.
 */
export async function carryCosignTag(from: RepositoryAt, to: RepositoryAt, subjectDigest: string): Promise<boolean> {
  if (!to.client.keepsReferrers) return false;
  const tag = cosignAttestationTag(subjectDigest);
  const source = await from.client.resolve(from.repository, tag);
  if (!source || (await to.client.resolve(to.repository, tag))) return false;
  if (!(await to.client.resolve(to.repository, source.digest))) return false;
  const manifest = await to.client.getManifest(to.repository, source.digest);
  await to.client.putManifest(to.repository, tag, manifest.bytes, manifest.mediaType);
  return true;
}

import type { KeyObject } from 'node:crypto';
import { describeThrown } from '../errors/index.js';
import type { ImageManifest } from '../oci/media-types.js';
import type { ImageStore } from '../oci/store.js';
import type { RequiredCheck } from '../promotion/required-checks.js';
import { cosignAttestationTag, DSSE_MEDIA_TYPE, RELEASE_RECORD_ARTIFACT_TYPE } from './attach.js';
import { type DsseEnvelope, verifyEnvelope } from './dsse.js';
import {
  IN_TOTO_PAYLOAD_TYPE,
  type InTotoStatement,
  RELEASE_RECORD_PREDICATE_TYPE,
  type ReleaseRecord,
  recordShortcomings,
} from './statement.js';

export interface EnvelopeVerdict {
  /** Empty when the envelope admits the digest. */
  problems: string[];
  record: ReleaseRecord | undefined;
}

/**
 * Whether `envelope` admits the image `digest`: signed by `key`, an in-toto statement of our predicate type
 * whose subject is that digest, and a record with its digests, its evidence and passed tests. Pure.
 */
export function judgeEnvelope(envelope: DsseEnvelope, key: KeyObject, digest: string): EnvelopeVerdict {
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    return { problems: [`payload type is '${envelope.payloadType}', not ${IN_TOTO_PAYLOAD_TYPE}`], record: undefined };
  }
  const payload = verifyEnvelope(envelope, key);
  if (!payload) return { problems: ['its signature does not verify with record-public-key'], record: undefined };
  let statement: InTotoStatement;
  try {
    statement = JSON.parse(payload.toString('utf8')) as InTotoStatement;
  } catch (error) {
    return { problems: [`its statement is not JSON (${describeThrown(error)})`], record: undefined };
  }
  if (statement.predicateType !== RELEASE_RECORD_PREDICATE_TYPE) {
    return {
      problems: [`predicate type is '${statement.predicateType}', not ${RELEASE_RECORD_PREDICATE_TYPE}`],
      record: undefined,
    };
  }
  const problems: string[] = [];
  const hex = digest.slice('sha256:'.length);
  const subjects = (statement.subject ?? []).map((subject) => subject.digest?.sha256);
  if (!subjects.includes(hex)) {
    problems.push(
      `its subject is ${subjects.map((sha) => `sha256:${sha}`).join(', ') || 'empty'}, not the promoted ${digest}`,
    );
  }
  problems.push(...recordShortcomings(statement.predicate ?? {}));
  return { problems, record: statement.predicate };
}

export interface RecordVerification {
  admitted: boolean;
  /** The referrer manifest whose record admitted the digest. */
  referrer?: string;
  record?: ReleaseRecord;
  /** Why each record found falls short (by manifest digest), or that none was found. */
  problems: string[];
}

/** Every DSSE layer of a manifest that carries a record, with the manifest's digest. */
async function recordEnvelopes(store: ImageStore, repository: string, reference: string) {
  const manifest = await store.getManifest(repository, reference);
  const layers = (manifest.json as unknown as ImageManifest).layers ?? [];
  const found: { manifest: string; envelope: DsseEnvelope }[] = [];
  for (const layer of layers.filter((candidate) => candidate.mediaType === DSSE_MEDIA_TYPE)) {
    const bytes = await store.getBlob(repository, layer.digest);
    try {
      found.push({ manifest: manifest.digest, envelope: JSON.parse(bytes.toString('utf8')) as DsseEnvelope });
    } catch {
      // Not an envelope: another tool's layer, not ours to judge.
    }
  }
  return found;
}

/**
 * Looks for a release record of `digest` in `repository` (referrers of our artifactType, then cosign's `.att`
 * tag) and admits the digest when one of them passes judgeEnvelope; otherwise says what each one lacks.
 */
export async function verifyAttachedRecord(
  store: ImageStore,
  repository: string,
  digest: string,
  key: KeyObject,
): Promise<RecordVerification> {
  const referrers = (await store.referrers(repository, digest)).filter(
    (descriptor) => descriptor.artifactType === RELEASE_RECORD_ARTIFACT_TYPE,
  );
  const candidates = [];
  for (const referrer of referrers) candidates.push(...(await recordEnvelopes(store, repository, referrer.digest)));
  const attTag = cosignAttestationTag(digest);
  if (candidates.length === 0 && (await store.resolve(repository, attTag))) {
    candidates.push(...(await recordEnvelopes(store, repository, attTag)));
  }
  if (candidates.length === 0) {
    return {
      admitted: false,
      problems: [
        `no release record is attached to ${repository}@${digest} (no referrer of type ${RELEASE_RECORD_ARTIFACT_TYPE}, no ${attTag} tag): attach a signed record first (cosign attest --type ${RELEASE_RECORD_PREDICATE_TYPE})`,
      ],
    };
  }
  const problems: string[] = [];
  for (const candidate of candidates) {
    const verdict = judgeEnvelope(candidate.envelope, key, digest);
    if (verdict.problems.length === 0) {
      return { admitted: true, referrer: candidate.manifest, record: verdict.record, problems: [] };
    }
    problems.push(`record ${candidate.manifest.slice(0, 19)}: ${verdict.problems.join('; ')}`);
  }
  return { admitted: false, problems };
}

/** The record's verdict as a required check of a promotion: passed when a record admits `digest`. */
export async function releaseRecordCheck(
  at: { client: ImageStore; repository: string },
  digest: string,
  key: KeyObject,
): Promise<RequiredCheck> {
  const verification = await verifyAttachedRecord(at.client, at.repository, digest, key);
  if (verification.admitted) {
    return {
      name: 'release record',
      source: 'release-record',
      state: `verified (${verification.referrer?.slice(0, 19)}: ${verification.record?.tests?.summary})`,
      passed: true,
    };
  }
  return {
    name: 'release record',
    source: 'release-record',
    state: `refused: ${verification.problems.join('; ')}`,
    passed: false,
  };
}

import { ConfigurationError } from '../errors/index.js';
import { isDigest } from '../oci/digest.js';

/** Our predicate type: what a release record is, versioned. `cosign verify-attestation --type` names it. */
export const RELEASE_RECORD_PREDICATE_TYPE = 'https://mlops-actions.dev/attestations/release-record/v1';
export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** A file the record vouches for, by content digest (`sha256:…`). */
export interface DigestedFile {
  name: string;
  digest: string;
}

/**
 * The machine-checked part of a release record: what was released (model files by digest), on what data (data
 * files by digest) and whether its tests passed. The model card adds its evidence beside these fields.
 */
export interface ReleaseRecord {
  schemaVersion: 1;
  commit: string;
  model: { name?: string; version?: string; runId?: string; files: DigestedFile[] };
  data: { files: DigestedFile[] };
  tests: { passed: boolean; summary: string } | undefined;
  /** The evidence a machine could not find, by name (an artifact of the main run, a review). */
  missingEvidence: string[];
  [field: string]: unknown;
}

export interface InTotoStatement {
  _type: typeof IN_TOTO_STATEMENT_TYPE;
  subject: { name: string; digest: { sha256: string } }[];
  predicateType: string;
  predicate: ReleaseRecord;
}

/** The statement that `record` holds for the image `name@digest` (name without tag or digest). */
export function releaseStatement(name: string, digest: string, record: ReleaseRecord): InTotoStatement {
  if (!isDigest(digest)) throw new ConfigurationError(`'${digest}' is not an image digest (sha256:<64 hex>).`);
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name, digest: { sha256: digest.slice('sha256:'.length) } }],
    predicateType: RELEASE_RECORD_PREDICATE_TYPE,
    predicate: record,
  };
}

/**
 * What keeps `record` from admitting a release, one line each; empty when nothing does. A record that lacks
 * evidence says so itself (`missingEvidence`); the digests and the test outcome are checked here too, so a
 * hand-made predicate cannot skip them.
 */
export function recordShortcomings(record: Partial<ReleaseRecord>): string[] {
  const problems: string[] = [];
  if (record.schemaVersion !== 1) problems.push(`schemaVersion is ${JSON.stringify(record.schemaVersion)}, not 1`);
  const modelFiles = record.model?.files ?? [];
  if (modelFiles.length === 0) problems.push('no model file digest');
  const dataFiles = record.data?.files ?? [];
  if (dataFiles.length === 0) problems.push('no training data digest');
  for (const file of [...modelFiles, ...dataFiles]) {
    if (!isDigest(file.digest)) problems.push(`${file.name}: '${file.digest}' is not a sha256 digest`);
  }
  if (record.tests === undefined || record.tests === null) problems.push('no test result');
  else if (record.tests.passed !== true) problems.push(`tests did not pass (${record.tests.summary})`);
  for (const missing of record.missingEvidence ?? []) problems.push(`missing evidence: ${missing}`);
  return problems;
}

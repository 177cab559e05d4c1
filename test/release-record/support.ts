import { generateKeyPairSync } from 'node:crypto';
import {
  type DsseEnvelope,
  type ReleaseRecord,
  readSigningKey,
  releaseStatement,
  sha256Digest,
  signStatement,
} from '../../shared/src/index.js';

export const RECORD_COMMIT = 'c0de'.padEnd(40, '7');

/** A fresh ECDSA P-256 key pair as PEM, the way cosign keeps them (PKCS#8 private, SPKI public). */
export function keyPairPem(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

/** A complete record: model and data by digest, 12 of 12 tests passed. */
export function passingRecord(overrides: Partial<ReleaseRecord> = {}): ReleaseRecord {
  return {
    schemaVersion: 1,
    commit: RECORD_COMMIT,
    model: {
      name: 'churn',
      version: '3',
      runId: 'run-1',
      files: [{ name: 'model.pkl', digest: sha256Digest('model') }],
    },
    data: { files: [{ name: 'train.csv', digest: sha256Digest('rows') }] },
    tests: { passed: true, summary: '12 of 12 tests passed' },
    missingEvidence: [],
    ...overrides,
  };
}

/** The signed envelope of `record` about the image `name@digest`, as model-card would attach it. */
export function signedRecord(name: string, digest: string, record: ReleaseRecord, privatePem: string): DsseEnvelope {
  return signStatement(releaseStatement(name, digest, record), readSigningKey(privatePem, 'signing-key'));
}

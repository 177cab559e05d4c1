import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  attachRecord,
  carryCosignTag,
  copyImage,
  copyReferrers,
  cosignAttestationTag,
  type DsseEnvelope,
  judgeEnvelope,
  MediaType,
  RELEASE_RECORD_ARTIFACT_TYPE,
  RELEASE_RECORD_PREDICATE_TYPE,
  RegistryClient,
  readSigningKey,
  readVerifyingKey,
  referrersFallbackTag,
  releaseStatement,
  sha256Digest,
  signStatement,
  verifyAttachedRecord,
} from '../../shared/src/index.js';
import { attachReferrer, pushSingle } from '../promotion/support.js';
import { type RegistryHandle, startRegistry } from '../services/registry.js';
import { requireService } from '../services/require-service.js';
import { stopAll } from '../services/rig.js';
import { schemaValidator } from '../support/schemas.js';
import { keyPairPem, passingRecord, signedRecord } from './support.js';

const DIGEST = sha256Digest('image');
const OTHER_DIGEST = sha256Digest('another image');
const signer = keyPairPem();
const stranger = keyPairPem();
const signingKey = readSigningKey(signer.privatePem, 'signing-key');
const publicKey = readVerifyingKey(signer.publicPem, 'record-public-key');

function signed(record = passingRecord(), digest = DIGEST): DsseEnvelope {
  return signStatement(releaseStatement('127.0.0.1:5000/team/churn', digest, record), signingKey);
}

/** The envelope with its statement's predicate changed after signing (the signature kept). */
function tampered(envelope: DsseEnvelope, change: (statement: Record<string, any>) => void): DsseEnvelope {
  const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
  change(statement);
  return { ...envelope, payload: Buffer.from(JSON.stringify(statement)).toString('base64') };
}

describe('judging a signed release record', () => {
  test('a signed, complete record for the digest admits it', () => {
    const verdict = judgeEnvelope(signed(), publicKey, DIGEST);
    expect(verdict.problems).toEqual([]);
    expect(verdict.record?.tests).toEqual({ passed: true, summary: '12 of 12 tests passed' });
    const statement = JSON.parse(Buffer.from(signed().payload, 'base64').toString('utf8'));
    expect(statement._type).toBe('https://in-toto.io/Statement/v1');
    expect(statement.subject).toEqual([
      { name: '127.0.0.1:5000/team/churn', digest: { sha256: DIGEST.slice('sha256:'.length) } },
    ]);
    expect(statement.predicateType).toBe(RELEASE_RECORD_PREDICATE_TYPE);
  });

  test.each([
    {
      case: 'a predicate changed after signing',
      envelope: () =>
        tampered(signed(), (statement) => {
          statement.predicate.tests.passed = true;
          statement.predicate.tests.summary = 'all good';
        }),
      digest: DIGEST,
      problems: ['its signature does not verify with record-public-key'],
    },
    {
      case: 'a record signed by another key',
      envelope: () => signedRecord('r/churn', DIGEST, passingRecord(), stranger.privatePem),
      digest: DIGEST,
      problems: ['its signature does not verify with record-public-key'],
    },
    {
      case: 'a record of another image',
      envelope: () => signed(passingRecord(), OTHER_DIGEST),
      digest: DIGEST,
      problems: [`its subject is ${OTHER_DIGEST}, not the promoted ${DIGEST}`],
    },
    {
      case: 'failed tests',
      envelope: () =>
        signed(passingRecord({ tests: { passed: false, summary: '2 of 12 tests failed: auc, slice:eu' } })),
      digest: DIGEST,
      problems: ['tests did not pass (2 of 12 tests failed: auc, slice:eu)'],
    },
    {
      case: 'no test result, no data digest and a missing artifact',
      envelope: () =>
        signed(
          passingRecord({
            tests: undefined,
            data: { files: [] },
            missingEvidence: ['validate-data report (artifact mlops-reports of the main run)'],
          }),
        ),
      digest: DIGEST,
      problems: [
        'no training data digest',
        'no test result',
        'missing evidence: validate-data report (artifact mlops-reports of the main run)',
      ],
    },
    {
      case: 'an envelope of another payload type',
      envelope: () => ({ ...signed(), payloadType: 'text/plain' }),
      digest: DIGEST,
      problems: ["payload type is 'text/plain', not application/vnd.in-toto+json"],
    },
  ])('refuses $case, naming why', ({ envelope, digest, problems }) => {
    expect(judgeEnvelope(envelope(), publicKey, digest).problems).toEqual(problems);
  });

  test('the record meets schemas/release-record.schema.json; a record without digests or tests does not', async () => {
    const validate = await schemaValidator('release-record.schema.json');
    expect(validate(passingRecord()), JSON.stringify(validate.errors)).toBe(true);
    const { tests: _dropped, ...withoutTests } = passingRecord({
      data: { files: [{ name: 'x.csv', digest: 'md5:1' }] },
    });
    expect(validate(withoutTests)).toBe(false);
    expect(validate.errors?.map((error) => `${error.instancePath} ${error.message}`)).toEqual([
      " must have required property 'tests'",
      '/data/files/0/digest must match pattern "^sha256:[a-f0-9]{64}$"',
    ]);
  });

  test('keys that are not ECDSA P-256 PEM are refused naming the input', () => {
    expect(() => readSigningKey('not a key', 'signing-key')).toThrow(/Input 'signing-key' is not a PEM private key/);
    expect(() => readVerifyingKey(signer.privatePem.replace(/PRIVATE/g, 'PUBLIC'), 'record-public-key')).toThrow(
      /Input 'record-public-key' is not a PEM public key/,
    );
    expect(() =>
      readSigningKey(
        '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nx\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----',
        'signing-key',
      ),
    ).toThrow(/cosign's encrypted key/);
  });
});

describe.skipIf(!requireService('registry'))('a release record attached to an image in the registry', () => {
  let registry: RegistryHandle;
  let client: RegistryClient;
  beforeAll(async () => {
    registry = await startRegistry({ mode: 'none' });
    client = new RegistryClient({ registry: registry.host });
  });
  afterAll(async () => {
    await stopAll([registry]);
  });

  test('is a referrer with our artifactType under the fallback index and cosign’s .att tag, and verifies', async () => {
    const image = await pushSingle(client, 'team/churn', 'sha-c0de777', 4 << 10);
    // Someone else's referrer is there first: the fallback index keeps it.
    const signature = await attachReferrer(client, 'team/churn', {
      digest: image.digest,
      size: image.size,
      mediaType: MediaType.ociManifest,
    });
    const envelope = signed(passingRecord(), image.digest);
    const attached = await attachRecord(client, 'team/churn', image.digest, envelope);
    expect(attached.tags).toEqual([cosignAttestationTag(image.digest), referrersFallbackTag(image.digest)]);

    const referrers = await client.referrers('team/churn', image.digest);
    expect(referrers).toEqual([
      expect.objectContaining({ digest: signature, artifactType: 'application/vnd.example.signature' }),
      expect.objectContaining({ digest: attached.digest, artifactType: RELEASE_RECORD_ARTIFACT_TYPE }),
    ]);
    const manifest = await client.getManifest('team/churn', attached.digest);
    expect(manifest.json.subject).toEqual({ mediaType: MediaType.ociManifest, digest: image.digest, size: image.size });
    expect((await client.resolve('team/churn', `sha256-${image.digest.slice(7)}.att`))?.digest).toBe(attached.digest);
    const layer = (manifest.json.layers as { digest: string; mediaType: string }[])[0]!;
    expect(layer.mediaType).toBe('application/vnd.dsse.envelope.v1+json');
    expect(JSON.parse((await client.getBlob('team/churn', layer.digest)).toString())).toEqual(envelope);

    const verification = await verifyAttachedRecord(client, 'team/churn', image.digest, publicKey);
    expect(verification).toMatchObject({ admitted: true, referrer: attached.digest, problems: [] });
    expect(verification.record?.model.files).toEqual([{ name: 'model.pkl', digest: sha256Digest('model') }]);

    const wrongKey = await verifyAttachedRecord(
      client,
      'team/churn',
      image.digest,
      readVerifyingKey(stranger.publicPem, 'record-public-key'),
    );
    expect(wrongKey).toEqual({
      admitted: false,
      problems: [`record ${attached.digest.slice(0, 19)}: its signature does not verify with record-public-key`],
    });
  });

  test('a rerun replaces the record: the earlier one is deleted, so an outdated passing card cannot admit the digest', async () => {
    const image = await pushSingle(client, 'team/rerun', 'sha-c0de777', 4 << 10);
    const first = await attachRecord(client, 'team/rerun', image.digest, signed(passingRecord(), image.digest));
    const failing = passingRecord({ tests: { passed: false, summary: '1 of 5 tests failed: auc' } });
    const second = await attachRecord(client, 'team/rerun', image.digest, signed(failing, image.digest));
    expect(second).toMatchObject({ replaced: [first.digest], stale: [] });
    const records = (await client.referrers('team/rerun', image.digest)).filter(
      (entry) => entry.artifactType === RELEASE_RECORD_ARTIFACT_TYPE,
    );
    expect(records.map((entry) => entry.digest)).toEqual([second.digest]);
    expect(await client.resolve('team/rerun', first.digest)).toBeUndefined();
    const verification = await verifyAttachedRecord(client, 'team/rerun', image.digest, publicKey);
    expect(verification.admitted).toBe(false);
    expect(verification.problems).toEqual([
      `record ${second.digest.slice(0, 19)}: tests did not pass (1 of 5 tests failed: auc)`,
    ]);
  });

  test('cosign’s .att tag is carried only where the record was copied, and never over another one', async () => {
    const image = await pushSingle(client, 'team/carry', 'sha-c0de777', 4 << 10);
    await attachRecord(client, 'team/carry', image.digest, signed(passingRecord(), image.digest));
    const from = { client, repository: 'team/carry' };
    const attTag = cosignAttestationTag(image.digest);
    const sourceAtt = (await client.resolve('team/carry', attTag))?.digest;

    await copyImage({ ...from, reference: image.digest }, { client, repository: 'team/bare-copy' }, ['prod']);
    expect(await carryCosignTag(from, { client, repository: 'team/bare-copy' }, image.digest)).toBe(false);
    expect(await client.resolve('team/bare-copy', attTag)).toBeUndefined();

    await copyImage({ ...from, reference: image.digest }, { client, repository: 'team/with-record' }, ['prod']);
    await copyReferrers(from, { client, repository: 'team/with-record' }, image.digest);
    expect(await carryCosignTag(from, { client, repository: 'team/with-record' }, image.digest)).toBe(true);
    expect((await client.resolve('team/with-record', attTag))?.digest).toBe(sourceAtt);
    expect(await carryCosignTag(from, { client, repository: 'team/with-record' }, image.digest)).toBe(false);

    await copyImage({ ...from, reference: image.digest }, { client, repository: 'team/other-att' }, ['prod']);
    await copyReferrers(from, { client, repository: 'team/other-att' }, image.digest);
    await copyImage({ ...from, reference: image.digest }, { client, repository: 'team/other-att' }, [attTag]);
    expect(await carryCosignTag(from, { client, repository: 'team/other-att' }, image.digest)).toBe(false);
    expect((await client.resolve('team/other-att', attTag))?.digest).toBe(image.digest);
  });

  test('an image without a record is refused, naming where the record was looked for', async () => {
    const image = await pushSingle(client, 'team/bare', 'sha-0000001', 4 << 10);
    const verification = await verifyAttachedRecord(client, 'team/bare', image.digest, publicKey);
    expect(verification.admitted).toBe(false);
    expect(verification.problems).toEqual([
      `no release record is attached to team/bare@${image.digest} (no referrer of type ${RELEASE_RECORD_ARTIFACT_TYPE}, no sha256-${image.digest.slice(7)}.att tag): attach a signed record first (cosign attest --type ${RELEASE_RECORD_PREDICATE_TYPE})`,
    ]);
  });
});

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  attachRecord,
  type DsseEnvelope,
  RELEASE_RECORD_PREDICATE_TYPE,
  RegistryClient,
  readVerifyingKey,
  verifyAttachedRecord,
} from '../../shared/src/index.js';
import { pushSingle } from '../promotion/support.js';
import { runAllowingFailure } from '../services/process.js';
import { type RegistryHandle, startRegistry } from '../services/registry.js';
import { cosignBinary, requireService } from '../services/require-service.js';
import { stopAll } from '../services/rig.js';
import { exampleEvent } from '../support/events.js';
import { actionDir, runAction } from '../support/run-action.js';
import { keyPairPem, passingRecord, signedRecord } from './support.js';

const signer = keyPairPem();

/**
 * cosign's environment: its own home and an empty docker config. cosign fetches Sigstore's trusted root over the
 * network (TUF) even for key-based verification unless a Sigstore key is given locally; a Rekor key file (unused
 * with --insecure-ignore-tlog) keeps it on the machine.
 */
function cosignEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    DOCKER_CONFIG: home,
    TUF_ROOT: join(home, 'tuf'),
    SIGSTORE_REKOR_PUBLIC_KEY: join(home, 'rekor-unused.pub'),
    ...extra,
  };
}
const stranger = keyPairPem();

/** cosign, the peer: our attestation must pass its verification exactly as a user would run it. */
describe.skipIf(!requireService('registry', 'cosign'))('cosign verify-attestation on our signed release record', () => {
  let registry: RegistryHandle;
  let client: RegistryClient;
  let home: string;
  let signerKeyFile: string;
  let strangerKeyFile: string;

  beforeAll(async () => {
    registry = await startRegistry({ mode: 'none' });
    client = new RegistryClient({ registry: registry.host });
    home = await mkdtemp(join(tmpdir(), 'cosign-home-'));
    signerKeyFile = join(home, 'signer.pub');
    strangerKeyFile = join(home, 'stranger.pub');
    await writeFile(signerKeyFile, signer.publicPem);
    await writeFile(strangerKeyFile, stranger.publicPem);
    await writeFile(join(home, 'rekor-unused.pub'), keyPairPem().publicPem);
  });
  afterAll(async () => {
    await stopAll([registry]);
    if (home) await rm(home, { recursive: true, force: true });
  });

  /** Pushes an image and attaches `envelope(digest)` to it; returns the reference by digest. */
  async function attached(repository: string, envelope: (digest: string) => DsseEnvelope) {
    const image = await pushSingle(client, repository, 'sha-c0de777', 4 << 10);
    await attachRecord(client, repository, image.digest, envelope(image.digest));
    return { digest: image.digest, ref: `${registry.host}/${repository}@${image.digest}` };
  }

  const signedFor = (repository: string) => (digest: string) =>
    signedRecord(`${registry.host}/${repository}`, digest, passingRecord(), signer.privatePem);

  const cosign = (keyFile: string, ref: string) =>
    runAllowingFailure(
      cosignBinary,
      [
        'verify-attestation',
        '--key',
        keyFile,
        '--insecure-ignore-tlog',
        '--allow-http-registry',
        '--type',
        RELEASE_RECORD_PREDICATE_TYPE,
        ref,
      ],
      { env: cosignEnv(home), timeoutMs: 60_000 },
    );

  test('accepts the record with our public key, and hands back our statement', async () => {
    const { digest, ref } = await attached('team/churn', signedFor('team/churn'));
    const result = await cosign(signerKeyFile, ref);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('The signatures were verified against the specified public key');
    // It stayed on the machine: no attempt at Sigstore's TUF repository.
    expect(result.stderr).not.toMatch(/TUF|sigstore\.dev/);
    const envelope = JSON.parse(result.stdout.trim().split('\n')[0] as string);
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
    expect(statement.subject[0].digest.sha256).toBe(digest.slice('sha256:'.length));
    expect(statement.predicateType).toBe(RELEASE_RECORD_PREDICATE_TYPE);
    expect(statement.predicate.tests).toEqual({ passed: true, summary: '12 of 12 tests passed' });
  });

  test('a record attested by cosign itself (its key format, its .att tag) is admitted by our verifier', async () => {
    const image = await pushSingle(client, 'team/by-cosign', 'sha-c0de777', 4 << 10);
    const env = cosignEnv(home, { COSIGN_PASSWORD: 'rig-only' });
    // Its own folder: generate-key-pair writes cosign.key and cosign.pub into the working directory.
    const keys = join(home, 'made-by-cosign');
    await mkdir(keys);
    const generated = await runAllowingFailure(cosignBinary, ['generate-key-pair'], { cwd: keys, env });
    expect(generated.code, generated.stderr).toBe(0);
    const predicate = join(home, 'record.json');
    await writeFile(predicate, JSON.stringify(passingRecord()));
    const attest = await runAllowingFailure(
      cosignBinary,
      [
        'attest',
        '--key',
        join(keys, 'cosign.key'),
        '--type',
        RELEASE_RECORD_PREDICATE_TYPE,
        '--predicate',
        predicate,
        '--tlog-upload=false',
        '--allow-http-registry',
        '--yes',
        `${registry.host}/team/by-cosign@${image.digest}`,
      ],
      { cwd: keys, env, timeoutMs: 60_000 },
    );
    expect(attest.code, attest.stderr).toBe(0);
    const cosignPub = await readFile(join(keys, 'cosign.pub'), 'utf8');
    const ours = await verifyAttachedRecord(
      client,
      'team/by-cosign',
      image.digest,
      readVerifyingKey(cosignPub, 'record-public-key'),
    );
    expect(ours.problems).toEqual([]);
    expect(ours.record?.tests).toEqual({ passed: true, summary: '12 of 12 tests passed' });
    const other = await verifyAttachedRecord(
      client,
      'team/by-cosign',
      image.digest,
      readVerifyingKey(signer.publicPem, 'k'),
    );
    expect(other.admitted).toBe(false);
  });

  test('after promote (node dist/index.js, require-record) to another registry, cosign verifies it there', async () => {
    const target = await startRegistry({ mode: 'none' });
    try {
      const commit = 'ab12'.padEnd(40, '9');
      const image = await pushSingle(client, 'team/released', `sha-${commit.slice(0, 7)}`, 4 << 10);
      await attachRecord(client, 'team/released', image.digest, signedFor('team/released')(image.digest));
      const event = exampleEvent('release', 'published');
      event.payload.release.tag_name = 'v3.0.0';
      event.payload.release.target_commitish = commit;
      const promoted = await runAction(actionDir('promote'), {
        inputs: {
          image: `${registry.host}/team/released`,
          targets: `${target.host}/prod/churn:production`,
          'require-record': 'true',
          'record-public-key': signer.publicPem,
        },
        event,
        timeoutMs: 120_000,
      });
      expect(promoted.exitCode, promoted.stdout + promoted.stderr).toBe(0);
      expect(promoted.stdout).toContain(`${target.host}/prod/churn: cosign's attestation tag added.`);
      const result = await cosign(signerKeyFile, `${target.host}/prod/churn@${image.digest}`);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain('The signatures were verified against the specified public key');
    } finally {
      await stopAll([target]);
    }
  });

  test('refuses it with another key; so does our verifier', async () => {
    const { digest, ref } = await attached('team/other-key', signedFor('team/other-key'));
    const result = await cosign(strangerKeyFile, ref);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('no matching attestations: accepted signatures do not match threshold, Found: 0');
    const ours = await verifyAttachedRecord(
      client,
      'team/other-key',
      digest,
      readVerifyingKey(stranger.publicPem, 'k'),
    );
    expect(ours.admitted).toBe(false);
    expect(ours.problems[0]).toContain('its signature does not verify with record-public-key');
  });

  test('refuses a predicate changed after signing; so does our verifier', async () => {
    const { digest, ref } = await attached('team/tampered', (subject) => {
      const envelope = signedFor('team/tampered')(subject);
      const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
      statement.predicate.data.files = [{ name: 'train.csv', digest: `sha256:${'0'.repeat(64)}` }];
      return { ...envelope, payload: Buffer.from(JSON.stringify(statement)).toString('base64') };
    });
    const result = await cosign(signerKeyFile, ref);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('no matching attestations: accepted signatures do not match threshold, Found: 0');
    const ours = await verifyAttachedRecord(client, 'team/tampered', digest, readVerifyingKey(signer.publicPem, 'k'));
    expect(ours.admitted).toBe(false);
    expect(ours.problems[0]).toContain('its signature does not verify with record-public-key');
  });
});

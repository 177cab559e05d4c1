import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  attachRecord,
  RegistryClient,
  type ReleaseRecord,
  readVerifyingKey,
  verifyAttachedRecord,
} from '../../shared/src/index.js';
import { digestsOf, pushSingle } from '../promotion/support.js';
import { keyPairPem, passingRecord, signedRecord } from '../release-record/support.js';
import { type RegistryHandle, startRegistry } from '../services/registry.js';
import { requireService } from '../services/require-service.js';
import { stopAll } from '../services/rig.js';
import { exampleEvent } from '../support/events.js';
import { type ActionRun, actionDir, runAction } from '../support/run-action.js';

const PROMOTE = actionDir('promote');
const signer = keyPairPem();
const stranger = keyPairPem();
const errorLines = (run: ActionRun) => run.stdout.split('\n').filter((line) => line.startsWith('::error'));

function releaseEvent(commit: string) {
  const event = exampleEvent('release', 'published');
  event.payload.release.target_commitish = commit;
  event.payload.release.tag_name = 'v2.0.0';
  return event;
}

describe('promote require-record: bad inputs fail with one error naming the input', () => {
  test.each<{ inputs: Record<string, string>; message: RegExp }>([
    {
      inputs: { 'require-record': 'true' },
      message: /Input 'require-record' is true but 'record-public-key' is empty/,
    },
    { inputs: { 'record-public-key': signer.publicPem }, message: /Input 'record-public-key' is given but/ },
    {
      inputs: { 'require-record': 'true', 'record-public-key': 'cosign.pub' },
      message: /Input 'record-public-key' is not a PEM public key/,
    },
    { inputs: { 'require-record': 'yes', 'record-public-key': signer.publicPem }, message: /Input 'require-record'/ },
  ])('$message', async ({ inputs, message }) => {
    const run = await runAction(PROMOTE, {
      inputs: { image: '127.0.0.1:9/models/churn', targets: ':production', ...inputs },
      event: releaseEvent('1'.repeat(40)),
    });
    expect(run.exitCode).toBe(1);
    const errors = errorLines(run);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
    expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /);
    // The key's text stays out of the log (only the hint names its header).
    expect(run.stdout).not.toContain(signer.publicPem.split('\n')[1]);
  });
});

describe.skipIf(!requireService('registry'))('promote require-record against real registries', () => {
  let source: RegistryHandle;
  let target: RegistryHandle;
  let sourceClient: RegistryClient;
  let targetClient: RegistryClient;

  beforeAll(async () => {
    [source, target] = await Promise.all([startRegistry({ mode: 'none' }), startRegistry({ mode: 'none' })]);
    sourceClient = new RegistryClient({ registry: source.host });
    targetClient = new RegistryClient({ registry: target.host });
  });
  afterAll(async () => {
    await stopAll([source, target]);
  });

  /** Pushes the tested image `sha-<7>` and, unless `record` is null, attaches a record signed with `key`. */
  async function seed(commit: string, record: ReleaseRecord | null, privatePem = signer.privatePem) {
    const repository = `models/r${commit.slice(0, 6)}`;
    const image = await pushSingle(sourceClient, repository, `sha-${commit.slice(0, 7)}`, 8 << 10);
    if (record) {
      await attachRecord(
        sourceClient,
        repository,
        image.digest,
        signedRecord(`${source.host}/${repository}`, image.digest, record, privatePem),
      );
    }
    return { repository, image };
  }

  const promoteWithRecord = (commit: string, repository: string) =>
    runAction(PROMOTE, {
      inputs: {
        image: `${source.host}/${repository}`,
        targets: `${target.host}/prod/churn:production`,
        'require-record': 'true',
        'record-public-key': signer.publicPem,
      },
      event: releaseEvent(commit),
      timeoutMs: 120_000,
    });

  test('a signed, passing record admits the digest, and travels with the image to the other registry', async () => {
    const commit = 'aa11'.padEnd(40, '1');
    const { repository, image } = await seed(commit, passingRecord());
    const run = await promoteWithRecord(commit, repository);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.outputs.digest).toBe(image.digest);
    expect(await digestsOf(targetClient, 'prod/churn', ['production'])).toEqual({ production: image.digest });
    expect(run.summary).toContain('release record');
    expect(run.summary).toContain('12 of 12 tests passed');
    const travelled = await verifyAttachedRecord(
      targetClient,
      'prod/churn',
      image.digest,
      readVerifyingKey(signer.publicPem, 'record-public-key'),
    );
    expect(travelled).toMatchObject({ admitted: true, problems: [] });
    expect(travelled.record?.commit).toBe(passingRecord().commit);
  });

  test.each<{ case: string; commit: string; record: () => ReleaseRecord | null; key?: string; refusal: string }>([
    {
      case: 'no record at all',
      commit: 'bb22'.padEnd(40, '2'),
      record: () => null,
      refusal: 'no release record is attached to models/rbb2222@',
    },
    {
      case: 'a record signed by another key',
      commit: 'cc33'.padEnd(40, '3'),
      record: () => passingRecord(),
      key: stranger.privatePem,
      refusal: 'its signature does not verify with record-public-key',
    },
    {
      case: 'a record whose tests failed',
      commit: 'dd44'.padEnd(40, '4'),
      record: () => passingRecord({ tests: { passed: false, summary: '1 of 12 tests failed: auc' } }),
      refusal: 'tests did not pass (1 of 12 tests failed: auc)',
    },
    {
      case: 'a record without the data digest',
      commit: 'ee55'.padEnd(40, '5'),
      record: () => passingRecord({ data: { files: [] } }),
      refusal: 'no training data digest',
    },
  ])('$case: nothing moves, the refusal names it', async ({ commit, record, key, refusal }) => {
    const { repository } = await seed(commit, record(), key);
    const before = await digestsOf(targetClient, 'prod/churn', ['production']);
    const run = await promoteWithRecord(commit, repository);
    expect(run.exitCode).toBe(1);
    const errors = errorLines(run);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('Blocked: release record is refused: ');
    expect(errors[0]).toContain(refusal);
    expect(await digestsOf(targetClient, 'prod/churn', ['production'])).toEqual(before);
    expect(run.outputs.promoted).toBe('[]');
  });
});

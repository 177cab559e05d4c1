import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  copyPromotionContent,
  type ImageTarget,
  MediaType,
  moveTags,
  type PromotionOptions,
  planImagePromotion,
  promote,
  RegistryClient,
  Transaction,
} from '../../shared/src/index.js';
import { type ContainerTools, createContainerTools } from '../services/containers.js';
import { type FaultProxy, startFaultProxy } from '../services/fault-proxy.js';
import { type RegistryHandle, startRegistry } from '../services/registry.js';
import { requireService } from '../services/require-service.js';
import { stopAll } from '../services/rig.js';
import { attachReferrer, digestsOf, endpoint, promotionOptions, pushIndex, pushSingle } from './support.js';

const COMMIT = '5eed'.padEnd(40, '0');
const uploadPath = /\/blobs\/uploads\//;

function options(
  overrides: Partial<PromotionOptions> & Pick<PromotionOptions, 'source' | 'targets'>,
): PromotionOptions {
  return promotionOptions(COMMIT, 'v1.4.0', overrides);
}

function target(client: RegistryClient, repository: string, tag: string, name = tag): ImageTarget {
  return { name, tag, at: endpoint(client, repository) };
}

describe.skipIf(!requireService('registry', 'skopeo'))('image promotion against real registries', () => {
  let tools: ContainerTools;
  let open: RegistryHandle;
  let basic: RegistryHandle;
  let token: RegistryHandle;
  let proxy: FaultProxy;
  const basicUser = { username: 'ci', password: 'basic-secret' };
  const pusher = { username: 'pusher', password: 'push-secret' };

  beforeAll(async () => {
    [tools, open, basic, token] = await Promise.all([
      createContainerTools(),
      startRegistry({ mode: 'none' }),
      startRegistry({ mode: 'htpasswd', users: { ci: 'basic-secret' } }),
      startRegistry({
        mode: 'token',
        users: { pusher: { password: 'push-secret', grants: { 'team/*': ['pull', 'push', 'delete'] } } },
      }),
    ]);
    proxy = await startFaultProxy({ target: open.url, failureRate: 0, retryAfterSeconds: 0, seed: 9 });
  });
  afterAll(async () => {
    await proxy?.stop();
    await stopAll([open, basic, token]);
    await tools?.remove();
  });

  const viaProxy = () =>
    new RegistryClient({ registry: `127.0.0.1:${proxy.port}`, retry: { baseDelayMs: 5, maxDelayMs: 50 } });

  test('same registry: every target gets the digest by mount, zero blob bytes sent; a rerun changes nothing', async () => {
    const client = viaProxy();
    const old = await pushSingle(client, 'models/churn', 'production');
    const tested = await pushSingle(client, 'models/churn', 'sha-5eed000');
    expect(old.digest).not.toBe(tested.digest);
    const before = proxy.log.length;

    const record = await promote(
      options({
        source: { ...endpoint(client, 'models/churn'), reference: 'sha-5eed000' },
        targets: [
          target(client, 'models/churn', 'production'),
          target(client, 'models/churn', 'v1.4.0'),
          target(client, 'prod/churn', 'live', 'prod/churn:live'),
        ],
      }),
    );
    expect(record.outcome).toBe('promoted');
    expect(record.digest).toBe(tested.digest);
    expect(
      record.targets.map((entry) => [entry.ref.split('/').slice(1).join('/'), entry.previous, entry.change]),
    ).toEqual([
      ['models/churn:production', old.digest, 'move'],
      ['models/churn:v1.4.0', undefined, 'create'],
      ['prod/churn:live', undefined, 'create'],
    ]);
    const during = proxy.log.slice(before);
    // No upload session ever carried a byte: blobs were mounted (POST ?mount= → 201), never PATCHed or PUT.
    expect(during.filter((entry) => uploadPath.test(entry.path) && entry.method !== 'POST')).toEqual([]);
    const mounts = during.filter((entry) => entry.method === 'POST' && entry.path.includes('mount='));
    expect(mounts.map((entry) => entry.status)).toEqual(new Array(tested.blobs).fill(201));
    expect(record.targets.every((entry) => (entry.uploadedBytes ?? 0) === 0)).toBe(true);
    expect(await digestsOf(client, 'models/churn', ['production', 'v1.4.0', 'sha-5eed000'])).toEqual({
      production: tested.digest,
      'v1.4.0': tested.digest,
      'sha-5eed000': tested.digest,
    });
    expect((await client.resolve('prod/churn', 'live'))?.digest).toBe(tested.digest);

    const rerunFrom = proxy.log.length;
    const rerun = await promote(
      options({
        source: { ...endpoint(client, 'models/churn'), reference: tested.digest },
        targets: [target(client, 'models/churn', 'production'), target(client, 'prod/churn', 'live')],
      }),
    );
    expect(rerun.outcome).toBe('unchanged');
    expect(proxy.log.slice(rerunFrom).filter((entry) => !['GET', 'HEAD'].includes(entry.method))).toEqual([]);
  });

  test('across registries (htpasswd → token): a multi-arch index with its children and a referrer', async () => {
    const source = new RegistryClient({ registry: basic.host, credentials: basicUser, chunkSize: 64 << 10 });
    const destination = new RegistryClient({ registry: token.host, credentials: pusher, chunkSize: 64 << 10 });
    const index = await pushIndex(source, 'models/churn', 'sha-5eed000');
    const signature = await attachReferrer(source, 'models/churn', {
      digest: index.digest,
      size: index.size,
      mediaType: MediaType.ociIndex,
    });
    const record = await promote(
      options({
        source: { ...endpoint(source, 'models/churn'), reference: 'sha-5eed000' },
        targets: [target(destination, 'team/churn', 'prod')],
      }),
    );
    expect(record.outcome).toBe('promoted');
    expect(record.digest).toBe(index.digest);
    expect(record.targets[0]?.referrersCopied).toEqual([signature]);
    expect(record.targets[0]?.uploadedBytes).toBeGreaterThan(2 * (128 << 10));

    // skopeo, not our client, reads the promoted index and copies every platform out (checking each blob).
    const authFile = await tools.writeAuthFile({ [token.host]: pusher });
    const raw = await tools.skopeo([
      'inspect',
      '--raw',
      '--tls-verify=false',
      '--authfile',
      authFile,
      `docker://${token.host}/team/churn:prod`,
    ]);
    expect(`sha256:${createHash('sha256').update(raw.stdout).digest('hex')}`).toBe(index.digest);
    const copied = await tools.skopeoAllowingFailure([
      'copy',
      '--all',
      '--src-tls-verify=false',
      '--authfile',
      authFile,
      `docker://${token.host}/team/churn:prod`,
      `dir:${tools.dir}/copied-index`,
    ]);
    expect(copied.code, copied.stderr).toBe(0);
    for (const child of index.children) {
      expect((await destination.resolve('team/churn', child))?.digest).toBe(child);
    }
    expect((await destination.referrers('team/churn', index.digest)).map((entry) => entry.digest)).toEqual([signature]);

    const rerun = await promote(
      options({
        source: { ...endpoint(source, 'models/churn'), reference: index.digest },
        targets: [target(destination, 'team/churn', 'prod')],
      }),
    );
    expect(rerun.outcome).toBe('unchanged');
  });

  test('rollback restores moved tags to their exact previous digest and removes new ones where it can', async () => {
    const client = new RegistryClient({ registry: open.host });
    const old = await pushSingle(client, 'models/undo', 'production');
    const tested = await pushSingle(client, 'models/undo', 'sha-5eed000');
    const plan = await planImagePromotion({ ...endpoint(client, 'models/undo'), reference: 'sha-5eed000' }, [
      target(client, 'models/undo', 'production'),
      target(client, 'models/undo', 'v1.4.0'),
      target(client, 'other/undo', 'live'),
    ]);
    const transaction = new Transaction();
    await moveTags(plan, await copyPromotionContent(plan), transaction);
    expect(await digestsOf(client, 'models/undo', ['production', 'v1.4.0'])).toEqual({
      production: tested.digest,
      'v1.4.0': tested.digest,
    });

    const rollback = await transaction.rollback();
    expect(await digestsOf(client, 'models/undo', ['production', 'sha-5eed000'])).toEqual({
      production: old.digest,
      'sha-5eed000': tested.digest,
    });
    expect((await client.resolve('other/undo', 'live'))?.digest).toBeUndefined();
    expect(rollback.undone).toContain(`${open.host}/models/undo:production back to ${old.digest}`);
    // distribution 2.8 cannot delete a tag, and the digest was in models/undo before: v1.4.0 stays, and is named
    // (promote() therefore creates such tags last, after every step that can fail).
    expect((await client.resolve('models/undo', 'v1.4.0'))?.digest).toBe(tested.digest);
    expect(rollback.failed.map((entry) => entry.error)).toEqual([
      expect.stringMatching(
        /cannot delete tags and sha256:\w+ was in models\/undo before, so .*models\/undo:v1\.4\.0 \(new\) still points at it/,
      ),
    ]);
  });

  test('20% injected registry faults (500, 503, 429, resets): promotions still complete, every target exact', async () => {
    const client = viaProxy();
    proxy.setFailureRate(0);
    const images = [];
    for (let run = 0; run < 4; run++) images.push(await pushSingle(client, 'faults/src', `sha-${run}`));
    proxy.setFailureRate(0.2);
    const before = proxy.log.length;
    try {
      for (let run = 0; run < images.length; run++) {
        const record = await promote(
          options({
            source: { ...endpoint(client, 'faults/src'), reference: `sha-${run}` },
            targets: [target(client, 'faults/src', 'production'), target(client, 'faults/prod', 'live')],
          }),
        );
        expect(record.outcome).toBe('promoted');
      }
    } finally {
      proxy.setFailureRate(0);
    }
    const injected = proxy.log.slice(before).filter((entry) => entry.fault !== undefined).length;
    expect(injected).toBeGreaterThan(0);
    const last = images.at(-1)!.digest;
    expect((await client.resolve('faults/src', 'production'))?.digest).toBe(last);
    expect((await client.resolve('faults/prod', 'live'))?.digest).toBe(last);
  });
});

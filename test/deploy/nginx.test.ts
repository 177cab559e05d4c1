import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createNginxProvider, MemoryLogger, ProviderError, renderNginxSplit } from '../../shared/src/index.js';
import { makeWorkDir } from '../services/process.js';
import { requireService } from '../services/require-service.js';
import { type DeployRig, retryingPredictions, servedBy, startDeployRig } from './support/rig.js';

describe('nginx split file', () => {
  const split = { upstream: 'model', baseline: ['10.0.0.1:80', '10.0.0.2:80'], candidate: ['10.0.0.3:80'] };
  test.each([
    [0, ['server 10.0.0.1:80 weight=1;', 'server 10.0.0.2:80 weight=1;', 'server 10.0.0.3:80 down;']],
    [25, ['server 10.0.0.1:80 weight=3;', 'server 10.0.0.2:80 weight=3;', 'server 10.0.0.3:80 weight=2;']],
    [100, ['server 10.0.0.1:80 down;', 'server 10.0.0.2:80 down;', 'server 10.0.0.3:80 weight=1;']],
  ])('%i%%: exact shares with several servers, down instead of weight=0', (weight, lines) => {
    const text = renderNginxSplit(split, weight);
    expect(
      text
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line.startsWith('server')),
    ).toEqual(lines);
  });

  test('sticky: the candidate share comes first so keys only move towards the candidate', () => {
    const text = renderNginxSplit({ ...split, sticky: { source: 'cookie', name: 'uid' } }, 30);
    expect(text).toContain(
      'split_clients "$cookie_uid" $model_variant {\n    30% model_candidate;\n    * model_baseline;\n}',
    );
  });
});

const describeRig = describe.skipIf(!requireService('nginx'));

describeRig('nginx provider against real nginx', () => {
  let rig: DeployRig;
  let sticky: DeployRig;
  beforeAll(async () => {
    [rig, sticky] = await Promise.all([
      startDeployRig({ prometheus: false }),
      startDeployRig({ prometheus: false, sticky: true }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([rig?.stop(), sticky?.stop()]);
  });

  const provider = (target: DeployRig, testCommand?: string[]) =>
    createNginxProvider({
      split: target.split,
      configPath: target.includePath,
      configDisplay: 'model-split.conf',
      reloadCommand: target.reloadCommand,
      testCommand: testCommand ?? target.reloadCommand.slice(0, -2).concat('-t'),
      logger: new MemoryLogger(),
    });

  test('sticky A/B: a key keeps its variant at one weight and never leaves the candidate as the weight rises', async () => {
    const nginx = provider(sticky);
    const keys = Array.from({ length: 300 }, (_, index) => `user-${index}`);
    const headers = (index: number) => ({ 'X-User-Id': keys[index % keys.length] as string });
    const onCandidate = new Set<string>();
    for (const weight of [10, 30, 60, 100]) {
      await nginx.setCandidateWeight(weight);
      // Every key twice: the same answer both times.
      const { statuses, variants } = await retryingPredictions(sticky.nginx.url, keys.length * 2, { headers });
      expect(statuses.every((status) => status === 200)).toBe(true);
      for (const [index, key] of keys.entries()) {
        expect(variants[index + keys.length], `${key} at ${weight}%`).toBe(variants[index]);
        if (onCandidate.has(key)) expect(variants[index], `${key} left the candidate at ${weight}%`).toBe('candidate');
        if (variants[index] === 'candidate') onCandidate.add(key);
      }
      const share = keys.filter((_, index) => variants[index] === 'candidate').length / keys.length;
      expect(Math.abs(share - weight / 100)).toBeLessThan(0.1);
    }
  });

  test('reloads under load drop no request (a retrying client, as load balancers use)', async () => {
    const nginx = provider(rig);
    const before = (await servedBy(rig.baseline)) + (await servedBy(rig.candidate));
    let changing = true;
    const changes = (async () => {
      let count = 0;
      for (const weight of [5, 25, 50, 75, 100, 50, 0, 30, 60, 0]) {
        await nginx.setCandidateWeight(weight);
        count += 1;
      }
      changing = false;
      return count;
    })();
    const load = (async () => {
      let sent = 0;
      let failed = 0;
      let retries = 0;
      while (changing) {
        const batch = await retryingPredictions(rig.nginx.url, 100, { concurrency: 8 });
        sent += batch.statuses.length;
        failed += batch.statuses.filter((status) => status !== 200).length;
        retries += batch.retries;
      }
      return { sent, failed, retries };
    })();
    const [reloads, { sent, failed }] = await Promise.all([changes, load]);
    expect(reloads).toBe(10);
    expect(sent).toBeGreaterThan(0);
    expect(failed).toBe(0);
    // Every answered request was served by a backend exactly once.
    expect((await servedBy(rig.baseline)) + (await servedBy(rig.candidate)) - before).toBe(sent);
  });

  test('a config nginx -t refuses is not loaded, and the previous file is restored', async () => {
    const nginx = provider(rig);
    await nginx.setCandidateWeight(0);
    const previous = await readFile(rig.includePath, 'utf8');
    const broken = join(await makeWorkDir('deploy-broken'), 'nginx.conf');
    await writeFile(broken, 'events {}\nhttp { this is not nginx; }\n');
    const refusing = provider(rig, [rig.reloadCommand[0] as string, '-c', broken, '-t']);
    const error = await refusing.setCandidateWeight(50).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(/nginx refused the config for 50% \(previous file restored\)/);
    expect(await readFile(rig.includePath, 'utf8')).toBe(previous);
    const candidateBefore = await servedBy(rig.candidate);
    await retryingPredictions(rig.nginx.url, 100);
    expect(await servedBy(rig.candidate)).toBe(candidateBefore);
  });
});

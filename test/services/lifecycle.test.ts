import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answers, isRunning, stopAndListSurvivors } from './process.js';
import { requireService } from './require-service.js';
import { type Rig, startRig } from './rig.js';

describe.skipIf(!requireService('registry', 'nginx', 'prometheus', 'mlflow'))('the whole rig', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig();
    const lines = rig.services.map((service) => `  ${service.name.padEnd(24)} ${service.startupMs.toFixed(0)} ms`);
    console.log(
      `rig start-up (services in parallel):\n${lines.join('\n')}\n  whole rig ${rig.startupMs.toFixed(0)} ms`,
    );
  });

  afterAll(async () => {
    await rig?.stop();
  });

  it('every service answers on its loopback port', async () => {
    const probes = {
      registry: answers(`${rig.registry.url}/v2/`),
      stable: answers(`${rig.stable.url}/healthz`),
      candidate: answers(`${rig.candidate.url}/healthz`),
      nginx: answers(`${rig.nginx.url}/healthz`),
      prometheus: answers(`${rig.prometheus.url}/-/ready`),
      mlflow: answers(`${rig.mlflow.url}/health`),
    };
    const results = Object.fromEntries(await Promise.all(Object.entries(probes).map(async ([k, v]) => [k, await v])));
    expect(results).toEqual({
      registry: true,
      stable: true,
      candidate: true,
      nginx: true,
      prometheus: true,
      mlflow: true,
    });
    for (const service of rig.services) expect(new URL(service.url).hostname).toBe('127.0.0.1');
  });

  it('nginx runs a master and a worker, MLflow a server with its workers: all tracked', async () => {
    expect((await rig.nginx.pids()).length).toBeGreaterThanOrEqual(2);
    expect((await rig.mlflow.pids()).length).toBeGreaterThanOrEqual(2);
  });

  it('stop leaves no process behind and frees every port', async () => {
    const survivors = await Promise.all(rig.services.map(stopAndListSurvivors));
    expect(survivors.flat()).toEqual([]);
    const stillAnswering = await Promise.all(rig.services.map((service) => answers(service.url, [200, 401, 404])));
    expect(stillAnswering.some(Boolean)).toBe(false);
  });

  it('isRunning sees a live process, so the survivor check above can fail', async () => {
    expect(await isRunning(process.pid)).toBe(true);
  });
});

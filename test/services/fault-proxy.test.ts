import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModelBackendHandle, startModelBackend } from './backends.js';
import { type ContainerTools, createContainerTools, pushBusyboxBase } from './containers.js';
import { type Fault, type FaultProxy, startFaultProxy } from './fault-proxy.js';
import { type RegistryHandle, startRegistry } from './registry.js';
import { requireService } from './require-service.js';
import { stopAll } from './rig.js';

/** What a plain client sees for one GET: a status, or 'reset' when the connection broke. */
async function plainGet(url: string): Promise<{ outcome: number | 'reset'; retryAfter: string | null }> {
  try {
    const response = await fetch(url);
    await response.arrayBuffer();
    return { outcome: response.status, retryAfter: response.headers.get('retry-after') };
  } catch {
    return { outcome: 'reset', retryAfter: null };
  }
}

async function outcomesThrough(proxy: FaultProxy, path: string, count: number) {
  const outcomes = [];
  for (let i = 0; i < count; i++) outcomes.push(await plainGet(`${proxy.url}${path}`));
  return outcomes;
}

describe('fault proxy in front of a model backend', () => {
  let backend: ModelBackendHandle;
  const proxies: FaultProxy[] = [];
  const proxyFor = async (seed: number, failureRate: number, faults?: Fault[]) => {
    const proxy = await startFaultProxy({ target: backend.url, failureRate, seed, faults });
    proxies.push(proxy);
    return proxy;
  };

  beforeAll(async () => {
    backend = await startModelBackend('stable');
  });

  afterAll(() => stopAll([backend, ...proxies]));

  it('at a 20% failure rate a plain client sees failures at about that rate, of every kind', async () => {
    const proxy = await proxyFor(42, 0.2);
    const outcomes = await outcomesThrough(proxy, '/metrics', 500);
    const failures = outcomes.filter((o) => o.outcome !== 200);
    expect(failures.length / outcomes.length).toBeGreaterThan(0.15);
    expect(failures.length / outcomes.length).toBeLessThan(0.25);
    expect(new Set(failures.map((o) => o.outcome))).toEqual(new Set([500, 503, 429, 'reset']));
    for (const failure of failures.filter((o) => o.outcome === 429 || o.outcome === 503)) {
      expect(failure.retryAfter).toBe('1');
    }
    // The log agrees with what the client saw, request by request.
    expect(proxy.log.map((entry) => entry.status)).toEqual(outcomes.map((o) => o.outcome));
    const resets = proxy.log.filter((entry) => entry.status === 'reset');
    for (const entry of resets) expect(entry.responseBytes).toBeGreaterThan(0);
  });

  it('the same seed gives the same faults; another seed, others', async () => {
    const [first, second, other] = await Promise.all([proxyFor(7, 0.3), proxyFor(7, 0.3), proxyFor(8, 0.3)]);
    const statuses = async (proxy: FaultProxy) => (await outcomesThrough(proxy, '/healthz', 60)).map((o) => o.outcome);
    const firstStatuses = await statuses(first);
    expect(await statuses(second)).toEqual(firstStatuses);
    expect(await statuses(other)).not.toEqual(firstStatuses);
  });

  it('at rate 0 everything passes through with its bytes counted', async () => {
    const proxy = await proxyFor(1, 0);
    const outcomes = await outcomesThrough(proxy, '/healthz', 20);
    expect(outcomes.every((o) => o.outcome === 200)).toBe(true);
    const direct = await (await fetch(`${backend.url}/healthz`)).arrayBuffer();
    expect(proxy.log.every((entry) => entry.responseBytes === direct.byteLength)).toBe(true);
  });
});

describe.skipIf(!requireService('registry', 'skopeo', 'buildah'))('fault proxy in front of a registry', () => {
  let tools: ContainerTools;
  let registry: RegistryHandle;
  let proxy: FaultProxy;

  beforeAll(async () => {
    [tools, registry] = await Promise.all([createContainerTools(), startRegistry({ mode: 'none' })]);
    proxy = await startFaultProxy({ target: registry.url, failureRate: 0 });
  });

  afterAll(async () => {
    await stopAll([registry, proxy]);
    await tools?.remove();
  });

  it('counts blob uploads: one per blob on the first push, none when the registry already has them', async () => {
    const host = new URL(proxy.url).host;
    await pushBusyboxBase(tools, `${host}/rig/busybox:1`);
    const uploadsStarted = () => proxy.count('POST', /\/v2\/rig\/busybox\/blobs\/uploads\/$/);
    const uploadsFinished = () => proxy.count('PUT', /\/v2\/rig\/busybox\/blobs\/uploads\/[^?]+\?.*digest=/);
    // One layer and one config blob.
    expect(uploadsStarted()).toBe(2);
    expect(uploadsFinished()).toBe(2);
    const copied = await tools.copy(`docker://${host}/rig/busybox:1`, `docker://${host}/rig/busybox:2`);
    expect(copied.code, copied.stderr).toBe(0);
    expect(uploadsFinished()).toBe(2);
    expect(proxy.count('PUT', /\/v2\/rig\/busybox\/manifests\/2$/)).toBe(1);
  });

  it('with failures injected on blob uploads, a push without retries fails', async () => {
    const flaky = await startFaultProxy({
      target: registry.url,
      failureRate: 1,
      faults: [503],
      eligible: (method, path) => method === 'POST' && path.includes('/blobs/uploads/'),
    });
    try {
      const host = new URL(flaky.url).host;
      const pushed = await tools.copy(
        'containers-storage:localhost/rig/busybox-base:latest',
        `docker://${host}/rig/other:1`,
      );
      expect(pushed.code).not.toBe(0);
      expect(flaky.log.some((entry) => entry.fault === 503)).toBe(true);
    } finally {
      await flaky.stop();
    }
  });
});

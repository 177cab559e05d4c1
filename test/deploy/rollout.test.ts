import { describe, expect, test } from 'vitest';
import {
  type ArmCounts,
  type Clock,
  GateEvaluator,
  MemoryLogger,
  type MetricObservation,
  type OnNoData,
  parseConfig,
  readGate,
  runRollout,
  type TrafficProvider,
} from '../../shared/src/index.js';

const GATE = `version: 1
alpha: 0.05
min-samples: 300
metrics:
  - name: error-rate
    events: sum(increase(e{variant="$variant"}[$window]))
    trials: sum(increase(t{variant="$variant"}[$window]))
    better: lower
    role: guardrail
    margin: 0.002
  - name: success
    events: sum(increase(ok{variant="$variant"}[$window]))
    trials: sum(increase(t{variant="$variant"}[$window]))
    better: higher
    role: primary
    margin: 0.02
`;

/** A clock that advances only when the rollout sleeps: no real waiting, no timing in the test. */
function fakeClock(): Clock {
  let now = 0;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  };
}

function fakeProvider(): TrafficProvider & { weights: number[] } {
  const weights: number[] = [];
  return {
    kind: 'fake',
    target: 'memory',
    weights,
    preflight: async () => {},
    setCandidateWeight: async (weight) => {
      weights.push(weight);
    },
  };
}

/**
 * Traffic as a function of the provider's weights: `rate` requests per second split by the current weight,
 * errors at the arms' rates, counted cumulatively since the rollout began.
 */
function trafficModel(provider: { weights: number[] }, options: { rate: number; errorA: number; errorB: number }) {
  const totals = { baseline: { events: 0, trials: 0 }, candidate: { events: 0, trials: 0 } };
  let lastWindow = 0;
  return async (windowSeconds: number): Promise<Map<string, MetricObservation>> => {
    const seconds = windowSeconds - lastWindow;
    lastWindow = windowSeconds;
    const weight = (provider.weights.at(-1) ?? 0) / 100;
    const add = (arm: ArmCounts, share: number, errorRate: number) => {
      const requests = Math.round(options.rate * seconds * share);
      arm.trials += requests;
      arm.events += Math.round(requests * errorRate);
    };
    add(totals.baseline, 1 - weight, options.errorA);
    add(totals.candidate, weight, options.errorB);
    const flip = (arm: ArmCounts) => ({ events: arm.trials - arm.events, trials: arm.trials });
    return new Map<string, MetricObservation>([
      ['error-rate', { kind: 'proportion', baseline: { ...totals.baseline }, candidate: { ...totals.candidate } }],
      ['success', { kind: 'proportion', baseline: flip(totals.baseline), candidate: flip(totals.candidate) }],
    ]);
  };
}

function rollout(
  observe: (windowSeconds: number) => Promise<ReadonlyMap<string, MetricObservation>>,
  provider: TrafficProvider,
  onNoData: OnNoData = 'hold',
) {
  return runRollout({
    steps: [5, 25, 50, 100],
    intervalMs: 60_000,
    maxDurationMs: 30 * 60_000,
    pollMs: 10_000,
    onNoData,
    evaluator: new GateEvaluator(readGate(parseConfig(GATE, 'gate.yml'))),
    provider,
    observe,
    log: new MemoryLogger(),
    clock: fakeClock(),
  });
}

describe('rollout state machine', () => {
  test('a healthy candidate goes through every step and is promoted', async () => {
    const provider = fakeProvider();
    const result = await rollout(trafficModel(provider, { rate: 200, errorA: 0.01, errorB: 0.01 }), provider);
    expect(result.decision).toBe('promoted');
    expect(provider.weights).toEqual([5, 25, 50, 100]);
    expect(result.finalWeight).toBe(100);
    expect(result.steps.map((step) => step.outcome)).toEqual(['advanced', 'advanced', 'advanced', 'promoted']);
    // Never advanced before the bake time, and promoted only with a primary shown non-inferior.
    for (const step of result.steps.slice(0, 3)) expect(step.endedAt! - step.startedAt).toBeGreaterThanOrEqual(60_000);
    expect(result.steps[2]?.last?.decision).toBe('promotable');
  });

  test('a weight is logged once the provider holds it, after what the provider logged while waiting', async () => {
    const provider = fakeProvider();
    const log = new MemoryLogger();
    const waiting = {
      ...provider,
      setCandidateWeight: async (weight: number) => {
        if (weight === 5) log.info('Waiting for the candidate to be ready…');
        await provider.setCandidateWeight(weight);
      },
    };
    await runRollout({
      steps: [5, 100],
      intervalMs: 60_000,
      maxDurationMs: 30 * 60_000,
      pollMs: 10_000,
      onNoData: 'hold',
      evaluator: new GateEvaluator(readGate(parseConfig(GATE, 'gate.yml'))),
      provider: waiting,
      observe: trafficModel(provider, { rate: 200, errorA: 0.01, errorB: 0.01 }),
      log,
      clock: fakeClock(),
    });
    const lines = log.entries.map((entry) => entry.message);
    const waited = lines.indexOf('Waiting for the candidate to be ready…');
    const weighted = lines.indexOf('Weight: candidate 5%, baseline 95% (fake memory).');
    expect(waited).toBeGreaterThanOrEqual(0);
    expect(weighted).toBeGreaterThan(waited);
    expect(lines).toContain('Weight: candidate 100%, baseline 0% (fake memory).');
  });

  test('a 5× error rate rolls back at the first step, at the first look with evidence, to 0%', async () => {
    const provider = fakeProvider();
    const result = await rollout(trafficModel(provider, { rate: 400, errorA: 0.01, errorB: 0.05 }), provider);
    expect(result.decision).toBe('rolled-back');
    expect(provider.weights).toEqual([5, 0]);
    expect(result.finalWeight).toBe(0);
    const harmful = result.looks.at(-1)?.verdict.metrics.find((metric) => metric.metric === 'error-rate');
    expect(harmful?.decision).toBe('harm');
    // The look before the rollback either lacked min-samples or lacked evidence: it stopped at the first chance.
    const before = result.looks.at(-2)?.verdict.metrics.find((metric) => metric.metric === 'error-rate');
    expect(['too-few-samples', 'no-harm-shown']).toContain(before?.decision);
  });

  test.each([
    ['hold', 'inconclusive', [5]],
    ['rollback', 'rolled-back', [5, 0]],
  ] as const)(
    'no data: holds, then on-no-data %s at max-duration; never promotes',
    async (onNoData, decision, weights) => {
      const provider = fakeProvider();
      const result = await rollout(async () => new Map(), provider, onNoData);
      expect(result.decision).toBe(decision);
      expect(provider.weights).toEqual(weights);
      expect(result.durationMs).toBeGreaterThanOrEqual(30 * 60_000);
      expect(result.reason).toMatch(/max-duration.*no requests counted/);
    },
  );

  test('low traffic never promotes without min-samples per arm', async () => {
    const provider = fakeProvider();
    // 1 request/s: the 5% arm gets ~90 requests in 30 minutes, below min-samples 300.
    const result = await rollout(trafficModel(provider, { rate: 1, errorA: 0, errorB: 0 }), provider);
    expect(result.decision).toBe('inconclusive');
    expect(provider.weights).toEqual([5]);
    expect(result.reason).toMatch(/of 300 requests per arm/);
  });

  test('Prometheus failing holds the rollout (never promotes) and recovers when it answers again', async () => {
    const provider = fakeProvider();
    const healthy = trafficModel(provider, { rate: 200, errorA: 0.01, errorB: 0.01 });
    let calls = 0;
    const flaky = async (windowSeconds: number) => {
      calls += 1;
      if (calls >= 3 && calls <= 20) throw new Error('Prometheus answered 503');
      return healthy(windowSeconds);
    };
    const result = await rollout(flaky, provider);
    expect(result.looks.filter((look) => /metrics unavailable/.test(look.verdict.why))).toHaveLength(18);
    expect(result.decision).toBe('promoted');
    // While the metrics were unreadable it stayed at 5%.
    const unreadable = result.looks.filter((look) => /metrics unavailable/.test(look.verdict.why));
    expect(new Set(unreadable.map((look) => look.weight))).toEqual(new Set([5]));
  });

  test('a weight change that fails rolls back to 0%', async () => {
    const provider = fakeProvider();
    const failing: TrafficProvider = {
      ...provider,
      setCandidateWeight: async (weight) => {
        if (weight === 25) throw new Error('nginx refused the config');
        await provider.setCandidateWeight(weight);
      },
    };
    const result = await rollout(trafficModel(provider, { rate: 400, errorA: 0.01, errorB: 0.01 }), failing);
    expect(result.decision).toBe('rolled-back');
    expect(result.reason).toMatch(/weight change to 25% failed: nginx refused/);
    expect(provider.weights).toEqual([5, 0]);
  });
});

import { describe, expect, test } from 'vitest';
import {
  type ArmCounts,
  bernoulliMsprtInput,
  GateEvaluator,
  type MetricObservation,
  msprtLikelihoodRatio,
  parseConfig,
  readGate,
  testDirection,
} from '../../shared/src/index.js';
import { seededRandom as random } from '../support/random.js';

function gateWith(metrics: string, header = 'alpha: 0.05\nmin-samples: 200') {
  return readGate(parseConfig(`version: 1\n${header}\nmetrics:\n${metrics}`, 'gate.yml'));
}

const errorRate = (extra = '') => `  - name: error-rate
    events: sum(increase(e{variant="$variant"}[$window]))
    trials: sum(increase(t{variant="$variant"}[$window]))
    better: lower
    role: guardrail
    margin: 0
${extra}`;

const observe = (baseline: ArmCounts, candidate: ArmCounts): Map<string, MetricObservation> =>
  new Map([['error-rate', { kind: 'proportion', baseline, candidate }]]);

describe('gate evaluation', () => {
  test('Λ depends on the arms only through Var(θ̂): the published one-sided vector with n = 1, V/n', () => {
    // README: θ0 = -.01, V = .18, τ² = 1e-4, n = 1000, θ̂ = .005 → 1.4994056765163604.
    const input = { n: 1, thetaHat: 0.005, variance: 0.18 / 1000, tau2: 1e-4, theta0: -0.01 };
    expect(msprtLikelihoodRatio(input, 'greater')).toBeCloseTo(1.4994056765163604, 9);
  });

  test('equal arms give exactly the Bernoulli mSPRT of sequential.ts; unequal arms its Var(θ̂) form', () => {
    const gate = gateWith(errorRate('    tau: 0.01\n'));
    const equal = new GateEvaluator(gate).evaluate(observe({ events: 10, trials: 1000 }, { events: 30, trials: 1000 }));
    const expected = msprtLikelihoodRatio(
      bernoulliMsprtInput({ n: 1000, eventsA: 10, eventsB: 30, tau2: 1e-4, theta0: 0 }),
      'greater',
    );
    expect(equal.metrics[0]?.statistic).toBeCloseTo(expected, 10);

    const unequal = new GateEvaluator(gate).evaluate(
      observe({ events: 95, trials: 9500 }, { events: 25, trials: 500 }),
    );
    const sigma2 = (0.01 * 0.99) / 9500 + (0.05 * 0.95) / 500;
    const direct = msprtLikelihoodRatio({ n: 1, thetaHat: 0.04, variance: sigma2, tau2: 1e-4, theta0: 0 }, 'greater');
    expect(unequal.metrics[0]?.statistic).toBeCloseTo(direct, 8);
    expect(unequal.decision).toBe('rollback');
  });

  test.each([
    { role: 'guardrail', better: 'lower', margin: 0.002, alternative: 'greater', theta0: 0.002 },
    { role: 'guardrail', better: 'higher', margin: 0.002, alternative: 'less', theta0: -0.002 },
    { role: 'primary', better: 'higher', margin: 0.01, alternative: 'greater', theta0: -0.01 },
    { role: 'primary', better: 'lower', margin: 0.01, alternative: 'less', theta0: 0.01 },
  ] as const)('$role, better $better: $alternative than $theta0', ({ role, better, margin, alternative, theta0 }) => {
    expect(testDirection({ role, better, margin })).toEqual({ alternative, theta0 });
  });

  test('no decision below min-samples, however strong the difference; no data is its own state', () => {
    const evaluator = new GateEvaluator(gateWith(errorRate()));
    const few = evaluator.evaluate(observe({ events: 0, trials: 199 }, { events: 150, trials: 199 }));
    expect(few.decision).toBe('wait');
    expect(few.metrics[0]?.decision).toBe('too-few-samples');
    const none = evaluator.evaluate(
      new Map([['error-rate', { kind: 'proportion', baseline: { events: 0, trials: 500 }, candidate: undefined }]]),
    );
    expect(none.metrics[0]?.decision).toBe('no-data');
    expect(none.why).toMatch(/candidate/);
  });

  test('a primary shown non-inferior makes the gate promotable; thresholds breach on the candidate only', () => {
    const gate = gateWith(`  - name: success
    events: sum(increase(ok{variant="$variant"}[$window]))
    trials: sum(increase(t{variant="$variant"}[$window]))
    better: higher
    role: primary
    margin: 0.02
  - name: p95
    kind: threshold
    query: q{variant="$variant"}
    max: 0.3
`);
    const evaluator = new GateEvaluator(gate);
    const look = (p95: number) =>
      evaluator.evaluate(
        new Map<string, MetricObservation>([
          [
            'success',
            { kind: 'proportion', baseline: { events: 3960, trials: 4000 }, candidate: { events: 3962, trials: 4000 } },
          ],
          ['p95', { kind: 'threshold', baseline: 0.5, candidate: p95 }],
        ]),
      );
    const good = look(0.2);
    expect(good.metrics.map((metric) => metric.decision)).toEqual(['non-inferior', 'within']);
    expect(good.decision).toBe('promotable');
    const slow = look(0.45);
    expect(slow.decision).toBe('rollback');
    expect(slow.why).toMatch(/p95: candidate 0.45 above max 0.3/);
  });

  test('confidence sequences only shrink across looks', () => {
    const evaluator = new GateEvaluator(gateWith(errorRate()));
    let previous = { lower: -Infinity, upper: Infinity };
    for (let n = 200; n <= 3000; n += 200) {
      const verdict = evaluator.evaluate(
        observe({ events: Math.round(n * 0.01), trials: n }, { events: Math.round(n * 0.012), trials: n }),
      );
      const confidence = verdict.metrics[0]?.confidence;
      expect(confidence).toBeDefined();
      expect(confidence!.lower).toBeGreaterThanOrEqual(previous.lower);
      expect(confidence!.upper).toBeLessThanOrEqual(previous.upper);
      previous = confidence!;
    }
  });

  /** Looks every 100 requests per arm up to `maxN`; returns the n of the first rollback, or undefined. */
  function simulate(next: () => number, pA: number, pB: number, maxN: number): number | undefined {
    const evaluator = new GateEvaluator(gateWith(errorRate(), 'alpha: 0.05\nmin-samples: 100'));
    let eventsA = 0;
    let eventsB = 0;
    for (let n = 1; n <= maxN; n += 1) {
      if (next() < pA) eventsA += 1;
      if (next() < pB) eventsB += 1;
      if (n % 100 !== 0) continue;
      const verdict = evaluator.evaluate(observe({ events: eventsA, trials: n }, { events: eventsB, trials: n }));
      if (verdict.decision === 'rollback') return n;
    }
    return undefined;
  }

  test('A/A checked every 100 requests: false rollbacks stay under alpha (seeded simulation)', () => {
    const next = random(20260101);
    const runs = 300;
    let falseRollbacks = 0;
    for (let run = 0; run < runs; run += 1) if (simulate(next, 0.02, 0.02, 3000) !== undefined) falseRollbacks += 1;
    expect(falseRollbacks / runs).toBeLessThanOrEqual(0.05);
  });

  test('a 5× error rate (1% → 5%) is rolled back in almost every run, well before 2,000 per arm', () => {
    const next = random(7);
    const runs = 100;
    const stops = Array.from({ length: runs }, () => simulate(next, 0.01, 0.05, 2000));
    const detected = stops.filter((n): n is number => n !== undefined).sort((a, b) => a - b);
    expect(detected.length / runs).toBeGreaterThanOrEqual(0.95);
    expect(detected[Math.floor(detected.length / 2)]).toBeLessThanOrEqual(1000);
  });
});

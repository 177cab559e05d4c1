import { describe, expect, test } from 'vitest';
import {
  bernoulliMsprtInput,
  firstMsprtRejection,
  type MsprtInput,
  msprtConfidenceSequence,
  msprtLikelihoodRatio,
  msprtLogLikelihoodRatio,
  msprtOptimalMixingRatio,
  msprtTau2,
  msprtTest,
  type SequentialAlternative,
} from '../../shared/src/statistics/index.js';
import { runReference } from '../support/python.js';
import { expectRelative } from './support.js';

describe('mSPRT likelihood ratios', () => {
  test('the published values (shared/vectors/README.md) to 1e-9 relative', () => {
    const published: Array<[MsprtInput, SequentialAlternative, number]> = [
      [{ n: 1000, thetaHat: 0.02, variance: 0.18, tau2: 1e-4 }, 'two-sided', 1.192329576388855],
      [{ n: 5000, thetaHat: 0.01, variance: 0.18, tau2: 1.48e-4 }, 'two-sided', 1.3518058278840062],
      [{ n: 500, thetaHat: 0.2, variance: 2, tau2: 0.01 }, 'two-sided', 19.011557566042615],
      [{ n: 1000, thetaHat: 0.005, variance: 0.18, tau2: 1e-4, theta0: -0.01 }, 'greater', 1.4994056765163604],
      [{ n: 5000, thetaHat: -0.003, variance: 0.18, tau2: 1e-4, theta0: -0.01 }, 'greater', 1.4281092311724655],
      [{ n: 20000, thetaHat: 0.004, variance: 0.18, tau2: 1e-4, theta0: -0.01 }, 'greater', 12530.086290439669],
    ];
    for (const [input, alternative, expected] of published) {
      expectRelative(msprtLikelihoodRatio(input, alternative), expected, 1e-9, JSON.stringify(input));
    }
  });

  test('log Λ equals the README formulas evaluated with scipy, over a grid, both tails', async () => {
    const inputs: Array<MsprtInput & { alternative: SequentialAlternative }> = [];
    for (const n of [1, 100, 1000, 10000, 1e6, 1e9]) {
      for (const thetaHat of [-0.05, -0.004, 0, 0.003, 0.02]) {
        for (const alternative of ['two-sided', 'greater', 'less'] as const) {
          inputs.push({ n, thetaHat, variance: 0.0198, tau2: 2e-5, theta0: 0.001, alternative });
        }
      }
    }
    const reference = await runReference<number[]>(
      `import math
from scipy import special
result = []
for c in data:
    n, d, V, t2 = c["n"], c["thetaHat"] - c["theta0"], c["variance"], c["tau2"]
    log_shrink = 0.5 * math.log(V / (V + n * t2))
    u = n * math.sqrt(t2) * d / math.sqrt(V * (V + n * t2))
    if c["alternative"] == "two-sided":
        result.append(log_shrink + n * n * t2 * d * d / (2 * V * (V + n * t2)))
        continue
    s = u if c["alternative"] == "greater" else -u
    # log Phi(s) + s^2/2: scaled erfc where Phi(s) is tiny, so the reference does not cancel huge terms either.
    tail = math.log(special.erfcx(-s / math.sqrt(2)) / 2) if s < 0 else special.log_ndtr(s) + s * s / 2
    result.append(float(math.log(2) + tail + log_shrink))`,
      inputs,
    );
    inputs.forEach((input, index) => {
      expectRelative(
        msprtLogLikelihoodRatio(input, input.alternative),
        reference[index]!,
        1e-11,
        `${input.alternative} n=${input.n} θ̂=${input.thetaHat}`,
        1,
      );
    });
    // Huge n: Λ itself overflows, the log form decides.
    const huge = { n: 1e9, thetaHat: 0.02, variance: 0.0198, tau2: 2e-5 };
    expect(msprtLikelihoodRatio(huge)).toBe(Number.POSITIVE_INFINITY);
    expect(msprtTest(huge, { alpha: 0.05 }).reject).toBe(true);
  });

  test('the Bernoulli form builds θ̂ and V from counts, with a floor before any event', () => {
    expect(bernoulliMsprtInput({ n: 1000, eventsA: 100, eventsB: 120, tau2: 1e-4 })).toEqual({
      n: 1000,
      thetaHat: 0.12 - 0.1,
      variance: 0.1 * 0.9 + 0.12 * 0.88,
      tau2: 1e-4,
      theta0: 0,
    });
    const noEvents = bernoulliMsprtInput({ n: 100, eventsA: 0, eventsB: 0, tau2: 1e-4 });
    expect(() => msprtLogLikelihoodRatio(noEvents)).toThrow(/varianceFloor/);
    const floored = bernoulliMsprtInput({ n: 100, eventsA: 0, eventsB: 0, tau2: 1e-4, varianceFloor: 0.0198 });
    expect(floored.variance).toBe(0.0198);
    expect(() => bernoulliMsprtInput({ n: 10, eventsA: 11, eventsB: 0, tau2: 1e-4 })).toThrow(RangeError);
  });

  test('first rejection index', () => {
    const looks = [100, 200, 300, 400].map((n) => ({ n, thetaHat: 0.05, variance: 0.05, tau2: 1e-3 }));
    const index = firstMsprtRejection(looks, { alpha: 0.05 });
    expect(index).toBeGreaterThan(0);
    expect(msprtTest(looks[index]!, { alpha: 0.05 }).reject).toBe(true);
    expect(msprtTest(looks[index - 1]!, { alpha: 0.05 }).reject).toBe(false);
    expect(firstMsprtRejection(looks.slice(0, index), { alpha: 0.05 })).toBe(-1);
  });

  test.each<[string, () => unknown]>([
    ['alpha 0', () => msprtTest({ n: 1, thetaHat: 0, variance: 1, tau2: 1 }, { alpha: 0 })],
    ['alpha 1', () => msprtOptimalMixingRatio(1)],
    ['tau2 0', () => msprtLogLikelihoodRatio({ n: 1, thetaHat: 0, variance: 1, tau2: 0 })],
    ['negative n', () => msprtLogLikelihoodRatio({ n: -1, thetaHat: 0, variance: 1, tau2: 1 })],
    ['NaN θ̂', () => msprtLogLikelihoodRatio({ n: 1, thetaHat: Number.NaN, variance: 1, tau2: 1 })],
  ])('%s throws RangeError', (_label, work) => {
    expect(work).toThrow(RangeError);
  });
});

describe('choosing τ² and the confidence sequence', () => {
  test('r* = 8.2120 at α = 0.05 (README) and minimises the confidence-sequence width, checked with scipy', async () => {
    expect(msprtOptimalMixingRatio(0.05).toFixed(4)).toBe('8.2120');
    const alphas = [0.001, 0.01, 0.05, 0.1, 0.2, 0.5];
    const reference = await runReference<number[]>(
      `import math
from scipy import optimize
# The confidence-sequence width at n* as a function of r = n* tau^2 / V (V and n* scale out).
def width(r, alpha):
    return (1 + r) / r * (math.log(1 / alpha) + 0.5 * math.log1p(r))
result = [float(optimize.minimize_scalar(lambda r: width(r, a), bounds=(1e-6, 1e4), method="bounded",
                                         options={"xatol": 1e-12}).x) for a in data]`,
      alphas,
    );
    alphas.forEach((alpha, index) => {
      expectRelative(msprtOptimalMixingRatio(alpha), reference[index]!, 1e-6, `r*(${alpha})`);
    });
    expectRelative(msprtTau2(0.0198, 10000, 0.05), (8.212 * 0.0198) / 10000, 1e-4, 'tau2');
  });

  test('the confidence sequence is exactly the set of θ0 the two-sided test keeps', () => {
    const alpha = 0.05;
    for (const input of [
      { n: 100, thetaHat: 0.01, variance: 0.0198, tau2: 2e-5 },
      { n: 5000, thetaHat: -0.003, variance: 0.18, tau2: 1e-4 },
      { n: 2e6, thetaHat: 0.2, variance: 2, tau2: 0.01 },
    ]) {
      const { lower, upper } = msprtConfidenceSequence(input, alpha);
      expect(lower).toBeLessThan(input.thetaHat);
      for (const edge of [lower, upper]) {
        expectRelative(msprtLikelihoodRatio({ ...input, theta0: edge }), 1 / alpha, 1e-9, `Λ at the edge ${edge}`);
      }
      expect(msprtTest({ ...input, theta0: (lower + input.thetaHat) / 2 }, { alpha }).reject).toBe(false);
      expect(msprtTest({ ...input, theta0: lower - (upper - lower) }, { alpha }).reject).toBe(true);
    }
    expect(msprtConfidenceSequence({ n: 0, thetaHat: 0, variance: 1, tau2: 1 }, alpha)).toEqual({
      lower: Number.NEGATIVE_INFINITY,
      upper: Number.POSITIVE_INFINITY,
    });
  });
});

import { beforeAll, describe, expect, test } from 'vitest';
import {
  binaryLogLoss,
  createRandom,
  drawBinomial,
  drawBootstrapIndices,
  drawMultinomial,
  mcnemarTest,
  pairedBootstrap,
  pairedCellCounts,
  rocAucScore,
  SeededRandom,
} from '../../shared/src/metrics/index.js';
import { binomialPmf } from '../../shared/src/statistics/index.js';
import { runReference } from '../support/python.js';
import { binaryCase, expectClose, normal } from './support.js';

/** Labels and two prediction columns with the given discordant counts (b: candidate only right, c: baseline only). */
function pairedPredictions(candidateOnly: number, baselineOnly: number, bothRight = 30, bothWrong = 7) {
  const yTrue: number[] = [];
  const candidate: number[] = [];
  const baseline: number[] = [];
  const push = (label: number, candidateRight: boolean, baselineRight: boolean) => {
    yTrue.push(label);
    candidate.push(candidateRight ? label : 1 - label);
    baseline.push(baselineRight ? label : 1 - label);
  };
  for (let index = 0; index < candidateOnly; index += 1) push(index % 2, true, false);
  for (let index = 0; index < baselineOnly; index += 1) push(index % 2, false, true);
  for (let index = 0; index < bothRight; index += 1) push(index % 2, true, true);
  for (let index = 0; index < bothWrong; index += 1) push(index % 2, false, false);
  return { yTrue, candidate, baseline };
}

/** Relative closeness for p-values, which can be tiny. */
function expectRelativelyClose(actual: number, expected: number, tolerance = 1e-9): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tolerance * Math.max(Math.abs(expected), 1e-300));
}

const discordant: [number, number, number | undefined][] = [
  [0, 0, undefined],
  [3, 5, undefined],
  [0, 7, undefined],
  [12, 12, undefined],
  [15, 9, undefined],
  [10, 15, undefined],
  [40, 60, undefined],
  [40, 60, 1_000],
  [1_000, 1_100, undefined],
  [5, 300, undefined],
  [5, 300, 10_000],
];

describe("McNemar's test against scipy (binomtest for the exact test, chi2.sf with continuity otherwise)", () => {
  let expected: { exact: number; chi2: number; statistic: number }[];
  beforeAll(async () => {
    expected = await runReference(
      `
from scipy import stats
result = []
for b, c, _ in data:
    n = b + c
    exact = stats.binomtest(min(b, c), n, 0.5).pvalue if n else 1.0
    statistic = (abs(b - c) - 1) ** 2 / n if n else 0.0
    result.append({"exact": float(exact), "chi2": float(stats.chi2.sf(statistic, 1)), "statistic": statistic})
`,
      discordant,
    );
  });

  test.each(discordant.map((row, index) => [...row, index] as const))(
    'b=%i c=%i exactBelow=%s',
    (b, c, exactBelow, index) => {
      const { yTrue, candidate, baseline } = pairedPredictions(b, c);
      const result = mcnemarTest(yTrue, candidate, baseline, exactBelow === undefined ? {} : { exactBelow });
      expect([result.candidateOnlyCorrect, result.baselineOnlyCorrect, result.discordant]).toEqual([b, c, b + c]);
      const reference = expected[index]!;
      if (b + c < (exactBelow ?? 25)) {
        expect(result.method).toBe('exact-binomial');
        expect(result.statistic).toBe(Math.min(b, c));
        expectRelativelyClose(result.pValue, reference.exact);
      } else {
        expect(result.method).toBe('chi2-continuity');
        expectRelativelyClose(result.statistic, reference.statistic);
        expectRelativelyClose(result.pValue, reference.chi2);
      }
    },
  );
});

describe('paired bootstrap', () => {
  const item = binaryCase(600, 0.3, 'decimals2', 41);
  const random = createRandom(42);
  const better = item.scores.map((score, index) =>
    Math.min(1, Math.max(0, score + (item.labels[index] ? 0.15 : -0.15) + 0.05 * normal(random))),
  );
  const noisy = item.scores.map((score) => Math.min(1, Math.max(0, score + 0.002 * normal(random))));

  test('is seeded: the same seed repeats the interval, another seed moves it', () => {
    const options = { metric: 'roc_auc', task: 'binary' as const, resamples: 200, seed: 7 };
    const first = pairedBootstrap(item.labels, better, item.scores, options);
    expect(pairedBootstrap(item.labels, better, item.scores, options)).toEqual(first);
    expect(pairedBootstrap(item.labels, better, item.scores, { ...options, seed: 8 }).low).not.toBe(first.low);
  });

  test('deltas are sklearn metric differences on the same resample, and the interval is numpy percentiles', async () => {
    const seed = 3;
    const result = pairedBootstrap(item.labels, better, item.scores, {
      metric: 'roc_auc',
      task: 'binary',
      resamples: 300,
      seed,
      confidence: 0.9,
      keepDeltas: true,
    });
    const random = createRandom(seed);
    const firstDraws = [0, 1].map(() =>
      Array.from(drawBootstrapIndices(item.labels.length, random, new Int32Array(item.labels.length))),
    );
    const reference = await runReference<{ deltas: number[]; low: number; high: number; delta: number }>(
      `
import numpy as np
from sklearn.metrics import roc_auc_score
y, c, b = (np.asarray(data[k]) for k in ("y", "c", "b"))
delta = lambda i: roc_auc_score(y[i], c[i]) - roc_auc_score(y[i], b[i])
low, high = np.percentile(data["deltas"], [5, 95])
result = {"deltas": [delta(np.asarray(i)) for i in data["draws"]], "low": low, "high": high,
          "delta": delta(np.arange(len(y)))}
`,
      { y: item.labels, c: better, b: item.scores, draws: firstDraws, deltas: result.deltas },
    );
    expectClose(result.deltas![0], reference.deltas[0]!);
    expectClose(result.deltas![1], reference.deltas[1]!);
    expectClose(result.low, reference.low);
    expectClose(result.high, reference.high);
    expectClose(result.delta, reference.delta);
    expect(result.delta).toBeCloseTo(rocAucScore(item.labels, better) - rocAucScore(item.labels, item.scores), 12);
  });

  test.each([
    ['a clearly better model on a higher-is-better metric', 'roc_auc', better, item.scores, 'better'],
    ['a clearly worse model on a lower-is-better metric', 'log_loss', item.scores, better, 'worse'],
    ['a model that only jitters the scores', 'roc_auc', noisy, item.scores, 'within noise'],
  ] as const)('labels %s as %j', (_, metric, candidate, baseline, verdict) => {
    const result = pairedBootstrap(item.labels, candidate, baseline, {
      metric,
      task: 'binary',
      resamples: 300,
      seed: 1,
    });
    expect(result.verdict).toBe(verdict);
    expect(result.withinNoise).toBe(verdict === 'within noise');
    expect(result.withinNoise).toBe(result.low <= 0 && result.high >= 0);
  });

  test('a custom metric without a direction gets a neutral verdict', () => {
    const result = pairedBootstrap(item.labels, item.scores, better, {
      metric: (yTrue, yProba) => binaryLogLoss(yTrue, yProba),
      resamples: 100,
    });
    expect(result.verdict).toBe('higher');
  });

  test('resamples where the metric is undefined are skipped and counted', () => {
    const result = pairedBootstrap([1, 0, 0, 0, 0, 0], [0.9, 0.1, 0.2, 0.3, 0.2, 0.1], [0.5, 0.4, 0.6, 0.3, 0.2, 0.1], {
      metric: 'roc_auc',
      task: 'binary',
      resamples: 200,
    });
    expect(result.skipped).toBeGreaterThan(0);
    expect(result.skipped).toBeLessThan(200);
  });
});

describe('binomial and multinomial draws (the counting bootstrap draws cell counts, not rows)', () => {
  const pmfCases: [number, number, number][] = [
    [0, 10, 0.3],
    [3, 10, 0.3],
    [10, 10, 0.3],
    [0, 1_000, 0.001],
    [14, 1_000, 0.01],
    [2_999_123, 10_000_000, 0.3],
    [3_000_000, 10_000_000, 0.3],
    [3_010_000, 10_000_000, 0.3],
    [7, 10_000_000, 1e-6],
    [500_000_000, 1_000_000_000, 0.5],
  ];
  test('binomialPmf equals scipy.stats.binom.pmf to 1e-12 relative, also at n = 10^9', async () => {
    const expected = await runReference<number[]>(
      'from scipy import stats\nresult = [float(stats.binom.pmf(k, n, p)) for k, n, p in data]',
      pmfCases,
    );
    for (const [index, [k, n, p]] of pmfCases.entries()) {
      expectRelativelyClose(binomialPmf(k, n, p), expected[index]!, 1e-12);
    }
  });

  const drawCases: [number, number][] = [
    [10, 0.3],
    [1_000, 0.01],
    [200, 0.97],
    [10_000_000, 0.3],
    [10_000_000, 0.0004],
  ];
  test.each(drawCases)(
    'Binomial(%i, %f): 20,000 seeded draws pass a chi-square test against scipy (p > 0.001)',
    async (n, p) => {
      const random = new SeededRandom(5);
      const draws = Array.from({ length: 20_000 }, () => drawBinomial(random, n, p));
      const reference = await runReference<{ pValue: number; mean: number; variance: number }>(
        `
import numpy as np
from scipy import stats
n, p, x = data["n"], data["p"], np.asarray(data["draws"])
# Cells of consecutive outcomes with at least 20 expected draws each, from the exact pmf.
lo, hi = int(stats.binom.ppf(1e-9, n, p)), int(stats.binom.isf(1e-9, n, p))
edges, expected, mass = [lo], [], 0.0
for k in range(lo, hi + 1):
    mass += stats.binom.pmf(k, n, p)
    if mass * len(x) >= 20:
        edges.append(k + 1); expected.append(mass); mass = 0.0
expected[-1] += mass + stats.binom.cdf(lo - 1, n, p) + stats.binom.sf(hi, n, p)
edges[-1] = n + 1
edges[0] = 0
observed = np.histogram(x, bins=np.asarray(edges) - 0.5)[0]
e = np.asarray(expected) / sum(expected) * len(x)
result = {"pValue": float(stats.chisquare(observed, e).pvalue), "mean": n * p, "variance": n * p * (1 - p)}
`,
        { n, p, draws },
      );
      expect(reference.pValue).toBeGreaterThan(0.001);
      const mean = draws.reduce((sum, value) => sum + value, 0) / draws.length;
      // Five standard errors of the mean of 20,000 draws.
      expect(Math.abs(mean - reference.mean)).toBeLessThan(5 * Math.sqrt(reference.variance / draws.length));
    },
  );

  test('drawMultinomial puts every row in some cell and none in an empty one', () => {
    const random = new SeededRandom(9);
    const weights = [5, 0, 1_000_000, 3, 0, 2_000_000, 1, 7_000_000];
    const into = new Float64Array(8);
    for (let draw = 0; draw < 200; draw += 1) {
      drawMultinomial(random, 10_000_009, weights, into);
      expect(into.reduce((sum, value) => sum + value, 0)).toBe(10_000_009);
      expect([into[1], into[4]]).toEqual([0, 0]);
    }
  });
});

describe('paired bootstrap of a counting metric (accuracy, precision, recall, F1)', () => {
  // These are drawn as the resample's eight cell counts (label × candidate × baseline prediction) instead of n row
  // indices: another stream of draws, so the check is against numpy resampling rows, on the distribution.
  const random = createRandom(7);
  const count = 3001;
  const yTrue = Float64Array.from({ length: count }, () => (random() < 0.3 ? 1 : 0));
  const candidate = yTrue.map((label) => Math.min(1, Math.max(0, 0.5 + 0.25 * normal(random) + (label ? 0.1 : -0.1))));
  const baseline = yTrue.map((label) => Math.min(1, Math.max(0, 0.5 + 0.3 * normal(random) + (label ? 0.05 : -0.05))));
  candidate[5] = 0.35; // exactly on the threshold below: positive (score >= threshold)
  const resamples = 20_000;
  let reference: Record<string, { mean: number; sd: number; low: number; high: number; delta: number }>;
  beforeAll(async () => {
    reference = await runReference(
      `
import numpy as np
y, c, b = (np.asarray(data[k]) for k in ("y", "c", "b"))
pc, pb = (c >= 0.35).astype(int), (b >= 0.35).astype(int)
rng = np.random.default_rng(0)
def rates(y, p):
    tp, fp, fn = ((y == 1) & (p == 1)).sum(-1), ((y == 0) & (p == 1)).sum(-1), ((y == 1) & (p == 0)).sum(-1)
    div = lambda a, b: np.where(b > 0, a / np.maximum(b, 1), 0.0)  # sklearn's zero_division -> 0
    return {"accuracy": (y == p).mean(-1), "precision": div(tp, tp + fp), "recall": div(tp, tp + fn),
            "f1": div(2 * tp, 2 * tp + fp + fn)}
deltas = {name: [] for name in ("accuracy", "precision", "recall", "f1")}
for _ in range(data["resamples"] // 1000):
    i = rng.integers(0, len(y), (1000, len(y)))
    rc, rb = rates(y[i], pc[i]), rates(y[i], pb[i])
    for name in deltas:
        deltas[name].append(rc[name] - rb[name])
full_c, full_b = rates(y, pc), rates(y, pb)
result = {}
for name, parts in deltas.items():
    d = np.concatenate(parts)
    low, high = np.percentile(d, [5, 95])
    result[name] = {"mean": d.mean(), "sd": d.std(), "low": low, "high": high, "delta": float(full_c[name] - full_b[name])}
`,
      { y: Array.from(yTrue), c: Array.from(candidate), b: Array.from(baseline), resamples },
    );
  });
  test.each(['accuracy', 'precision', 'recall', 'f1'] as const)(
    '%s: the deltas follow numpy resampling rows (mean, sd and 90 percent interval within Monte Carlo error)',
    (metric) => {
      const options = { resamples, seed: 11, keepDeltas: true, threshold: 0.35, confidence: 0.9 };
      const counted = pairedBootstrap(yTrue, candidate, baseline, { ...options, metric, task: 'binary' });
      const expected = reference[metric]!;
      expect(counted.deltas).toHaveLength(resamples);
      expectClose(counted.delta, expected.delta, 1e-12);
      const deltas = counted.deltas!;
      const mean = deltas.reduce((sum, value) => sum + value, 0) / resamples;
      const sd = Math.sqrt(deltas.reduce((sum, value) => sum + (value - mean) ** 2, 0) / resamples);
      // Both sides are Monte Carlo estimates of B = 20,000: a mean differs by ~σ·√(2/B) ≈ 0.01σ, an sd by ~0.007σ
      // and a 5% or 95% quantile by ~0.03σ; the bounds are about five of those.
      expect(Math.abs(mean - expected.mean)).toBeLessThan(0.05 * expected.sd);
      expect(Math.abs(sd / expected.sd - 1)).toBeLessThan(0.035);
      expect(Math.abs(counted.low - expected.low)).toBeLessThan(0.15 * expected.sd);
      expect(Math.abs(counted.high - expected.high)).toBeLessThan(0.15 * expected.sd);
      expect(pairedBootstrap(yTrue, candidate, baseline, { ...options, metric, task: 'binary' })).toEqual(counted);
    },
  );

  test('pairedCellCounts counts each (label, candidate, baseline) cell', () => {
    expect(
      Array.from(pairedCellCounts([1, 1, 0, 0, 1], [0.9, 0.2, 0.5, 0.1, 0.5], [0.1, 0.8, 0.7, 0.2, 0.9], 0.5)),
    ).toEqual([1, 0, 0, 1, 0, 1, 1, 1]);
  });
});

test('createRandom draws the same sequence as always (resamples are reproducible across versions)', () => {
  const random = createRandom(20_260_101);
  const drawn: number[] = [];
  for (let index = 0; index < 1_000_000; index += 1) {
    const value = random();
    if (index < 3 || index === 999_999) drawn.push(value);
  }
  expect(drawn).toEqual([0.7353227631347607, 0.062007964473888455, 0.881675142982102, 0.5735093541906212]);
});

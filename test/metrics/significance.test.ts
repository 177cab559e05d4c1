import { beforeAll, describe, expect, test } from 'vitest';
import {
  binaryAccuracy,
  binaryF1,
  binaryLogLoss,
  binaryPrecision,
  binaryRecall,
  createRandom,
  drawBootstrapIndices,
  mcnemarTest,
  pairedBootstrap,
  rocAucScore,
} from '../../shared/src/metrics/index.js';
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

describe('paired bootstrap of a counting metric (accuracy, precision, recall, F1)', () => {
  // These are counted from each resample's multiplicities instead of gathered samples: the deltas must be the very
  // ones the gathered samples give (the metric passed as a function takes the general path).
  const random = createRandom(7);
  const count = 3001;
  const yTrue = Float64Array.from({ length: count }, () => (random() < 0.3 ? 1 : 0));
  const candidate = yTrue.map((label) => Math.min(1, Math.max(0, 0.5 + 0.25 * normal(random) + (label ? 0.1 : -0.1))));
  const baseline = yTrue.map((label) => Math.min(1, Math.max(0, 0.5 + 0.3 * normal(random) + (label ? 0.05 : -0.05))));
  candidate[5] = 0.35; // exactly on the threshold below: positive (score >= threshold)
  test.each([
    ['accuracy', binaryAccuracy],
    ['precision', binaryPrecision],
    ['recall', binaryRecall],
    ['f1', binaryF1],
  ] as const)('%s: the same deltas, interval and verdict as resampling the values', (metric, compute) => {
    const options = { resamples: 200, seed: 11, keepDeltas: true, threshold: 0.35 };
    const counted = pairedBootstrap(yTrue, candidate, baseline, { ...options, metric, task: 'binary' });
    const gathered = pairedBootstrap(yTrue, candidate, baseline, {
      ...options,
      metric: (labels, scores) => compute(labels, scores, { threshold: 0.35 }),
      direction: 'higher',
    });
    expect(counted.deltas).toHaveLength(200);
    expect(counted.deltas).toEqual(gathered.deltas);
    expect([counted.low, counted.high, counted.delta, counted.verdict]).toEqual([
      gathered.low,
      gathered.high,
      gathered.delta,
      gathered.verdict,
    ]);
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

import { beforeAll, describe, expect, test } from 'vitest';
import {
  type BinaryPartial,
  type BinaryPartialMetrics,
  type BinaryPartialOptions,
  binaryPartial,
  createRandom,
  mergePartials,
  metricsFromPartial,
  multiclassPartial,
  type RegressionPartial,
  regressionPartial,
} from '../../shared/src/metrics/index.js';
import { runReference } from '../support/python.js';
import { type BinaryCase, binaryCase, expectClose, expectScoresClose, normal } from './support.js';

/** Where shards start and end for cuts at the given fractions (two equal cuts make an empty shard). */
function shardBounds(length: number, cuts: number[]): number[] {
  return [0, ...cuts.map((cut) => Math.round(cut * length)), length];
}

function shards<T>(rows: T[], cuts: number[]): T[][] {
  const bounds = shardBounds(rows.length, cuts);
  return bounds.slice(1).map((end, index) => rows.slice(bounds[index], end));
}

const CUTS = [0.1, 0.1, 0.45, 0.8];

/** Shards → JSON (as they would travel between jobs) → merged partial. */
function mergedBinary(item: BinaryCase, options: BinaryPartialOptions = {}): BinaryPartial {
  const labelShards = shards(item.labels, CUTS);
  const scoreShards = shards(item.scores, CUTS);
  const partials = labelShards.map((labels, index) =>
    JSON.parse(JSON.stringify(binaryPartial(labels, Float64Array.from(scoreShards[index]!), options))),
  );
  return mergePartials(partials as BinaryPartial[]);
}

/** Scores on the grid k / 1024, heavily tied. */
function gridCase(size: number, seed: number): BinaryCase {
  const random = createRandom(seed);
  const labels: number[] = [];
  const scores: number[] = [];
  for (let index = 0; index < size; index += 1) {
    const label = random() < 0.3 ? 1 : 0;
    const score = Math.min(1, Math.max(0, 0.45 + 0.2 * normal(random) + (label ? 0.15 : 0)));
    labels.push(label);
    scores.push(Math.round(score * 1024) / 1024);
  }
  return { name: 'grid 1/1024', labels, scores };
}

const exactCases = [binaryCase(20_000, 0.2, 'decimals2', 11), binaryCase(3_000, 0.02, 'decimals1', 12)];
const continuous = binaryCase(60_000, 0.3, 'continuous', 13);
const grid = gridCase(30_000, 14);
const binaryCases = [...exactCases, continuous, grid];

interface SklearnBinary {
  roc_auc: number;
  pr_auc: number;
  log_loss: number;
  brier: number;
  accuracy: number;
  f1: number;
  confusion: number[];
}

let expected: SklearnBinary[];
beforeAll(async () => {
  expected = await runReference<SklearnBinary[]>(
    `
import numpy as np
from sklearn import metrics as M
result = []
for case in data:
    y, s = np.asarray(case["labels"]), np.asarray(case["scores"])
    p = (s >= 0.5).astype(int)
    result.append({
        "roc_auc": M.roc_auc_score(y, s), "pr_auc": M.average_precision_score(y, s),
        "log_loss": M.log_loss(y, s, labels=[0, 1]), "brier": M.brier_score_loss(y, s),
        "accuracy": M.accuracy_score(y, p), "f1": M.f1_score(y, p),
        "confusion": M.confusion_matrix(y, p, labels=[0, 1]).ravel().tolist(),
    })
`,
    binaryCases,
  );
});

function expectCountingMetrics(merged: BinaryPartialMetrics, reference: SklearnBinary) {
  const { tn, fp, fn, tp } = merged.confusion;
  expect([tn, fp, fn, tp]).toEqual(reference.confusion);
  expectClose(merged.accuracy, reference.accuracy);
  expectClose(merged.f1, reference.f1);
  expectClose(merged.logLoss, reference.log_loss);
  expectClose(merged.brier, reference.brier);
}

describe('binary partials', () => {
  test.each(exactCases.map((item, index) => [item.name, index] as const))(
    'exact score counts (%s) merge to sklearn on the whole data',
    (_, index) => {
      const merged = metricsFromPartial(mergedBinary(exactCases[index]!));
      const reference = expected[index]!;
      expect(merged.exact).toBe(true);
      expect(merged.rocAucErrorBound).toBe(0);
      expectClose(merged.rocAuc, reference.roc_auc);
      expectClose(merged.prAuc, reference.pr_auc);
      expectCountingMetrics(merged, reference);
    },
  );

  test('merging is associative: merging merged halves equals merging all shards', () => {
    const item = exactCases[0]!;
    const parts = shards(item.labels, CUTS).map((labels, index) =>
      binaryPartial(labels, shards(item.scores, CUTS)[index]!),
    );
    const flat = metricsFromPartial(mergePartials(parts));
    const nested = metricsFromPartial(mergePartials([mergePartials(parts.slice(0, 2)), mergePartials(parts.slice(2))]));
    // Sums of log loss and Brier terms may differ in the last bits with the order of addition.
    expect({ ...nested, logLoss: 0, brier: 0 }).toEqual({ ...flat, logLoss: 0, brier: 0 });
    expectClose(nested.logLoss, flat.logLoss!, 1e-15);
    expectClose(nested.brier, flat.brier!, 1e-15);
  });

  test.each([16, 256, 4096, 65_536])(
    'continuous scores in a histogram of %i steps: merged ROC AUC and PR AUC stay within their derived bounds',
    (resolution) => {
      const merged = metricsFromPartial(mergedBinary(continuous, { resolution }));
      const reference = expected[exactCases.length]!;
      expect(merged.exact).toBe(false);
      const aucError = Math.abs(merged.rocAuc - reference.roc_auc);
      const apError = Math.abs(merged.prAuc - reference.pr_auc);
      expect(aucError).toBeLessThanOrEqual(merged.rocAucErrorBound + 1e-12);
      expect(apError).toBeLessThanOrEqual(merged.prAucErrorBound + 1e-12);
      // The bound shrinks with the resolution: about ½·∫f+f−/resolution for these densities.
      expect(merged.rocAucErrorBound).toBeLessThan(2 / resolution);
      expectCountingMetrics(merged, reference);
    },
  );

  test('the coarsest grid really loses precision, so the bound is not vacuous', () => {
    const merged = metricsFromPartial(mergedBinary(continuous, { resolution: 16 }));
    expect(Math.abs(merged.rocAuc - expected[exactCases.length]!.roc_auc)).toBeGreaterThan(1e-6);
  });

  test('scores already on the grid give sklearn exactly even as a histogram', () => {
    const partial = mergedBinary(grid, { resolution: 1024, exactLimit: 10 });
    expect(partial.ranking.mode).toBe('histogram');
    const merged = metricsFromPartial(partial);
    const reference = expected[exactCases.length + 1]!;
    expect(merged.rocAucErrorBound).toBeGreaterThan(0);
    expectClose(merged.rocAuc, reference.roc_auc, 1e-12);
    expectClose(merged.prAuc, reference.pr_auc, 1e-12);
  });

  test('an exact shard and a histogram shard merge into a histogram', () => {
    const item = exactCases[0]!;
    const half = item.labels.length / 2;
    const merged = mergePartials([
      binaryPartial(item.labels.slice(0, half), item.scores.slice(0, half)),
      binaryPartial(item.labels.slice(half), item.scores.slice(half), { exactLimit: 0 }),
    ]);
    expect(merged.ranking.mode).toBe('histogram');
    // Two-decimal scores sit one per cell of the default 2^16 grid, so nothing is lost.
    expectClose(metricsFromPartial(merged).rocAuc, expected[0]!.roc_auc);
  });
});

test('multiclass partials merge to sklearn on the whole data', async () => {
  const random = createRandom(21);
  const classes = [0, 1, 2];
  const yTrue = Array.from({ length: 900 }, () => Math.floor(random() * 3));
  const yPred = yTrue.map((label) => (random() < 0.7 ? label : Math.floor(random() * 3)));
  const probabilities = yTrue.flatMap((label) => {
    const row = classes.map((column) => random() + (column === label ? 1 : 0));
    const sum = row.reduce((left, right) => left + right, 0);
    return row.map((value) => value / sum);
  });
  const bounds = shardBounds(yTrue.length, CUTS);
  const parts = shards(yTrue, CUTS).map((labels, index) =>
    multiclassPartial(labels, shards(yPred, CUTS)[index]!, {
      classes,
      probabilities: probabilities.slice(bounds[index]! * 3, bounds[index + 1]! * 3),
    }),
  );
  const merged = metricsFromPartial(mergePartials(parts));
  const reference = await runReference<{ accuracy: number; macro: number[]; log_loss: number; confusion: number[][] }>(
    `
import numpy as np
from sklearn import metrics as M
y, p = data["y"], data["p"]
result = {"accuracy": M.accuracy_score(y, p), "confusion": M.confusion_matrix(y, p).tolist(),
          "macro": [float(v) for v in M.precision_recall_fscore_support(y, p, average="macro")[:3]],
          "log_loss": M.log_loss(y, np.asarray(data["proba"]).reshape(-1, 3))}
`,
    { y: yTrue, p: yPred, proba: probabilities },
  );
  expect(merged.confusion.matrix).toEqual(reference.confusion);
  expectClose(merged.accuracy, reference.accuracy);
  expectScoresClose(merged.macro, reference.macro);
  expectClose(merged.logLoss, reference.log_loss);
});

test('regression partials merge to sklearn on the whole data (R² through Chan’s update)', async () => {
  const random = createRandom(31);
  const yTrue = Array.from({ length: 5_000 }, () => 1e4 + 50 * normal(random));
  const yPred = yTrue.map((value) => value + 10 * normal(random));
  const merged = metricsFromPartial(
    mergePartials(
      shards(yTrue, CUTS).map(
        (values, index) =>
          JSON.parse(JSON.stringify(regressionPartial(values, shards(yPred, CUTS)[index]!))) as RegressionPartial,
      ),
    ),
  );
  const reference = await runReference<Record<string, number>>(
    `
from sklearn import metrics as M
y, p = data["y"], data["p"]
result = {"mae": M.mean_absolute_error(y, p), "mse": M.mean_squared_error(y, p), "rmse": M.root_mean_squared_error(y, p),
          "r2": M.r2_score(y, p), "mape": M.mean_absolute_percentage_error(y, p)}
`,
    { y: yTrue, p: yPred },
  );
  for (const key of ['mae', 'mse', 'rmse', 'r2', 'mape'] as const) expectClose(merged[key], reference[key]!);
});

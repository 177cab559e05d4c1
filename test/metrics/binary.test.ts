import { beforeAll, describe, expect, test } from 'vitest';
import { sortDoubles } from '../../shared/src/index.js';
import {
  averagePrecisionScore,
  binaryAccuracy,
  binaryConfusionMatrix,
  binaryF1,
  binaryLogLoss,
  binaryMetrics,
  binaryPrecision,
  binaryRecall,
  brierScoreLoss,
  createRandom,
  rocAucScore,
} from '../../shared/src/metrics/index.js';
import { runReference } from '../support/python.js';
import { type BinaryCase, binaryCase, expectClose, type Ties } from './support.js';

interface SklearnBinary {
  roc_auc: number;
  average_precision: number;
  log_loss: number;
  brier: number;
  at: {
    threshold: number;
    inclusive: boolean;
    confusion: number[];
    accuracy: number;
    precision: number;
    recall: number;
    f1: number;
  }[];
}

/** Every binary metric of sklearn for each case and threshold, in one Python run. */
const SKLEARN_BINARY = `
import warnings
import numpy as np
from sklearn import metrics as M
warnings.simplefilter("ignore")
result = []
for case in data["cases"]:
    y = np.asarray(case["labels"], dtype=np.int32)
    s = np.asarray(case["scores"], dtype=np.float64)
    at = []
    for threshold, inclusive in data["thresholds"]:
        p = (s >= threshold if inclusive else s > threshold).astype(np.int32)
        at.append({
            "threshold": threshold, "inclusive": inclusive,
            "confusion": [int(v) for v in M.confusion_matrix(y, p, labels=[0, 1]).ravel()],
            "accuracy": M.accuracy_score(y, p), "precision": M.precision_score(y, p),
            "recall": M.recall_score(y, p), "f1": M.f1_score(y, p),
        })
    result.append({
        "roc_auc": M.roc_auc_score(y, s), "average_precision": M.average_precision_score(y, s),
        "log_loss": M.log_loss(y, s, labels=[0, 1]), "brier": M.brier_score_loss(y, s), "at": at,
    })
`;

const thresholds: [number, boolean][] = [
  [0.5, true],
  [0.5, false],
  [0.3, true],
  [0.99, true],
  [1.5, true], // nothing predicted positive: precision and F1 hit zero_division → 0.0
];

const sizes = [5, 120, 3_000, 40_000];
const rates = [0.5, 0.1, 0.01];
const tieKinds: Ties[] = ['continuous', 'decimals2', 'decimals1'];
const cases: BinaryCase[] = [];
for (const size of sizes) {
  for (const rate of rates) for (const ties of tieKinds) cases.push(binaryCase(size, rate, ties, cases.length + 1));
}
// Large enough that both classes take the radix-sort path (≥ 2^15 scores each).
cases.push(binaryCase(160_000, 0.4, 'continuous', 1_001), binaryCase(160_000, 0.4, 'decimals2', 1_002));

let expected: SklearnBinary[];
beforeAll(async () => {
  expected = await runReference<SklearnBinary[]>(SKLEARN_BINARY, { cases, thresholds });
});

describe('binary metrics equal scikit-learn 1.9.1 on generated predictions', () => {
  test.each(cases.map((item, index) => [item.name, index] as const))('%s', (_, index) => {
    const { labels, scores } = cases[index]!;
    const reference = expected[index]!;
    const yTrue = Int32Array.from(labels);
    const yScore = Float64Array.from(scores);
    expectClose(rocAucScore(yTrue, yScore), reference.roc_auc);
    expectClose(averagePrecisionScore(yTrue, yScore), reference.average_precision);
    expectClose(binaryLogLoss(yTrue, yScore), reference.log_loss);
    expectClose(brierScoreLoss(yTrue, yScore), reference.brier);
    for (const at of reference.at) {
      const options = { threshold: at.threshold, inclusive: at.inclusive };
      const { tn, fp, fn, tp } = binaryConfusionMatrix(yTrue, yScore, options);
      expect([tn, fp, fn, tp]).toEqual(at.confusion);
      expectClose(binaryAccuracy(yTrue, yScore, options), at.accuracy);
      expectClose(binaryPrecision(yTrue, yScore, options), at.precision);
      expectClose(binaryRecall(yTrue, yScore, options), at.recall);
      expectClose(binaryF1(yTrue, yScore, options), at.f1);
      const all = binaryMetrics(labels, scores, options);
      expect([all.confusion.tn, all.confusion.fp, all.confusion.fn, all.confusion.tp]).toEqual(at.confusion);
      expectClose(all.f1, at.f1);
      expectClose(all.rocAuc, reference.roc_auc);
      expectClose(all.prAuc, reference.average_precision);
      expectClose(all.logLoss, reference.log_loss);
      expectClose(all.brier, reference.brier);
    }
  });
});

test('a score equal to the threshold is positive by default (score >= threshold), negative with inclusive: false', () => {
  const yTrue = [1, 0, 1];
  const yScore = [0.5, 0.5, 0.2];
  expect(binaryConfusionMatrix(yTrue, yScore)).toEqual({ tn: 0, fp: 1, fn: 1, tp: 1 });
  expect(binaryConfusionMatrix(yTrue, yScore, { inclusive: false })).toEqual({ tn: 1, fp: 0, fn: 2, tp: 0 });
});

test('decision-function scores (outside [0, 1]) rank like sklearn and skip log loss and Brier', async () => {
  const { labels, scores } = binaryCase(2_000, 0.3, 'decimals1', 99);
  const logits = scores.map((score) => 10 * score - 4);
  const reference = await runReference<{ auc: number; ap: number }>(
    'from sklearn import metrics as M\nresult = {"auc": M.roc_auc_score(data["y"], data["s"]), "ap": M.average_precision_score(data["y"], data["s"])}',
    { y: labels, s: logits },
  );
  const all = binaryMetrics(labels, logits, { probabilities: false, threshold: 0 });
  expectClose(all.rocAuc, reference.auc);
  expectClose(all.prAuc, reference.ap);
  expect(all.logLoss).toBeUndefined();
  expect(all.brier).toBeUndefined();
});

const sortCases: [string, (random: () => number, index: number) => number][] = [
  [
    'signs, zeros, ties, huge and tiny values',
    (random, index) => {
      const kind = index % 6;
      if (kind === 0) return -0;
      if (kind === 1) return 0;
      if (kind === 2) return Math.round(random() * 100) / 100 - 0.5;
      if (kind === 3) return (random() - 0.5) * 1e300;
      if (kind === 4) return (random() - 0.5) * 1e-300;
      return random();
    },
  ],
  // 90% piled in a range a millionth of the whole.
  ['scores piled in a narrow range', (random, index) => (index % 10 === 0 ? random() : 0.7 + random() * 1e-6)],
  // A few zeros, +0 before −0 in the input: −0 must still come first.
  [
    'five signed zeros among scores either side of 0',
    (random, index) => (index % 20_000 === 7 ? (index % 40_000 === 7 ? 0 : -0) : random() - 0.5),
  ],
  ['sigmoid scores of a confident model', (random) => 1 / (1 + Math.exp(-12 * (random() - 0.5)))],
  ['a range of subnormal width', (random) => 5e-324 * Math.floor(random() * 50)],
  ['the full double range', (random) => (random() - 0.5) * Number.MAX_VALUE * 2],
];

test.each(sortCases)('sortDoubles orders 100,000 values exactly as the native sort: %s', (_, value) => {
  const random = createRandom(5);
  const values = Float64Array.from({ length: 100_000 }, (_, index) => value(random, index));
  const native = values.slice().sort();
  const sorted = sortDoubles(values.slice());
  expect(Array.from(sorted).map((item) => (Object.is(item, -0) ? '-0' : item))).toEqual(
    Array.from(native).map((item) => (Object.is(item, -0) ? '-0' : item)),
  );
});

import { beforeAll, describe, expect, test } from 'vitest';
import {
  accuracyScore,
  createRandom,
  multiclassConfusionMatrix,
  multiclassLogLoss,
  multiclassMetrics,
  precisionRecallF1,
} from '../../shared/src/metrics/index.js';
import { runReference } from '../support/python.js';
import { expectClose, expectScoresClose, normal } from './support.js';

interface MulticlassCase {
  name: string;
  classes: number[];
  yTrue: number[];
  yPred: number[];
  /** Row-major, columns in `classes` order. */
  probabilities: number[];
}

/** Imbalanced classes, probabilities from a softmax leaning to the true class, rounded for ties when asked. */
function multiclassCase(size: number, classes: number[], weights: number[], decimals: number | null, seed: number) {
  const random = createRandom(seed);
  const yTrue: number[] = [];
  const yPred: number[] = [];
  const probabilities: number[] = [];
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  for (let index = 0; index < size; index += 1) {
    let draw = random() * total;
    let position = 0;
    while (draw >= weights[position]! && position < classes.length - 1) draw -= weights[position++]!;
    const logits = classes.map((_, column) => normal(random) + (column === position ? 1.5 : 0));
    const exps = logits.map(Math.exp);
    const sum = exps.reduce((left, right) => left + right, 0);
    let row = exps.map((value) => value / sum);
    if (decimals !== null) row = row.map((value) => Math.round(value * 10 ** decimals) / 10 ** decimals);
    yTrue.push(classes[position]!);
    yPred.push(classes[row.indexOf(Math.max(...row))]!);
    probabilities.push(...row);
  }
  return { name: `n=${size} k=${classes.length} decimals=${decimals}`, classes, yTrue, yPred, probabilities };
}

const cases: MulticlassCase[] = [
  multiclassCase(30, [0, 1, 2], [1, 1, 1], null, 1),
  multiclassCase(2_000, [0, 1, 2, 3], [10, 5, 1, 0.2], 2, 2),
  multiclassCase(5_000, [3, 7, 11, 40, 41], [1, 3, 1, 0.1, 2], 1, 3),
  multiclassCase(20_000, [0, 1, 2], [50, 3, 1], null, 4),
];

interface SklearnMulticlass {
  accuracy: number;
  macro: [number, number, number];
  weighted: [number, number, number];
  per_class: [number[], number[], number[], number[]];
  confusion: number[][];
  log_loss: number;
}

let expected: SklearnMulticlass[];
beforeAll(async () => {
  expected = await runReference<SklearnMulticlass[]>(
    `
import warnings
import numpy as np
from sklearn import metrics as M
warnings.simplefilter("ignore")
result = []
for case in data:
    y, p, k = case["yTrue"], case["yPred"], len(case["classes"])
    proba = np.asarray(case["probabilities"]).reshape(-1, k)
    prf = lambda average: [float(v) for v in M.precision_recall_fscore_support(y, p, average=average)[:3]]
    per = M.precision_recall_fscore_support(y, p, average=None)
    result.append({
        "accuracy": M.accuracy_score(y, p), "macro": prf("macro"), "weighted": prf("weighted"),
        "per_class": [v.tolist() for v in per],
        "confusion": M.confusion_matrix(y, p).tolist(),
        "log_loss": M.log_loss(y, proba, labels=case["classes"]),
    })
`,
    cases,
  );
});

describe('multiclass metrics equal scikit-learn 1.9.1', () => {
  test.each(cases.map((item, index) => [item.name, index] as const))('%s', (_, index) => {
    const { classes, yTrue, yPred, probabilities } = cases[index]!;
    const reference = expected[index]!;
    expectClose(accuracyScore(Int32Array.from(yTrue), Int32Array.from(yPred)), reference.accuracy);
    const { macro, weighted, perClass } = precisionRecallF1(yTrue, yPred);
    expectScoresClose(macro, reference.macro);
    expectScoresClose(weighted, reference.weighted);
    perClass.forEach((scores, at) => {
      expectClose(scores.precision, reference.per_class[0][at]!);
      expectClose(scores.recall, reference.per_class[1][at]!);
      expectClose(scores.f1, reference.per_class[2][at]!);
      expect(scores.support).toBe(reference.per_class[3][at]);
    });
    expect(multiclassConfusionMatrix(yTrue, yPred).matrix).toEqual(reference.confusion);
    expectClose(multiclassLogLoss(yTrue, Float64Array.from(probabilities), classes), reference.log_loss);
    const columns = classes.map((_, column) =>
      Float64Array.from({ length: yTrue.length }, (__, row) => probabilities[row * classes.length + column]!),
    );
    const all = multiclassMetrics(yTrue, yPred, { classes, probabilities: columns });
    expectClose(all.logLoss, reference.log_loss);
    expectClose(all.macro.f1, reference.macro[2]);
  });
});

test('a class list fixes the matrix order and counts absent classes like sklearn labels=', async () => {
  const yTrue = [2, 0, 2, 2, 0, 1];
  const yPred = [0, 0, 2, 2, 0, 2];
  const classes = [2, 0, 1, 5];
  const reference = await runReference<{ confusion: number[][]; macro: number[]; weighted: number[] }>(
    `
import warnings
from sklearn import metrics as M
warnings.simplefilter("ignore")
y, p, labels = data["y"], data["p"], data["labels"]
prf = lambda average: [float(v) for v in M.precision_recall_fscore_support(y, p, labels=labels, average=average)[:3]]
result = {"confusion": M.confusion_matrix(y, p, labels=labels).tolist(), "macro": prf("macro"), "weighted": prf("weighted")}
`,
    { y: yTrue, p: yPred, labels: classes },
  );
  const all = multiclassMetrics(yTrue, yPred, { classes });
  expect(all.confusion.classes).toEqual(classes);
  expect(all.confusion.matrix).toEqual(reference.confusion);
  expectScoresClose(all.macro, reference.macro);
  expectScoresClose(all.weighted, reference.weighted);
});

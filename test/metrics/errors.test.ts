import { expect, test } from 'vitest';
import {
  averagePrecisionScore,
  binaryLogLoss,
  binaryMetrics,
  binaryPartial,
  brierScoreLoss,
  detectTask,
  meanAbsoluteError,
  mergePartials,
  metricDirection,
  metricFunction,
  metricsFromPartial,
  multiclassLogLoss,
  multiclassMetrics,
  pairedBootstrap,
  r2Score,
  rocAucScore,
} from '../../shared/src/metrics/index.js';
import { errorOf } from './support.js';

const cases: [string, () => unknown, string][] = [
  [
    'ROC AUC with only negatives',
    () => rocAucScore([0, 0, 0], [0.1, 0.2, 0.3]),
    'yTrue must hold both classes for ROC AUC, but all 3 examples are negatives (0) and the metric is undefined ' +
      '(sklearn returns NaN with a warning): evaluate on data that holds positive and negative examples.',
  ],
  [
    'PR AUC with only positives',
    () => averagePrecisionScore(Int32Array.of(1, 1), Float64Array.of(0.4, 0.6)),
    'yTrue must hold both classes for average precision (PR AUC), but all 2 examples are positives (1) and the ' +
      'metric is undefined (sklearn returns NaN with a warning): evaluate on data that holds positive and negative examples.',
  ],
  [
    'a NaN score',
    () => rocAucScore([0, 1, 1], [0.1, Number.NaN, 0.3]),
    'yScore[1] is NaN: yScore must hold finite numbers; drop or impute the rows without a valid value before computing metrics.',
  ],
  [
    'an infinite score',
    () => binaryMetrics([0, 1], [0.1, Number.POSITIVE_INFINITY], { probabilities: false }),
    'yScore[1] is Infinity: yScore must hold finite numbers; drop or impute the rows without a valid value before computing metrics.',
  ],
  [
    'a probability above 1',
    () => binaryLogLoss([0, 1], [0.1, 1.2]),
    "yProba[1] is 1.2, outside [0, 1]: this metric needs probabilities (e.g. predict_proba's column), not " +
      'decision-function scores or logits.',
  ],
  [
    'a negative probability',
    () => brierScoreLoss([0, 1], [-0.5, 0.5]),
    "yProba[0] is -0.5, outside [0, 1]: this metric needs probabilities (e.g. predict_proba's column), not " +
      'decision-function scores or logits.',
  ],
  [
    'a probability matrix value above 1',
    () => multiclassLogLoss([0, 1], [0.5, 0.5, -0.1, 1.1], [0, 1]),
    "probabilities row 1, column 0 is -0.1, outside [0, 1]: this metric needs probabilities (e.g. predict_proba's " +
      'column), not decision-function scores or logits.',
  ],
  [
    'a length mismatch',
    () => binaryMetrics([0, 1, 1], [0.2, 0.9]),
    'length mismatch: yTrue has 3 values but yProba has 2; pass exactly one prediction per example, in the same order.',
  ],
  [
    'a regression length mismatch',
    () => meanAbsoluteError([1, 2], [1, 2, 3]),
    'length mismatch: yTrue has 2 values but yPred has 3; pass exactly one prediction per example, in the same order.',
  ],
  [
    'empty input',
    () => rocAucScore([], []),
    'yTrue is empty: metrics need at least one example; check the evaluation data.',
  ],
  [
    'a label that is not 0/1',
    () => binaryMetrics([0, 2, 1], [0.1, 0.2, 0.3]),
    'yTrue[1] is 2: binary metrics need labels 0 (negative) and 1 (positive); map the positive class to 1, or use the multiclass metrics.',
  ],
  [
    'a predicted label outside the class list',
    () => multiclassMetrics([0, 1, 2], [0, 1, 3], { classes: [0, 1, 2] }),
    'yPred[2] is 3, which is not in classes [0, 1, 2]: add it to the class list or fix the label.',
  ],
  [
    'a probability matrix of the wrong shape',
    () => multiclassLogLoss([0, 1, 2], [0.2, 0.8, 0.5, 0.5], [0, 1, 2]),
    'probabilities has 4 values but 3 examples × 3 classes need 9: pass a row-major matrix with one column per class, or an array of columns.',
  ],
  [
    'a single-class log loss',
    () => multiclassLogLoss([0, 0], [[1, 1]], [0]),
    'log loss needs at least two classes, got [0]: list every class the model can predict.',
  ],
  [
    'R² on one example',
    () => r2Score([1], [2]),
    'R² needs at least two examples, got 1: it is undefined (sklearn returns NaN); evaluate on more data.',
  ],
  [
    'a non-finite threshold',
    () => binaryMetrics([0, 1], [0.2, 0.8], { threshold: Number.NaN }),
    'threshold must be a finite number, got NaN.',
  ],
  [
    'an unknown metric name',
    () => metricDirection('auc'),
    "unknown metric 'auc': the built-in metrics are accuracy, precision, recall, f1, roc_auc, pr_auc, log_loss, brier, " +
      'precision_macro, recall_macro, f1_macro, precision_weighted, recall_weighted, f1_weighted, mae, mse, rmse, r2, ' +
      'mape, median_absolute_error.',
  ],
  [
    'a metric of another task',
    () => metricFunction('r2', 'binary'),
    "metric 'r2' does not apply to one prediction column of a binary model; use one of accuracy, precision, recall, " +
      'f1, roc_auc, pr_auc, log_loss, brier.',
  ],
  [
    'no columns to detect a task from',
    () => detectTask({}),
    'cannot tell the task: no labels, predictions or score columns were given; provide the label column and a prediction or score column.',
  ],
  [
    'merging partials of different thresholds',
    () => mergePartials([binaryPartial([0, 1], [0.2, 0.8]), binaryPartial([0, 1], [0.2, 0.8], { threshold: 0.4 })]),
    'cannot merge partials with different threshold (0.5 and 0.4): compute every shard with the same options.',
  ],
  [
    'merged shards with one class only',
    () => metricsFromPartial(mergePartials([binaryPartial([0], [0.2]), binaryPartial([0, 0], [0.3, 0.1])])),
    'the merged labels must hold both classes for ROC AUC and PR AUC, but all 3 examples are negatives (0) and the ' +
      'metric is undefined (sklearn returns NaN with a warning): evaluate on data that holds positive and negative examples.',
  ],
  [
    'many distinct logits outside the histogram range',
    () => binaryPartial([0, 1, 0, 1], [-3, 2, 5, 7], { probabilities: false, exactLimit: 2 }),
    "score -3 is outside the histogram range [0,1] and this shard's 4 distinct scores are more than exactLimit (2) can " +
      "keep exactly: pass a range that covers every shard's scores (the same on all shards), or a larger exactLimit.",
  ],
  [
    'bootstrap by metric name without a task',
    () => pairedBootstrap([0, 1], [0.2, 0.8], [0.3, 0.7], { metric: 'roc_auc' }),
    "metric 'roc_auc' is given by name, so the task is needed: pass task 'binary', 'multiclass' or 'regression'.",
  ],
];

test.each(cases)('%s is refused with a message saying what is wrong and what would be right', (_, work, message) => {
  expect(errorOf(work).message).toBe(message);
});

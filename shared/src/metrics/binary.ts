import { accumulateSorted, RankingAccumulator, sortedScoresByClass } from './ranking.js';
import {
  assertBothClasses,
  assertFinite,
  assertFiniteOption,
  assertPaired,
  assertProbabilities,
  CompensatedSum,
  countBinaryLabels,
  divideOrZero,
  type Labels,
  type Values,
} from './validate.js';

/**
 * Binary metrics over labels 0/1 and one score per example (the positive class's probability or any score).
 *
 * Threshold convention: an example is predicted positive when `score >= threshold` (default 0.5). This is
 * sklearn's own convention for thresholds: `FixedThresholdClassifier` predicts `y_score >= threshold`, and
 * `roc_curve` / `precision_recall_curve` / `confusion_matrix_at_thresholds` count `score >= thresholds[i]` as
 * positive. Note that `estimator.predict` of sklearn's binary classifiers is strict instead (decision_function > 0,
 * i.e. probability > 0.5, and argmax of predict_proba gives class 0 on an exact 0.5 tie): scores of exactly 0.5 are
 * positive here and negative there. Pass `inclusive: false` for the strict `score > threshold`.
 *
 * zero_division: as sklearn's default `zero_division="warn"`, a precision, recall or F1 whose denominator is zero
 * (no predicted positives, no actual positives, neither) is 0.0. sklearn also emits an UndefinedMetricWarning; we
 * return the number only, and callers that care can inspect the confusion counts.
 */
export interface ThresholdOptions {
  /** Scores at or above it are predicted positive (default 0.5). */
  threshold?: number;
  /** `true` (default): `score >= threshold` is positive; `false`: `score > threshold`. */
  inclusive?: boolean;
}

/** sklearn's confusion_matrix layout: rows are the true class, columns the predicted class, class 0 first. */
export interface BinaryConfusion {
  tn: number;
  fp: number;
  fn: number;
  tp: number;
}

export interface BinaryMetrics {
  count: number;
  positives: number;
  threshold: number;
  confusion: BinaryConfusion;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** sklearn roc_auc_score. */
  rocAuc: number;
  /** sklearn average_precision_score. */
  prAuc: number;
  /** sklearn log_loss(labels=[0, 1]); undefined when `probabilities: false`. */
  logLoss?: number;
  /** sklearn brier_score_loss; undefined when `probabilities: false`. */
  brier?: number;
}

export interface BinaryMetricsOptions extends ThresholdOptions {
  /** Scores are probabilities in [0, 1] (default true): validated as such, and log loss and Brier are computed. */
  probabilities?: boolean;
}

/** The float64 machine epsilon: sklearn 1.9 clips probabilities to [eps, 1 − eps] (eps of the input's dtype). */
export const LOG_LOSS_EPS = 2 ** -52;

function checkedBinary(yTrue: Labels, yScore: Values, scoreName: string): number {
  assertPaired('yTrue', yTrue, scoreName, yScore);
  const positives = countBinaryLabels('yTrue', yTrue);
  assertFinite(scoreName, yScore);
  return positives;
}

function resolveThreshold(options: ThresholdOptions): { threshold: number; inclusive: boolean } {
  const threshold = options.threshold ?? 0.5;
  assertFiniteOption('threshold', threshold);
  return { threshold, inclusive: options.inclusive ?? true };
}

function countConfusion(yTrue: Labels, yScore: Values, threshold: number, inclusive: boolean): BinaryConfusion {
  let tp = 0;
  let fp = 0;
  let predictedPositives = 0;
  let positives = 0;
  for (let index = 0; index < yTrue.length; index += 1) {
    const score = yScore[index]!;
    const predicted = inclusive ? score >= threshold : score > threshold;
    const actual = yTrue[index] === 1;
    if (actual) positives += 1;
    if (predicted) {
      predictedPositives += 1;
      if (actual) tp += 1;
    }
  }
  fp = predictedPositives - tp;
  return { tn: yTrue.length - positives - fp, fp, fn: positives - tp, tp };
}

/** Accuracy, precision, recall and F1 from confusion counts, with sklearn's zero_division="warn" → 0.0. */
export function ratesFromConfusion(confusion: BinaryConfusion): {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
} {
  const { tn, fp, fn, tp } = confusion;
  return {
    accuracy: (tp + tn) / (tn + fp + fn + tp),
    precision: divideOrZero(tp, tp + fp),
    recall: divideOrZero(tp, tp + fn),
    // sklearn ≥ 1.3 computes F1 as 2·tp / (2·tp + fp + fn), not from the rounded precision and recall.
    f1: divideOrZero(2 * tp, 2 * tp + fp + fn),
  };
}

/** Confusion counts at a threshold (`score >= 0.5` by default); equals sklearn confusion_matrix(y, y_score >= t). */
export function binaryConfusionMatrix(yTrue: Labels, yScore: Values, options: ThresholdOptions = {}): BinaryConfusion {
  checkedBinary(yTrue, yScore, 'yScore');
  const { threshold, inclusive } = resolveThreshold(options);
  return countConfusion(yTrue, yScore, threshold, inclusive);
}

export function binaryAccuracy(yTrue: Labels, yScore: Values, options: ThresholdOptions = {}): number {
  return ratesFromConfusion(binaryConfusionMatrix(yTrue, yScore, options)).accuracy;
}

export function binaryPrecision(yTrue: Labels, yScore: Values, options: ThresholdOptions = {}): number {
  return ratesFromConfusion(binaryConfusionMatrix(yTrue, yScore, options)).precision;
}

export function binaryRecall(yTrue: Labels, yScore: Values, options: ThresholdOptions = {}): number {
  return ratesFromConfusion(binaryConfusionMatrix(yTrue, yScore, options)).recall;
}

export function binaryF1(yTrue: Labels, yScore: Values, options: ThresholdOptions = {}): number {
  return ratesFromConfusion(binaryConfusionMatrix(yTrue, yScore, options)).f1;
}

function ranking(yTrue: Labels, yScore: Values, positives: number): RankingAccumulator {
  const { positive, negative } = sortedScoresByClass(yTrue, yScore, positives);
  const accumulator = new RankingAccumulator();
  accumulateSorted(positive, negative, accumulator);
  return accumulator;
}

/** sklearn roc_auc_score for binary labels: exact, ties as sklearn (a tied positive-negative pair counts ½). */
export function rocAucScore(yTrue: Labels, yScore: Values): number {
  const positives = checkedBinary(yTrue, yScore, 'yScore');
  assertBothClasses('ROC AUC', 'yTrue', positives, yTrue.length);
  return ranking(yTrue, yScore, positives).rocAuc();
}

/** sklearn average_precision_score (the PR AUC): step-wise, one step per distinct score. */
export function averagePrecisionScore(yTrue: Labels, yScore: Values): number {
  const positives = checkedBinary(yTrue, yScore, 'yScore');
  assertBothClasses('average precision (PR AUC)', 'yTrue', positives, yTrue.length);
  return ranking(yTrue, yScore, positives).averagePrecision();
}

/** −log of the clipped probability given to the true class; sklearn forms 1 − p first, then clips both columns. */
export function binaryLogLossTerm(label: number, probability: number): number {
  const forTrueClass = label === 1 ? probability : 1 - probability;
  const clipped =
    forTrueClass < LOG_LOSS_EPS ? LOG_LOSS_EPS : forTrueClass > 1 - LOG_LOSS_EPS ? 1 - LOG_LOSS_EPS : forTrueClass;
  return -Math.log(clipped);
}

/**
 * sklearn 1.9.1 log_loss(y_true, y_proba, labels=[0, 1]): probabilities clipped to [eps, 1 − eps] with eps the
 * float64 machine epsilon (2^-52), natural log, mean over examples. One class present is allowed (labels are
 * always {0, 1} here), as with sklearn given labels=[0, 1].
 */
export function binaryLogLoss(yTrue: Labels, yProba: Values): number {
  checkedBinary(yTrue, yProba, 'yProba');
  assertProbabilities('yProba', yProba);
  const sum = new CompensatedSum();
  for (let index = 0; index < yTrue.length; index += 1) sum.add(binaryLogLossTerm(yTrue[index]!, yProba[index]!));
  return sum.value / yTrue.length;
}

/** sklearn brier_score_loss for binary labels: mean squared difference between label and probability. */
export function brierScoreLoss(yTrue: Labels, yProba: Values): number {
  checkedBinary(yTrue, yProba, 'yProba');
  assertProbabilities('yProba', yProba);
  const sum = new CompensatedSum();
  for (let index = 0; index < yTrue.length; index += 1) {
    const difference = yTrue[index]! - yProba[index]!;
    sum.add(difference * difference);
  }
  return sum.value / yTrue.length;
}

/**
 * Every binary metric in one validation pass and one sort (the fast path for large evaluations).
 * Needs both classes (ROC AUC and PR AUC are undefined otherwise).
 */
export function binaryMetrics(yTrue: Labels, yScore: Values, options: BinaryMetricsOptions = {}): BinaryMetrics {
  const probabilities = options.probabilities ?? true;
  const scoreName = probabilities ? 'yProba' : 'yScore';
  const positives = checkedBinary(yTrue, yScore, scoreName);
  assertBothClasses('ROC AUC and PR AUC', 'yTrue', positives, yTrue.length);
  if (probabilities) assertProbabilities(scoreName, yScore);
  const { threshold, inclusive } = resolveThreshold(options);
  const confusion = countConfusion(yTrue, yScore, threshold, inclusive);
  const accumulator = ranking(yTrue, yScore, positives);
  const result: BinaryMetrics = {
    count: yTrue.length,
    positives,
    threshold,
    confusion,
    ...ratesFromConfusion(confusion),
    rocAuc: accumulator.rocAuc(),
    prAuc: accumulator.averagePrecision(),
  };
  if (probabilities) {
    const logLoss = new CompensatedSum();
    const brier = new CompensatedSum();
    for (let index = 0; index < yTrue.length; index += 1) {
      const label = yTrue[index]!;
      const probability = yScore[index]!;
      logLoss.add(binaryLogLossTerm(label, probability));
      const difference = label - probability;
      brier.add(difference * difference);
    }
    result.logLoss = logLoss.value / yTrue.length;
    result.brier = brier.value / yTrue.length;
  }
  return result;
}

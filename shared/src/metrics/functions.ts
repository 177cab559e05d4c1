import { ConfigurationError } from '../errors/index.js';
import {
  averagePrecisionScore,
  binaryAccuracy,
  binaryF1,
  binaryLogLoss,
  binaryPrecision,
  binaryRecall,
  brierScoreLoss,
  rocAucScore,
  type ThresholdOptions,
} from './binary.js';
import { BUILTIN_METRICS, type BuiltinMetricName, builtinMetric } from './directions.js';
import { accuracyScore, precisionRecallF1 } from './multiclass.js';
import {
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredError,
  medianAbsoluteError,
  r2Score,
  rootMeanSquaredError,
} from './regression.js';
import type { ModelTask } from './task.js';
import type { Values } from './validate.js';

/**
 * A metric of one prediction column against the truth: binary metrics take the positive class's score, multiclass
 * metrics the predicted labels, regression metrics the predicted values.
 */
export type MetricFunction = (yTrue: Values, prediction: Values) => number;

function forBinary(name: BuiltinMetricName, options: ThresholdOptions): MetricFunction | undefined {
  switch (name) {
    case 'accuracy':
      return (yTrue, yScore) => binaryAccuracy(yTrue, yScore, options);
    case 'precision':
      return (yTrue, yScore) => binaryPrecision(yTrue, yScore, options);
    case 'recall':
      return (yTrue, yScore) => binaryRecall(yTrue, yScore, options);
    case 'f1':
      return (yTrue, yScore) => binaryF1(yTrue, yScore, options);
    case 'roc_auc':
      return rocAucScore;
    case 'pr_auc':
      return averagePrecisionScore;
    case 'log_loss':
      return binaryLogLoss;
    case 'brier':
      return brierScoreLoss;
    default:
      return undefined;
  }
}

function forMulticlass(name: BuiltinMetricName): MetricFunction | undefined {
  if (name === 'accuracy') return accuracyScore;
  const averaged = /^(precision|recall|f1)_(macro|weighted)$/.exec(name);
  if (averaged === null) return undefined;
  const [, score, average] = averaged as unknown as [string, 'precision' | 'recall' | 'f1', 'macro' | 'weighted'];
  return (yTrue, yPred) => precisionRecallF1(yTrue, yPred)[average][score];
}

const REGRESSION: Partial<Record<BuiltinMetricName, MetricFunction>> = {
  mae: meanAbsoluteError,
  mse: meanSquaredError,
  rmse: rootMeanSquaredError,
  r2: r2Score,
  mape: meanAbsolutePercentageError,
  median_absolute_error: medianAbsoluteError,
};

/**
 * The function computing a built-in metric for a task, e.g. to bootstrap it. Multiclass log loss needs the whole
 * probability matrix and is not a single-column metric: use multiclassLogLoss directly.
 */
export function metricFunction(name: string, task: ModelTask, options: ThresholdOptions = {}): MetricFunction {
  const metric = builtinMetric(name);
  const found =
    task === 'binary' ? forBinary(metric, options) : task === 'multiclass' ? forMulticlass(metric) : REGRESSION[metric];
  if (found === undefined) {
    const fitting = (Object.keys(BUILTIN_METRICS) as BuiltinMetricName[]).filter(
      (candidate) =>
        (BUILTIN_METRICS[candidate].tasks as readonly ModelTask[]).includes(task) &&
        !(task === 'multiclass' && candidate === 'log_loss'),
    );
    throw new ConfigurationError(
      `metric '${metric}' does not apply to one prediction column of a ${task} model; ` +
        `use one of ${fitting.join(', ')}.`,
    );
  }
  return found;
}

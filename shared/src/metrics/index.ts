// Model metrics from predictions, equal to scikit-learn 1.9.1 (each module states the conventions it follows).
// Only the public API is re-exported: internal helpers (validation, compensated sums, special functions, counting
// kernels) stay module-private so that `export *` from shared/src/index.ts cannot clash with other concerns.
export {
  averagePrecisionScore,
  type BinaryConfusion,
  type BinaryMetrics,
  type BinaryMetricsOptions,
  binaryAccuracy,
  binaryConfusionMatrix,
  binaryF1,
  binaryLogLoss,
  binaryMetrics,
  binaryPrecision,
  binaryRecall,
  brierScoreLoss,
  LOG_LOSS_EPS,
  ratesFromConfusion,
  rocAucScore,
  type ThresholdOptions,
} from './binary.js';
export {
  BUILTIN_METRICS,
  type BuiltinMetric,
  type BuiltinMetricName,
  builtinMetric,
  isBuiltinMetric,
  type MetricDirection,
  metricDirection,
  metricsForTask,
} from './directions.js';
export { type MetricFunction, metricFunction } from './functions.js';
export {
  type AveragedScores,
  accuracyScore,
  type ClassOptions,
  type MulticlassConfusion,
  type MulticlassMetrics,
  type MulticlassMetricsOptions,
  multiclassConfusionMatrix,
  multiclassLogLoss,
  multiclassMetrics,
  type PerClassScores,
  type ProbabilityMatrix,
  precisionRecallF1,
  scoresFromConfusion,
  uniqueLabels,
} from './multiclass.js';
export {
  type BinaryPartial,
  type BinaryPartialMetrics,
  type BinaryPartialOptions,
  binaryPartial,
  type ExactScoreCounts,
  type MetricsPartial,
  type MulticlassPartial,
  type MulticlassPartialMetrics,
  mergePartials,
  metricsFromPartial,
  multiclassPartial,
  type RankingSettings,
  type RegressionPartial,
  type RegressionPartialMetrics,
  regressionPartial,
  type ScoreHistogram,
} from './partials.js';
export { drawBinomial, drawMultinomial, SeededRandom } from './random.js';
export {
  MAPE_EPS,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredError,
  medianAbsoluteError,
  type RegressionMetrics,
  r2Score,
  regressionMetrics,
  rootMeanSquaredError,
} from './regression.js';
export {
  type ChangeVerdict,
  createRandom,
  drawBootstrapIndices,
  type McNemarOptions,
  type McNemarResult,
  mcnemarFromDiscordant,
  mcnemarTest,
  type PairedBootstrapOptions,
  type PairedBootstrapResult,
  pairedBootstrap,
  pairedCellCounts,
  percentileOfSorted,
} from './significance.js';
export { type DetectedTask, detectTask, type ModelTask, type TaskColumns } from './task.js';
export type { Labels, Values } from './validate.js';

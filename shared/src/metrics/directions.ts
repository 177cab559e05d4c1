import { ConfigurationError } from '../errors/index.js';
import type { ModelTask } from './task.js';

export type MetricDirection = 'higher' | 'lower';

export interface BuiltinMetric {
  /** Which way is better. */
  direction: MetricDirection;
  /** The tasks the metric applies to. */
  tasks: readonly ModelTask[];
  /** The scikit-learn function it equals. */
  sklearn: string;
}

/** Built-in metrics by the name users write in configuration, with their direction and sklearn counterpart. */
export const BUILTIN_METRICS = {
  accuracy: { direction: 'higher', tasks: ['binary', 'multiclass'], sklearn: 'accuracy_score' },
  precision: { direction: 'higher', tasks: ['binary'], sklearn: 'precision_score' },
  recall: { direction: 'higher', tasks: ['binary'], sklearn: 'recall_score' },
  f1: { direction: 'higher', tasks: ['binary'], sklearn: 'f1_score' },
  roc_auc: { direction: 'higher', tasks: ['binary'], sklearn: 'roc_auc_score' },
  pr_auc: { direction: 'higher', tasks: ['binary'], sklearn: 'average_precision_score' },
  log_loss: { direction: 'lower', tasks: ['binary', 'multiclass'], sklearn: 'log_loss' },
  brier: { direction: 'lower', tasks: ['binary'], sklearn: 'brier_score_loss' },
  precision_macro: { direction: 'higher', tasks: ['multiclass'], sklearn: "precision_score(average='macro')" },
  recall_macro: { direction: 'higher', tasks: ['multiclass'], sklearn: "recall_score(average='macro')" },
  f1_macro: { direction: 'higher', tasks: ['multiclass'], sklearn: "f1_score(average='macro')" },
  precision_weighted: { direction: 'higher', tasks: ['multiclass'], sklearn: "precision_score(average='weighted')" },
  recall_weighted: { direction: 'higher', tasks: ['multiclass'], sklearn: "recall_score(average='weighted')" },
  f1_weighted: { direction: 'higher', tasks: ['multiclass'], sklearn: "f1_score(average='weighted')" },
  mae: { direction: 'lower', tasks: ['regression'], sklearn: 'mean_absolute_error' },
  mse: { direction: 'lower', tasks: ['regression'], sklearn: 'mean_squared_error' },
  rmse: { direction: 'lower', tasks: ['regression'], sklearn: 'root_mean_squared_error' },
  r2: { direction: 'higher', tasks: ['regression'], sklearn: 'r2_score' },
  mape: { direction: 'lower', tasks: ['regression'], sklearn: 'mean_absolute_percentage_error' },
  median_absolute_error: { direction: 'lower', tasks: ['regression'], sklearn: 'median_absolute_error' },
} as const satisfies Record<string, BuiltinMetric>;

export type BuiltinMetricName = keyof typeof BUILTIN_METRICS;

export function isBuiltinMetric(name: string): name is BuiltinMetricName {
  return Object.hasOwn(BUILTIN_METRICS, name);
}

/** Checks that `name` is a built-in metric; an unknown name is a configuration mistake. */
export function builtinMetric(name: string): BuiltinMetricName {
  if (!isBuiltinMetric(name)) {
    throw new ConfigurationError(
      `unknown metric '${name}': the built-in metrics are ${Object.keys(BUILTIN_METRICS).join(', ')}.`,
    );
  }
  return name;
}

/** The direction of a built-in metric. */
export function metricDirection(name: string): MetricDirection {
  return BUILTIN_METRICS[builtinMetric(name)].direction;
}

/** The built-in metric names that apply to a task, in table order. */
export function metricsForTask(task: ModelTask): BuiltinMetricName[] {
  return (Object.keys(BUILTIN_METRICS) as BuiltinMetricName[]).filter((name) =>
    (BUILTIN_METRICS[name].tasks as readonly ModelTask[]).includes(task),
  );
}

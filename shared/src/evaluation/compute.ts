import { ConfigurationError, isConfigurationError } from '../errors/index.js';
import {
  type BinaryMetrics,
  binaryConfusionMatrix,
  binaryLogLoss,
  binaryMetrics,
  binaryPartial,
  brierScoreLoss,
  detectTask,
  type MetricsPartial,
  type ModelTask,
  type MulticlassMetrics,
  metricFunction,
  metricsForTask,
  metricsFromPartial,
  multiclassMetrics,
  multiclassPartial,
  ratesFromConfusion,
  regressionMetrics,
  regressionPartial,
  uniqueLabels,
} from '../metrics/index.js';
import type { FlatMetrics } from './metric-files.js';
import type { PredictionColumns } from './predictions.js';

export interface ConfusionTable {
  /** Class names, rows are the true class and columns the predicted class in this order. */
  labels: string[];
  matrix: number[][];
}

export interface PerClassRow {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** The metrics of one model on one data set, flat by the names users write in the tests file. */
export interface ModelEvaluation {
  task: ModelTask;
  /** Why this task: given, or what decided the detection. */
  taskReason: string;
  count: number;
  metrics: FlatMetrics;
  confusion?: ConfusionTable;
  perClass?: PerClassRow[];
  threshold?: number;
  /** Remarks a reader should know (hard predictions used as scores, merged AUC bound …). */
  notes: string[];
  /** Mergeable statistics of the same rows (for shards and for the baseline artifact). */
  partial?: MetricsPartial;
}

/** The columns a metric compares, per task, after the roles were resolved. */
export interface ResolvedColumns {
  task: ModelTask;
  taskReason: string;
  labels: Float64Array;
  /** Binary: the positive class's score; multiclass: predicted class codes; regression: predicted values. */
  predictions: Float64Array;
  /** Binary: scores are probabilities. */
  probabilities: boolean;
  /** Multiclass: one column per class, in the order of `classes`. */
  probabilityColumns?: Float64Array[];
  /** Multiclass and binary: class values (codes or the numbers themselves) and their names. */
  classes?: number[];
  classNames?: string[];
  notes: string[];
  /** Binary: the prediction column disagrees with score ≥ threshold, which the metrics use; said once, as a warning. */
  predictionMismatch?: string;
}

export interface EvaluateOptions {
  task?: ModelTask;
  threshold: number;
}

function columnError(input: string, message: string): ConfigurationError {
  return new ConfigurationError(`Input '${input}': ${message}`, { input });
}

function allWithin(values: Float64Array, low: number, high: number): boolean {
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index]!;
    if (value < low || value > high) return false;
  }
  return true;
}

function argmax(columns: readonly Float64Array[], classes: readonly number[], rows: number): Float64Array {
  const predicted = new Float64Array(rows);
  for (let row = 0; row < rows; row += 1) {
    let best = 0;
    for (let column = 1; column < columns.length; column += 1) {
      if (columns[column]![row]! > columns[best]![row]!) best = column;
    }
    predicted[row] = classes[best]!;
  }
  return predicted;
}

function labelName(value: number, names: readonly string[] | undefined): string {
  return names ? (names[value] ?? String(value)) : String(value);
}

/**
 * Binary metrics count `score ≥ threshold` as a positive; a prediction column made with another threshold (or by
 * another model) disagrees with that. Undefined when every row agrees.
 */
export function describePredictionMismatch(
  predictions: Float64Array,
  scores: Float64Array,
  threshold: number,
  names: { prediction?: string; score?: string },
): string | undefined {
  let count = 0;
  let first = -1;
  for (let index = 0; index < predictions.length; index += 1) {
    if ((predictions[index] === 1) !== scores[index]! >= threshold) {
      count += 1;
      if (first < 0) first = index;
    }
  }
  if (count === 0) return undefined;
  const prediction = names.prediction ?? 'prediction';
  const score = names.score ?? 'score';
  return (
    `Column '${prediction}' disagrees with ${score} ≥ ${threshold} on ${count} of ${predictions.length} rows ` +
    `(first: row ${first + 1}, ${prediction} ${predictions[first]}, ${score} ${scores[first]}). The metrics use ` +
    `${score} ≥ ${threshold}; set 'threshold' to the one the model predicts with, or drop the '${prediction}' column.`
  );
}

/** Decides the task and which column plays which role; every mismatch is a configuration error. */
export function resolveColumns(columns: PredictionColumns, options: EvaluateOptions): ResolvedColumns {
  const notes: string[] = [];
  const probabilityCount = columns.probabilities?.length ?? 0;
  const detected = options.task
    ? { task: options.task, reason: `given as input 'task'` }
    : detectTask({
        labels: columns.labels,
        ...(columns.predictions ? { predictions: columns.predictions } : {}),
        ...(columns.scores
          ? { scores: [columns.scores] }
          : columns.probabilities
            ? { scores: columns.probabilities }
            : {}),
      });
  const base = { task: detected.task, taskReason: detected.reason, labels: columns.labels, notes };

  if (detected.task === 'regression') {
    if (!columns.predictions) {
      throw columnError('prediction-column', 'regression metrics need the predicted values: name their column.');
    }
    if (columns.classes) {
      throw columnError('label-column', `column '${columns.columns.label}' holds text, not regression targets.`);
    }
    return { ...base, predictions: columns.predictions, probabilities: false };
  }

  if (detected.task === 'binary') {
    if (columns.classes) {
      throw columnError(
        'label-column',
        `column '${columns.columns.label}' holds text labels (${columns.classes.slice(0, 4).join(', ')}); binary ` +
          "metrics need labels 0/1 (or true/false) to know the positive class: map them, or set 'task: multiclass'.",
      );
    }
    for (let index = 0; index < columns.labels.length; index += 1) {
      const label = columns.labels[index]!;
      if (label !== 0 && label !== 1) {
        throw columnError(
          'label-column',
          `row ${index + 1} of column '${columns.columns.label}' is ${label}; binary metrics need labels 0 and 1 ` +
            "(map the positive class to 1, or set 'task: multiclass').",
        );
      }
    }
    let scores = columns.scores;
    if (!scores && columns.probabilities) {
      const positive = columns.probabilityClasses?.findIndex((name) => name === '1' || name.toLowerCase() === 'true');
      if (positive === undefined || positive < 0) {
        throw columnError(
          'probability-columns',
          `a binary model needs the positive class's probability column; found columns for classes ${columns.probabilityClasses?.join(', ')}.`,
        );
      }
      scores = columns.probabilities[positive];
    }
    if (!scores) {
      scores = columns.predictions!;
      notes.push(
        `No score column '${columns.columns.score ?? 'score'}': ROC AUC and PR AUC are computed from the hard 0/1 predictions, as sklearn would from them.`,
      );
    }
    const probabilities = allWithin(scores, 0, 1);
    if (!probabilities) notes.push('Scores are not probabilities (outside [0, 1]): no log loss or Brier score.');
    const predictionMismatch =
      columns.predictions && scores !== columns.predictions
        ? describePredictionMismatch(columns.predictions, scores, options.threshold, columns.columns)
        : undefined;
    if (predictionMismatch) notes.push(predictionMismatch);
    return {
      ...base,
      predictions: scores,
      probabilities,
      classes: [0, 1],
      classNames: ['0', '1'],
      ...(predictionMismatch ? { predictionMismatch } : {}),
    };
  }

  // multiclass
  const classValues = uniqueLabels(columns.labels, ...(columns.predictions ? [columns.predictions] : []));
  const names = classValues.map((value) => labelName(value, columns.classes));
  let probabilityColumns: Float64Array[] | undefined;
  if (columns.probabilities && probabilityCount > 0) {
    const byName = new Map(columns.probabilityClasses!.map((name, index) => [name, columns.probabilities![index]!]));
    const unmatched = names.filter((name) => !byName.has(name));
    if (unmatched.length > 0) {
      throw columnError(
        'probability-columns',
        `no probability column for class(es) ${unmatched.join(', ')}; the columns found are for ` +
          `${columns.probabilityClasses!.join(', ')} (the part matched by '*' must be the class label).`,
      );
    }
    // Classes that only have a probability column still count as classes (the model can predict them).
    for (const name of columns.probabilityClasses!) {
      if (!names.includes(name)) {
        const value = columns.classes ? undefined : Number(name);
        if (value === undefined || !Number.isFinite(value)) {
          throw columnError(
            'probability-columns',
            `probability column for class '${name}', which no label or prediction has.`,
          );
        }
        classValues.push(value);
        names.push(name);
      }
    }
    const order = classValues.map((value, index) => ({ value, name: names[index]! })).sort((a, b) => a.value - b.value);
    classValues.splice(0, classValues.length, ...order.map((item) => item.value));
    names.splice(0, names.length, ...order.map((item) => item.name));
    probabilityColumns = names.map((name) => byName.get(name)!);
  }
  let predictions = columns.predictions;
  if (!predictions) {
    if (!probabilityColumns) {
      throw columnError('prediction-column', 'multiclass metrics need predicted labels or per-class probabilities.');
    }
    predictions = argmax(probabilityColumns, classValues, columns.rows);
    notes.push('Predicted labels are the argmax of the probability columns (the first class on ties, as numpy).');
  }
  return {
    ...base,
    predictions,
    probabilities: probabilityColumns !== undefined,
    ...(probabilityColumns ? { probabilityColumns } : {}),
    classes: classValues,
    classNames: names,
  };
}

function binaryFlat(metrics: Pick<BinaryMetrics, 'accuracy' | 'precision' | 'recall' | 'f1'> & Partial<BinaryMetrics>) {
  const flat: FlatMetrics = {
    accuracy: metrics.accuracy,
    precision: metrics.precision,
    recall: metrics.recall,
    f1: metrics.f1,
  };
  if (metrics.rocAuc !== undefined) flat.roc_auc = metrics.rocAuc;
  if (metrics.prAuc !== undefined) flat.pr_auc = metrics.prAuc;
  if (metrics.logLoss !== undefined) flat.log_loss = metrics.logLoss;
  if (metrics.brier !== undefined) flat.brier = metrics.brier;
  return flat;
}

function multiclassFlat(metrics: MulticlassMetrics): FlatMetrics {
  const flat: FlatMetrics = {
    accuracy: metrics.accuracy,
    precision_macro: metrics.macro.precision,
    recall_macro: metrics.macro.recall,
    f1_macro: metrics.macro.f1,
    precision_weighted: metrics.weighted.precision,
    recall_weighted: metrics.weighted.recall,
    f1_weighted: metrics.weighted.f1,
  };
  if (metrics.logLoss !== undefined) flat.log_loss = metrics.logLoss;
  return flat;
}

function binaryConfusionTable(confusion: { tn: number; fp: number; fn: number; tp: number }): ConfusionTable {
  return {
    labels: ['0', '1'],
    matrix: [
      [confusion.tn, confusion.fp],
      [confusion.fn, confusion.tp],
    ],
  };
}

function countPositives(labels: Float64Array): number {
  let positives = 0;
  for (let index = 0; index < labels.length; index += 1) positives += labels[index]!;
  return positives;
}

/**
 * Metrics of resolved columns. `oneClassAllowed` (slices): a binary subset with a single class still gets its
 * counting metrics, log loss and Brier; ROC AUC and PR AUC are left out because they are undefined there.
 */
export function computeMetrics(
  resolved: ResolvedColumns,
  threshold: number,
  options: { oneClassAllowed?: boolean; labelColumn?: string; partial?: boolean } = {},
): ModelEvaluation {
  const { task, labels, predictions } = resolved;
  const notes = [...resolved.notes];
  const base = { task, taskReason: resolved.taskReason, count: labels.length, notes };
  if (task === 'binary') {
    const positives = countPositives(labels);
    if (positives === 0 || positives === labels.length) {
      const only = positives === 0 ? '0 (negative)' : '1 (positive)';
      if (!options.oneClassAllowed) {
        throw new ConfigurationError(
          `Input 'label-column': every one of the ${labels.length} labels in '${options.labelColumn ?? 'label'}' is ${only}: ` +
            'ROC AUC and PR AUC are undefined with a single class (sklearn returns NaN with a warning). ' +
            'Evaluate on data that holds both classes.',
          { input: 'label-column' },
        );
      }
      const confusion = binaryConfusionMatrix(labels, predictions, { threshold });
      const flat = binaryFlat(ratesFromConfusion(confusion));
      if (resolved.probabilities) {
        flat.log_loss = binaryLogLoss(labels, predictions);
        flat.brier = brierScoreLoss(labels, predictions);
      }
      return { ...base, metrics: flat, confusion: binaryConfusionTable(confusion), threshold };
    }
    const metrics = binaryMetrics(labels, predictions, { threshold, probabilities: resolved.probabilities });
    const evaluation: ModelEvaluation = {
      ...base,
      metrics: binaryFlat(metrics),
      confusion: binaryConfusionTable(metrics.confusion),
      threshold,
    };
    if (options.partial) {
      evaluation.partial = binaryPartial(labels, predictions, {
        threshold,
        probabilities: resolved.probabilities,
        ...(resolved.probabilities ? {} : { range: scoreRange(predictions) }),
      });
    }
    return evaluation;
  }
  if (task === 'multiclass') {
    const classes = resolved.classes!;
    const metrics = multiclassMetrics(labels, predictions, {
      classes,
      ...(resolved.probabilityColumns ? { probabilities: resolved.probabilityColumns } : {}),
    });
    const flat = multiclassFlat(metrics);
    const names = resolved.classNames!;
    const evaluation: ModelEvaluation = {
      ...base,
      metrics: flat,
      confusion: { labels: names, matrix: metrics.confusion.matrix },
      perClass: metrics.perClass.map((row, index) => ({
        label: names[index] ?? String(row.label),
        precision: row.precision,
        recall: row.recall,
        f1: row.f1,
        support: row.support,
      })),
    };
    if (options.partial) {
      evaluation.partial = multiclassPartial(labels, predictions, {
        classes,
        ...(resolved.probabilityColumns ? { probabilities: resolved.probabilityColumns } : {}),
      });
    }
    return evaluation;
  }
  const metrics = regressionMetrics(labels, predictions);
  const evaluation: ModelEvaluation = {
    ...base,
    metrics: {
      mae: metrics.mae,
      mse: metrics.mse,
      rmse: metrics.rmse,
      r2: metrics.r2,
      mape: metrics.mape,
      median_absolute_error: metrics.medianAbsoluteError,
    },
  };
  if (options.partial) evaluation.partial = regressionPartial(labels, predictions);
  return evaluation;
}

function scoreRange(scores: Float64Array): [number, number] {
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < scores.length; index += 1) {
    low = Math.min(low, scores[index]!);
    high = Math.max(high, scores[index]!);
  }
  return low < high ? [low, high] : [low, low + 1];
}

/** Resolves the roles and computes every metric of the task, with the mergeable partial of the same rows. */
export function evaluatePredictions(columns: PredictionColumns, options: EvaluateOptions): ModelEvaluation {
  return computeMetrics(resolveColumns(columns, options), options.threshold, {
    labelColumn: columns.columns.label,
    partial: true,
  });
}

/** The metrics of merged shard partials; ROC/PR AUC from histograms carry their error bound in the notes. */
export function evaluatePartial(partial: MetricsPartial, classNames?: readonly string[]): ModelEvaluation {
  const base = { count: partial.count, taskReason: 'merged from shard partials', partial };
  if (partial.kind === 'binary') {
    const metrics = metricsFromPartial(partial);
    const notes: string[] = [];
    if (!metrics.exact) {
      notes.push(
        `ROC AUC and PR AUC come from merged score histograms (${partial.settings.resolution} cells): within ` +
          `±${metrics.rocAucErrorBound.toExponential(2)} and ±${metrics.prAucErrorBound.toExponential(2)} of the exact values.`,
      );
    }
    const flat = binaryFlat(metrics);
    return {
      ...base,
      task: 'binary',
      metrics: flat,
      confusion: binaryConfusionTable(metrics.confusion),
      threshold: partial.threshold,
      notes,
    };
  }
  if (partial.kind === 'multiclass') {
    const metrics = metricsFromPartial(partial);
    const names = partial.classes.map((value, index) => classNames?.[index] ?? String(value));
    const flat = multiclassFlat(metrics);
    return {
      ...base,
      task: 'multiclass',
      metrics: flat,
      confusion: { labels: names, matrix: metrics.confusion.matrix },
      notes: [],
    };
  }
  const metrics = metricsFromPartial(partial);
  return {
    ...base,
    task: 'regression',
    metrics: { mae: metrics.mae, mse: metrics.mse, rmse: metrics.rmse, r2: metrics.r2, mape: metrics.mape },
    notes: ['The median absolute error is not mergeable across shards and is left out.'],
  };
}

export interface SliceEvaluation {
  column: string;
  value: string;
  rows: number;
  metrics: FlatMetrics;
  /** Fewer rows than min-rows: shown, not gated. */
  tooSmall: boolean;
}

/** A slice's metrics; on a small slice where some metric is undefined (R² of one row), the others still count. */
function sliceMetrics(subset: ResolvedColumns, threshold: number): FlatMetrics {
  try {
    return computeMetrics(subset, threshold, { oneClassAllowed: true }).metrics;
  } catch (error) {
    if (!isConfigurationError(error)) throw error;
    const flat: FlatMetrics = {};
    for (const name of metricsForTask(subset.task)) {
      if (subset.task === 'multiclass' && name === 'log_loss') continue;
      try {
        flat[name] = metricFunction(name, subset.task, { threshold })(subset.labels, subset.predictions);
      } catch (inner) {
        if (!isConfigurationError(inner)) throw inner;
      }
    }
    return flat;
  }
}

function gather(values: Float64Array, indices: Int32Array): Float64Array {
  const out = new Float64Array(indices.length);
  for (let index = 0; index < indices.length; index += 1) out[index] = values[indices[index]!]!;
  return out;
}

/** Metrics of every value of every slice column (rows with that value), with the same roles and threshold. */
export function evaluateSlices(
  resolved: ResolvedColumns,
  slices: PredictionColumns['slices'],
  threshold: number,
  minRows: number,
): SliceEvaluation[] {
  const results: SliceEvaluation[] = [];
  for (const [column, coded] of Object.entries(slices)) {
    const members: number[][] = coded.names.map(() => []);
    for (let row = 0; row < coded.codes.length; row += 1) members[coded.codes[row]!]!.push(row);
    for (const [code, rows] of members.entries()) {
      if (rows.length === 0) continue;
      const indices = Int32Array.from(rows);
      const subset: ResolvedColumns = {
        ...resolved,
        labels: gather(resolved.labels, indices),
        predictions: gather(resolved.predictions, indices),
        ...(resolved.probabilityColumns
          ? { probabilityColumns: resolved.probabilityColumns.map((values) => gather(values, indices)) }
          : {}),
        notes: [],
      };
      results.push({
        column,
        value: coded.names[code]!,
        rows: rows.length,
        metrics: sliceMetrics(subset, threshold),
        tooSmall: rows.length < minRows,
      });
    }
  }
  return results;
}

import { ConfigurationError } from '../errors/index.js';
import { LOG_LOSS_EPS } from './binary.js';
import {
  assertFinite,
  assertNonEmpty,
  assertPaired,
  assertProbabilities,
  CompensatedSum,
  divideOrZero,
  type Labels,
  type Values,
} from './validate.js';

/**
 * Multiclass metrics over class labels (numbers: class ids or encoded classes).
 *
 * The class list: by default the sorted union of the labels in yTrue and yPred, as sklearn's `unique_labels`.
 * A given list fixes the order of the confusion matrix and of probability columns, and may name classes absent from
 * the data (they count in the macro average with zero_division → 0.0, as sklearn given `labels=`); a label outside
 * the list is an error rather than silently dropped.
 */
export interface ClassOptions {
  classes?: ArrayLike<number>;
}

/** Row-major n × k matrix (Float64Array of n·k) or one column per class, in the class list's order. */
export type ProbabilityMatrix = Values | readonly Values[];

export interface MulticlassConfusion {
  classes: number[];
  /** matrix[true][predicted], sklearn's confusion_matrix layout. */
  matrix: number[][];
}

export interface AveragedScores {
  precision: number;
  recall: number;
  f1: number;
}

export interface PerClassScores extends AveragedScores {
  label: number;
  /** Number of true examples of the class. */
  support: number;
}

export interface MulticlassMetrics {
  count: number;
  classes: number[];
  accuracy: number;
  macro: AveragedScores;
  weighted: AveragedScores;
  perClass: PerClassScores[];
  confusion: MulticlassConfusion;
  /** sklearn log_loss(y_true, probabilities, labels=classes), when probabilities were given. */
  logLoss?: number;
}

export interface MulticlassMetricsOptions extends ClassOptions {
  /** Columns in the order of `classes`; pass `classes` with them (else the sorted labels seen in yTrue ∪ yPred). */
  probabilities?: ProbabilityMatrix;
}

/** Sorted distinct values of the arrays (sklearn's unique_labels for numeric labels). */
export function uniqueLabels(...arrays: Labels[]): number[] {
  const seen = new Set<number>();
  for (const array of arrays) for (let index = 0; index < array.length; index += 1) seen.add(array[index]!);
  return [...seen].sort((left, right) => left - right);
}

/** Maps a label to its position in the class list; a lookup table for small non-negative integer classes. */
function classLookup(classes: readonly number[]): (label: number) => number {
  const smallIntegers = classes.every((label) => Number.isInteger(label) && label >= 0 && label < 65_536);
  if (smallIntegers) {
    const table = new Int32Array(classes.length === 0 ? 0 : Math.max(...classes) + 1).fill(-1);
    classes.forEach((label, position) => {
      table[label] = position;
    });
    return (label) => (label >= 0 && label < table.length && Number.isInteger(label) ? table[label]! : -1);
  }
  const positions = new Map(classes.map((label, position) => [label, position]));
  return (label) => positions.get(label) ?? -1;
}

function resolveClasses(options: ClassOptions, ...labels: Labels[]): number[] {
  if (options.classes === undefined) return uniqueLabels(...labels);
  const classes = Array.from(options.classes);
  assertNonEmpty('classes', classes);
  assertFinite('classes', classes);
  if (new Set(classes).size !== classes.length) {
    throw new ConfigurationError(`classes lists a class twice (${classes.join(', ')}): list each class once.`);
  }
  return classes;
}

export function positionsOf(name: string, labels: Labels, classes: readonly number[]): Int32Array {
  const lookup = classLookup(classes);
  const positions = new Int32Array(labels.length);
  for (let index = 0; index < labels.length; index += 1) {
    const position = lookup(labels[index]!);
    if (position < 0) {
      throw new ConfigurationError(
        `${name}[${index}] is ${labels[index]}, which is not in classes [${classes.join(', ')}]: ` +
          'add it to the class list or fix the label.',
      );
    }
    positions[index] = position;
  }
  return positions;
}

function checkedLabels(yTrue: Labels, yPred: Labels): void {
  assertPaired('yTrue', yTrue, 'yPred', yPred);
  assertFinite('yTrue', yTrue);
  assertFinite('yPred', yPred);
}

/** sklearn accuracy_score: the share of examples whose predicted label equals the true label. */
export function accuracyScore(yTrue: Labels, yPred: Labels): number {
  checkedLabels(yTrue, yPred);
  let correct = 0;
  for (let index = 0; index < yTrue.length; index += 1) if (yTrue[index] === yPred[index]) correct += 1;
  return correct / yTrue.length;
}

export function countMatrix(trueIndex: Int32Array, predictedIndex: Int32Array, classCount: number): Float64Array {
  const counts = new Float64Array(classCount * classCount);
  for (let index = 0; index < trueIndex.length; index += 1) {
    counts[trueIndex[index]! * classCount + predictedIndex[index]!]! += 1;
  }
  return counts;
}

function toRows(counts: Float64Array, classCount: number): number[][] {
  return Array.from({ length: classCount }, (_, row) =>
    Array.from(counts.subarray(row * classCount, (row + 1) * classCount)),
  );
}

/** sklearn confusion_matrix(y_true, y_pred, labels=classes). */
export function multiclassConfusionMatrix(
  yTrue: Labels,
  yPred: Labels,
  options: ClassOptions = {},
): MulticlassConfusion {
  checkedLabels(yTrue, yPred);
  const classes = resolveClasses(options, yTrue, yPred);
  const counts = countMatrix(
    positionsOf('yTrue', yTrue, classes),
    positionsOf('yPred', yPred, classes),
    classes.length,
  );
  return { classes, matrix: toRows(counts, classes.length) };
}

/**
 * Per-class and averaged precision, recall and F1 from a confusion matrix (rows true, columns predicted).
 * Macro: unweighted mean over classes; weighted: mean weighted by support (sklearn's average="weighted").
 */
export function scoresFromConfusion(confusion: MulticlassConfusion): {
  perClass: PerClassScores[];
  macro: AveragedScores;
  weighted: AveragedScores;
  accuracy: number;
} {
  const { classes, matrix } = confusion;
  let total = 0;
  let correct = 0;
  const predictedTotals = new Float64Array(classes.length);
  const perClass = classes.map((label, position) => {
    const row = matrix[position]!;
    let support = 0;
    for (let column = 0; column < classes.length; column += 1) {
      support += row[column]!;
      predictedTotals[column]! += row[column]!;
    }
    total += support;
    correct += row[position]!;
    return { label, support, precision: 0, recall: 0, f1: 0 };
  });
  for (const [position, scores] of perClass.entries()) {
    const truePositives = matrix[position]![position]!;
    scores.precision = divideOrZero(truePositives, predictedTotals[position]!);
    scores.recall = divideOrZero(truePositives, scores.support);
    scores.f1 = divideOrZero(2 * truePositives, scores.support + predictedTotals[position]!);
  }
  const average = (weightOf: (scores: PerClassScores) => number): AveragedScores => {
    let weightSum = 0;
    const sums = { precision: 0, recall: 0, f1: 0 };
    for (const scores of perClass) {
      const weight = weightOf(scores);
      weightSum += weight;
      sums.precision += weight * scores.precision;
      sums.recall += weight * scores.recall;
      sums.f1 += weight * scores.f1;
    }
    return { precision: sums.precision / weightSum, recall: sums.recall / weightSum, f1: sums.f1 / weightSum };
  };
  return {
    perClass,
    macro: average(() => 1),
    weighted: average((scores) => scores.support),
    accuracy: correct / total,
  };
}

/** sklearn precision/recall/f1 with average="macro" and "weighted", plus the per-class values (average=None). */
export function precisionRecallF1(
  yTrue: Labels,
  yPred: Labels,
  options: ClassOptions = {},
): { perClass: PerClassScores[]; macro: AveragedScores; weighted: AveragedScores } {
  const { perClass, macro, weighted } = scoresFromConfusion(multiclassConfusionMatrix(yTrue, yPred, options));
  return { perClass, macro, weighted };
}

/** Reads a probability matrix as columns (one per class), checking its shape and that values lie in [0, 1]. */
export function probabilityColumns(probabilities: ProbabilityMatrix, rows: number, classCount: number): Values[] {
  let columns: Values[];
  if (Array.isArray(probabilities) && probabilities.length > 0 && typeof probabilities[0] !== 'number') {
    columns = probabilities as Values[];
    if (columns.length !== classCount) {
      throw new ConfigurationError(
        `probabilities has ${columns.length} columns but there are ${classCount} classes: ` +
          'pass one probability column per class, in the class list order.',
      );
    }
    for (const [position, column] of columns.entries()) assertSameLengthColumn(position, column, rows);
  } else {
    const matrix = probabilities as Values;
    if (matrix.length !== rows * classCount) {
      throw new ConfigurationError(
        `probabilities has ${matrix.length} values but ${rows} examples × ${classCount} classes need ` +
          `${rows * classCount}: pass a row-major matrix with one column per class, or an array of columns.`,
      );
    }
    columns = Array.from({ length: classCount }, (_, position) => strided(matrix, position, classCount, rows));
  }
  columns.forEach((column, position) => {
    assertProbabilities('probabilities', column, (row) => `probabilities row ${row}, column ${position}`);
  });
  return columns;
}

function assertSameLengthColumn(position: number, column: Values, rows: number): void {
  if (column.length !== rows) {
    throw new ConfigurationError(
      `length mismatch: probabilities column ${position} has ${column.length} values but yTrue has ${rows}; ` +
        'pass one probability per example in every column.',
    );
  }
}

function strided(matrix: Values, offset: number, stride: number, rows: number): Float64Array {
  const column = new Float64Array(rows);
  for (let row = 0; row < rows; row += 1) column[row] = matrix[row * stride + offset]!;
  return column;
}

/** Sum of −log(clip(p_true_class)) over the examples (the numerator of the mean log loss). */
export function multiclassLogLossSum(trueIndex: Int32Array, columns: readonly Values[]): number {
  const sum = new CompensatedSum();
  for (let index = 0; index < trueIndex.length; index += 1) {
    const probability = columns[trueIndex[index]!]![index]!;
    const clipped =
      probability < LOG_LOSS_EPS ? LOG_LOSS_EPS : probability > 1 - LOG_LOSS_EPS ? 1 - LOG_LOSS_EPS : probability;
    sum.add(-Math.log(clipped));
  }
  return sum.value;
}

/**
 * sklearn 1.9.1 log_loss(y_true, y_proba, labels=classes) for a matrix whose columns follow `classes`: each
 * probability clipped to [eps, 1 − eps] (eps = 2^-52), rows not renormalised (sklearn 1.9 only warns when a row does
 * not sum to 1), mean of −log(p of the true class).
 */
export function multiclassLogLoss(yTrue: Labels, probabilities: ProbabilityMatrix, classes: ArrayLike<number>): number {
  assertNonEmpty('yTrue', yTrue);
  assertFinite('yTrue', yTrue);
  const classList = resolveClasses({ classes });
  if (classList.length < 2) {
    throw new ConfigurationError(
      `log loss needs at least two classes, got [${classList.join(', ')}]: list every class the model can predict.`,
    );
  }
  const columns = probabilityColumns(probabilities, yTrue.length, classList.length);
  return multiclassLogLossSum(positionsOf('yTrue', yTrue, classList), columns) / yTrue.length;
}

/** Accuracy, macro and weighted precision/recall/F1, per-class scores, the confusion matrix and optional log loss. */
export function multiclassMetrics(
  yTrue: Labels,
  yPred: Labels,
  options: MulticlassMetricsOptions = {},
): MulticlassMetrics {
  const confusion = multiclassConfusionMatrix(yTrue, yPred, options);
  const { perClass, macro, weighted, accuracy } = scoresFromConfusion(confusion);
  const result: MulticlassMetrics = {
    count: yTrue.length,
    classes: confusion.classes,
    accuracy,
    macro,
    weighted,
    perClass,
    confusion,
  };
  if (options.probabilities !== undefined) {
    result.logLoss = multiclassLogLoss(yTrue, options.probabilities, confusion.classes);
  }
  return result;
}

import { ConfigurationError } from '../errors/index.js';
import type { Labels, Values } from './validate.js';

export type ModelTask = 'binary' | 'multiclass' | 'regression';

export interface TaskColumns {
  /** Ground truth. */
  labels?: Values;
  /** Predicted labels (classifier) or predicted values (regressor). */
  predictions?: Values;
  /** Score or probability columns: one for binary (the positive class), one per class for multiclass. */
  scores?: readonly Values[];
}

export interface DetectedTask {
  task: ModelTask;
  /** One sentence saying which evidence decided, for logs and error messages. */
  reason: string;
}

function firstNonInteger(values: Values): number {
  for (let index = 0; index < values.length; index += 1) if (!Number.isInteger(values[index])) return index;
  return -1;
}

function distinctCount(limit: number, ...arrays: Labels[]): number {
  const seen = new Set<number>();
  for (const array of arrays) {
    for (let index = 0; index < array.length; index += 1) {
      seen.add(array[index]!);
      if (seen.size > limit) return seen.size;
    }
  }
  return seen.size;
}

/**
 * Which kind of model produced the columns, in this order of evidence:
 * 1. score columns: one → binary, several → multiclass (only classifiers produce per-class scores);
 * 2. a non-integer label or prediction → regression (sklearn's type_of_target calls it "continuous");
 * 3. otherwise at most two distinct values across labels and predictions → binary, more → multiclass
 *    (sklearn's "binary" / "multiclass").
 */
export function detectTask(columns: TaskColumns): DetectedTask {
  const { labels, predictions, scores } = columns;
  if (scores !== undefined && scores.length > 0) {
    return scores.length === 1
      ? { task: 'binary', reason: 'one score column (the positive class) is present' }
      : { task: 'multiclass', reason: `${scores.length} score columns (one per class) are present` };
  }
  const targets = [labels, predictions].filter((values): values is Values => values !== undefined);
  if (targets.length === 0 || targets.every((values) => values.length === 0)) {
    throw new ConfigurationError(
      'cannot tell the task: no labels, predictions or score columns were given; ' +
        'provide the label column and a prediction or score column.',
    );
  }
  for (const values of targets) {
    const index = firstNonInteger(values);
    if (index >= 0) {
      const name = values === labels ? 'labels' : 'predictions';
      if (!Number.isFinite(values[index])) {
        throw new ConfigurationError(
          `cannot tell the task: ${name}[${index}] is ${values[index]}; drop rows with missing values first.`,
        );
      }
      return {
        task: 'regression',
        reason: `${name} hold non-integer values such as ${values[index]}`,
      };
    }
  }
  const distinct = distinctCount(2, ...targets);
  return distinct <= 2
    ? { task: 'binary', reason: `integer labels with ${distinct} distinct value(s)` }
    : { task: 'multiclass', reason: 'integer labels with more than two distinct values' };
}

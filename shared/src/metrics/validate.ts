import { ConfigurationError } from '../errors/index.js';

/** Labels: Int32Array, Uint8Array, number[] or any indexable array of numbers. */
export type Labels = ArrayLike<number>;
/** Scores, probabilities and regression values. Float64Array is the fast path; number[] works too. */
export type Values = ArrayLike<number>;

function describeValue(value: number): string {
  return Number.isNaN(value) ? 'NaN' : String(value);
}

/** Throws when an input has no rows: every metric is undefined on zero examples. */
export function assertNonEmpty(name: string, values: ArrayLike<unknown>): void {
  if (values.length === 0) {
    throw new ConfigurationError(`${name} is empty: metrics need at least one example; check the evaluation data.`);
  }
}

/** Throws when two per-example inputs differ in length (one prediction per example is expected). */
export function assertSameLength(
  firstName: string,
  first: ArrayLike<unknown>,
  secondName: string,
  second: ArrayLike<unknown>,
): void {
  if (first.length !== second.length) {
    throw new ConfigurationError(
      `length mismatch: ${firstName} has ${first.length} values but ${secondName} has ${second.length}; ` +
        'pass exactly one prediction per example, in the same order.',
    );
  }
}

/** Non-empty, equal lengths. */
export function assertPaired(firstName: string, first: ArrayLike<unknown>, secondName: string, second: Values): void {
  assertNonEmpty(firstName, first);
  assertSameLength(firstName, first, secondName, second);
}

/** Throws at the first NaN or ±Infinity (sklearn's check_array refuses them as well). */
export function assertFinite(name: string, values: Values): void {
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index]!;
    if (!Number.isFinite(value)) {
      throw new ConfigurationError(
        `${name}[${index}] is ${describeValue(value)}: ${name} must hold finite numbers; ` +
          'drop or impute the rows without a valid value before computing metrics.',
      );
    }
  }
}

/** Throws at the first value outside [0, 1] (or non-finite): log loss and the Brier score need probabilities. */
export function assertProbabilities(
  name: string,
  values: Values,
  where: (index: number) => string = (index) => `${name}[${index}]`,
): void {
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index]!;
    if (!(value >= 0 && value <= 1)) {
      throw new ConfigurationError(
        `${where(index)} is ${describeValue(value)}, outside [0, 1]: this metric needs probabilities ` +
          "(e.g. predict_proba's column), not decision-function scores or logits.",
      );
    }
  }
}

/** Throws at the first label that is not 0 or 1; returns the number of positives (label 1). */
export function countBinaryLabels(name: string, labels: Labels): number {
  let positives = 0;
  for (let index = 0; index < labels.length; index += 1) {
    const label = labels[index]!;
    if (label === 1) positives += 1;
    else if (label !== 0) {
      throw new ConfigurationError(
        `${name}[${index}] is ${describeValue(label)}: binary metrics need labels 0 (negative) and 1 (positive); ` +
          'map the positive class to 1, or use the multiclass metrics.',
      );
    }
  }
  return positives;
}

/** Throws when a metric that ranks positives against negatives sees only one class. */
export function assertBothClasses(metric: string, name: string, positives: number, total: number): void {
  if (positives === 0 || positives === total) {
    const present = positives === 0 ? 'negatives (0)' : 'positives (1)';
    throw new ConfigurationError(
      `${name} must hold both classes for ${metric}, but all ${total} examples are ${present} and the metric is ` +
        'undefined (sklearn returns NaN with a warning): evaluate on data that holds positive and negative examples.',
    );
  }
}

/** Throws unless `value` is a finite number; used for options such as thresholds. */
export function assertFiniteOption(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ConfigurationError(`${name} must be a finite number, got ${String(value)}.`);
  }
}

/** Neumaier's compensated sum, shared with the statistics module. */
export { CompensatedSum } from '../statistics/numeric.js';

/** sklearn's `zero_division="warn"` default: a ratio with a zero denominator is reported as 0.0. */
export function divideOrZero(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

import { ConfigurationError } from '../errors/index.js';
import { assertFinite, assertPaired, CompensatedSum, type Values } from './validate.js';

/** The float64 machine epsilon: sklearn's mean_absolute_percentage_error divides by max(|y|, eps). */
export const MAPE_EPS = 2 ** -52;

export interface RegressionMetrics {
  count: number;
  mae: number;
  mse: number;
  rmse: number;
  r2: number;
  mape: number;
  medianAbsoluteError: number;
}

function checkedRegression(yTrue: Values, yPred: Values): void {
  assertPaired('yTrue', yTrue, 'yPred', yPred);
  assertFinite('yTrue', yTrue);
  assertFinite('yPred', yPred);
}

/** Mean of f(y, ŷ) over the examples, compensated. */
function meanOf(yTrue: Values, yPred: Values, term: (actual: number, predicted: number) => number): number {
  const sum = new CompensatedSum();
  for (let index = 0; index < yTrue.length; index += 1) sum.add(term(yTrue[index]!, yPred[index]!));
  return sum.value / yTrue.length;
}

const absoluteError = (actual: number, predicted: number): number => Math.abs(predicted - actual);
const squaredError = (actual: number, predicted: number): number => (actual - predicted) * (actual - predicted);
const percentageError = (actual: number, predicted: number): number =>
  Math.abs(predicted - actual) / Math.max(Math.abs(actual), MAPE_EPS);

/** sklearn mean_absolute_error. */
export function meanAbsoluteError(yTrue: Values, yPred: Values): number {
  checkedRegression(yTrue, yPred);
  return meanOf(yTrue, yPred, absoluteError);
}

/** sklearn mean_squared_error. */
export function meanSquaredError(yTrue: Values, yPred: Values): number {
  checkedRegression(yTrue, yPred);
  return meanOf(yTrue, yPred, squaredError);
}

/** sklearn root_mean_squared_error: √MSE. */
export function rootMeanSquaredError(yTrue: Values, yPred: Values): number {
  return Math.sqrt(meanSquaredError(yTrue, yPred));
}

/**
 * sklearn mean_absolute_percentage_error: mean of |ŷ − y| / max(|y|, eps) with eps = 2^-52, as a fraction (not ×100).
 * A true value of 0 therefore gives a huge term rather than an error, exactly as sklearn.
 */
export function meanAbsolutePercentageError(yTrue: Values, yPred: Values): number {
  checkedRegression(yTrue, yPred);
  return meanOf(yTrue, yPred, percentageError);
}

/** Sum of squared deviations from the mean, two-pass (the stable form numpy uses for r2's denominator). */
function sumOfSquaredDeviations(values: Values): number {
  const sum = new CompensatedSum();
  for (let index = 0; index < values.length; index += 1) sum.add(values[index]!);
  const mean = sum.value / values.length;
  const deviations = new CompensatedSum();
  for (let index = 0; index < values.length; index += 1) {
    const deviation = values[index]! - mean;
    deviations.add(deviation * deviation);
  }
  return deviations.value;
}

/** R² from its two sums with sklearn's force_finite=True: a constant y_true gives 1.0 if predicted perfectly, else 0.0. */
export function r2FromSums(residualSumOfSquares: number, totalSumOfSquares: number): number {
  if (totalSumOfSquares === 0) return residualSumOfSquares === 0 ? 1 : 0;
  return 1 - residualSumOfSquares / totalSumOfSquares;
}

/** R² is undefined below two examples. */
export function assertR2Defined(count: number): void {
  if (count < 2) {
    throw new ConfigurationError(
      `R² needs at least two examples, got ${count}: it is undefined (sklearn returns NaN); evaluate on more data.`,
    );
  }
}

/**
 * sklearn r2_score (force_finite=True). sklearn returns NaN with a warning for fewer than two examples; we throw,
 * since a NaN would silently pass or fail a gate.
 */
export function r2Score(yTrue: Values, yPred: Values): number {
  checkedRegression(yTrue, yPred);
  assertR2Defined(yTrue.length);
  return r2FromSums(meanOf(yTrue, yPred, squaredError) * yTrue.length, sumOfSquaredDeviations(yTrue));
}

/** The k-th smallest value (0-based) of `values`, reordering it in place (Hoare quickselect, median-of-three). */
function selectInPlace(values: Float64Array, k: number): number {
  let low = 0;
  let high = values.length - 1;
  while (high > low) {
    const middle = (low + high) >>> 1;
    const a = values[low]!;
    const b = values[middle]!;
    const c = values[high]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let left = low;
    let right = high;
    while (left <= right) {
      while (values[left]! < pivot) left += 1;
      while (values[right]! > pivot) right -= 1;
      if (left <= right) {
        const swap = values[left]!;
        values[left] = values[right]!;
        values[right] = swap;
        left += 1;
        right -= 1;
      }
    }
    if (k <= right) high = right;
    else if (k >= left) low = left;
    else return values[k]!;
  }
  return values[k]!;
}

/** Median as numpy: the middle value, or the mean of the two middle values for an even count. */
export function medianInPlace(values: Float64Array): number {
  const upper = values.length >>> 1;
  const upperValue = selectInPlace(values, upper);
  if (values.length % 2 === 1) return upperValue;
  // After selection everything left of `upper` is ≤ it; the lower middle is their maximum.
  let lowerValue = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < upper; index += 1) if (values[index]! > lowerValue) lowerValue = values[index]!;
  return (lowerValue + upperValue) / 2;
}

/** sklearn median_absolute_error: the median of |ŷ − y|. */
export function medianAbsoluteError(yTrue: Values, yPred: Values): number {
  checkedRegression(yTrue, yPred);
  const errors = new Float64Array(yTrue.length);
  for (let index = 0; index < yTrue.length; index += 1) errors[index] = Math.abs(yPred[index]! - yTrue[index]!);
  return medianInPlace(errors);
}

/** All regression metrics with one validation pass. */
export function regressionMetrics(yTrue: Values, yPred: Values): RegressionMetrics {
  checkedRegression(yTrue, yPred);
  const mse = meanOf(yTrue, yPred, squaredError);
  const errors = new Float64Array(yTrue.length);
  for (let index = 0; index < yTrue.length; index += 1) errors[index] = Math.abs(yPred[index]! - yTrue[index]!);
  return {
    count: yTrue.length,
    mae: meanOf(yTrue, yPred, absoluteError),
    mse,
    rmse: Math.sqrt(mse),
    r2: r2Score(yTrue, yPred),
    mape: meanOf(yTrue, yPred, percentageError),
    medianAbsoluteError: medianInPlace(errors),
  };
}

// Evidently's drift tests behind one function: its automatic choice of method by reference size, column kind
// and number of distinct values, and the drift decision against each method's threshold.

import { type Category, type CategoryCounts, chiSquareDrift, countCategories, zTestDrift } from './categorical.js';
import {
  jensenShannonDistance,
  NORMED_WASSERSTEIN_MIN_STD,
  populationStabilityIndex,
  populationStd,
  wassersteinDistanceUnordered,
} from './distance.js';
import { sturgesSharesSorted } from './histogram.js';
import { ks2SampSorted } from './ks.js';
import { sortedFiniteSample } from './numeric.js';

export type ColumnKind = 'numeric' | 'categorical';
export type DriftMethod = 'ks' | 'chisquare' | 'z' | 'wasserstein' | 'jensenshannon' | 'psi';

/** Whether a method yields a p-value (drift when p <= threshold) or a distance (drift when distance >= threshold). */
export const DRIFT_METHOD_KIND: Record<DriftMethod, 'p-value' | 'distance'> = {
  ks: 'p-value',
  chisquare: 'p-value',
  z: 'p-value',
  wasserstein: 'distance',
  jensenshannon: 'distance',
  psi: 'distance',
};

/** Evidently's default thresholds: 0.05 for p-values, 0.1 for distances (normed Wasserstein, JS, PSI). */
export const DEFAULT_DRIFT_THRESHOLDS: Record<DriftMethod, number> = {
  ks: 0.05,
  chisquare: 0.05,
  z: 0.05,
  wasserstein: 0.1,
  jensenshannon: 0.1,
  psi: 0.1,
};

/** Evidently switches from tests to distances above this many reference rows. */
export const SMALL_REFERENCE_MAX_ROWS = 1000;

/** Distinct values of reference and current together, the count `chooseDriftMethod` takes (Evidently `nunique`). */
export function distinctValueCount(reference: ArrayLike<Category>, current: ArrayLike<Category>): number {
  return countCategories(reference, current).categories.length;
}

export interface DriftMethodChoice {
  method: DriftMethod;
  threshold: number;
}

/**
 * Evidently's automatic choice. Reference <= 1000 rows: numeric with > 5 distinct values → KS, 3-5 → chi-square,
 * <= 2 → z-test; categorical with > 2 values → chi-square, else z-test. Larger references: numeric with > 5
 * distinct values → normed Wasserstein, anything else → Jensen-Shannon. `distinctValues` counts the distinct
 * non-missing values of reference and current together.
 */
export function chooseDriftMethod(referenceRows: number, kind: ColumnKind, distinctValues: number): DriftMethodChoice {
  if (!Number.isInteger(referenceRows) || referenceRows < 0) {
    throw new RangeError(`referenceRows must be a whole number >= 0, got ${referenceRows}`);
  }
  if (!Number.isInteger(distinctValues) || distinctValues < 0) {
    throw new RangeError(`distinctValues must be a whole number >= 0, got ${distinctValues}`);
  }
  if (kind !== 'numeric' && kind !== 'categorical') throw new RangeError(`unknown column kind ${String(kind)}`);
  let method: DriftMethod;
  if (referenceRows <= SMALL_REFERENCE_MAX_ROWS) {
    if (kind === 'numeric') method = distinctValues > 5 ? 'ks' : distinctValues > 2 ? 'chisquare' : 'z';
    else method = distinctValues > 2 ? 'chisquare' : 'z';
  } else method = kind === 'numeric' && distinctValues > 5 ? 'wasserstein' : 'jensenshannon';
  return { method, threshold: DEFAULT_DRIFT_THRESHOLDS[method] };
}

export interface DriftTestResult {
  method: DriftMethod;
  /** KS D, chi-square X², z, normed Wasserstein, Jensen-Shannon distance or PSI. */
  statistic: number;
  /** Present for the p-value methods (ks, chisquare, z). */
  pValue?: number;
  threshold: number;
  drifted: boolean;
}

function isNumericSample(sample: ArrayLike<Category>): sample is ArrayLike<number> {
  for (let index = 0; index < sample.length; index += 1) if (typeof sample[index] !== 'number') return false;
  return true;
}

function numericOnly(sample: ArrayLike<Category>, name: string, method: DriftMethod): Float64Array {
  if (!isNumericSample(sample)) throw new RangeError(`${method} compares numeric samples; ${name} holds non-numbers`);
  return sortedFiniteSample(sample, name);
}

/**
 * Runs one drift method as Evidently does and decides drift: p-value methods drift when p <= threshold,
 * distances when distance >= threshold (the threshold defaults to Evidently's). Chi-square and z treat values as
 * categories whatever their type; PSI and Jensen-Shannon bin numbers with Sturges unless `kind` is 'categorical'
 * (default: numeric when every value is a number). Throws RangeError for empty samples, NaN or missing values.
 */
export function driftTest(
  method: DriftMethod,
  reference: ArrayLike<Category>,
  current: ArrayLike<Category>,
  threshold: number = DEFAULT_DRIFT_THRESHOLDS[method],
  kind?: ColumnKind,
): DriftTestResult {
  if (!(method in DEFAULT_DRIFT_THRESHOLDS)) throw new RangeError(`unknown drift method ${String(method)}`);
  if (!Number.isFinite(threshold) || threshold < 0) throw new RangeError(`threshold must be >= 0, got ${threshold}`);
  if (reference.length === 0) throw new RangeError('reference is empty: a statistic needs at least one value');
  if (current.length === 0) throw new RangeError('current is empty: a statistic needs at least one value');
  const columnKind = kind ?? (isNumericSample(reference) && isNumericSample(current) ? 'numeric' : 'categorical');
  const numeric =
    method === 'ks' ||
    method === 'wasserstein' ||
    (columnKind === 'numeric' && method !== 'chisquare' && method !== 'z');
  if (numeric) {
    return driftTestSorted(
      method,
      numericOnly(reference, 'reference', method),
      numericOnly(current, 'current', method),
      threshold,
    );
  }
  return driftTestFromCounts(
    method as Exclude<DriftMethod, 'ks' | 'wasserstein'>,
    countCategories(reference, current),
    threshold,
  );
}

/** Drift by the method's rule: p-values at or below the threshold, distances at or above it. */
export function decide(
  method: DriftMethod,
  statistic: number,
  pValue: number | undefined,
  threshold: number,
): DriftTestResult {
  const drifted = pValue !== undefined ? pValue <= threshold : statistic >= threshold;
  return pValue !== undefined
    ? { method, statistic, pValue, threshold, drifted }
    : { method, statistic, threshold, drifted };
}

/**
 * The categorical methods from category counts (as a group-by in the data engine gives them), without
 * materialising one value per row: chi-square, z, Jensen-Shannon and PSI over the category shares.
 */
export function driftTestFromCounts(
  method: Exclude<DriftMethod, 'ks' | 'wasserstein'>,
  counts: CategoryCounts,
  threshold: number = DEFAULT_DRIFT_THRESHOLDS[method],
): DriftTestResult {
  if (counts.referenceSize === 0) throw new RangeError('reference is empty: a statistic needs at least one value');
  if (counts.currentSize === 0) throw new RangeError('current is empty: a statistic needs at least one value');
  let statistic: number;
  let pValue: number | undefined;
  if (method === 'chisquare' || method === 'z') {
    const result = method === 'z' ? zTestDrift(counts) : chiSquareDrift(counts);
    statistic = result.statistic;
    pValue = result.pValue;
  } else {
    const referenceShares = counts.referenceCounts.map((count) => count / counts.referenceSize);
    const currentShares = counts.currentCounts.map((count) => count / counts.currentSize);
    statistic =
      method === 'psi'
        ? populationStabilityIndex(referenceShares, currentShares)
        : jensenShannonDistance(referenceShares, currentShares);
  }
  return decide(method, statistic, pValue, threshold);
}

/**
 * Evidently's normed Wasserstein test on finite samples in any order: W1 without sorting either sample
 * (`wassersteinDistanceUnordered`, which merges samples that arrive ascending), over the reference's population
 * standard deviation.
 */
export function normedWassersteinTest(
  reference: Float64Array,
  current: Float64Array,
  threshold: number = DEFAULT_DRIFT_THRESHOLDS.wasserstein,
  { currentSorted = false }: { currentSorted?: boolean } = {},
): DriftTestResult {
  if (reference.length === 0) throw new RangeError('reference is empty: a statistic needs at least one value');
  if (current.length === 0) throw new RangeError('current is empty: a statistic needs at least one value');
  const distance = wassersteinDistanceUnordered(reference, current, { vSorted: currentSorted });
  const statistic = distance / Math.max(populationStd(reference), NORMED_WASSERSTEIN_MIN_STD);
  return decide('wasserstein', statistic, undefined, threshold);
}

/**
 * The numeric methods on samples already checked and sorted ascending (no copy, no re-sort): callers that keep
 * sorted columns, such as validate-data's profile, sort each column once.
 */
export function driftTestSorted(
  method: Exclude<DriftMethod, 'chisquare' | 'z'>,
  sortedReference: Float64Array,
  sortedCurrent: Float64Array,
  threshold: number = DEFAULT_DRIFT_THRESHOLDS[method],
): DriftTestResult {
  if (sortedReference.length === 0) throw new RangeError('reference is empty: a statistic needs at least one value');
  if (sortedCurrent.length === 0) throw new RangeError('current is empty: a statistic needs at least one value');
  let statistic: number;
  let pValue: number | undefined;
  if (method === 'ks') {
    const result = ks2SampSorted(sortedReference, sortedCurrent);
    statistic = result.statistic;
    pValue = result.pValue;
  } else if (method === 'wasserstein') {
    return normedWassersteinTest(sortedReference, sortedCurrent, threshold, { currentSorted: true });
  } else {
    const { referenceShares, currentShares } = sturgesSharesSorted(sortedReference, sortedCurrent);
    statistic =
      method === 'psi'
        ? populationStabilityIndex(referenceShares, currentShares)
        : jensenShannonDistance(referenceShares, currentShares);
  }
  return decide(method, statistic, pValue, threshold);
}

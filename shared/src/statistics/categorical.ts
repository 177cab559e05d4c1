// Tests on category counts as Evidently runs them: chi-square goodness of fit of the current counts against the
// reference proportions, and the pooled two-proportion z-test for two categories.

import { CompensatedSum } from './numeric.js';
import { chiSquareSf, regularizedGammaQ } from './special.js';

/** A categorical value; missing values (null, undefined, NaN) must be filtered by the caller. */
export type Category = string | number | boolean;

export interface CategoryCounts {
  /** The union of the categories seen in either sample, in order of first appearance (reference first). */
  categories: Category[];
  referenceCounts: number[];
  currentCounts: number[];
  referenceSize: number;
  currentSize: number;
}

function checkCategory(value: Category, name: string, index: number): void {
  const type = typeof value;
  if ((type !== 'string' && type !== 'number' && type !== 'boolean') || Number.isNaN(value)) {
    throw new RangeError(`${name}[${index}] is ${String(value)}: filter missing values before testing`);
  }
}

/** Counts each category in both samples over their union (Evidently's `value_counts` on the union of keys). */
export function countCategories(reference: ArrayLike<Category>, current: ArrayLike<Category>): CategoryCounts {
  if (reference.length === 0) throw new RangeError('reference is empty: a statistic needs at least one value');
  if (current.length === 0) throw new RangeError('current is empty: a statistic needs at least one value');
  const slots = new Map<Category, number>();
  const referenceCounts: number[] = [];
  const currentCounts: number[] = [];
  const tally = (sample: ArrayLike<Category>, counts: number[], name: string): void => {
    for (let index = 0; index < sample.length; index += 1) {
      const value = sample[index]!;
      checkCategory(value, name, index);
      let slot = slots.get(value);
      if (slot === undefined) {
        slot = slots.size;
        slots.set(value, slot);
        referenceCounts.push(0);
        currentCounts.push(0);
      }
      counts[slot] = counts[slot]! + 1;
    }
  };
  tally(reference, referenceCounts, 'reference');
  tally(current, currentCounts, 'current');
  return {
    categories: [...slots.keys()],
    referenceCounts,
    currentCounts,
    referenceSize: reference.length,
    currentSize: current.length,
  };
}

export interface TestResult {
  statistic: number;
  pValue: number;
}

function checkCounts(counts: ArrayLike<number>, name: string): number {
  let total = 0;
  for (let index = 0; index < counts.length; index += 1) {
    const count = counts[index]!;
    if (!Number.isFinite(count) || count < 0) throw new RangeError(`${name}[${index}] is ${count}: counts are >= 0`);
    total += count;
  }
  return total;
}

/**
 * scipy `chisquare(observed, expected)`: Σ (o - e)² / e with k - 1 degrees of freedom. A category expected 0
 * times but observed makes the statistic infinite (p = 0), as in scipy. With a single category there are no
 * degrees of freedom and nothing can differ: statistic 0, p-value 1 (scipy returns NaN).
 */
export function chiSquareTest(observed: ArrayLike<number>, expected: ArrayLike<number>): TestResult {
  if (observed.length !== expected.length) {
    throw new RangeError(`observed has ${observed.length} categories but expected has ${expected.length}`);
  }
  if (observed.length === 0) throw new RangeError('chi-square needs at least one category');
  const observedTotal = checkCounts(observed, 'observed');
  const expectedTotal = checkCounts(expected, 'expected');
  if (Math.abs(observedTotal - expectedTotal) > 1e-8 * Math.max(observedTotal, expectedTotal)) {
    throw new RangeError(`observed counts sum to ${observedTotal} but expected counts to ${expectedTotal}`);
  }
  const statistic = new CompensatedSum();
  for (let index = 0; index < observed.length; index += 1) {
    const difference = observed[index]! - expected[index]!;
    if (difference === 0) continue;
    if (expected[index] === 0) return { statistic: Number.POSITIVE_INFINITY, pValue: 0 };
    statistic.add((difference * difference) / expected[index]!);
  }
  if (observed.length === 1) return { statistic: 0, pValue: 1 };
  return { statistic: statistic.value, pValue: chiSquareSf(statistic.value, observed.length - 1) };
}

/**
 * Evidently's chi-square drift test: current counts against the reference counts scaled to the current size,
 * f_exp = reference count × (current size / reference size), over the union of categories.
 */
export function chiSquareDrift(counts: CategoryCounts): TestResult {
  const scale = counts.currentSize / counts.referenceSize;
  return chiSquareTest(
    counts.currentCounts,
    counts.referenceCounts.map((count) => count * scale),
  );
}

/**
 * Pooled two-proportion z-test, two-sided: z = (p1 - p2) / √(P(1-P)(1/n1 + 1/n2)), p = 2 P(Z > |z|) computed as
 * erfc (accurate in the far tail, where Evidently's 2 (1 - Φ(|z|)) rounds to 0). Identical proportions of 0 or 1
 * in both samples give z = 0, p = 1.
 */
export function twoProportionZTest(successes1: number, size1: number, successes2: number, size2: number): TestResult {
  for (const [name, value] of [
    ['successes1', successes1],
    ['size1', size1],
    ['successes2', successes2],
    ['size2', size2],
  ] as const) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} is ${value}: counts are finite and >= 0`);
  }
  if (size1 === 0 || size2 === 0) throw new RangeError('two-proportion z-test needs two non-empty samples');
  if (successes1 > size1 || successes2 > size2) throw new RangeError('successes cannot exceed the sample size');
  const p1 = successes1 / size1;
  const p2 = successes2 / size2;
  const pooled = (p1 * size1 + p2 * size2) / (size1 + size2);
  const variance = pooled * (1 - pooled) * (1 / size1 + 1 / size2);
  if (variance === 0) return { statistic: 0, pValue: 1 };
  const z = (p1 - p2) / Math.sqrt(variance);
  return { statistic: z, pValue: regularizedGammaQ(0.5, (z * z) / 2) };
}

/**
 * Evidently's z-test drift for a column with (at most) two values: the share of the first category of the union
 * in reference against current. A column with one and the same value in both samples cannot drift (p = 1).
 */
export function zTestDrift(counts: CategoryCounts): TestResult {
  if (counts.categories.length > 2) {
    throw new RangeError(
      `the z-test compares two categories, the column has ${counts.categories.length}: use chi-square`,
    );
  }
  return twoProportionZTest(
    counts.referenceCounts[0]!,
    counts.referenceSize,
    counts.currentCounts[0]!,
    counts.currentSize,
  );
}

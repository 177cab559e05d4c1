// Floating-point helpers shared by the statistics: input checks, compensated sums and the few libm functions
// JavaScript lacks (ldexp, round-half-even, an exact product).

/** A sample of numbers: a plain array or a typed array (Float64Array from a columnar reader). */
export type NumericSample = ArrayLike<number>;

/**
 * Copies a sample into a Float64Array, refusing empty samples and anything that is not a finite number.
 * Missing values are the caller's business (filter nulls first): a NaN here is a bug upstream, not data.
 */
export function finiteSample(sample: NumericSample, name: string): Float64Array {
  const length = sample.length;
  if (length === 0) throw new RangeError(`${name} is empty: a statistic needs at least one value`);
  const copy = new Float64Array(length);
  for (let index = 0; index < length; index += 1) {
    const value = sample[index]!;
    if (!Number.isFinite(value)) {
      throw new RangeError(`${name}[${index}] is ${value}: filter missing and non-finite values before testing`);
    }
    copy[index] = value;
  }
  return copy;
}

/** `finiteSample` sorted ascending (typed-array sort is numeric). */
export function sortedFiniteSample(sample: NumericSample, name: string): Float64Array {
  return finiteSample(sample, name).sort();
}

/**
 * The finite part of an ascending array, without a copy: −∞ sorts first, +∞ and NaN last (as DuckDB and typed-array
 * sorts order them), so the finite values are one run in the middle.
 */
export function finiteRun(sorted: Float64Array): Float64Array {
  let start = 0;
  let end = sorted.length;
  while (start < end && !Number.isFinite(sorted[start]!)) start += 1;
  while (end > start && !Number.isFinite(sorted[end - 1]!)) end -= 1;
  return start === 0 && end === sorted.length ? sorted : sorted.subarray(start, end);
}

/** The finite values of an array in any order: the array itself when all are, else a copy without the others. */
export function finiteValues(values: Float64Array): Float64Array {
  let finite = 0;
  for (let index = 0; index < values.length; index += 1) if (Number.isFinite(values[index]!)) finite += 1;
  if (finite === values.length) return values;
  const kept = new Float64Array(finite);
  let into = 0;
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index]!;
    if (Number.isFinite(value)) kept[into++] = value;
  }
  return kept;
}

/** Whether the values never decrease: one pass that stops at the first descent (a NaN anywhere says no). */
export function nonDecreasing(values: Float64Array): boolean {
  for (let index = 1; index < values.length; index += 1) if (!(values[index - 1]! <= values[index]!)) return false;
  return true;
}

/** Merges two ascending arrays into one ascending array. */
export function mergeSorted(first: Float64Array, second: Float64Array): Float64Array {
  const merged = new Float64Array(first.length + second.length);
  let i = 0;
  let j = 0;
  let out = 0;
  while (i < first.length && j < second.length) merged[out++] = first[i]! <= second[j]! ? first[i++]! : second[j++]!;
  while (i < first.length) merged[out++] = first[i++]!;
  while (j < second.length) merged[out++] = second[j++]!;
  return merged;
}

/** Neumaier's compensated sum: exact to a few ulps whatever the order, so results do not depend on numpy's. */
export class CompensatedSum {
  private sum = 0;
  private compensation = 0;

  add(value: number): void {
    const total = this.sum + value;
    if (Math.abs(this.sum) >= Math.abs(value)) this.compensation += this.sum - total + value;
    else this.compensation += value - total + this.sum;
    this.sum = total;
  }

  get value(): number {
    return this.sum + this.compensation;
  }
}

export function compensatedSum(values: ArrayLike<number>): number {
  const sum = new CompensatedSum();
  for (let index = 0; index < values.length; index += 1) sum.add(values[index]!);
  return sum.value;
}

/** x * 2^exponent without the intermediate power overflowing or underflowing (C's ldexp). */
export function ldexp(x: number, exponent: number): number {
  let result = x;
  let remaining = exponent;
  while (remaining > 1000) {
    result *= 2 ** 1000;
    remaining -= 1000;
  }
  while (remaining < -1000) {
    result *= 2 ** -1000;
    remaining += 1000;
  }
  return result * 2 ** remaining;
}

/** numpy's `np.round`: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const difference = x - floor;
  if (difference < 0.5) return floor;
  if (difference > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

const SPLITTER = 134217729; // 2^27 + 1, Dekker's split of a double into two 26-bit halves

/** The rounding error of a * b, so that a * b = (a * b rounded) + error exactly (Dekker's two-product). */
export function productError(a: number, b: number, product: number): number {
  const aScaled = SPLITTER * a;
  const aHigh = aScaled - (aScaled - a);
  const aLow = a - aHigh;
  const bScaled = SPLITTER * b;
  const bHigh = bScaled - (bScaled - b);
  const bLow = b - bHigh;
  return aHigh * bHigh - product + aHigh * bLow + aLow * bHigh + aLow * bLow;
}

export function clampProbability(p: number): number {
  if (Number.isNaN(p)) return p;
  return Math.min(1, Math.max(0, p));
}

export function greatestCommonDivisor(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

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

/** Below this many values the typed-array sort is as fast as radix passes and needs no buffers. */
const RADIX_SORT_MIN_VALUES = 1 << 15;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const DIGIT_BITS = 11;
const DIGIT_VALUES = 1 << DIGIT_BITS;
const DIGIT_MASK = DIGIT_VALUES - 1;
/** Six 11-bit digits cover the 64-bit key: bits 0, 11, 22 of the low word, then of the high word (10 bits at 22). */
const DIGIT_PASSES = 6;
const NAN_HIGH_WORD = 0x7ff80000;

/** The order-preserving key word of a double: flip the sign bit of non-negatives, every bit of negatives. */
function keyWord(high: number, word: number, isHighWord: boolean): number {
  if (high >>> 31) return ~word >>> 0;
  return isHighWord ? (word | 0x80000000) >>> 0 : word;
}

/**
 * Sorts doubles ascending in place, as Float64Array.prototype.sort orders them (−∞ … −0, 0 … +∞, NaN last; every
 * NaN is rewritten as the one quiet NaN). Large arrays use an LSD radix sort on the bit patterns: one counting pass
 * for six 11-bit digits, then a scatter pass per digit that is not the same for every value. At 10M values it
 * takes about two thirds of the typed-array sort's time; small arrays and big-endian machines use that sort.
 * Returns `values`, which may be a view into a larger buffer (the rest is not touched).
 */
export function sortDoubles(values: Float64Array, minValues = RADIX_SORT_MIN_VALUES): Float64Array {
  const count = values.length;
  if (count < minValues || count === 0 || !LITTLE_ENDIAN) return values.sort();
  let source: Float64Array = values;
  let target: Float64Array = new Float64Array(count);
  let sourceWords: Uint32Array = new Uint32Array(source.buffer, source.byteOffset, 2 * count);
  let targetWords: Uint32Array = new Uint32Array(target.buffer, target.byteOffset, 2 * count);
  const counts = new Uint32Array(DIGIT_PASSES * DIGIT_VALUES);
  for (let index = 0; index < count; index += 1) {
    let rawHigh = sourceWords[2 * index + 1]!;
    if ((rawHigh & 0x7ff00000) === 0x7ff00000 && ((rawHigh & 0xfffff) | sourceWords[2 * index]!) !== 0) {
      sourceWords[2 * index] = 0;
      sourceWords[2 * index + 1] = NAN_HIGH_WORD;
      rawHigh = NAN_HIGH_WORD;
    }
    const low = keyWord(rawHigh, sourceWords[2 * index]!, false);
    const high = keyWord(rawHigh, rawHigh, true);
    counts[low & DIGIT_MASK]! += 1;
    counts[DIGIT_VALUES + ((low >>> 11) & DIGIT_MASK)]! += 1;
    counts[2 * DIGIT_VALUES + (low >>> 22)]! += 1;
    counts[3 * DIGIT_VALUES + (high & DIGIT_MASK)]! += 1;
    counts[4 * DIGIT_VALUES + ((high >>> 11) & DIGIT_MASK)]! += 1;
    counts[5 * DIGIT_VALUES + (high >>> 22)]! += 1;
  }
  const offsets = new Uint32Array(DIGIT_VALUES);
  for (let pass = 0; pass < DIGIT_PASSES; pass += 1) {
    const base = pass * DIGIT_VALUES;
    let allSame = false;
    let start = 0;
    for (let digit = 0; digit < DIGIT_VALUES; digit += 1) {
      const digitCount = counts[base + digit]!;
      if (digitCount === count) {
        allSame = true;
        break;
      }
      offsets[digit] = start;
      start += digitCount;
    }
    if (allSame) continue;
    const isHighWord = pass >= 3;
    const shift = (pass % 3) * DIGIT_BITS;
    for (let index = 0; index < count; index += 1) {
      const rawHigh = sourceWords[2 * index + 1]!;
      const word = keyWord(rawHigh, isHighWord ? rawHigh : sourceWords[2 * index]!, isHighWord);
      const digit = (word >>> shift) & DIGIT_MASK;
      target[offsets[digit]!++] = source[index]!;
    }
    [source, target] = [target, source];
    [sourceWords, targetWords] = [targetWords, sourceWords];
  }
  if (source !== values) values.set(source);
  return values;
}

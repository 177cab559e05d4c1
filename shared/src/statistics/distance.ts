// Distances between distributions: Wasserstein-1 between samples (scipy `wasserstein_distance`, unweighted),
// Evidently's normed Wasserstein, Jensen-Shannon distance (scipy `distance.jensenshannon`, natural log) and the
// population stability index with Evidently's empty-bin fill.

import { CompensatedSum, type NumericSample, nonDecreasing, sortedFiniteSample } from './numeric.js';

/** Wasserstein-1 between two sorted samples: ∫ |F_u - F_v| over the merged support. */
export function wassersteinDistanceSorted(u: Float64Array, v: Float64Array): number {
  const nu = u.length;
  const nv = v.length;
  if (nu === 0 || nv === 0) throw new RangeError('wassersteinDistance needs two non-empty samples');
  const integral = new CompensatedSum();
  let i = 0;
  let j = 0;
  let previous = Math.min(u[0]!, v[0]!);
  while (i < nu || j < nv) {
    const value = j >= nv || (i < nu && u[i]! <= v[j]!) ? u[i]! : v[j]!;
    if (value > previous) integral.add(Math.abs(i / nu - j / nv) * (value - previous));
    while (i < nu && u[i]! <= value) i += 1;
    while (j < nv && v[j]! <= value) j += 1;
    previous = value;
  }
  return integral.value;
}

/** scipy `stats.wasserstein_distance(u, v)` (unweighted). */
export function wassersteinDistance(u: NumericSample, v: NumericSample): number {
  return wassersteinDistanceSorted(sortedFiniteSample(u, 'u'), sortedFiniteSample(v, 'v'));
}

/** Bins of the unordered Wasserstein: at 5M values a side, about 76 per bin, and 2.5 MB of counts and sums. */
const WASSERSTEIN_BINS = 1 << 16;

/**
 * Wasserstein-1 between two finite samples in any order, exactly, without sorting them. Both are counted into equal
 * bins over their joint range, with each bin's sum of offsets from its left edge. Where the two CDFs cannot cross
 * inside a bin (one is above the other at both its ends, counting the bin's values on the far side),
 * ∫|F_u − F_v| over the bin is |∫(F_u − F_v)|, which the counts and sums give exactly. Only the bins where they may
 * cross are sorted and merged: a few percent of the values when the samples are alike, fewer when they drift (and
 * all of them when both hold the same values, as the same ids do). Samples that arrive ascending (files kept in key
 * or time order; `vSorted` says so of v) are merged directly. Equal to the sorted merge up to rounding: about
 * 2^-52 × (max − min) in absolute terms, as offsets are measured from the minimum.
 */
export function wassersteinDistanceUnordered(
  u: Float64Array,
  v: Float64Array,
  { vSorted = false, bins = WASSERSTEIN_BINS }: { vSorted?: boolean; bins?: number } = {},
): number {
  const vAscending = vSorted || nonDecreasing(v);
  if (vAscending && nonDecreasing(u)) return wassersteinDistanceSorted(u, v);
  const nu = u.length;
  const nv = v.length;
  if (nu === 0 || nv === 0) throw new RangeError('wassersteinDistance needs two non-empty samples');
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const sample of [u, v]) {
    for (let index = 0; index < sample.length; index += 1) {
      const value = sample[index]!;
      if (value < lo) lo = value;
      if (value > hi) hi = value;
      if (Number.isNaN(value)) lo = Number.NaN; // refused below
    }
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new RangeError('wassersteinDistance needs finite values: filter NaN and infinities first');
  }
  if (lo === hi) return 0;
  const width = (hi - lo) / bins;
  const scale = bins / (hi - lo);
  // A range too wide (or too narrow) for doubles to bin, or whose scaled integrals would overflow: sort and merge.
  if (!(width > 0) || !Number.isFinite(scale) || !Number.isFinite(nu * nv * (hi - lo) * 2)) {
    return wassersteinDistanceSorted(u.slice().sort(), v.slice().sort());
  }
  // The bin of a value never decreases with the value, so a sorted sample's bins are runs.
  const binOf = (value: number) => Math.min(bins - 1, Math.floor((value - lo) * scale));
  const tally = (sample: Float64Array) => {
    const counts = new Float64Array(bins);
    const offsets = new Float64Array(bins);
    for (let index = 0; index < sample.length; index += 1) {
      const shifted = (sample[index]! - lo) * scale;
      const bin = Math.min(bins - 1, Math.floor(shifted));
      counts[bin]! += 1;
      offsets[bin]! += (shifted - bin) * width;
    }
    return { counts, offsets };
  };
  const tu = tally(u);
  const tv = tally(v);
  // F_u − F_v scaled by nu·nv is the integer i·nv − j·nu: exact below 2^53, with a margin of rounding above.
  const margin = nu * nv > 2 ** 53 ? nu * nv * 2 ** -50 : 0;
  const integral = new CompensatedSum();
  const crossing = new Uint8Array(bins);
  const startU = new Float64Array(bins);
  const startV = new Float64Array(bins);
  let before = 0;
  let beforeV = 0;
  let crossings = 0;
  for (let bin = 0; bin < bins; bin += 1) {
    const endU = before + tu.counts[bin]!;
    const endV = beforeV + tv.counts[bin]!;
    const lowest = before * nv - endV * nu;
    const highest = endU * nv - beforeV * nu;
    // Within the bin F_u − F_v lies between these two: when both have one sign, it never crosses zero there.
    if (lowest >= margin || highest <= -margin) {
      // ∫ over the bin of F scaled by n is (count up to the bin's end)·width − (offsets of its values).
      integral.add(Math.abs(nv * (endU * width - tu.offsets[bin]!) - nu * (endV * width - tv.offsets[bin]!)));
    } else {
      crossing[bin] = 1;
      startU[bin] = before;
      startV[bin] = beforeV;
      crossings += 1;
    }
    before = endU;
    beforeV = endV;
  }
  if (crossings > 0) {
    const valuesU = crossingValues(u, crossing, tu.counts, binOf);
    // An ascending v holds each bin's values as one run, from the count of the values below the bin.
    const valuesV = vAscending ? undefined : crossingValues(v, crossing, tv.counts, binOf);
    for (let bin = 0, offsetU = 0, offsetV = 0; bin < bins; bin += 1) {
      if (crossing[bin] === 0) continue;
      const countU = tu.counts[bin]!;
      const countV = tv.counts[bin]!;
      const inU = valuesU.subarray(offsetU, offsetU + countU).sort();
      const inV = valuesV
        ? valuesV.subarray(offsetV, offsetV + countV).sort()
        : v.subarray(startV[bin]!, startV[bin]! + countV);
      offsetU += countU;
      offsetV += countV;
      // Merge inside the bin from its left edge, with the counts of the values below it. Offsets are measured as
      // the tally measured them: lo + bin·width would round to lo's precision, which may exceed a bin's width.
      let i = startU[bin]!;
      let j = startV[bin]!;
      let p = 0;
      let q = 0;
      let position = 0;
      while (p < countU || q < countV) {
        const takeU = q >= countV || (p < countU && inU[p]! <= inV[q]!);
        const next = Math.min(width, Math.max(0, (((takeU ? inU[p]! : inV[q]!) - lo) * scale - bin) * width));
        if (next > position) integral.add(Math.abs(i * nv - j * nu) * (next - position));
        position = Math.max(position, next);
        if (takeU) {
          p += 1;
          i += 1;
        } else {
          q += 1;
          j += 1;
        }
      }
      if (width > position) integral.add(Math.abs(i * nv - j * nu) * (width - position));
    }
  }
  return integral.value / nu / nv;
}

/** The values of `sample` in the marked bins, grouped by bin in bin order (within a bin, in sample order). */
function crossingValues(
  sample: Float64Array,
  marked: Uint8Array,
  counts: Float64Array,
  binOf: (value: number) => number,
): Float64Array {
  const starts = new Float64Array(marked.length);
  let total = 0;
  for (let bin = 0; bin < marked.length; bin += 1) {
    starts[bin] = total;
    if (marked[bin] === 1) total += counts[bin]!;
  }
  const values = new Float64Array(total);
  for (let index = 0; index < sample.length; index += 1) {
    const value = sample[index]!;
    const bin = binOf(value);
    if (marked[bin] === 1) {
      values[starts[bin]!] = value;
      starts[bin]! += 1;
    }
  }
  return values;
}

/**
 * numpy's `mean(values)` and `std(values)` (ddof = 0): two passes, no copy (the samples here run to millions). Sums
 * run in blocks of 256 added plainly, the blocks then summed with compensation: within a few ulps, at a third of
 * the time of compensating every value.
 */
export function populationMoments(values: NumericSample): { mean: number; std: number } {
  const length = values.length;
  if (length === 0) throw new RangeError('values is empty: a statistic needs at least one value');
  const total = new CompensatedSum();
  for (let start = 0; start < length; start += SUM_BLOCK) {
    const end = Math.min(length, start + SUM_BLOCK);
    let block = 0;
    for (let index = start; index < end; index += 1) block += values[index]!;
    total.add(block);
  }
  if (!Number.isFinite(total.value)) {
    for (let index = 0; index < length; index += 1) {
      const value = values[index]!;
      if (!Number.isFinite(value)) {
        throw new RangeError(`values[${index}] is ${value}: filter missing and non-finite values before testing`);
      }
    }
    throw new RangeError('the values sum beyond the largest double: rescale them first');
  }
  const mean = total.value / length;
  const squares = new CompensatedSum();
  for (let start = 0; start < length; start += SUM_BLOCK) {
    const end = Math.min(length, start + SUM_BLOCK);
    let block = 0;
    for (let index = start; index < end; index += 1) {
      const deviation = values[index]! - mean;
      block += deviation * deviation;
    }
    squares.add(block);
  }
  return { mean, std: Math.sqrt(squares.value / length) };
}

const SUM_BLOCK = 256;

/** numpy `std(values)` (ddof = 0). */
export function populationStd(values: NumericSample): number {
  return populationMoments(values).std;
}

/** Evidently's floor on the reference spread, so a constant reference does not divide by zero. */
export const NORMED_WASSERSTEIN_MIN_STD = 0.001;

/** Evidently's normed Wasserstein: W1(reference, current) / max(std(reference), 0.001). */
export function normedWassersteinDistance(reference: NumericSample, current: NumericSample): number {
  const distance = wassersteinDistance(reference, current);
  return distance / Math.max(populationStd(reference), NORMED_WASSERSTEIN_MIN_STD);
}

function checkDistribution(values: ArrayLike<number>, name: string): number {
  if (values.length === 0) throw new RangeError(`${name} is empty`);
  let total = 0;
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index]!;
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name}[${index}] is ${value}: shares are >= 0`);
    total += value;
  }
  if (!(total > 0)) throw new RangeError(`${name} sums to 0: no distribution to compare`);
  return total;
}

/** x log(x / y) with scipy `rel_entr`'s conventions for zeros. */
function relativeEntropyTerm(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Number.POSITIVE_INFINITY;
}

/**
 * scipy `spatial.distance.jensenshannon(p, q)` with the natural log: the square root of the Jensen-Shannon
 * divergence. p and q are normalised to sum to 1 first (counts work as well as shares). Between 0 and √ln 2.
 */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) throw new RangeError(`p has ${p.length} entries but q has ${q.length}`);
  const pTotal = checkDistribution(p, 'p');
  const qTotal = checkDistribution(q, 'q');
  const left = new CompensatedSum();
  const right = new CompensatedSum();
  for (let index = 0; index < p.length; index += 1) {
    const pi = p[index]! / pTotal;
    const qi = q[index]! / qTotal;
    const mi = (pi + qi) / 2;
    left.add(relativeEntropyTerm(pi, mi));
    right.add(relativeEntropyTerm(qi, mi));
  }
  return Math.sqrt(Math.max(0, (left.value + right.value) / 2));
}

/**
 * Evidently's fill for empty bins before PSI: with m the smallest non-zero share, zeros become m / 1e6 when
 * m <= 1e-4, else 1e-4. No renormalisation.
 */
export function fillEmptyShares(shares: ArrayLike<number>): Float64Array {
  const filled = Float64Array.from(shares);
  let smallest = Number.POSITIVE_INFINITY;
  for (const share of filled) {
    if (!Number.isFinite(share) || share < 0) throw new RangeError(`share ${share} is not a finite value >= 0`);
    if (share !== 0 && share < smallest) smallest = share;
  }
  if (smallest === Number.POSITIVE_INFINITY) throw new RangeError('every share is 0: no distribution to compare');
  const fill = smallest <= 1e-4 ? smallest / 1e6 : 1e-4;
  return filled.map((share) => (share === 0 ? fill : share));
}

/** Population stability index Σ (ref - cur) ln(ref / cur), after Evidently's empty-bin fill of both sides. */
export function populationStabilityIndex(referenceShares: ArrayLike<number>, currentShares: ArrayLike<number>): number {
  if (referenceShares.length !== currentShares.length) {
    throw new RangeError(`reference has ${referenceShares.length} bins but current has ${currentShares.length}`);
  }
  const reference = fillEmptyShares(referenceShares);
  const current = fillEmptyShares(currentShares);
  const total = new CompensatedSum();
  for (let index = 0; index < reference.length; index += 1) {
    const r = reference[index]!;
    const c = current[index]!;
    total.add((r - c) * Math.log(r / c));
  }
  return total.value;
}

// Distances between distributions: Wasserstein-1 between samples (scipy `wasserstein_distance`, unweighted),
// Evidently's normed Wasserstein, Jensen-Shannon distance (scipy `distance.jensenshannon`, natural log) and the
// population stability index with Evidently's empty-bin fill.

import { CompensatedSum, type NumericSample, sortedFiniteSample } from './numeric.js';

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

/**
 * numpy's `mean(values)` and `std(values)` (ddof = 0): two passes, compensated sums, no copy (the samples here run
 * to millions).
 */
export function populationMoments(values: NumericSample): { mean: number; std: number } {
  const length = values.length;
  if (length === 0) throw new RangeError('values is empty: a statistic needs at least one value');
  const total = new CompensatedSum();
  for (let index = 0; index < length; index += 1) {
    const value = values[index]!;
    if (!Number.isFinite(value)) {
      throw new RangeError(`values[${index}] is ${value}: filter missing and non-finite values before testing`);
    }
    total.add(value);
  }
  const mean = total.value / length;
  const squares = new CompensatedSum();
  for (let index = 0; index < length; index += 1) {
    const deviation = values[index]! - mean;
    squares.add(deviation * deviation);
  }
  return { mean, std: Math.sqrt(squares.value / length) };
}

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

// Two-sample Kolmogorov-Smirnov test, two-sided: a port of scipy 1.17.1 `stats.ks_2samp` (scipy/stats/_stats_py.py,
// with `_compute_outer_prob_inside_method` from scipy/stats/_stats_pythran.py and `kstwo.sf` from kolmogorov.ts).

import { kolmogorovSmirnovSf } from './kolmogorov.js';
import { greatestCommonDivisor, type NumericSample, roundHalfEven, sortedFiniteSample } from './numeric.js';

export type KsMethod = 'auto' | 'exact' | 'asymp';

export interface KsResult {
  /** sup |F1 - F2|; with the exact method scipy reports it as h / lcm(n1, n2), as here. */
  statistic: number;
  pValue: number;
  /** The method that produced the p-value after scipy's fallbacks ('auto' resolved, infeasible 'exact' → 'asymp'). */
  method: 'exact' | 'asymp';
}

/** scipy's `MAX_AUTO_N`: 'auto' is exact when both samples have at most this many values. */
export const KS_MAX_EXACT_AUTO_N = 10_000;
const INT32_MAX = 2 ** 31 - 1;

/** The largest gap between the two empirical CDFs, evaluated as scipy does (ties count on both sides at once). */
export function ksStatisticSorted(sorted1: Float64Array, sorted2: Float64Array): number {
  const n1 = sorted1.length;
  const n2 = sorted2.length;
  let i = 0;
  let j = 0;
  let maxDifference = Number.NEGATIVE_INFINITY;
  let minDifference = Number.POSITIVE_INFINITY;
  while (i < n1 || j < n2) {
    const value = j >= n2 || (i < n1 && sorted1[i]! <= sorted2[j]!) ? sorted1[i]! : sorted2[j]!;
    while (i < n1 && sorted1[i]! <= value) i += 1;
    while (j < n2 && sorted2[j]! <= value) j += 1;
    const difference = i / n1 - j / n2;
    if (difference > maxDifference) maxDifference = difference;
    if (difference < minDifference) minDifference = difference;
  }
  const minS = Math.min(1, Math.max(0, -minDifference));
  return minS > maxDifference ? minS : maxDifference;
}

/** 2 Σ ±binom(2n, n-kh)/binom(2n, n): P(D_{n,n} >= h/n), evaluated Horner-like as scipy does. */
function probabilityOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k -= 1) {
    let term = 1;
    for (let j = 0; j < h; j += 1) term = ((n - k * h - j) * term) / (n + k * h + j + 1);
    p = term * (1 - p);
  }
  return 2 * p;
}

/** P(D_{m,n} >= h/lcm) by Hodges' inside method with Viehmann's recursion for 1 - p (scipy's pythran kernel). */
function probabilityOutsideBand(sizeA: number, sizeB: number, g: number, h: number): number {
  const m = Math.max(sizeA, sizeB);
  const n = Math.min(sizeA, sizeB);
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let currentLength = maxj - minj;
  const lengthA = Math.min(2 * maxj + 2, n + 1);
  const a = new Float64Array(lengthA).fill(1);
  a.fill(0, minj, Math.min(maxj, lengthA));
  for (let i = 1; i <= m; i += 1) {
    const lastMinj = minj;
    const lastLength = currentLength;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let value = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj += 1) {
      const j = jj + minj;
      value = (a[jj + minj - lastMinj]! * i + value * j) / (i + j);
      a[jj] = value;
    }
    currentLength = maxj - minj;
    if (lastLength > currentLength) {
      a.fill(1, maxj - minj, Math.min(maxj - minj + (lastLength - currentLength), lengthA));
    }
  }
  return a[maxj - minj - 1]!;
}

/** scipy `_attempt_exact_2kssamp` for the two-sided alternative; undefined when the exact value is unusable. */
function exactTwoSided(n1: number, n2: number, statistic: number): { statistic: number; pValue: number } | undefined {
  const g = greatestCommonDivisor(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = roundHalfEven(statistic * lcm);
  const rounded = h / lcm;
  if (h === 0) return { statistic: rounded, pValue: 1 };
  const pValue = n1 === n2 ? probabilityOutsideSquare(n1, h) : probabilityOutsideBand(n1, n2, g, h);
  if (!(pValue >= 0 && pValue <= 1)) return undefined;
  return { statistic: rounded, pValue };
}

/** Smirnov's asymptotic p-value: kstwo.sf(d, round(n1 n2 / (n1 + n2))), scipy's for samples past 10,000. */
export function asymptoticTwoSided(n1: number, n2: number, statistic: number): number {
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const effectiveN = roundHalfEven((m * n) / (m + n));
  return Math.min(1, Math.max(0, kolmogorovSmirnovSf(effectiveN, statistic)));
}

/**
 * Two-sample, two-sided Kolmogorov-Smirnov test, equal to scipy 1.17.1 `ks_2samp(x, y, method=...)`.
 * 'auto' is exact when max(n1, n2) <= 10000, else asymptotic; 'exact' falls back to asymptotic when
 * lcm(n1, n2) does not fit scipy's int32 or the exact computation fails, as scipy does (scipy warns; we report
 * the method used). Throws RangeError for empty samples or non-finite values.
 *
 * One scipy quirk is kept: the asymptotic p-value for n1 = n2 = 1 is NaN (round(0.5) = 0 observations).
 */
export function ks2Samp(sample1: NumericSample, sample2: NumericSample, method: KsMethod = 'auto'): KsResult {
  return ks2SampSorted(sortedFiniteSample(sample1, 'sample1'), sortedFiniteSample(sample2, 'sample2'), method);
}

/** `ks2Samp` for samples already checked and sorted ascending (no copy). */
export function ks2SampSorted(sorted1: Float64Array, sorted2: Float64Array, method: KsMethod = 'auto'): KsResult {
  const n1 = sorted1.length;
  const n2 = sorted2.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('ks2Samp needs two non-empty samples');
  let statistic = ksStatisticSorted(sorted1, sorted2);
  let mode: KsMethod = method;
  if (mode === 'auto') mode = Math.max(n1, n2) <= KS_MAX_EXACT_AUTO_N ? 'exact' : 'asymp';
  else if (mode === 'exact') {
    const g = greatestCommonDivisor(n1, n2);
    if (n1 / g >= INT32_MAX / (n2 / g)) mode = 'asymp';
  }
  if (mode === 'exact') {
    const exact = exactTwoSided(n1, n2, statistic);
    if (exact) return { statistic: exact.statistic, pValue: exact.pValue, method: 'exact' };
    // scipy keeps the statistic rounded to h / lcm when it falls back.
    const g = greatestCommonDivisor(n1, n2);
    const lcm = (n1 / g) * n2;
    statistic = roundHalfEven(statistic * lcm) / lcm;
  }
  return { statistic, pValue: asymptoticTwoSided(n1, n2, statistic), method: 'asymp' };
}

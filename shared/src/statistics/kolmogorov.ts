// The one-sample two-sided Kolmogorov-Smirnov distribution, P(D_n >= d): scipy's `kstwo.sf(d, n)`, which
// `ks_2samp` uses for its asymptotic p-value. A port of scipy/stats/_ksstats.py (Simard & L'Ecuyer's choice
// between Durbin's matrix (Marsaglia-Tsang-Wang), Pomeranz's recursion, Pelz-Good and Smirnov's one-sided sum)
// and of the one-sided `smirnov` from scipy's xsf (cephes/kolmogorov.h).

import { clampProbability, ldexp, productError } from './numeric.js';

const SCALE_EXPONENT = 128;
const SCALE_UP = 2 ** SCALE_EXPONENT;
const SCALE_DOWN = 2 ** -SCALE_EXPONENT;
const MIN_LOG = -708;
const LOG_2PI = Math.log(2 * Math.PI);
const SQRT_2PI = Math.sqrt(2 * Math.PI);
const SQRT3 = Math.sqrt(3);
const PI_SQUARED = Math.PI ** 2;
const PI_FOUR = Math.PI ** 4;
const PI_SIX = Math.PI ** 6;
// Stirling coefficients B_2j / (2j (2j-1)) for j = 8 .. 1, as in _ksstats.py.
const STIRLING_COEFFICIENTS = [-3617 / 122400, 1 / 156, -691 / 360360, 1 / 1188, -1 / 1680, 1 / 1260, -1 / 360, 1 / 12];

/** log(n! / n^n) by Stirling, with n log n removed up front. */
function logFactorialOverPower(n: number): number {
  const rn = 1 / n;
  let polynomial = 0;
  for (const coefficient of STIRLING_COEFFICIENTS) polynomial = polynomial * (rn / n) + coefficient;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * polynomial;
}

function multiply(a: Float64Array, b: Float64Array, size: number): Float64Array {
  const out = new Float64Array(size * size);
  for (let i = 0; i < size; i += 1) {
    for (let k = 0; k < size; k += 1) {
      const aik = a[i * size + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < size; j += 1) out[i * size + j] = out[i * size + j]! + aik * b[k * size + j]!;
    }
  }
  return out;
}

/** P(D_n <= d) by Durbin's matrix algorithm as Marsaglia, Tsang and Wang evaluate it. */
function durbinCdf(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let factorial = 1;
  for (let j = 1; j <= m; j += 1) {
    w[j - 1] = factorial;
    factorial /= j;
    v[j - 1] = (1 - h ** j) * factorial;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * factorial;

  let power: Float64Array = new Float64Array(m * m);
  for (let i = 1; i < m; i += 1) {
    for (let row = i - 1; row < m; row += 1) power[row * m + i] = w[row - i + 1]!;
  }
  for (let row = 0; row < m; row += 1) power[row * m] = v[row]!;
  for (let column = 0; column < m; column += 1) power[(m - 1) * m + column] = v[m - 1 - column]!;

  let result: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i += 1) result[i * m + i] = 1;
  let remaining = n;
  let exponent = 0;
  let powerExponent = 0;
  const diagonal = (k - 1) * m + (k - 1);
  while (remaining > 0) {
    if (remaining % 2) {
      result = multiply(result, power, m);
      exponent += powerExponent;
    }
    power = multiply(power, power, m);
    powerExponent *= 2;
    if (Math.abs(power[diagonal]!) > SCALE_UP) {
      for (let index = 0; index < power.length; index += 1) power[index]! /= SCALE_UP;
      powerExponent += SCALE_EXPONENT;
    }
    remaining = Math.floor(remaining / 2);
  }
  let p = result[diagonal]!;
  for (let i = 1; i <= n; i += 1) {
    p = (i * p) / n;
    if (Math.abs(p) < SCALE_DOWN) {
      p *= SCALE_UP;
      exponent -= SCALE_EXPONENT;
    }
  }
  return clampProbability(exponent !== 0 ? ldexp(p, exponent) : p);
}

function pomeranzInterval(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const half = Math.floor((i + 1) / 2);
    if ((i + 1) % 2 === 0) {
      if (half === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = half - 1 - ll - roundf - 1;
        j2 = half + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = half - 1 - ll - 1;
      j2 = half + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/** P(D_n <= d) by Pomeranz's recursion. */
function pomeranzCdf(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const powers = 2 * (ll + 1);
  const gPower = new Float64Array(powers);
  const twoGPower = new Float64Array(powers);
  const oneMinusTwoGPower = new Float64Array(powers);
  gPower[0] = 1;
  twoGPower[0] = 1;
  oneMinusTwoGPower[0] = 1;
  const gOverN = g / n;
  const twoGOverN = (2 * g) / n;
  const oneMinusTwoGOverN = (1 - 2 * g) / n;
  for (let m = 1; m < powers; m += 1) {
    gPower[m] = (gPower[m - 1]! * gOverN) / m;
    twoGPower[m] = (twoGPower[m - 1]! * twoGOverN) / m;
    oneMinusTwoGPower[m] = (oneMinusTwoGPower[m - 1]! * oneMinusTwoGOverN) / m;
  }
  let v0 = new Float64Array(powers);
  let v1 = new Float64Array(powers);
  v1[0] = 1;
  let v0Start = 0;
  let v1Start = 0;
  let exponent = 0;
  let [j1, j2] = pomeranzInterval(0, n, ll, ceilf, roundf);
  for (let i = 1; i < 2 * n + 2; i += 1) {
    const k1 = j1;
    [v0, v1] = [v1, v0];
    [v0Start, v1Start] = [v1Start, v0Start];
    v1.fill(0);
    [j1, j2] = pomeranzInterval(i, n, ll, ceilf, roundf);
    const weights = i === 1 || i === 2 * n + 1 ? gPower : i % 2 ? twoGPower : oneMinusTwoGPower;
    const length = j2 - k1 + 1;
    if (length > 0) {
      // The entries [j1 - k1, j2 - k1] of the full convolution of V0[k1 - V0s ...] (length `length`) with weights.
      const offset = k1 - v0Start;
      const first = j1 - k1;
      const count = j2 - j1 + 1;
      let largest = 0;
      for (let out = 0; out < count; out += 1) {
        const position = first + out;
        let sum = 0;
        // numpy truncates a slice that runs past the row's end, which is the same as zero padding.
        const last = Math.min(position, length - 1, powers - 1 - offset);
        for (let index = Math.max(0, position - length + 1); index <= last; index += 1) {
          sum += v0[offset + index]! * weights[position - index]!;
        }
        v1[out] = sum;
        if (sum > largest) largest = sum;
      }
      if (largest > 0 && largest < SCALE_DOWN) {
        for (let index = 0; index < count; index += 1) v1[index]! *= SCALE_UP;
        exponent -= SCALE_EXPONENT;
      }
      v1Start = v0Start + j1 - k1;
    }
  }
  let answer = v1[n - v1Start]!;
  for (let m = 1; m <= n; m += 1) {
    if (Math.abs(answer) > SCALE_UP) {
      answer *= SCALE_DOWN;
      exponent += SCALE_EXPONENT;
    }
    answer *= m;
  }
  return clampProbability(exponent !== 0 ? ldexp(answer, exponent) : answer);
}

/** The Pelz-Good approximation of P(D_n <= x) (Li-Chien/Korolyuk transformed for small z = x √n). */
function pelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z ** 2;
  const z3 = z ** 3;
  const z4 = z ** 4;
  const z6 = z ** 6;
  const qlog = -PI_SQUARED / 8 / z2;
  if (qlog < MIN_LOG) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = PI_SQUARED / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI_SQUARED) / 4;
  const k2c = (PI_FOUR * (1 - 2 * z2)) / 16;
  const k3d = (PI_SIX * (5 - 30 * z2)) / 64;
  const k3c = (PI_FOUR * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI_SQUARED * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  const terms = [0, 0, 0, 0];
  const maxK = Math.ceil((16 * z) / Math.PI);
  for (let k = maxK; k > 0; k -= 1) {
    const m = 2 * k - 1;
    const m2 = m ** 2;
    const m4 = m ** 4;
    const m6 = m ** 6;
    const qPower = q ** (8 * k);
    const coefficients = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6];
    for (let index = 0; index < 4; index += 1) terms[index] = terms[index]! * qPower + coefficients[index]!;
  }
  const divisors = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let index = 0; index < 4; index += 1) terms[index] = (terms[index]! * q * SQRT_2PI) / divisors[index]!;
  q = Math.exp(-PI_SQUARED / 2 / z2);
  const sqrt3z = SQRT3 * z;
  let k2extra = 0;
  let k3extra = 0;
  for (let k = maxK; k > 0; k -= 1) {
    const k2 = k ** 2;
    const qPower = q ** k2;
    const kPi = Math.PI * k;
    k2extra += k2 * qPower;
    k3extra += (sqrt3z + kPi) * (sqrt3z - kPi) * k2 * qPower;
  }
  terms[2] = terms[2]! + (k2extra * PI_SQUARED * SQRT_2PI) / (-36 * z3);
  terms[3] = terms[3]! + (k3extra * PI_SQUARED * SQRT_2PI) / (216 * z6);
  let sum = 0;
  for (let index = 0; index < 4; index += 1) sum += terms[index]! / n ** (index / 2);
  return sum;
}

/** floor(n x) and its fractional part as an unevaluated sum high + low, from the exact product (xsf `modNX`). */
function floorAndFraction(n: number, x: number): { floor: number; high: number; low: number } {
  const product = n * x;
  const error = productError(n, x, product);
  let floor = Math.floor(product);
  let high = product - floor;
  let low = error;
  if (high === 0 && low < 0) {
    floor -= 1;
    high = 1;
  }
  if (high + low >= 1) {
    floor += 1;
    high = 0;
    low = 0;
  }
  return { floor, high, low };
}

const frexpDouble = new Float64Array(1);
const frexpWords = new Uint32Array(frexpDouble.buffer);
const HIGH_WORD = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1 ? 1 : 0; // little-endian: the high word is [1]

/** [m, e] with x = m · 2^e and m in [0.5, 1), for finite x > 0 (C's frexp), read from the IEEE bits. */
function frexp(x: number): [number, number] {
  frexpDouble[0] = x;
  const high = frexpWords[HIGH_WORD]!;
  const biased = (high >>> 20) & 0x7ff;
  if (biased === 0) {
    const [mantissa, exponent] = frexp(x * 2 ** 64);
    return [mantissa, exponent - 64];
  }
  frexpWords[HIGH_WORD] = (high & 0x800fffff) | (1022 << 20);
  return [frexpDouble[0]!, biased - 1022];
}

const MAX_SCALED_EXPONENT = 960;

/** base^k as mantissa and exponent, never underflowing (xsf `pow2Scaled_D`), for base > 0 and whole k >= 0. */
function powScaled(base: number, k: number): [number, number] {
  if (k === 0) return [1, 0];
  const [y, yExponent] = frexp(base);
  const log2y = -Math.log2(y);
  if (k * log2y < MAX_SCALED_EXPONENT) {
    const [mantissa, exponent] = frexp(y ** k);
    return [mantissa, exponent + k * yExponent];
  }
  const chunk = Math.max(1, Math.floor(MAX_SCALED_EXPONENT / 2 / log2y));
  const [chunkMantissa, chunkExponent] = powScaled(y, chunk);
  const [chunksMantissa, chunksExponent] = powScaled(chunkMantissa, Math.floor(k / chunk));
  const [restMantissa, restExponent] = powScaled(y, k % chunk);
  const [mantissa, exponent] = frexp(chunksMantissa * restMantissa);
  return [mantissa, exponent + chunksExponent + Math.floor(k / chunk) * chunkExponent + restExponent + k * yExponent];
}

/** (high + low)^k as mantissa and exponent: the low part enters to first order, as in xsf `pow_D`. */
function powScaledDouble(high: number, low: number, k: number): [number, number] {
  const [mantissa, exponent] = powScaled(high, k);
  return [mantissa * (1 + (k * low) / high), exponent];
}

/** (integer + high + low) / n as an unevaluated sum, for a whole number `integer`. */
function ratioDouble(integer: number, high: number, low: number, n: number): [number, number] {
  const sum = integer + high;
  const sumError = integer - (sum - high) + (high - (sum - (sum - high)));
  const numerator = sum + (sumError + low);
  const numeratorLow = sumError + low - (numerator - sum);
  const quotient = numerator / n;
  const back = quotient * n;
  const remainder = numerator - back - productError(quotient, n, back) + numeratorLow;
  return [quotient, remainder / n];
}

const SMIRNOV_MAX_COMPUTE_N = 1_000_000;
const CEPHES_MIN_LOG = Math.log(2 ** -1022); // cephes MINLOG

/**
 * The one-sided Smirnov survival function P(D_n^+ >= x) (scipy.special.smirnov), by the Birnbaum-Tingey sum
 * x Σ_{v < n(1-x)} C(n,v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v). Every factor is carried as mantissa and exponent
 * and the bases to double-double precision, as xsf does, so large n loses no accuracy to rounding in the powers.
 */
export function smirnovSf(n: number, x: number): number {
  if (!(Number.isInteger(n) && n > 0 && x >= 0 && x <= 1)) return Number.NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const { floor: nxFloor, high: alphaHigh, low: alphaLow } = floorAndFraction(n, x);
  const alphaIsZero = alphaHigh + alphaLow === 0;
  if (nxFloor === 0 || (nxFloor === 1 && alphaIsZero)) {
    const onePlusX = 1 + x;
    const [mantissa, exponent] = powScaledDouble(onePlusX, x - (onePlusX - 1), n - 1);
    return 1 - x * ldexp(mantissa, exponent);
  }
  if (-2 * n * x * x < CEPHES_MIN_LOG) return 0;
  if (nxFloor >= n - 1) {
    const oneMinusX = 1 - x;
    const [mantissa, exponent] = powScaledDouble(oneMinusX, 1 - oneMinusX - x, n);
    return ldexp(mantissa, exponent);
  }
  if (n > SMIRNOV_MAX_COMPUTE_N) {
    const logP = -((6 * n * x + 1) ** 2) / 18 / n;
    return logP < -Math.LN2 ? Math.exp(logP) : 1 + Math.expm1(logP);
  }
  // The lower sum over v = 0 .. n - floor(nx) - 1 (all terms positive).
  const termCount = n - nxFloor;
  const middle = Math.floor(n / 2);
  let binomialMantissa = 1;
  let binomialExponent = 0;
  let sum = 0;
  for (let v = 0; v < termCount; v += 1) {
    // A_v = C(n,v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v), with x + v/n = (v + nx)/n and 1 - x - v/n = (n - v - nx)/n.
    const [t1High, t1Low] = ratioDouble(v + nxFloor, alphaHigh, alphaLow, n);
    const [t2High, t2Low] = ratioDouble(n - v - nxFloor, -alphaHigh, -alphaLow, n);
    let t1Mantissa: number;
    let t1Exponent: number;
    if (v === 0) [t1Mantissa, t1Exponent] = frexp(1 / x);
    else [t1Mantissa, t1Exponent] = powScaledDouble(t1High, t1Low, v - 1);
    const [t2Mantissa, t2Exponent] = powScaledDouble(t2High, t2Low, n - v);
    const term = ldexp(binomialMantissa * t1Mantissa * t2Mantissa, binomialExponent + t1Exponent + t2Exponent);
    sum += term;
    if (term !== 0) {
      if (4 * (termCount - v) * term < Number.EPSILON * sum && v !== termCount - 1) break;
    } else if (v > middle) break;
    // C(n, v+1) = C(n, v) (n - v) / (v + 1), renormalised into [0.5, 1).
    const [mantissa, shift] = frexp((binomialMantissa * (n - v)) / (v + 1));
    binomialMantissa = mantissa;
    binomialExponent += shift;
  }
  return clampProbability(x * sum);
}

/**
 * P(D_n >= x) for the two-sided one-sample statistic: scipy `kstwo.sf(x, n)` (`_kolmogn(n, x, cdf=False)`).
 * NaN when n is not a positive integer, as scipy.
 */
export function kolmogorovSmirnovSf(n: number, x: number): number {
  if (!Number.isInteger(n) || n <= 0 || Number.isNaN(x)) return Number.NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    let cdf: number;
    if (n <= 140) {
      cdf = 1;
      for (let i = 1; i <= n; i += 1) cdf *= i * (1 / n) * (2 * t - 1);
    } else cdf = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    return clampProbability(1 - cdf);
  }
  if (t >= n - 1) return clampProbability(2 * (1 - x) ** n);
  if (x >= 0.5) return clampProbability(2 * smirnovSf(n, x));
  const nxSquared = t * x;
  if (n <= 140) {
    if (nxSquared <= 0.754693) return clampProbability(1 - durbinCdf(n, x));
    if (nxSquared <= 4) return clampProbability(1 - pomeranzCdf(n, x));
    return clampProbability(2 * smirnovSf(n, x));
  }
  if (nxSquared >= 370) return 0;
  if (nxSquared >= 2.2) return clampProbability(2 * smirnovSf(n, x));
  const cdf = n <= 100_000 && n * x ** 1.5 <= 1.4 ? durbinCdf(n, x) : pelzGoodCdf(n, x);
  return clampProbability(1 - clampProbability(cdf));
}

import { binomialPmf } from '../statistics/special.js';

/**
 * xoshiro128** seeded through splitmix32: uniform doubles in [0, 1) with 53 random bits, the same sequence for the
 * same seed on every machine and Node version.
 */
export class SeededRandom {
  /** s0..s3 as int32 bit patterns. */
  private readonly state: Int32Array;

  constructor(seed: number) {
    let mixed = seed >>> 0;
    const splitmix = (): number => {
      mixed = (mixed + 0x9e3779b9) >>> 0;
      let z = mixed;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.state = Int32Array.of(splitmix(), splitmix(), splitmix(), splitmix());
  }

  next(): number {
    const s = this.state;
    let s0 = s[0]!;
    let s1 = s[1]!;
    let s2 = s[2]!;
    let s3 = s[3]!;
    let product = Math.imul(s1, 5);
    const high = Math.imul((product << 7) | (product >>> 25), 9);
    let shifted = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= shifted;
    s3 = (s3 << 11) | (s3 >>> 21);
    product = Math.imul(s1, 5);
    const low = Math.imul((product << 7) | (product >>> 25), 9);
    shifted = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= shifted;
    s3 = (s3 << 11) | (s3 >>> 21);
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
    return ((high >>> 5) * 67_108_864 + (low >>> 6)) / 9_007_199_254_740_992;
  }
}

/** A seeded PRNG returning uniform doubles in [0, 1) (SeededRandom's sequence). */
export function createRandom(seed: number): () => number {
  const generator = new SeededRandom(seed);
  return () => generator.next();
}

/**
 * One draw of Binomial(n, p) by inversion, walking from the mode outward to whichever neighbour is likelier: any
 * fixed order of the outcomes gives an exact inversion, and this one takes about 1.6 standard deviations of steps
 * (a few thousand at n = 10^7) and one uniform. The probabilities are exact to about 1e-13 relative.
 */
export function drawBinomial(random: SeededRandom, n: number, p: number): number {
  if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`drawBinomial: n must be a count, got ${n}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`drawBinomial: p must be in [0, 1], got ${p}`);
  if (n === 0 || p === 0) return 0;
  if (p === 1) return n;
  const odds = p / (1 - p);
  const mode = Math.min(n, Math.floor((n + 1) * p));
  const atMode = binomialPmf(mode, n, p);
  let remaining = random.next() - atMode;
  let low = mode;
  let high = mode;
  let atLow = atMode;
  let atHigh = atMode;
  while (remaining >= 0) {
    const below = low > 0 ? (atLow * low) / ((n - low + 1) * odds) : 0;
    const above = high < n ? (atHigh * (n - high) * odds) / (high + 1) : 0;
    // Both tails below the smallest double: the uniform fell in the mass rounding left out (≈ 1e-13).
    if (below === 0 && above === 0) return mode;
    if (above >= below) {
      high += 1;
      atHigh = above;
      remaining -= above;
      if (remaining < 0) return high;
    } else {
      low -= 1;
      atLow = below;
      remaining -= below;
      if (remaining < 0) return low;
    }
  }
  return mode;
}

/**
 * One draw of Multinomial(n, weights / Σ weights) into `into`, cell by cell as binomials of what is left. A bootstrap
 * resample of n rows, seen only through which cell each row falls in, has exactly these counts: drawing them costs a
 * few thousand steps per cell whatever n is, where drawing n row indices costs n.
 */
export function drawMultinomial(random: SeededRandom, n: number, weights: ArrayLike<number>, into: Float64Array): void {
  let left = n;
  let weightLeft = 0;
  for (let cell = 0; cell < weights.length; cell += 1) weightLeft += weights[cell]!;
  for (let cell = 0; cell < weights.length; cell += 1) {
    const weight = weights[cell]!;
    if (weight === 0) into[cell] = 0;
    else if (weight >= weightLeft) into[cell] = left;
    else into[cell] = drawBinomial(random, left, weight / weightLeft);
    left -= into[cell]!;
    weightLeft -= weight;
  }
}

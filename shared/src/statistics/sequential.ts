// The deploy gate's sequential test: the mixture sequential probability ratio test (mSPRT; Johari, Pekelis &
// Walsh, "Always valid inference"), valid however often it is checked. For n pairs (n observations per arm) with
// observed difference θ̂ = mean(B) - mean(A) and per-pair variance V (Bernoulli: pA(1-pA) + pB(1-pB)), a normal
// mixing distribution N(θ0, τ²) gives
//   Λ_n = √(V / (V + nτ²)) · exp(n²τ²(θ̂ - θ0)² / (2V(V + nτ²)))
// and the half-normal (one-sided) mixture Λ⁺_n = 2Φ(nτ(θ̂ - θ0) / √(V(V + nτ²))) · Λ_n.
// Reject H0 at the first n with Λ_n >= 1/α; the false-rejection probability over all n stays <= α.
// Everything is computed in log space so large n cannot overflow.

import { logNormalCdfPlusHalfSquare } from './special.js';

/** 'greater': evidence that θ > θ0 (e.g. candidate error rate above baseline → roll back); 'less' the mirror. */
export type SequentialAlternative = 'two-sided' | 'greater' | 'less';

export interface MsprtInput {
  /** Observations per arm so far (pairs), >= 0. */
  n: number;
  /** Observed difference mean(B) - mean(A). */
  thetaHat: number;
  /** Variance of one paired difference, > 0. */
  variance: number;
  /** Variance of the normal mixing distribution, > 0 (see `msprtTau2`). */
  tau2: number;
  /** The null value of θ, default 0 (a non-inferiority margin, e.g. -0.01, otherwise). */
  theta0?: number;
}

function checkInput({ n, thetaHat, variance, tau2, theta0 = 0 }: MsprtInput): void {
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`n must be a finite number >= 0, got ${n}`);
  if (!Number.isFinite(thetaHat)) throw new RangeError(`thetaHat must be finite, got ${thetaHat}`);
  if (!Number.isFinite(theta0)) throw new RangeError(`theta0 must be finite, got ${theta0}`);
  if (!(tau2 > 0) || !Number.isFinite(tau2)) throw new RangeError(`tau2 must be finite and > 0, got ${tau2}`);
  if (!(variance > 0) || !Number.isFinite(variance)) {
    throw new RangeError(
      `variance must be finite and > 0, got ${variance}: before both outcomes have been seen, pass a varianceFloor (e.g. the planning variance)`,
    );
  }
}

function checkAlpha(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must lie strictly between 0 and 1, got ${alpha}`);
}

/** log Λ_n (two-sided) or log Λ⁺_n (one-sided). */
export function msprtLogLikelihoodRatio(input: MsprtInput, alternative: SequentialAlternative = 'two-sided'): number {
  checkInput(input);
  const { n, thetaHat, variance, tau2, theta0 = 0 } = input;
  // The exponent n²τ²(θ̂-θ0)²/(2V(V+nτ²)) is u²/2 with u the argument of Φ in the one-sided mixture.
  const u = (n * Math.sqrt(tau2) * (thetaHat - theta0)) / Math.sqrt(variance * (variance + n * tau2));
  const logShrink = -0.5 * Math.log1p((n * tau2) / variance);
  if (alternative === 'two-sided') return logShrink + (u * u) / 2;
  // log Φ(±u) + u²/2 in one piece: against the alternative it would cancel two huge terms.
  return Math.LN2 + logNormalCdfPlusHalfSquare(alternative === 'greater' ? u : -u) + logShrink;
}

/** Λ_n itself (Infinity once it exceeds the double range; decide with the log form). */
export function msprtLikelihoodRatio(input: MsprtInput, alternative: SequentialAlternative = 'two-sided'): number {
  return Math.exp(msprtLogLikelihoodRatio(input, alternative));
}

/** pA(1-pA) + pB(1-pB), the plug-in variance of one Bernoulli pair. */
export function bernoulliVariance(pA: number, pB: number): number {
  return pA * (1 - pA) + pB * (1 - pB);
}

export interface BernoulliLook {
  /** Requests per arm so far. */
  n: number;
  /** Events (errors, conversions) among the baseline's n requests. */
  eventsA: number;
  /** Events among the candidate's n requests. */
  eventsB: number;
  tau2: number;
  theta0?: number;
  /** Lower bound on the plug-in variance; needed while no event has been seen (the plug-in is then 0). */
  varianceFloor?: number;
}

/** The Bernoulli form: θ̂ = eventsB/n - eventsA/n and V = max(pA(1-pA) + pB(1-pB), varianceFloor). */
export function bernoulliMsprtInput(look: BernoulliLook): MsprtInput {
  const { n, eventsA, eventsB, tau2, theta0 = 0, varianceFloor = 0 } = look;
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`n must be a whole number > 0, got ${n}`);
  for (const [name, events] of [
    ['eventsA', eventsA],
    ['eventsB', eventsB],
  ] as const) {
    if (!Number.isInteger(events) || events < 0 || events > n) {
      throw new RangeError(`${name} must be a whole number between 0 and n (${n}), got ${events}`);
    }
  }
  const pA = eventsA / n;
  const pB = eventsB / n;
  return { n, thetaHat: pB - pA, variance: Math.max(bernoulliVariance(pA, pB), varianceFloor), tau2, theta0 };
}

export interface ConfidenceInterval {
  lower: number;
  upper: number;
}

/**
 * The mSPRT's confidence sequence for θ at level 1 - α: the θ0 the two-sided test would not reject,
 * θ̂ ± √(2V(V + nτ²)/(n²τ²) · (ln(1/α) + ½ ln(1 + nτ²/V))). Valid simultaneously over all n; intersecting
 * the intervals of successive looks keeps it valid and makes it shrink monotonically.
 */
export function msprtConfidenceSequence(input: MsprtInput, alpha: number): ConfidenceInterval {
  checkInput(input);
  checkAlpha(alpha);
  const { n, thetaHat, variance, tau2 } = input;
  if (n === 0) return { lower: Number.NEGATIVE_INFINITY, upper: Number.POSITIVE_INFINITY };
  const halfWidth = Math.sqrt(
    ((2 * variance * (variance + n * tau2)) / (n * n * tau2)) *
      (-Math.log(alpha) + 0.5 * Math.log1p((n * tau2) / variance)),
  );
  return { lower: thetaHat - halfWidth, upper: thetaHat + halfWidth };
}

export interface MsprtOptions {
  alpha: number;
  alternative?: SequentialAlternative;
}

export interface MsprtDecision {
  logLikelihoodRatio: number;
  likelihoodRatio: number;
  /** 1/α. */
  threshold: number;
  /** Λ >= 1/α: reject H0 (for the gate: roll back, or promote, as the hypothesis says). */
  reject: boolean;
  /** Two-sided 1 - α confidence sequence for θ at this look, for reports. */
  confidenceSequence: ConfidenceInterval;
}

/** One look of the gate: Λ against 1/α, compared in log space, with the confidence sequence. */
export function msprtTest(input: MsprtInput, { alpha, alternative = 'two-sided' }: MsprtOptions): MsprtDecision {
  checkAlpha(alpha);
  const logLikelihoodRatio = msprtLogLikelihoodRatio(input, alternative);
  return {
    logLikelihoodRatio,
    likelihoodRatio: Math.exp(logLikelihoodRatio),
    threshold: 1 / alpha,
    reject: logLikelihoodRatio >= -Math.log(alpha),
    confidenceSequence: msprtConfidenceSequence(input, alpha),
  };
}

/** The index of the first look whose Λ reaches 1/α, or -1 when none does. */
export function firstMsprtRejection(looks: Iterable<MsprtInput>, options: MsprtOptions): number {
  checkAlpha(options.alpha);
  const boundary = -Math.log(options.alpha);
  let index = 0;
  for (const look of looks) {
    if (msprtLogLikelihoodRatio(look, options.alternative) >= boundary) return index;
    index += 1;
  }
  return -1;
}

/**
 * r* = n*τ²/V that makes the confidence sequence narrowest at n*: the root of r - ln(1 + r) = 2 ln(1/α)
 * (r* = 8.2120 at α = 0.05). Defined for every α in (0, 1).
 */
export function msprtOptimalMixingRatio(alpha: number): number {
  checkAlpha(alpha);
  const target = -2 * Math.log(alpha);
  // Fixed point r = target + ln(1 + r): a contraction (slope 1/(1+r) < 1), started above the root's lower bound.
  let r = target + Math.log1p(target);
  for (let iteration = 0; iteration < 200; iteration += 1) {
    const next = target + Math.log1p(r);
    if (Math.abs(next - r) <= 1e-15 * next) return next;
    r = next;
  }
  return r;
}

/** τ² = r*(α) V / n*: the mixing variance that tightens the test at the target sample size n* per arm. */
export function msprtTau2(variance: number, targetN: number, alpha: number): number {
  if (!(variance > 0) || !Number.isFinite(variance)) throw new RangeError(`variance must be > 0, got ${variance}`);
  if (!(targetN > 0) || !Number.isFinite(targetN)) throw new RangeError(`targetN must be > 0, got ${targetN}`);
  return (msprtOptimalMixingRatio(alpha) * variance) / targetN;
}

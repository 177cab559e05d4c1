import { ConfigurationError, isConfigurationError } from '../errors/index.js';
import { chiSquareSf, logGamma } from '../statistics/special.js';
import { ratesFromConfusion } from './binary.js';
import { type MetricDirection, metricDirection } from './directions.js';
import { type MetricFunction, metricFunction } from './functions.js';
import { drawMultinomial, SeededRandom } from './random.js';
import type { ModelTask } from './task.js';
import { assertFinite, assertPaired, assertSameLength, type Labels, type Values } from './validate.js';

export { createRandom } from './random.js';

/** Fills `into` with indices drawn uniformly with replacement from [0, count). */
export function drawBootstrapIndices(count: number, random: () => number, into: Int32Array): Int32Array {
  for (let index = 0; index < into.length; index += 1) into[index] = Math.floor(random() * count);
  return into;
}

/** numpy's default ('linear') percentile of ascending values, q in [0, 1]. */
export function percentileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  const fraction = position - below;
  const low = sorted[below]!;
  const high = sorted[above]!;
  // On a value, or between equal ones, that value: an infinite one would otherwise turn into NaN (∞ − ∞).
  if (fraction === 0 || low === high) return low;
  // Between an infinity and a finite value the interpolation is that infinity, not ∞ − ∞.
  if (low === Number.NEGATIVE_INFINITY) return low;
  if (high === Number.POSITIVE_INFINITY) return high;
  // numpy's _lerp: interpolate from the nearer end, so q = 1 returns the maximum exactly.
  return fraction >= 0.5 ? high - (high - low) * (1 - fraction) : low + (high - low) * fraction;
}

export type ChangeVerdict = 'within noise' | 'better' | 'worse' | 'higher' | 'lower';

export interface PairedBootstrapOptions {
  /** A built-in metric name (its function and direction are looked up for `task`) or a metric function. */
  metric: string | MetricFunction;
  /** Needed with a metric name: which kind of prediction column is passed. */
  task?: ModelTask;
  /** Threshold for binary counting metrics given by name (default 0.5, score >= threshold is positive). */
  threshold?: number;
  /** Which way is better; looked up for built-in names. Without it the verdict is 'higher' or 'lower'. */
  direction?: MetricDirection;
  /** Number of resamples (default 1000). */
  resamples?: number;
  /** PRNG seed (default 0). */
  seed?: number;
  /** Two-sided confidence level of the interval (default 0.95). */
  confidence?: number;
  /** Also return every resample's delta (default false). */
  keepDeltas?: boolean;
}

export interface PairedBootstrapResult {
  candidate: number;
  baseline: number;
  /** candidate − baseline on all examples. */
  delta: number;
  /** Percentile interval of the resampled deltas. */
  low: number;
  high: number;
  confidence: number;
  resamples: number;
  seed: number;
  /** Resamples on which the metric was undefined (e.g. one class only) and that were left out. */
  skipped: number;
  /** The interval contains 0. */
  withinNoise: boolean;
  /** 'within noise' when the interval contains 0; else 'better'/'worse' by direction, or 'higher'/'lower'. */
  verdict: ChangeVerdict;
  deltas?: number[];
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigurationError(`${name} must be a positive integer, got ${value}.`);
  }
  return value;
}

function resolveMetric(options: PairedBootstrapOptions): { compute: MetricFunction; direction?: MetricDirection } {
  if (typeof options.metric === 'function') return { compute: options.metric, direction: options.direction };
  if (options.task === undefined) {
    throw new ConfigurationError(
      `metric '${options.metric}' is given by name, so the task is needed: pass task 'binary', 'multiclass' or 'regression'.`,
    );
  }
  const thresholdOptions = options.threshold === undefined ? {} : { threshold: options.threshold };
  return {
    compute: metricFunction(options.metric, options.task, thresholdOptions),
    direction: options.direction ?? metricDirection(options.metric),
  };
}

/**
 * Paired bootstrap of a metric's change against a baseline scored on the same examples: each resample draws n
 * examples with replacement and computes metric(candidate) − metric(baseline) on the same draw, so the interval
 * reflects the models' disagreement rather than the two models' independent noise. The interval is numpy's linear
 * percentile of the deltas; a change whose interval contains 0 is labelled "within noise".
 */
export function pairedBootstrap(
  yTrue: Labels,
  candidate: Values,
  baseline: Values,
  options: PairedBootstrapOptions,
): PairedBootstrapResult {
  assertPaired('yTrue', yTrue, 'candidate', candidate);
  assertSameLength('yTrue', yTrue, 'baseline', baseline);
  const resamples = positiveInteger('resamples', options.resamples ?? 1000);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new ConfigurationError(`seed must be an integer, got ${seed}.`);
  const confidence = options.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) {
    throw new ConfigurationError(`confidence must be between 0 and 1 (e.g. 0.95), got ${confidence}.`);
  }
  const { compute, direction } = resolveMetric(options);
  const candidateValue = compute(yTrue, candidate);
  const baselineValue = compute(yTrue, baseline);

  const generator = new SeededRandom(seed);
  const counting = countingMetric(options);
  const { deltas, skipped } = counting
    ? { deltas: countedDeltas(yTrue, candidate, baseline, counting, resamples, generator), skipped: 0 }
    : gatheredDeltas(yTrue, candidate, baseline, compute, resamples, () => generator.next());
  if (deltas.length === 0) {
    throw new ConfigurationError(
      `the metric was undefined on all ${resamples} resamples (e.g. a single class in each): ` +
        'bootstrap needs more examples of every class.',
    );
  }
  const sorted = Float64Array.from(deltas).sort();
  const low = percentileOfSorted(sorted, (1 - confidence) / 2);
  const high = percentileOfSorted(sorted, (1 + confidence) / 2);
  const delta = candidateValue - baselineValue;
  const withinNoise = low <= 0 && high >= 0;
  let verdict: ChangeVerdict;
  if (withinNoise) verdict = 'within noise';
  else if (direction === undefined) verdict = delta > 0 ? 'higher' : 'lower';
  else verdict = delta > 0 === (direction === 'higher') ? 'better' : 'worse';
  const result: PairedBootstrapResult = {
    candidate: candidateValue,
    baseline: baselineValue,
    delta,
    low,
    high,
    confidence,
    resamples,
    seed,
    skipped,
    withinNoise,
    verdict,
  };
  if (options.keepDeltas) result.deltas = deltas;
  return result;
}

/** Each resample's delta, computed on the resampled values (a metric undefined on a resample skips it). */
function gatheredDeltas(
  yTrue: Labels,
  candidate: Values,
  baseline: Values,
  compute: MetricFunction,
  resamples: number,
  random: () => number,
): { deltas: number[]; skipped: number } {
  const count = yTrue.length;
  const indices = new Int32Array(count);
  // Three buffers reused by every resample: memory stays at a few copies of the input whatever `resamples` is.
  const sampleTrue = new Float64Array(count);
  const sampleCandidate = new Float64Array(count);
  const sampleBaseline = new Float64Array(count);
  const deltas: number[] = [];
  let skipped = 0;
  for (let resample = 0; resample < resamples; resample += 1) {
    drawBootstrapIndices(count, random, indices);
    for (let index = 0; index < count; index += 1) {
      const drawn = indices[index]!;
      sampleTrue[index] = yTrue[drawn]!;
      sampleCandidate[index] = candidate[drawn]!;
      sampleBaseline[index] = baseline[drawn]!;
    }
    try {
      deltas.push(compute(sampleTrue, sampleCandidate) - compute(sampleTrue, sampleBaseline));
    } catch (error) {
      if (!isConfigurationError(error)) throw error;
      skipped += 1;
    }
  }
  return { deltas, skipped };
}

/**
 * A counting metric depends on each example only through its confusion cells, so a resample enters it only through
 * how many drawn examples fall in each (label, candidate's prediction, baseline's prediction) cell. Drawing n rows
 * with replacement puts Multinomial(n, cell counts / n) draws in the eight cells: those counts are drawn directly,
 * a few thousand steps per resample instead of n random lookups. The resamples follow the same distribution as
 * drawing row indices, from another stream of the same seeded generator.
 */
function countedDeltas(
  yTrue: Labels,
  candidate: Values,
  baseline: Values,
  counting: CountingMetric,
  resamples: number,
  random: SeededRandom,
): number[] {
  const cells = pairedCellCounts(yTrue, candidate, baseline, counting.threshold);
  const drawn = new Float64Array(8);
  const deltas: number[] = [];
  for (let resample = 0; resample < resamples; resample += 1) {
    drawMultinomial(random, yTrue.length, cells, drawn);
    const candidateCounts = [0, 0, 0, 0];
    const baselineCounts = [0, 0, 0, 0];
    for (let pair = 0; pair < 8; pair += 1) {
      const label = pair >> 2;
      candidateCounts[label * 2 + ((pair >> 1) & 1)]! += drawn[pair]!;
      baselineCounts[label * 2 + (pair & 1)]! += drawn[pair]!;
    }
    deltas.push(
      ratesFromConfusion(confusionOf(candidateCounts))[counting.rate] -
        ratesFromConfusion(confusionOf(baselineCounts))[counting.rate],
    );
  }
  return deltas;
}

/** Binary metrics read off the confusion matrix, by name, with their threshold (`score >= threshold` positive). */
const COUNTING_RATES = { accuracy: 'accuracy', precision: 'precision', recall: 'recall', f1: 'f1' } as const;

interface CountingMetric {
  rate: (typeof COUNTING_RATES)[keyof typeof COUNTING_RATES];
  threshold: number;
}

function countingMetric(options: PairedBootstrapOptions): CountingMetric | undefined {
  if (options.task !== 'binary' || typeof options.metric !== 'string') return undefined;
  if (!Object.hasOwn(COUNTING_RATES, options.metric)) return undefined;
  return { rate: COUNTING_RATES[options.metric as keyof typeof COUNTING_RATES], threshold: options.threshold ?? 0.5 };
}

/**
 * How many examples fall in each cell label·4 + candidate·2 + baseline (a prediction is score ≥ threshold), so a
 * model's confusion cell (0 tn, 1 fp, 2 fn, 3 tp) is label·2 + its prediction (labels 0/1, checked by computing the
 * metric once).
 */
export function pairedCellCounts(yTrue: Labels, candidate: Values, baseline: Values, threshold: number): Float64Array {
  const counts = new Float64Array(8);
  for (let index = 0; index < yTrue.length; index += 1) {
    counts[
      (yTrue[index] === 1 ? 4 : 0) + (candidate[index]! >= threshold ? 2 : 0) + (baseline[index]! >= threshold ? 1 : 0)
    ]! += 1;
  }
  return counts;
}

function confusionOf(counts: readonly number[]) {
  return { tn: counts[0]!, fp: counts[1]!, fn: counts[2]!, tp: counts[3]! };
}

/** P(X ≤ k) for X ~ Binomial(n, ½), summed downward from k in ratio form so it neither underflows nor loses digits. */
export function binomialHalfCdf(k: number, n: number): number {
  if (k >= n) return 1;
  const logPmf = logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) - n * Math.LN2;
  let relative = 1;
  let sum = 1;
  for (let j = k; j > 0; j -= 1) {
    relative *= j / (n - j + 1);
    sum += relative;
    if (relative < sum * 1e-18) break;
  }
  return Math.exp(logPmf) * sum;
}

export interface McNemarOptions {
  /** Use the exact binomial test when fewer discordant pairs than this (default 25), else chi² with continuity. */
  exactBelow?: number;
}

export interface McNemarResult {
  /** Examples the candidate gets right and the baseline wrong. */
  candidateOnlyCorrect: number;
  /** Examples the baseline gets right and the candidate wrong. */
  baselineOnlyCorrect: number;
  discordant: number;
  method: 'exact-binomial' | 'chi2-continuity';
  /** min(b, c) for the exact test; (|b − c| − 1)² / (b + c) for chi². */
  statistic: number;
  /** Two-sided. */
  pValue: number;
}

/**
 * McNemar's test of paired accuracy: only the discordant examples (one model right, the other wrong) carry
 * information. With b + c < exactBelow (default 25, the usual rule of thumb) the exact two-sided binomial test
 * p = min(1, 2·P(X ≤ min(b, c))), X ~ Bin(b + c, ½) (scipy.stats.binomtest); otherwise the chi² statistic with
 * Edwards' continuity correction (|b − c| − 1)² / (b + c) on 1 degree of freedom (scipy.stats.chi2.sf).
 */
export function mcnemarTest(
  yTrue: Labels,
  candidatePred: Labels,
  baselinePred: Labels,
  options: McNemarOptions = {},
): McNemarResult {
  assertPaired('yTrue', yTrue, 'candidatePred', candidatePred);
  assertSameLength('yTrue', yTrue, 'baselinePred', baselinePred);
  assertFinite('yTrue', yTrue);
  assertFinite('candidatePred', candidatePred);
  assertFinite('baselinePred', baselinePred);
  let candidateOnly = 0;
  let baselineOnly = 0;
  for (let index = 0; index < yTrue.length; index += 1) {
    const candidateRight = candidatePred[index] === yTrue[index];
    const baselineRight = baselinePred[index] === yTrue[index];
    if (candidateRight && !baselineRight) candidateOnly += 1;
    else if (baselineRight && !candidateRight) baselineOnly += 1;
  }
  return mcnemarFromDiscordant(candidateOnly, baselineOnly, options);
}

/** McNemar's test from the discordant counts alone (see mcnemarTest). */
export function mcnemarFromDiscordant(
  candidateOnly: number,
  baselineOnly: number,
  options: McNemarOptions = {},
): McNemarResult {
  const exactBelow = options.exactBelow ?? 25;
  const discordant = candidateOnly + baselineOnly;
  const base = { candidateOnlyCorrect: candidateOnly, baselineOnlyCorrect: baselineOnly, discordant };
  if (discordant < exactBelow) {
    const smaller = Math.min(candidateOnly, baselineOnly);
    const pValue = discordant === 0 ? 1 : Math.min(1, 2 * binomialHalfCdf(smaller, discordant));
    return { ...base, method: 'exact-binomial', statistic: smaller, pValue };
  }
  const statistic = (Math.abs(candidateOnly - baselineOnly) - 1) ** 2 / discordant;
  return { ...base, method: 'chi2-continuity', statistic, pValue: chiSquareSf(statistic, 1) };
}

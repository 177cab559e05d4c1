// Gate evaluation: one look at every metric, decided with the mixture SPRT (always valid, so looking after every
// poll keeps the false-alarm rate at alpha) and Bonferroni's split of alpha across the statistical metrics.
//
// The arms need not be the same size (a 5% canary has 19 baseline requests per candidate request). Λ depends on
// the data only through θ̂ and the variance of θ̂, σ² = pA(1-pA)/nA + pB(1-pB)/nB, so the pair form of
// sequential.ts is used with an effective size n = 2·nA·nB/(nA + nB) and V = σ²·n; equal arms give the textbook
// n and V = pA(1-pA) + pB(1-pB).
import {
  type ConfidenceInterval,
  msprtOptimalMixingRatio,
  msprtTest,
  type SequentialAlternative,
} from '../statistics/sequential.js';
import { type Gate, type GateMetric, metricAlpha, type ProportionMetric, type ThresholdMetric } from './gate.js';

export interface ArmCounts {
  events: number;
  trials: number;
}

/** What one poll saw of a metric; undefined means Prometheus had no series (or could not be asked). */
export type MetricObservation =
  | { kind: 'proportion'; baseline: ArmCounts | undefined; candidate: ArmCounts | undefined }
  | { kind: 'threshold'; baseline: number | undefined; candidate: number | undefined };

export type MetricDecision =
  | 'harm' // guardrail: significant harm beyond the margin
  | 'no-harm-shown' // guardrail: no significant harm (yet)
  | 'non-inferior' // primary: the candidate is shown to be no worse than the margin
  | 'not-yet-non-inferior' // primary: not shown (yet)
  | 'within' // threshold kept
  | 'breach' // threshold broken
  | 'too-few-samples'
  | 'no-data';

export interface MetricVerdict {
  metric: string;
  kind: GateMetric['kind'];
  role: ProportionMetric['role'] | 'threshold';
  samples?: { baseline: number; candidate: number };
  /** Proportions (or values) per arm and the difference candidate - baseline. */
  estimate: { baseline?: number; candidate?: number; difference?: number };
  /** The 1 - α_m confidence sequence for the difference, intersected over the looks so far. */
  confidence?: ConfidenceInterval;
  /** Λ of this metric's one-sided test, against `threshold` = 1/α_m. */
  statistic?: number;
  threshold?: number;
  alpha?: number;
  tau?: number;
  /** The null value of the difference the test rejects (±margin). */
  theta0?: number;
  decision: MetricDecision;
  why: string;
}

export type GateDecision = 'rollback' | 'promotable' | 'safe' | 'wait';

export interface GateVerdict {
  /** rollback: harm or a breach; promotable: every primary shown non-inferior and nothing else wrong; safe: no harm
   * but no proof of non-inferiority yet; wait: missing data or fewer than min-samples per arm. */
  decision: GateDecision;
  why: string;
  metrics: MetricVerdict[];
}

const format = (value: number) => (Number.isFinite(value) ? Number(value.toPrecision(3)).toString() : String(value));

/** The test's direction for a metric: which way of θ = candidate - baseline rejects, and from which θ0. */
export function testDirection(metric: Pick<ProportionMetric, 'role' | 'better' | 'margin'>): {
  alternative: SequentialAlternative;
  theta0: number;
} {
  const worseIsUp = metric.better === 'lower';
  if (metric.role === 'guardrail') {
    // H0: the candidate is worse by at most the margin. Rejecting it is evidence of harm.
    return worseIsUp
      ? { alternative: 'greater', theta0: metric.margin }
      : { alternative: 'less', theta0: -metric.margin };
  }
  // H0: the candidate is worse by the margin or more. Rejecting it shows non-inferiority.
  return worseIsUp
    ? { alternative: 'less', theta0: metric.margin }
    : { alternative: 'greater', theta0: -metric.margin };
}

/**
 * Var(θ̂) = pA(1-pA)/nA + pB(1-pB)/nB with plug-in rates. An arm with no events (or only events) would add 0 and
 * make the test overconfident, so that arm uses the Jeffreys-smoothed rate (e + ½)/(n + 1) instead.
 */
export function differenceVariance(baseline: ArmCounts, candidate: ArmCounts): number {
  const armVariance = ({ events, trials }: ArmCounts) => {
    const p = events === 0 || events === trials ? (events + 0.5) / (trials + 1) : events / trials;
    return (p * (1 - p)) / trials;
  };
  return armVariance(baseline) + armVariance(candidate);
}

/**
 * The default mixing variance: τ² = r*(α)·V₀/n* with n* = min-samples and V₀ = 2p̄(1-p̄) from the pooled rate at
 * the first look with min-samples per arm, so the test is tightest where decisions start (sequential.ts msprtTau2).
 */
export function defaultTau2(baseline: ArmCounts, candidate: ArmCounts, minSamples: number, alpha: number): number {
  const total = baseline.trials + candidate.trials;
  const pooled = Math.min(Math.max((baseline.events + candidate.events) / total, 1 / total), 1 - 1 / total);
  return (msprtOptimalMixingRatio(alpha) * 2 * pooled * (1 - pooled)) / minSamples;
}

function cleanCounts(counts: ArmCounts | undefined): ArmCounts | undefined {
  if (!counts || !Number.isFinite(counts.trials) || !Number.isFinite(counts.events)) return undefined;
  // increase() extrapolates to the window's edges: counts come back fractional and must be whole for the test.
  const trials = Math.max(0, Math.round(counts.trials));
  const events = Math.min(trials, Math.max(0, Math.round(counts.events)));
  return trials === 0 ? undefined : { events, trials };
}

interface MetricState {
  tau2?: number;
  confidence?: ConfidenceInterval;
}

/**
 * Evaluates looks one after another, keeping what an always-valid test carries between looks: the mixing
 * variance fixed at the first decisive look, and the running intersection of the confidence sequence.
 */
export class GateEvaluator {
  readonly gate: Gate;
  readonly alpha: number;
  readonly #state = new Map<string, MetricState>();

  constructor(gate: Gate) {
    this.gate = gate;
    this.alpha = metricAlpha(gate);
  }

  evaluate(observations: ReadonlyMap<string, MetricObservation>): GateVerdict {
    const proportionSamples = this.gate.metrics.flatMap((metric) => {
      if (metric.kind !== 'proportion') return [];
      const seen = observations.get(metric.name);
      if (seen?.kind !== 'proportion') return [0];
      return [Math.min(cleanCounts(seen.baseline)?.trials ?? 0, cleanCounts(seen.candidate)?.trials ?? 0)];
    });
    // Thresholds wait for the same per-arm traffic as the tests: a p95 of ten requests decides nothing.
    const armSamples = proportionSamples.length > 0 ? Math.min(...proportionSamples) : undefined;
    const metrics = this.gate.metrics.map((metric) => {
      const seen = observations.get(metric.name);
      return metric.kind === 'proportion'
        ? this.#proportion(metric, seen?.kind === 'proportion' ? seen : undefined)
        : this.#threshold(metric, seen?.kind === 'threshold' ? seen : undefined, armSamples);
    });
    return summarise(metrics);
  }

  #proportion(
    metric: ProportionMetric,
    seen: Extract<MetricObservation, { kind: 'proportion' }> | undefined,
  ): MetricVerdict {
    const base = {
      metric: metric.name,
      kind: metric.kind,
      role: metric.role,
      alpha: this.alpha,
      threshold: 1 / this.alpha,
    };
    const baseline = cleanCounts(seen?.baseline);
    const candidate = cleanCounts(seen?.candidate);
    if (!baseline || !candidate) {
      const missing = [!baseline ? 'baseline' : '', !candidate ? 'candidate' : ''].filter(Boolean).join(' and ');
      return { ...base, estimate: {}, decision: 'no-data', why: `no requests counted for the ${missing}` };
    }
    const pA = baseline.events / baseline.trials;
    const pB = candidate.events / candidate.trials;
    const samples = { baseline: baseline.trials, candidate: candidate.trials };
    const estimate = { baseline: pA, candidate: pB, difference: pB - pA };
    const state = this.#state.get(metric.name) ?? {};
    this.#state.set(metric.name, state);
    const minSamples = this.gate.minSamples;
    if (samples.baseline < minSamples || samples.candidate < minSamples) {
      return {
        ...base,
        samples,
        estimate,
        decision: 'too-few-samples',
        why: `${Math.min(samples.baseline, samples.candidate)} of ${minSamples} requests per arm needed before deciding`,
      };
    }
    if (state.tau2 === undefined) {
      state.tau2 =
        metric.tau !== undefined ? metric.tau ** 2 : defaultTau2(baseline, candidate, minSamples, this.alpha);
    }
    const { alternative, theta0 } = testDirection(metric);
    const sigma2 = differenceVariance(baseline, candidate);
    const n = (2 * samples.baseline * samples.candidate) / (samples.baseline + samples.candidate);
    const test = msprtTest(
      { n, thetaHat: pB - pA, variance: sigma2 * n, tau2: state.tau2, theta0 },
      { alpha: this.alpha, alternative },
    );
    const previous = state.confidence;
    state.confidence = previous
      ? {
          lower: Math.max(previous.lower, test.confidenceSequence.lower),
          upper: Math.min(previous.upper, test.confidenceSequence.upper),
        }
      : test.confidenceSequence;
    const statistic = test.likelihoodRatio;
    const verdict = {
      ...base,
      samples,
      estimate,
      confidence: state.confidence,
      statistic,
      tau: Math.sqrt(state.tau2),
      theta0,
    };
    const against = `Λ = ${format(statistic)} ${test.reject ? '≥' : '<'} 1/α = ${format(1 / this.alpha)}`;
    const side = alternative === 'greater' ? '>' : '<';
    if (metric.role === 'guardrail') {
      return test.reject
        ? {
            ...verdict,
            decision: 'harm',
            why: `candidate worse beyond the margin: difference ${side} ${format(theta0)}, ${against}`,
          }
        : { ...verdict, decision: 'no-harm-shown', why: `no significant harm beyond ${format(theta0)}: ${against}` };
    }
    return test.reject
      ? { ...verdict, decision: 'non-inferior', why: `non-inferior: difference ${side} ${format(theta0)}, ${against}` }
      : { ...verdict, decision: 'not-yet-non-inferior', why: `non-inferiority not shown yet: ${against}` };
  }

  #threshold(
    metric: ThresholdMetric,
    seen: Extract<MetricObservation, { kind: 'threshold' }> | undefined,
    armSamples: number | undefined,
  ): MetricVerdict {
    const base = { metric: metric.name, kind: metric.kind, role: 'threshold' as const };
    const candidate = seen?.candidate;
    const baseline = seen?.baseline;
    const estimate = {
      ...(baseline !== undefined && Number.isFinite(baseline) ? { baseline } : {}),
      ...(candidate !== undefined && Number.isFinite(candidate) ? { candidate } : {}),
    };
    if (candidate === undefined || !Number.isFinite(candidate)) {
      return {
        ...base,
        estimate,
        decision: 'no-data',
        why: 'no value for the candidate (no series, or NaN without traffic)',
      };
    }
    if (armSamples !== undefined && armSamples < this.gate.minSamples) {
      return {
        ...base,
        estimate,
        decision: 'too-few-samples',
        why: `${armSamples} of ${this.gate.minSamples} requests per arm needed before deciding`,
      };
    }
    const bound =
      metric.max !== undefined && candidate > metric.max
        ? `above max ${format(metric.max)}`
        : metric.min !== undefined && candidate < metric.min
          ? `below min ${format(metric.min)}`
          : undefined;
    const limits = [
      metric.min !== undefined ? `min ${format(metric.min)}` : '',
      metric.max !== undefined ? `max ${format(metric.max)}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    return bound
      ? { ...base, estimate, decision: 'breach', why: `candidate ${format(candidate)} ${bound}` }
      : { ...base, estimate, decision: 'within', why: `candidate ${format(candidate)} within ${limits}` };
  }
}

function summarise(metrics: MetricVerdict[]): GateVerdict {
  const named = (decisions: MetricDecision[]) =>
    metrics.filter((metric) => decisions.includes(metric.decision)).map((metric) => `${metric.metric}: ${metric.why}`);
  const failing = named(['harm', 'breach']);
  if (failing.length > 0) return { decision: 'rollback', why: failing.join('; '), metrics };
  const waiting = named(['no-data', 'too-few-samples']);
  if (waiting.length > 0) return { decision: 'wait', why: waiting.join('; '), metrics };
  const unproven = named(['not-yet-non-inferior']);
  if (unproven.length > 0) return { decision: 'safe', why: unproven.join('; '), metrics };
  return { decision: 'promotable', why: 'no harm, every threshold kept, every primary non-inferior', metrics };
}

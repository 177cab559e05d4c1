import { ConfigurationError } from '../errors/index.js';
import {
  type ChangeVerdict,
  type MetricDirection,
  type ModelTask,
  mcnemarFromDiscordant,
  mcnemarTest,
  metricDirection,
  metricFunction,
  pairedBootstrap,
  pairedCellCounts,
} from '../metrics/index.js';
import type { ResolvedColumns } from './compute.js';
import type { SignificanceSettings } from './tests-file.js';

export interface MetricSignificance {
  metric: string;
  delta: number;
  /** Percentile interval of the paired bootstrap's deltas. */
  low: number;
  high: number;
  confidence: number;
  /** McNemar's two-sided p-value, for accuracy. */
  pValue?: number;
  method: 'paired bootstrap' | 'paired bootstrap + McNemar';
  withinNoise: boolean;
  verdict: ChangeVerdict;
}

export interface SignificanceOutcome {
  results: MetricSignificance[];
  /** Why some or all metrics have no significance (not paired, not a per-example metric …). */
  notes: string[];
}

function sameValues(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index += 1) if (a[index] !== b[index]) return false;
  return true;
}

/**
 * McNemar's test of two binary models from their paired cells (label, candidate's and baseline's score ≥ threshold),
 * one pass without materialising the hard predictions: the candidate alone is right in cells 1 (label 0, baseline
 * says 1) and 6 (label 1, baseline says 0), the baseline alone in 2 and 5.
 */
function binaryMcNemar(candidate: ResolvedColumns, baseline: ResolvedColumns, threshold: number) {
  const cells = pairedCellCounts(candidate.labels, candidate.predictions, baseline.predictions, threshold);
  return mcnemarFromDiscordant(cells[1]! + cells[6]!, cells[2]! + cells[5]!);
}

function verdictOf(delta: number, withinNoise: boolean, direction: MetricDirection): ChangeVerdict {
  if (withinNoise) return 'within noise';
  return delta > 0 === (direction === 'higher') ? 'better' : 'worse';
}

/**
 * Is each metric's change against the baseline larger than the noise? Needs the baseline's predictions on the same
 * examples in the same order (checked through the labels). Every built-in per-example metric gets a paired
 * bootstrap interval of its delta at confidence 1 − alpha; accuracy is decided by McNemar's test on the discordant
 * examples, which is exact for paired proportions.
 */
export function compareWithBaseline(
  candidate: ResolvedColumns,
  baseline: ResolvedColumns,
  metrics: readonly string[],
  settings: SignificanceSettings,
  threshold: number,
): SignificanceOutcome {
  const notes: string[] = [];
  if (candidate.task !== baseline.task) {
    return {
      results: [],
      notes: [`The baseline is a ${baseline.task} model and this one ${candidate.task}: no significance.`],
    };
  }
  if (!sameValues(candidate.labels, baseline.labels)) {
    return {
      results: [],
      notes: [
        `The baseline's predictions are not on the same examples (${baseline.labels.length} rows with other labels or ` +
          `order than these ${candidate.labels.length}): no paired significance.`,
      ],
    };
  }
  const task: ModelTask = candidate.task;
  if (
    task === 'multiclass' &&
    JSON.stringify(candidate.classNames) !== JSON.stringify(baseline.classNames ?? candidate.classNames)
  ) {
    return { results: [], notes: ["The baseline's classes differ from these: no paired significance."] };
  }
  const confidence = 1 - settings.alpha;
  const results: MetricSignificance[] = [];
  for (const metric of metrics) {
    try {
      metricFunction(metric, task, { threshold });
    } catch (error) {
      if (error instanceof ConfigurationError) {
        notes.push(`${metric}: no significance (not a per-example metric of a ${task} model).`);
        continue;
      }
      throw error;
    }
    const bootstrap = pairedBootstrap(candidate.labels, candidate.predictions, baseline.predictions, {
      metric,
      task,
      threshold,
      resamples: settings.resamples,
      seed: settings.seed,
      confidence,
    });
    const result: MetricSignificance = {
      metric,
      delta: bootstrap.delta,
      low: bootstrap.low,
      high: bootstrap.high,
      confidence,
      method: 'paired bootstrap',
      withinNoise: bootstrap.withinNoise,
      verdict: bootstrap.verdict,
    };
    if (metric === 'accuracy' && task !== 'regression') {
      const test =
        task === 'binary'
          ? binaryMcNemar(candidate, baseline, threshold)
          : mcnemarTest(candidate.labels, candidate.predictions, baseline.predictions);
      result.pValue = test.pValue;
      result.method = 'paired bootstrap + McNemar';
      result.withinNoise = test.pValue >= settings.alpha;
      result.verdict = verdictOf(result.delta, result.withinNoise, metricDirection(metric));
    }
    results.push(result);
  }
  return { results, notes };
}

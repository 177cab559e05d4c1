import { formatNumber } from '../markdown/index.js';
import type { ReportCheck } from '../report/report.js';
import type { SliceEvaluation } from './compute.js';
import type { FlatMetrics } from './metric-files.js';
import type { MetricTest, SliceSettings, ThresholdKind } from './tests-file.js';

export type ThresholdStatus = 'passed' | 'failed' | 'skipped';

export interface ThresholdResult {
  /** Stable id for reports and the `failed-tests` output, e.g. `f1.max-drop` or `slice.region=EU.accuracy.min`. */
  id: string;
  metric: string;
  kind: ThresholdKind;
  limit: number;
  /** What was compared with the limit: the value (min, max), the drop, relative drop, rise, or the slices' gap. */
  observed?: number;
  status: ThresholdStatus;
  /** The test as a reader writes it: `≥ 0.85`, `drop ≤ 0.01`, `gap ≤ 0.05`. */
  description: string;
  /** Why it failed or was skipped, in a sentence. */
  reason?: string;
  slice?: { column: string; value?: string };
}

/**
 * Limits are compared with a relative tolerance of 1e-12: a drop of 0.91 − 0.90 is 0.010000000000000009 in binary
 * floating point, and a limit of 0.01 must let it pass.
 */
export const THRESHOLD_TOLERANCE = 1e-12;

function atMost(observed: number, limit: number): boolean {
  return observed <= limit + THRESHOLD_TOLERANCE * Math.max(1, Math.abs(limit));
}

function percent(value: number): string {
  return `${formatNumber(value * 100, 3)}%`;
}

export function describeThreshold(kind: ThresholdKind, limit: number): string {
  switch (kind) {
    case 'min':
      return `≥ ${formatNumber(limit)}`;
    case 'max':
      return `≤ ${formatNumber(limit)}`;
    case 'max-drop':
      return `drop ≤ ${formatNumber(limit)}`;
    case 'max-relative-drop':
      return `drop ≤ ${percent(limit)}`;
    case 'max-rise':
      return `rise ≤ ${formatNumber(limit)}`;
    case 'max-gap':
      return `gap ≤ ${formatNumber(limit)}`;
  }
}

const METRIC_GATES = ['min', 'max', 'max-drop', 'max-relative-drop', 'max-rise'] as const;

/**
 * The gates of one metric. `value` undefined: the metric could not be computed here (a slice where it is
 * undefined) and its gates fail, saying so. `baseline` undefined: the relative gates are skipped, because there is
 * nothing to compare with; the absolute ones still count.
 */
export function evaluateMetricThresholds(
  metric: string,
  test: MetricTest,
  value: number | undefined,
  baseline: number | undefined,
  idPrefix = '',
): ThresholdResult[] {
  const results: ThresholdResult[] = [];
  for (const kind of METRIC_GATES) {
    const limit = test[kind];
    if (limit === undefined) continue;
    const result: ThresholdResult = {
      id: `${idPrefix}${metric}.${kind}`,
      metric,
      kind,
      limit,
      status: 'passed',
      description: describeThreshold(kind, limit),
    };
    results.push(result);
    if (value === undefined) {
      result.status = 'failed';
      result.reason = `${metric} is undefined here`;
      continue;
    }
    if (kind === 'min' || kind === 'max') {
      result.observed = value;
      const passed = kind === 'min' ? atMost(-value, -limit) : atMost(value, limit);
      if (!passed) {
        result.status = 'failed';
        result.reason = `${metric} is ${formatNumber(value)}, ${kind === 'min' ? 'below' : 'above'} ${formatNumber(limit)}`;
      }
      continue;
    }
    if (baseline === undefined) {
      result.status = 'skipped';
      result.reason = 'no baseline to compare with';
      continue;
    }
    if (kind === 'max-rise') {
      result.observed = value - baseline;
      if (!atMost(result.observed, limit)) {
        result.status = 'failed';
        result.reason = `${metric} rose by ${formatNumber(result.observed)} (${formatNumber(baseline)} → ${formatNumber(value)}), more than ${formatNumber(limit)}`;
      }
      continue;
    }
    if (kind === 'max-drop') {
      result.observed = baseline - value;
      if (!atMost(result.observed, limit)) {
        result.status = 'failed';
        result.reason = `${metric} dropped by ${formatNumber(result.observed)} (${formatNumber(baseline)} → ${formatNumber(value)}), more than ${formatNumber(limit)}`;
      }
      continue;
    }
    if (baseline === 0) {
      result.status = value >= 0 ? 'passed' : 'failed';
      result.observed = value >= 0 ? 0 : Number.POSITIVE_INFINITY;
      if (value < 0) result.reason = `${metric} fell below a baseline of 0, an unbounded relative drop`;
      continue;
    }
    result.observed = (baseline - value) / Math.abs(baseline);
    if (!atMost(result.observed, limit)) {
      result.status = 'failed';
      result.reason = `${metric} dropped by ${percent(result.observed)} (${formatNumber(baseline)} → ${formatNumber(value)}), more than ${percent(limit)}`;
    }
  }
  return results;
}

/** A failed gate in the step's error line, led by its slice when it is one: `city=paris: recall is 0.175, below 0.2`. */
export function failedThresholdLine(gate: ThresholdResult): string {
  const what = gate.reason ?? `${gate.metric} ${gate.description}`;
  if (!gate.slice) return what;
  const slice = gate.slice.value === undefined ? gate.slice.column : `${gate.slice.column}=${gate.slice.value}`;
  return `${slice}: ${what}`;
}

/** The gates of every tested metric; `baseline` undefined means no baseline was found. */
export function evaluateModelThresholds(
  tests: Record<string, MetricTest>,
  metrics: FlatMetrics,
  baseline: FlatMetrics | undefined,
): ThresholdResult[] {
  return Object.entries(tests).flatMap(([metric, test]) =>
    evaluateMetricThresholds(metric, test, metrics[metric], baseline?.[metric]),
  );
}

function sliceKey(slice: { column: string; value: string }): string {
  return `${slice.column}=${slice.value}`;
}

/**
 * Per-slice gates (every slice with at least min-rows rows, against the same slice of the baseline) and, per
 * slice column, the gap between its best and worst slice. Slices below min-rows are reported but never gated.
 */
export function evaluateSliceThresholds(
  settings: SliceSettings,
  slices: readonly SliceEvaluation[],
  baseline: readonly SliceEvaluation[] | undefined,
): ThresholdResult[] {
  const results: ThresholdResult[] = [];
  const baselineBy = new Map((baseline ?? []).map((slice) => [sliceKey(slice), slice]));
  const eligible = slices.filter((slice) => !slice.tooSmall);
  for (const slice of eligible) {
    const before = baselineBy.get(sliceKey(slice));
    for (const [metric, test] of Object.entries(settings.metrics)) {
      const { 'max-gap': _gap, ...perSlice } = test;
      for (const result of evaluateMetricThresholds(
        metric,
        perSlice,
        slice.metrics[metric],
        before && !before.tooSmall ? before.metrics[metric] : undefined,
        `slice.${sliceKey(slice)}.`,
      )) {
        result.slice = { column: slice.column, value: slice.value };
        if (result.status === 'skipped' && baseline !== undefined) result.reason = 'slice not in the baseline';
        results.push(result);
      }
    }
  }
  for (const column of settings.by) {
    const inColumn = eligible.filter((slice) => slice.column === column);
    for (const [metric, test] of Object.entries(settings.metrics)) {
      const limit = test['max-gap'];
      if (limit === undefined) continue;
      const result: ThresholdResult = {
        id: `slice.${column}.${metric}.max-gap`,
        metric,
        kind: 'max-gap',
        limit,
        status: 'passed',
        description: describeThreshold('max-gap', limit),
        slice: { column },
      };
      results.push(result);
      const valued = inColumn.filter((slice) => slice.metrics[metric] !== undefined);
      if (valued.length < 2) {
        result.status = 'skipped';
        result.reason = `fewer than two slices of '${column}' with at least ${settings.minRows} rows`;
        continue;
      }
      const sorted = [...valued].sort((a, b) => a.metrics[metric]! - b.metrics[metric]!);
      const worst = sorted[0]!;
      const best = sorted.at(-1)!;
      result.observed = best.metrics[metric]! - worst.metrics[metric]!;
      if (!atMost(result.observed, limit)) {
        result.status = 'failed';
        result.reason =
          `${metric} differs by ${formatNumber(result.observed)} between ${column}=${best.value} ` +
          `(${formatNumber(best.metrics[metric]!)}) and ${column}=${worst.value} (${formatNumber(worst.metrics[metric]!)}), more than ${formatNumber(limit)}`;
      }
    }
  }
  return results;
}

/** The report's checks for threshold results; a skipped threshold is a warning of severity info. */
export function thresholdChecks(results: readonly ThresholdResult[]): ReportCheck[] {
  return results.map((gate) => ({
    id: gate.id.slice(0, 200),
    title:
      `${gate.slice ? `${gate.slice.column}${gate.slice.value ? `=${gate.slice.value}` : ''}: ` : ''}${gate.metric} ${gate.description}`.slice(
        0,
        500,
      ),
    status: gate.status === 'skipped' ? 'warning' : gate.status,
    severity: gate.status === 'skipped' ? 'info' : 'error',
    ...(gate.observed !== undefined ? { observed: gate.observed } : {}),
    expected: { [gate.kind]: gate.limit },
    ...(gate.reason ? { details: gate.reason } : {}),
  }));
}

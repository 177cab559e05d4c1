// The gate file (YAML; schemas/gate.schema.json describes it for editors): which Prometheus queries the rollout
// watches and what each one decides. Every mistake is reported with the file and line of the offending value.
import type { ConfigDocument, ConfigPath } from '../config/index.js';

export const GATE_METRIC_KINDS = ['proportion', 'threshold'] as const;
export const GATE_ROLES = ['guardrail', 'primary'] as const;
export const GATE_DIRECTIONS = ['lower', 'higher'] as const;

export type GateRole = (typeof GATE_ROLES)[number];
export type GateDirection = (typeof GATE_DIRECTIONS)[number];

interface MetricBase {
  name: string;
  /** Where the metric stands in the gate file, for errors found later (a query Prometheus refuses). */
  path: ConfigPath;
}

/** events / trials per arm, compared with an always-valid sequential test. */
export interface ProportionMetric extends MetricBase {
  kind: 'proportion';
  events: string;
  trials: string;
  better: GateDirection;
  /** guardrail: significant harm beyond `margin` rolls back. primary: non-inferiority within `margin` may promote. */
  role: GateRole;
  /** Tolerated absolute difference in the metric's own units (0.002 = 0.2 percentage points). */
  margin: number;
  /** Standard deviation of the mSPRT's mixing distribution; by default tuned to be tightest at `min-samples`. */
  tau: number | undefined;
}

/** A value per arm (latency p95) that the candidate must keep within bounds. */
export interface ThresholdMetric extends MetricBase {
  kind: 'threshold';
  query: string;
  max: number | undefined;
  min: number | undefined;
}

export type GateMetric = ProportionMetric | ThresholdMetric;

export interface Gate {
  version: 1;
  /** Family-wise false-alarm rate, split over the statistical metrics (Bonferroni). */
  alpha: number;
  /** Requests per arm before any decision. */
  minSamples: number;
  /** What `$variant` becomes in queries for each arm. */
  variants: { baseline: string; candidate: string };
  metrics: GateMetric[];
  /** The parsed file, so later checks (queries Prometheus refuses) can still name the line. */
  document: ConfigDocument;
}

export const GATE_DEFAULTS = { alpha: 0.05, minSamples: 500, baseline: 'baseline', candidate: 'candidate' } as const;

const TOP_KEYS = ['version', 'alpha', 'min-samples', 'variants', 'metrics'] as const;
const PROPORTION_KEYS = ['name', 'kind', 'events', 'trials', 'better', 'role', 'margin', 'tau'] as const;
const THRESHOLD_KEYS = ['name', 'kind', 'query', 'max', 'min'] as const;
const NAME_PATTERN = /^[A-Za-z0-9][\w.-]{0,62}$/;
const LABEL_VALUE_PATTERN = /^[^"\\\n]{1,200}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function checkKeys(
  document: ConfigDocument,
  path: ConfigPath,
  value: Record<string, unknown>,
  allowed: readonly string[],
  what: string,
) {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw document.error([...path, key], `unknown key '${key}' in ${what}; allowed: ${allowed.join(', ')}`, {
        key: true,
      });
    }
  }
}

function number(
  document: ConfigDocument,
  path: ConfigPath,
  value: unknown,
  check: (x: number) => boolean,
  expected: string,
): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) {
    throw document.error(path, `'${path.at(-1)}' must be ${expected}, got ${show(value)}`);
  }
  return value;
}

function choice<const T extends string>(
  document: ConfigDocument,
  path: ConfigPath,
  value: unknown,
  allowed: readonly T[],
): T {
  const found = allowed.find((item) => item === value);
  if (found === undefined) {
    throw document.error(path, `'${path.at(-1)}' must be one of ${allowed.join(', ')}, got ${show(value)}`);
  }
  return found;
}

function query(document: ConfigDocument, path: ConfigPath, value: unknown, needsWindow: boolean): string {
  const key = path.at(-1);
  if (typeof value !== 'string' || value.trim() === '') {
    throw document.error(path, `'${key}' must be a PromQL query, got ${show(value)}`);
  }
  if (!value.includes('$variant')) {
    throw document.error(
      path,
      `'${key}' must select one arm with $variant (e.g. {variant="$variant"}); without it both arms read the same series`,
    );
  }
  if (needsWindow && !value.includes('$window')) {
    throw document.error(
      path,
      `'${key}' must count since the rollout began with $window (e.g. increase(...[$window])); the test needs cumulative counts`,
    );
  }
  return value.trim();
}

function readMetric(document: ConfigDocument, index: number, value: unknown): GateMetric {
  const path: ConfigPath = ['metrics', index];
  if (!isRecord(value)) throw document.error(path, 'each metric must be a mapping with name, kind and its queries');
  if (typeof value.name !== 'string' || !NAME_PATTERN.test(value.name)) {
    throw document.error(
      [...path, 'name'],
      `'name' must be letters, digits, '.', '_' or '-' (up to 63), got ${show(value.name)}`,
    );
  }
  const kind = choice(document, [...path, 'kind'], value.kind ?? 'proportion', GATE_METRIC_KINDS);
  if (kind === 'threshold') {
    checkKeys(document, path, value, THRESHOLD_KEYS, `threshold metric '${value.name}'`);
    const finite = () => true;
    const max = value.max === undefined ? undefined : number(document, [...path, 'max'], value.max, finite, 'a number');
    const min = value.min === undefined ? undefined : number(document, [...path, 'min'], value.min, finite, 'a number');
    if (max === undefined && min === undefined) {
      throw document.error(path, `threshold metric '${value.name}' needs 'max' or 'min' (or both)`);
    }
    if (max !== undefined && min !== undefined && min > max) {
      throw document.error([...path, 'min'], `'min' (${min}) must not exceed 'max' (${max})`);
    }
    return { kind, name: value.name, path, query: query(document, [...path, 'query'], value.query, false), max, min };
  }
  checkKeys(document, path, value, PROPORTION_KEYS, `proportion metric '${value.name}'`);
  if (value.role === undefined) {
    throw document.error(
      path,
      `proportion metric '${value.name}' needs 'role': guardrail (harm rolls back) or primary (non-inferiority promotes)`,
    );
  }
  if (value.better === undefined)
    throw document.error(path, `proportion metric '${value.name}' needs 'better': lower or higher`);
  return {
    kind,
    name: value.name,
    path,
    events: query(document, [...path, 'events'], value.events, true),
    trials: query(document, [...path, 'trials'], value.trials, true),
    better: choice(document, [...path, 'better'], value.better, GATE_DIRECTIONS),
    role: choice(document, [...path, 'role'], value.role, GATE_ROLES),
    margin:
      value.margin === undefined
        ? 0
        : number(document, [...path, 'margin'], value.margin, (x) => x >= 0 && x < 1, 'a number in [0, 1)'),
    tau:
      value.tau === undefined
        ? undefined
        : number(document, [...path, 'tau'], value.tau, (x) => x > 0 && x <= 1, 'a number in (0, 1]'),
  };
}

/** Reads and checks a gate file; throws a ConfigurationError naming the file and line of the first mistake. */
export function readGate(document: ConfigDocument): Gate {
  const root = document.value;
  if (!isRecord(root))
    throw document.error([], 'a gate file must be a mapping with version, alpha, min-samples and metrics');
  checkKeys(document, [], root, TOP_KEYS, 'the gate file');
  if (root.version !== 1) throw document.error(['version'], `'version' must be 1, got ${show(root.version)}`);
  const alpha =
    root.alpha === undefined
      ? GATE_DEFAULTS.alpha
      : number(document, ['alpha'], root.alpha, (x) => x > 0 && x <= 0.5, 'a number in (0, 0.5] such as 0.05');
  const minSamples =
    root['min-samples'] === undefined
      ? GATE_DEFAULTS.minSamples
      : number(
          document,
          ['min-samples'],
          root['min-samples'],
          (x) => Number.isInteger(x) && x >= 1,
          'a whole number >= 1',
        );
  const variants = { baseline: GATE_DEFAULTS.baseline as string, candidate: GATE_DEFAULTS.candidate as string };
  if (root.variants !== undefined) {
    if (!isRecord(root.variants))
      throw document.error(['variants'], "'variants' must map baseline and candidate to label values");
    checkKeys(document, ['variants'], root.variants, ['baseline', 'candidate'], "'variants'");
    for (const arm of ['baseline', 'candidate'] as const) {
      const label = root.variants[arm];
      if (label === undefined) continue;
      if (typeof label !== 'string' || !LABEL_VALUE_PATTERN.test(label)) {
        throw document.error(
          ['variants', arm],
          `'${arm}' must be a label value without quotes or backslashes, got ${show(label)}`,
        );
      }
      variants[arm] = label;
    }
    if (variants.baseline === variants.candidate) {
      throw document.error(
        ['variants'],
        `baseline and candidate must have different label values, both are '${variants.baseline}'`,
      );
    }
  }
  if (!Array.isArray(root.metrics) || root.metrics.length === 0) {
    throw document.error(['metrics'], "'metrics' must be a list with at least one metric");
  }
  const metrics = root.metrics.map((metric, index) => readMetric(document, index, metric));
  const seen = new Set<string>();
  for (const [index, metric] of metrics.entries()) {
    if (seen.has(metric.name))
      throw document.error(['metrics', index, 'name'], `metric name '${metric.name}' is used twice`);
    seen.add(metric.name);
  }
  return { version: 1, alpha, minSamples, variants, metrics, document };
}

/** The statistical metrics share alpha equally (Bonferroni), so the family-wise false-alarm rate stays <= alpha. */
export function metricAlpha(gate: Pick<Gate, 'alpha' | 'metrics'>): number {
  const tested = gate.metrics.filter((metric) => metric.kind === 'proportion').length;
  return tested === 0 ? gate.alpha : gate.alpha / tested;
}

/** A query for one arm over the window since the rollout began. */
export function renderQuery(template: string, variant: string, windowSeconds: number): string {
  return template.replaceAll('$variant', variant).replaceAll('$window', `${Math.max(1, Math.ceil(windowSeconds))}s`);
}

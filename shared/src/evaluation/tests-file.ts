import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import type { ConfigDocument, ConfigPath } from '../config/index.js';
import { ConfigurationError } from '../errors/index.js';
import { BUILTIN_METRICS, isBuiltinMetric, type MetricDirection, type ModelTask } from '../metrics/index.js';

/** What a gate compares: the metric itself (min, max), its change against the baseline, or the spread of slices. */
export const THRESHOLD_KINDS = ['min', 'max', 'max-drop', 'max-relative-drop', 'max-rise', 'max-gap'] as const;
export type ThresholdKind = (typeof THRESHOLD_KINDS)[number];

export interface MetricTest {
  min?: number;
  max?: number;
  'max-drop'?: number;
  'max-relative-drop'?: number;
  'max-rise'?: number;
  /** Slices only: best minus worst slice value. */
  'max-gap'?: number;
  /** Which way is better; built-in metrics know theirs, custom metrics may say. */
  direction?: MetricDirection;
}

export interface SignificanceSettings {
  alpha: number;
  method: 'bootstrap';
  resamples: number;
  seed: number;
}

export interface SliceSettings {
  by: string[];
  minRows: number;
  metrics: Record<string, MetricTest>;
}

export interface ModelTests {
  metrics: Record<string, MetricTest>;
  significance?: SignificanceSettings;
  slices?: SliceSettings;
  /** The parsed file, so later checks (unknown metrics) can point at the line. */
  document?: ConfigDocument;
}

const threshold = { type: 'number' };
const metricTestProperties = {
  min: { ...threshold, description: 'The metric must be at least this.' },
  max: { ...threshold, description: 'The metric must be at most this.' },
  'max-drop': {
    type: 'number',
    minimum: 0,
    description: 'Largest absolute decrease allowed against the baseline (baseline − value).',
  },
  'max-relative-drop': {
    type: 'number',
    minimum: 0,
    description: 'Largest decrease allowed against the baseline as a fraction of it ((baseline − value) / |baseline|).',
  },
  'max-rise': {
    type: 'number',
    minimum: 0,
    description:
      'Largest absolute increase allowed against the baseline (value − baseline), for lower-is-better metrics.',
  },
  direction: { enum: ['higher', 'lower'], description: 'Which way is better, for custom metrics.' },
};

/** The JSON Schema of the tests file; `schemas/tests.schema.json` is the same, for editors (a test keeps them equal). */
export const TESTS_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://mlops-actions.dev/schemas/tests.schema.json',
  title: 'mlops-actions test-model tests',
  description: 'Metric gates of the test-model action: thresholds, regressions against the baseline, slices.',
  type: 'object',
  required: ['version'],
  additionalProperties: false,
  properties: {
    version: { const: 1 },
    metrics: {
      type: 'object',
      description: 'Gates by metric name: a built-in metric or any metric of the metrics files.',
      additionalProperties: { $ref: '#/$defs/metricTest' },
    },
    significance: {
      type: 'object',
      description: 'Flags changes against the baseline predictions that are smaller than the noise.',
      additionalProperties: false,
      properties: {
        alpha: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 0.5, default: 0.05 },
        method: { enum: ['bootstrap'], default: 'bootstrap' },
        resamples: { type: 'integer', minimum: 100, maximum: 100000, default: 2000 },
        seed: { type: 'integer', minimum: 0, default: 0 },
      },
    },
    slices: {
      type: 'object',
      description: 'Metrics per value of each column in `by`, and the gap between the best and the worst slice.',
      required: ['by'],
      additionalProperties: false,
      properties: {
        by: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true },
        'min-rows': { type: 'integer', minimum: 1, default: 30 },
        metrics: { type: 'object', additionalProperties: { $ref: '#/$defs/sliceTest' } },
      },
    },
  },
  $defs: {
    metricTest: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: metricTestProperties,
    },
    sliceTest: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        ...metricTestProperties,
        'max-gap': {
          type: 'number',
          minimum: 0,
          description: 'Largest difference allowed between the best and the worst slice of each `by` column.',
        },
      },
    },
  },
} as const;

let validator: ReturnType<Ajv2020['compile']> | undefined;

function compiled(): ReturnType<Ajv2020['compile']> {
  validator ??= new Ajv2020({ allErrors: false, strict: true, verbose: true }).compile(TESTS_SCHEMA);
  return validator;
}

function pathOf(instancePath: string): (string | number)[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function schemaError(document: ConfigDocument, error: ErrorObject): Error {
  const path = pathOf(error.instancePath);
  const at = path.length > 0 ? `'${path.at(-1)}'` : 'the tests file';
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = (error.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys((error.parentSchema as { properties?: object }).properties ?? {});
      return document.error([...path, key], `unknown key '${key}'; allowed here: ${allowed.join(', ')}`, {
        key: true,
      });
    }
    case 'required': {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      return document.error(path, `${at} needs '${missing}'`);
    }
    case 'const':
      return document.error(path, `${at} must be ${JSON.stringify(error.schema)}`);
    case 'enum':
      return document.error(path, `${at} must be one of ${(error.schema as unknown[]).join(', ')}`);
    case 'minProperties':
      return document.error(path, `${at} needs at least one of ${THRESHOLD_KINDS.join(', ')}`);
    default:
      return document.error(path, `${at} ${error.message ?? 'is invalid'}`);
  }
}

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}

/**
 * Reads a tests file (YAML or JSON) against TESTS_SCHEMA: unknown keys, wrong types and out-of-range values are
 * errors that name the file and line. Metric names are checked later, once the available metrics are known
 * (`checkTestedMetrics`).
 */
export function readTestsFile(document: ConfigDocument): ModelTests {
  const value = document.value ?? {};
  const validate = compiled();
  if (!validate(value)) throw schemaError(document, validate.errors![0]!);
  const raw = value as {
    metrics?: Record<string, MetricTest> | null;
    significance?: Partial<SignificanceSettings>;
    slices?: { by: string[]; 'min-rows'?: number; metrics?: Record<string, MetricTest> };
  };
  const tests: ModelTests = { metrics: { ...(raw.metrics ?? {}) }, document };
  if (raw.significance) {
    tests.significance = {
      alpha: raw.significance.alpha ?? 0.05,
      method: 'bootstrap',
      resamples: raw.significance.resamples ?? 2000,
      seed: raw.significance.seed ?? 0,
    };
  }
  if (raw.slices) {
    tests.slices = { by: raw.slices.by, minRows: raw.slices['min-rows'] ?? 30, metrics: raw.slices.metrics ?? {} };
  }
  for (const [section, metrics] of [
    ['metrics', tests.metrics],
    ['slices', tests.slices?.metrics ?? {}],
  ] as const) {
    for (const [name, test] of Object.entries(metrics)) checkDirection(document, section, name, defined(test));
  }
  return tests;
}

function metricPath(section: 'metrics' | 'slices', name: string): ConfigPath {
  return section === 'metrics' ? ['metrics', name] : ['slices', 'metrics', name];
}

/** A drop limit on a lower-is-better metric (or a rise limit on a higher-is-better one) guards the wrong way. */
function checkDirection(document: ConfigDocument, section: 'metrics' | 'slices', name: string, test: MetricTest) {
  const builtin = isBuiltinMetric(name) ? BUILTIN_METRICS[name].direction : undefined;
  if (builtin && test.direction && test.direction !== builtin) {
    throw document.error(
      [...metricPath(section, name), 'direction'],
      `'${name}' is a built-in metric where ${builtin} is better; remove 'direction'`,
    );
  }
  const direction = builtin ?? test.direction;
  if (test.min !== undefined && test.max !== undefined && test.min > test.max) {
    throw document.error([...metricPath(section, name), 'min'], `min ${test.min} is above max ${test.max}`);
  }
  if (direction === 'lower' && (test['max-drop'] !== undefined || test['max-relative-drop'] !== undefined)) {
    const key = test['max-drop'] !== undefined ? 'max-drop' : 'max-relative-drop';
    throw document.error(
      [...metricPath(section, name), key],
      `lower is better for '${name}', so a drop is an improvement; limit the regression with 'max-rise'`,
      { key: true },
    );
  }
  if (direction === 'higher' && test['max-rise'] !== undefined) {
    throw document.error(
      [...metricPath(section, name), 'max-rise'],
      `higher is better for '${name}', so a rise is an improvement; limit the regression with 'max-drop' or 'max-relative-drop'`,
      { key: true },
    );
  }
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function suggestion(name: string, available: readonly string[]): string {
  const close = available
    .map((candidate) => ({ candidate, distance: editDistance(name, candidate) }))
    .filter(({ distance }) => distance <= Math.max(1, Math.floor(name.length / 3)))
    .sort((a, b) => a.distance - b.distance)[0];
  return close ? ` Did you mean '${close.candidate}'?` : '';
}

/**
 * Every tested metric must exist: a built-in metric of the task (computed from predictions) or a metric of the
 * metrics files. An unknown name is an error at its line, with the closest available name.
 */
export function checkTestedMetrics(
  tests: ModelTests,
  available: readonly string[],
  task: ModelTask | undefined,
  sliceable: readonly string[] = available,
): void {
  const document = tests.document;
  const sections = [
    ['metrics', tests.metrics, available],
    ['slices', tests.slices?.metrics ?? {}, sliceable],
  ] as const;
  for (const [section, metrics, names] of sections) {
    for (const name of Object.keys(metrics)) {
      if (names.includes(name)) continue;
      const builtinElsewhere =
        isBuiltinMetric(name) &&
        task !== undefined &&
        !(BUILTIN_METRICS[name].tasks as readonly string[]).includes(task)
          ? ` '${name}' is a ${BUILTIN_METRICS[name].tasks.join('/')} metric and this is a ${task} model.`
          : '';
      const where = section === 'slices' ? 'computed per slice' : 'computed or read from the metrics files';
      const message =
        `unknown metric '${name}': the metrics ${where} are ${names.length > 0 ? names.join(', ') : 'none'}.` +
        (builtinElsewhere || suggestion(name, names));
      if (document) throw document.error(metricPath(section, name), message, { key: true, input: 'tests' });
      throw new ConfigurationError(message, { input: 'tests' });
    }
  }
}

/** Direction of a metric: built-in, else what the tests file says, else unknown. */
export function directionOf(name: string, tests: ModelTests | undefined): MetricDirection | undefined {
  if (isBuiltinMetric(name)) return BUILTIN_METRICS[name].direction;
  return tests?.metrics[name]?.direction ?? tests?.slices?.metrics[name]?.direction;
}

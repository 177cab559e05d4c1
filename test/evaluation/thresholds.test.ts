import { describe, expect, test } from 'vitest';
import {
  evaluateMetricThresholds,
  evaluateModelThresholds,
  evaluateSliceThresholds,
  type MetricTest,
  type SliceEvaluation,
  type ThresholdKind,
} from '../../shared/src/index.js';

type Row = [
  name: string,
  test: MetricTest,
  value: number | undefined,
  baseline: number | undefined,
  expected: Record<string, string>,
];

// [gate, value, baseline, status per gate kind]
const CASES: Row[] = [
  ['min met', { min: 0.85 }, 0.85, undefined, { min: 'passed' }],
  ['min missed', { min: 0.85 }, 0.8499, undefined, { min: 'failed' }],
  ['max met', { max: 3.2 }, 3.2, undefined, { max: 'passed' }],
  ['max missed', { max: 3.2 }, 3.21, undefined, { max: 'failed' }],
  [
    'drop within the limit, float noise included (0.91 → 0.90, limit 0.01)',
    { 'max-drop': 0.01 },
    0.9,
    0.91,
    { 'max-drop': 'passed' },
  ],
  ['drop over the limit', { 'max-drop': 0.01 }, 0.899, 0.91, { 'max-drop': 'failed' }],
  ['a rise is never a drop', { 'max-drop': 0.01 }, 0.95, 0.91, { 'max-drop': 'passed' }],
  [
    'drop without a baseline is skipped',
    { min: 0.8, 'max-drop': 0.01 },
    0.5,
    undefined,
    { min: 'failed', 'max-drop': 'skipped' },
  ],
  ['relative drop within 2%', { 'max-relative-drop': 0.02 }, 0.882, 0.9, { 'max-relative-drop': 'passed' }],
  ['relative drop over 2%', { 'max-relative-drop': 0.02 }, 0.8819, 0.9, { 'max-relative-drop': 'failed' }],
  [
    'relative drop against a negative baseline (r2 −0.5 → −0.6)',
    { 'max-relative-drop': 0.1 },
    -0.6,
    -0.5,
    { 'max-relative-drop': 'failed' },
  ],
  [
    'relative drop against a baseline of 0, value up',
    { 'max-relative-drop': 0.1 },
    0.1,
    0,
    { 'max-relative-drop': 'passed' },
  ],
  [
    'relative drop against a baseline of 0, value down',
    { 'max-relative-drop': 0.1 },
    -0.1,
    0,
    { 'max-relative-drop': 'failed' },
  ],
  [
    'relative drop without a baseline is skipped',
    { 'max-relative-drop': 0.02 },
    0.5,
    undefined,
    { 'max-relative-drop': 'skipped' },
  ],
  [
    'rise within the limit (3.0 → 3.1, limit 0.1)',
    { max: 3.2, 'max-rise': 0.1 },
    3.1,
    3.0,
    { max: 'passed', 'max-rise': 'passed' },
  ],
  ['rise over the limit', { max: 3.2, 'max-rise': 0.1 }, 3.11, 3.0, { max: 'passed', 'max-rise': 'failed' }],
  ['a fall is never a rise', { 'max-rise': 0.1 }, 2.0, 3.0, { 'max-rise': 'passed' }],
  ['rise without a baseline is skipped', { 'max-rise': 0.1 }, 9, undefined, { 'max-rise': 'skipped' }],
  [
    'an undefined value fails every gate',
    { min: 0.5, 'max-drop': 0.1 },
    undefined,
    0.9,
    { min: 'failed', 'max-drop': 'failed' },
  ],
];

describe('metric gates', () => {
  test.each(CASES)('%s', (_name, metricTest, value, baseline, expected) => {
    const results = evaluateMetricThresholds('m', metricTest, value, baseline);
    expect(Object.fromEntries(results.map((result) => [result.kind, result.status]))).toEqual(expected);
    for (const result of results) {
      expect(result.id).toBe(`m.${result.kind}`);
      if (result.status !== 'passed') expect(result.reason).toBeTruthy();
    }
  });

  test('observed values are the quantity compared: drop, relative drop, rise', () => {
    const [drop, relative, rise] = evaluateMetricThresholds(
      'm',
      { 'max-drop': 1, 'max-relative-drop': 1, 'max-rise': 1 },
      0.75,
      1,
    );
    expect(drop).toMatchObject({ kind: 'max-drop', observed: 0.25, description: 'drop ≤ 1' });
    expect(relative).toMatchObject({ kind: 'max-relative-drop', observed: 0.25, description: 'drop ≤ 100%' });
    expect(rise).toMatchObject({ kind: 'max-rise', observed: -0.25, description: 'rise ≤ 1' });
  });

  test('failure reasons say what happened in numbers', () => {
    const [result] = evaluateMetricThresholds('f1', { 'max-drop': 0.01 }, 0.85, 0.9);
    expect(result?.reason).toBe('f1 dropped by 0.05 (0.9 → 0.85), more than 0.01');
  });

  test('model gates use the baseline metric of the same name, none when absent', () => {
    const tests = { f1: { min: 0.8, 'max-drop': 0.01 }, rmse: { 'max-rise': 0.1 } };
    const withBaseline = evaluateModelThresholds(tests, { f1: 0.85, rmse: 3.05 }, { f1: 0.9, rmse: 3 });
    expect(withBaseline.map((gate) => `${gate.id}:${gate.status}`)).toEqual([
      'f1.min:passed',
      'f1.max-drop:failed',
      'rmse.max-rise:passed',
    ]);
    const without = evaluateModelThresholds(tests, { f1: 0.85, rmse: 3.05 }, undefined);
    expect(without.map((gate) => `${gate.id}:${gate.status}`)).toEqual([
      'f1.min:passed',
      'f1.max-drop:skipped',
      'rmse.max-rise:skipped',
    ]);
  });
});

function slice(column: string, value: string, accuracy: number | undefined, rows = 100): SliceEvaluation {
  return { column, value, rows, metrics: accuracy === undefined ? {} : { accuracy }, tooSmall: rows < 30 };
}

describe('slice gates', () => {
  const settings = (metricTest: MetricTest) => ({ by: ['region'], minRows: 30, metrics: { accuracy: metricTest } });
  const statuses = (results: ReturnType<typeof evaluateSliceThresholds>) =>
    Object.fromEntries(results.map((result) => [result.id, result.status]));

  test.each<[string, MetricTest, SliceEvaluation[], SliceEvaluation[] | undefined, Record<string, string>]>([
    [
      'gap within the limit',
      { 'max-gap': 0.05 },
      [slice('region', 'EU', 0.9), slice('region', 'US', 0.86)],
      undefined,
      { 'slice.region.accuracy.max-gap': 'passed' },
    ],
    [
      'gap over the limit',
      { 'max-gap': 0.05 },
      [slice('region', 'EU', 0.9), slice('region', 'US', 0.84), slice('region', 'APAC', 0.88)],
      undefined,
      { 'slice.region.accuracy.max-gap': 'failed' },
    ],
    [
      'a slice below min-rows neither widens the gap nor is gated',
      { min: 0.8, 'max-gap': 0.05 },
      [slice('region', 'EU', 0.9), slice('region', 'US', 0.88), slice('region', 'LATAM', 0.2, 5)],
      undefined,
      {
        'slice.region=EU.accuracy.min': 'passed',
        'slice.region=US.accuracy.min': 'passed',
        'slice.region.accuracy.max-gap': 'passed',
      },
    ],
    [
      'one eligible slice: the gap is skipped',
      { 'max-gap': 0.05 },
      [slice('region', 'EU', 0.9), slice('region', 'US', 0.5, 10)],
      undefined,
      { 'slice.region.accuracy.max-gap': 'skipped' },
    ],
    [
      'per-slice min',
      { min: 0.85 },
      [slice('region', 'EU', 0.9), slice('region', 'US', 0.84)],
      undefined,
      { 'slice.region=EU.accuracy.min': 'passed', 'slice.region=US.accuracy.min': 'failed' },
    ],
    [
      'per-slice drop against the same slice of the baseline',
      { 'max-drop': 0.02 },
      [slice('region', 'EU', 0.9), slice('region', 'US', 0.8)],
      [slice('region', 'EU', 0.91), slice('region', 'US', 0.85)],
      { 'slice.region=EU.accuracy.max-drop': 'passed', 'slice.region=US.accuracy.max-drop': 'failed' },
    ],
    [
      'per-slice drop without a baseline is skipped',
      { 'max-drop': 0.02 },
      [slice('region', 'EU', 0.9)],
      undefined,
      { 'slice.region=EU.accuracy.max-drop': 'skipped' },
    ],
  ])('%s', (_name, metricTest, slices, baseline, expected) => {
    expect(statuses(evaluateSliceThresholds(settings(metricTest), slices, baseline))).toEqual(expected);
  });

  test('the gap names the best and the worst slice', () => {
    const [gap] = evaluateSliceThresholds(
      settings({ 'max-gap': 0.05 }),
      [slice('region', 'EU', 0.9), slice('region', 'US', 0.8)],
      undefined,
    );
    expect(gap?.observed).toBeCloseTo(0.1, 12);
    expect(gap?.reason).toBe('accuracy differs by 0.1 between region=EU (0.9) and region=US (0.8), more than 0.05');
  });

  test('every gate kind is covered by the tables above', () => {
    const kinds = new Set<ThresholdKind>([
      ...CASES.flatMap(([, metricTest]) => Object.keys(metricTest) as ThresholdKind[]),
      'max-gap',
    ]);
    expect([...kinds].sort()).toEqual(['max', 'max-drop', 'max-gap', 'max-relative-drop', 'max-rise', 'min']);
  });
});

import { describe, expect, test } from 'vitest';
import { type KsMethod, kolmogorovSmirnovSf, ks2Samp, smirnovSf } from '../../shared/src/statistics/index.js';
import { runReference } from '../support/python.js';
import { expectRelative, normalSample, seededRandom, withTies } from './support.js';

// p-values must equal scipy's to 1e-9 relative: |ours - scipy| <= 1e-9 |scipy|.
const RELATIVE = 1e-9;
const METHODS: KsMethod[] = ['auto', 'exact', 'asymp'];

interface Case {
  label: string;
  x: number[];
  y: number[];
  methods: KsMethod[];
}

function makeCases(): Case[] {
  const random = seededRandom(20260517);
  const cases: Case[] = [];
  const sizes: Array<[number, number, KsMethod[]]> = [
    [1, 1, ['auto', 'exact']],
    [1, 3, METHODS],
    [5, 5, METHODS],
    [5, 7, METHODS],
    [8, 8, METHODS],
    [10, 12, METHODS],
    [13, 20, METHODS],
    [20, 20, METHODS],
    [20, 3, METHODS],
    [100, 80, METHODS],
    [100, 100, METHODS],
    [150, 1, METHODS],
    [1000, 900, METHODS],
    [1000, 1000, METHODS],
    [5000, 4000, METHODS],
    [5000, 5000, METHODS],
    [10000, 10000, ['auto']],
    [12000, 11000, ['auto', 'asymp']],
    [12000, 12000, ['auto', 'exact']],
    [12000, 5, ['auto', 'exact']],
    [30000, 20000, ['auto']],
  ];
  for (const [n1, n2, methods] of sizes) {
    for (const shift of [0, 0.3, 1.5]) {
      const x = normalSample(random, n1);
      const y = normalSample(random, n2, shift, 1.2);
      cases.push({ label: `${n1}x${n2} shift ${shift}`, x, y, methods });
      if (n1 >= 5)
        cases.push({ label: `${n1}x${n2} shift ${shift} ties`, x: withTies(x, 0.5), y: withTies(y, 0.5), methods });
    }
  }
  // A constant column on one side, a few distinct integers, identical samples.
  cases.push({ label: 'constant vs spread', x: Array(30).fill(2), y: normalSample(random, 25, 2), methods: METHODS });
  cases.push({ label: 'identical', x: [1, 2, 3, 4, 5], y: [1, 2, 3, 4, 5], methods: METHODS });
  const integers = (size: number) => Array.from({ length: size }, () => Math.floor(random() * 4));
  cases.push({ label: 'integers 0-3', x: integers(400), y: integers(300), methods: METHODS });
  return cases;
}

const SCIPY_KS = `
import warnings
from scipy import stats
warnings.simplefilter("ignore")
result = []
for case in data:
    row = {}
    for method in case["methods"]:
        r = stats.ks_2samp(case["x"], case["y"], method=method)
        row[method] = [float(r.statistic), float(r.pvalue)]
    result.append(row)
`;

describe('ks2Samp equals scipy 1.17.1 ks_2samp (two-sided)', () => {
  test('generated samples of many sizes, with and without ties, every method', async () => {
    const cases = makeCases();
    const reference = await runReference<Array<Record<string, [number, number]>>>(
      SCIPY_KS,
      cases.map(({ x, y, methods }) => ({ x, y, methods })),
    );
    let compared = 0;
    cases.forEach((testCase, index) => {
      for (const method of testCase.methods) {
        const [statistic, pValue] = reference[index]![method]!;
        const ours = ks2Samp(testCase.x, testCase.y, method);
        expect(ours.statistic, `${testCase.label} ${method} statistic`).toBe(statistic);
        expectRelative(ours.pValue, pValue, RELATIVE, `${testCase.label} ${method} p-value`);
        compared += 1;
      }
    });
    expect(compared).toBeGreaterThan(150);
  });

  test('the published vectors (shared/vectors/drift_vectors.out)', () => {
    // Inputs from drift_vectors.py; values pasted from drift_vectors.out (scipy 1.17.1).
    const x = [0.12, 0.35, 0.41, 0.58, 0.66, 0.73, 0.81, 0.97, 1.12, 1.35];
    const y = [0.45, 0.69, 0.88, 0.95, 1.02, 1.18, 1.27, 1.4, 1.55, 1.63, 1.71, 1.9];
    const small: Array<[KsMethod, number, number]> = [
      ['auto', 0.5333333333333333, 0.061746303232371354],
      ['exact', 0.5333333333333333, 0.061746303232371354],
      ['asymp', 0.5333333333333333, 0.0741846913580247],
    ];
    for (const [method, statistic, pValue] of small) {
      const result = ks2Samp(x, y, method);
      expect(result.statistic).toBe(statistic);
      expectRelative(result.pValue, pValue, RELATIVE, `small ${method}`);
    }
    const X = Array.from({ length: 500 }, (_, index) => ((index + 1) * 0.6180339887498949) % 1.0);
    const Y = Array.from({ length: 400 }, (_, index) => (((index + 1) * 0.4142135623730951) % 1.0) ** 1.2);
    const large: Array<[KsMethod, number, number]> = [
      ['auto', 0.0705, 0.20960386869533756],
      ['exact', 0.0705, 0.20960386869533756],
      ['asymp', 0.07050000000000001, 0.20970590652089327],
    ];
    for (const [method, statistic, pValue] of large) {
      const result = ks2Samp(X, Y, method);
      expect(result.statistic).toBe(statistic);
      expectRelative(result.pValue, pValue, RELATIVE, `large ${method}`);
    }
  });

  test('reports the method used after scipy fallbacks', () => {
    expect(ks2Samp([1, 2, 3], [2, 3, 4, 5]).method).toBe('exact');
    expect(
      ks2Samp(
        Array.from({ length: 10001 }, (_, i) => i),
        [1, 2],
      ).method,
    ).toBe('asymp');
    // lcm(46343, 46341) exceeds int32: scipy switches 'exact' to 'asymp'.
    const a = Array.from({ length: 46343 }, (_, i) => i);
    const b = Array.from({ length: 46341 }, (_, i) => i + 0.5);
    expect(ks2Samp(a, b, 'exact').method).toBe('asymp');
  });

  test.each([
    ['empty first sample', [], [1]],
    ['empty second sample', [1], []],
    ['NaN', [1, Number.NaN], [1]],
    ['Infinity', [1], [Number.POSITIVE_INFINITY]],
  ])('throws RangeError on %s', (_label, x, y) => {
    expect(() => ks2Samp(x, y)).toThrow(RangeError);
  });

  test('accepts Float64Array', () => {
    const result = ks2Samp(Float64Array.of(1, 2, 3), Float64Array.of(4, 5, 6));
    expect(result.statistic).toBe(1);
  });
});

describe('kstwo.sf and smirnov equal scipy on every branch', () => {
  test('kolmogorovSmirnovSf(n, x) against scipy kstwo.sf(x, n)', async () => {
    const ns = [1, 2, 3, 5, 10, 37, 100, 140, 141, 500, 1000, 5000, 20000, 99999, 100001, 300000];
    const points: Array<[number, number]> = [];
    for (const n of ns) {
      const scale = 1 / Math.sqrt(n);
      for (const x of [
        0.4 / n,
        0.7 / n,
        1 / n,
        1.5 / n,
        0.3 * scale,
        0.6 * scale,
        0.9 * scale,
        1.2 * scale,
        1.6 * scale,
        2.2 * scale,
        3 * scale,
        5 * scale,
        9 * scale,
        0.45,
        0.5,
        0.7,
        1 - 1.5 / n,
        0.99,
      ]) {
        if (x > 0 && x < 1) points.push([n, x]);
      }
    }
    const reference = await runReference<number[]>(
      'from scipy.stats import kstwo\nresult = [float(kstwo.sf(x, n)) for n, x in data]',
      points,
    );
    points.forEach(([n, x], index) => {
      expectRelative(kolmogorovSmirnovSf(n, x), reference[index]!, RELATIVE, `kstwo.sf(${x}, ${n})`);
    });
  });

  test('smirnovSf(n, x) against scipy.special.smirnov', async () => {
    const points: Array<[number, number]> = [];
    for (const n of [1, 2, 7, 30, 141, 1000, 12345, 200000, 1500000]) {
      for (const x of [0.5 / n, 1 / n, 3 / n, 0.8 / Math.sqrt(n), 2 / Math.sqrt(n), 0.3, 0.5, 0.75, 0.999]) {
        if (x > 0 && x < 1) points.push([n, x]);
      }
    }
    const reference = await runReference<number[]>(
      'from scipy.special import smirnov\nresult = [float(smirnov(n, x)) for n, x in data]',
      points,
    );
    points.forEach(([n, x], index) => {
      expectRelative(smirnovSf(n, x), reference[index]!, RELATIVE, `smirnov(${n}, ${x})`);
    });
  });
});

import { describe, expect, test } from 'vitest';
import {
  type Category,
  chiSquareDrift,
  chiSquareTest,
  chooseDriftMethod,
  countCategories,
  type DriftMethod,
  distinctValueCount,
  driftTest,
  fillEmptyShares,
  histogramCounts,
  jensenShannonDistance,
  normedWassersteinDistance,
  normedWassersteinTest,
  populationStabilityIndex,
  populationStd,
  sturgesBinEdges,
  sturgesShares,
  twoProportionZTest,
  wassersteinDistance,
  wassersteinDistanceSorted,
  wassersteinDistanceUnordered,
  zTestDrift,
} from '../../shared/src/statistics/index.js';
import { runReference } from '../support/python.js';
import { expectRelative, normalSample, seededRandom, withTies } from './support.js';

// Sums run in a different order than numpy's pairwise/BLAS sums, so distances agree to 1e-12 relative (floor
// 1e-15 absolute for values that are 0 in exact arithmetic); p-values to 1e-12 relative; edges and counts exactly.
const RELATIVE = 1e-12;
const FLOOR = 1e-15;

interface NumericCase {
  label: string;
  reference: number[];
  current: number[];
}

function numericCases(): NumericCase[] {
  const random = seededRandom(7);
  const integers = (size: number, range: number) => Array.from({ length: size }, () => Math.floor(random() * range));
  return [
    { label: 'normal 37 vs 41', reference: normalSample(random, 37), current: normalSample(random, 41, 0.4) },
    { label: 'normal 1000 vs 1000', reference: normalSample(random, 1000), current: normalSample(random, 1000, 0.1) },
    {
      label: 'normal 5000 vs 2000 scaled',
      reference: normalSample(random, 5000, 3, 2),
      current: normalSample(random, 2000, 3, 3),
    },
    {
      label: 'ties',
      reference: withTies(normalSample(random, 300), 0.25),
      current: withTies(normalSample(random, 200, 1), 0.25),
    },
    { label: 'integers 0-9', reference: integers(500, 10), current: integers(700, 10) },
    { label: 'two values', reference: integers(100, 2), current: integers(80, 2) },
    { label: 'constant, same value', reference: Array(50).fill(3.5), current: Array(20).fill(3.5) },
    { label: 'constant reference', reference: Array(50).fill(1), current: normalSample(random, 60, 1) },
    {
      label: 'large magnitudes',
      reference: normalSample(random, 400, 1e6, 10),
      current: normalSample(random, 300, 1e6 + 3, 10),
    },
    { label: 'disjoint', reference: normalSample(random, 64), current: normalSample(random, 64, 50) },
    { label: 'single values', reference: [2], current: [5] },
  ];
}

const NUMPY_BINNED = `
import numpy as np
from scipy import stats
from scipy.spatial import distance
def evid_fill(p):
    p = p.copy(); nz = p[p != 0]; mn = nz.min(); eps = mn / 1e6 if mn <= 1e-4 else 1e-4
    p[p == 0] = eps; return p
result = []
for case in data:
    ref = np.asarray(case["reference"], dtype=float); cur = np.asarray(case["current"], dtype=float)
    edges = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
    rc = np.histogram(ref, edges)[0]; cc = np.histogram(cur, edges)[0]
    rp = rc / len(ref); cp = cc / len(cur)
    w = stats.wasserstein_distance(ref, cur)
    rf, cf = evid_fill(rp), evid_fill(cp)
    result.append({
        "edges": edges.tolist(), "refCounts": rc.tolist(), "curCounts": cc.tolist(),
        "wasserstein": float(w), "std": float(np.std(ref)), "normed": float(w / max(np.std(ref), 0.001)),
        "js": float(distance.jensenshannon(rp, cp)), "psi": float(np.sum((rf - cf) * np.log(rf / cf))),
        "ks": float(stats.ks_2samp(ref, cur).pvalue),
    })
`;

interface BinnedReference {
  edges: number[];
  refCounts: number[];
  curCounts: number[];
  wasserstein: number;
  std: number;
  normed: number;
  js: number;
  psi: number;
  ks: number;
}

describe('numeric binning and distances equal numpy / scipy / Evidently', () => {
  test('Sturges edges, counts, Wasserstein, normed Wasserstein, Jensen-Shannon, PSI', async () => {
    const cases = numericCases();
    const reference = await runReference<BinnedReference[]>(
      NUMPY_BINNED,
      cases.map(({ reference, current }) => ({ reference, current })),
    );
    cases.forEach((testCase, index) => {
      const expected = reference[index]!;
      const label = testCase.label;
      const edges = sturgesBinEdges([...testCase.reference, ...testCase.current]);
      expect([...edges], `${label} edges`).toEqual(expected.edges);
      expect([...histogramCounts(testCase.reference, edges)], `${label} reference counts`).toEqual(expected.refCounts);
      expect([...histogramCounts(testCase.current, edges)], `${label} current counts`).toEqual(expected.curCounts);
      const shares = sturgesShares(testCase.reference, testCase.current);
      expect([...shares.edges]).toEqual(expected.edges);
      const w = wassersteinDistance(testCase.reference, testCase.current);
      expectRelative(w, expected.wasserstein, RELATIVE, `${label} W1`, FLOOR);
      const reversed = Float64Array.from(testCase.reference).reverse();
      const unordered = wassersteinDistanceUnordered(reversed, Float64Array.from(testCase.current));
      expectRelative(unordered, expected.wasserstein, RELATIVE, `${label} W1 unordered`, FLOOR);
      expectRelative(populationStd(testCase.reference), expected.std, RELATIVE, `${label} std`, FLOOR);
      const normed = normedWassersteinDistance(testCase.reference, testCase.current);
      expectRelative(normed, expected.normed, RELATIVE, `${label} normed W1`, FLOOR);
      const js = jensenShannonDistance(shares.referenceShares, shares.currentShares);
      expectRelative(js, expected.js, RELATIVE, `${label} JS`, FLOOR);
      const psi = populationStabilityIndex(shares.referenceShares, shares.currentShares);
      expectRelative(psi, expected.psi, RELATIVE, `${label} PSI`, FLOOR);
      // driftTest runs the same pieces (on sorted copies: the std's blocked sums may differ by a few ulps).
      expectRelative(driftTest('wasserstein', testCase.reference, testCase.current).statistic, normed, 1e-15, label);
      expect(driftTest('jensenshannon', testCase.reference, testCase.current).statistic).toBe(js);
      expect(driftTest('psi', testCase.reference, testCase.current).statistic).toBe(psi);
      expectRelative(driftTest('ks', testCase.reference, testCase.current).pValue!, expected.ks, 1e-9, `${label} KS`);
    });
  });

  test('Wasserstein without sorting equals the sorted merge on awkward samples, and scipy on 200,000 values', async () => {
    const random = seededRandom(23);
    const shapes: Record<string, () => number> = {
      uniform: () => random(),
      normal: () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()),
      'seven integers': () => Math.floor(random() * 7),
      'offset 1e9': () => 1e9 + random(),
      'heavy tail': () => 1 / (1 - random()) ** 2,
      'half one point': () => (random() < 0.5 ? 3 : random() * 6),
    };
    const sizes: [number, number, number][] = [
      [1, 1, 0],
      [1, 5, 0],
      [7, 3, 0.1],
      [3000, 2500, 0.01],
      [100_000, 80_000, 0],
      [100_000, 80_000, 0.05],
      [50, 50_000, 1000],
    ];
    for (const [shape, draw] of Object.entries(shapes)) {
      for (const [nu, nv, shift] of sizes) {
        const u = Float64Array.from({ length: nu }, draw);
        const v = Float64Array.from({ length: nv }, () => draw() + shift);
        const sortedV = v.slice().sort();
        const exact = wassersteinDistanceSorted(u.slice().sort(), sortedV);
        const label = `${shape} ${nu} vs ${nv} +${shift}`;
        // Offsets are measured from the minimum: rounding of about 2^-52 × the range, relative to the distance.
        const tolerance = Math.max(
          1e-12,
          (2 ** -40 * (Math.max(...sortedV.subarray(-1), ...u) - Math.min(sortedV[0]!, ...u))) / exact,
        );
        expectRelative(wassersteinDistanceUnordered(u, v), exact, tolerance, label, FLOOR);
        expectRelative(
          wassersteinDistanceUnordered(u, sortedV, { vSorted: true }),
          exact,
          tolerance,
          `${label} sorted v`,
          FLOOR,
        );
        // Few bins: most of them hold both CDFs crossing, merged inside the bin.
        expectRelative(wassersteinDistanceUnordered(u, v, { bins: 16 }), exact, tolerance, `${label} 16 bins`, FLOOR);
      }
    }
    // Ranges beyond what bins can hold in doubles are sorted and merged instead; NaN is refused, not skipped.
    const wide = Float64Array.from([-1e308, 0, 1, 2, 1e308]);
    const wideToo = Float64Array.from([1, -1e308, 0, 3, 1e308]);
    expect(wassersteinDistanceUnordered(wide, wideToo)).toBe(
      wassersteinDistanceSorted(wide.slice().sort(), wideToo.slice().sort()),
    );
    expect(() =>
      wassersteinDistanceUnordered(Float64Array.from([3, 1, Number.NaN, 2]), Float64Array.from([5, 1])),
    ).toThrow(RangeError);
    // Also where the NaN sits between values that otherwise ascend (no descent to see around it).
    expect(() =>
      wassersteinDistanceUnordered(Float64Array.from([1, Number.NaN, 2]), Float64Array.from([1, 5])),
    ).toThrow(RangeError);
    // The same values on both sides (ids): every bin may cross, and the answer is exactly 0.
    const ids = Float64Array.from({ length: 50_000 }, (_, index) => index);
    const shuffled = ids.slice().sort(() => random() - 0.5);
    expect(wassersteinDistanceUnordered(shuffled, ids, { vSorted: true })).toBe(0);
    // Against scipy itself on a sample large enough for 65,536 bins to matter, reference in file (random) order.
    const reference = Float64Array.from({ length: 200_000 }, shapes.normal as () => number);
    const current = Float64Array.from({ length: 150_000 }, () => (shapes.normal as () => number)() * 1.1 + 0.02);
    const expected = await runReference<{ w: number; normed: number }>(
      `import numpy as np
from scipy import stats
r, c = np.array(data["r"]), np.array(data["c"])
w = stats.wasserstein_distance(r, c)
result = {"w": float(w), "normed": float(w / np.std(r))}`,
      { r: [...reference], c: [...current] },
    );
    expectRelative(wassersteinDistanceUnordered(reference, current), expected.w, RELATIVE, 'scipy W1', FLOOR);
    const tested = normedWassersteinTest(reference, current.slice().sort(), 0.1, { currentSorted: true });
    expectRelative(tested.statistic, expected.normed, RELATIVE, 'scipy normed W1', FLOOR);
  });

  test('the published vectors (shared/vectors/drift_vectors.out)', () => {
    // Values pasted from drift_vectors.out (scipy 1.17.1, numpy 2.4.6); inputs from drift_vectors.py.
    const X = Array.from({ length: 500 }, (_, index) => ((index + 1) * 0.6180339887498949) % 1.0);
    const Y = Array.from({ length: 400 }, (_, index) => (((index + 1) * 0.4142135623730951) % 1.0) ** 1.2);
    const shares = sturgesShares(X, Y);
    expect(shares.edges.length - 1).toBe(11);
    expect(shares.edges[0]).toBe(0.0006090938902486613);
    expect(shares.edges[11]).toBe(0.9988137587103836);
    expect([...shares.referenceShares]).toEqual([
      0.092, 0.09, 0.092, 0.09, 0.09, 0.092, 0.09, 0.092, 0.09, 0.09, 0.092,
    ]);
    expect([...shares.currentShares]).toEqual([
      0.135, 0.105, 0.1, 0.09, 0.0875, 0.085, 0.085, 0.0775, 0.0825, 0.0775, 0.075,
    ]);
    expectRelative(
      populationStabilityIndex(shares.referenceShares, shares.currentShares),
      0.02886114440596946,
      RELATIVE,
      'PSI X vs Y',
    );
    expectRelative(
      jensenShannonDistance(shares.referenceShares, shares.currentShares),
      0.05994492947229342,
      RELATIVE,
      'JS X vs Y',
    );
    expectRelative(
      populationStabilityIndex([0.1, 0.2, 0.3, 0.25, 0.15], [0.12, 0.18, 0.25, 0.25, 0.2]),
      0.029253822911322405,
      RELATIVE,
      'PSI fixed bins',
    );
    expectRelative(
      populationStabilityIndex([0.5, 0.3, 0.2, 0], [0.4, 0.3, 0.2, 0.1]),
      0.7123991075017365,
      RELATIVE,
      'PSI empty bin',
    );
    expect(wassersteinDistance([0, 1, 3], [5, 6, 8])).toBe(5);
    const x = [0.12, 0.35, 0.41, 0.58, 0.66, 0.73, 0.81, 0.97, 1.12, 1.35];
    const y = [0.45, 0.69, 0.88, 0.95, 1.02, 1.18, 1.27, 1.4, 1.55, 1.63, 1.71, 1.9];
    expectRelative(wassersteinDistance(x, y), 0.5091666666666667, RELATIVE, 'W1 x vs y');
    expectRelative(populationStd(x), 0.35253368633366094, RELATIVE, 'std x');
    expectRelative(normedWassersteinDistance(x, y), 1.444306420648715, RELATIVE, 'normed x vs y');
    expectRelative(wassersteinDistance(X, Y), 0.0452283007129685, RELATIVE, 'W1 X vs Y');
    expectRelative(normedWassersteinDistance(X, Y), 0.15669409133826806, RELATIVE, 'normed X vs Y');
    expectRelative(jensenShannonDistance([0.1, 0.4, 0.5], [0.8, 0.15, 0.05]), 0.5396858721757166, RELATIVE, 'JS p q');
    expectRelative(jensenShannonDistance([0.5, 0.5, 0], [0, 0.5, 0.5]), 0.5887050112577373, RELATIVE, 'JS with zeros');
    expectRelative(jensenShannonDistance([10, 40, 50], [80, 15, 5]), 0.5396858721757166, RELATIVE, 'JS of counts');
    const chi = chiSquareTest([30, 28, 22], [40, 24, 16]);
    expectRelative(chi.statistic, 5.416666666666666, RELATIVE, 'chi-square statistic');
    expectRelative(chi.pValue, 0.06664779385646831, RELATIVE, 'chi-square p');
    const evidentlyChi = chiSquareDrift(
      countCategories(
        [...Array(50).fill('a'), ...Array(30).fill('b'), ...Array(20).fill('c')],
        [...Array(30).fill('a'), ...Array(28).fill('b'), ...Array(22).fill('c')],
      ),
    );
    expectRelative(evidentlyChi.pValue, 0.06664779385646831, RELATIVE, 'Evidently chi-square p');
    const z = twoProportionZTest(120, 1000, 150, 1000);
    expectRelative(z.statistic, -1.963049807622355, RELATIVE, 'z');
    expectRelative(z.pValue, 0.04964038686536876, 1e-9, 'z-test p');
  });

  test('fillEmptyShares follows the README rule', () => {
    expect([...fillEmptyShares([0.5, 0.5, 0])]).toEqual([0.5, 0.5, 1e-4]);
    expect([...fillEmptyShares([0.99995, 0.00005, 0])]).toEqual([0.99995, 0.00005, 0.00005 / 1e6]);
    expect(() => fillEmptyShares([0, 0])).toThrow(RangeError);
  });
});

interface CategoricalCase {
  label: string;
  reference: Category[];
  current: Category[];
}

function categoricalCases(): CategoricalCase[] {
  const random = seededRandom(11);
  const draw = (size: number, weights: Array<[string, number]>) =>
    Array.from({ length: size }, () => {
      let u = random();
      for (const [value, weight] of weights) {
        u -= weight;
        if (u < 0) return value;
      }
      return weights.at(-1)![0];
    });
  return [
    {
      label: 'three colours, similar',
      reference: draw(300, [
        ['red', 0.5],
        ['green', 0.3],
        ['blue', 0.2],
      ]),
      current: draw(250, [
        ['red', 0.45],
        ['green', 0.35],
        ['blue', 0.2],
      ]),
    },
    {
      label: 'shifted',
      reference: draw(800, [
        ['a', 0.7],
        ['b', 0.2],
        ['c', 0.1],
      ]),
      current: draw(900, [
        ['a', 0.4],
        ['b', 0.3],
        ['c', 0.3],
      ]),
    },
    {
      label: 'twelve levels',
      reference: draw(
        5000,
        Array.from({ length: 12 }, (_, i) => [`k${i}`, 1 / 12] as [string, number]),
      ),
      current: draw(
        3000,
        Array.from({ length: 12 }, (_, i) => [`k${i}`, (i + 1) / 78] as [string, number]),
      ),
    },
    {
      label: 'new category in current',
      reference: draw(100, [
        ['x', 0.6],
        ['y', 0.4],
      ]),
      current: [
        ...draw(100, [
          ['x', 0.6],
          ['y', 0.4],
        ]),
        'z',
      ],
    },
    {
      label: 'binary',
      reference: draw(1000, [
        ['yes', 0.12],
        ['no', 0.88],
      ]),
      current: draw(700, [
        ['yes', 0.2],
        ['no', 0.8],
      ]),
    },
    {
      label: 'binary, strong shift',
      reference: draw(4000, [
        ['yes', 0.1],
        ['no', 0.9],
      ]),
      current: draw(4000, [
        ['yes', 0.3],
        ['no', 0.7],
      ]),
    },
  ];
}

const SCIPY_CATEGORICAL = `
import numpy as np
from scipy import stats
from scipy.spatial import distance
def evid_fill(p):
    p = p.copy(); nz = p[p != 0]; mn = nz.min(); eps = mn / 1e6 if mn <= 1e-4 else 1e-4
    p[p == 0] = eps; return p
result = []
for case in data:
    ref, cur = case["reference"], case["current"]
    keys = list(dict.fromkeys(ref + cur))
    rc = np.array([ref.count(k) for k in keys], dtype=float); cc = np.array([cur.count(k) for k in keys], dtype=float)
    f_exp = rc * len(cur) / len(ref)
    chi = stats.chisquare(cc, f_exp)
    rp, cp = rc / len(ref), cc / len(cur)
    # JSON has no Infinity: an infinite statistic (a category unseen in the reference) comes back as null.
    row = {"chi": [float(chi.statistic) if np.isfinite(chi.statistic) else None, float(chi.pvalue)], "js": float(distance.jensenshannon(rp, cp)),
           "psi": float(np.sum((evid_fill(rp) - evid_fill(cp)) * np.log(evid_fill(rp) / evid_fill(cp))))}
    if len(keys) == 2:
        n1, n2 = len(ref), len(cur); p1 = rc[0] / n1; p2 = cc[0] / n2; P = (p1 * n1 + p2 * n2) / (n1 + n2)
        z = (p1 - p2) / np.sqrt(P * (1 - P) * (1 / n1 + 1 / n2))
        row["z"] = [float(z), float(2 * stats.norm.sf(abs(z))), float(2 * (1 - stats.norm.cdf(abs(z))))]
    result.append(row)
`;

describe('categorical tests equal scipy and Evidently', () => {
  test('chi-square goodness of fit, z-test, JS and PSI on category shares', async () => {
    const cases = categoricalCases();
    const reference = await runReference<
      Array<{ chi: [number | null, number]; js: number; psi: number; z?: [number, number, number] }>
    >(
      SCIPY_CATEGORICAL,
      cases.map(({ reference, current }) => ({ reference, current })),
    );
    cases.forEach((testCase, index) => {
      const expected = reference[index]!;
      const label = testCase.label;
      const counts = countCategories(testCase.reference, testCase.current);
      const chi = chiSquareDrift(counts);
      if (expected.chi[0] === null) {
        expect(expected.chi[1], label).toBe(0);
        expect(chi.statistic, label).toBe(Number.POSITIVE_INFINITY);
        expect(chi.pValue, label).toBe(0);
      } else {
        expectRelative(chi.statistic, expected.chi[0], RELATIVE, `${label} chi-square statistic`);
        expectRelative(chi.pValue, expected.chi[1], RELATIVE, `${label} chi-square p`);
      }
      const js = driftTest('jensenshannon', testCase.reference, testCase.current);
      expectRelative(js.statistic, expected.js, RELATIVE, `${label} JS`, FLOOR);
      expectRelative(
        driftTest('psi', testCase.reference, testCase.current).statistic,
        expected.psi,
        RELATIVE,
        `${label} PSI`,
      );
      if (expected.z) {
        const z = zTestDrift(counts);
        expectRelative(z.statistic, expected.z[0], RELATIVE, `${label} z`);
        expectRelative(z.pValue, expected.z[1], RELATIVE, `${label} z p`);
        // Evidently's 2(1 - Φ(|z|)) loses digits in the tail; where it is not tiny it agrees to 1e-9.
        if (expected.z[2] > 1e-6) expectRelative(z.pValue, expected.z[2], 1e-9, `${label} z p (Evidently form)`);
      }
    });
  });
});

describe('chooseDriftMethod follows Evidently', () => {
  test.each<[number, 'numeric' | 'categorical', number, DriftMethod, number]>([
    [1000, 'numeric', 6, 'ks', 0.05],
    [1000, 'numeric', 5, 'chisquare', 0.05],
    [500, 'numeric', 3, 'chisquare', 0.05],
    [500, 'numeric', 2, 'z', 0.05],
    [10, 'numeric', 1, 'z', 0.05],
    [1000, 'categorical', 3, 'chisquare', 0.05],
    [1000, 'categorical', 2, 'z', 0.05],
    [1001, 'numeric', 6, 'wasserstein', 0.1],
    [1001, 'numeric', 5, 'jensenshannon', 0.1],
    [50000, 'categorical', 40, 'jensenshannon', 0.1],
    [50000, 'categorical', 2, 'jensenshannon', 0.1],
  ])('reference %i rows, %s, %i distinct → %s at %d', (rows, kind, distinct, method, threshold) => {
    expect(chooseDriftMethod(rows, kind, distinct)).toEqual({ method, threshold });
  });

  test('distinct values are counted over both samples', () => {
    expect(distinctValueCount([1, 2, 2, 3], [3, 4])).toBe(4);
    expect(distinctValueCount(['a'], ['a'])).toBe(1);
  });

  test('rejects nonsense', () => {
    expect(() => chooseDriftMethod(-1, 'numeric', 3)).toThrow(RangeError);
    expect(() => chooseDriftMethod(10, 'numeric', 2.5)).toThrow(RangeError);
  });
});

describe('driftTest decisions and edge cases', () => {
  test('p-value methods drift when p <= threshold, distances when distance >= threshold', () => {
    const reference = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const current = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
    const ks = driftTest('ks', reference, current);
    expect(ks.pValue).toBeLessThan(0.05);
    expect(ks).toMatchObject({ method: 'ks', threshold: 0.05, drifted: true });
    expect(driftTest('ks', reference, current, ks.pValue!).drifted).toBe(true);
    expect(driftTest('ks', reference, current, ks.pValue! * 0.999).drifted).toBe(false);
    const w = driftTest('wasserstein', reference, current);
    expect(w.pValue).toBeUndefined();
    expect(driftTest('wasserstein', reference, current, w.statistic).drifted).toBe(true);
    expect(driftTest('wasserstein', reference, current, w.statistic * 1.001).drifted).toBe(false);
  });

  test('constant columns and a single category do not drift', () => {
    const same = Array(20).fill(4);
    for (const method of ['ks', 'wasserstein', 'jensenshannon', 'psi', 'chisquare', 'z'] as const) {
      const result = driftTest(method, same, same.slice(0, 7));
      expect(result.drifted, method).toBe(false);
    }
    expect(driftTest('chisquare', ['a', 'a'], ['a'])).toMatchObject({ statistic: 0, pValue: 1, drifted: false });
    expect(driftTest('z', ['a', 'a'], ['a'])).toMatchObject({ statistic: 0, pValue: 1, drifted: false });
    expect(driftTest('jensenshannon', ['a', 'a'], ['a']).statistic).toBe(0);
  });

  test('numbers can be treated as categories for JS/PSI', () => {
    const result = driftTest('jensenshannon', [1, 1, 2, 2], [1, 2, 2, 2], undefined, 'categorical');
    expect(result.statistic).toBeCloseTo(jensenShannonDistance([0.5, 0.5], [0.25, 0.75]), 15);
  });

  test.each<[string, () => unknown]>([
    ['empty reference', () => driftTest('ks', [], [1])],
    ['empty current', () => driftTest('chisquare', ['a'], [])],
    ['NaN', () => driftTest('wasserstein', [1, Number.NaN], [1])],
    ['NaN category', () => driftTest('chisquare', ['a', Number.NaN], ['a'])],
    ['null category', () => driftTest('chisquare', ['a', null as unknown as string], ['a'])],
    ['strings to KS', () => driftTest('ks', ['a'], ['b'])],
    ['three categories to z', () => driftTest('z', ['a', 'b', 'c'], ['a'])],
    ['negative threshold', () => driftTest('ks', [1], [2], -1)],
  ])('%s throws RangeError', (_label, work) => {
    expect(work).toThrow(RangeError);
  });
});

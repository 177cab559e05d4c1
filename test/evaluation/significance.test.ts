import { expect, test } from 'vitest';
import { compareWithBaseline, createRandom, type ResolvedColumns } from '../../shared/src/index.js';
import { runReference } from '../support/python.js';

/** Binary columns as resolveColumns gives them: labels 0/1 and the positive class's scores. */
function binary(labels: Float64Array, scores: Float64Array): ResolvedColumns {
  return {
    task: 'binary',
    taskReason: 'test',
    labels,
    predictions: scores,
    probabilities: true,
    classes: [0, 1],
    classNames: ['0', '1'],
    notes: [],
  };
}

test.each([
  ['0.5', 0.5, 4_000],
  ['0.3, scores on it count as positive', 0.3, 4_000],
  // Few discordant examples: the exact binomial test.
  ['0.5, 40 rows', 0.5, 40],
])(
  "accuracy's McNemar p-value at threshold %s is scipy's McNemar (hard predictions score ≥ threshold)",
  async (_, threshold, rows) => {
    const random = createRandom(rows);
    const labels = Float64Array.from({ length: rows }, () => (random() < 0.4 ? 1 : 0));
    const round = (value: number) => Math.round(value * 10) / 10; // ties on the threshold
    const candidate = labels.map((label) =>
      round(Math.min(1, Math.max(0, 0.5 + (label ? 0.12 : -0.12) + 0.5 * (random() - 0.5)))),
    );
    const baseline = labels.map((label) =>
      round(Math.min(1, Math.max(0, 0.5 + (label ? 0.08 : -0.08) + 0.6 * (random() - 0.5)))),
    );
    const outcome = compareWithBaseline(
      binary(labels, candidate),
      binary(labels, baseline),
      ['accuracy'],
      { alpha: 0.05, method: 'bootstrap', resamples: 200, seed: 0 },
      threshold,
    );
    const reference = await runReference<{ pValue: number }>(
      `
import numpy as np
from scipy import stats
y, c, b, t = np.asarray(data["y"]), np.asarray(data["c"]), np.asarray(data["b"]), data["t"]
rc, rb = (c >= t) == y, (b >= t) == y
n01, n10 = int(np.sum(rc & ~rb)), int(np.sum(~rc & rb))
n = n01 + n10
p = min(1.0, stats.binomtest(min(n01, n10), n, 0.5).pvalue) if n < 25 else stats.chi2.sf((abs(n01 - n10) - 1) ** 2 / n, 1)
result = {"pValue": float(p)}
`,
      { y: Array.from(labels), c: Array.from(candidate), b: Array.from(baseline), t: threshold },
    );
    const [accuracy] = outcome.results;
    expect(accuracy?.method).toBe('paired bootstrap + McNemar');
    expect(Math.abs(accuracy!.pValue! - reference.pValue)).toBeLessThanOrEqual(
      1e-12 * Math.max(reference.pValue, 1e-300),
    );
  },
);

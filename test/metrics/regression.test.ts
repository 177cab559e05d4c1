import { beforeAll, describe, expect, test } from 'vitest';
import {
  createRandom,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredError,
  medianAbsoluteError,
  r2Score,
  regressionMetrics,
  rootMeanSquaredError,
} from '../../shared/src/metrics/index.js';
import { runReference } from '../support/python.js';
import { expectClose, normal } from './support.js';

interface RegressionCase {
  name: string;
  yTrue: number[];
  yPred: number[];
}

/** Targets around `center` with noise; `zeros` sets some targets to exactly 0 (MAPE's epsilon matters there). */
function regressionCase(size: number, center: number, decimals: number | null, zeros: boolean, seed: number) {
  const random = createRandom(seed);
  const yTrue: number[] = [];
  const yPred: number[] = [];
  for (let index = 0; index < size; index += 1) {
    let actual = center + 10 * normal(random);
    let predicted = actual + 3 * normal(random);
    if (decimals !== null) {
      actual = Math.round(actual * 10 ** decimals) / 10 ** decimals;
      predicted = Math.round(predicted * 10 ** decimals) / 10 ** decimals;
    }
    if (zeros && index % 7 === 0) actual = 0;
    yTrue.push(actual);
    yPred.push(predicted);
  }
  return { name: `n=${size} center=${center} decimals=${decimals} zeros=${zeros}`, yTrue, yPred };
}

const cases: RegressionCase[] = [
  regressionCase(2, 5, null, false, 1),
  regressionCase(11, 0, 1, true, 2),
  regressionCase(1_000, 1e6, null, false, 3),
  regressionCase(4_000, 3, 0, true, 4),
  regressionCase(50_000, -20, 2, false, 5),
  { name: 'constant truth, perfect prediction (R² forced to 1)', yTrue: [4, 4, 4], yPred: [4, 4, 4] },
  { name: 'constant truth, imperfect prediction (R² forced to 0)', yTrue: [4, 4, 4], yPred: [4, 5, 4] },
];

type SklearnRegression = Record<'mae' | 'mse' | 'rmse' | 'r2' | 'mape' | 'medae', number>;

let expected: SklearnRegression[];
beforeAll(async () => {
  expected = await runReference<SklearnRegression[]>(
    `
from sklearn import metrics as M
result = [{
    "mae": M.mean_absolute_error(c["yTrue"], c["yPred"]), "mse": M.mean_squared_error(c["yTrue"], c["yPred"]),
    "rmse": M.root_mean_squared_error(c["yTrue"], c["yPred"]), "r2": M.r2_score(c["yTrue"], c["yPred"]),
    "mape": M.mean_absolute_percentage_error(c["yTrue"], c["yPred"]),
    "medae": M.median_absolute_error(c["yTrue"], c["yPred"]),
} for c in data]
`,
    cases,
  );
});

describe('regression metrics equal scikit-learn 1.9.1', () => {
  test.each(cases.map((item, index) => [item.name, index] as const))('%s', (_, index) => {
    const yTrue = Float64Array.from(cases[index]!.yTrue);
    const yPred = Float64Array.from(cases[index]!.yPred);
    const reference = expected[index]!;
    expectClose(meanAbsoluteError(yTrue, yPred), reference.mae);
    expectClose(meanSquaredError(yTrue, yPred), reference.mse);
    expectClose(rootMeanSquaredError(yTrue, yPred), reference.rmse);
    expectClose(r2Score(yTrue, yPred), reference.r2);
    // With y = 0 the term is |error| / 2^-52 ≈ 4.5e15 · |error|: relative tolerance still applies.
    expectClose(meanAbsolutePercentageError(yTrue, yPred), reference.mape);
    expectClose(medianAbsoluteError(yTrue, yPred), reference.medae);
    const all = regressionMetrics(cases[index]!.yTrue, cases[index]!.yPred);
    expect(all.count).toBe(yTrue.length);
    expectClose(all.medianAbsoluteError, reference.medae);
    expectClose(all.mape, reference.mape);
    expectClose(all.r2, reference.r2);
  });
});

test('the median of an even count is the mean of the two middle values, as numpy', () => {
  expect(medianAbsoluteError([0, 0, 0, 0], [1, 4, 2, 3])).toBe(2.5);
  expect(medianAbsoluteError([0, 0, 0], [3, 1, 2])).toBe(2);
});

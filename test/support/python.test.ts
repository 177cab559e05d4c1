import { expect, test } from 'vitest';
import { runReference } from '../support/python.js';

test('the reference venv runs scipy with our input and returns its result', async () => {
  const result = await runReference<{ statistic: number; version: string }>(
    'import scipy\nfrom scipy import stats\nr = stats.ks_2samp(data["x"], data["y"])\nresult = {"statistic": float(r.statistic), "version": scipy.__version__}',
    { x: [1, 2, 3, 4], y: [3, 4, 5, 6, 7] },
  );
  expect(result.version).toBe('1.17.1');
  expect(result.statistic).toBe(0.6);
});

// Helpers for the statistics suites: a seeded generator for samples, and comparison with a stated tolerance.
import { expect } from 'vitest';

export { seededRandom } from '../support/random.js';

/** Normal draws by Box-Muller. */
export function normalSample(random: () => number, size: number, mean = 0, sd = 1): number[] {
  const values: number[] = [];
  while (values.length < size) {
    const radius = Math.sqrt(-2 * Math.log(1 - random()));
    const angle = 2 * Math.PI * random();
    values.push(mean + sd * radius * Math.cos(angle));
    if (values.length < size) values.push(mean + sd * radius * Math.sin(angle));
  }
  return values;
}

/** Rounds values to a grid, which makes ties. */
export function withTies(values: number[], step: number): number[] {
  return values.map((value) => Math.round(value / step) * step);
}

/** |actual - expected| <= relative · max(|expected|, floor) (NaN only for NaN); floor 0 = purely relative. */
export function expectRelative(actual: number, expected: number, relative: number, label: string, floor = 0): void {
  if (Number.isNaN(expected)) {
    expect(actual, label).toBeNaN();
    return;
  }
  const error = Math.abs(actual - expected);
  const allowed = relative * Math.max(Math.abs(expected), floor);
  if (!(error <= allowed)) {
    expect.fail(
      `${label}: got ${actual}, scipy ${expected}, relative error ${error / Math.abs(expected)} > ${relative}`,
    );
  }
}

import { describe, expect, test } from 'vitest';
import { distinctSorted, percentileOfSorted, quantileGrid } from '../../shared/src/index.js';

// Numeric columns arrive sorted from DuckDB: NaN last, -0 beside 0, infinities at the ends. Distinct counts and
// quantiles read from those arrays must agree with SQL's view of the same values (and DuckDB's quantile_cont).
describe('statistics read from sorted numeric columns', () => {
  test('distinct values: every NaN is one value, -0 and 0 are one value', () => {
    expect(distinctSorted(new Float64Array([]))).toBe(0);
    expect(distinctSorted(new Float64Array([1]))).toBe(1);
    expect(distinctSorted(new Float64Array([-0, 0, 1, 1, 2]))).toBe(3);
    expect(distinctSorted(new Float64Array([1, 2, Number.POSITIVE_INFINITY, Number.NaN, Number.NaN, Number.NaN]))).toBe(
      4,
    );
  });

  test('quantiles at or towards an infinite end are that infinity, not NaN', () => {
    const values = new Float64Array([1, 2, 3, Number.POSITIVE_INFINITY]);
    expect(percentileOfSorted(values, 1)).toBe(Number.POSITIVE_INFINITY);
    expect(percentileOfSorted(values, 0.9)).toBe(Number.POSITIVE_INFINITY);
    expect(percentileOfSorted(values, 0.5)).toBe(2.5);
    const low = new Float64Array([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, 0]);
    expect(percentileOfSorted(low, 0.25)).toBe(Number.NEGATIVE_INFINITY);
    expect(percentileOfSorted(low, 0.75)).toBe(Number.NEGATIVE_INFINITY);
  });

  test('a grid runs from the minimum to the maximum exactly', () => {
    const values = new Float64Array([0.1, 0.2, 0.7, 5]);
    const grid = quantileGrid(values, 1001);
    expect(grid[0]).toBe(0.1);
    expect(grid[1000]).toBe(5);
    expect(grid[500]).toBeCloseTo(0.45, 15);
  });
});

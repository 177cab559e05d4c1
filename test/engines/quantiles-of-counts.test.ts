import { describe, expect, test } from 'vitest';
import { quantilesOfCounts } from '../../shared/src/engines/index.js';
import { quantileGrid } from '../../shared/src/validation/index.js';
import { seededRandom } from '../support/random.js';

// A remote engine counts each value of a column with few values; the profile's 1001-point quantile grid is then
// read from the counts by rank, and must be numpy's (quantileGrid on the sorted sample) bit for bit.

const GRID = Array.from({ length: 1001 }, (_, index) => index / 1000);

function expanded(values: { value: number; count: number }[]): Float64Array {
  return Float64Array.from(values.flatMap(({ value, count }) => new Array<number>(count).fill(value)));
}

describe('quantiles from value counts', () => {
  test.each([
    ['one value once', [{ value: 4.5, count: 1 }]],
    ['one value many times', [{ value: -2, count: 37 }]],
    [
      'two values, uneven',
      [
        { value: 0, count: 3 },
        { value: 1, count: 997 },
      ],
    ],
    [
      'a rating',
      [
        { value: 1, count: 12 },
        { value: 2, count: 40 },
        { value: 3, count: 7 },
        { value: 4, count: 95 },
        { value: 5, count: 1 },
      ],
    ],
  ])('%s: equal to the quantiles of the sorted sample', (_, values) => {
    expect(quantilesOfCounts(values, GRID)).toEqual(quantileGrid(expanded(values), 1001));
  });

  test('a thousand random values with random counts: equal to the quantiles of the sorted sample', () => {
    const random = seededRandom(7);
    const values = Array.from({ length: 1000 }, (_, index) => ({
      value: index * 0.37 - 100 + random(),
      count: 1 + Math.floor(random() * 50),
    }));
    const grid = quantilesOfCounts(values, GRID);
    expect(grid).toEqual(quantileGrid(expanded(values), 1001));
    // Interpolated between neighbours, not the nearest rank: the median of 0 ×1, 10 ×1 is 5.
    expect(
      quantilesOfCounts(
        [
          { value: 0, count: 1 },
          { value: 10, count: 1 },
        ],
        [0.5],
      ),
    ).toEqual([5]);
  });
});

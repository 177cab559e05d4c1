import { describe, expect, test } from 'vitest';
import {
  ksStatisticFromGrid,
  ksStatisticSorted,
  type SharedGrid,
  wassersteinDistanceSorted,
  wassersteinFromGrid,
} from '../../shared/src/index.js';
import { seededRandom } from '../support/random.js';

// Drift statistics from counts on a shared grid: exact on a grid of points, within the stated bound on intervals.

function sample(size: number, seed: number, shift: number, round?: number): Float64Array {
  const random = seededRandom(seed);
  const values = Float64Array.from({ length: size }, () => {
    const value = shift + (random() + random() + random() - 1.5) * 4 + (random() < 0.05 ? 30 * random() : 0);
    return round ? Math.round(value * round) / round : value;
  });
  return values.sort();
}

function intervals(reference: Float64Array, current: Float64Array, cells: number): SharedGrid {
  const low = Math.min(reference[0] as number, current[0] as number);
  const high = Math.max(reference.at(-1) as number, current.at(-1) as number);
  const width = (high - low) / cells;
  const count = (values: Float64Array) => {
    const counts = new Float64Array(cells);
    for (const value of values) {
      const cell = Math.min(Math.floor((value - low) / width), cells - 1);
      counts[cell] = (counts[cell] as number) + 1;
    }
    return counts;
  };
  return {
    points: false,
    positions: Float64Array.from({ length: cells + 1 }, (_, index) => (index === cells ? high : low + index * width)),
    reference: count(reference),
    current: count(current),
  };
}

function points(reference: Float64Array, current: Float64Array): SharedGrid {
  const positions = Float64Array.from(new Set([...reference, ...current])).sort();
  const count = (values: Float64Array) => {
    const counts = new Float64Array(positions.length);
    for (const value of values) {
      let low = 0;
      let high = positions.length - 1;
      while (low < high) {
        const middle = (low + high) >> 1;
        if ((positions[middle] as number) < value) low = middle + 1;
        else high = middle;
      }
      counts[low] = (counts[low] as number) + 1;
    }
    return counts;
  };
  return { points: true, positions, reference: count(reference), current: count(current) };
}

describe('statistics from a shared grid', () => {
  test.each([
    [2000, 0, 200],
    [2000, 0.5, 200],
    [2000, 3, 2000],
    [50, 1, 20],
  ])('%i cells, shift %d: KS and Wasserstein within their bound of the exact values', (cells, shift, size) => {
    const reference = sample(size * 5, 1, 0);
    const current = sample(size * 4, 2, shift);
    const grid = intervals(reference, current, cells);
    const ks = ksStatisticFromGrid(grid);
    const exactKs = ksStatisticSorted(reference, current);
    expect(Math.abs(ks.statistic - exactKs)).toBeLessThanOrEqual(ks.bound + 1e-12);
    expect(ks.bound).toBeGreaterThan(0);
    const wasserstein = wassersteinFromGrid(grid);
    const exactW = wassersteinDistanceSorted(reference, current);
    expect(Math.abs(wasserstein.statistic - exactW)).toBeLessThanOrEqual(wasserstein.bound + 1e-9);
    // A finer grid bounds more tightly: at 2000 cells, a hundredth of the range or less.
    if (cells === 2000) expect(wasserstein.bound).toBeLessThan((grid.positions.at(-1)! - grid.positions[0]!) / 100);
  });

  test('a grid of points gives the exact statistics, with bound 0', () => {
    const reference = sample(3000, 3, 0, 2);
    const current = sample(2500, 4, 0.7, 2);
    const grid = points(reference, current);
    expect(ksStatisticFromGrid(grid)).toEqual({ statistic: ksStatisticSorted(reference, current), bound: 0 });
    const wasserstein = wassersteinFromGrid(grid);
    expect(wasserstein.bound).toBe(0);
    expect(wasserstein.statistic).toBeCloseTo(wassersteinDistanceSorted(reference, current), 12);
  });

  test('empty sides are refused', () => {
    const grid: SharedGrid = {
      points: true,
      positions: Float64Array.of(1, 2),
      reference: Float64Array.of(0, 0),
      current: Float64Array.of(1, 1),
    };
    expect(() => ksStatisticFromGrid(grid)).toThrow('a grid statistic needs values on both sides');
  });
});

// Drift statistics from counts on a grid both samples share, for data that stays in a remote engine: the engine
// counts each side's values per grid cell, and only the counts cross the network.

/**
 * Counts of two samples on one grid. `points`: each cell is one value (`positions` are the distinct values,
 * ascending), so the empirical CDFs are known everywhere and the statistics are exact. Otherwise the cells are the
 * intervals [positions[k], positions[k+1]) (the last one closed), `positions` having one more entry than the counts.
 */
export interface SharedGrid {
  points: boolean;
  positions: Float64Array;
  reference: Float64Array;
  current: Float64Array;
}

/** A statistic known to lie within `bound` of `statistic` (bound 0: exact, up to floating-point rounding). */
export interface BoundedStatistic {
  statistic: number;
  bound: number;
}

function totals(grid: SharedGrid): [number, number] {
  let reference = 0;
  let current = 0;
  for (let cell = 0; cell < grid.reference.length; cell += 1) {
    reference += grid.reference[cell] as number;
    current += grid.current[cell] as number;
  }
  if (reference === 0 || current === 0) throw new RangeError('a grid statistic needs values on both sides');
  return [reference, current];
}

/**
 * Both CDFs at each cell boundary: `below[k]` is the share of values in cells before k (for intervals, the CDF
 * just left of positions[k]); `through[k]` the share in cells up to and including k.
 */
function cumulativeShares(grid: SharedGrid): { reference: Float64Array; current: Float64Array } {
  const [referenceTotal, currentTotal] = totals(grid);
  const cells = grid.reference.length;
  const reference = new Float64Array(cells + 1);
  const current = new Float64Array(cells + 1);
  let referenceSum = 0;
  let currentSum = 0;
  for (let cell = 0; cell < cells; cell += 1) {
    referenceSum += grid.reference[cell] as number;
    currentSum += grid.current[cell] as number;
    reference[cell + 1] = referenceSum / referenceTotal;
    current[cell + 1] = currentSum / currentTotal;
  }
  return { reference, current };
}

/** The midpoint of an interval that surely holds the statistic, and half its width. */
const within = (low: number, high: number): BoundedStatistic => ({
  statistic: (low + high) / 2,
  bound: (high - low) / 2,
});

/**
 * The two-sample Kolmogorov-Smirnov D = sup |F_ref − F_cur|. On points, exact (the sup is reached at a value). On
 * intervals, D lies between the largest gap at a cell's left boundary (a limit of the CDFs, so D is at least that)
 * and, inside cell k, max(R[k+1] − C[k], C[k+1] − R[k]) (each CDF stays between its values at the cell's
 * boundaries): the bound is half that interval, at most the largest cell's share on either side.
 */
export function ksStatisticFromGrid(grid: SharedGrid): BoundedStatistic {
  const { reference, current } = cumulativeShares(grid);
  const cells = grid.reference.length;
  let low = 0;
  let high = 0;
  for (let cell = 0; cell < cells; cell += 1) {
    const after = Math.abs((reference[cell + 1] as number) - (current[cell + 1] as number));
    if (grid.points) {
      low = Math.max(low, after);
      continue;
    }
    low = Math.max(low, Math.abs((reference[cell] as number) - (current[cell] as number)), after);
    high = Math.max(
      high,
      (reference[cell + 1] as number) - (current[cell] as number),
      (current[cell + 1] as number) - (reference[cell] as number),
    );
  }
  return grid.points ? { statistic: low, bound: 0 } : within(low, Math.max(low, high));
}

/**
 * The 1-Wasserstein distance ∫ |F_ref − F_cur| dx. On points, exact: the CDFs are constant between values. On
 * intervals, inside cell k the difference stays within [R[k] − C[k+1], R[k+1] − C[k]], so its absolute value
 * integrates to between the width times the least and the greatest |value| of that range.
 */
export function wassersteinFromGrid(grid: SharedGrid): BoundedStatistic {
  const { reference, current } = cumulativeShares(grid);
  const cells = grid.reference.length;
  let low = 0;
  let high = 0;
  for (let cell = 0; cell < cells; cell += 1) {
    if (grid.points) {
      if (cell + 1 < cells) {
        const width = (grid.positions[cell + 1] as number) - (grid.positions[cell] as number);
        low += width * Math.abs((reference[cell + 1] as number) - (current[cell + 1] as number));
      }
      continue;
    }
    const width = (grid.positions[cell + 1] as number) - (grid.positions[cell] as number);
    const least = (reference[cell] as number) - (current[cell + 1] as number);
    const greatest = (reference[cell + 1] as number) - (current[cell] as number);
    const smallest = least <= 0 && greatest >= 0 ? 0 : Math.min(Math.abs(least), Math.abs(greatest));
    low += width * smallest;
    high += width * Math.max(Math.abs(least), Math.abs(greatest));
  }
  return grid.points ? { statistic: low, bound: 0 } : within(low, Math.max(low, high));
}

/** The population standard deviation of values given with their counts (two passes, as numpy's std). */
export function weightedPopulationStd(values: ArrayLike<number>, counts: ArrayLike<number>): number {
  let total = 0;
  let sum = 0;
  for (let index = 0; index < values.length; index += 1) {
    total += counts[index] as number;
    sum += (values[index] as number) * (counts[index] as number);
  }
  const mean = sum / total;
  let squares = 0;
  for (let index = 0; index < values.length; index += 1)
    squares += (counts[index] as number) * ((values[index] as number) - mean) ** 2;
  return Math.sqrt(squares / total);
}

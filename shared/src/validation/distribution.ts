import type { CategoryCounts } from '../statistics/categorical.js';

/** A drifted column's reference and current distributions side by side, as shares of each side's values. */
export type ColumnDistribution =
  | { kind: 'numeric'; edges: number[]; reference: number[]; current: number[] }
  | { kind: 'categorical'; categories: string[]; reference: number[]; current: number[] };

export const DISTRIBUTION_BINS = 10;
export const DISTRIBUTION_CATEGORIES = 5;

function range(values: ArrayLike<number>): [number, number] {
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index] as number;
    if (value < low) low = value;
    if (value > high) high = value;
  }
  return [low, high];
}

/** Each bin's share of `values`: [edge i, edge i+1), the last bin closed (as numpy.histogram with these edges). */
function shares(values: ArrayLike<number>, edges: readonly number[]): number[] {
  const bins = edges.length - 1;
  const counts = new Array<number>(bins).fill(0);
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index] as number;
    let low = 0;
    let high = bins - 1;
    // The last edge at or below the value, by bisection.
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((edges[middle] as number) <= value) low = middle;
      else high = middle - 1;
    }
    counts[low]! += 1;
  }
  return counts.map((count) => (values.length > 0 ? count / values.length : 0));
}

/**
 * Both sides' finite values on the same equal-width bins over their joint range (a reference from a profile is
 * its quantile grid, each point an equal share), so a shift shows as mass moving between the same bins.
 */
export function numericDistribution(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  bins = DISTRIBUTION_BINS,
): ColumnDistribution {
  const [referenceLow, referenceHigh] = range(reference);
  const [currentLow, currentHigh] = range(current);
  const low = Math.min(referenceLow, currentLow);
  const high = Math.max(referenceHigh, currentHigh);
  const count = high > low ? bins : 1;
  const width = (high - low) / count;
  const edges = Array.from({ length: count + 1 }, (_, index) => (index === count ? high : low + index * width));
  return { kind: 'numeric', edges, reference: shares(reference, edges), current: shares(current, edges) };
}

/** The categories most common on either side, each side's share of them, and the rest as one `(other)` row. */
export function categoricalDistribution(counts: CategoryCounts, top = DISTRIBUTION_CATEGORIES): ColumnDistribution {
  const order = counts.categories
    .map((category, index) => ({
      category: String(category),
      reference: (counts.referenceCounts[index] ?? 0) / Math.max(counts.referenceSize, 1),
      current: (counts.currentCounts[index] ?? 0) / Math.max(counts.currentSize, 1),
    }))
    .sort((a, b) => Math.max(b.reference, b.current) - Math.max(a.reference, a.current));
  const shown = order.slice(0, top);
  const rest = order.slice(top);
  const sum = (side: 'reference' | 'current') => rest.reduce((total, item) => total + item[side], 0);
  return {
    kind: 'categorical',
    categories: [...shown.map((item) => item.category), ...(rest.length > 0 ? ['(other)'] : [])],
    reference: [...shown.map((item) => item.reference), ...(rest.length > 0 ? [sum('reference')] : [])],
    current: [...shown.map((item) => item.current), ...(rest.length > 0 ? [sum('current')] : [])],
  };
}

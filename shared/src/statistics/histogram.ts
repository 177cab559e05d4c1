// numpy's histogram conventions, bit for bit: `histogram_bin_edges(values, 'sturges')` (linspace edges) and
// `histogram(sample, edges)` with explicit edges (every bin half-open except the last, which is closed).

import { mergeSorted, type NumericSample, sortedFiniteSample } from './numeric.js';

/** numpy `linspace(start, stop, count)` with endpoint: start + index * step, the last edge exactly `stop`. */
function linspace(start: number, stop: number, count: number): Float64Array {
  const edges = new Float64Array(count);
  const divisions = count - 1;
  const delta = stop - start;
  const step = delta / divisions;
  for (let index = 0; index < count; index += 1) {
    // numpy special-cases a zero (denormal-underflowed) step: y / div * delta.
    edges[index] = (step === 0 ? (index / divisions) * delta : index * step) + start;
  }
  edges[divisions] = stop;
  return edges;
}

/** Sturges bin edges over a sorted, finite, non-empty sample (numpy `histogram_bin_edges(a, 'sturges')`). */
export function sturgesBinEdgesSorted(sorted: Float64Array): Float64Array {
  return sturgesBinEdgesOfRange(sorted[0]!, sorted[sorted.length - 1]!, sorted.length);
}

/**
 * The same edges from what they depend on: the least and greatest of `size` finite values. An engine that keeps
 * the data computes those three aggregates, then counts each bin against these edges.
 */
export function sturgesBinEdgesOfRange(least: number, greatest: number, size: number): Float64Array {
  let first = least;
  let last = greatest;
  const width = (last - first) / (Math.log2(size) + 1);
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const binCount = width ? Math.ceil((last - first) / width) : 1;
  const edges = linspace(first, last, binCount + 1);
  for (let index = 1; index < edges.length; index += 1) {
    if (!(edges[index - 1]! < edges[index]!)) {
      throw new RangeError(`too many bins for the data range: cannot create ${binCount} finite-sized bins`);
    }
  }
  return edges;
}

/** numpy `histogram_bin_edges(values, bins='sturges')`. */
export function sturgesBinEdges(values: NumericSample): Float64Array {
  return sturgesBinEdgesSorted(sortedFiniteSample(values, 'values'));
}

/** First index whose value is >= (or > when `right`) the target, in a sorted array. */
export function searchSorted(sorted: Float64Array, target: number, right = false): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (right ? sorted[middle]! <= target : sorted[middle]! < target) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** numpy `histogram(sample, edges)[0]` for a sorted sample: values outside [edges[0], edges[-1]] are not counted. */
export function histogramCountsSorted(sorted: Float64Array, edges: Float64Array): Float64Array {
  const counts = new Float64Array(edges.length - 1);
  let previous = searchSorted(sorted, edges[0]!);
  for (let bin = 0; bin < counts.length; bin += 1) {
    const isLast = bin === counts.length - 1;
    const next = searchSorted(sorted, edges[bin + 1]!, isLast);
    counts[bin] = next - previous;
    previous = next;
  }
  return counts;
}

/** numpy `histogram(sample, edges)[0]`: edges must increase; the last bin includes its right edge. */
export function histogramCounts(sample: NumericSample, edges: ArrayLike<number>): Float64Array {
  if (edges.length < 2) throw new RangeError('a histogram needs at least two edges');
  const edgeArray = Float64Array.from(edges);
  for (let index = 1; index < edgeArray.length; index += 1) {
    if (!(edgeArray[index - 1]! <= edgeArray[index]!)) throw new RangeError('histogram edges must increase');
  }
  return histogramCountsSorted(sortedFiniteSample(sample, 'sample'), edgeArray);
}

export interface BinnedShares {
  edges: Float64Array;
  referenceShares: Float64Array;
  currentShares: Float64Array;
}

/**
 * Evidently's numeric binning for PSI and Jensen-Shannon: Sturges edges over reference and current combined,
 * then each sample's counts divided by its size.
 */
export function sturgesShares(reference: NumericSample, current: NumericSample): BinnedShares {
  return sturgesSharesSorted(sortedFiniteSample(reference, 'reference'), sortedFiniteSample(current, 'current'));
}

export function sturgesSharesSorted(reference: Float64Array, current: Float64Array): BinnedShares {
  const edges = sturgesBinEdgesSorted(mergeSorted(reference, current));
  const share = (sorted: Float64Array): Float64Array =>
    histogramCountsSorted(sorted, edges).map((count) => count / sorted.length);
  return { edges, referenceShares: share(reference), currentShares: share(current) };
}

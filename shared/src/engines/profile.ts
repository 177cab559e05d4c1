import type { ColumnInfo, Row } from '../data/engine.js';
import { percentileOfSorted } from '../metrics/significance.js';
import type { ColumnType } from '../validation/index.js';
import {
  type ColumnProfile,
  columnKind,
  columnProfileFromStats,
  completeNumericProfile,
  type DataProfile,
  keepsTopValues,
  ORDER_KEEPING_TEXT,
  PROFILE_QUANTILES,
  PROFILE_TOP_VALUES,
  type ProfileColumnKind,
  storedKind,
  topValues,
} from '../validation/index.js';
import type { RemoteSource } from './source.js';
import type { RemoteSession } from './tables.js';

const toNumber = (value: unknown) => (value === null || value === undefined ? null : Number(value));

/** A remote profile's aggregates (aliases `p_…`), read in the suite's query. */
export interface RemoteProfilePlan {
  columns: readonly ColumnInfo[];
  kinds: ProfileColumnKind[];
  reads: string[];
}

/** The finite values of a numeric column as doubles, else NULL, for aggregates that must skip NaN and ±∞. */
function finiteValue(session: RemoteSession, name: string): string {
  const { dialect } = session;
  const value = dialect.asDouble(dialect.identifier(name));
  return `CASE WHEN ${dialect.isFinite(value)} THEN ${value} END`;
}

export function planRemoteProfile(
  session: RemoteSession,
  columns: readonly ColumnInfo[],
  declared: ReadonlyMap<string, ColumnType>,
): RemoteProfilePlan {
  const { dialect } = session;
  const kinds = columns.map((info) => columnKind(info, declared.get(info.name)));
  const reads = ['count(*) AS p_rows'];
  columns.forEach((info, index) => {
    const id = dialect.identifier(info.name);
    reads.push(`count(${id}) AS p_n${index}`);
    if (kinds[index] === 'numeric') {
      const value = dialect.asDouble(id);
      const finite = finiteValue(session, info.name);
      // Distinct doubles, NaN counted once as the sorted values count it (numericSummary).
      reads.push(
        `${dialect.distinct(value)} AS p_d${index}`,
        `${dialect.countIf(`${id} IS NOT NULL AND NOT ${dialect.isFinite(value)}`)} AS p_nf${index}`,
        `min(${finite}) AS p_lo${index}`,
        `max(${finite}) AS p_hi${index}`,
        `avg(${finite}) AS p_mean${index}`,
        `${dialect.stddevPopulation(finite)} AS p_sd${index}`,
      );
      return;
    }
    const stored = storedKind(info.type);
    // Some types have no equality (PostgreSQL's json): their distinct values are counted as text.
    reads.push(`${dialect.distinct(stored === 'other' ? dialect.asText(id) : id)} AS p_d${index}`);
    if (stored === 'string') {
      // By code point, as DuckDB compares text, whatever the database's collation.
      reads.push(`min(${dialect.byCodePoint(id)}) AS p_lo${index}`, `max(${dialect.byCodePoint(id)}) AS p_hi${index}`);
    } else if (ORDER_KEEPING_TEXT.has(stored) && stored !== 'boolean') {
      reads.push(`${dialect.asText(`min(${id})`)} AS p_lo${index}`, `${dialect.asText(`max(${id})`)} AS p_hi${index}`);
    } else {
      // Booleans too: 'false' < 'true' as text, and not every engine has min(boolean).
      const text = dialect.byCodePoint(dialect.asText(id));
      reads.push(`min(${text}) AS p_lo${index}`, `max(${text}) AS p_hi${index}`);
    }
  });
  return { columns, kinds, reads };
}

/**
 * Quantiles at each of `qs` of the sample that `values` (ascending, each with its count) stand for, as numpy's
 * linear interpolation gives them on the sorted sample: the sample is read by rank, never expanded.
 */
export function quantilesOfCounts(
  values: readonly { value: number; count: number }[],
  qs: readonly number[],
): number[] {
  const ends: number[] = [];
  let total = 0;
  for (const { count } of values) {
    total += count;
    ends.push(total);
  }
  const atRank = (rank: number): number => {
    let low = 0;
    let high = ends.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((ends[middle] as number) > rank) high = middle;
      else low = middle + 1;
    }
    return (values[low] as { value: number }).value;
  };
  const sample = new Proxy({ length: total } as ArrayLike<number>, {
    get: (target, key) =>
      typeof key === 'string' && /^\d+$/.test(key) ? atRank(Number(key)) : Reflect.get(target, key),
  });
  return qs.map((q) => percentileOfSorted(sample, q));
}

/** The grid of quantiles a profile keeps, q = 0, 0.001, …, 1. */
const PROFILE_GRID = Array.from({ length: PROFILE_QUANTILES }, (_, index) => index / (PROFILE_QUANTILES - 1));

/**
 * The profile from the aggregate row. Numeric columns of a table of at most `exactRows` rows are fetched sorted
 * and summarized as DuckDB's are (identical profiles); larger ones from the engine's aggregates: exact counts,
 * moments, each value with its count when there are at most PROFILE_TOP_VALUES (then the quantiles too, exact,
 * from the counts), else the engine's quantiles (exact on PostgreSQL; on Spark within percentile_approx's rank
 * accuracy, marked `quantilesRankError`).
 */
export async function finishRemoteProfile(
  session: RemoteSession,
  source: RemoteSource,
  input: string,
  plan: RemoteProfilePlan,
  stats: Row,
  exactRows: number,
): Promise<DataProfile> {
  const { dialect } = session;
  const rows = toNumber(stats.p_rows) ?? 0;
  const profiles: ColumnProfile[] = [];
  const aggregated: { profile: ColumnProfile; name: string }[] = [];
  /**
   * Counts each value of a numeric column, up to PROFILE_TOP_VALUES finite ones (NaN and ±∞ are distinct values
   * too, as numericSummary counts them, but kept out of the top and the quantiles). True when every value was
   * counted: the profile then has its exact distinct count, top list and quantile grid.
   */
  const countValues = async (profile: ColumnProfile, name: string): Promise<boolean> => {
    const cap = PROFILE_TOP_VALUES + 4;
    const counted = await session.rows(
      `SELECT v, count(*) AS n FROM (SELECT ${dialect.asDouble(dialect.identifier(name))} AS v FROM ${source.from}) AS numbers WHERE v IS NOT NULL GROUP BY v LIMIT ${cap}`,
      input,
      source,
    );
    if (counted.length >= cap) {
      profile.distinct = Math.max(profile.distinct, cap);
      return false;
    }
    profile.distinct = counted.length;
    const finite = counted
      .map((row) => ({ value: Number(row.v), count: Number(row.n) }))
      .filter(({ value }) => Number.isFinite(value));
    if (finite.length > PROFILE_TOP_VALUES) return false;
    finite.sort((a, b) => a.value - b.value);
    profile.quantiles = quantilesOfCounts(finite, PROFILE_GRID);
    // As valueCounts orders them: most frequent first, ties by value.
    const top = [...finite]
      .sort((a, b) => b.count - a.count || a.value - b.value)
      .map(({ value, count }) => ({ value: String(value), count }));
    if (top.length > 0) profile.top = top;
    return true;
  };
  for (const [index, info] of plan.columns.entries()) {
    const kind = plan.kinds[index] as ProfileColumnKind;
    const id = dialect.identifier(info.name);
    const lowest = stats[`p_lo${index}`];
    const highest = stats[`p_hi${index}`];
    const profile = columnProfileFromStats(info, kind, stats, index, rows);
    const { count } = profile;
    profiles.push(profile);
    if (kind === 'numeric') {
      Object.assign(profile, { mean: null, stddev: null });
      if (count === 0) continue;
      if (rows <= exactRows) {
        const values = await session.rows(
          `SELECT ${dialect.asDouble(id)} AS v FROM ${source.from} WHERE ${id} IS NOT NULL ORDER BY 1`,
          input,
          source,
        );
        completeNumericProfile(
          profile,
          Float64Array.from(values, (row) => Number(row.v)),
          rows,
        );
        continue;
      }
      const nonFinite = toNumber(stats[`p_nf${index}`]) ?? 0;
      Object.assign(profile, {
        ...(nonFinite > 0 ? { nonFinite } : {}),
        min: toNumber(lowest),
        max: toNumber(highest),
        mean: toNumber(stats[`p_mean${index}`]),
        stddev: toNumber(stats[`p_sd${index}`]),
      });
      if (count > nonFinite) aggregated.push({ profile, name: info.name });
    } else if (keepsTopValues(profile, info)) {
      const text = dialect.asText(id);
      const top = await session.rows(
        `SELECT ${text} AS value, count(*) AS n FROM ${source.from} WHERE ${id} IS NOT NULL GROUP BY ${text} ORDER BY count(*) DESC, ${dialect.byCodePoint(text)} LIMIT ${PROFILE_TOP_VALUES}`,
        input,
        source,
      );
      topValues(profile, top);
    }
  }
  // Few values (at most PROFILE_TOP_VALUES, an estimate checked up to twice that): each value with its count, which
  // also gives the exact distinct count and the exact quantile grid; the rest get the engine's quantiles.
  const estimated: typeof aggregated = [];
  for (const { profile, name } of aggregated) {
    if (profile.distinct > PROFILE_TOP_VALUES * (dialect.exactDistinct ? 1 : 2) || !(await countValues(profile, name)))
      estimated.push({ profile, name });
  }
  if (estimated.length > 0) {
    const reads = estimated.map(
      ({ name }, index) => `${dialect.quantiles(finiteValue(session, name), PROFILE_GRID)} AS q${index}`,
    );
    const [quantiles = {}] = await session.rows(`SELECT ${reads.join(', ')} FROM ${source.from}`, input, source);
    for (const [index, { profile }] of estimated.entries()) {
      profile.quantiles = (quantiles[`q${index}`] as unknown[]).map(Number);
      if (dialect.quantilesRankError > 0) profile.quantilesRankError = dialect.quantilesRankError;
    }
  }
  return {
    kind: 'mlops-actions/data-profile',
    version: 1,
    rows,
    createdAt: new Date().toISOString(),
    columns: profiles,
  };
}

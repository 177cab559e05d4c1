import { type ColumnInfo, type DataEngine, quoteIdentifier, type Row } from '../data/engine.js';
import { percentileOfSorted } from '../metrics/significance.js';
import { finiteRun, populationMoments } from '../statistics/index.js';
import { asDouble, isNumericKind, numericValues, storedKind } from './columns.js';
import type { ColumnType } from './suite.js';

/** Quantiles kept per numeric column: a 0.001 grid, enough for drift against a profile without the raw data. */
export const PROFILE_QUANTILES = 1001;
/** Up to this many rows a profile also keeps the raw numeric values, so small references stay exact. */
export const PROFILE_RAW_VALUES_MAX_ROWS = 1000;
/** Categories kept per column; the rest are counted together. */
export const PROFILE_TOP_VALUES = 1000;

export type ProfileColumnKind = 'numeric' | 'categorical' | 'other';

export interface ColumnProfile {
  name: string;
  type: string;
  kind: ProfileColumnKind;
  count: number;
  nulls: number;
  /**
   * Numeric columns: exact (counted on the sorted values as doubles, so integers beyond 2^53 that round to the same
   * double count once), except beyond PROFILE_TOP_VALUES values in a Spark profile past exact-rows. Others: a
   * HyperLogLog estimate (approx_count_distinct, typically within a few percent).
   */
  distinct: number;
  /** Numeric columns: min, max, mean, stddev (population), quantiles and values are of the finite values only. */
  min?: string | number | null;
  max?: string | number | null;
  mean?: number | null;
  stddev?: number | null;
  /** Numeric columns: how many values are NaN, +∞ or −∞ (left out of the statistics, and of drift); absent when 0. */
  nonFinite?: number;
  /** PROFILE_QUANTILES values at q = 0, 0.001, …, 1 (exact, linear interpolation, unless quantilesRankError). */
  quantiles?: number[];
  /**
   * Present when `quantiles` are approximate (a remote engine's estimate past exact-rows, Spark's percentile_approx):
   * each point is a value whose rank lies within this share of the finite count of its q's rank.
   */
  quantilesRankError?: number;
  values?: number[];
  /**
   * Categorical columns: the PROFILE_TOP_VALUES most frequent values with their counts. Numeric columns with at
   * most PROFILE_TOP_VALUES distinct finite values (beyond PROFILE_RAW_VALUES_MAX_ROWS rows): every value, as
   * JavaScript prints the number, with its count.
   */
  top?: { value: string; count: number }[];
  otherCount?: number;
}

export interface DataProfile {
  kind: 'mlops-actions/data-profile';
  version: 1;
  rows: number;
  createdAt: string;
  columns: ColumnProfile[];
}

export function columnKind(info: ColumnInfo, declared?: ColumnType): ProfileColumnKind {
  const stored = storedKind(info.type);
  if (declared === 'category' || declared === 'string' || declared === 'boolean')
    return stored === 'other' ? 'other' : 'categorical';
  if (isNumericKind(stored)) return 'numeric';
  if (stored === 'string' || stored === 'boolean') return 'categorical';
  return 'other';
}

export const ORDER_KEEPING_TEXT = new Set(['string', 'date', 'timestamp', 'boolean']);
const DATE_KINDS = new Set(['date', 'timestamp']);

const toNumber = (value: unknown) => (value === null || value === undefined ? null : Number(value));

/**
 * Quantiles at q = 0, 1/(points−1), …, 1 of sorted values with numpy's default linear interpolation. Done here
 * rather than in SQL: DuckDB evaluates a list of quantiles one by one, a thousand passes over the column.
 */
export function quantileGrid(sorted: Float64Array, points: number): number[] {
  return Array.from({ length: points }, (_, index) => percentileOfSorted(sorted, index / (points - 1)));
}

/** The number of distinct values in an ascending array (-0 and 0 are one value, as are all NaNs, as in SQL). */
export function distinctSorted(sorted: Float64Array): number {
  let distinct = sorted.length > 0 ? 1 : 0;
  for (let index = 1; index < sorted.length; index += 1) {
    const value = sorted[index] as number;
    const previous = sorted[index - 1] as number;
    if (value !== previous && !(Number.isNaN(value) && Number.isNaN(previous))) distinct += 1;
  }
  return distinct;
}

/** Each distinct value of an ascending finite array with its count, most frequent first (ties by value). */
export function valueCounts(sorted: Float64Array): { value: string; count: number }[] {
  const counts: { value: number; count: number }[] = [];
  for (const value of sorted) {
    const last = counts[counts.length - 1];
    if (last && last.value === value) last.count += 1;
    else counts.push({ value, count: 1 });
  }
  counts.sort((a, b) => b.count - a.count || a.value - b.value);
  return counts.map(({ value, count }) => ({ value: String(value), count }));
}

/** A numeric column's profile statistics from its sorted non-null values. */
export function numericSummary(
  sorted: Float64Array,
): Pick<ColumnProfile, 'distinct' | 'min' | 'max' | 'mean' | 'stddev' | 'nonFinite' | 'quantiles'> {
  const finite = finiteRun(sorted);
  const nonFinite = sorted.length - finite.length;
  const summary = { distinct: distinctSorted(sorted), ...(nonFinite > 0 ? { nonFinite } : {}) };
  if (finite.length === 0) return { ...summary, min: null, max: null, mean: null, stddev: null };
  const { mean, std } = populationMoments(finite);
  return {
    ...summary,
    min: finite[0] as number,
    max: finite[finite.length - 1] as number,
    mean,
    stddev: std,
    quantiles: quantileGrid(finite, PROFILE_QUANTILES),
  };
}

/** A numeric column's profile from its sorted non-null values, in a table of `rows` rows. */
export function completeNumericProfile(profile: ColumnProfile, sorted: Float64Array, rows: number): void {
  Object.assign(profile, numericSummary(sorted));
  if (rows <= PROFILE_RAW_VALUES_MAX_ROWS && profile.quantiles) profile.values = [...finiteRun(sorted)];
  else if (profile.distinct <= PROFILE_TOP_VALUES) {
    // Few distinct numbers (0/1 labels, counts, ratings) are kept with their counts: drift against the
    // profile then sees exactly the values the data had, for every test.
    const counts = valueCounts(finiteRun(sorted));
    if (counts.length > 0) profile.top = counts;
  }
}

/**
 * Whether a column that is not numeric keeps its most frequent values: categories, and dates too (read from CSV
 * they are tested for drift as categories, as Evidently tests them; column-types.ts). Identifiers and free text
 * (far more distinct values than kept) get no top list: it would say nothing, and grouping millions of distinct
 * strings costs seconds.
 */
export function keepsTopValues(profile: ColumnProfile, info: ColumnInfo): boolean {
  return (
    (profile.kind === 'categorical' || DATE_KINDS.has(storedKind(info.type))) &&
    profile.distinct <= PROFILE_TOP_VALUES * 10
  );
}

/** The top list and "other" count from the most frequent values (`value`, `n`), most frequent first. */
export function topValues(profile: ColumnProfile, rows: readonly Row[]): void {
  profile.top = rows.map((row) => ({ value: String(row.value), count: Number(row.n) }));
  const kept = profile.top.reduce((sum, item) => sum + item.count, 0);
  if (kept < profile.count) profile.otherCount = profile.count - kept;
}

/** A profile's aggregates, to be read in one query over the table (other readers may add theirs). */
export interface ProfilePlan {
  table: string;
  columns: readonly ColumnInfo[];
  kinds: ProfileColumnKind[];
  /** `expression AS alias` items; aliases start with `p_`. */
  reads: string[];
}

export function planProfile(
  table: string,
  columns: readonly ColumnInfo[],
  declared: ReadonlyMap<string, ColumnType> = new Map(),
): ProfilePlan {
  const kinds = columns.map((info) => columnKind(info, declared.get(info.name)));
  const reads = ['count(*) AS p_rows'];
  columns.forEach((info, index) => {
    const id = quoteIdentifier(info.name);
    reads.push(`count(${id}) AS p_n${index}`);
    // Numeric columns are sorted for their quantiles; the rest of their statistics come from those sorted values
    // (distinct exactly, and NaN and infinities set apart, which DuckDB's stddev refuses).
    if (kinds[index] === 'numeric') return;
    reads.push(`approx_count_distinct(${id}) AS p_d${index}`);
    if (ORDER_KEEPING_TEXT.has(storedKind(info.type))) {
      // Text, dates, timestamps and booleans: the native minimum and maximum (a date's, not its text's), as text.
      reads.push(`CAST(min(${id}) AS VARCHAR) AS p_lo${index}`, `CAST(max(${id}) AS VARCHAR) AS p_hi${index}`);
    } else {
      reads.push(`min(CAST(${id} AS VARCHAR)) AS p_lo${index}`, `max(CAST(${id} AS VARCHAR)) AS p_hi${index}`);
    }
  });
  return { table, columns, kinds, reads };
}

/** Profiles every column of `table` (one aggregate query, plus a group-by per categorical column). */
export async function profileTable(
  engine: DataEngine,
  table: string,
  columns: readonly ColumnInfo[],
  declared: ReadonlyMap<string, ColumnType> = new Map(),
): Promise<DataProfile> {
  const plan = planProfile(table, columns, declared);
  const [stats = {}] = await engine.rows(`SELECT ${plan.reads.join(', ')} FROM ${table}`);
  return finishProfile(engine, plan, stats);
}

/** Up to this many rows, numeric columns are read many to a query and sorted in JavaScript. */
const BATCHED_READ_MAX_ROWS = 65_536;
/** Values read per batched query: 16 MB of doubles. */
const BATCHED_READ_VALUES = 2_000_000;

/**
 * A small table's numeric columns, sorted and kept in a few queries rather than a few per column: a table of
 * thousands of columns otherwise spends its time on query overhead (5,000 columns: about 15,000 queries).
 */
async function keepSmallNumericColumns(engine: DataEngine, plan: ProfilePlan, stats: Row, rows: number) {
  if (rows > BATCHED_READ_MAX_ROWS) return;
  const numeric = plan.columns.filter(
    (_info, index) => plan.kinds[index] === 'numeric' && (toNumber(stats[`p_n${index}`]) ?? 0) > 0,
  );
  const perQuery = Math.max(1, Math.floor(BATCHED_READ_VALUES / Math.max(rows, 1)));
  for (let start = 0; start < numeric.length; start += perQuery) {
    const batch = numeric.slice(start, start + perQuery);
    // One column alone gains nothing from a batch: the engine's own read decides how to sort it.
    if (batch.length > 1)
      await engine.keepSortedColumns(
        plan.table,
        batch.map((info) => asDouble(info.name)),
      );
  }
}

/** The profile from the aggregate row holding the plan's reads, with quantiles and top values added. */
export async function finishProfile(engine: DataEngine, plan: ProfilePlan, stats: Row): Promise<DataProfile> {
  const { table, columns, kinds } = plan;
  const rows = toNumber(stats.p_rows) ?? 0;
  await keepSmallNumericColumns(engine, plan, stats, rows);
  const profiles: ColumnProfile[] = [];
  for (const [index, info] of columns.entries()) {
    const kind = kinds[index] as ProfileColumnKind;
    const profile = columnProfileFromStats(info, kind, stats, index, rows);
    const { count } = profile;
    if (kind === 'numeric') {
      Object.assign(profile, { mean: null, stddev: null });
      if (count > 0) completeNumericProfile(profile, await engine.sortedDoubles(numericValues(table, info.name)), rows);
    } else if (keepsTopValues(profile, info)) {
      const id = quoteIdentifier(info.name);
      // Grouped on the stored values, and only the groups cast to text: casting every row first (a date column of
      // millions of rows) took most of the query's time.
      const top = await engine.rows(
        `SELECT CAST(v AS VARCHAR) AS value, n FROM (SELECT ${id} AS v, count(*) AS n FROM ${table} WHERE ${id} IS NOT NULL GROUP BY 1) AS counted ORDER BY n DESC, value LIMIT ${PROFILE_TOP_VALUES}`,
      );
      topValues(profile, top);
    }
    profiles.push(profile);
  }
  return {
    kind: 'mlops-actions/data-profile',
    version: 1,
    rows,
    createdAt: new Date().toISOString(),
    columns: profiles,
  };
}

/**
 * A column's counts and, for a non-numeric column, its least and greatest value as text, from the profile query's
 * aggregates (`p_n`, `p_d`, `p_lo`, `p_hi` + the column's index); numeric statistics are the caller's.
 */
export function columnProfileFromStats(
  info: ColumnInfo,
  kind: ProfileColumnKind,
  stats: Row,
  index: number,
  rows: number,
): ColumnProfile {
  const count = toNumber(stats[`p_n${index}`]) ?? 0;
  const asText = (value: unknown) =>
    kind === 'numeric' || value === null || value === undefined ? null : String(value);
  return {
    name: info.name,
    type: info.type,
    kind,
    count,
    nulls: rows - count,
    distinct: toNumber(stats[`p_d${index}`]) ?? 0,
    min: asText(stats[`p_lo${index}`]),
    max: asText(stats[`p_hi${index}`]),
  };
}

export function isDataProfile(value: unknown): value is DataProfile {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as DataProfile).kind === 'mlops-actions/data-profile' &&
    (value as DataProfile).version === 1 &&
    Array.isArray((value as DataProfile).columns)
  );
}

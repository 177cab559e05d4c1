// A starting suite from one sample of the data, meant to hold on the next sample of the same data: ranges reach a
// little past what was seen, by an estimate of the tails; category lists and null limits only where the sample
// makes them safe; keys get `unique` and nothing that a new key would break.

import { stringify } from 'yaml';
import { type DataEngine, quoteIdentifier } from '../data/engine.js';
import type { DataFile } from '../data/files.js';
import { finiteRun } from '../statistics/index.js';
import { numericValues } from './columns.js';
import { type ColumnProfile, type DataProfile, profileTable } from './profile.js';
import { loadTable } from './tables.js';

/**
 * The chance, per bound, that a next sample of the same size goes past it (by the tail estimate below): small, as a
 * suite of 50 numeric columns has 100 bounds.
 */
export const INFERRED_RANGE_EXCEEDANCE = 0.001;

/**
 * How far past the largest of `sorted` (ascending, finite) a next sample of the same size reaches with chance
 * INFERRED_RANGE_EXCEEDANCE: peaks over threshold with an exponential tail. The k = ⌈√n⌉ largest values above
 * the (k+1)-th largest u have mean excess β (the exponential's maximum-likelihood scale); then P(X > u + y) ≈
 * (k/n)·e^(−y/β), and n more values stay below u + y with chance 1 − ε when y = β·ln(k/ε). A capped column (the
 * top values all equal) gets its maximum; the bound never falls below what was seen.
 */
export function upperBound(sorted: Float64Array): number {
  const n = sorted.length;
  const max = sorted[n - 1] as number;
  const k = Math.min(n - 1, Math.ceil(Math.sqrt(n)));
  if (k < 1) return max;
  const threshold = sorted[n - 1 - k] as number;
  let excess = 0;
  for (let index = n - k; index < n; index += 1) excess += (sorted[index] as number) - threshold;
  const scale = excess / k;
  return Math.max(max, threshold + scale * Math.log(k / INFERRED_RANGE_EXCEEDANCE));
}

/** The same at the low end. */
export function lowerBound(sorted: Float64Array): number {
  const negated = Float64Array.from(sorted, (value) => -value).reverse();
  return -upperBound(negated);
}

/**
 * The inferred range of a numeric column: the tail bounds, whole numbers outward for integers, and not across
 * zero when no value crossed it (counts, amounts and durations stay non-negative).
 */
export function inferredRange(sorted: Float64Array, integer: boolean): { min: number; max: number } {
  let min = lowerBound(sorted);
  let max = upperBound(sorted);
  const seenMin = sorted[0] as number;
  const seenMax = sorted[sorted.length - 1] as number;
  if (seenMin >= 0) min = Math.max(0, min);
  if (seenMax <= 0) max = Math.min(0, max);
  if (integer) return { min: Math.floor(min), max: Math.ceil(max) };
  // Rounded outward to 4 significant digits of the widening, so the YAML stays readable.
  return { min: roundDown(min, max - min), max: roundUp(max, max - min) };
}

function step(span: number): number {
  return span > 0 ? 10 ** (Math.floor(Math.log10(span)) - 3) : 0;
}

function roundDown(value: number, span: number): number {
  const unit = step(span);
  return unit > 0 ? Number((Math.floor(value / unit) * unit).toPrecision(15)) : value;
}

function roundUp(value: number, span: number): number {
  const unit = step(span);
  return unit > 0 ? Number((Math.ceil(value / unit) * unit).toPrecision(15)) : value;
}

/**
 * The null fraction a next sample of n rows stays under: twice the observed fraction, or four binomial standard
 * errors above it when that is more (a few nulls in a small sample).
 */
export function inferredNullLimit(nulls: number, rows: number): number {
  const p = nulls / Math.max(rows, 1);
  const limit = Math.max(2 * p, p + 4 * Math.sqrt((p * (1 - p)) / Math.max(rows, 1)));
  return Number(Math.min(1, limit).toPrecision(4));
}

/**
 * Whether a category list is safe to write: the chance that a next row holds a category not seen is about the
 * share of categories seen once (Good–Turing), so only columns with no category seen once get an `in` list.
 */
export function categoriesAreComplete(profile: ColumnProfile): boolean {
  const top = profile.top ?? [];
  return top.length > 0 && top.length <= 20 && !profile.otherCount && top.every((item) => item.count >= 2);
}

/** Distinct values per column counted exactly, many columns to a query. */
const DISTINCT_COLUMNS_PER_QUERY = 200;

/**
 * Which columns hold no repeated value and no null: integers from their exact profile count, text and dates by
 * an exact count where the estimate says they may (HyperLogLog is within a few percent, so below 80% they are not).
 */
async function uniqueColumns(engine: DataEngine, profile: DataProfile): Promise<Set<string>> {
  const keys = new Set<string>();
  const candidates: ColumnProfile[] = [];
  for (const column of profile.columns) {
    // Keys are integers, text or dates; floats that happen to be distinct are not keys.
    if (/DOUBLE|FLOAT|DECIMAL|REAL|BOOLEAN/.test(column.type) || column.count <= 1 || column.nulls > 0) continue;
    if (column.kind === 'numeric') {
      if (column.distinct === column.count) keys.add(column.name);
    } else if (column.distinct >= 0.8 * column.count) candidates.push(column);
  }
  for (let start = 0; start < candidates.length; start += DISTINCT_COLUMNS_PER_QUERY) {
    const batch = candidates.slice(start, start + DISTINCT_COLUMNS_PER_QUERY);
    const [row = {}] = await engine.rows(
      `SELECT ${batch.map((column, index) => `count(DISTINCT ${quoteIdentifier(column.name)}) AS d${index}`).join(', ')} FROM current`,
    );
    batch.forEach((column, index) => {
      if (Number(row[`d${index}`]) === column.count) keys.add(column.name);
    });
  }
  return keys;
}

function suiteType(type: string): string {
  if (/INT/.test(type)) return 'integer';
  if (/DOUBLE|FLOAT|DECIMAL|REAL/.test(type)) return 'float';
  if (type === 'BOOLEAN') return 'boolean';
  if (type === 'DATE') return 'date';
  if (type.startsWith('TIMESTAMP')) return 'timestamp';
  return 'string';
}

/** The suite YAML for the table `current` and its profile. */
export async function inferredSuiteText(engine: DataEngine, profile: DataProfile, source: string): Promise<string> {
  const suite: Record<string, unknown> = {
    version: 1,
    table: {
      'row-count': { min: Math.max(1, Math.floor(profile.rows / 2)) },
      columns: { required: profile.columns.map((column) => column.name) },
    },
    columns: {},
  };
  const rules = suite.columns as Record<string, Record<string, unknown>>;
  const keys = await uniqueColumns(engine, profile);
  for (const column of profile.columns) {
    const entry: Record<string, unknown> = { type: suiteType(column.type) };
    if (column.nulls === 0) entry.nullable = false;
    else entry['max-null-fraction'] = inferredNullLimit(column.nulls, profile.rows);
    // A key's range says nothing a new key must meet; a column holding NaN or ±∞ gets none either (its finite
    // range would fail those very rows).
    if (keys.has(column.name)) entry.unique = true;
    else if (column.kind === 'numeric' && (column.nonFinite ?? 0) === 0 && column.count > 0) {
      const sorted = finiteRun(await engine.sortedDoubles(numericValues('current', column.name)));
      if (sorted.length > 0) Object.assign(entry, inferredRange(sorted, entry.type === 'integer'));
    }
    engine.release(numericValues('current', column.name));
    if (column.kind === 'categorical' && categoriesAreComplete(column))
      entry.in = (column.top ?? []).map((item) => item.value);
    rules[column.name] = entry;
  }
  return (
    `# Inferred by mlops-actions validate-data from ${source} (${profile.rows} rows).\n` +
    `# Review before use: ranges reach past the observed ones by a tail estimate (a next sample of the same size\n` +
    `# passes each bound with about ${100 - 100 * INFERRED_RANGE_EXCEEDANCE}% chance); keys are unique and not drift-tested.\n` +
    stringify(suite)
  );
}

/** A starting suite from what the data shows, meant to hold on the next sample of it. */
export async function inferSuite(engine: DataEngine, files: readonly DataFile[]): Promise<string> {
  await loadTable(engine, 'current', files, 'data');
  const profile = await profileTable(engine, 'current', await engine.columns('current'));
  return inferredSuiteText(engine, profile, files.map((file) => file.display).join(', '));
}

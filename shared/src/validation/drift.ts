import { type ColumnInfo, type DataEngine, quoteIdentifier, type Row } from '../data/engine.js';
import { ConfigurationError } from '../errors/index.js';
import {
  type CategoryCounts,
  chooseDriftMethod,
  DEFAULT_DRIFT_THRESHOLDS,
  type DriftMethod,
  type DriftTestResult,
  driftTestFromCounts,
  driftTestSorted,
  finiteRun,
  finiteValues,
  normedWassersteinTest,
  SMALL_REFERENCE_MAX_ROWS,
} from '../statistics/index.js';
import { type DriftTyping, driftColumnType, needsExactDistinct } from './column-types.js';
import { isNumericKind, numericValues, storedKind } from './columns.js';
import { type ColumnDistribution, categoricalDistribution, numericDistribution } from './distribution.js';
import { type ColumnProfile, type DataProfile, valueCounts } from './profile.js';
import type { ColumnType, DriftSettings, Suite, SuiteDriftMethod } from './suite.js';

export interface ColumnDrift {
  column: string;
  kind: 'numeric' | 'categorical';
  method: DriftMethod;
  statistic: number;
  pValue?: number;
  threshold: number;
  drifted: boolean;
  /**
   * True when the reference was a profile without raw values (computed on its 0.001 quantile grid), or when a
   * remote engine compared counts on a grid of intervals (see `bound`).
   */
  approximate: boolean;
  /** A remote engine's grid of intervals: the exact statistic lies within this distance of `statistic`. */
  bound?: number;
  /** Numeric columns: NaN and infinite values left out of the test on both sides (as Evidently drops them). */
  nonFinite?: number;
  /** Why the column got its test: its Evidently type, and the sizes the choice looked at. */
  why: string;
  /** Drifted columns: the reference and current distributions, for the reader to see what moved. */
  distribution?: ColumnDistribution;
}

export interface DriftResult {
  columns: ColumnDrift[];
  skipped: { column: string; reason: string }[];
  share: number;
  datasetDrift: boolean;
  settings: DriftSettings;
}

export type Reference =
  | { kind: 'table'; columns: ColumnInfo[]; rows: number }
  | { kind: 'profile'; profile: DataProfile };

const METHOD_NAMES: Record<Exclude<SuiteDriftMethod, 'auto'>, DriftMethod> = {
  ks: 'ks',
  'chi-square': 'chisquare',
  z: 'z',
  wasserstein: 'wasserstein',
  'jensen-shannon': 'jensenshannon',
  psi: 'psi',
};

export const NUMERIC_ONLY = new Set<DriftMethod>(['ks', 'wasserstein']);

/** Numeric columns with at most this many distinct values are tested as categories (Evidently's rule). */
export const FEW_NUMERIC_VALUES = 5;

/** The suite's method name as the statistics module calls it, e.g. `chi-square` → `chisquare`. */
export function driftMethodName(method: Exclude<SuiteDriftMethod, 'auto'>): DriftMethod {
  return METHOD_NAMES[method];
}

/** A column's values as category keys: numbers by value (3 and 3.0 are one category, as in pandas), else text. */
function categoryKey(id: string, numeric: boolean): string {
  return numeric ? `CAST(${id} AS DOUBLE)` : `CAST(${id} AS VARCHAR)`;
}

/** The key as a profile writes it: a number as JavaScript prints it (so 3.0 is "3"), text as it is. */
export function keyText(value: unknown, numeric: boolean): string {
  return numeric ? String(Number(value)) : String(value);
}

/**
 * Category counts of both tables, each side grouped on its stored values and only the groups cast to a key: casting
 * every row first (10M dates to text) took most of the time. Sides stored as different types are cast before they
 * are grouped, so both meet on the same text keys.
 */
async function categoryCountsFromTables(
  engine: DataEngine,
  column: string,
  numeric: boolean,
  sameType: boolean,
): Promise<CategoryCounts> {
  const id = quoteIdentifier(column);
  const stored = numeric || !sameType ? categoryKey(id, numeric) : id;
  const side = (table: string, counts: string) =>
    `SELECT ${stored} AS v, ${counts} FROM ${table} WHERE ${id} IS NOT NULL${numeric ? ` AND isfinite(${stored})` : ''} GROUP BY 1`;
  const key = numeric ? 'v' : 'CAST(v AS VARCHAR)';
  const rows = await engine.rows(
    `SELECT ${key} AS v, sum(r) AS r, sum(c) AS c FROM (
       ${side('reference', 'count(*) AS r, 0 AS c')} UNION ALL ${side('current', '0 AS r, count(*) AS c')}
     ) AS sides GROUP BY 1 ORDER BY 1`,
  );
  return toCounts(
    rows.map((row) => ({ value: keyText(row.v, numeric), reference: Number(row.r), current: Number(row.c) })),
  );
}

export function toCounts(items: { value: string; reference: number; current: number }[]): CategoryCounts {
  return {
    categories: items.map((item) => item.value),
    referenceCounts: items.map((item) => item.reference),
    currentCounts: items.map((item) => item.current),
    referenceSize: items.reduce((sum, item) => sum + item.reference, 0),
    currentSize: items.reduce((sum, item) => sum + item.current, 0),
  };
}

async function categoryCountsFromProfile(
  engine: DataEngine,
  column: string,
  profile: ColumnProfile,
  numeric: boolean,
): Promise<CategoryCounts> {
  const id = quoteIdentifier(column);
  const key = categoryKey(id, numeric);
  // Text keys: grouped on the stored values, only the groups cast (as categoryCountsFromTables does).
  const current = await engine.rows(
    numeric
      ? `SELECT ${key} AS v, count(*) AS n FROM current WHERE ${id} IS NOT NULL AND isfinite(${key}) GROUP BY 1`
      : `SELECT CAST(v AS VARCHAR) AS v, n FROM (SELECT ${id} AS v, count(*) AS n FROM current WHERE ${id} IS NOT NULL GROUP BY 1) AS counted`,
  );
  return countsAgainstProfile(profile, current, numeric);
}

/** The category that stands for a profile's values beyond the ones it kept. */
export const OTHER_VALUES = '(other values)';

/** The current data's category counts (`v`, `n` rows) set against a profile's kept values and "other" count. */
export function countsAgainstProfile(
  profile: ColumnProfile,
  current: readonly Row[],
  numeric: boolean,
): CategoryCounts {
  const byValue = new Map<string, { reference: number; current: number }>();
  // A small numeric reference keeps its values rather than their counts.
  const exact = numeric && !profile.top ? exactProfileValues(profile) : undefined;
  for (const item of profile.top ?? (exact ? valueCounts(exact) : []))
    byValue.set(item.value, { reference: item.count, current: 0 });
  for (const row of current) {
    const value = keyText(row.v, numeric);
    // Categories beyond the profile's kept set go with its "other" count.
    const key = byValue.has(value) || !profile.otherCount ? value : OTHER_VALUES;
    const entry = byValue.get(key) ?? { reference: key === OTHER_VALUES ? (profile.otherCount ?? 0) : 0, current: 0 };
    entry.current += Number(row.n);
    byValue.set(key, entry);
  }
  return toCounts(
    [...byValue.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([value, counts]) => ({ value, ...counts })),
  );
}

/** A profile's numeric column as its exact values, when it kept them or counted every one of them. */
export function exactProfileValues(profile: ColumnProfile): Float64Array | undefined {
  if (profile.values) return Float64Array.from(profile.values.filter((value) => Number.isFinite(value))).sort();
  if (profile.kind !== 'numeric' || !profile.top || profile.otherCount) return undefined;
  const total = profile.top.reduce((sum, item) => sum + item.count, 0);
  const values = new Float64Array(total);
  let at = 0;
  for (const item of profile.top) {
    values.fill(Number(item.value), at, at + item.count);
    at += item.count;
  }
  return values.sort();
}

/**
 * Distinct non-null values of numeric columns, of reference and current together, as far as the method thresholds
 * need them (2 and 5 values): a column whose current values alone pass 5 passes both, so only the others are
 * counted, in one scan of both tables; HyperLogLog counts such small sets exactly. Against a profile, its value
 * counts are joined with the current values. Categorical columns count their categories exactly from the counts
 * their tests use.
 */
async function distinctValueCounts(
  engine: DataEngine,
  columns: readonly string[],
  reference: Reference,
  currentProfile: DataProfile,
): Promise<Map<string, number>> {
  const currentDistinct = new Map(currentProfile.columns.map((column) => [column.name, column.distinct]));
  const counts = new Map(columns.map((name) => [name, currentDistinct.get(name) ?? 0]));
  const counted = columns.filter((name) => (currentDistinct.get(name) ?? 0) <= FEW_NUMERIC_VALUES);
  if (counted.length === 0) return counts;
  if (reference.kind === 'profile') {
    for (const name of counted) {
      const kept = reference.profile.columns.find((column) => column.name === name);
      const referenceValues = kept ? exactProfileValues(kept) : undefined;
      if (!kept || !referenceValues) {
        counts.set(name, Math.max(counts.get(name) ?? 0, kept?.distinct ?? 0));
        continue;
      }
      const id = quoteIdentifier(name);
      const rows = await engine.rows(
        `SELECT DISTINCT CAST(${id} AS DOUBLE) AS v FROM current WHERE isfinite(CAST(${id} AS DOUBLE))`,
      );
      counts.set(name, new Set([...referenceValues, ...rows.map((row) => Number(row.v))]).size);
    }
    return counts;
  }
  const ids = counted.map(quoteIdentifier);
  const [row = {}] = await engine.rows(
    `SELECT ${ids.map((id, index) => `approx_count_distinct(${id}) AS d${index}`).join(', ')} FROM ` +
      `(SELECT ${ids.join(', ')} FROM reference UNION ALL SELECT ${ids.join(', ')} FROM current)`,
  );
  counted.forEach((name, index) => {
    counts.set(name, Number(row[`d${index}`] ?? 0));
  });
  return counts;
}

/**
 * The reference's non-missing, finite values per column: the size Evidently's test choice compares with 1000
 * (it drops NaN and ±∞ before choosing, so a column with many nulls may get a p-value test where the table's row
 * count would say distance).
 */
async function referenceSizes(
  engine: DataEngine,
  columns: readonly { name: string; numeric: boolean }[],
  reference: Reference,
): Promise<Map<string, number>> {
  if (reference.kind === 'profile') {
    return new Map(
      columns.map(({ name }) => {
        const kept = reference.profile.columns.find((column) => column.name === name);
        return [name, Math.max(0, (kept?.count ?? 0) - (kept?.nonFinite ?? 0))];
      }),
    );
  }
  if (columns.length === 0) return new Map();
  const reads = columns.map(({ name, numeric }, index) => {
    const id = quoteIdentifier(name);
    return numeric
      ? `count(*) FILTER (WHERE isfinite(CAST(${id} AS DOUBLE))) AS n${index}`
      : `count(${id}) AS n${index}`;
  });
  const [row = {}] = await engine.rows(`SELECT ${reads.join(', ')} FROM reference`);
  return new Map(columns.map(({ name }, index) => [name, Number(row[`n${index}`] ?? 0)]));
}

export function declaredTypes(suite: Suite | undefined): Map<string, ColumnType> {
  return new Map((suite?.columns ?? []).filter((column) => column.type).map((column) => [column.name, column.type!]));
}

/** Columns the suite says are unique on their own: keys, whose every value is new by design. */
export function uniqueKeys(suite: Suite | undefined): Set<string> {
  return new Set(
    (suite?.unique ?? []).filter((rule) => rule.columns.length === 1).map((rule) => rule.columns[0] as string),
  );
}

const typingsByProfile = new WeakMap<DataProfile, Map<string, DriftTyping>>();

/**
 * The Evidently column type of each current column (see column-types.ts), from the current profile; strings near
 * the text boundary get their distinct values counted exactly, in one query. Worked out once per profile: drift
 * asks again after the current table has given up columns it no longer needs.
 */
export async function driftTypings(
  engine: DataEngine,
  current: readonly ColumnInfo[],
  currentProfile: DataProfile,
  suite: Suite | undefined,
  fromText: boolean,
): Promise<Map<string, DriftTyping>> {
  const known = typingsByProfile.get(currentProfile);
  if (known) return known;
  const declared = declaredTypes(suite);
  const profiles = new Map(currentProfile.columns.map((column) => [column.name, column]));
  const exact = columnsToCountExactly(current, profiles, declared);
  const exactDistinct = new Map<string, number>();
  if (exact.length > 0) {
    const [row = {}] = await engine.rows(
      `SELECT ${exact.map((info, index) => `count(DISTINCT ${quoteIdentifier(info.name)}) AS d${index}`).join(', ')} FROM current`,
    );
    exact.forEach((info, index) => {
      exactDistinct.set(info.name, Number(row[`d${index}`] ?? 0));
    });
  }
  const typings = typingsFromProfile(current, profiles, declared, exactDistinct, fromText);
  typingsByProfile.set(currentProfile, typings);
  return typings;
}

/** The columns near the text boundary, whose distinct values the profile only estimates: they are counted exactly. */
export function columnsToCountExactly(
  current: readonly ColumnInfo[],
  profiles: ReadonlyMap<string, ColumnProfile>,
  declared: ReadonlyMap<string, ColumnType>,
): ColumnInfo[] {
  return current.filter((info) => {
    const profile = profiles.get(info.name);
    return profile !== undefined && needsExactDistinct(profile, storedKind(info.type), declared.get(info.name));
  });
}

/** Evidently's type of each current column from its profile, with the distinct counts counted exactly. */
export function typingsFromProfile(
  current: readonly ColumnInfo[],
  profiles: ReadonlyMap<string, ColumnProfile>,
  declared: ReadonlyMap<string, ColumnType>,
  exactDistinct: ReadonlyMap<string, number>,
  fromText: boolean,
): Map<string, DriftTyping> {
  return new Map(
    current.map((info) => {
      const profile = profiles.get(info.name);
      return [
        info.name,
        driftColumnType({
          stored: storedKind(info.type),
          declared: declared.get(info.name),
          count: profile?.count ?? 0,
          nulls: profile?.nulls ?? 0,
          distinct: exactDistinct.get(info.name) ?? profile?.distinct ?? 0,
          fromText,
        }),
      ];
    }),
  );
}

/** The columns the drift settings name (all those in both tables by default); each must be in both. */
export function driftCandidates(
  suite: Suite | undefined,
  settings: DriftSettings,
  current: readonly ColumnInfo[],
  referenceNames: readonly string[],
): string[] {
  if (settings.columns === 'all' || !suite)
    return current.map((column) => column.name).filter((name) => referenceNames.includes(name));
  // A column named twice is tested once.
  const candidates = [...new Set(settings.columns)];
  for (const name of candidates) {
    if (!current.some((column) => column.name === name) || !referenceNames.includes(name)) {
      throw suite.document.error(
        ['drift', 'columns'],
        `drift column '${name}' must be in both the data and the reference`,
        { input: 'suite' },
      );
    }
  }
  return candidates;
}

/** A column drift leaves out, and why; undefined for a column it tests. Naming a column forces its test. */
export function skipReason(
  name: string,
  typing: DriftTyping,
  settings: DriftSettings,
  keys: ReadonlySet<string>,
): string | undefined {
  if (typing.type === 'unknown') return typing.why;
  if (settings.columns !== 'all') return undefined;
  if (typing.type === 'text')
    return `${typing.why}, which Evidently compares by a text model (list it under drift.columns to test its values as categories)`;
  if (keys.has(name))
    return 'a unique key in the suite: every value is new by design (list it under drift.columns to test it)';
  return undefined;
}

interface DriftPlan {
  tested: { name: string; typing: DriftTyping }[];
  skipped: { column: string; reason: string }[];
}

async function planDrift(
  engine: DataEngine,
  suite: Suite | undefined,
  settings: DriftSettings,
  current: readonly ColumnInfo[],
  referenceNames: readonly string[],
  currentProfile: DataProfile,
  fromText: boolean,
): Promise<DriftPlan> {
  const typings = await driftTypings(engine, current, currentProfile, suite, fromText);
  const keys = uniqueKeys(suite);
  const plan: DriftPlan = { tested: [], skipped: [] };
  for (const name of driftCandidates(suite, settings, current, referenceNames)) {
    const typing = typings.get(name) as DriftTyping;
    const reason = skipReason(name, typing, settings, keys);
    if (reason) plan.skipped.push({ column: name, reason });
    else plan.tested.push({ name, typing });
  }
  return plan;
}

/**
 * The reference columns drift tests, known before the reference is read: typed from the current data as
 * Evidently types them, less text, keys and types it does not test. Reading only these keeps an identifier or
 * free-text column of millions of rows out of memory.
 */
export async function driftColumnsToRead(
  engine: DataEngine,
  suite: Suite | undefined,
  settings: DriftSettings,
  current: readonly ColumnInfo[],
  referenceNames: readonly string[],
  currentProfile: DataProfile,
  fromText: boolean,
): Promise<string[]> {
  const plan = await planDrift(engine, suite, settings, current, referenceNames, currentProfile, fromText);
  return plan.tested.map((column) => column.name);
}

/**
 * Of the columns drift reads (`driftColumnsToRead`), those it reads from the current table. A numerical column with
 * more than 5 distinct values, tested by a method on values (not chi-square or z), is read from the engine's kept
 * sorted values instead, so the table need not hold it while the reference loads.
 */
export function currentColumnsReadFromTable(
  engine: DataEngine,
  read: readonly string[],
  settings: DriftSettings,
  currentProfile: DataProfile,
): string[] {
  const byCounts = settings.method === 'chi-square' || settings.method === 'z';
  const typings = typingsByProfile.get(currentProfile);
  return read.filter((name) => {
    const profile = currentProfile.columns.find((column) => column.name === name);
    const onValues =
      typings?.get(name)?.type === 'numerical' &&
      (profile?.distinct ?? 0) > FEW_NUMERIC_VALUES &&
      !byCounts &&
      engine.keeps(numericValues('current', name));
    return !onValues;
  });
}

/** Why a column got its method: its Evidently type, the reference size and the distinct values, or the suite. */
export function methodReason(typing: DriftTyping, automatic: boolean, referenceSize: number, distinct: number): string {
  if (!automatic) return `${typing.why}; method set by the suite`;
  const size =
    referenceSize > SMALL_REFERENCE_MAX_ROWS ? `> ${SMALL_REFERENCE_MAX_ROWS}` : `≤ ${SMALL_REFERENCE_MAX_ROWS}`;
  return `${typing.why}; ${distinct} distinct values in both, reference ${referenceSize} values ${size}`;
}

/**
 * A tested column's method and threshold (Evidently's choice, or the suite's), and why. A suite without a
 * document (no suite file) never sets a method, so the numeric-only refusal always has a file to point at.
 */
export function columnMethod(
  suite: Suite | undefined,
  settings: DriftSettings,
  column: {
    name: string;
    typing: DriftTyping;
    kind: 'numeric' | 'categorical';
    referenceSize: number;
    distinct: number;
  },
): { choice: { method: DriftMethod; threshold: number }; threshold: number; why: string } {
  const { name, typing, kind, referenceSize, distinct } = column;
  const automatic = settings.method === 'auto';
  const choice = automatic
    ? chooseDriftMethod(referenceSize, kind, distinct)
    : {
        method: driftMethodName(settings.method as Exclude<SuiteDriftMethod, 'auto'>),
        threshold: DEFAULT_DRIFT_THRESHOLDS[driftMethodName(settings.method as Exclude<SuiteDriftMethod, 'auto'>)],
      };
  if (kind === 'categorical' && NUMERIC_ONLY.has(choice.method)) {
    const message = `drift method ${settings.method} needs numeric columns; '${name}' is categorical (${typing.why}; use auto, chi-square, z, jensen-shannon or psi)`;
    if (!suite?.document) throw new ConfigurationError(`Drift: ${message}.`);
    throw suite.document.error(['drift', 'method'], message, { input: 'suite' });
  }
  return {
    choice,
    threshold: settings.threshold ?? choice.threshold,
    why: methodReason(typing, automatic, referenceSize, distinct),
  };
}

/**
 * Drift of each column between the reference and the current table, by Evidently's rules unless the suite
 * fixes a method. Numeric columns are compared on all their values (exact statistics); categorical ones on
 * category counts from the engine.
 */
export async function computeDrift(
  engine: DataEngine,
  suite: Suite,
  settings: DriftSettings,
  current: readonly ColumnInfo[],
  reference: Reference,
  currentProfile: DataProfile,
  fromText = true,
): Promise<DriftResult> {
  const referenceNames =
    reference.kind === 'table'
      ? reference.columns.map((column) => column.name)
      : reference.profile.columns.map((column) => column.name);
  const plan = await planDrift(engine, suite, settings, current, referenceNames, currentProfile, fromText);
  const result: DriftResult = { columns: [], skipped: plan.skipped, share: 0, datasetDrift: false, settings };
  const storedType = (columns: readonly ColumnInfo[], name: string) =>
    columns.find((column) => column.name === name)?.type;
  const sameStoredType = (name: string) =>
    reference.kind === 'table' && storedType(reference.columns, name) === storedType(current, name);
  const storedNumeric = (name: string) =>
    isNumericKind(storedKind((current.find((column) => column.name === name) as ColumnInfo).type));
  const sizes = await referenceSizes(
    engine,
    plan.tested.map(({ name, typing }) => ({ name, numeric: typing.type === 'numerical' || storedNumeric(name) })),
    reference,
  );
  const numerical = plan.tested.filter(({ typing }) => typing.type === 'numerical').map(({ name }) => name);
  const distinctCounts = await distinctValueCounts(engine, numerical, reference, currentProfile);
  for (const { name, typing } of plan.tested) {
    const kind = typing.type === 'numerical' ? 'numeric' : 'categorical';
    const numericKeys = storedNumeric(name);
    const profile =
      reference.kind === 'profile' ? reference.profile.columns.find((column) => column.name === name) : undefined;
    const categoryCounts = () =>
      reference.kind === 'table'
        ? categoryCountsFromTables(engine, name, numericKeys, sameStoredType(name))
        : categoryCountsFromProfile(engine, name, profile as ColumnProfile, numericKeys);
    const counts = kind === 'categorical' ? await categoryCounts() : undefined;
    const distinct = counts?.categories.length ?? distinctCounts.get(name) ?? 0;
    const referenceSize = sizes.get(name) ?? 0;
    const { choice, threshold, why } = columnMethod(suite, settings, { name, typing, kind, referenceSize, distinct });
    const numericTest = kind === 'numeric' && !(choice.method === 'chisquare' || choice.method === 'z');
    let approximate = false;
    let nonFinite = 0;
    let outcome: DriftTestResult;
    let distribution: ColumnDistribution | undefined;
    if (numericTest) {
      // Sorted once and shared with the profile, which read the same column; let go once tested.
      const currentQuery = numericValues('current', name);
      const referenceQuery = numericValues('reference', name);
      // NaN and infinities have no place on a distance or a CDF: left out and counted, as Evidently drops them.
      const allCurrent = await engine.sortedDoubles(currentQuery);
      const currentValues = finiteRun(allCurrent);
      engine.release(currentQuery);
      nonFinite = allCurrent.length - currentValues.length;
      const method = choice.method as Exclude<DriftMethod, 'chisquare' | 'z'>;
      let referenceValues: Float64Array;
      if (reference.kind === 'table' && method === 'wasserstein') {
        // The distance takes values in any order: no sort of the reference unless it comes sorted for free.
        const { values } = await engine.anyOrderDoubles(referenceQuery);
        referenceValues = finiteValues(values);
        nonFinite += values.length - referenceValues.length;
      } else if (reference.kind === 'table') {
        const allReference = await engine.sortedDoubles(referenceQuery);
        referenceValues = finiteRun(allReference);
        engine.release(referenceQuery);
        nonFinite += allReference.length - referenceValues.length;
      } else {
        // Exact where the profile kept the values or counted each one; else its 0.001 quantile grid.
        const exact = profile ? exactProfileValues(profile) : undefined;
        approximate = !exact;
        // Profiles keep finite values only; older ones wrote a NaN or an infinity as JSON null.
        referenceValues =
          exact ?? Float64Array.from((profile?.quantiles ?? []).filter((value) => Number.isFinite(value))).sort();
        nonFinite += profile?.nonFinite ?? 0;
      }
      if (currentValues.length === 0 || referenceValues.length === 0) {
        result.skipped.push({ column: name, reason: 'no values on one side' });
        continue;
      }
      outcome =
        method === 'wasserstein'
          ? normedWassersteinTest(referenceValues, currentValues, threshold, { currentSorted: true })
          : driftTestSorted(method, referenceValues, currentValues, threshold);
      if (outcome.drifted) distribution = numericDistribution(referenceValues, currentValues);
    } else {
      const row: DriftRowFields = { column: name, kind, approximate, why, nonFinite };
      recordCountedColumn(result, row, choice.method, counts ?? (await categoryCounts()), threshold);
      continue;
    }
    result.columns.push(driftRow({ column: name, kind, approximate, why, nonFinite }, outcome, distribution));
  }
  return concludeDrift(result);
}

/** What a drift row says of its column besides the test's outcome. */
export type DriftRowFields = Pick<ColumnDrift, 'column' | 'kind' | 'approximate' | 'why'> & { nonFinite: number };

/** Tests a column on its category counts and records its row, or records it skipped when a side has no values. */
export function recordCountedColumn(
  result: DriftResult,
  column: DriftRowFields,
  method: DriftMethod,
  counts: CategoryCounts | undefined,
  threshold: number,
): void {
  if (!counts || counts.referenceSize === 0 || counts.currentSize === 0) {
    result.skipped.push({ column: column.column, reason: 'no values on one side' });
    return;
  }
  const outcome = driftTestFromCounts(method as Exclude<DriftMethod, 'ks' | 'wasserstein'>, counts, threshold);
  result.columns.push(driftRow(column, outcome, outcome.drifted ? categoricalDistribution(counts) : undefined));
}

/** The report's row of a tested column; the non-finite count and the distribution only where there are some. */
export function driftRow(
  column: DriftRowFields,
  outcome: DriftTestResult,
  distribution: ColumnDistribution | undefined,
): ColumnDrift {
  const { nonFinite } = column;
  return {
    column: column.column,
    kind: column.kind,
    ...outcome,
    approximate: column.approximate,
    why: column.why,
    ...(nonFinite > 0 ? { nonFinite } : {}),
    ...(distribution ? { distribution } : {}),
  };
}

/** The share of tested columns that drifted, and whether it reaches the settings' dataset share. */
export function concludeDrift(result: DriftResult): DriftResult {
  const drifted = result.columns.filter((column) => column.drifted).length;
  result.share = result.columns.length > 0 ? drifted / result.columns.length : 0;
  result.datasetDrift = result.columns.length > 0 && result.share >= result.settings.share;
  return result;
}

export function assertReferenceUsable(reference: Reference | undefined, suite: Suite): void {
  if (suite.drift && !reference) {
    throw new ConfigurationError(
      "The suite has a drift section but no 'reference' was given: pass reference data or a profile JSON.",
      {
        input: 'reference',
      },
    );
  }
}

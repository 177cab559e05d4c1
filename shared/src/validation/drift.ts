import { type ColumnInfo, type DataEngine, quoteIdentifier } from '../data/engine.js';
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
} from '../statistics/index.js';
import { numericValues } from './columns.js';
import { type ColumnDistribution, categoricalDistribution, numericDistribution } from './distribution.js';
import { type ColumnProfile, columnKind, type DataProfile } from './profile.js';
import type { ColumnType, DriftSettings, Suite, SuiteDriftMethod } from './suite.js';

export interface ColumnDrift {
  column: string;
  kind: 'numeric' | 'categorical';
  method: DriftMethod;
  statistic: number;
  pValue?: number;
  threshold: number;
  drifted: boolean;
  /** True when the reference was a profile without raw values: computed on its 0.001 quantile grid. */
  approximate: boolean;
  /** Numeric columns: NaN and infinite values left out of the test on both sides (as Evidently drops them). */
  nonFinite?: number;
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

const NUMERIC_ONLY = new Set<DriftMethod>(['ks', 'wasserstein']);

/** Numeric columns with at most this many distinct values are tested as categories (Evidently's rule). */
const FEW_NUMERIC_VALUES = 5;

/** Categorical columns with more distinct values than this are not tested unless the suite names them. */
export const HIGH_CARDINALITY = 1000;

/** The suite's method name as the statistics module calls it, e.g. `chi-square` → `chisquare`. */
export function driftMethodName(method: Exclude<SuiteDriftMethod, 'auto'>): DriftMethod {
  return METHOD_NAMES[method];
}

async function categoryCountsFromTables(engine: DataEngine, column: string): Promise<CategoryCounts> {
  const id = quoteIdentifier(column);
  const rows = await engine.rows(
    `SELECT v, count(*) FILTER (WHERE side = 'r') AS r, count(*) FILTER (WHERE side = 'c') AS c FROM (
       SELECT CAST(${id} AS VARCHAR) AS v, 'r' AS side FROM reference UNION ALL SELECT CAST(${id} AS VARCHAR), 'c' FROM current
     ) WHERE v IS NOT NULL GROUP BY v ORDER BY v`,
  );
  return toCounts(rows.map((row) => ({ value: String(row.v), reference: Number(row.r), current: Number(row.c) })));
}

function toCounts(items: { value: string; reference: number; current: number }[]): CategoryCounts {
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
): Promise<CategoryCounts> {
  const id = quoteIdentifier(column);
  const current = await engine.rows(
    `SELECT CAST(${id} AS VARCHAR) AS v, count(*) AS n FROM current WHERE ${id} IS NOT NULL GROUP BY 1`,
  );
  const byValue = new Map<string, { reference: number; current: number }>();
  for (const item of profile.top ?? []) byValue.set(item.value, { reference: item.count, current: 0 });
  const other = '(other values)';
  for (const row of current) {
    const value = String(row.v);
    // Categories beyond the profile's kept set go with its "other" count.
    const key = byValue.has(value) || !profile.otherCount ? value : other;
    const entry = byValue.get(key) ?? { reference: key === other ? (profile.otherCount ?? 0) : 0, current: 0 };
    entry.current += Number(row.n);
    byValue.set(key, entry);
  }
  return toCounts(
    [...byValue.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([value, counts]) => ({ value, ...counts })),
  );
}

/**
 * Distinct non-null values of numeric columns, of reference and current together, as far as the method thresholds
 * need them (2 and 5 values): a column whose current values alone pass 5 (the profile's estimate) passes both, so
 * only the others are counted, in one scan of both tables; HyperLogLog counts such small sets exactly. Categorical
 * columns count their categories exactly from the counts their tests use.
 */
async function distinctValueEstimates(
  engine: DataEngine,
  columns: readonly string[],
  reference: Reference,
  currentProfile: DataProfile,
): Promise<Map<string, number>> {
  const currentDistinct = new Map(currentProfile.columns.map((column) => [column.name, column.distinct]));
  const estimates = new Map(columns.map((name) => [name, currentDistinct.get(name) ?? 0]));
  const counted = columns.filter((name) => (currentDistinct.get(name) ?? 0) <= FEW_NUMERIC_VALUES);
  if (reference.kind === 'profile' || counted.length === 0) return estimates;
  const ids = counted.map(quoteIdentifier);
  const [row = {}] = await engine.rows(
    `SELECT ${ids.map((id, index) => `approx_count_distinct(${id}) AS d${index}`).join(', ')} FROM ` +
      `(SELECT ${ids.join(', ')} FROM reference UNION ALL SELECT ${ids.join(', ')} FROM current)`,
  );
  counted.forEach((name, index) => {
    estimates.set(name, Number(row[`d${index}`] ?? 0));
  });
  return estimates;
}

function declaredTypes(suite: Suite): Map<string, ColumnType> {
  return new Map(suite.columns.filter((column) => column.type).map((column) => [column.name, column.type!]));
}

/** The columns the drift settings name (all those in both tables by default); each must be in both. */
function driftCandidates(
  suite: Suite,
  settings: DriftSettings,
  current: readonly ColumnInfo[],
  referenceNames: readonly string[],
): string[] {
  // A column named twice is tested once.
  const candidates =
    settings.columns === 'all'
      ? current.map((column) => column.name).filter((name) => referenceNames.includes(name))
      : [...new Set(settings.columns)];
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

/**
 * The reference columns drift can test, known before the reference is read: not the types drift skips, nor
 * (unless named) text columns whose current values alone are too many to be categories. Reading only these keeps
 * an identifier or free-text column of millions of rows out of memory.
 */
export function driftColumnsToRead(
  suite: Suite | undefined,
  settings: DriftSettings,
  current: readonly ColumnInfo[],
  referenceNames: readonly string[],
  currentProfile: DataProfile,
): string[] {
  const declared = suite ? declaredTypes(suite) : new Map<string, ColumnType>();
  const candidates = suite
    ? driftCandidates(suite, settings, current, referenceNames)
    : current.map((column) => column.name).filter((name) => referenceNames.includes(name));
  return candidates.filter((name) => {
    const kind = columnKind(current.find((column) => column.name === name) as ColumnInfo, declared.get(name));
    const distinct = currentProfile.columns.find((column) => column.name === name)?.distinct ?? 0;
    return kind !== 'other' && !(kind === 'categorical' && settings.columns === 'all' && distinct > HIGH_CARDINALITY);
  });
}

/**
 * Of the columns drift reads (`driftColumnsToRead`), those it reads from the current table. A numeric column with
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
  return read.filter((name) => {
    const profile = currentProfile.columns.find((column) => column.name === name);
    const onValues =
      profile?.kind === 'numeric' &&
      profile.distinct > FEW_NUMERIC_VALUES &&
      !byCounts &&
      engine.keeps(numericValues('current', name));
    return !onValues;
  });
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
): Promise<DriftResult> {
  const declared = declaredTypes(suite);
  const referenceNames =
    reference.kind === 'table'
      ? reference.columns.map((column) => column.name)
      : reference.profile.columns.map((column) => column.name);
  const candidates = driftCandidates(suite, settings, current, referenceNames);
  const result: DriftResult = { columns: [], skipped: [], share: 0, datasetDrift: false, settings };
  const referenceRows = reference.kind === 'table' ? reference.rows : reference.profile.rows;
  const numeric = candidates.filter(
    (name) =>
      columnKind(current.find((column) => column.name === name) as ColumnInfo, declared.get(name)) === 'numeric',
  );
  const distinctCounts = await distinctValueEstimates(engine, numeric, reference, currentProfile);
  const currentDistinct = new Map(currentProfile.columns.map((column) => [column.name, column.distinct]));
  for (const name of candidates) {
    const info = current.find((column) => column.name === name) as ColumnInfo;
    const kind = columnKind(info, declared.get(name));
    if (kind === 'other') {
      result.skipped.push({ column: name, reason: `${info.type} columns are not tested for drift` });
      continue;
    }
    const profile =
      reference.kind === 'profile' ? reference.profile.columns.find((column) => column.name === name) : undefined;
    const categoryCounts = () =>
      reference.kind === 'table'
        ? categoryCountsFromTables(engine, name)
        : categoryCountsFromProfile(engine, name, profile as ColumnProfile);
    // The current values' estimate rules out identifiers and free text before any grouping (and they were not
    // read from the reference); the others count their categories exactly.
    const estimate = Math.max(distinctCounts.get(name) ?? currentDistinct.get(name) ?? 0, profile?.distinct ?? 0);
    const tooMany = kind === 'categorical' && settings.columns === 'all' && estimate > HIGH_CARDINALITY;
    const counts = kind === 'categorical' && !tooMany ? await categoryCounts() : undefined;
    const distinct = Math.max(counts?.categories.length ?? estimate, profile?.distinct ?? 0);
    if (kind === 'categorical' && settings.columns === 'all' && distinct > HIGH_CARDINALITY) {
      // An identifier or free text: every value is new, so any test calls it drift. Listing it forces the test.
      result.skipped.push({
        column: name,
        reason: `${distinct} distinct values: an identifier or free text (list it under drift.columns to test it)`,
      });
      continue;
    }
    const choice =
      settings.method === 'auto'
        ? chooseDriftMethod(referenceRows, kind, distinct)
        : {
            method: driftMethodName(settings.method),
            threshold: DEFAULT_DRIFT_THRESHOLDS[driftMethodName(settings.method)],
          };
    const threshold = settings.threshold ?? choice.threshold;
    if (kind === 'categorical' && NUMERIC_ONLY.has(choice.method)) {
      throw suite.document.error(
        ['drift', 'method'],
        `drift method ${settings.method} needs numeric columns; '${name}' is categorical (use auto, chi-square, z, jensen-shannon or psi)`,
        {
          input: 'suite',
        },
      );
    }
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
        approximate = !profile?.values;
        // Profiles keep finite values only; older ones wrote a NaN or an infinity as JSON null.
        const kept = (profile?.values ?? profile?.quantiles ?? []).filter((value) => Number.isFinite(value));
        referenceValues = Float64Array.from(kept).sort();
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
      const tested = counts ?? (await categoryCounts());
      if (tested.referenceSize === 0 || tested.currentSize === 0) {
        result.skipped.push({ column: name, reason: 'no values on one side' });
        continue;
      }
      outcome = driftTestFromCounts(choice.method as Exclude<DriftMethod, 'ks' | 'wasserstein'>, tested, threshold);
      if (outcome.drifted) distribution = categoricalDistribution(tested);
    }
    result.columns.push({
      column: name,
      kind,
      ...outcome,
      approximate,
      ...(nonFinite > 0 ? { nonFinite } : {}),
      ...(distribution ? { distribution } : {}),
    });
  }
  const drifted = result.columns.filter((column) => column.drifted).length;
  result.share = result.columns.length > 0 ? drifted / result.columns.length : 0;
  result.datasetDrift = result.columns.length > 0 && result.share >= settings.share;
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

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
} from '../statistics/index.js';
import { type ColumnProfile, columnKind, type DataProfile } from './profile.js';
import type { DriftSettings, Suite, SuiteDriftMethod } from './suite.js';

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
): Promise<DriftResult> {
  const declared = new Map(suite.columns.filter((column) => column.type).map((column) => [column.name, column.type!]));
  const referenceNames =
    reference.kind === 'table'
      ? reference.columns.map((column) => column.name)
      : reference.profile.columns.map((column) => column.name);
  const candidates =
    settings.columns === 'all'
      ? current.map((column) => column.name).filter((name) => referenceNames.includes(name))
      : settings.columns;
  for (const name of candidates) {
    if (!current.some((column) => column.name === name) || !referenceNames.includes(name)) {
      throw suite.document.error(
        ['drift', 'columns'],
        `drift column '${name}' must be in both the data and the reference`,
        { input: 'suite' },
      );
    }
  }
  const result: DriftResult = { columns: [], skipped: [], share: 0, datasetDrift: false, settings };
  const referenceRows = reference.kind === 'table' ? reference.rows : reference.profile.rows;
  for (const name of candidates) {
    const info = current.find((column) => column.name === name) as ColumnInfo;
    const kind = columnKind(info, declared.get(name));
    if (kind === 'other') {
      result.skipped.push({ column: name, reason: `${info.type} columns are not tested for drift` });
      continue;
    }
    const profile =
      reference.kind === 'profile' ? reference.profile.columns.find((column) => column.name === name) : undefined;
    const id = quoteIdentifier(name);
    let distinct: number;
    // Only the thresholds matter here (2, 5 and 1,000 distinct values), where HyperLogLog is exact in practice
    // (it counts small sets exactly): an exact count over both tables of an id column costs seconds.
    if (reference.kind === 'table') {
      const [row] = await engine.rows(
        `SELECT approx_count_distinct(v) AS d FROM (SELECT ${id} AS v FROM reference UNION ALL SELECT ${id} FROM current)`,
      );
      distinct = Number(row?.d ?? 0);
    } else {
      const [row] = await engine.rows(`SELECT approx_count_distinct(${id}) AS d FROM current`);
      distinct = Math.max(Number(row?.d ?? 0), profile?.distinct ?? 0);
    }
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
    let outcome: DriftTestResult;
    if (numericTest) {
      // Sorted once and shared with the profile, which read the same column.
      const currentValues = await engine.sortedDoubles(`SELECT CAST(${id} AS DOUBLE) FROM current`);
      let referenceValues: Float64Array;
      if (reference.kind === 'table') {
        referenceValues = await engine.sortedDoubles(`SELECT CAST(${id} AS DOUBLE) FROM reference`);
      } else {
        approximate = !profile?.values;
        referenceValues = Float64Array.from(profile?.values ?? profile?.quantiles ?? []).sort();
      }
      if (currentValues.length === 0 || referenceValues.length === 0) {
        result.skipped.push({ column: name, reason: 'no values on one side' });
        continue;
      }
      const method = choice.method as Exclude<DriftMethod, 'chisquare' | 'z'>;
      outcome = driftTestSorted(method, referenceValues, currentValues, threshold);
    } else {
      const counts =
        reference.kind === 'table'
          ? await categoryCountsFromTables(engine, name)
          : await categoryCountsFromProfile(engine, name, profile as ColumnProfile);
      if (counts.referenceSize === 0 || counts.currentSize === 0) {
        result.skipped.push({ column: name, reason: 'no values on one side' });
        continue;
      }
      outcome = driftTestFromCounts(choice.method as Exclude<DriftMethod, 'ks' | 'wasserstein'>, counts, threshold);
    }
    result.columns.push({ column: name, kind, ...outcome, approximate });
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

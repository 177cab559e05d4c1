import { type ColumnInfo, type DataEngine, quoteIdentifier, type Row } from '../data/engine.js';
import { duckdbDialect, type SqlDialect } from '../engines/dialect.js';
import { ConfigurationError } from '../errors/index.js';
import { percentileOfSorted } from '../metrics/significance.js';
import type { ReportCheck, Severity } from '../report/report.js';
import { finiteRun, populationMoments } from '../statistics/index.js';
import {
  comparisonType,
  isNumericKind,
  literal,
  numericValues,
  storedKind,
  typeViolation,
  valueExpression,
} from './columns.js';
import { type Bounds, type ColumnRules, type Scalar, type Suite, suiteValueProblem } from './suite.js';

/** At most this many failing rows are shown per check. */
export const SAMPLE_ROWS = 5;

/** The column numbering rows from 1 (across all files) in the `current_rows` view, for failing-row samples. */
export const ROW_NUMBER = '__mlops_row';

export interface FailingSample {
  /** DuckDB: the row's number in the data (from 1); a remote engine: its row identifier (Postgres ctid) if any. */
  row?: number | string;
  value: unknown;
}

export interface CheckOutcome extends ReportCheck {
  samples?: FailingSample[];
}

interface Verdict {
  passed: boolean;
  observed: unknown;
  details?: string;
}

interface Pending {
  id: string;
  title: string;
  severity: Severity;
  expected: unknown;
  /** Aliases of the aggregate values this check reads. */
  reads: string[];
  /** `engine`: DuckDB's, for checks answered from its kept sorted values; remote engines' checks need none. */
  judge(values: Record<string, unknown>, engine?: DataEngine): Verdict | Promise<Verdict>;
  /** Predicate selecting the failing rows, for samples. */
  rowPredicate?: string;
  sampleColumn?: string;
}

export const asNumber = (value: unknown): number | null =>
  value === null || value === undefined ? null : typeof value === 'bigint' ? Number(value) : Number(value);

export function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object' && 'toString' in value && !Array.isArray(value)) return String(value);
  return value;
}

/** Sample values as the data shows them: numbers as numbers, anything else (dates, timestamps) as its text. */
export function shownValue(column: string, info: ColumnInfo | undefined, dialect: SqlDialect = duckdbDialect): string {
  const id = dialect.identifier(column);
  const kind = info ? storedKind(info.type) : 'other';
  return kind === 'integer' || kind === 'float' || kind === 'boolean' || kind === 'string' ? id : dialect.asText(id);
}

function within(value: number | null, bounds: { min?: number; max?: number }): boolean {
  if (value === null || Number.isNaN(value)) return false;
  return (bounds.min === undefined || value >= bounds.min) && (bounds.max === undefined || value <= bounds.max);
}

/**
 * The mean and sample standard deviation (n − 1) of sorted values, as numpy's `mean` and `std(ddof=1)`: a NaN or an
 * infinity makes them NaN or infinite (DuckDB's stddev would refuse the column instead); null without values.
 */
export function sampleMoments(sorted: Float64Array): { mean: number | null; stddev: number | null } {
  if (sorted.length === 0) return { mean: null, stddev: null };
  const finite = finiteRun(sorted);
  if (finite.length < sorted.length) {
    let nonFiniteSum = 0;
    for (const value of sorted) if (!Number.isFinite(value)) nonFiniteSum += value;
    return { mean: nonFiniteSum, stddev: sorted.length > 1 ? Number.NaN : null };
  }
  const { mean, std } = populationMoments(finite);
  return { mean, stddev: finite.length > 1 ? std * Math.sqrt(finite.length / (finite.length - 1)) : null };
}

function boundsText(bounds: { min?: number | string | boolean; max?: number | string | boolean }): string {
  if (bounds.min !== undefined && bounds.max !== undefined) return `${bounds.min} … ${bounds.max}`;
  return bounds.min !== undefined ? `≥ ${bounds.min}` : `≤ ${bounds.max}`;
}

/** Expected vs stored columns: configuration mistakes (a suite column that is not there) stop the run. */
export function checkSuiteColumns(suite: Suite, columns: readonly ColumnInfo[]): void {
  const present = new Set(columns.map((column) => column.name));
  const requiredByTable = new Set([...(suite.columnSet?.required ?? []), ...(suite.columnSet?.exact ?? [])]);
  for (const column of suite.columns) {
    if (!present.has(column.name) && !requiredByTable.has(column.name)) {
      throw suite.document.error(
        column.path,
        `column '${column.name}' is not in the data (columns: ${[...present].join(', ')}); list it under table.columns.required to check for its absence`,
        { key: true, input: 'suite' },
      );
    }
  }
  for (const unique of suite.unique) {
    for (const name of unique.columns) {
      if (!present.has(name) && !requiredByTable.has(name)) {
        throw suite.document.error(unique.path, `unique key column '${name}' is not in the data`, { input: 'suite' });
      }
    }
  }
}

/**
 * A column without a declared type (or a category) compares as the data stores it: its min, max and `in` values
 * are checked against that here, before the data is read (readSuite checks the declared types).
 */
function checkValuesAgainstStored(suite: Suite, rules: ColumnRules, info: ColumnInfo): void {
  if (rules.type !== undefined && rules.type !== 'category') return;
  const kind = { compare: comparisonType(rules.type, storedKind(info.type)), declared: false };
  const values: [Scalar | undefined, (string | number)[], string, boolean][] = [
    [rules.min, ['min'], 'min', false],
    [rules.max, ['max'], 'max', false],
    ...(rules.in ?? []).map((item, index): [Scalar, (string | number)[], string, boolean] => [
      item,
      ['in', index],
      `in[${index}]`,
      true,
    ]),
  ];
  for (const [value, at, what, inList] of values) {
    const problem = value === undefined ? undefined : suiteValueProblem(value, { ...kind, inList }, what);
    if (problem)
      throw suite.document.error(
        [...rules.path, ...at],
        `column '${rules.name}' holds ${info.type} values${rules.type ? ' (a category compares as stored)' : ''}: ${problem}`,
        { input: 'suite' },
      );
  }
}

function columnChecks(
  rules: ColumnRules,
  info: ColumnInfo,
  index: number,
  pending: Pending[],
  dialect: SqlDialect,
): void {
  const stored = storedKind(info.type);
  const id = dialect.identifier(rules.name);
  const value = valueExpression(rules.name, rules.type, stored, dialect);
  const target = comparisonType(rules.type, stored);
  const alias = (stat: string) => `c${index}_${stat}`;
  const base = `column.${rules.name}`;
  const rowCheck = (
    check: string,
    title: string,
    predicate: string,
    expected: unknown,
    severity: Severity = rules.severity,
  ) => {
    const key = alias(check.replace(/\W/g, '_'));
    pending.push({
      id: `${base}.${check}`,
      title,
      severity,
      expected,
      reads: [`${dialect.countIf(predicate)} AS ${key}`],
      rowPredicate: predicate,
      sampleColumn: rules.name,
      judge: (values) => {
        const failing = asNumber(values[key]) ?? 0;
        return { passed: failing === 0, observed: { failingRows: failing } };
      },
    });
  };

  if (rules.type) {
    const violation = typeViolation(rules.name, rules.type, stored, dialect);
    if (violation)
      rowCheck('type', `${rules.name}: type ${rules.type}`, violation, { type: rules.type, stored: info.type });
    else {
      pending.push({
        id: `${base}.type`,
        title: `${rules.name}: type ${rules.type}`,
        severity: rules.severity,
        expected: { type: rules.type },
        reads: [],
        judge: () => ({ passed: true, observed: { stored: info.type } }),
      });
    }
  }
  if (rules.nullable === false) rowCheck('nullable', `${rules.name}: no nulls`, `${id} IS NULL`, { nulls: 0 });
  if (rules.maxNullFraction !== undefined) {
    const key = alias('null_fraction');
    const limit = rules.maxNullFraction;
    pending.push({
      id: `${base}.max-null-fraction`,
      title: `${rules.name}: null fraction ≤ ${limit}`,
      severity: rules.severity,
      expected: { maxNullFraction: limit },
      reads: [`${dialect.asDouble(`count(*) - count(${id})`)} / greatest(count(*), 1) AS ${key}`],
      judge: (values) => {
        const fraction = asNumber(values[key]) ?? 0;
        return { passed: fraction <= limit, observed: { nullFraction: Number(fraction.toPrecision(6)) } };
      },
    });
  }
  if (rules.min !== undefined)
    rowCheck('min', `${rules.name} ≥ ${rules.min}`, `${value} < ${literal(rules.min, target, dialect)}`, {
      min: rules.min,
    });
  if (rules.max !== undefined)
    rowCheck('max', `${rules.name} ≤ ${rules.max}`, `${value} > ${literal(rules.max, target, dialect)}`, {
      max: rules.max,
    });
  if (rules.in) {
    const numeric = rules.in.every((item) => typeof item === 'number');
    const subject = numeric ? valueExpression(rules.name, 'number', stored, dialect) : dialect.asText(id);
    const list = rules.in.map((item) => (numeric ? String(item) : dialect.literal(String(item)))).join(', ');
    rowCheck('in', `${rules.name} in the allowed set`, `${id} IS NOT NULL AND ${subject} NOT IN (${list})`, {
      in: rules.in,
    });
  }
  if (rules.pattern) {
    rowCheck(
      'pattern',
      `${rules.name} matches ${rules.pattern}`,
      `${id} IS NOT NULL AND NOT ${dialect.matches(dialect.asText(id), rules.pattern)}`,
      { pattern: rules.pattern },
    );
  }
  const statisticCheck = (
    check: string,
    title: string,
    bounds: Bounds,
    reads: string[],
    statistic: (values: Row, engine?: DataEngine) => number | null | Promise<number | null>,
  ) => {
    pending.push({
      id: `${base}.${check}`,
      title,
      severity: bounds.severity,
      expected: { min: bounds.min, max: bounds.max },
      reads,
      judge: async (values, engine) => {
        const observed = await statistic(values, engine);
        return {
          passed: within(observed, bounds),
          // JSON has no NaN or infinity: those are shown as text.
          observed:
            observed === null ? null : Number.isFinite(observed) ? Number(observed.toPrecision(8)) : String(observed),
        };
      },
    });
  };
  const numeric = valueExpression(rules.name, 'number', stored, dialect);
  /**
   * A statistic of the column's values: on DuckDB, numeric columns answer it from their sorted values (kept for
   * the profile anyway, so no sort or aggregate of its own); others, numbers stored as text, and every column on a
   * remote engine, from `sql` in the aggregate.
   */
  const valuesCheck = (
    check: string,
    bounds: Bounds,
    fromSorted: (sorted: Float64Array) => number | null,
    sql: string,
  ) => {
    const title = `${rules.name}: ${check.replace('-', ' ')} ${boundsText(bounds)}`;
    if (isNumericKind(stored) && dialect.engine === 'duckdb') {
      statisticCheck(check, title, bounds, [], async (_, engine) =>
        fromSorted(await (engine as DataEngine).sortedDoubles(numericValues('current', rules.name))),
      );
      return;
    }
    const key = alias(check.replace(/\W/g, '_'));
    statisticCheck(check, title, bounds, [`${sql} AS ${key}`], (values) => asNumber(values[key]));
  };
  // The sample standard deviation (n − 1), as pandas, Great Expectations and pandera use; NaN and infinities
  // count as numpy counts them.
  if (rules.mean) valuesCheck('mean', rules.mean, (sorted) => sampleMoments(sorted).mean, `avg(${numeric})`);
  if (rules.stddev)
    valuesCheck('stddev', rules.stddev, (sorted) => sampleMoments(sorted).stddev, dialect.stddevSample(numeric));
  for (const { q, bounds } of rules.quantiles) {
    // Exact quantiles, linearly interpolated as numpy's default (and DuckDB's quantile_cont).
    valuesCheck(
      `quantile-${q}`,
      bounds,
      (sorted) => {
        if (sorted.length === 0) return null;
        // As numpy: a NaN (sorted last) makes every quantile NaN; infinities are values at the ends.
        return Number.isNaN(sorted[sorted.length - 1]) ? Number.NaN : percentileOfSorted(sorted, q);
      },
      dialect.quantile(numeric, q),
    );
  }
}

function tableChecks(suite: Suite, columns: readonly ColumnInfo[], pending: Pending[]): void {
  if (suite.rowCount) {
    const bounds = suite.rowCount;
    pending.push({
      id: 'table.row-count',
      title: `row count ${boundsText(bounds)}`,
      severity: bounds.severity,
      expected: { min: bounds.min, max: bounds.max },
      reads: ['count(*) AS t_rows'],
      judge: (values) => {
        const rows = asNumber(values.t_rows) ?? 0;
        return { passed: within(rows, bounds), observed: rows };
      },
    });
  }
  const set = suite.columnSet;
  if (set) {
    const present = columns.map((column) => column.name);
    const missing = [...(set.required ?? []), ...(set.exact ?? [])].filter((name) => !present.includes(name));
    const extra = set.exact ? present.filter((name) => !set.exact?.includes(name)) : [];
    const forbidden = (set.forbidden ?? []).filter((name) => present.includes(name));
    const problems = [
      missing.length ? `missing: ${missing.join(', ')}` : '',
      extra.length ? `unexpected: ${extra.join(', ')}` : '',
      forbidden.length ? `forbidden present: ${forbidden.join(', ')}` : '',
    ].filter(Boolean);
    pending.push({
      id: 'table.columns',
      title: 'columns as expected',
      severity: set.severity,
      expected: { required: set.required, exact: set.exact, forbidden: set.forbidden },
      reads: [],
      judge: () => ({
        passed: problems.length === 0,
        observed: present,
        ...(problems.length ? { details: problems.join('; ') } : {}),
      }),
    });
  }
}

export function samplesText(samples: readonly FailingSample[], failing: number): string {
  const shown = samples
    .map((sample) => `${sample.row === undefined ? '' : `row ${sample.row}: `}${JSON.stringify(sample.value)}`)
    .join(', ');
  return failing > samples.length ? `${shown} … (${failing} rows)` : shown;
}

/** A suite compiled against the table's columns: the aggregates its checks read, and how to judge them. */
export interface SuitePlan {
  suite: Suite;
  columns: readonly ColumnInfo[];
  /** `expression AS alias` items for one aggregate query over `current` (other readers may add theirs). */
  reads: string[];
  dialect: SqlDialect;
  pending: Pending[];
}

/**
 * Compiles a suite against the table `current` into as few scans as it can: one aggregate query for every column
 * statistic and row-level rule (shared with the profile's), one group-by per uniqueness key, then failing-row
 * samples (5 per failed check, with their row numbers) only for the checks that failed.
 */
export function planSuite(
  suite: Suite,
  columns: readonly ColumnInfo[],
  dialect: SqlDialect = duckdbDialect,
): SuitePlan {
  checkSuiteColumns(suite, columns);
  const pending: Pending[] = [];
  tableChecks(suite, columns, pending);
  suite.columns.forEach((rules, index) => {
    const info = columns.find((column) => column.name === rules.name);
    if (!info) return;
    checkValuesAgainstStored(suite, rules, info);
    columnChecks(rules, info, index, pending, dialect);
  });
  return { suite, columns, reads: pending.flatMap((check) => check.reads), dialect, pending };
}

/**
 * Whether a single integer key is unique, from its sorted values (which the profile sorts anyway): no two
 * neighbours equal and at most one null (nulls group together, so two would be a duplicated key). Exact while the
 * values are integers a double holds exactly (|v| ≤ 2^53); otherwise, or when a duplicate shows, the caller's
 * group-by counts and locates the duplicates.
 */
async function provablyUnique(
  engine: DataEngine,
  key: readonly string[],
  columns: readonly ColumnInfo[],
): Promise<boolean> {
  const info = key.length === 1 ? columns.find((column) => column.name === key[0]) : undefined;
  if (!info || storedKind(info.type) !== 'integer') return false;
  const sorted = await engine.sortedDoubles(numericValues('current', info.name));
  const [{ rows = 0 } = {}] = await engine.rows('SELECT count(*) AS rows FROM current');
  if (Number(rows) - sorted.length > 1) return false;
  if (sorted.length > 0 && Math.max(-(sorted[0] as number), sorted.at(-1) as number) > Number.MAX_SAFE_INTEGER)
    return false;
  for (let index = 1; index < sorted.length; index += 1) if (sorted[index] === sorted[index - 1]) return false;
  return true;
}

/** Failing rows of a row check: `predicate` selects them, `column` is shown. */
export type SampleRows = (predicate: string, column: string, info: ColumnInfo | undefined) => Promise<FailingSample[]>;

/** The plan's checks judged from the aggregate row holding its reads, with samples of each failed row check. */
export async function judgeChecks(
  plan: SuitePlan,
  values: Row,
  sampleRows: SampleRows,
  engine?: DataEngine,
): Promise<CheckOutcome[]> {
  const outcomes: CheckOutcome[] = [];
  for (const check of plan.pending) {
    const verdict = await check.judge(values, engine);
    const outcome: CheckOutcome = {
      id: check.id,
      title: check.title,
      status: verdict.passed ? 'passed' : 'failed',
      severity: check.severity,
      observed: verdict.observed,
      expected: check.expected,
      ...(verdict.details ? { details: verdict.details } : {}),
    };
    if (!verdict.passed && check.rowPredicate && check.sampleColumn) {
      const info = plan.columns.find((column) => column.name === check.sampleColumn);
      outcome.samples = await sampleRows(check.rowPredicate, check.sampleColumn, info);
      const failing = (verdict.observed as { failingRows?: number }).failingRows ?? outcome.samples.length;
      outcome.details = samplesText(outcome.samples, failing);
    }
    outcomes.push(outcome);
  }
  return outcomes;
}

/** A uniqueness key's outcome; `duplicates` (up to SAMPLE_ROWS keys, each with where it occurs) when it failed. */
export function uniquenessOutcome(
  unique: Suite['unique'][number],
  counted: { duplicatedKeys: number; duplicatedRows: number },
  duplicates: readonly { key: unknown[]; at: string }[] = [],
): CheckOutcome {
  return {
    id: `unique.${unique.columns.join('+')}`,
    title: `${unique.columns.join(' + ')} unique`,
    status: counted.duplicatedKeys === 0 ? 'passed' : 'failed',
    severity: unique.severity,
    observed: counted,
    expected: { duplicatedKeys: 0 },
    ...(duplicates.length > 0
      ? {
          details: duplicates
            .map(({ key, at }) => `(${key.map((value) => JSON.stringify(plain(value))).join(', ')}) at ${at}`)
            .join('; '),
        }
      : {}),
  };
}

/** The SQL counting duplicated keys and the rows holding them, over `from`. */
export function duplicateCountQuery(key: string, from: string): string {
  return `SELECT count(*) AS keys, coalesce(sum(n), 0) AS rows FROM (SELECT count(*) AS n FROM ${from} GROUP BY ${key} HAVING count(*) > 1) AS duplicated`;
}

/** The checks' outcomes from the aggregate row holding the plan's reads, then samples and uniqueness. */
export async function judgeSuite(engine: DataEngine, plan: SuitePlan, values: Row): Promise<CheckOutcome[]> {
  const { suite, columns } = plan;
  const outcomes = await judgeChecks(
    plan,
    values,
    async (predicate, column, info) =>
      (
        await engine.rows(
          `SELECT ${ROW_NUMBER} AS "row", ${shownValue(column, info)} AS "value" FROM current_rows WHERE ${predicate} ORDER BY ${ROW_NUMBER} LIMIT ${SAMPLE_ROWS}`,
        )
      ).map((row) => ({ row: asNumber(row.row) ?? 0, value: plain(row.value) })),
    engine,
  );

  for (const unique of suite.unique) {
    const present = unique.columns.every((name) => columns.some((column) => column.name === name));
    if (!present) continue;
    if (await provablyUnique(engine, unique.columns, columns)) {
      outcomes.push(uniquenessOutcome(unique, { duplicatedKeys: 0, duplicatedRows: 0 }));
      continue;
    }
    const key = unique.columns.map(quoteIdentifier).join(', ');
    const [summary] = await engine.rows(duplicateCountQuery(key, 'current'));
    const counted = {
      duplicatedKeys: asNumber(summary?.keys) ?? 0,
      duplicatedRows: asNumber(summary?.rows) ?? 0,
    };
    let duplicates: { key: unknown[]; at: string }[] = [];
    if (counted.duplicatedKeys > 0) {
      const shown = unique.columns.map(
        (name, index) =>
          `${shownValue(
            name,
            columns.find((column) => column.name === name),
          )} AS k${index}`,
      );
      const rows = await engine.rows(
        `SELECT ${shown.join(', ')}, list(${ROW_NUMBER} ORDER BY ${ROW_NUMBER})[1:3] AS "rows" FROM current_rows GROUP BY ${key} HAVING count(*) > 1 ORDER BY min(${ROW_NUMBER}) LIMIT ${SAMPLE_ROWS}`,
      );
      duplicates = rows.map((row) => ({
        key: unique.columns.map((_, index) => row[`k${index}`]),
        at: `rows ${(row.rows as unknown[]).map((item) => asNumber(item)).join(', ')}`,
      }));
    }
    outcomes.push(uniquenessOutcome(unique, counted, duplicates));
  }
  return outcomes;
}

export function requireColumnsExist(
  names: readonly string[],
  columns: readonly ColumnInfo[],
  what: string,
  input: string,
): void {
  const present = new Set(columns.map((column) => column.name));
  const missing = names.filter((name) => !present.has(name));
  if (missing.length > 0) throw new ConfigurationError(`${what}: ${missing.join(', ')} not in the data.`, { input });
}

import type { ConfigDocument, ConfigPath } from '../config/index.js';
import { type DataEngine, quoteLiteral } from '../data/engine.js';
import type { Severity } from '../report/report.js';

/**
 * The expectation suite (`suite:` YAML, schema in schemas/suite.schema.json). Parsing is strict: an unknown key or
 * a value of the wrong type is a configuration error that points at its line, because a misspelt check that is
 * silently ignored is a check that never runs.
 */

export const COLUMN_TYPES = [
  'integer',
  'float',
  'number',
  'string',
  'boolean',
  'date',
  'timestamp',
  'category',
] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export const SUITE_DRIFT_METHODS = ['auto', 'ks', 'chi-square', 'z', 'wasserstein', 'jensen-shannon', 'psi'] as const;
export type SuiteDriftMethod = (typeof SUITE_DRIFT_METHODS)[number];

export interface Bounds {
  min?: number;
  max?: number;
  severity: Severity;
}

export type Scalar = string | number | boolean;

export interface ColumnRules {
  name: string;
  path: ConfigPath;
  severity: Severity;
  type?: ColumnType;
  nullable?: boolean;
  min?: Scalar;
  max?: Scalar;
  in?: Scalar[];
  pattern?: string;
  unique?: boolean;
  maxNullFraction?: number;
  mean?: Bounds;
  stddev?: Bounds;
  quantiles: { q: number; bounds: Bounds }[];
}

export interface DriftSettings {
  columns: 'all' | string[];
  method: SuiteDriftMethod;
  threshold: number | null;
  share: number;
  severity: Severity;
}

export interface Suite {
  rowCount?: Bounds;
  columnSet?: { required?: string[]; exact?: string[]; forbidden?: string[]; severity: Severity };
  unique: { columns: string[]; severity: Severity; path: ConfigPath }[];
  columns: ColumnRules[];
  drift?: DriftSettings;
  document: ConfigDocument;
}

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

class SuiteReader {
  constructor(readonly document: ConfigDocument) {}

  fail(path: ConfigPath, message: string, key = false): never {
    throw this.document.error(path, message, { key });
  }

  mapping(value: unknown, path: ConfigPath, allowed: readonly string[], what: string): Json {
    if (!isRecord(value)) this.fail(path, `${what} must be a mapping`);
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) {
        this.fail([...path, key], `unknown key '${key}' in ${what}; allowed: ${allowed.join(', ')}`, true);
      }
    }
    return value;
  }

  number(value: unknown, path: ConfigPath, what: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value))
      this.fail(path, `${what} must be a number, got ${JSON.stringify(value)}`);
    return value;
  }

  atLeastZero(value: unknown, path: ConfigPath, what: string): number {
    const number = this.number(value, path, what);
    if (number < 0) this.fail(path, `${what} must be 0 or more, got ${number}`);
    return number;
  }

  fraction(value: unknown, path: ConfigPath, what: string): number {
    const number = this.number(value, path, what);
    if (number < 0 || number > 1) this.fail(path, `${what} must be between 0 and 1, got ${number}`);
    return number;
  }

  boolean(value: unknown, path: ConfigPath, what: string): boolean {
    if (typeof value !== 'boolean') this.fail(path, `${what} must be true or false, got ${JSON.stringify(value)}`);
    return value;
  }

  string(value: unknown, path: ConfigPath, what: string): string {
    if (typeof value !== 'string' || value.length === 0) this.fail(path, `${what} must be a non-empty string`);
    return value;
  }

  scalar(value: unknown, path: ConfigPath, what: string): Scalar {
    if (value instanceof Date) return value.toISOString();
    if (
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value))
    ) {
      return value;
    }
    return this.fail(path, `${what} must be a number, string or boolean, got ${JSON.stringify(value)}`);
  }

  /** A min, max or `in` value of a column whose values compare as `kind` (see suiteValueProblem). */
  typedScalar(
    value: unknown,
    path: ConfigPath,
    what: string,
    kind: ValueKind | undefined,
    column: ColumnRules,
  ): Scalar {
    const scalar = this.scalar(value, path, what);
    const problem = kind && suiteValueProblem(scalar, kind, what);
    if (problem) this.fail(path, `column '${column.name}' is declared ${column.type}: ${problem}`);
    return scalar;
  }

  names(value: unknown, path: ConfigPath, what: string): string[] {
    if (!Array.isArray(value) || value.length === 0)
      this.fail(path, `${what} must be a non-empty list of column names`);
    return value.map((item, index) => this.string(item, [...path, index], `${what}[${index}]`));
  }

  severity(value: unknown, path: ConfigPath, inherited: Severity): Severity {
    if (value === undefined) return inherited;
    if (value !== 'error' && value !== 'warning' && value !== 'info') {
      this.fail(path, `severity must be error, warning or info, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  bounds(value: unknown, path: ConfigPath, what: string, inherited: Severity): Bounds {
    const map = this.mapping(value, path, ['min', 'max', 'severity'], what);
    if (map.min === undefined && map.max === undefined) this.fail(path, `${what} needs min, max or both`);
    const bounds: Bounds = { severity: this.severity(map.severity, [...path, 'severity'], inherited) };
    if (map.min !== undefined) bounds.min = this.number(map.min, [...path, 'min'], `${what}.min`);
    if (map.max !== undefined) bounds.max = this.number(map.max, [...path, 'max'], `${what}.max`);
    if (bounds.min !== undefined && bounds.max !== undefined && bounds.min > bounds.max) {
      this.fail(path, `${what}: min ${bounds.min} is above max ${bounds.max}`);
    }
    return bounds;
  }
}

const COLUMN_KEYS = [
  'type',
  'nullable',
  'min',
  'max',
  'in',
  'pattern',
  'unique',
  'max-null-fraction',
  'mean',
  'stddev',
  'quantiles',
  'severity',
] as const;

function readColumn(reader: SuiteReader, name: string, value: unknown, path: ConfigPath): ColumnRules {
  const map = reader.mapping(value ?? {}, path, COLUMN_KEYS, `column '${name}'`);
  const severity = reader.severity(map.severity, [...path, 'severity'], 'error');
  const rules: ColumnRules = { name, path, severity, quantiles: [] };
  if (map.type !== undefined) {
    if (!(COLUMN_TYPES as readonly unknown[]).includes(map.type)) {
      reader.fail([...path, 'type'], `type must be one of ${COLUMN_TYPES.join(', ')}, got ${JSON.stringify(map.type)}`);
    }
    rules.type = map.type as ColumnType;
  }
  if (map.nullable !== undefined) rules.nullable = reader.boolean(map.nullable, [...path, 'nullable'], 'nullable');
  const kind = rules.type === undefined ? undefined : DECLARED_KIND[rules.type];
  if (map.min !== undefined) rules.min = reader.typedScalar(map.min, [...path, 'min'], 'min', kind, rules);
  if (map.max !== undefined) rules.max = reader.typedScalar(map.max, [...path, 'max'], 'max', kind, rules);
  if (map.in !== undefined) {
    if (!Array.isArray(map.in) || map.in.length === 0)
      reader.fail([...path, 'in'], "'in' must be a non-empty list of allowed values");
    rules.in = map.in.map((item, index) =>
      reader.typedScalar(item, [...path, 'in', index], `in[${index}]`, kind && { ...kind, inList: true }, rules),
    );
  }
  // Whether RE2 can run it is DuckDB's to say, before the data is read (checkSuiteExpressions).
  if (map.pattern !== undefined) rules.pattern = reader.string(map.pattern, [...path, 'pattern'], 'pattern');
  if (map.unique !== undefined) rules.unique = reader.boolean(map.unique, [...path, 'unique'], 'unique');
  if (map['max-null-fraction'] !== undefined) {
    rules.maxNullFraction = reader.fraction(
      map['max-null-fraction'],
      [...path, 'max-null-fraction'],
      'max-null-fraction',
    );
  }
  if (map.mean !== undefined) rules.mean = reader.bounds(map.mean, [...path, 'mean'], 'mean', severity);
  if (map.stddev !== undefined) rules.stddev = reader.bounds(map.stddev, [...path, 'stddev'], 'stddev', severity);
  if (map.quantiles !== undefined) {
    if (!isRecord(map.quantiles))
      reader.fail([...path, 'quantiles'], 'quantiles must map a quantile (0 to 1) to {min, max}');
    for (const [key, bounds] of Object.entries(map.quantiles)) {
      const q = Number(key);
      if (!Number.isFinite(q) || q < 0 || q > 1)
        reader.fail([...path, 'quantiles', key], `quantile '${key}' must be a number from 0 to 1`, true);
      rules.quantiles.push({
        q,
        bounds: reader.bounds(bounds, [...path, 'quantiles', key], `quantile ${key}`, severity),
      });
    }
  }
  return rules;
}

/** Reads and checks a whole suite; every mistake names its file and line. */
export function readSuite(document: ConfigDocument): Suite {
  const reader = new SuiteReader(document);
  const root = reader.mapping(document.value ?? {}, [], ['version', 'table', 'columns', 'drift'], 'the suite');
  if (root.version !== 1) reader.fail(['version'], `'version' must be 1, got ${JSON.stringify(root.version)}`);
  const suite: Suite = { unique: [], columns: [], document };

  if (root.table !== undefined && root.table !== null) {
    const table = reader.mapping(root.table, ['table'], ['row-count', 'columns', 'unique', 'severity'], 'table');
    const severity = reader.severity(table.severity, ['table', 'severity'], 'error');
    if (table['row-count'] !== undefined)
      suite.rowCount = reader.bounds(table['row-count'], ['table', 'row-count'], 'row-count', severity);
    if (table.columns !== undefined) {
      const path = ['table', 'columns'];
      const set = reader.mapping(table.columns, path, ['required', 'exact', 'forbidden', 'severity'], 'table.columns');
      suite.columnSet = { severity: reader.severity(set.severity, [...path, 'severity'], severity) };
      for (const key of ['required', 'exact', 'forbidden'] as const) {
        if (set[key] !== undefined)
          suite.columnSet[key] = reader.names(set[key], [...path, key], `table.columns.${key}`);
      }
    }
    if (table.unique !== undefined) {
      const lists: unknown[] = Array.isArray(table.unique)
        ? table.unique
        : reader.fail(['table', 'unique'], 'table.unique must be a list of column lists, e.g. [[id], [user_id, day]]');
      lists.forEach((item: unknown, index: number) => {
        const path = ['table', 'unique', index];
        const columns = Array.isArray(item)
          ? reader.names(item, path, `table.unique[${index}]`)
          : [reader.string(item, path, `table.unique[${index}]`)];
        suite.unique.push({ columns, severity, path });
      });
    }
  }

  if (root.columns !== undefined && root.columns !== null) {
    if (!isRecord(root.columns)) reader.fail(['columns'], 'columns must map column names to their checks');
    for (const [name, rules] of Object.entries(root.columns)) {
      const column = readColumn(reader, name, rules, ['columns', name]);
      suite.columns.push(column);
      if (column.unique)
        suite.unique.push({ columns: [name], severity: column.severity, path: ['columns', name, 'unique'] });
    }
  }

  if (root.drift !== undefined && root.drift !== null) {
    const path = ['drift'];
    const drift = reader.mapping(root.drift, path, ['columns', 'method', 'threshold', 'share', 'severity'], 'drift');
    const method = drift.method ?? 'auto';
    if (!(SUITE_DRIFT_METHODS as readonly unknown[]).includes(method)) {
      reader.fail(
        [...path, 'method'],
        `drift.method must be one of ${SUITE_DRIFT_METHODS.join(', ')}, got ${JSON.stringify(method)}`,
      );
    }
    let columns: 'all' | string[] = 'all';
    if (drift.columns !== undefined && drift.columns !== 'all')
      columns = reader.names(drift.columns, [...path, 'columns'], 'drift.columns');
    suite.drift = {
      columns,
      method: method as SuiteDriftMethod,
      threshold:
        drift.threshold === undefined || drift.threshold === null
          ? null
          : reader.atLeastZero(drift.threshold, [...path, 'threshold'], 'drift.threshold'),
      share: drift.share === undefined ? 0.5 : reader.fraction(drift.share, [...path, 'share'], 'drift.share'),
      severity: reader.severity(drift.severity, [...path, 'severity'], 'warning'),
    };
  }
  return suite;
}

/**
 * How a column's values compare with a suite's min, max and `in` values: from its declared type, or, without one,
 * from how the data stores it (evaluate.ts). `inList` marks an `in` item, which may be a number for text stored as
 * text (the `in` check then compares numbers).
 */
export interface ValueKind {
  compare: 'number' | 'boolean' | 'date' | 'timestamp' | 'string';
  declared: boolean;
  inList?: boolean;
}

/** A category compares as it is stored, so only the data can say (evaluate.ts). */
const DECLARED_KIND: Record<ColumnType, ValueKind | undefined> = {
  integer: { compare: 'number', declared: true },
  float: { compare: 'number', declared: true },
  number: { compare: 'number', declared: true },
  boolean: { compare: 'boolean', declared: true },
  date: { compare: 'date', declared: true },
  timestamp: { compare: 'timestamp', declared: true },
  string: { compare: 'string', declared: true },
  category: undefined,
};

const describeValue = (value: Scalar) =>
  `${JSON.stringify(value)} (${typeof value === 'string' ? 'text' : typeof value === 'number' ? 'a number' : 'true/false'})`;

/**
 * What is wrong with a suite value for a column compared as `kind`, or undefined. A value of the wrong type would
 * not fail loudly in SQL: TRY_CAST('5' AS DOUBLE) works but TRY_CAST('five' …) is NULL, and `x < NULL` is never
 * true, so the check would pass on every row.
 */
export function suiteValueProblem(value: Scalar, kind: ValueKind, what: string): string | undefined {
  const got = describeValue(value);
  switch (kind.compare) {
    case 'number':
      return typeof value === 'number'
        ? undefined
        : `${what} must be a number, got ${got}${typeof value === 'string' && Number.isFinite(Number(value)) && value.trim() !== '' ? `; write ${Number(value)} without quotes` : ''}`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `${what} must be true or false, got ${got}`;
    case 'date':
    case 'timestamp':
      return typeof value === 'string'
        ? undefined
        : `${what} must be a ${kind.compare} written as text such as '${kind.compare === 'date' ? '2024-01-31' : '2024-01-31 12:00:00'}', got ${got}`;
    case 'string':
      if (typeof value === 'string' || (kind.inList && !kind.declared && typeof value === 'number')) return undefined;
      return `${what} must be text, got ${got}; quote it ('${String(value)}') to compare text${kind.declared ? '' : ', or declare the column numeric to compare numbers'}`;
  }
}

/**
 * Checks with DuckDB itself, before any data is read, what only DuckDB can judge: that each `pattern` is a regular
 * expression its RE2 runs (no lookaround, no backreferences, unlike JavaScript's) and that each date or timestamp
 * bound is one it reads.
 */
export async function checkSuiteExpressions(engine: DataEngine, suite: Suite): Promise<void> {
  for (const column of suite.columns) {
    if (column.pattern !== undefined) {
      try {
        await engine.rows(`SELECT regexp_matches('', ${quoteLiteral(column.pattern)}) AS matched`);
      } catch (error) {
        throw suite.document.error(
          [...column.path, 'pattern'],
          `pattern of column '${column.name}' is not a regular expression DuckDB (RE2) can run: ${duckReason(error)}; RE2 has no lookahead, lookbehind or backreferences`,
          { input: 'suite' },
        );
      }
    }
    if (column.type === 'date' || column.type === 'timestamp') {
      const example = column.type === 'date' ? '2024-01-31' : '2024-01-31 12:00:00';
      const values: [Scalar | undefined, ConfigPath, string][] = [
        [column.min, [...column.path, 'min'], 'min'],
        [column.max, [...column.path, 'max'], 'max'],
        ...(column.in ?? []).map((item, index): [Scalar, ConfigPath, string] => [
          item,
          [...column.path, 'in', index],
          `in[${index}]`,
        ]),
      ];
      for (const [value, path, what] of values) {
        if (value === undefined) continue;
        const [row] = await engine.rows(
          `SELECT TRY_CAST(${quoteLiteral(String(value))} AS ${column.type.toUpperCase()}) IS NULL AS unreadable`,
        );
        if (row?.unreadable)
          throw suite.document.error(
            path,
            `${what} of column '${column.name}' is not a ${column.type} DuckDB reads: ${JSON.stringify(value)}; write it as '${example}'`,
            { input: 'suite' },
          );
      }
    }
  }
}

/** DuckDB's own reason, without its error class ("Invalid Input Error: …"). */
function duckReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? message).replace(/^[\w ]*Error:\s*/, '');
}

/** The checks a suite defines, for the report's "suite read" line and for the CLI. */
export function countSuiteChecks(suite: Suite): number {
  let count = (suite.rowCount ? 1 : 0) + (suite.columnSet ? 1 : 0) + suite.unique.length;
  for (const column of suite.columns) {
    count += [
      column.type,
      column.nullable === false ? true : undefined,
      column.min,
      column.max,
      column.in,
      column.pattern,
      column.maxNullFraction,
      column.mean,
      column.stddev,
    ].filter((value) => value !== undefined).length;
    count += column.quantiles.length;
  }
  return count;
}

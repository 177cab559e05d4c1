import type { RemoteEngineName } from './connection.js';

/**
 * The SQL an engine where the data lives speaks, for the pieces validate-data's pushdown builds from user text
 * (column names, suite values, patterns): every identifier and literal goes through `identifier` and `literal`,
 * never into SQL raw.
 */
export interface SqlDialect {
  readonly engine: RemoteEngineName | 'duckdb';
  identifier(name: string): string;
  /** A string literal of any text (quotes, backslashes, newlines). */
  literal(text: string): string;
  /** A double literal, including NaN and the infinities. */
  number(value: number): string;
  /** How many rows satisfy `predicate` (an aggregate). */
  countIf(predicate: string): string;
  /** `expression` (text) matches the regular expression `pattern` anywhere (a search, as DuckDB's regexp_matches). */
  matches(expression: string, pattern: string): string;
  asText(expression: string): string;
  asDouble(expression: string): string;
  /** `expression` (text) as `target`, or NULL where it does not convert. */
  tryCast(expression: string, target: CastTarget): string;
  /** True for a finite double (not NaN, not ±∞). */
  isFinite(expression: string): string;
  /** Sample standard deviation (n − 1) and population standard deviation of an aggregate's input. */
  stddevSample(expression: string): string;
  stddevPopulation(expression: string): string;
  /** The exact (Postgres) or approximate (Spark, see `quantilesRankError`) linear quantile `q` of a double. */
  quantile(expression: string, q: number): string;
  /** Quantiles at each of `qs`, as one array-valued aggregate. */
  quantiles(expression: string, qs: readonly number[]): string;
  /**
   * Whether an aggregate read (`expression AS alias`) runs in a second query rather than with the table's other
   * aggregates: on Spark an exact `percentile` or a distinct estimate is an imperative aggregate, which turns the
   * whole aggregate it is in into interpreted code, several times slower per row than the generated code the
   * counts, sums and extremes get on their own.
   */
  runsApart(read: string): boolean;
  /**
   * 0 when `quantiles` are exact (numpy's linear interpolation); else the rank error they may have, as a share of
   * the values counted (each returned point has a rank within that share of its q's).
   */
  readonly quantilesRankError: number;
  /** Distinct non-null values: exact where the engine affords it, an estimate otherwise (`exactDistinct`). */
  distinct(expression: string): string;
  readonly exactDistinct: boolean;
  /** An ORDER BY key for text that sorts by code point (as DuckDB does), whatever the database's collation. */
  byCodePoint(expression: string): string;
  /** A column that identifies a stored row, for failing-row samples of a plain table; undefined if none. */
  readonly rowIdentifier?: string;
}

export type CastTarget = 'integer' | 'double' | 'boolean' | 'date' | 'timestamp' | 'text';

/** A double as SQL text both engines read back exactly (JavaScript's shortest round-trip form). */
function plainNumber(value: number): string {
  return Number.isInteger(value) && Math.abs(value) < 1e21 ? value.toFixed(0) : String(value);
}

/**
 * Text that parses as each cast target, for Postgres, which has no TRY_CAST before version 16's pg_input_is_valid.
 * As DuckDB's and Spark's TRY_CAST: a decimal or exponent converts to an integer (rounded); on/off is no boolean.
 */
const CONVERTIBLE: Record<Exclude<CastTarget, 'boolean' | 'text'>, string> = {
  integer: '^\\s*[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?\\s*$',
  double: '^\\s*[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?\\s*$|^\\s*[+-]?(nan|inf|infinity)\\s*$',
  date: '^\\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\\s*$',
  timestamp: '^\\s*[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?)?\\s*$',
};
const BOOLEAN_TEXT = '^\\s*(t|true|f|false|y|yes|n|no|1|0)\\s*$';

const POSTGRES_TYPES: Record<CastTarget, string> = {
  integer: 'numeric',
  double: 'double precision',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'timestamp',
  text: 'text',
};

const postgresLiteral = (text: string) => `'${text.replace(/'/g, "''")}'`;

export const postgresDialect: SqlDialect = {
  engine: 'postgres',
  identifier: (name) => `"${name.replace(/"/g, '""')}"`,
  // standard_conforming_strings is on by default since 9.1: a backslash is an ordinary character. E'' is not used.
  literal: (text) => {
    if (text.includes('\0')) throw new RangeError('PostgreSQL text cannot hold a NUL character');
    return postgresLiteral(text);
  },
  number: (value) =>
    Number.isFinite(value)
      ? `CAST(${plainNumber(value)} AS double precision)`
      : `CAST('${Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity'}' AS double precision)`,
  countIf: (predicate) => `count(*) FILTER (WHERE ${predicate})`,
  matches: (expression, pattern) => `(${expression} ~ ${postgresLiteral(pattern)})`,
  asText: (expression) => `CAST(${expression} AS text)`,
  asDouble: (expression) => `CAST(${expression} AS double precision)`,
  tryCast(expression, target) {
    const text = `CAST(${expression} AS text)`;
    if (target === 'text') return text;
    const valid =
      target === 'boolean'
        ? `${text} ~* ${postgresLiteral(BOOLEAN_TEXT)}`
        : `${text} ~* ${postgresLiteral(CONVERTIBLE[target])}`;
    // A date-shaped text that is no date (2024-02-30) still fails the cast: such rows are rare enough to accept the
    // engine's error, which names the value, rather than a wrong count.
    return `CASE WHEN ${valid} THEN CAST(btrim(${text}) AS ${POSTGRES_TYPES[target]}) END`;
  },
  isFinite: (expression) =>
    // NaN sorts above +∞ in PostgreSQL, so this leaves it out too.
    `(${expression} > CAST('-Infinity' AS double precision) AND ${expression} < CAST('Infinity' AS double precision))`,
  stddevSample: (expression) => `stddev_samp(${expression})`,
  stddevPopulation: (expression) => `stddev_pop(${expression})`,
  quantile: (expression, q) =>
    `percentile_cont(${plainNumber(q)}) WITHIN GROUP (ORDER BY CAST(${expression} AS double precision))`,
  quantiles: (expression, qs) =>
    `percentile_cont(CAST(ARRAY[${qs.map(plainNumber).join(', ')}] AS double precision[])) WITHIN GROUP (ORDER BY CAST(${expression} AS double precision))`,
  quantilesRankError: 0,
  distinct: (expression) => `count(DISTINCT ${expression})`,
  exactDistinct: true,
  byCodePoint: (expression) => `${expression} COLLATE "C"`,
  runsApart: () => false,
  rowIdentifier: 'ctid',
};

/** Spark SQL: a backslash escapes in string literals, so it is escaped too. */
const sparkLiteral = (text: string) =>
  `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;

const SPARK_TYPES: Record<CastTarget, string> = {
  integer: 'DECIMAL(38, 0)',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  text: 'STRING',
};

/** Relative standard deviation of Spark's distinct estimate (approx_count_distinct). */
export const SPARK_DISTINCT_RSD = 0.01;

/** Rank accuracy of Spark's percentile_approx: the rank error is at most n / this. */
export const SPARK_PERCENTILE_ACCURACY = 100_000;

export const sparkDialect: SqlDialect = {
  engine: 'spark',
  identifier: (name) => `\`${name.replace(/`/g, '``')}\``,
  literal: sparkLiteral,
  number: (value) =>
    Number.isFinite(value)
      ? `CAST(${plainNumber(value)} AS DOUBLE)`
      : `CAST('${Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity'}' AS DOUBLE)`,
  countIf: (predicate) => `count_if(${predicate})`,
  matches: (expression, pattern) => `(${expression} RLIKE ${sparkLiteral(pattern)})`,
  asText: (expression) => `CAST(${expression} AS STRING)`,
  asDouble: (expression) => `CAST(${expression} AS DOUBLE)`,
  // try_cast is NULL where ANSI mode's CAST would raise (Spark 3.2+).
  tryCast: (expression, target) => `try_cast(CAST(${expression} AS STRING) AS ${SPARK_TYPES[target]})`,
  // NaN equals NaN and sorts above +∞ in Spark SQL.
  isFinite: (expression) =>
    `(${expression} > CAST('-Infinity' AS DOUBLE) AND ${expression} < CAST('Infinity' AS DOUBLE))`,
  stddevSample: (expression) => `stddev_samp(${expression})`,
  stddevPopulation: (expression) => `stddev_pop(${expression})`,
  // A suite's quantile check is exact, linearly interpolated as DuckDB's and numpy's (Spark's percentile counts
  // each distinct value); the profile's 1001-point grid stays approximate, memory-bounded on any table.
  quantile: (expression, q) => `percentile(CAST(${expression} AS DOUBLE), ${plainNumber(q)})`,
  quantiles: (expression, qs) =>
    `percentile_approx(${expression}, array(${qs.map(plainNumber).join(', ')}), ${SPARK_PERCENTILE_ACCURACY})`,
  quantilesRankError: 1 / SPARK_PERCENTILE_ACCURACY,
  // HyperLogLog++ at 1% relative standard deviation: several exact count(DISTINCT)s in one aggregate make Spark
  // copy every row once per column (Expand), which at tens of millions of rows outlasts everything else. Where a
  // decision hangs on the count (≤ 10 values, at most half the rows, ≤ 1000 kept values) it is counted exactly.
  distinct: (expression) => `approx_count_distinct(${expression}, ${SPARK_DISTINCT_RSD})`,
  exactDistinct: false,
  byCodePoint: (expression) => expression,
  runsApart: (read) => read.startsWith('percentile(') || read.startsWith('approx_count_distinct('),
};

const DUCKDB_TYPES: Record<CastTarget, string> = {
  integer: 'HUGEINT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  text: 'VARCHAR',
};

/** DuckDB on the runner (shared/src/data): the SQL validate-data has always sent it. */
export const duckdbDialect: SqlDialect = {
  engine: 'duckdb',
  identifier: postgresDialect.identifier,
  literal: postgresLiteral,
  number: (value) =>
    Number.isFinite(value)
      ? `CAST(${plainNumber(value)} AS DOUBLE)`
      : `CAST('${Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity'}' AS DOUBLE)`,
  countIf: postgresDialect.countIf,
  matches: (expression, pattern) => `regexp_matches(${expression}, ${postgresLiteral(pattern)})`,
  asText: (expression) => `CAST(${expression} AS VARCHAR)`,
  asDouble: (expression) => `CAST(${expression} AS DOUBLE)`,
  tryCast: (expression, target) => `TRY_CAST(${expression} AS ${DUCKDB_TYPES[target]})`,
  isFinite: (expression) => `isfinite(${expression})`,
  stddevSample: (expression) => `stddev_samp(${expression})`,
  stddevPopulation: (expression) => `stddev_pop(${expression})`,
  quantile: (expression, q) => `quantile_cont(${expression}, ${q})`,
  quantiles: (expression, qs) => `quantile_cont(${expression}, [${qs.map(plainNumber).join(', ')}])`,
  quantilesRankError: 0,
  distinct: (expression) => `approx_count_distinct(${expression})`,
  exactDistinct: false,
  byCodePoint: (expression) => expression,
  runsApart: () => false,
};

export function dialectOf(engine: RemoteEngineName): SqlDialect {
  return engine === 'postgres' ? postgresDialect : sparkDialect;
}

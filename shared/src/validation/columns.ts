import { quoteIdentifier } from '../data/engine.js';
import { type CastTarget, duckdbDialect, type SqlDialect } from '../engines/dialect.js';
import type { ColumnType, Scalar } from './suite.js';

/** DuckDB type families, by the type names DESCRIBE reports. */
const INTEGER_TYPES = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/;
const FLOAT_TYPES = /^(FLOAT|DOUBLE|REAL|DECIMAL(\(\d+,\s*\d+\))?)$/;

export type StoredKind = 'integer' | 'float' | 'string' | 'boolean' | 'date' | 'timestamp' | 'other';

export function storedKind(duckType: string): StoredKind {
  if (INTEGER_TYPES.test(duckType)) return 'integer';
  if (FLOAT_TYPES.test(duckType)) return 'float';
  if (duckType === 'VARCHAR' || duckType.startsWith('ENUM')) return 'string';
  if (duckType === 'BOOLEAN') return 'boolean';
  if (duckType === 'DATE') return 'date';
  if (duckType.startsWith('TIMESTAMP')) return 'timestamp';
  return 'other';
}

/** A column's values as numbers, in SQL. */
export function asDouble(column: string): string {
  return `CAST(${quoteIdentifier(column)} AS DOUBLE)`;
}

/** The query whose non-null values are a column's numbers: the key under which the engine keeps them sorted. */
export function numericValues(table: string, column: string): string {
  return `SELECT ${asDouble(column)} FROM ${table}`;
}

export function isNumericKind(kind: StoredKind): boolean {
  return kind === 'integer' || kind === 'float';
}

/** The type a column's values are compared in, from what the suite expects or else what is stored. */
export function comparisonType(
  expected: ColumnType | undefined,
  stored: StoredKind,
): 'number' | 'date' | 'timestamp' | 'string' | 'boolean' {
  if (expected === 'integer' || expected === 'float' || expected === 'number') return 'number';
  if (expected === 'date' || expected === 'timestamp' || expected === 'boolean' || expected === 'string')
    return expected;
  if (isNumericKind(stored)) return 'number';
  if (stored === 'date' || stored === 'timestamp' || stored === 'boolean') return stored;
  return 'string';
}

/** The cast that makes a value comparable as each comparison type. */
const CAST: Record<ReturnType<typeof comparisonType>, CastTarget> = {
  number: 'double',
  date: 'date',
  timestamp: 'timestamp',
  string: 'text',
  boolean: 'boolean',
};

/** The column as a typed SQL expression: values that do not convert become NULL (they fail the type check). */
export function valueExpression(
  column: string,
  expected: ColumnType | undefined,
  stored: StoredKind,
  dialect: SqlDialect = duckdbDialect,
): string {
  const target = comparisonType(expected, stored);
  const id = dialect.identifier(column);
  const alreadyTyped =
    (target === 'number' && isNumericKind(stored)) ||
    (target !== 'number' && target === stored) ||
    (target === 'string' && stored === 'string');
  return alreadyTyped ? id : dialect.tryCast(id, CAST[target]);
}

/**
 * A predicate true for the non-null values that are not of the expected type, or undefined when every value of
 * the stored type is acceptable. Text is accepted where it converts (a CSV column of "1", "2" is an integer).
 */
export function typeViolation(
  column: string,
  expected: ColumnType,
  stored: StoredKind,
  dialect: SqlDialect = duckdbDialect,
): string | undefined {
  const id = dialect.identifier(column);
  const present = `${id} IS NOT NULL`;
  const fails = (target: CastTarget) => `${present} AND ${dialect.tryCast(id, target)} IS NULL`;
  switch (expected) {
    case 'integer':
      if (stored === 'integer') return undefined;
      // floor, not trunc: Spark's trunc is for dates; a number is whole exactly when both leave it unchanged.
      if (stored === 'float') return `${present} AND ${id} <> floor(${id})`;
      if (stored === 'string') return fails('integer');
      return present;
    case 'float':
    case 'number':
      if (isNumericKind(stored)) return undefined;
      if (stored === 'string') return fails('double');
      return present;
    case 'string':
    case 'category':
      return stored === 'other' ? present : undefined;
    case 'boolean':
      if (stored === 'boolean') return undefined;
      if (stored === 'string') return fails('boolean');
      return present;
    case 'date':
      if (stored === 'date') return undefined;
      if (stored === 'string') return fails('date');
      return present;
    case 'timestamp':
      if (stored === 'timestamp' || stored === 'date') return undefined;
      if (stored === 'string') return fails('timestamp');
      return present;
  }
}

/** A suite value as a SQL literal of the comparison type. */
export function literal(
  value: Scalar,
  target: ReturnType<typeof comparisonType>,
  dialect: SqlDialect = duckdbDialect,
): string {
  const text = dialect.literal(String(value));
  if (target === 'number') return typeof value === 'number' ? String(value) : dialect.tryCast(text, 'double');
  if (target === 'boolean')
    return typeof value === 'boolean' ? String(value).toUpperCase() : dialect.tryCast(text, 'boolean');
  if (target === 'date' || target === 'timestamp') return `${target.toUpperCase()} ${text}`;
  return text;
}

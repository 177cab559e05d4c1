import { quoteIdentifier, quoteLiteral } from '../data/engine.js';
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

const CAST: Record<ReturnType<typeof comparisonType>, string> = {
  number: 'DOUBLE',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  string: 'VARCHAR',
  boolean: 'BOOLEAN',
};

/** The column as a typed SQL expression: values that do not convert become NULL (they fail the type check). */
export function valueExpression(column: string, expected: ColumnType | undefined, stored: StoredKind): string {
  const target = comparisonType(expected, stored);
  const id = quoteIdentifier(column);
  const alreadyTyped =
    (target === 'number' && isNumericKind(stored)) ||
    (target !== 'number' && target === stored) ||
    (target === 'string' && stored === 'string');
  return alreadyTyped ? id : `TRY_CAST(${id} AS ${CAST[target]})`;
}

/**
 * A predicate true for the non-null values that are not of the expected type, or undefined when every value of
 * the stored type is acceptable. Text is accepted where it converts (a CSV column of "1", "2" is an integer).
 */
export function typeViolation(column: string, expected: ColumnType, stored: StoredKind): string | undefined {
  const id = quoteIdentifier(column);
  const present = `${id} IS NOT NULL`;
  switch (expected) {
    case 'integer':
      if (stored === 'integer') return undefined;
      if (stored === 'float') return `${present} AND ${id} <> trunc(${id})`;
      if (stored === 'string') return `${present} AND TRY_CAST(${id} AS HUGEINT) IS NULL`;
      return present;
    case 'float':
    case 'number':
      if (isNumericKind(stored)) return undefined;
      if (stored === 'string') return `${present} AND TRY_CAST(${id} AS DOUBLE) IS NULL`;
      return present;
    case 'string':
    case 'category':
      return stored === 'other' ? present : undefined;
    case 'boolean':
      if (stored === 'boolean') return undefined;
      if (stored === 'string') return `${present} AND TRY_CAST(${id} AS BOOLEAN) IS NULL`;
      return present;
    case 'date':
      if (stored === 'date') return undefined;
      if (stored === 'string') return `${present} AND TRY_CAST(${id} AS DATE) IS NULL`;
      return present;
    case 'timestamp':
      if (stored === 'timestamp' || stored === 'date') return undefined;
      if (stored === 'string') return `${present} AND TRY_CAST(${id} AS TIMESTAMP) IS NULL`;
      return present;
  }
}

/** A suite value as a SQL literal of the comparison type. */
export function literal(value: Scalar, target: ReturnType<typeof comparisonType>): string {
  if (target === 'number')
    return typeof value === 'number' ? String(value) : `TRY_CAST(${quoteLiteral(String(value))} AS DOUBLE)`;
  if (target === 'boolean')
    return typeof value === 'boolean'
      ? String(value).toUpperCase()
      : `TRY_CAST(${quoteLiteral(String(value))} AS BOOLEAN)`;
  if (target === 'date' || target === 'timestamp') return `${CAST[target]} ${quoteLiteral(String(value))}`;
  return quoteLiteral(String(value));
}

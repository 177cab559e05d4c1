import { describe, expect, test } from 'vitest';
import { postgresDialect, remoteSource, sparkDialect } from '../../shared/src/index.js';

// What user text becomes in each engine's SQL: quoted, never raw.

describe('identifiers and literals', () => {
  test.each([
    ['plain', 'age', '"age"', '`age`'],
    ['a quote of either kind', 'we"ird`col', '"we""ird`col"', '`we"ird``col`'],
    ['a space and a dot', 'first name.x', '"first name.x"', '`first name.x`'],
  ])('%s', (_, name, postgres, spark) => {
    expect(postgresDialect.identifier(name)).toBe(postgres);
    expect(sparkDialect.identifier(name)).toBe(spark);
  });

  test.each([
    ['a quote', "it's", "'it''s'", "'it\\'s'"],
    ['a backslash (Spark escapes it, Postgres does not)', 'a\\d+', "'a\\d+'", "'a\\\\d+'"],
    ['a newline', 'a\nb', "'a\nb'", "'a\\nb'"],
  ])('%s', (_, text, postgres, spark) => {
    expect(postgresDialect.literal(text)).toBe(postgres);
    expect(sparkDialect.literal(text)).toBe(spark);
  });

  test('Postgres refuses a NUL it cannot store rather than cutting the text', () => {
    expect(() => postgresDialect.literal('a\0b')).toThrow('PostgreSQL text cannot hold a NUL character');
  });

  test('each engine says count-if, regex search, quantiles and try-cast its own way', () => {
    expect(postgresDialect.countIf('x > 1')).toBe('count(*) FILTER (WHERE x > 1)');
    expect(sparkDialect.countIf('x > 1')).toBe('count_if(x > 1)');
    expect(postgresDialect.matches('s', '^a$')).toBe("(s ~ '^a$')");
    expect(sparkDialect.matches('s', '^a$')).toBe("(s RLIKE '^a$')");
    expect(postgresDialect.quantile('x', 0.5)).toBe(
      'percentile_cont(0.5) WITHIN GROUP (ORDER BY CAST(x AS double precision))',
    );
    expect(sparkDialect.quantile('x', 0.5)).toBe('percentile(CAST(x AS DOUBLE), 0.5)');
    expect(sparkDialect.tryCast('s', 'double')).toBe('try_cast(CAST(s AS STRING) AS DOUBLE)');
    expect(postgresDialect.number(Number.NaN)).toBe("CAST('NaN' AS double precision)");
    expect(sparkDialect.number(1e-7)).toBe('CAST(1e-7 AS DOUBLE)');
  });
});

describe('data and reference on a remote engine', () => {
  test.each([
    ['schema.table', 'postgres', '"schema"."table"', true],
    ['catalog.schema.table', 'spark', '`catalog`.`schema`.`table`', true],
    ['"my schema"."odd""name"', 'postgres', '"my schema"."odd""name"', true],
    ['SELECT * FROM t WHERE day > 1;', 'postgres', '(SELECT * FROM t WHERE day > 1) AS mlops_source', false],
    ['parquet.`s3://bucket/data/`', 'spark', 'parquet.`s3://bucket/data/`', false],
  ] as const)('%s on %s', (text, engine, from, table) => {
    const source = remoteSource(text, engine === 'postgres' ? postgresDialect : sparkDialect, 'data');
    expect([source.from, source.table]).toEqual([from, table]);
  });

  test.each([
    [
      'a.b.c.d',
      'postgres',
      'Input \'data\': "a.b.c.d" is not a table (schema.table) or a query (SELECT …) for the postgres engine.',
    ],
    [
      't; DROP TABLE x',
      'postgres',
      'Input \'data\': "t; DROP TABLE x" is not a table (schema.table) or a query (SELECT …) for the postgres engine.',
    ],
    [
      'parquet.`s3://x`',
      'postgres',
      'Input \'data\': "parquet.`s3://x`" is not a table (schema.table) or a query (SELECT …) for the postgres engine.',
    ],
  ] as const)('%s is refused on %s', (text, engine, message) => {
    expect(() => remoteSource(text, engine === 'postgres' ? postgresDialect : sparkDialect, 'data')).toThrow(message);
  });
});

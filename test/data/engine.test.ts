import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ConfigurationError,
  type DataEngine,
  DUCKDB_VERSION,
  describeReadError,
  duckdbCacheDirectory,
  loadDuckDB,
  MemoryLogger,
  openDataEngine,
  quoteIdentifier,
  resolveDataFiles,
  tableSource,
} from '../../shared/src/index.js';

let engine: DataEngine;
let dir: string;

beforeAll(async () => {
  engine = await openDataEngine({ log: new MemoryLogger() });
  dir = await mkdtemp(join(tmpdir(), 'engine-'));
});
afterAll(() => engine.close());

async function files(name: string, content: string | Buffer) {
  await writeFile(join(dir, name), content);
  return resolveDataFiles([name], dir, 'data');
}

async function readError(name: string, content: string | Buffer): Promise<ConfigurationError> {
  const found = await files(name, content);
  try {
    await engine.rows(`SELECT count(*) AS n FROM ${tableSource(found)}`);
  } catch (error) {
    const described = await describeReadError(error, found, 'data');
    expect(described).toBeInstanceOf(ConfigurationError);
    return described as ConfigurationError;
  }
  throw new Error('expected the read to fail');
}

describe('DuckDB data engine', () => {
  test('reads several CSV files as one table, uniting by column name', async () => {
    await files('a.csv', 'id,age\n1,30\n2,40\n');
    const found = await files('b.csv', 'age,id,plan\n50,3,pro\n');
    const all = await resolveDataFiles(['a.csv', 'b.csv'], dir, 'data');
    expect(found).toHaveLength(1);
    const rows = await engine.rows(`SELECT id, age, plan FROM ${tableSource(all)} ORDER BY id`);
    expect(rows).toEqual([
      { id: 1n, age: 30n, plan: null },
      { id: 2n, age: 40n, plan: null },
      { id: 3n, age: 50n, plan: 'pro' },
    ]);
    const columns = await engine.columns(tableSource(all));
    expect(columns.map((column) => column.name)).toEqual(['id', 'age', 'plan']);
  });

  test('doubles() returns non-null numbers as a Float64Array', async () => {
    const found = await files('n.csv', 'x\n1.5\n\n2.5\n3\n');
    expect([...(await engine.doubles(`SELECT x FROM ${tableSource(found)}`))]).toEqual([1.5, 2.5, 3]);
  });

  test('JSON lines and quoted identifiers', async () => {
    const found = await files('d.jsonl', '{"a b": 1, "c\\"d": "x"}\n{"a b": 2, "c\\"d": "y"}\n');
    const rows = await engine.rows(`SELECT ${quoteIdentifier('a b')} AS v FROM ${tableSource(found)}`);
    expect(rows.map((row) => row.v)).toEqual([1n, 2n]);
  });

  test('a malformed CSV row is the user’s error, with the file and line', async () => {
    const error = await readError('bad.csv', 'a,b\n1,2\n3,4\n5,6,7\n8,9\n');
    expect(error.message).toBe("Input 'data': bad.csv:4 has 3 fields where the header has 2.");
    expect(error.location).toMatchObject({ input: 'data', file: 'bad.csv', line: 4 });
  });

  test('a quoted delimiter or line break is not a ragged row', async () => {
    const found = await files('quoted.csv', 'a,b\n"x,y",2\n"multi\nline",3\n');
    expect(await engine.rows(`SELECT b FROM ${tableSource(found)}`)).toEqual([{ b: 2n }, { b: 3n }]);
  });

  test('bytes that are not UTF-8 are named as such', async () => {
    const error = await readError(
      'latin1.csv',
      Buffer.concat([Buffer.from('name\n'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])]),
    );
    expect(error.message).toMatch(/^Input 'data': latin1\.csv(:\d+)? is not valid UTF-8 text/);
  });

  test('a .parquet file that is not Parquet', async () => {
    const error = await readError('fake.parquet', 'this is not parquet');
    expect(error.message).toMatch(/^Input 'data': fake\.parquet is not a Parquet file/);
  });

  test('broken JSON', async () => {
    const error = await readError('broken.jsonl', '{"a": 1}\n{"a": \n');
    expect(error.message).toMatch(/^Input 'data': broken\.jsonl/);
  });
});

describe('DuckDB from the runner tool cache', () => {
  test('installs the pinned version with npm ci from the lockfile, then loads it', async () => {
    const toolCache = await mkdtemp(join(tmpdir(), 'toolcache-'));
    const log = new MemoryLogger();
    const duckdb = await loadDuckDB({ log, toolCache, preferToolCache: true });
    const directory = duckdbCacheDirectory(toolCache);
    expect(existsSync(join(directory, 'node_modules', '@duckdb', 'node-api', 'package.json'))).toBe(true);
    expect(log.entries.find((entry) => entry.message.startsWith('[command]npm ci'))?.groups).toEqual([
      `Install DuckDB ${DUCKDB_VERSION} into the tool cache`,
    ]);
    const instance = await duckdb.DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll('SELECT 41 + 1 AS answer');
    expect(reader.getRowObjectsJS()).toEqual([{ answer: 42 }]);
    connection.closeSync();
    // A second load finds it in the cache without npm.
    const again = new MemoryLogger();
    await loadDuckDB({ log: again, toolCache, preferToolCache: true });
    expect(again.entries).toEqual([]);
  }, 180_000);
});

test('a memory limit reaches DuckDB, and its spill directory goes with the engine', async () => {
  const own = await openDataEngine({ log: new MemoryLogger(), memoryLimit: '100MiB' });
  const [setting] = await own.rows(
    `SELECT current_setting('memory_limit') AS limit, current_setting('temp_directory') AS spill`,
  );
  own.close();
  expect(setting?.limit).toBe('100.0 MiB');
  expect(String(setting?.spill)).toMatch(/mlops-duckdb-/);
  expect(existsSync(String(setting?.spill))).toBe(false);
});

describe('sorted numeric columns', () => {
  /**
   * Runs `work` on an engine of its own; `reads(column)` lists how each read of `SELECT column FROM current` went
   * (probe, counted, ascending, sorted, scanned), from the engine's debug log.
   */
  async function withReadLog(
    work: (own: DataEngine, reads: (column: string) => string[]) => Promise<void>,
  ): Promise<void> {
    const log = new MemoryLogger();
    const own = await openDataEngine({ log });
    const reads = (column: string) =>
      log.entries.flatMap((entry) => {
        const match = /^duckdb [\d.]+ s: (\w+): SELECT (\w+) FROM current$/.exec(entry.message);
        return match?.[2] === column ? [match[1] as string] : [];
      });
    try {
      await work(own, reads);
    } finally {
      own.close();
    }
  }

  test('are read once, and only a new version of their own table makes them stale', async () => {
    const own = await openDataEngine({ log: new MemoryLogger() });
    try {
      await own.rows('CREATE TEMP TABLE current AS SELECT * FROM (VALUES (3.0), (1.0), (NULL), (2.0)) t(x)');
      await own.rows('CREATE TEMP TABLE reference AS SELECT * FROM (VALUES (9.0)) t(x)');
      const first = await own.sortedDoubles('SELECT x FROM current');
      expect([...first]).toEqual([1, 2, 3]);
      await own.rows('CREATE OR REPLACE TEMP TABLE reference AS SELECT * FROM (VALUES (8.0)) t(x)');
      expect(await own.sortedDoubles('SELECT x FROM current')).toBe(first);
      await own.rows('CREATE OR REPLACE TEMP TABLE current AS SELECT * FROM (VALUES (5.0)) t(x)');
      expect([...(await own.sortedDoubles('SELECT x FROM current'))]).toEqual([5]);
    } finally {
      own.close();
    }
  });

  test('counted by DuckDB (values that repeat) or read and sorted, they are the same array', async () => {
    const own = await openDataEngine({ log: new MemoryLogger() });
    try {
      // Repeats, ties at -0/0, nulls, a large spread and integers, 10,000 rows in all.
      await own.rows(
        `CREATE TEMP TABLE current AS SELECT CASE WHEN i % 97 = 0 THEN NULL WHEN i % 13 = 0 THEN -0.0 ELSE (hash(i) % 50) * 1e3 - 7.25 END AS x, (i % 7)::BIGINT AS k FROM range(10000) t(i)`,
      );
      for (const column of ['x', 'k']) {
        const sql = `SELECT ${column} FROM current`;
        const sorted = [...(await own.sortedDoubles(sql, { fewDistinct: false }))];
        own.release(sql);
        const counted = [...(await own.sortedDoubles(sql, { fewDistinct: true }))];
        expect(counted).toEqual(sorted);
        expect(sorted.length).toBe(column === 'x' ? 10000 - 104 : 10000);
        expect(sorted.every((value, index) => index === 0 || (sorted[index - 1] as number) <= value)).toBe(true);
      }
    } finally {
      own.close();
    }
  });

  test('the first rows decide between counting and sorting', () =>
    withReadLog(async (own, reads) => {
      await own.rows(
        'CREATE TEMP TABLE current AS SELECT (i % 50)::DOUBLE AS few, hash(i)::DOUBLE AS many FROM range(200000) t(i)',
      );
      for (const [column, expected] of [
        ['few', ['probe', 'counted']],
        ['many', ['probe', 'scanned', 'sorted']],
      ] as const) {
        const sorted = await own.sortedDoubles(`SELECT ${column} FROM current`);
        expect(reads(column)).toEqual(expected);
        expect([...sorted]).toEqual([...(await own.doubles(`SELECT ${column} FROM current`))].sort((a, b) => a - b));
      }
    }));

  test('values in any order: the kept sorted array, counted values, or the column as scanned, never sorted', () =>
    withReadLog(async (own, reads) => {
      await own.rows(
        'CREATE TEMP TABLE current AS SELECT (i % 50)::DOUBLE AS few, CASE WHEN i % 11 = 0 THEN NULL ELSE hash(i)::DOUBLE END AS many, i::DOUBLE AS kept FROM range(200000) t(i)',
      );
      const kept = await own.sortedDoubles('SELECT kept FROM current');
      const reused = await own.anyOrderDoubles('SELECT kept FROM current');
      expect(reused).toEqual({ values: kept, sorted: true });
      expect(reused.values).toBe(kept);
      const few = await own.anyOrderDoubles('SELECT few FROM current');
      expect(few.sorted).toBe(true);
      expect([...few.values]).toEqual([...(await own.doubles('SELECT few FROM current'))].sort((a, b) => a - b));
      const many = await own.anyOrderDoubles('SELECT many FROM current');
      expect(many.sorted).toBe(false);
      expect(many.values.length).toBe(200000 - Math.ceil(200000 / 11));
      expect([...many.values].sort((a, b) => a - b)).toEqual(
        [...(await own.doubles('SELECT many FROM current'))].sort((a, b) => a - b),
      );
      // The kept column was read once and not sorted (ascending as scanned); the others were not sorted either.
      expect(reads('kept')).toEqual(['probe', 'scanned']);
      expect(reads('few')).toEqual(['probe', 'counted']);
      expect(reads('many')).toEqual(['probe', 'scanned']);
    }));

  test('a column that comes ascending is taken as scanned; one that stops ascending, or holds NaN, is sorted', () =>
    withReadLog(async (own, reads) => {
      // `later` ascends for its first 150,000 rows, then falls back once; `nan` ascends up to a NaN at its end.
      await own.rows(`CREATE TEMP TABLE current AS SELECT
          CASE WHEN i % 9 = 0 THEN NULL ELSE i * 1e-3 - 50 END AS rising,
          CASE WHEN i = 150000 THEN 0 ELSE i END::DOUBLE AS later,
          CASE WHEN i = 199999 THEN 'NaN'::DOUBLE ELSE i END AS nan
        FROM range(200000) t(i)`);
      for (const [column, expected] of [
        ['rising', ['scanned']],
        ['later', ['scanned', 'sorted']],
        ['nan', ['scanned', 'sorted']],
      ] as const) {
        const sorted = [...(await own.sortedDoubles(`SELECT ${column} FROM current`, { fewDistinct: false }))];
        expect(reads(column)).toEqual(expected);
        const all = [...(await own.doubles(`SELECT ${column} FROM current`))];
        expect(sorted).toEqual(all.sort((a, b) => (Number.isNaN(a) ? 1 : Number.isNaN(b) ? -1 : a - b)));
      }
    }));

  test('a released column is read again', async () => {
    const own = await openDataEngine({ log: new MemoryLogger() });
    try {
      await own.rows('CREATE TEMP TABLE current AS SELECT * FROM (VALUES (2.0), (1.0)) t(x)');
      const first = await own.sortedDoubles('SELECT x FROM current');
      own.release('SELECT x FROM current');
      const again = await own.sortedDoubles('SELECT x FROM current');
      expect(again).not.toBe(first);
      expect([...again]).toEqual([1, 2]);
    } finally {
      own.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  EngineError,
  openPostgres,
  parseConfig,
  postgresDialect,
  readSuite,
  remoteSource,
  validateRemote,
} from '../../shared/src/index.js';
import { type PostgresHandle, startPostgres } from '../services/postgres.js';
import { requireService } from '../services/require-service.js';

describe.skipIf(!requireService('postgres'))('PostgreSQL connection', () => {
  let server: PostgresHandle;
  beforeAll(async () => {
    server = await startPostgres();
    await server.query(
      `CREATE TABLE t (i bigint, big bigint, f double precision, d numeric(10, 2), s text, b boolean, day date, at timestamp, tz timestamptz);
       INSERT INTO t VALUES (1, 9007199254740993, 'NaN', 1.25, 'a''b', true, '2024-01-31', '2024-01-31 12:30:00', '2024-01-31 12:30:00+02'),
                            (2, NULL, '-Infinity', NULL, NULL, NULL, NULL, NULL, NULL)`,
    );
  }, 120_000);
  afterAll(() => server?.stop());

  test('values come back as QueryResult promises, with their kinds and the bytes read', async () => {
    const connection = await openPostgres(server.connectionString);
    try {
      const result = await connection.query('SELECT * FROM t ORDER BY i');
      expect(result.columns.map((column) => [column.name, column.kind, column.engineType])).toEqual([
        ['i', 'integer', 'bigint'],
        ['big', 'integer', 'bigint'],
        ['f', 'float', 'double precision'],
        ['d', 'decimal', 'numeric'],
        ['s', 'string', 'text'],
        ['b', 'boolean', 'boolean'],
        ['day', 'date', 'date'],
        ['at', 'timestamp', 'timestamp without time zone'],
        ['tz', 'timestamp', 'timestamp with time zone'],
      ]);
      expect(result.rows[0]).toEqual({
        i: 1,
        big: 9007199254740993n,
        f: Number.NaN,
        d: '1.25',
        s: "a'b",
        b: true,
        day: '2024-01-31',
        at: '2024-01-31T12:30:00Z',
        tz: '2024-01-31T10:30:00Z',
      });
      expect(result.rows[1]?.f).toBe(Number.NEGATIVE_INFINITY);
      expect(result.bytesReceived).toBeGreaterThan(100);
      expect(result.bytesReceived).toBeLessThan(1000);
    } finally {
      await connection.close();
    }
  });

  test('bad credentials, an unreachable server and a missing table are EngineErrors without the password', async () => {
    const wrong = server.connectionString.replace(server.password, 'not-the-password');
    const refused = await openPostgres(wrong).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(EngineError);
    expect((refused as EngineError).kind).toBe('authentication');
    expect((refused as Error).message).toBe(
      `The postgres engine at mlops@127.0.0.1:${server.port}/postgres refused the credentials: password authentication failed for user "mlops".`,
    );
    expect((refused as Error).message).not.toContain('not-the-password');

    const closedPort = server.connectionString.replace(`:${server.port}/`, ':1/');
    const unreachable = await openPostgres(closedPort).catch((error: unknown) => error);
    expect((unreachable as EngineError).kind).toBe('unreachable');
    expect((unreachable as Error).message).toMatch(
      /^The postgres engine at mlops@127\.0\.0\.1:1\/postgres cannot be reached \(connect ECONNREFUSED 127\.0\.0\.1:1\)\.$/,
    );

    const connection = await openPostgres(server.connectionString);
    try {
      const missing = await connection.query('SELECT * FROM nowhere.nothing').catch((error: unknown) => error);
      expect((missing as EngineError).kind).toBe('missing-table');
      expect((missing as Error).message).toBe('relation "nowhere.nothing" does not exist');
      const noFunction = await connection.query('SELECT count_if(i > 1) FROM t').catch((error: unknown) => error);
      expect((noFunction as EngineError).kind).toBe('missing-function');
      // The server ends this session mid-query: the engine is gone, said as such.
      const lost = await connection
        .query('SELECT pg_terminate_backend(pg_backend_pid())')
        .catch((error: unknown) => error);
      expect((lost as EngineError).kind).toBe('unreachable');
      expect((lost as Error).message).toMatch(
        /^The postgres engine at mlops@127\.0\.0\.1:\d+\/postgres cannot be reached \(/,
      );
    } finally {
      await connection.close();
    }
  });

  test('names and values with quotes, backslashes and SQL in them reach PostgreSQL quoted, never as SQL', async () => {
    await server.query(
      `CREATE TABLE "odd ""table"" name" ("we""ird col" text, "x; DROP TABLE t; --" bigint);
       INSERT INTO "odd ""table"" name" VALUES ('it''s', 1), ('a\\d', 2), ('plain', 3), (NULL, 4)`,
    );
    const suite = readSuite(
      parseConfig(
        [
          'version: 1',
          'columns:',
          "  'we\"ird col':",
          '    in: ["it\'s", plain]',
          "    pattern: '^[a-z'']+$'",
          '  "x; DROP TABLE t; --": {max: 3}',
        ].join('\n'),
        'suite.yml',
        'suite',
      ),
    );
    const connection = await openPostgres(server.connectionString);
    try {
      const run = await validateRemote(
        connection,
        postgresDialect,
        remoteSource('"odd ""table"" name"', postgresDialect, 'data'),
        suite,
        undefined,
      );
      expect(run.checks.map((check) => [check.id, check.status, check.details ?? null])).toEqual([
        ['column.we"ird col.in', 'failed', 'row (0,2): "a\\\\d"'],
        ['column.we"ird col.pattern', 'failed', 'row (0,2): "a\\\\d"'],
        ['column.x; DROP TABLE t; --.max', 'failed', 'row (0,4): 4'],
      ]);
      expect((await server.query('SELECT count(*) AS n FROM t')).rows[0].n).toBe('2');
    } finally {
      await connection.close();
    }
  });
});

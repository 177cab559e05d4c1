import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SparkConnectOptions } from '../../shared/src/index.js';
import { freePort } from '../services/process.js';
import { requireService } from '../services/require-service.js';
import { type SparkConnectHandle, startSparkConnect } from '../services/spark-connect.js';
import { startTcpCutProxy, type TcpCutProxy } from '../services/tcp-cut-proxy.js';

/** A throwaway certificate for 127.0.0.1, which gRPC trusts as its roots (read when grpc-js loads, hence first). */
function trustedLoopbackCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'spark-tls-'));
  const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  process.env.GRPC_DEFAULT_SSL_ROOTS_FILE_PATH = cert;
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}
const certificate = trustedLoopbackCertificate();
const { ConfigurationError, SparkConnectConnection } = await import('../../shared/src/index.js');

/** A Spark SQL string literal (backslash escapes on, Spark's default) for any text. */
function sqlString(text: string): string {
  const escaped = text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\t/g, '\\t');
  return `'${escaped}'`;
}

const HOSTILE = 'it\'s "quoted" \\ back\nslash\t<script>alert(1)</script> ::error::x ;-- DROP TABLE t 😀 é';

/** Column, SQL expression, its Spark type (for the NULL row), the value that must come back, kind. */
const TYPE_CASES: [string, string, string, unknown, string][] = [
  ['tiny', 'CAST(-128 AS TINYINT)', 'tinyint', -128, 'integer'],
  ['small', 'CAST(32767 AS SMALLINT)', 'smallint', 32767, 'integer'],
  ['int', '2147483647', 'int', 2147483647, 'integer'],
  ['safe', '9007199254740991L', 'bigint', 9007199254740991, 'integer'],
  ['beyond', '9007199254740993L', 'bigint', 9007199254740993n, 'integer'],
  ['lowest', '-9223372036854775808L', 'bigint', -9223372036854775808n, 'integer'],
  ['tenth', '0.1D', 'double', 0.1, 'float'],
  ['nan', "CAST('NaN' AS DOUBLE)", 'double', Number.NaN, 'float'],
  ['inf', "CAST('Infinity' AS DOUBLE)", 'double', Number.POSITIVE_INFINITY, 'float'],
  ['ninf', "CAST('-Infinity' AS DOUBLE)", 'double', Number.NEGATIVE_INFINITY, 'float'],
  ['single', 'CAST(1.5 AS FLOAT)', 'float', 1.5, 'float'],
  ['cents', "CAST('-0.05' AS DECIMAL(10,2))", 'decimal(10,2)', '-0.05', 'decimal'],
  [
    'wide',
    "CAST('12345678901234567890123456.123456789012' AS DECIMAL(38,12))",
    'decimal(38,12)',
    '12345678901234567890123456.123456789012',
    'decimal',
  ],
  ['hostile', sqlString(HOSTILE), 'string', HOSTILE, 'string'],
  ['empty', "''", 'string', '', 'string'],
  ['yes', 'true', 'boolean', true, 'boolean'],
  ['no', 'false', 'boolean', false, 'boolean'],
  ['leap', "DATE'2024-02-29'", 'date', '2024-02-29', 'date'],
  ['before_epoch', "DATE'1969-12-31'", 'date', '1969-12-31', 'date'],
  ['micros', "TIMESTAMP'2024-01-02 03:04:05.123456'", 'timestamp', '2024-01-02T03:04:05.123456Z', 'timestamp'],
  ['whole', "TIMESTAMP'2024-01-02 03:04:05'", 'timestamp', '2024-01-02T03:04:05Z', 'timestamp'],
  ['pre_epoch', "TIMESTAMP'1969-12-31 23:59:59.999999'", 'timestamp', '1969-12-31T23:59:59.999999Z', 'timestamp'],
];

// Spark's first queries compile and JIT their way in: generous timeouts on a busy two-core machine.
describe.skipIf(!requireService('spark'))('Spark Connect client against Spark 4.3.0', { timeout: 180_000 }, () => {
  const token = randomBytes(16).toString('hex');
  let server: SparkConnectHandle;
  let proxy: TcpCutProxy;
  let tlsFront: TcpCutProxy;
  beforeAll(async () => {
    server = await startSparkConnect({ token });
    proxy = await startTcpCutProxy(server.port);
    tlsFront = await startTcpCutProxy(server.port, { tls: certificate });
    // The first query on a fresh server costs tens of seconds of class loading, paid here once.
    const warmUp = SparkConnectConnection.fromConnectionString(server.connectionString);
    await warmUp.query('SELECT 1').finally(() => warmUp.close());
  }, 400_000);
  afterAll(async () => {
    await proxy?.stop();
    await tlsFront?.stop();
    await server?.stop();
  });

  async function withConnection<T>(
    run: (connection: InstanceType<typeof SparkConnectConnection>) => Promise<T>,
    connection = server.connectionString,
    options: SparkConnectOptions = {},
  ): Promise<T> {
    const spark = SparkConnectConnection.fromConnectionString(connection, options);
    try {
      return await run(spark);
    } finally {
      await spark.close();
    }
  }

  test('every type kind comes back by the SqlConnection contract, and NULL as null', async () => {
    const values = TYPE_CASES.map(([name, expression]) => `${expression} AS ${name}`).join(', ');
    const nulls = TYPE_CASES.map(([name, , type]) => `CAST(NULL AS ${type}) AS ${name}`).join(', ');
    const result = await withConnection((spark) =>
      spark.query(`SELECT 1 AS row_no, ${values} UNION ALL SELECT 2, ${nulls} ORDER BY row_no`),
    );
    expect(result.columns).toEqual([
      { name: 'row_no', kind: 'integer', engineType: 'int' },
      ...TYPE_CASES.map(([name, , engineType, , kind]) => ({ name, kind, engineType })),
    ]);
    expect(result.rows).toEqual([
      { row_no: 1, ...Object.fromEntries(TYPE_CASES.map(([name, , , value]) => [name, value])) },
      { row_no: 2, ...Object.fromEntries(TYPE_CASES.map(([name]) => [name, null])) },
    ]);
  });

  test('use_ssl=true speaks TLS (here a TLS front of the server), the token riding on it', async () => {
    const before = tlsFront.bytesDownstream();
    const result = await withConnection(
      (spark) => spark.query("SELECT 'over tls' AS via"),
      `sc://127.0.0.1:${tlsFront.port}/;use_ssl=true;token=${token}`,
    );
    expect(result.rows).toEqual([{ via: 'over tls' }]);
    expect(tlsFront.bytesDownstream() - before).toBeGreaterThan(result.bytesReceived);
  });

  test('a result of many Arrow batches arrives whole and in order', async () => {
    const result = await withConnection(async (spark) => {
      // 1,000 rows per Arrow batch: the 100,000 rows below come as at least 100 ExecutePlan responses.
      await spark.query('SET spark.sql.execution.arrow.maxRecordsPerBatch=1000');
      return spark.query('SELECT id, id * 3 AS tripled FROM range(0, 100000, 1, 4)');
    });
    expect(result.rows.length).toBe(100_000);
    expect(result.rows.every((row, index) => row.id === index && row.tripled === index * 3)).toBe(true);
  });

  test('bytesReceived counts the result messages: at least the values, at most what crossed the socket', async () => {
    const before = proxy.bytesDownstream();
    const result = await withConnection(
      (spark) => spark.query('SELECT id FROM range(0, 100000, 1, 2)'),
      `sc://127.0.0.1:${proxy.port}/;token=${token}`,
    );
    const wire = proxy.bytesDownstream() - before;
    expect(result.rows.length).toBe(100_000);
    // 100,000 int64 values are 800,000 bytes of Arrow data alone.
    expect(result.bytesReceived).toBeGreaterThanOrEqual(800_000);
    expect(result.bytesReceived).toBeLessThanOrEqual(wire);
    expect(result.bytesReceived).toBeGreaterThan(wire * 0.9);
  });

  test('a result stream cut mid-way is reattached where it stopped: every row once, in order', async () => {
    const retries: { attempt: number; how: string }[] = [];
    const cutsBefore = proxy.cuts();
    const result = await withConnection(
      async (spark) => {
        await spark.query('SELECT 1');
        // About a third of the ~2.4 MB result reaches the client, then the TCP connection dies.
        proxy.cutAfter(800_000);
        return spark.query("SELECT id, concat('row-', CAST(id AS STRING)) AS label FROM range(0, 100000, 1, 4)");
      },
      `sc://127.0.0.1:${proxy.port}/;token=${token}`,
      { reattachDelayMs: 50, onRetry: ({ attempt, how }) => retries.push({ attempt, how }) },
    );
    expect(proxy.cuts() - cutsBefore).toBe(1);
    expect(retries).toEqual([{ attempt: 1, how: 'reattach' }]);
    expect(result.rows.length).toBe(100_000);
    expect(result.rows.every((row, index) => row.id === index && row.label === `row-${index}`)).toBe(true);
  });

  test.each([
    [
      'bad SQL',
      'SELEC 1',
      "Spark rejected the query: Syntax error at or near 'SELEC'. (line 1, pos 0) (gRPC INTERNAL, PARSE_SYNTAX_ERROR, SQLSTATE 42601)",
    ],
    [
      'a missing table',
      'SELECT * FROM no_such_table',
      'Spark rejected the query: The table or view `no_such_table` cannot be found. Verify the spelling and correctness of the schema and catalog. (gRPC INTERNAL, TABLE_OR_VIEW_NOT_FOUND, SQLSTATE 42P01)',
    ],
    [
      'a missing function',
      'SELECT no_such_function(1)',
      'Spark rejected the query: Cannot resolve routine `no_such_function` on search path [`system`.`builtin`, `system`.`session`, `spark_catalog`.`default`]. line 1 pos 7 (gRPC INTERNAL, UNRESOLVED_ROUTINE, SQLSTATE 42883)',
    ],
    [
      'a missing column',
      'SELECT no_such_column FROM range(1)',
      'Spark rejected the query: A column, variable, or function parameter with name `no_such_column` cannot be resolved. Did you mean one of the following? [`id`]. line 1 pos 7 (gRPC INTERNAL, UNRESOLVED_COLUMN.WITH_SUGGESTION, SQLSTATE 42703)',
    ],
  ])('%s is one clear ConfigurationError', async (_what, sql, message) => {
    const error = await withConnection((spark) => spark.query(sql)).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(message);
  });

  test('a wrong token is refused with one message that does not contain it', async () => {
    const wrong = randomBytes(16).toString('hex');
    const error = await withConnection(
      (spark) => spark.query('SELECT 1'),
      `sc://127.0.0.1:${server.port}/;token=${wrong}`,
    ).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as InstanceType<typeof ConfigurationError>).location).toEqual({ input: 'connection' });
    expect((error as Error).message).toBe(
      `the Spark Connect server at 127.0.0.1:${server.port} refused the credentials (check the token in the connection string): Invalid authentication token (gRPC UNAUTHENTICATED)`,
    );
    expect((error as Error).message).not.toContain(wrong);
  });

  test('a query past its timeout is one ConfigurationError, and Spark is told to stop it', async () => {
    await withConnection(
      async (spark) => {
        await spark.query('SELECT 1');
        const error = await spark
          .query('SELECT sum(hash(id)) FROM range(0, 100000000000, 1, 2)')
          .catch((thrown: unknown) => thrown);
        expect(error).toBeInstanceOf(ConfigurationError);
        expect((error as Error).message).toMatch(
          /^Spark did not answer within the query timeout: Deadline exceeded after \d+\.\d+s.* \(gRPC DEADLINE_EXCEEDED\)$/,
        );
        // The Interrupt reaches Spark while the session is still open (close() would end its jobs anyway).
        const cancelled = new RegExp(`SPARK_JOB_CANCELLED.*Session_${spark.sessionId}`);
        await expect.poll(() => cancelled.test(server.logs()), { timeout: 20_000, interval: 200 }).toBe(true);
      },
      server.connectionString,
      { queryTimeoutMs: 3_000 },
    );
  });

  test('an unreachable port is one ConfigurationError naming the address', async () => {
    const port = await freePort();
    const error = await withConnection((spark) => spark.query('SELECT 1'), `sc://127.0.0.1:${port}`, {
      maxReattachAttempts: 1,
      reattachDelayMs: 10,
    }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as InstanceType<typeof ConfigurationError>).location).toEqual({ input: 'connection' });
    expect((error as Error).message).toBe(
      `the Spark Connect server at 127.0.0.1:${port} is unreachable: No connection established. last error: connect ECONNREFUSED 127.0.0.1:${port}. (gRPC UNAVAILABLE)`,
    );
  });
});

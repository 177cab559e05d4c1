import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SparkConnectConnection } from '../../shared/src/index.js';
import { requireService } from '../services/require-service.js';
import { type SparkConnectHandle, startSparkConnect } from '../services/spark-connect.js';
import { actionDir, repositoryRoot, runAction } from '../support/run-action.js';
import { reportValidator } from '../support/schemas.js';
import { WEATHER_SUITE } from '../support/weather-suite.js';

// validate-data with engine: spark, run as the runner runs it (node dist/index.js), against a real Spark Connect
// server (pyspark 4.3.0, its local token on): the Seattle weather table the DuckDB and PostgreSQL tests check.

const validateData = actionDir('validate-data');
const weatherCsv = join(repositoryRoot, 'test', 'fixtures', 'data', 'seattle-weather.csv');

const weatherSuite = WEATHER_SUITE;

const token = randomBytes(16).toString('hex');
let server: SparkConnectHandle;

async function workspace(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'validate-spark-'));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

async function validate(inputs: Record<string, string>) {
  const run = await runAction(validateData, {
    workspace: await workspace({ 'suite.yml': weatherSuite }),
    inputs: { comment: 'never', engine: 'spark', connection: server.connectionString, suite: 'suite.yml', ...inputs },
  });
  const report = run.outputs.report ? JSON.parse(await readFile(run.outputs.report, 'utf8')) : undefined;
  return { run, report };
}

/** Everything the step showed anyone, less the `::add-mask::` lines the runner swallows (the first must mask). */
async function everythingShown(run: Awaited<ReturnType<typeof validate>>['run']): Promise<string> {
  const lines = run.stdout.split('\n');
  expect(lines.slice(0, 3)).toContain(`::add-mask::${token}`);
  const report = run.outputs.report ? await readFile(run.outputs.report, 'utf8') : '';
  const log = lines.filter((line) => !line.startsWith('::add-mask::')).join('\n');
  return [log, run.stderr, run.summary, JSON.stringify(run.outputs), report].join('\n');
}

describe.skipIf(!requireService('spark'))('validate-data on Spark', { timeout: 240_000 }, () => {
  beforeAll(async () => {
    server = await startSparkConnect({ token });
    // Tables in the server's catalog, which every session sees (the action opens its own).
    const spark = SparkConnectConnection.fromConnectionString(server.connectionString);
    try {
      await spark.query(
        `CREATE TABLE weather (date DATE, precipitation DOUBLE, temp_max DOUBLE, temp_min DOUBLE, wind DOUBLE, weather STRING) USING csv OPTIONS (path '${weatherCsv}', header 'true')`,
      );
      // One bad row: a negative precipitation and an unknown weather.
      await spark.query(
        "CREATE TABLE weather_broken USING parquet AS SELECT date, IF(date = DATE'2013-06-01', -1D, precipitation) AS precipitation, temp_max, temp_min, wind, IF(date = DATE'2013-06-01', 'hail', weather) AS weather FROM weather",
      );
    } finally {
      await spark.close();
    }
  }, 400_000);
  afterAll(() => server?.stop());

  test("the suite passes with DuckDB's outcomes; the report names spark and the bytes returned", async () => {
    const { run, report } = await validate({ data: 'weather' });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs.passed).toBe('true');
    expect(report.rows).toBe(1461);
    const duck = await runAction(validateData, {
      workspace: await workspace({ 'suite.yml': weatherSuite, 'weather.csv': await readFile(weatherCsv, 'utf8') }),
      inputs: { comment: 'never', data: 'weather.csv', suite: 'suite.yml' },
    });
    const duckReport = JSON.parse(await readFile(duck.outputs.report as string, 'utf8'));
    const outcomes = (checks: { id: string; status: string; observed: unknown }[]) =>
      checks.map(({ id, status, observed }) => [id, status, JSON.stringify(observed)]);
    expect(outcomes(report.checks)).toEqual(outcomes(duckReport.checks));
    expect(report.checks).toHaveLength(23);
    expect(report.engine.name).toBe('spark');
    expect(report.engine.queries).toBeGreaterThanOrEqual(3);
    expect(report.engine.bytesReceived).toBeGreaterThan(1000);
    expect(report.engine.bytesReceived).toBeLessThan(200_000);
    expect((await reportValidator())(report)).toBe(true);
    expect(run.summary).toContain('Checked where the data lives, on spark:');
    expect(await everythingShown(run)).not.toContain(token);
  });

  test('past exact-rows the profile says which quantiles are estimates; debug logging times each query', async () => {
    // 3000 rows past an exact-rows of 1000: x and id have 3000 values (Spark's estimated quantiles), k has 7
    // (counted, so its quantiles are exact).
    const run = await runAction(validateData, {
      workspace: await workspace({ 'suite.yml': 'version: 1\ncolumns:\n  x: {min: 0}\n' }),
      inputs: {
        comment: 'never',
        engine: 'spark',
        connection: server.connectionString,
        suite: 'suite.yml',
        data: 'SELECT id, id * 0.37 AS x, id % 7 AS k FROM range(3000)',
        'exact-rows': '1000',
      },
      env: { RUNNER_DEBUG: '1' },
    });
    expect(run.exitCode, run.stdout).toBe(0);
    const report = JSON.parse(await readFile(run.outputs.report as string, 'utf8'));
    expect(report.engine.approximateQuantiles).toEqual({ columns: ['id', 'x'], rankError: 0.00001 });
    expect((await reportValidator())(report)).toBe(true);
    expect(run.summary).toContain(
      "≈ The profile's quantiles of id, x are the engine's estimates, each within 0.001% of the values in rank.",
    );
    const profile = JSON.parse(await readFile(run.outputs.profile as string, 'utf8'));
    const [id, x, k] = profile.columns;
    expect([id.quantilesRankError, x.quantilesRankError, k.quantilesRankError]).toEqual([0.00001, 0.00001, undefined]);
    // k: 0…6, 429 or 428 times each (3000 = 7 × 428 + 4): numpy's quantiles of the sorted 3000 values.
    expect([k.distinct, k.quantiles[0], k.quantiles[500], k.quantiles[1000]]).toEqual([7, 0, 3, 6]);
    // q = 0.143: rank 2999 × 0.143 = 428.857, between the last 0 (rank 428) and the first 1, linearly.
    expect(k.quantiles[143]).toBeCloseTo(0.857, 9);
    // Within the estimate's rank error (3000 × 0.00001 < 1 rank): x's points are its values near q × 2999 × 0.37.
    expect(Math.abs(x.quantiles[500] - 1499.5 * 0.37)).toBeLessThanOrEqual(0.37);
    // One debug line per query: its time, bytes and rows, then the SQL on one line (% escaped as workflow commands
    // escape it).
    const timed = run.stdout.split('\n').filter((line) => line.startsWith('::debug::spark query: '));
    expect(timed).toHaveLength(report.engine.queries);
    expect(timed[0]).toMatch(
      /^::debug::spark query: \d+\.\d{3} s, \d+ bytes, 0 rows: SELECT \* FROM \(SELECT id, id \* 0\.37 AS x, id %25 7 AS k FROM range\(3000\)\) AS mlops_source LIMIT 0$/,
    );
    expect(await everythingShown(run)).not.toContain(token);
  });

  test('failing rows come back as a bounded sample of their values', async () => {
    const { run, report } = await validate({ data: 'weather_broken' });
    expect(run.exitCode).toBe(1);
    expect(
      report.checks
        .filter((check: { status: string }) => check.status === 'failed')
        .map((check: { id: string; observed: unknown; details: string }) => [check.id, check.observed, check.details]),
    ).toEqual([
      ['column.precipitation.min', { failingRows: 1 }, '-1'],
      ['column.weather.in', { failingRows: 1 }, '"hail"'],
    ]);
  });

  test.each([
    [
      'a wrong token',
      () => ({ connection: `sc://127.0.0.1:${server.port}/;token=wrong-token-value`, data: 'weather' }),
      'wrong-token-value',
      'refused the credentials (check the token in the connection string): Invalid authentication token (gRPC UNAUTHENTICATED)',
    ],
    ['a missing table', () => ({ data: 'nowhere' }), token, 'The table or view `nowhere` cannot be found.'],
    [
      'a SQL function the engine lacks',
      () => ({ data: 'SELECT no_such_function(wind) AS w FROM weather' }),
      token,
      'Cannot resolve routine `no_such_function`',
    ],
    [
      'a Spark Connect string that is not one',
      () => ({ connection: `sc://127.0.0.1:${server.port}/extra;token=${token}`, data: 'weather' }),
      token,
      'the Spark Connect connection string must not have a path after host:port: parameters follow as /;name=value',
    ],
  ])('%s is one ::error:: without the token', async (_name, inputs, secret, message) => {
    const { run } = await validate(inputs());
    expect(run.exitCode, run.stdout).toBe(1);
    const errors = run.annotations.filter((annotation) => annotation.level === 'error');
    expect(errors.map((error) => error.message)).toEqual([expect.stringContaining(message)]);
    expect(run.stdout).not.toMatch(/\n\s+at .+:\d+:\d+/);
    const shown = [
      run.stdout
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'))
        .join('\n'),
      run.stderr,
      run.summary,
    ].join('\n');
    expect(shown).not.toContain(secret);
  });
});

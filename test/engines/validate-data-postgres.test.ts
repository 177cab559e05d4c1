import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type PostgresHandle, startPostgres } from '../services/postgres.js';
import { requireService } from '../services/require-service.js';
import { actionDir, repositoryRoot, runAction } from '../support/run-action.js';
import { reportValidator } from '../support/schemas.js';
import { WEATHER_SUITE } from '../support/weather-suite.js';

// validate-data with engine: postgres, run as the runner runs it (node dist/index.js), against a real server.

const validateData = actionDir('validate-data');

const weatherSuite = WEATHER_SUITE;

let server: PostgresHandle;

async function workspace(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'validate-postgres-'));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

async function validate(files: Record<string, string>, inputs: Record<string, string>) {
  const ws = await workspace(files);
  const run = await runAction(validateData, {
    workspace: ws,
    inputs: { comment: 'never', engine: 'postgres', connection: server.connectionString, ...inputs },
  });
  const report = run.outputs.report ? JSON.parse(await readFile(run.outputs.report, 'utf8')) : undefined;
  return { run, report };
}

/**
 * Everything the step showed anyone: logs, summary, outputs and the report. The runner swallows `::add-mask::`
 * lines (they are how the password gets masked), so they are not shown; the first line must mask the password.
 */
async function everythingShown(run: Awaited<ReturnType<typeof validate>>['run'], password: string): Promise<string> {
  const lines = run.stdout.split('\n');
  expect(lines.slice(0, 3)).toContain(`::add-mask::${password}`);
  const report = run.outputs.report ? await readFile(run.outputs.report, 'utf8') : '';
  const log = lines.filter((line) => !line.startsWith('::add-mask::')).join('\n');
  return [log, run.stderr, run.summary, JSON.stringify(run.outputs), report].join('\n');
}

describe.skipIf(!requireService('postgres'))('validate-data on PostgreSQL', () => {
  beforeAll(async () => {
    server = await startPostgres();
    const csv = (await readFile(join(repositoryRoot, 'test', 'fixtures', 'data', 'seattle-weather.csv'), 'utf8'))
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((line) => line.split(','));
    await server.query(
      'CREATE TABLE weather (date date, precipitation double precision, temp_max double precision, temp_min double precision, wind double precision, weather text)',
    );
    for (let start = 0; start < csv.length; start += 500) {
      const batch = csv.slice(start, start + 500);
      await server.query(
        `INSERT INTO weather VALUES ${batch.map((_, row) => `(${[1, 2, 3, 4, 5, 6].map((column) => `$${row * 6 + column}`).join(', ')})`).join(', ')}`,
        batch.flat(),
      );
    }
    // One bad row: a negative precipitation and an unknown weather.
    await server.query('CREATE TABLE weather_broken AS SELECT * FROM weather');
    await server.query("UPDATE weather_broken SET precipitation = -1, weather = 'hail' WHERE date = '2013-06-01'");
    await server.query('CREATE VIEW weather_view AS SELECT * FROM weather_broken');
    // json has no equality operator: a profile must not count its distinct values with one.
    await server.query("CREATE TABLE weather_json AS SELECT *, json_build_object('w', weather) AS extra FROM weather");
  }, 120_000);
  afterAll(() => server?.stop());

  test('the suite passes where DuckDB passes it; the report names the engine and the bytes returned', async () => {
    const { run, report } = await validate(
      { 'suite.yml': weatherSuite },
      { data: 'public.weather', suite: 'suite.yml' },
    );
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs.passed).toBe('true');
    expect(report.rows).toBe(1461);
    // The same checks, outcomes and observations as DuckDB's run of the same suite on the CSV file.
    const duck = await runAction(validateData, {
      workspace: await workspace({
        'suite.yml': weatherSuite,
        'weather.csv': await readFile(join(repositoryRoot, 'test', 'fixtures', 'data', 'seattle-weather.csv'), 'utf8'),
      }),
      inputs: { comment: 'never', data: 'weather.csv', suite: 'suite.yml' },
    });
    const duckReport = JSON.parse(await readFile(duck.outputs.report as string, 'utf8'));
    const outcomes = (checks: { id: string; status: string; observed: unknown }[]) =>
      checks.map(({ id, status, observed }) => [id, status, JSON.stringify(observed)]);
    expect(outcomes(report.checks)).toEqual(outcomes(duckReport.checks));
    expect(report.checks.map((check: { id: string; status: string }) => `${check.id} ${check.status}`)).toEqual([
      'table.row-count passed',
      'table.columns passed',
      'column.date.type passed',
      'column.date.nullable passed',
      'column.precipitation.type passed',
      'column.precipitation.nullable passed',
      'column.precipitation.min passed',
      'column.precipitation.max passed',
      'column.temp_max.type passed',
      'column.temp_max.min passed',
      'column.temp_max.max passed',
      'column.temp_max.mean passed',
      'column.temp_min.type passed',
      'column.temp_min.min passed',
      'column.temp_min.max passed',
      'column.temp_min.quantile-0.5 passed',
      'column.wind.type passed',
      'column.wind.min passed',
      'column.wind.max passed',
      'column.wind.stddev passed',
      'column.weather.type passed',
      'column.weather.in passed',
      'unique.date passed',
    ]);
    expect(report.engine.name).toBe('postgres');
    expect(report.engine.queries).toBeGreaterThanOrEqual(3);
    // Aggregates and the profile's sorted numeric columns (1461 rows is below exact-rows): tens of KB, not the table.
    expect(report.engine.bytesReceived).toBeGreaterThan(1000);
    expect(report.engine.bytesReceived).toBeLessThan(200_000);
    expect((await reportValidator())(report)).toBe(true);
    expect(run.summary).toContain('Checked where the data lives, on postgres:');
    expect(await everythingShown(run, server.password)).not.toContain(server.password);
  });

  test('a column of a type without equality (json) is profiled as text', async () => {
    const { run, report } = await validate({ 'suite.yml': weatherSuite }, { data: 'weather_json', suite: 'suite.yml' });
    expect(run.exitCode, run.stdout).toBe(0);
    const profile = JSON.parse(await readFile(run.outputs.profile as string, 'utf8'));
    expect(profile.columns.find((column: { name: string }) => column.name === 'extra')).toMatchObject({
      type: 'json',
      kind: 'other',
      count: 1461,
      distinct: 5,
      min: '{"w" : "drizzle"}',
      max: '{"w" : "sun"}',
    });
    expect(report.rows).toBe(1461);
  });

  test('failing rows come back as a bounded sample with their ctid', async () => {
    const { run, report } = await validate(
      { 'suite.yml': weatherSuite },
      { data: 'weather_broken', suite: 'suite.yml' },
    );
    expect(run.exitCode).toBe(1);
    const failed = report.checks.filter((check: { status: string }) => check.status === 'failed');
    expect(failed.map((check: { id: string; observed: unknown }) => [check.id, check.observed])).toEqual([
      ['column.precipitation.min', { failingRows: 1 }],
      ['column.weather.in', { failingRows: 1 }],
    ]);
    expect(failed[0].details).toMatch(/^row \(\d+,\d+\): -1$/);
    expect(failed[1].details).toMatch(/^row \(\d+,\d+\): "hail"$/);
    // A view has no ctid: the same failures, their values without a row.
    const { report: fromView } = await validate(
      { 'suite.yml': weatherSuite },
      { data: 'weather_view', suite: 'suite.yml' },
    );
    expect(
      fromView.checks
        .filter((check: { status: string }) => check.status === 'failed')
        .map((check: { id: string; details: string }) => [check.id, check.details]),
    ).toEqual([
      ['column.precipitation.min', '-1'],
      ['column.weather.in', '"hail"'],
    ]);
  });

  test.each([
    [
      'an unreachable engine',
      () => ({ connection: server.connectionString.replace(`:${server.port}/`, ':1/'), data: 'weather' }),
      'server',
      'The postgres engine at mlops@127.0.0.1:1/postgres cannot be reached (connect ECONNREFUSED 127.0.0.1:1).',
    ],
    [
      'bad credentials',
      () => ({ connection: server.connectionString.replace(server.password, 'wrong-password'), data: 'weather' }),
      'wrong-password',
      'refused the credentials: password authentication failed for user "mlops".',
    ],
    [
      'a missing table',
      () => ({ data: 'public.nowhere' }),
      'server',
      `Input 'data': public.nowhere is not a table the postgres engine can read (relation "public.nowhere" does not exist).`,
    ],
    [
      'a SQL function the engine lacks',
      () => ({ data: 'SELECT no_such_function(wind) AS w FROM weather' }),
      'server',
      "Input 'data': the postgres engine lacks a SQL function validate-data needs to check the query in 'data' (function no_such_function(double precision) does not exist).",
    ],
    [
      'no connection',
      () => ({ connection: '', data: 'weather' }),
      undefined,
      "Input 'connection' is required with engine 'postgres'.",
    ],
    [
      'a connection with engine duckdb',
      () => ({ engine: 'duckdb', data: 'weather.csv' }),
      'server',
      "Input 'connection' is for engine 'postgres' or 'spark'; engine is 'duckdb' (set engine to where the data lives).",
    ],
    [
      'infer, which only DuckDB does',
      () => ({ data: 'weather', infer: 'true' }),
      'server',
      "Input 'infer' applies to engine 'duckdb' only; engine is 'postgres'.",
    ],
    [
      'a connection string for another engine',
      () => ({ connection: 'sc://127.0.0.1:15002', data: 'weather' }),
      undefined,
      "Input 'connection' must be a postgres:// or postgresql:// URL for engine 'postgres', such as postgres://user:password@host:5432/database; it starts with sc://.",
    ],
  ])('%s is one ::error:: without the password', async (_name, inputs, password, message) => {
    const { run } = await validate({ 'suite.yml': weatherSuite }, { suite: 'suite.yml', ...inputs() });
    expect(run.exitCode, run.stdout).toBe(1);
    const errors = run.annotations.filter((annotation) => annotation.level === 'error');
    expect(errors.map((error) => error.message)).toEqual([expect.stringContaining(message)]);
    expect(run.stdout).not.toMatch(/\n\s+at .+:\d+:\d+/);
    const secret = password === 'server' ? server.password : password;
    if (secret) expect(await everythingShown(run, secret)).not.toContain(secret);
  });

  test('mlops validate-data --engine postgres --connection … checks the table from a terminal', async () => {
    const cwd = await workspace({ 'suite.yml': weatherSuite });
    const bin = join(repositoryRoot, 'shared', 'bin', 'mlops.js');
    const help = spawnSync(process.execPath, [bin, 'validate-data', '--help'], { encoding: 'utf8' });
    expect(help.stdout).toContain('--engine  (default: duckdb)');
    const run = spawnSync(
      process.execPath,
      [
        bin,
        'validate-data',
        '--engine',
        'postgres',
        '--connection',
        server.connectionString,
        '--data',
        'weather_broken',
        '--suite',
        'suite.yml',
      ],
      { cwd, encoding: 'utf8', env: { PATH: process.env.PATH } },
    );
    expect(run.status, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toContain('Checked where the data lives, on postgres:');
    expect(run.stdout).toMatch(/\| weather in the allowed set \| 1 failing row \| .* \| row \(\d+,\d+\): "hail" \|/);
    expect(run.stdout + run.stderr).not.toContain(server.password);
  });

  test('a suite column the table lacks points at the suite line', async () => {
    const { run } = await validate(
      { 'suite.yml': 'version: 1\ncolumns:\n  humidity: {min: 0}\n' },
      { data: 'weather', suite: 'suite.yml' },
    );
    expect(run.exitCode).toBe(1);
    expect(run.annotations).toEqual([
      expect.objectContaining({
        level: 'error',
        file: 'suite.yml',
        line: 3,
        message: expect.stringContaining(
          "column 'humidity' is not in the data (columns: date, precipitation, temp_max, temp_min, wind, weather)",
        ),
      }),
    ]);
  });
});

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type ColumnDrift,
  type DataProfile,
  MemoryLogger,
  openDataEngine,
  openPostgres,
  parseConfig,
  postgresDialect,
  readSuite,
  remoteSource,
  resolveDataFiles,
  SparkConnectConnection,
  type SqlConnection,
  type Suite,
  sparkDialect,
  type ValidationRun,
  validateDataset,
  validateRemote,
} from '../../shared/src/index.js';
import { type PostgresHandle, startPostgres } from '../services/postgres.js';
import { requireService } from '../services/require-service.js';
import { type SparkConnectHandle, startSparkConnect } from '../services/spark-connect.js';
import { seededRandom } from '../support/random.js';

// The same suite and drift on the same data, in DuckDB files and in a remote engine, must agree: check results,
// row and failing-row counts, drift verdicts; exact statistics to 1e-9, approximate ones within their stated
// bound. Each engine is one entry of ENGINES.

interface Table {
  columns: { name: string; sql: string }[];
  rows: (string | number | boolean | null)[][];
}

/** Generated data: `shift` moves income and the city mix (drift); some values break the suite's rules. */
function generate(rows: number, seed: number, shift: number): Table {
  const random = seededRandom(seed);
  const cities = ['Paris', 'Berlin', 'Rome', 'Oslo'];
  const data: Table['rows'] = [];
  for (let index = 0; index < rows; index += 1) {
    const u = random();
    const income = Math.round(Math.exp(10 + shift * 0.4 + (random() + random() + random() - 1.5)) * 100) / 100;
    const city = cities[Math.min(3, Math.floor((u + shift * 0.15 * random()) * (index % 97 === 0 ? 4 : 3)))] as string;
    const age = 18 + Math.floor(random() * 70) + (index % 211 === 5 ? 80 : 0);
    const code =
      index % 53 === 7
        ? `x${index}`
        : `${String.fromCharCode(65 + (index % 26))}Q-${String(index % 1000).padStart(3, '0')}`;
    data.push([
      // One duplicated id.
      index === rows - 1 ? 1 : index + 1,
      age,
      income,
      city,
      code,
      index % 3 === 0,
      1 + Math.floor(random() * 5),
      index % 41 === 0 ? null : `note ${index % 7}`,
      // Numbers kept as text, one in 89 unreadable: the suite's type and range checks convert them.
      index % 89 === 3 ? 'n/a' : (income / 100).toFixed(2),
      // Whole numbers as text: a decimal converts (rounded, as TRY_CAST does), a word does not.
      index % 97 === 1 ? '1.5' : index % 113 === 2 ? 'many' : String(index % 50),
      // Booleans as text: yes/no convert, on does not (DuckDB's and Spark's TRY_CAST).
      index % 61 === 4 ? 'on' : index % 2 === 0 ? 'yes' : 'no',
    ]);
  }
  return {
    columns: [
      { name: 'id', sql: 'bigint' },
      { name: 'age', sql: 'bigint' },
      { name: 'income', sql: 'double precision' },
      { name: 'city', sql: 'text' },
      { name: 'code', sql: 'text' },
      { name: 'flag', sql: 'boolean' },
      { name: 'rating', sql: 'bigint' },
      { name: 'note', sql: 'text' },
      { name: 'amount', sql: 'text' },
      { name: 'visits', sql: 'text' },
      { name: 'answer', sql: 'text' },
    ],
    rows: data,
  };
}

const SUITE = `version: 1
table:
  row-count: {min: 100}
  unique: [[id]]
columns:
  id: {type: integer, nullable: false}
  age: {type: integer, min: 18, max: 90}
  income:
    type: float
    min: 0
    mean: {min: 1000, max: 100000}
    stddev: {min: 1, max: 1000000}
    quantiles: {0.5: {min: 0, max: 100000}, 0.9: {min: 0, max: 200000}}
  city: {in: [Paris, Berlin, Rome]}
  code: {pattern: '^[A-Z]{2}-[0-9]{3}$'}
  flag: {type: boolean}
  rating: {type: integer, in: [1, 2, 3, 4, 5]}
  note: {nullable: false, max-null-fraction: 0.1}
  amount: {type: float, min: 0, max: 500, mean: {min: 10, max: 1000}, quantiles: {0.5: {min: 1, max: 1000}}}
  visits: {type: integer}
  answer: {type: boolean}
drift: {share: 0.2}
`;

function csv(table: Table): string {
  const lines = [table.columns.map((column) => column.name).join(',')];
  for (const row of table.rows) lines.push(row.map((value) => (value === null ? '' : String(value))).join(','));
  return `${lines.join('\n')}\n`;
}

interface EngineCase {
  name: string;
  /**
   * Loads the tables `current` and `reference`; the run then validates `current` against `reference`, or against
   * `profile` (a profile JSON written by some engine's run) when given.
   */
  run(
    tables: { current: Table; reference: Table },
    suite: Suite,
    exactRows: number,
    profile?: DataProfile,
  ): Promise<ValidationRun>;
}

let postgres: PostgresHandle | undefined;
let spark: SparkConnectHandle | undefined;

/** Spark types of the generated tables' columns (their `sql` is PostgreSQL's name for the same type). */
const SPARK_TYPES: Record<string, string> = {
  bigint: 'BIGINT',
  'double precision': 'DOUBLE',
  text: 'STRING',
  boolean: 'BOOLEAN',
};

/** A table in the Spark session: a temp view over a CSV file Spark reads, with the schema given, not inferred. */
async function loadSpark(connection: SqlConnection, name: string, table: Table): Promise<void> {
  const path = join(await mkdtemp(join(tmpdir(), 'cross-engine-spark-')), `${name}.csv`);
  await writeFile(path, csv(table));
  const columns = table.columns.map((column) => `${column.name} ${SPARK_TYPES[column.sql]}`).join(', ');
  await connection.query(
    `CREATE OR REPLACE TEMPORARY VIEW ${name} (${columns}) USING csv OPTIONS (path '${path}', header 'true')`,
  );
}

async function loadPostgres(name: string, table: Table): Promise<void> {
  const server = postgres as PostgresHandle;
  await server.query(`DROP TABLE IF EXISTS ${name}`);
  await server.query(
    `CREATE TABLE ${name} (${table.columns.map((column) => `${column.name} ${column.sql}`).join(', ')})`,
  );
  const width = table.columns.length;
  for (let start = 0; start < table.rows.length; start += 1000) {
    const batch = table.rows.slice(start, start + 1000);
    const placeholders = batch.map(
      (_, row) => `(${table.columns.map((_column, index) => `$${row * width + index + 1}`).join(', ')})`,
    );
    await server.query(`INSERT INTO ${name} VALUES ${placeholders.join(', ')}`, batch.flat());
  }
}

const ENGINES: EngineCase[] = [
  {
    name: 'duckdb',
    async run(tables, suite, _exactRows, profile) {
      const dir = await mkdtemp(join(tmpdir(), 'cross-engine-'));
      await writeFile(join(dir, 'current.csv'), csv(tables.current));
      await writeFile(join(dir, 'reference.csv'), csv(tables.reference));
      await writeFile(join(dir, 'profile.json'), JSON.stringify(profile ?? null));
      const engine = await openDataEngine({ log: new MemoryLogger() });
      try {
        return await validateDataset(
          engine,
          await resolveDataFiles(['current.csv'], dir, 'data'),
          suite,
          profile
            ? { profilePath: join(dir, 'profile.json'), display: 'profile.json' }
            : { files: await resolveDataFiles(['reference.csv'], dir, 'reference') },
        );
      } finally {
        engine.close();
      }
    },
  },
  {
    name: 'postgres',
    async run(tables, suite, exactRows, profile) {
      await loadPostgres('current_data', tables.current);
      await loadPostgres('reference_data', tables.reference);
      const connection = await openPostgres((postgres as PostgresHandle).connectionString);
      try {
        return await validateRemote(
          connection,
          postgresDialect,
          remoteSource('public.current_data', postgresDialect, 'data'),
          suite,
          profile
            ? { profile: JSON.parse(JSON.stringify(profile)) }
            : { source: remoteSource('SELECT * FROM reference_data', postgresDialect, 'reference') },
          { exactRows },
        );
      } finally {
        await connection.close();
      }
    },
  },
  {
    name: 'spark',
    async run(tables, suite, exactRows, profile) {
      const connection = SparkConnectConnection.fromConnectionString((spark as SparkConnectHandle).connectionString);
      try {
        await loadSpark(connection, 'current_data', tables.current);
        await loadSpark(connection, 'reference_data', tables.reference);
        return await validateRemote(
          connection,
          sparkDialect,
          remoteSource('current_data', sparkDialect, 'data'),
          suite,
          profile
            ? { profile: JSON.parse(JSON.stringify(profile)) }
            : { source: remoteSource('SELECT * FROM reference_data', sparkDialect, 'reference') },
          { exactRows },
        );
      } finally {
        await connection.close();
      }
    },
  },
];

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/** What must agree across engines, per check: status, and counts or values observed. */
function checkSummary(run: ValidationRun) {
  return run.checks.map((check) => [check.id, check.status, check.observed]);
}

function expectObservedEqual(actual: unknown, expected: unknown, path: string): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    // Statistic checks show 8 significant digits; the engines' sums differ in the last bits before rounding.
    expect(Math.abs(actual - expected), path).toBeLessThanOrEqual(1e-7 * Math.max(1, Math.abs(expected)));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    expect(Object.keys(actual as object).sort(), path).toEqual(Object.keys(expected).sort());
    for (const [key, value] of Object.entries(expected))
      expectObservedEqual((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
    return;
  }
  expect(actual, path).toEqual(expected);
}

/**
 * `fromApproximateGrid`: the reference was a Spark profile past exact-rows, whose quantile grid is approximate
 * (each point between its exact neighbours, see expectProfilesAgree): the statistic may then move by two grid steps
 * (0.002 of its size), and the verdict must not.
 */
function expectDriftAgrees(actual: ColumnDrift, expected: ColumnDrift, fromApproximateGrid = false): void {
  const at = `drift of ${expected.column}`;
  expect([actual.column, actual.kind, actual.method, actual.drifted], at).toEqual([
    expected.column,
    expected.kind,
    expected.method,
    expected.drifted,
  ]);
  if (fromApproximateGrid && actual.bound === undefined) {
    expect(Math.abs(actual.statistic - expected.statistic), at).toBeLessThanOrEqual(
      0.002 * Math.max(1, Math.abs(expected.statistic)),
    );
  } else if (actual.bound === undefined) {
    expect(close(actual.statistic, expected.statistic), `${at}: ${actual.statistic} vs ${expected.statistic}`).toBe(
      true,
    );
    if (expected.pValue !== undefined) expect(close(actual.pValue as number, expected.pValue), at).toBe(true);
  } else {
    expect(actual.approximate, at).toBe(true);
    expect(Math.abs(actual.statistic - expected.statistic), `${at}: within its bound`).toBeLessThanOrEqual(
      actual.bound + 1e-12,
    );
  }
}

const CASES = [
  // Small tables: every statistic exact (KS and chi-square: references of at most 1000 rows).
  { name: 'small tables, exact', current: [700, 11, 1], reference: [800, 12, 0], exactRows: 100_000, grid: [] },
  // Past exact-rows: income (thousands of distinct values) on a grid of intervals, the rest exact.
  {
    name: 'past exact-rows, a grid',
    current: [4000, 21, 1],
    reference: [5000, 22, 0],
    exactRows: 1000,
    grid: ['income'],
  },
] as const;

describe.skipIf(!requireService('postgres', 'spark'))('the same suite on every engine', { timeout: 240_000 }, () => {
  beforeAll(async () => {
    [postgres, spark] = await Promise.all([startPostgres(), startSparkConnect()]);
  }, 400_000);
  afterAll(async () => {
    await Promise.all([postgres?.stop(), spark?.stop()]);
  });

  describe.each(CASES)('$name', ({ current, reference, exactRows, grid }) => {
    const tables = {
      current: generate(current[0], current[1], current[2]),
      reference: generate(reference[0], reference[1], reference[2]),
    };
    const suite = readSuite(parseConfig(SUITE, 'suite.yml', 'suite'));
    const runs = new Map<string, ValidationRun>();
    beforeAll(async () => {
      for (const engine of ENGINES) runs.set(engine.name, await engine.run(tables, suite, exactRows));
    }, 400_000);

    test('DuckDB finds what the data breaks, and drift', () => {
      const duck = runs.get('duckdb') as ValidationRun;
      const failed = duck.checks.filter((check) => check.status === 'failed').map((check) => check.id);
      expect(failed).toEqual([
        'column.age.max',
        'column.city.in',
        'column.code.pattern',
        'column.note.nullable',
        'column.amount.type',
        'column.amount.max',
        'column.visits.type',
        'column.answer.type',
        'unique.id',
        'drift.dataset',
      ]);
      expect(duck.drift?.columns.find((column) => column.column === 'income')?.drifted).toBe(true);
    });

    test.each(ENGINES.filter((engine) => engine.name !== 'duckdb').map((engine) => engine.name))(
      '%s agrees with DuckDB',
      (name) => {
        const duck = runs.get('duckdb') as ValidationRun;
        const remote = runs.get(name) as ValidationRun;
        expect(remote.rows).toBe(duck.rows);
        expect(remote.checks.map((check) => check.id)).toEqual(duck.checks.map((check) => check.id));
        const expected = checkSummary(duck);
        checkSummary(remote).forEach(([id, status, observed], index) => {
          expect([id, status]).toEqual(expected[index]?.slice(0, 2));
          expectObservedEqual(observed, expected[index]?.[2], String(id));
        });
        // Skipped for the same reason; DuckDB's distinct count of text is an estimate (HyperLogLog), Postgres's exact.
        const reasons = (run: ValidationRun) =>
          run.drift?.skipped.map(({ column, reason }) => [column, reason.replace(/\d+ distinct/, 'n distinct')]);
        expect(reasons(remote)).toEqual(reasons(duck));
        expect(remote.drift?.columns.map((column) => column.column)).toEqual(
          duck.drift?.columns.map((column) => column.column),
        );
        remote.drift?.columns.forEach((column, index) => {
          expectDriftAgrees(column, duck.drift?.columns[index] as ColumnDrift);
        });
        expect(remote.drift?.share).toBe(duck.drift?.share);
        // Which columns came from a grid of intervals (approximate, with a bound), and how tight the bound is.
        const bounded = remote.drift?.columns.filter((column) => column.bound !== undefined) ?? [];
        expect(bounded.map((column) => column.column)).toEqual(grid);
        for (const column of bounded) {
          expect(column.approximate).toBe(true);
          expect(column.bound).toBeGreaterThan(0);
          expect(column.bound).toBeLessThan(0.01);
        }
        // DuckDB's own approximate flag is for profile references only.
        expect(duck.drift?.columns.every((column) => !column.approximate)).toBe(true);
        // The profile: the same counts, and statistics equal (exact) or within the engine's quantiles.
        expectProfilesAgree(remote.profile, duck.profile, name === 'spark' && grid.length > 0);
      },
    );

    test.each(ENGINES.filter((engine) => engine.name !== 'duckdb').map((engine) => engine.name))(
      "a profile %s writes is a reference DuckDB reads, and DuckDB's one it reads, with DuckDB's verdicts",
      async (name) => {
        const duck = ENGINES.find((engine) => engine.name === 'duckdb') as EngineCase;
        const remote = ENGINES.find((engine) => engine.name === name) as EngineCase;
        // Each engine profiles the reference table (as the current data of a run of its own).
        const itself = { current: tables.reference, reference: tables.reference };
        const remoteProfile = (await remote.run(itself, suite, exactRows)).profile;
        const duckProfile = (await duck.run(itself, suite, exactRows)).profile;
        expectProfilesAgree(remoteProfile, duckProfile, name === 'spark' && grid.length > 0);
        const expected = (await duck.run(tables, suite, exactRows, duckProfile)).drift;
        for (const [reader, profile] of [
          [duck, remoteProfile],
          [remote, duckProfile],
        ] as const) {
          const drift = (await reader.run(tables, suite, exactRows, profile)).drift;
          expect(drift?.columns.map((column) => column.column)).toEqual(
            expected?.columns.map((column) => column.column),
          );
          const approximateGrid = name === 'spark' && grid.length > 0 && profile === remoteProfile;
          drift?.columns.forEach((column, index) => {
            expectDriftAgrees(column, expected?.columns[index] as ColumnDrift, approximateGrid);
          });
          expect(drift?.datasetDrift).toBe(expected?.datasetDrift);
        }
      },
      300_000,
    );
  });

  test('a table of 300,000 rows: only aggregates and samples come back, a few hundred KB for a table of tens of MB', async () => {
    const server = postgres as PostgresHandle;
    for (const [name, shift] of [
      ['big_current', 50],
      ['big_reference', 0],
    ] as const) {
      await server.query(`DROP TABLE IF EXISTS ${name}`);
      await server.query(
        `CREATE TABLE ${name} AS SELECT g AS id, (g::bigint * 7919 % 100003) / 100.0 + ${shift} AS x, g % 5 AS k, md5(g::text) AS s FROM generate_series(1, 300000) AS g`,
      );
    }
    const [{ bytes }] = (await server.query("SELECT pg_total_relation_size('big_current') AS bytes")).rows;
    const suite = readSuite(
      parseConfig(
        'version: 1\ntable: {unique: [[id]]}\ncolumns:\n  x: {min: 0, max: 1000, mean: {min: 0, max: 1000}, quantiles: {0.5: {min: 0, max: 1000}}}\n  s: {pattern: "^[0-9a-f]{32}$"}\n  k: {in: [0, 1, 2, 3]}\n',
        'suite.yml',
        'suite',
      ),
    );
    const connection = await openPostgres(server.connectionString);
    try {
      const run = await validateRemote(
        connection,
        postgresDialect,
        remoteSource('big_current', postgresDialect, 'data'),
        suite,
        { source: remoteSource('big_reference', postgresDialect, 'reference') },
      );
      expect(run.rows).toBe(300_000);
      expect(run.checks.find((check) => check.id === 'column.k.in')?.observed).toEqual({ failingRows: 60_000 });
      const x = run.drift?.columns.find((column) => column.column === 'x') as ColumnDrift;
      expect([x.method, x.drifted, x.approximate]).toEqual(['wasserstein', true, true]);
      expect(x.bound).toBeLessThan(0.01);
      expect(Number(bytes)).toBeGreaterThan(20_000_000);
      expect(run.engine.bytesReceived).toBeLessThan(300_000);
    } finally {
      await connection.close();
    }
  }, 120_000);

  test.each(['psi', 'jensen-shannon'])(
    'past exact-rows, %s on a many-valued number: Sturges bins counted in the engine, equal to DuckDB on the values',
    async (method) => {
      // 4000 and 5000 rows past an exact-rows of 1000: income has thousands of distinct values, so neither sorted
      // values nor a grid of points; age's few dozen values are a grid of points (expanded, exact).
      const tables = { current: generate(4000, 21, 1), reference: generate(5000, 22, 0) };
      const binned = readSuite(
        parseConfig(
          SUITE.replace('drift: {share: 0.2}', `drift: {method: ${method}, columns: [income, age]}`),
          'suite.yml',
          'suite',
        ),
      );
      const [duck, ...remotes] = ENGINES;
      const expected = (await (duck as EngineCase).run(tables, binned, 1000)).drift;
      // A reference profile keeps 5000 rows as its quantile grid: both read it as the same sample.
      const profile = (
        await (duck as EngineCase).run({ current: tables.reference, reference: tables.reference }, binned, 1000)
      ).profile;
      const fromProfile = (await (duck as EngineCase).run(tables, binned, 1000, profile)).drift;
      expect(expected?.columns.map((column) => [column.column, column.method, column.drifted])).toEqual([
        ['income', method === 'psi' ? 'psi' : 'jensenshannon', true],
        ['age', method === 'psi' ? 'psi' : 'jensenshannon', false],
      ]);
      for (const engine of remotes) {
        for (const [reference, want] of [
          [undefined, expected],
          [profile, fromProfile],
        ] as const) {
          const drift = (await engine.run(tables, binned, 1000, reference)).drift;
          drift?.columns.forEach((column, index) => {
            const duckColumn = want?.columns[index] as ColumnDrift;
            const at = `${engine.name} ${column.column}${reference ? ' against a profile' : ''}`;
            expect([column.column, column.method, column.drifted, column.bound], at).toEqual([
              duckColumn.column,
              duckColumn.method,
              duckColumn.drifted,
              undefined,
            ]);
            expect(
              close(column.statistic, duckColumn.statistic),
              `${at}: ${column.statistic} vs ${duckColumn.statistic}`,
            ).toBe(true);
          });
          expect(drift?.columns.length).toBe(2);
        }
      }
    },
    300_000,
  );
});

/** Profiles agree: counts, kinds, numeric statistics (exact to 1e-9), each kept value with its count. */
/**
 * Profiles agree: counts exactly, statistics to 1e-9. `approximateGrid` (Spark past exact-rows: percentile_approx,
 * rank error at most n / 100000) puts each quantile of the 1001-point grid between its exact neighbours instead.
 */
function expectProfilesAgree(actual: DataProfile, expected: DataProfile, approximateGrid = false): void {
  expect(actual.rows).toBe(expected.rows);
  for (const column of expected.columns) {
    const other = actual.columns.find((candidate) => candidate.name === column.name);
    expect([other?.count, other?.nulls, other?.kind], column.name).toEqual([column.count, column.nulls, column.kind]);
    // Text keeps its most frequent values; DuckDB's distinct count of text is an estimate, so it is not compared.
    expect(other?.top, column.name).toEqual(column.top);
    if (column.kind !== 'numeric') continue;
    expect([other?.values, other?.nonFinite], column.name).toEqual([column.values, column.nonFinite]);
    // Spark estimates distinct values and quantiles past exact-rows (HyperLogLog at 1% relative standard deviation,
    // percentile_approx) unless there are at most 1000 values, which it then counts: both exact.
    const estimated = approximateGrid && column.distinct > 1000;
    if (estimated)
      expect(Math.abs((other?.distinct as number) - column.distinct), column.name).toBeLessThanOrEqual(
        0.03 * column.distinct,
      );
    else expect(other?.distinct, column.name).toBe(column.distinct);
    expect(other?.quantilesRankError, column.name).toBe(estimated ? 0.00001 : undefined);
    for (const key of ['min', 'max', 'mean', 'stddev'] as const)
      expect(close(other?.[key] as number, column[key] as number), `${column.name} ${key}`).toBe(true);
    expect(other?.quantiles?.length, column.name).toBe(column.quantiles?.length);
    const exact = column.quantiles ?? [];
    other?.quantiles?.forEach((value, index) => {
      if (!estimated) {
        expect(close(value, exact[index] as number), `${column.name} q${index}`).toBe(true);
        return;
      }
      const low = exact[Math.max(0, index - 1)] as number;
      const high = exact[Math.min(exact.length - 1, index + 1)] as number;
      expect(value >= low && value <= high, `${column.name} q${index}: ${value} in [${low}, ${high}]`).toBe(true);
    });
  }
}

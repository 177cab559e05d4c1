import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { MemoryLogger, openDataEngine } from '../../shared/src/index.js';
import { runReference } from '../support/python.js';
import { seededRandom } from '../support/random.js';
import { actionDir, repositoryRoot, runAction } from '../support/run-action.js';
import { reportValidator } from '../support/schemas.js';
import { WEATHER_SUITE } from '../support/weather-suite.js';

const validateData = actionDir('validate-data');
const fixtures = join(repositoryRoot, 'test', 'fixtures', 'data');

const weatherSuite = WEATHER_SUITE;

let clean: string;
let lines: string[];

beforeAll(async () => {
  clean = await readFile(join(fixtures, 'seattle-weather.csv'), 'utf8');
  lines = clean.trimEnd().split('\n');
});

async function workspace(files: Record<string, string | Buffer>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'validate-'));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

/** The weather CSV with row `row` (1-based, header excluded) replaced by `fields`. */
function withRow(row: number, change: (fields: string[]) => string[]): string {
  const copy = [...lines];
  copy[row] = change((copy[row] as string).split(',')).join(',');
  return `${copy.join('\n')}\n`;
}

async function validate(files: Record<string, string | Buffer>, inputs: Record<string, string>) {
  const ws = await workspace(files);
  const run = await runAction(validateData, { workspace: ws, inputs: { comment: 'never', ...inputs } });
  const report = run.outputs.report ? JSON.parse(await readFile(run.outputs.report, 'utf8')) : undefined;
  return { run, report, ws };
}

/** Writes the rows of a DuckDB query as a Parquet file. */
async function writeParquet(path: string, query: string): Promise<void> {
  const engine = await openDataEngine({ log: new MemoryLogger() });
  try {
    await engine.rows(`COPY (${query}) TO '${path}' (FORMAT parquet)`);
  } finally {
    engine.close();
  }
}

/** The data rows of a CSV text as fields (no quoting in these files). */
const csvRows = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((line) => line.split(','));

/** Each drift row of a report as [column, method, drifted]. */
const driftVerdicts = (report: { drift: { columns: { column: string; method: string; drifted: boolean }[] } }) =>
  report.drift.columns.map((column) => [column.column, column.method, column.drifted]);

const failed = (report: { checks: { id: string; status: string }[] }) =>
  report.checks.filter((check) => check.status !== 'passed').map((check) => check.id);

describe('validate-data on real data (Seattle weather) through the runner harness', () => {
  test('the clean data passes every check; report, profile and outputs are written', async () => {
    const { run, report } = await validate(
      { 'weather.csv': clean, 'suite.yml': weatherSuite },
      { data: 'weather.csv', suite: 'suite.yml' },
    );
    expect(run.exitCode, run.stdout).toBe(0);
    expect(failed(report)).toEqual([]);
    expect(report.checks).toHaveLength(23);
    expect(run.outputs).toMatchObject({
      passed: 'true',
      errors: '0',
      warnings: '0',
      'drifted-columns': '[]',
      'drift-share': '0',
    });
    const checkSchema = await reportValidator();
    expect(checkSchema(report), JSON.stringify(checkSchema.errors)).toBe(true);
    const profile = JSON.parse(await readFile(run.outputs.profile as string, 'utf8'));
    expect(profile).toMatchObject({ kind: 'mlops-actions/data-profile', rows: 1461 });
    const weather = profile.columns.find((column: { name: string }) => column.name === 'weather');
    expect(weather.top.map((item: { value: string }) => item.value).sort()).toEqual([
      'drizzle',
      'fog',
      'rain',
      'snow',
      'sun',
    ]);
    expect(run.summary).toContain('### ✅ Data validation');
    expect(run.summary).toContain('**all 23 checks passed on 1,461 rows**');
  });

  test.each([
    [
      'negative precipitation',
      (f: string[]) => [f[0], '-1.5', ...f.slice(2)],
      'column.precipitation.min',
      'row 10: -1.5',
    ],
    ['an unknown weather', (f: string[]) => [...f.slice(0, 5), 'hail'], 'column.weather.in', 'row 10: "hail"'],
    ['a missing date', (f: string[]) => ['', ...f.slice(1)], 'column.date.nullable', 'row 10: null'],
    ['text in temp_max', (f: string[]) => [f[0], f[1], 'n/a', ...f.slice(3)], 'column.temp_max.type', 'row 10: "n/a"'],
    ['wind far out of range', (f: string[]) => [...f.slice(0, 4), '99', f[5]], 'column.wind.max', 'row 10: 99'],
  ])('%s is reported by the right check, with the row', async (_name, change, id, sample) => {
    const { run, report } = await validate(
      { 'weather.csv': withRow(10, change as (fields: string[]) => string[]), 'suite.yml': weatherSuite },
      { data: 'weather.csv', suite: 'suite.yml' },
    );
    expect(run.exitCode).toBe(1);
    expect(failed(report)).toContain(id);
    const check = report.checks.find((candidate: { id: string }) => candidate.id === id);
    expect(check.details).toBe(sample);
    expect(run.annotations.at(-1)?.message).toMatch(/check\(s\) failed at fail-on 'error'/);
  });

  test('an odd value past the type-inference sample is a type failure with its row, not a read error', async () => {
    const rows = Array.from(
      { length: 30_000 },
      (_, index) => `${index + 1},${index === 24_999 ? 'n/a' : (index % 97) / 10}`,
    );
    const { run, report } = await validate(
      {
        'big.csv': `id,reading\n${rows.join('\n')}\n`,
        'suite.yml': 'version: 1\ncolumns:\n  reading: {type: float}\n',
      },
      { data: 'big.csv', suite: 'suite.yml' },
    );
    expect(run.exitCode).toBe(1);
    expect(failed(report)).toEqual(['column.reading.type']);
    expect(report.checks.find((check: { id: string }) => check.id === 'column.reading.type').details).toBe(
      'row 25000: "n/a"',
    );
  });

  test('a duplicated date is found with both rows', async () => {
    const duplicated = `${clean}${lines[5]}\n`;
    const { report } = await validate(
      { 'weather.csv': duplicated, 'suite.yml': weatherSuite },
      { data: 'weather.csv', suite: 'suite.yml' },
    );
    expect(failed(report)).toEqual(['unique.date']);
    expect(report.checks.find((check: { id: string }) => check.id === 'unique.date').details).toBe(
      `("${lines[5]!.split(',')[0]}") at rows 5, 1462`,
    );
  });

  test.each([
    ['every id once (proved from the sorted ids)', [3, 1, 2, 9007199254740991], undefined],
    ['an id twice', [3, 1, 2, 1], '(1) at rows 2, 4'],
    ['two missing ids (nulls make one key)', [3, null, 2, null], '(null) at rows 2, 4'],
    ['one missing id', [3, null, 2, 1], undefined],
  ])('an integer key with %s', async (_, ids, duplicates) => {
    const csv = `id,value\n${ids.map((id, index) => `${id ?? ''},${index}`).join('\n')}\n`;
    const { report } = await validate(
      { 'ids.csv': csv, 'suite.yml': 'version: 1\ntable:\n  unique: [[id]]\n' },
      { data: 'ids.csv', suite: 'suite.yml' },
    );
    const check = report.checks.find((item: { id: string }) => item.id === 'unique.id');
    expect(check.status).toBe(duplicates ? 'failed' : 'passed');
    expect(check.details).toBe(duplicates);
  });

  test('Parquet in two files reports the same failures and rows as the same data in one CSV', async () => {
    // Defects in the second file: a negative wind, an unknown weather, a date repeated from the first file.
    let defective = withRow(1000, (fields) => [fields[0]!, fields[1]!, fields[2]!, fields[3]!, '-3', fields[5]!]);
    defective = defective.replace(lines[1200] as string, (lines[1200] as string).replace(/,[a-z]+$/, ',hail'));
    defective = defective.replace(lines[1300] as string, `${lines[3]!.split(',')[0]}${lines[1300]!.slice(10)}`);
    const rows = defective.trimEnd().split('\n');
    const ws = await workspace({
      'all.csv': defective,
      'part-1.csv': `${rows.slice(0, 701).join('\n')}\n`,
      'part-2.csv': `${[rows[0], ...rows.slice(701)].join('\n')}\n`,
      'suite.yml': weatherSuite,
    });
    for (const part of ['part-1', 'part-2'])
      await writeParquet(join(ws, `${part}.parquet`), `SELECT * FROM read_csv('${join(ws, `${part}.csv`)}')`);
    const outcomes = async (data: string) => {
      const run = await runAction(validateData, {
        workspace: ws,
        inputs: { comment: 'never', data, suite: 'suite.yml', 'fail-on': 'never' },
      });
      expect(run.exitCode, run.stdout).toBe(0);
      const report = JSON.parse(await readFile(run.outputs.report as string, 'utf8'));
      return report.checks
        .filter((check: { status: string }) => check.status !== 'passed')
        .map((check: { id: string; observed: unknown; details?: string }) => [check.id, check.observed, check.details]);
    };
    const fromParquet = await outcomes('part-*.parquet');
    expect(fromParquet).toEqual(await outcomes('all.csv'));
    expect(fromParquet).toEqual([
      ['column.wind.min', { failingRows: 1 }, 'row 1000: -3'],
      ['column.weather.in', { failingRows: 1 }, 'row 1200: "hail"'],
      ['unique.date', { duplicatedKeys: 1, duplicatedRows: 2 }, `("${lines[3]!.split(',')[0]}") at rows 3, 1300`],
    ]);
  });

  test.each([
    ['filename', 'read as a view, rows numbered by DuckDB'],
    ['file_row_number', 'loaded, since DuckDB cannot number the rows of such a file'],
  ])('Parquet with a column named %s (%s) still reports failing rows by number', async (column) => {
    const ws = await workspace({ 'suite.yml': 'version: 1\ncolumns:\n  label: {min: 0}\n' });
    await writeParquet(
      join(ws, 'images.parquet'),
      `SELECT 'img' || i || '.png' AS ${column}, CASE WHEN i IN (41, 77) THEN -1 ELSE i % 3 END AS label FROM range(100) t(i)`,
    );
    const run = await runAction(validateData, {
      workspace: ws,
      inputs: { comment: 'never', data: 'images.parquet', suite: 'suite.yml' },
    });
    expect(run.exitCode, run.stdout).toBe(1);
    const report = JSON.parse(await readFile(run.outputs.report as string, 'utf8'));
    expect(report.checks.find((check: { id: string }) => check.id === 'column.label.min').details).toBe(
      'row 42: -1, row 78: -1',
    );
  });

  test('a Parquet file whose footer is fine but whose data is damaged is reported as that file', async () => {
    const ws = await workspace({ 'suite.yml': 'version: 1\ncolumns:\n  x: {min: 0}\n' });
    const path = join(ws, 'damaged.parquet');
    await writeParquet(path, 'SELECT i AS x, md5(i::VARCHAR) AS text FROM range(20000) t(i)');
    const bytes = await readFile(path);
    // Overwrite the middle of the data pages; the footer (schema, row groups) at the end stays intact.
    bytes.fill(0xff, 4096, 4096 + 8192);
    await writeFile(path, bytes);
    const run = await runAction(validateData, {
      workspace: ws,
      inputs: { comment: 'never', data: 'damaged.parquet', suite: 'suite.yml' },
    });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/::error[^:]*::Input 'data': damaged\.parquet is a Parquet file whose data is damaged/);
    expect(run.stdout).not.toMatch(/ at \S+\.js:\d+/);
  });

  test('warnings fail only with fail-on warning', async () => {
    const suite = weatherSuite.replace(
      'wind: {type: float, min: 0, max: 10, stddev: {max: 2}}',
      'wind: {type: float, min: 0, max: 5, severity: warning}',
    );
    const files = { 'weather.csv': clean, 'suite.yml': suite };
    const lenient = await validate(files, { data: 'weather.csv', suite: 'suite.yml' });
    expect(lenient.run.exitCode).toBe(0);
    expect(lenient.run.outputs).toMatchObject({ passed: 'true', warnings: '1' });
    const strict = await validate(files, { data: 'weather.csv', suite: 'suite.yml', 'fail-on': 'warning' });
    expect(strict.run.exitCode).toBe(1);
  });

  test('penguins (JSON, with nulls): null fractions and categories', async () => {
    const suite = `version: 1
columns:
  Species: {type: category, in: [Adelie, Chinstrap, Gentoo]}
  Sex: {type: category, max-null-fraction: 0.01}
  "Body Mass (g)": {type: number, min: 2500, max: 6500}
`;
    const { report } = await validate(
      { 'penguins.json': await readFile(join(fixtures, 'penguins.json')), 'suite.yml': suite },
      { data: 'penguins.json', suite: 'suite.yml' },
    );
    expect(failed(report)).toEqual(['column.Sex.max-null-fraction']);
    const share = await runReference<number>(
      'result = sum(1 for row in data if row.get("Sex") is None) / len(data)',
      JSON.parse(await readFile(join(fixtures, 'penguins.json'), 'utf8')),
    );
    const observed = report.checks.find(
      (check: { id: string }) => check.id === 'column.Sex.max-null-fraction',
    ).observed;
    expect(observed.nullFraction).toBeCloseTo(share, 6);
  });
});

describe('drift', () => {
  test('KS and chi-square against reference data equal scipy on the same columns', async () => {
    const reference = `${lines.slice(0, 701).join('\n')}\n`;
    const current = `${[lines[0], ...lines.slice(701)].join('\n')}\n`;
    const { run, report } = await validate(
      { 'reference.csv': reference, 'current.csv': current },
      { data: 'current.csv', reference: 'reference.csv' },
    );
    expect(run.exitCode, run.stdout).toBe(0); // drift is a warning by default
    const columns = Object.fromEntries(
      report.drift.columns.map((column: { column: string }) => [column.column, column]),
    );
    const expected = await runReference<Record<string, [number, number]>>(
      `from scipy import stats
ref, cur = data["ref"], data["cur"]
result = {}
for i, name in [(1, "precipitation"), (2, "temp_max"), (3, "temp_min"), (4, "wind")]:
    r = stats.ks_2samp([float(x[i]) for x in ref], [float(x[i]) for x in cur])
    result[name] = [float(r.statistic), float(r.pvalue)]
keys = sorted(set(x[5] for x in ref) | set(x[5] for x in cur))
rc = [sum(1 for x in ref if x[5] == k) for k in keys]
cc = [sum(1 for x in cur if x[5] == k) for k in keys]
expected = [c * len(cur) / len(ref) for c in rc]
r = stats.chisquare(cc, expected)
result["weather"] = [float(r.statistic), float(r.pvalue)]`,
      { ref: csvRows(reference), cur: csvRows(current) },
    );
    for (const [name, [statistic, pValue]] of Object.entries(expected)) {
      expect(columns[name].statistic, name).toBeCloseTo(statistic, 12);
      expect(Math.abs(columns[name].pValue - pValue) / pValue, name).toBeLessThan(1e-9);
    }
    expect(columns.weather.method).toBe('chisquare');
    expect(columns.wind.method).toBe('ks');
    expect(JSON.parse(run.outputs['drifted-columns'] as string)).toEqual(
      Object.entries(expected)
        .filter(([, [, p]]) => p <= 0.05)
        .map(([name]) => name)
        .sort(
          (a, b) =>
            ['precipitation', 'temp_max', 'temp_min', 'wind', 'weather'].indexOf(a) -
            ['precipitation', 'temp_max', 'temp_min', 'wind', 'weather'].indexOf(b),
        ),
    );
    expect(run.summary).toContain('| Column | Method | Statistic | p-value | Threshold | Drift |');
    expect(run.summary).toContain('xychart-beta');
    // A drifted column carries both sides' shares (here weather's categories, as counted by Python), folded
    // under the drift table; the others carry none.
    const drifted = report.drift.columns.filter((column: { drifted: boolean }) => column.drifted);
    expect(drifted.map((column: { column: string }) => column.column)).toEqual(['weather']);
    const shares = await runReference<Record<string, [number, number]>>(
      `ref, cur = data["ref"], data["cur"]
result = {k: [sum(1 for x in ref if x[5] == k) / len(ref), sum(1 for x in cur if x[5] == k) / len(cur)] for k in set(x[5] for x in ref + cur)}`,
      { ref: csvRows(reference), cur: csvRows(current) },
    );
    const weather = columns.weather.distribution as { categories: string[]; reference: number[]; current: number[] };
    expect([...weather.categories].sort()).toEqual(Object.keys(shares).sort());
    weather.categories.forEach((category, index) => {
      expect([weather.reference[index], weather.current[index]], category).toEqual(shares[category]);
    });
    for (const column of report.drift.columns.filter((item: { drifted: boolean }) => !item.drifted))
      expect(column.distribution, column.column).toBeUndefined();
    expect(run.summary).toMatch(/<summary>Reference vs current of the \d+ drifted columns?<\/summary>/);
  });

  test('large tables: normed Wasserstein and Jensen-Shannon equal scipy; free text is listed as not tested', async () => {
    // Over 1,000 reference rows, so Evidently's distances. `grade` repeats (counted by DuckDB), `level` barely
    // does (read and sorted): both paths must give scipy's numbers. `note` is free text (skipped, as Evidently
    // leaves it to its text model), `day` a date in CSV, 28 values: categories, as Evidently tests it.
    const random = seededRandom(20261123);
    const table = (rows: number, shift: number) => {
      const out = ['id,grade,level,city,note,day,flag'];
      for (let index = 0; index < rows; index += 1) {
        const grade = 1 + Math.floor(random() * 10 + shift * 3);
        const level = (random() + random() + shift).toFixed(6);
        const city = ['Oslo', 'Lima', 'Pune', 'Kyiv'][Math.floor(random() ** (1 + shift) * 4)];
        const note = random() < 0.03 ? '' : `note ${Math.floor(random() * 1e9)}`;
        const flag = random() < 0.2 + shift / 2 ? 1 : 0;
        out.push(
          `${index},${grade},${level},${city},${note},2026-01-${String(1 + (index % 28)).padStart(2, '0')},${flag}`,
        );
      }
      return `${out.join('\n')}\n`;
    };
    const reference = table(3000, 0);
    const current = table(2500, 0.4);
    const { run, report } = await validate(
      { 'reference.csv': reference, 'current.csv': current },
      { data: 'current.csv', reference: 'reference.csv' },
    );
    expect(run.exitCode, run.stdout).toBe(0);
    const expected = await runReference<Record<string, number>>(
      `import numpy as np
from scipy import stats, spatial
ref, cur = data["ref"], data["cur"]
result = {}
for i, name in [(0, "id"), (1, "grade"), (2, "level")]:
    r, c = np.array([float(x[i]) for x in ref]), np.array([float(x[i]) for x in cur])
    result[name] = float(stats.wasserstein_distance(r, c) / max(np.std(r), 0.001))
keys = sorted(set(x[3] for x in ref) | set(x[3] for x in cur))
result["city"] = float(spatial.distance.jensenshannon([sum(x[3] == k for x in ref) / len(ref) for k in keys], [sum(x[3] == k for x in cur) / len(cur) for k in keys]))
result["flag"] = float(spatial.distance.jensenshannon([sum(x[6] == k for x in ref) / len(ref) for k in "01"], [sum(x[6] == k for x in cur) / len(cur) for k in "01"]))`,
      { ref: csvRows(reference), cur: csvRows(current) },
    );
    const columns = Object.fromEntries(
      report.drift.columns.map((column: { column: string }) => [column.column, column]),
    );
    expect(Object.keys(columns)).toEqual(['id', 'grade', 'level', 'city', 'day', 'flag']);
    // The same 28 days on both sides, nearly evenly.
    expect([columns.day.kind, columns.day.method, columns.day.drifted]).toEqual([
      'categorical',
      'jensenshannon',
      false,
    ]);
    for (const [name, statistic] of Object.entries(expected)) {
      expect(columns[name].method, name).toBe(['city', 'flag'].includes(name) ? 'jensenshannon' : 'wasserstein');
      expect(Math.abs(columns[name].statistic - statistic), name).toBeLessThan(1e-9 * Math.max(1, statistic));
    }
    expect(columns.grade.drifted).toBe(true);
    expect(report.drift.skipped.map((item: { column: string }) => item.column)).toEqual(['note']);
    expect(run.summary).toMatch(
      /Not tested for drift: note \(string, \d+ distinct of \d+ values \(more than half\): text/,
    );
  });

  test('numeric columns: exact distinct counts, and quantiles of checks and profile equal numpy', async () => {
    // 40,000 rows: `grade` repeats (DuckDB counts its values), `level` barely does (DuckDB sorts it); both paths
    // must give numpy's numbers. Nulls in `level` and a run of equal grades at the start.
    const random = seededRandom(7);
    const out = ['grade,level'];
    for (let index = 0; index < 40_000; index += 1) {
      const grade = index < 2000 ? 5 : Math.floor(random() * 300);
      const level = random() < 0.01 ? '' : (random() * 1000 - 200).toFixed(4);
      out.push(`${grade},${level}`);
    }
    const csv = `${out.join('\n')}\n`;
    const suite = `version: 1
columns:
  grade: {quantiles: {0.25: {min: 0, max: 1000}, 0.999: {min: 0, max: 1000}}}
  level: {quantiles: {0.5: {min: 10000, max: 20000}}}
`;
    const { run, report } = await validate(
      { 'data.csv': csv, 'suite.yml': suite },
      { data: 'data.csv', suite: 'suite.yml', 'fail-on': 'never' },
    );
    expect(run.exitCode, run.stdout).toBe(0);
    const expected = await runReference<Record<string, { distinct: number; grid: number[]; checked: number[] }>>(
      `import numpy as np
result = {}
for i, name, qs in [(0, "grade", [0.25, 0.999]), (1, "level", [0.5])]:
    values = np.array([float(row[i]) for row in data if row[i] != ""])
    result[name] = {
        "distinct": int(len(np.unique(values))),
        "grid": [float(x) for x in np.quantile(values, np.linspace(0, 1, 1001))],
        "checked": [float(np.quantile(values, q)) for q in qs],
    }`,
      csvRows(csv).map((row) => (row.length === 1 ? [row[0], ''] : row)),
    );
    const profile = JSON.parse(await readFile(run.outputs.profile as string, 'utf8'));
    for (const name of ['grade', 'level']) {
      const column = profile.columns.find((item: { name: string }) => item.name === name);
      const want = expected[name]!;
      expect(column.distinct, name).toBe(want.distinct);
      column.quantiles.forEach((value: number, index: number) => {
        expect(Math.abs(value - want.grid[index]!), `${name} q${index}`).toBeLessThanOrEqual(1e-12 * Math.abs(value));
      });
      const checks = report.checks.filter((check: { id: string }) => check.id.startsWith(`column.${name}.quantile`));
      expect(checks.map((check: { observed: number }) => check.observed)).toEqual(
        want.checked.map((value) => Number(value.toPrecision(8))),
      );
    }
    expect(report.checks.find((check: { id: string }) => check.id === 'column.level.quantile-0.5').status).toBe(
      'failed',
    );
  });

  test('before the reference loads, the current table keeps only the columns drift reads from it', async () => {
    // `note` is free text (every value distinct): not tested for drift, so it leaves memory. `x` is tested on its
    // sorted values, which the engine keeps, so it leaves the table too; `city` and `day` (28 dates, categories as
    // Evidently tests dates read from CSV) are counted from the table and stay, as does `flag`, an integer with
    // two values and so tested as categories.
    // The statistics still equal scipy's.
    const table = (shift: number) =>
      `x,flag,city,note,day\n${Array.from(
        { length: 3000 },
        (_, index) =>
          `${(index % 97) + shift},${index % 4 === 0 ? 1 : 0},${['Oslo', 'Lima'][index % 2]},note ${index},2026-01-${String(1 + (index % 28)).padStart(2, '0')}`,
      ).join('\n')}\n`;
    const ws = await workspace({ 'current.csv': table(3), 'reference.csv': table(0) });
    const run = await runAction(validateData, {
      workspace: ws,
      inputs: { data: 'current.csv', reference: 'reference.csv', comment: 'never' },
      env: { ACTIONS_STEP_DEBUG: 'true' },
    });
    expect(run.exitCode, run.stdout).toBe(0);
    const dropped = [...run.stdout.matchAll(/ALTER TABLE current DROP COLUMN "(\w+)"/g)].map((match) => match[1]);
    expect(dropped).toEqual(['x', 'note']);
    const report = JSON.parse(await readFile(run.outputs.report as string, 'utf8'));
    expect(
      report.drift.columns.map((column: { column: string; method: string; statistic: number }) => [
        column.column,
        column.method,
        column.column === 'x' ? 'tested below' : column.statistic,
      ]),
    ).toEqual([
      ['x', 'wasserstein', 'tested below'],
      ['flag', 'jensenshannon', 0],
      ['city', 'jensenshannon', 0],
      ['day', 'jensenshannon', 0],
    ]);
    const x = report.drift.columns.find((column: { column: string }) => column.column === 'x');
    const expected = await runReference<number>(
      `import numpy as np
from scipy import stats
r = np.array([(i % 97) for i in range(3000)], dtype=float)
result = float(stats.wasserstein_distance(r, r + 3) / np.std(r))`,
    );
    expect(Math.abs(x.statistic - expected)).toBeLessThan(1e-9);
  });

  test('NaN and infinities: the profile describes the finite values, mean, stddev and quantile checks fail, drift leaves them out', async () => {
    // `x` holds a few NaN and ±inf among normal values; `y` none. numpy is the reference for every number.
    const random = seededRandom(11);
    const odd = ['inf', '-inf', 'nan'];
    const table = (rows: number, shift: number, withOdd: boolean) =>
      `x,y\n${Array.from({ length: rows }, (_, index) => {
        const x = withOdd && index % 500 === 7 ? odd[index % 3] : (random() * 10 + shift).toFixed(5);
        return `${x},${(random() * random() * 100).toFixed(3)}`;
      }).join('\n')}\n`;
    const reference = table(3000, 0, true);
    const current = table(2500, 1, true);
    const suite = `version: 1
columns:
  x: {mean: {min: -100, max: 100}, stddev: {max: 100}, quantiles: {0.5: {min: -100, max: 100}}}
  y: {mean: {min: 0, max: 100}, stddev: {max: 100}}
drift:
  columns: [x, y]
`;
    const { run, report } = await validate(
      { 'reference.csv': reference, 'current.csv': current, 'suite.yml': suite },
      { data: 'current.csv', reference: 'reference.csv', suite: 'suite.yml' },
    );
    expect(run.exitCode, run.stdout).toBe(1);
    expect(run.stdout).not.toMatch(/out of range/i);
    const expected = await runReference<{
      profile: Record<string, number>;
      y: number[];
      drift: Record<string, number>;
    }>(
      `import numpy as np
from scipy import stats
def column(rows, i):
    return np.array([float(row[i]) for row in rows])
ref, cur = data["ref"], data["cur"]
x = column(cur, 0)
finite = x[np.isfinite(x)]
y = column(cur, 1)
result = {
    "profile": {"nonFinite": int((~np.isfinite(x)).sum()), "min": float(finite.min()), "max": float(finite.max()),
                "mean": float(finite.mean()), "stddev": float(finite.std()), "median": float(np.median(finite))},
    "y": [float(y.mean()), float(y.std(ddof=1))],
    "drift": {},
}
for i, name in [(0, "x"), (1, "y")]:
    r, c = column(ref, i), column(cur, i)
    r, c = r[np.isfinite(r)], c[np.isfinite(c)]
    result["drift"][name] = float(stats.wasserstein_distance(r, c) / np.std(r))`,
      { ref: csvRows(reference), cur: csvRows(current) },
    );
    const profile = JSON.parse(await readFile(run.outputs.profile as string, 'utf8'));
    const x = profile.columns.find((item: { name: string }) => item.name === 'x');
    expect(x.nonFinite).toBe(expected.profile.nonFinite);
    for (const key of ['min', 'max', 'mean', 'stddev'] as const)
      expect(Math.abs(x[key] - expected.profile[key]!), key).toBeLessThanOrEqual(1e-12 * Math.abs(x[key]));
    expect(x.quantiles[500]).toBeCloseTo(expected.profile.median!, 12);
    const check = (id: string) => report.checks.find((item: { id: string }) => item.id === id);
    // The mean of values holding a NaN is NaN, as in numpy: the check fails and says so.
    expect([check('column.x.mean').status, check('column.x.mean').observed]).toEqual(['failed', 'NaN']);
    expect([check('column.x.stddev').status, check('column.x.stddev').observed]).toEqual(['failed', 'NaN']);
    expect([check('column.x.quantile-0.5').status, check('column.x.quantile-0.5').observed]).toEqual(['failed', 'NaN']);
    expect([check('column.y.mean').observed, check('column.y.stddev').observed]).toEqual(
      expected.y.map((value) => Number(value.toPrecision(8))),
    );
    const drift = Object.fromEntries(report.drift.columns.map((column: { column: string }) => [column.column, column]));
    for (const name of ['x', 'y']) {
      expect(drift[name].method, name).toBe('wasserstein');
      expect(Math.abs(drift[name].statistic - expected.drift[name]!), name).toBeLessThan(1e-9);
    }
    expect(drift.x.nonFinite).toBe(6 + (expected.profile.nonFinite as number));
    expect(drift.y.nonFinite).toBeUndefined();
    expect(run.summary).toContain(`left out of drift tests, as Evidently does: x (${drift.x.nonFinite} values)`);
  });

  test('a column named twice under drift.columns is tested once; a name with FROM in it is only a name', async () => {
    // Both once crashed after the current table let go of columns whose sorted values the engine keeps.
    const random = seededRandom(5);
    const table = (shift: number) =>
      `"a FROM reference",b\n${Array.from({ length: 300 }, () => `${(random() + shift).toFixed(4)},${(random() * 9).toFixed(3)}`).join('\n')}\n`;
    const suite = 'version: 1\ndrift:\n  columns: [b, "a FROM reference", b]\n';
    const { run, report } = await validate(
      { 'current.csv': table(0.5), 'reference.csv': table(0), 'suite.yml': suite },
      { data: 'current.csv', reference: 'reference.csv', suite: 'suite.yml' },
    );
    expect(run.stdout).not.toMatch(/Binder Error|not found/);
    expect(run.exitCode, run.stdout).toBe(0);
    expect(driftVerdicts(report)).toEqual([
      ['b', 'ks', false],
      ['a FROM reference', 'ks', true],
    ]);
  });

  test("a profile from main's run is a reference without the raw data", async () => {
    const ws = await workspace({ 'weather.csv': clean });
    const first = await runAction(validateData, {
      workspace: ws,
      inputs: { data: 'weather.csv', reference: 'weather.csv', comment: 'never' },
    });
    expect(first.exitCode, first.stdout).toBe(0);
    await copyFile(first.outputs.profile as string, join(ws, 'main-profile.json'));
    const second = await runAction(validateData, {
      workspace: ws,
      inputs: { data: 'weather.csv', reference: 'main-profile.json', comment: 'never' },
    });
    expect(second.exitCode, second.stdout).toBe(0);
    const report = JSON.parse(await readFile(second.outputs.report as string, 'utf8'));
    // 1461 reference rows: normed Wasserstein and Jensen-Shannon; same data, so no drift.
    expect(driftVerdicts(report)).toEqual([
      ['precipitation', 'wasserstein', false],
      ['temp_max', 'wasserstein', false],
      ['temp_min', 'wasserstein', false],
      ['wind', 'wasserstein', false],
      ['weather', 'jensenshannon', false],
    ]);
    // temp_max has fewer than 1,000 distinct values: the profile counted each, so the test is exact (0 on itself).
    const tempMax = report.drift.columns.find((column: { column: string }) => column.column === 'temp_max');
    expect([tempMax.approximate, tempMax.statistic]).toEqual([false, 0]);
    expect(report.drift.columns.find((column: { column: string }) => column.column === 'weather').statistic).toBe(0);
  });
});

describe('infer', () => {
  /** Infers a suite from `content` saved as `name`, then validates the same file against it. */
  async function inferThenValidate(name: string, content: string) {
    const ws = await workspace({ [name]: content });
    const inferred = await runAction(validateData, {
      workspace: ws,
      inputs: { data: name, infer: 'true', suite: 'inferred.yml' },
    });
    expect(inferred.exitCode, inferred.stdout).toBe(0);
    const text = await readFile(join(ws, 'inferred.yml'), 'utf8');
    const run = await runAction(validateData, {
      workspace: ws,
      inputs: { data: name, suite: 'inferred.yml', comment: 'never' },
    });
    return { text, run };
  }

  test('writes a suite that the same data then passes', async () => {
    const { text, run } = await inferThenValidate('weather.csv', clean);
    expect(text).toContain('date:\n    type: date\n    nullable: false\n    unique: true');
    expect(run.exitCode, run.stdout).toBe(0);
  });

  test('a column holding NaN or infinities gets no range, so its own data still passes', async () => {
    const csv = `x,y\n${Array.from({ length: 50 }, (_, index) => `${index === 7 ? 'inf' : index === 9 ? 'nan' : index},${index}`).join('\n')}\n`;
    const { text, run } = await inferThenValidate('odd.csv', csv);
    expect(text).toContain('  x:\n    type: float\n    nullable: false\n');
    // y is a key (every value once): unique, and no range a next key would leave.
    expect(text).toContain('  y:\n    type: integer\n    nullable: false\n    unique: true\n');
    expect(text).not.toMatch(/ {2}x:\n( {4}.*\n)* {4}max:/);
    expect(run.exitCode, run.stdout).toBe(0);
  });
});

describe('bad inputs: one clear error, exit 1, no stack trace', () => {
  const suite = 'version: 1\ncolumns:\n  a: {type: integer}\n';
  test.each([
    [
      'a missing file',
      { 'suite.yml': suite },
      { data: 'missing.csv', suite: 'suite.yml' },
      "Input 'data': no file matches 'missing.csv'",
    ],
    [
      'an empty file',
      { 'd.csv': '', 'suite.yml': suite },
      { data: 'd.csv', suite: 'suite.yml' },
      "Input 'data': d.csv is empty (0 bytes).",
    ],
    [
      'a malformed CSV row',
      { 'd.csv': 'a,b\n1,2\n3,4,5\n', 'suite.yml': suite },
      { data: 'd.csv', suite: 'suite.yml' },
      "Input 'data': d.csv:3 has 3 fields where the header has 2.",
    ],
    [
      'Parquet that is not Parquet',
      { 'd.parquet': 'PAR1 not really', 'suite.yml': suite },
      { data: 'd.parquet', suite: 'suite.yml' },
      "Input 'data': d.parquet is not a Parquet file",
    ],
    [
      'a memory limit DuckDB could not work in',
      { 'd.csv': 'a\n1\n', 'suite.yml': suite },
      { data: 'd.csv', suite: 'suite.yml', 'memory-limit': '10MB' },
      "Input 'memory-limit' must be at least 64MiB (DuckDB needs room to sort and group), got '10MB'.",
    ],
    [
      'a memory limit without a unit',
      { 'd.csv': 'a\n1\n', 'suite.yml': suite },
      { data: 'd.csv', suite: 'suite.yml', 'memory-limit': '512' },
      "Input 'memory-limit' must be a size such as 512MB",
    ],
    [
      'a suite with an unknown key',
      { 'd.csv': 'a\n1\n', 'suite.yml': 'version: 1\ncolumns:\n  a: {tpye: integer}\n' },
      { data: 'd.csv', suite: 'suite.yml' },
      "suite.yml:3: unknown key 'tpye' in column 'a'",
    ],
    [
      'a suite with a wrong type',
      { 'd.csv': 'a\n1\n', 'suite.yml': 'version: 1\ncolumns:\n  a: {min: [1]}\n' },
      { data: 'd.csv', suite: 'suite.yml' },
      'suite.yml:3: min must be a number, string or boolean, got [1]',
    ],
    [
      'a suite bound of the wrong type (it would pass on every row)',
      { 'd.csv': 'a\n1\n', 'suite.yml': 'version: 1\ncolumns:\n  a: {min: "one"}\n' },
      { data: 'd.csv', suite: 'suite.yml' },
      `suite.yml:3: column 'a' holds BIGINT values: min must be a number, got "one" (text) (at columns.a.min)`,
    ],
    [
      'a declared type with a bound of another type',
      { 'd.csv': 'a\n1\n', 'suite.yml': 'version: 1\ncolumns:\n  a: {type: integer, max: "10"}\n' },
      { data: 'd.csv', suite: 'suite.yml' },
      `suite.yml:3: column 'a' is declared integer: max must be a number, got "10" (text); write 10 without quotes (at columns.a.max)`,
    ],
    [
      'a pattern RE2 cannot run',
      { 'd.csv': 'a\n1\n', 'suite.yml': "version: 1\ncolumns:\n  a: {pattern: '^(?!0)'}\n" },
      { data: 'd.csv', suite: 'suite.yml' },
      "suite.yml:3: pattern of column 'a' is not a regular expression DuckDB (RE2) can run: invalid perl operator: (?!; RE2 has no lookahead",
    ],
    [
      'a suite column that is not in the data',
      { 'd.csv': 'a\n1\n', 'suite.yml': 'version: 1\ncolumns:\n  b: {type: integer}\n' },
      { data: 'd.csv', suite: 'suite.yml' },
      "suite.yml:3: column 'b' is not in the data (columns: a)",
    ],
    [
      'non-UTF-8 bytes',
      { 'd.csv': Buffer.from([0x61, 0x0a, 0x63, 0x61, 0x66, 0xe9, 0x0a]), 'suite.yml': 'version: 1\n' },
      { data: 'd.csv', suite: 'suite.yml' },
      'is not valid UTF-8 text',
    ],
    [
      'a malformed reference row past the type-inference sample',
      {
        'd.csv': 'a,b\n1,2\n',
        'reference.csv': `a,b\n${Array.from({ length: 30_000 }, (_, index) => (index === 24_999 ? '1,2,3' : `${index},${index % 7}`)).join('\n')}\n`,
      },
      { data: 'd.csv', reference: 'reference.csv' },
      "Input 'reference': reference.csv:25001 has 3 fields where the header has 2.",
    ],
    [
      'non-UTF-8 bytes deep in the reference',
      {
        // b repeats, so it is a category (one value seen once would be free text, not read from the reference).
        'd.csv': 'a,b\n1,x\n2,x\n',
        'reference.csv': Buffer.concat([
          Buffer.from(`a,b\n${Array.from({ length: 30_000 }, (_, index) => `${index},x`).join('\n')}\n1,caf`),
          Buffer.from([0xe9, 0x0a]),
        ]),
      },
      { data: 'd.csv', reference: 'reference.csv' },
      "Input 'reference': reference.csv",
    ],
    [
      'no suite and no reference',
      { 'd.csv': 'a\n1\n' },
      { data: 'd.csv' },
      "Input 'suite' is required unless 'infer' is true or a 'reference' is given for drift only.",
    ],
  ])('%s', async (_name, files, inputs, message) => {
    const { run } = await validate(files as Record<string, string | Buffer>, inputs);
    expect(run.exitCode, run.stdout).toBe(1);
    const errors = run.annotations.filter((annotation) => annotation.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain(message);
    expect(run.stdout).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  test('an error inside the suite points the annotation at its file and line', async () => {
    const { run } = await validate(
      { 'd.csv': 'a\n1\n', 'suite.yml': 'version: 1\ncolumns:\n  a: {tpye: integer}\n' },
      { data: 'd.csv', suite: 'suite.yml' },
    );
    expect(run.annotations[0]).toMatchObject({ file: 'suite.yml', line: 3, title: "validate-data: input 'suite'" });
  });

  test('a pattern RE2 cannot run is annotated at its line and nothing is reported', async () => {
    const { run } = await validate(
      { 'd.csv': 'a\n1\n', 'suite.yml': 'version: 1\ncolumns:\n  a:\n    type: integer\n    pattern: (a)\\1\n' },
      { data: 'd.csv', suite: 'suite.yml' },
    );
    expect(run.exitCode).toBe(1);
    expect(run.annotations).toEqual([
      expect.objectContaining({
        level: 'error',
        file: 'suite.yml',
        line: 5,
        message: expect.stringContaining("pattern of column 'a' is not a regular expression DuckDB (RE2) can run"),
      }),
    ]);
    expect(run.outputs.report).toBeUndefined();
  });
});

#!/usr/bin/env node
// validate-data at scale: a generated 5M-row, 7-column table as CSV and Parquet, a 20-check suite plus drift
// against a second 5M-row file. Each contender runs in its own process (wall time and peak RSS):
//   - bare DuckDB: count / nulls / min / max of every column of both files (the floor: one scan of each)
//   - DuckDB by hand: the suite's checks, exact, as one SQL query on the current file, plus the bare scan of the
//     reference; no profile, no drift, no failing rows. What exact checks cost in DuckDB before anything we add.
//   - mlops validate-data: the CLI on the committed bundle, suite + drift + profile (also with memory-limit 300MB)
//   - Great Expectations 1.x and pandera (PyPI, venv .cache/venv-bench-peers): the same checks on pandas
// Each repetition runs every contender once, one after another (interleaved, so a change in the machine's speed hits
// all alike); the medians are printed (3 repetitions by default: this VM's timings wander ±30% between runs).
// Ratios are against the bare scan of the same file, and against the exact floor (DuckDB by hand), which the goals of
// issue 19 are stated against: checks + profile ≤ 1.2× the floor and faster than pandera; with drift ≤ 1.8×; peak
// RSS ≤ 1 GB on CSV. The run without drift reads only the current file, so it is set against the checks alone (the
// floor without the reference scan) as well. Data is cached in .cache/bench-data.
//   node test/bench/validate-data.mjs [--rows N] [--no-peers] [--repeat N] [--skip gx,300mb] [--phases]
// --phases: one more run of ours per case with step debug on, its DuckDB time summed per phase.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SUITE_20_CHECKS } from './suite-20.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const rowsFlag = process.argv.indexOf('--rows');
const rows = rowsFlag >= 0 ? Number(process.argv[rowsFlag + 1]) : 5_000_000;
const withPeers = !process.argv.includes('--no-peers');
const repeatFlag = process.argv.indexOf('--repeat');
const repeat = repeatFlag >= 0 ? Number(process.argv[repeatFlag + 1]) : 3;
const skipFlag = process.argv.indexOf('--skip');
const skipped = new Set(skipFlag >= 0 ? process.argv[skipFlag + 1].split(',') : []);
const withPhases = process.argv.includes('--phases');

/** The runs of one contender: the median time, the largest peak memory, the rest from the last run. */
function median(runs) {
  if (runs.some((result) => !result.seconds)) return runs.find((result) => !result.seconds);
  const times = runs.map((result) => result.seconds).sort((a, b) => a - b);
  const rss = runs.map((result) => result.rssMb ?? 0);
  return {
    ...runs.at(-1),
    seconds: times[Math.floor(times.length / 2)],
    spread: [times[0], times.at(-1)],
    rssMb: Math.max(...rss) || null,
  };
}
const dataDir = join(root, '.cache', 'bench-data', String(rows));
await mkdir(dataDir, { recursive: true });

const files = {
  csv: join(dataDir, 'current.csv'),
  parquet: join(dataDir, 'current.parquet'),
  referenceParquet: join(dataDir, 'reference.parquet'),
  referenceCsv: join(dataDir, 'reference.csv'),
};

/** Runs a Node snippet (ESM) in a child and returns what it printed as JSON. */
function nodeChild(code) {
  const started = performance.now();
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  return { seconds: (performance.now() - started) / 1000, ...JSON.parse(output.trim().split('\n').at(-1)) };
}

const generate = (shift, seed) => `SELECT
    i AS id,
    18 + (hash(i * ${seed}) % 70)::INTEGER AS age,
    ['free', 'pro', 'enterprise'][1 + (hash(i + ${seed}) % 3)::INTEGER] AS plan,
    CASE WHEN hash(i * 7 + ${seed}) % 1000 = 0 THEN NULL ELSE ((hash(i * 13 + ${seed}) % 1000000) / 1000000.0 + ${shift}) / (1 + ${shift}) END AS score,
    exp(1 + (hash(i * 17 + ${seed}) % 1000) / 400.0) AS income,
    DATE '2020-01-01' + (hash(i * 19 + ${seed}) % 1500)::INTEGER AS signup,
    'user' || i || '@example.com' AS email
  FROM range(${rows}) t(i)`;

if (!existsSync(files.parquet) || !existsSync(files.referenceCsv)) {
  console.log(`generating ${rows.toLocaleString('en-US')} rows × 7 columns (cached in ${dataDir}) …`);
  nodeChild(`import { DuckDBInstance } from '@duckdb/node-api';
    const c = await (await DuckDBInstance.create(':memory:')).connect();
    await c.run(\`COPY (${generate(0, 1)}) TO '${files.csv}' (HEADER)\`);
    await c.run(\`COPY (SELECT * FROM read_csv('${files.csv}')) TO '${files.parquet}' (FORMAT parquet)\`);
    await c.run(\`COPY (${generate(0.15, 2)}) TO '${files.referenceCsv}' (HEADER)\`);
    await c.run(\`COPY (SELECT * FROM read_csv('${files.referenceCsv}')) TO '${files.referenceParquet}' (FORMAT parquet)\`);
    console.log(JSON.stringify({}));`);
}

const suitePath = join(dataDir, 'suite.yml');
await writeFile(suitePath, SUITE_20_CHECKS);

const source = (path) => (path.endsWith('.csv') ? `read_csv('${path}', header = true)` : `read_parquet('${path}')`);
const columnNames = ['id', 'age', 'plan', 'score', 'income', 'signup', 'email'];
/** The bare scan of one file: count, and each column's nulls, min and max. */
const bareScan = (path) =>
  `SELECT count(*) AS n, ${columnNames.map((c) => `count(*) - count(${c}), min(${c}), max(${c})`).join(', ')} FROM ${source(path)}`;
/** The suite's checks, exact, as a DuckDB user would write them in one query. */
const checksByHand = (path) => `SELECT count(*), count(*) FILTER (WHERE id IS NULL), count(DISTINCT id),
  count(*) FILTER (WHERE age IS NULL), count(*) FILTER (WHERE age < 0 OR age > 120), avg(age),
  count(*) FILTER (WHERE plan NOT IN ('free', 'pro', 'enterprise')),
  count(*) FILTER (WHERE score < 0 OR score > 1), count(*) - count(score), quantile_cont(score, 0.5), stddev_samp(score),
  count(*) FILTER (WHERE income < 0), count(*) FILTER (WHERE NOT regexp_full_match(email, '^[^@]+@[^@]+$')),
  count(*) FILTER (WHERE signup IS NULL)
  FROM ${source(path)}`;

/** Runs the queries one after another in a fresh DuckDB, in a child process of its own (time and peak RSS). */
function duckdbQueries(queries) {
  return nodeChild(`import { DuckDBInstance } from '@duckdb/node-api';
    const c = await (await DuckDBInstance.create(':memory:')).connect();
    for (const sql of ${JSON.stringify(queries)}) await c.runAndReadAll(sql);
    console.log(JSON.stringify({ rssMb: process.resourceUsage().maxRSS / 1024 }));`);
}

/** The CLI on the committed bundle, once, under /usr/bin/time: wall time and peak RSS of the same run. */
function ours(data, reference, memoryLimit, env = {}) {
  const options = [
    ...(reference ? ['--reference', reference] : []),
    ...(memoryLimit ? ['--memory-limit', memoryLimit] : []),
  ];
  const started = performance.now();
  const out = join(dataDir, 'out');
  const cli = [join(root, 'shared', 'bin', 'mlops.js'), 'validate-data', '--data', data, '--suite', suitePath];
  const run = spawnSync(
    '/usr/bin/time',
    ['-f', '%M', process.execPath, ...cli, ...options, '--out-dir', out, '--fail-on', 'never'],
    { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, NODE_OPTIONS: '', ...env } },
  );
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`validate-data failed:\n${run.stdout}\n${run.stderr}`);
  const rssMb = Number(run.stderr.trim().split('\n').at(-1)) / 1024;
  const checks = /(\d+) checks on/.exec(run.stdout)?.[1] ?? /all (\d+) checks/.exec(run.stdout)?.[1];
  return { seconds, rssMb: Number.isFinite(rssMb) ? rssMb : null, checks, stdout: run.stdout };
}

/** Which phase a DuckDB query of ours belongs to (from its step-debug line). */
function phaseOf(sql) {
  if (/\breference\b/.test(sql) && !/^SELECT regexp/.test(sql)) return 'drift (reference load and tests)';
  if (/^CREATE OR REPLACE TEMP (TABLE|VIEW) current\b/.test(sql)) return 'load / view of the data';
  if (/\bt_rows\b|\bp_rows\b/.test(sql)) return 'checks + profile aggregate (one scan)';
  if (
    /^(probe|counted|ascending|sorted|scanned|columns): /.test(sql) ||
    /AS value, count\(\*\)|\) AS counted ORDER BY n DESC/.test(sql)
  )
    return 'profile: sorted/counted columns, top values';
  return 'other queries';
}

/** One run of ours with step debug on: DuckDB's time per phase, and the rest (process start, JS, report). */
function phases(data, reference) {
  const run = ours(data, reference, undefined, { ACTIONS_STEP_DEBUG: 'true' });
  const totals = new Map();
  for (const [, seconds, sql] of run.stdout.matchAll(/debug: duckdb ([\d.]+) s: (.*)/g)) {
    const phase = phaseOf(sql);
    totals.set(phase, (totals.get(phase) ?? 0) + Number(seconds));
  }
  const queries = [...totals.values()].reduce((sum, value) => sum + value, 0);
  totals.set('outside DuckDB (start, JS statistics, report)', run.seconds - queries);
  return { seconds: run.seconds, totals };
}

const peersPython = join(root, '.cache', 'venv-bench-peers', 'bin', 'python');
function peer(kind, path) {
  const code = `
import resource, sys, time
import pandas as pd
path = ${JSON.stringify(path)}
started = time.perf_counter()
df = pd.read_parquet(path) if path.endswith('.parquet') else pd.read_csv(path, parse_dates=['signup'])
if ${JSON.stringify(kind)} == 'gx':
    import great_expectations as gx
    import great_expectations.expectations as E
    context = gx.get_context(mode='ephemeral')
    batch = context.data_sources.add_pandas('p').add_dataframe_asset('a').add_batch_definition_whole_dataframe('b').get_batch(batch_parameters={'dataframe': df})
    suite = context.suites.add(gx.ExpectationSuite(name='s'))
    for e in [
        E.ExpectTableRowCountToBeBetween(min_value=1000, max_value=100000000),
        E.ExpectTableColumnsToMatchSet(column_set=['id','age','plan','score','income','signup','email'], exact_match=False),
        E.ExpectColumnValuesToBeUnique(column='id'),
        E.ExpectColumnValuesToBeOfType(column='id', type_='int64'), E.ExpectColumnValuesToNotBeNull(column='id'),
        E.ExpectColumnValuesToBeOfType(column='age', type_='int64'), E.ExpectColumnValuesToNotBeNull(column='age'),
        E.ExpectColumnValuesToBeBetween(column='age', min_value=0, max_value=120), E.ExpectColumnMeanToBeBetween(column='age', min_value=30, max_value=70),
        E.ExpectColumnValuesToBeInSet(column='plan', value_set=['free','pro','enterprise']),
        E.ExpectColumnValuesToBeBetween(column='score', min_value=0, max_value=1), E.ExpectColumnValuesToNotBeNull(column='score', mostly=0.99),
        E.ExpectColumnMedianToBeBetween(column='score', min_value=0.4, max_value=0.6), E.ExpectColumnStdevToBeBetween(column='score', max_value=0.4),
        E.ExpectColumnValuesToBeOfType(column='score', type_='float64'), E.ExpectColumnValuesToBeOfType(column='income', type_='float64'),
        E.ExpectColumnValuesToBeBetween(column='income', min_value=0), E.ExpectColumnValuesToMatchRegex(column='email', regex='^[^@]+@[^@]+$'),
        E.ExpectColumnValuesToNotBeNull(column='signup'), E.ExpectColumnValuesToBeOfType(column='plan', type_='object'),
    ]:
        suite.add_expectation(e)
    result = batch.validate(suite)
    checks = len(result.results)
else:
    import pandera.pandas as pa
    schema = pa.DataFrameSchema({
        'id': pa.Column(int, nullable=False, unique=True),
        'age': pa.Column(int, [pa.Check.in_range(0, 120), pa.Check(lambda s: 30 <= s.mean() <= 70)], nullable=False),
        'plan': pa.Column(str, pa.Check.isin(['free','pro','enterprise'])),
        'score': pa.Column(float, [pa.Check.in_range(0, 1), pa.Check(lambda s: s.isna().mean() <= 0.01, element_wise=False), pa.Check(lambda s: 0.4 <= s.median() <= 0.6), pa.Check(lambda s: s.std() <= 0.4)], nullable=True),
        'income': pa.Column(float, pa.Check.ge(0)),
        'email': pa.Column(str, pa.Check.str_matches(r'^[^@]+@[^@]+$')),
        'signup': pa.Column('datetime64[ns]', nullable=False, coerce=True),
    }, checks=[pa.Check(lambda df: 1000 <= len(df) <= 100000000)])
    schema.validate(df, lazy=True)
    checks = 20
elapsed = time.perf_counter() - started
print('{"checks": %d, "seconds": %f, "rssMb": %f}' % (checks, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
`;
  const started = performance.now();
  const run = spawnSync(peersPython, ['-c', code], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) return { error: run.stderr.trim().split('\n').at(-1) };
  return { ...JSON.parse(run.stdout.trim().split('\n').at(-1)), seconds };
}

const results = [];
const phaseReports = [];
for (const format of ['csv', 'parquet']) {
  const data = files[format];
  const reference = format === 'csv' ? files.referenceCsv : files.referenceParquet;
  /** Contenders: name, run, and the floor its ratio is also given against. */
  const contenders = [
    // The floor: one scan of each file (current and reference, as validate-data reads both).
    {
      name: 'bare DuckDB scan of both files (count/nulls/min/max)',
      run: () => duckdbQueries([bareScan(data), bareScan(reference)]),
    },
    { name: 'DuckDB by hand: exact checks (current file only)', run: () => duckdbQueries([checksByHand(data)]) },
    {
      name: 'DuckDB by hand: exact checks + reference scan',
      run: () => duckdbQueries([checksByHand(data), bareScan(reference)]),
    },
    { name: 'mlops validate-data (20 checks + drift + profile)', run: () => ours(data, reference), floor: 2 },
    // The same with DuckDB held to 300 MB (input memory-limit): what a small runner trades for memory.
    ...(skipped.has('300mb')
      ? []
      : [{ name: 'mlops validate-data, memory-limit 300MB', run: () => ours(data, reference, '300MB'), floor: 2 }]),
    // The peers below run the checks only, on the current file: the same for us.
    { name: 'mlops validate-data (20 checks + profile, no drift)', run: () => ours(data, undefined), floor: 1 },
  ];
  if (withPeers && existsSync(peersPython)) {
    for (const [kind, name] of [
      ['gx', 'Great Expectations 1.24 (pandas)'],
      ['pandera', 'pandera 0.35 (pandas)'],
    ])
      if (!skipped.has(kind)) contenders.push({ name, run: () => peer(kind, data), floor: 1 });
  } else if (withPeers) {
    console.log(`(peers skipped: create ${peersPython} with pip install -r test/bench/requirements-peers.txt)`);
  }
  const runs = contenders.map(() => []);
  for (let round = 0; round < repeat; round += 1)
    contenders.forEach((contender, index) => {
      runs[index].push(contender.run());
    });
  const medians = runs.map(median);
  const [bare, checksOnly, checksAndReference] = medians;
  contenders.forEach((contender, index) => {
    const result = medians[index];
    const floor = contender.floor === 1 ? checksOnly : contender.floor === 2 ? checksAndReference : undefined;
    results.push({
      format,
      name: contender.name,
      ...result,
      ratio: result.seconds ? result.seconds / bare.seconds : null,
      exact: floor?.seconds && result.seconds ? result.seconds / floor.seconds : null,
      exactWithReference: contender.floor === 1 && result.seconds ? result.seconds / checksAndReference.seconds : null,
    });
  });
  if (withPhases) {
    phaseReports.push({ format, name: 'no drift', ...phases(data, undefined) });
    phaseReports.push({ format, name: 'with drift', ...phases(data, reference) });
  }
}
console.log(
  `\nvalidate-data benchmark, ${rows.toLocaleString('en-US')} rows × 7 columns (reference: another ${rows.toLocaleString('en-US')} rows)${repeat > 1 ? `, median of ${repeat} runs` : ''}`,
);
for (const result of results) {
  const time = result.seconds ? `${result.seconds.toFixed(2)} s` : 'failed';
  const spread = result.spread ? ` (${result.spread[0].toFixed(2)}–${result.spread[1].toFixed(2)})` : '';
  const rss = result.rssMb ? `${Math.round(result.rssMb)} MB` : '?';
  const floors = [
    result.exact ? `${result.exact.toFixed(2)}× its exact floor` : '',
    result.exactWithReference ? `${result.exactWithReference.toFixed(2)}× checks + reference scan` : '',
  ].filter(Boolean);
  const ratio = result.ratio
    ? `${result.ratio.toFixed(2)}× the bare scan${floors.length ? `, ${floors.join(', ')}` : ''}`
    : (result.error ?? '');
  console.log(
    `  [${result.format}] ${result.name.padEnd(52)} ${time.padStart(9)}${spread.padEnd(14)} peak RSS ${rss.padStart(7)}  ${ratio}`,
  );
}
for (const report of phaseReports) {
  console.log(
    `\nwhere our time goes, ${report.format} ${report.name} (one run with step debug, ${report.seconds.toFixed(2)} s):`,
  );
  for (const [phase, seconds] of report.totals)
    console.log(
      `  ${phase.padEnd(50)} ${seconds.toFixed(2).padStart(6)} s  ${((100 * seconds) / report.seconds).toFixed(0).padStart(3)}%`,
    );
}

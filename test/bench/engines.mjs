#!/usr/bin/env node
// engines: validate-data where the data lives. 50M rows × 7 columns are generated inside Spark (range()) for the
// current table and 50M more, shifted, for the reference; Spark writes both as Parquet to a local temp path (cached
// in .cache/bench-data/engines-<rows>). Then, in the same run, the 20-check suite (suite-20.js) plus drift:
//   - mlops validate-data --engine spark: the CLI on the committed bundle against a Spark Connect server
//     (pyspark from .cache/venv-spark, local[2] on 127.0.0.1) reading the Parquet: wall time, bytes returned
//   - mlops validate-data (DuckDB on the runner) over the same Parquet files: wall time, bytes it read
// Each Spark statement is listed as it finishes (validate-data's debug log: wall time, bytes, rows, the SQL) and
// written in full to queries-spark.txt, so a slow run shows where the time goes.
// Goal of issue 22: < 1 MB returned to the runner by the remote engine. Run `npx tsc -b` and `npm run build` first
// (this imports the compiled shared/lib and runs shared/bin/mlops.js).
//   node test/bench/engines.mjs [--rows N]
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { load, root } from './load-rig.js';
import { SUITE_20_CHECKS } from './suite-20.js';

const { SparkConnectConnection } = await load('shared/lib/index.js');
const { startSparkConnect } = await load('test/services/spark-connect.ts');

const rowsFlag = process.argv.indexOf('--rows');
const rows = rowsFlag >= 0 ? Number(process.argv[rowsFlag + 1]) : 50_000_000;
const dataDir = join(root, '.cache', 'bench-data', `engines-${rows}`);
await mkdir(dataDir, { recursive: true });
const tables = { current: join(dataDir, 'current'), reference: join(dataDir, 'reference') };

/** The validate-data benchmark's 7 columns, in Spark SQL; `shift` moves score (drift), `seed` the hashes. */
const generate = (shift, seed) => `SELECT
    id,
    18 + pmod(hash(id * ${seed}), 70) AS age,
    element_at(array('free', 'pro', 'enterprise'), 1 + pmod(hash(id + ${seed}), 3)) AS plan,
    CASE WHEN pmod(hash(id * 7 + ${seed}), 1000) = 0 THEN NULL
      ELSE (pmod(hash(id * 13 + ${seed}), 1000000) / 1000000D + ${shift}D) / (1 + ${shift}D) END AS score,
    exp(1 + pmod(hash(id * 17 + ${seed}), 1000) / 400D) AS income,
    date_add(DATE'2020-01-01', pmod(hash(id * 19 + ${seed}), 1500)) AS signup,
    concat('user', CAST(id AS STRING), '@example.com') AS email
  FROM range(${rows})`;

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(3)} MB`;

async function directoryBytes(path) {
  let total = 0;
  for (const entry of await readdir(path))
    if (entry.endsWith('.parquet')) total += (await stat(join(path, entry))).size;
  return total;
}

const suitePath = join(dataDir, 'suite.yml');
await writeFile(suitePath, SUITE_20_CHECKS);

console.log('starting the Spark Connect server (local[2], driver heap 6 GB) …');
const server = await startSparkConnect({ driverMemory: '6g' });
try {
  if (!existsSync(join(tables.reference, '_SUCCESS'))) {
    console.log(`generating 2 × ${rows.toLocaleString('en-US')} rows × 7 columns inside Spark as Parquet …`);
    const started = performance.now();
    const spark = SparkConnectConnection.fromConnectionString(server.connectionString);
    try {
      for (const [name, shift, seed] of [
        ['current', 0, 1],
        ['reference', 0.15, 2],
      ]) {
        await spark.query(`INSERT OVERWRITE DIRECTORY '${tables[name]}' USING parquet ${generate(shift, seed)}`);
      }
    } finally {
      await spark.close();
    }
    console.log(`  written in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }

  /** One CLI run of validate-data; its report JSON says which engine ran and how many bytes came back. */
  async function validate(name, engineArgs) {
    const out = join(dataDir, `out-${name}`);
    const started = performance.now();
    // Asynchronous: the server's output is read by this process's event loop, and a blocked loop would stall Spark.
    // Debug logging on: validate-data prints each engine query with its wall time and the bytes that came back,
    // shown as they finish so that a run that stalls still says where.
    const child = spawn(
      process.execPath,
      [
        join(root, 'shared', 'bin', 'mlops.js'),
        'validate-data',
        ...engineArgs,
        '--suite',
        suitePath,
        '--out-dir',
        out,
        '--fail-on',
        'never',
      ],
      { cwd: root, env: { ...process.env, NODE_OPTIONS: '', RUNNER_DEBUG: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const queries = [];
    const output = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      const match = /debug: \w+ query: ([\d.]+) s, (\d+) bytes, (\d+) rows: (.*)/.exec(line);
      if (!match) return;
      const [, seconds, bytes, rows, sql] = match;
      const query = { seconds: Number(seconds), bytes: Number(bytes), rows: Number(rows), sql };
      queries.push(query);
      console.log(
        `  ${name} query ${queries.length}: ${query.seconds.toFixed(1).padStart(7)} s ${String(query.bytes).padStart(9)} B ${String(query.rows).padStart(6)} rows  ${sql.length > 200 ? `${sql.slice(0, 200)}…` : sql}`,
      );
    });
    child.stderr.on('data', (chunk) => output.push(String(chunk)));
    const code = await new Promise((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`validate-data (${name}) failed:\n${output.join('\n')}`);
    const seconds = (performance.now() - started) / 1000;
    // Every statement in full, for a closer look (EXPLAIN) at one that takes the time.
    await writeFile(
      join(dataDir, `queries-${name}.txt`),
      queries
        .map((query, index) => `-- ${index + 1}: ${query.seconds} s, ${query.bytes} bytes\n${query.sql}\n`)
        .join('\n'),
    );
    const report = JSON.parse(await readFile(join(out, 'mlops-reports', 'validate-data.json'), 'utf8'));
    return { name, seconds, report, queries };
  }

  const spark = await validate('spark', [
    '--engine',
    'spark',
    '--connection',
    server.connectionString,
    '--data',
    `parquet.\`${tables.current}\``,
    '--reference',
    `parquet.\`${tables.reference}\``,
  ]);
  const duckdb = await validate('duckdb', [
    '--data',
    join(tables.current, '*.parquet'),
    '--reference',
    join(tables.reference, '*.parquet'),
  ]);

  const slowest = [...spark.queries].sort((a, b) => b.seconds - a.seconds).slice(0, 5);
  console.log('\nslowest Spark queries:');
  for (const query of slowest)
    console.log(
      `  ${query.seconds.toFixed(1).padStart(7)} s  ${query.sql.length > 200 ? `${query.sql.slice(0, 200)}…` : query.sql}`,
    );
  const parquetBytes = (await directoryBytes(tables.current)) + (await directoryBytes(tables.reference));
  const summary = (run) => {
    const checks = run.report.checks ?? [];
    const failed = checks.filter((check) => check.status === 'failed').map((check) => check.id);
    return `${checks.length} checks, failed: ${failed.join(', ') || 'none'}`;
  };
  const returned = spark.report.engine?.bytesReceived;
  console.log(
    `\nengines benchmark: 2 × ${rows.toLocaleString('en-US')} rows × 7 columns (current and reference), the 20-check suite + drift + profile`,
  );
  console.log(
    `  Spark (Spark Connect, local[2])  ${spark.seconds.toFixed(1).padStart(7)} s  returned to the runner ${returned === undefined ? '?' : mb(returned)} in ${spark.report.engine?.queries ?? '?'} queries  (${summary(spark)})`,
  );
  console.log(
    `  DuckDB on the runner (Parquet)   ${duckdb.seconds.toFixed(1).padStart(7)} s  read ${mb(parquetBytes)} of Parquet  (${summary(duckdb)})`,
  );
  console.log(
    `  Spark / DuckDB wall time: ${(spark.seconds / duckdb.seconds).toFixed(2)}×; bytes returned vs Parquet read: ${returned === undefined ? '?' : `${((returned / parquetBytes) * 100).toFixed(4)}%`}; goal < 1 MB returned: ${returned !== undefined && returned < 1024 * 1024 ? 'met' : 'NOT met'}`,
  );
} finally {
  await server.stop();
}

#!/usr/bin/env node
// Binary model metrics on 10M predictions: ours (shared/lib/metrics, the tsc output: run `npx tsc -b` first) against
// scikit-learn computing the same metrics on the same data in the same run. The data (seeded PRNG, ~30% positives,
// continuous probabilities so every score is its own threshold) is generated once here and written as raw
// Int32/Float64 files that the Python side reads with np.fromfile; only the metric computation is timed on either
// side. Each side runs twice and keeps its faster run. Prints both times, the ratio (goal ≤ 1.0×), the largest
// difference between the two sides' values and each side's peak memory.
//
// Then end to end, from the file: 10M predictions as CSV and as Parquet, ours through the CLI (the committed bundle,
// shared/bin/mlops.js: read, task detection, metrics, gates, report) against pandas reading the same file plus
// scikit-learn computing the same metrics, in a fresh process each (start-up included on both sides); then the
// same with a 10M-row baseline file, whose metrics both sides compute too, and a paired bootstrap of accuracy's
// change (as many resamples, McNemar on top) against it. Ours runs TEST_MODEL_E2E_RUNS times (default 3) and the
// peer TEST_MODEL_E2E_PEER_RUNS (default 1: its bootstraps take minutes); medians are printed, wall time and peak
// RSS taken by /usr/bin/time. Ours' breakdown is its CLI's timed groups ("read the baseline" is its read and its
// metrics); the peer times its own steps. The peer needs
// pandas, pyarrow and scikit-learn: .cache/venv-bench-peers (pip install -r test/bench/requirements-peers.txt) or
// BENCH_PEERS_PYTHON. TEST_MODEL_E2E_ROWS sets the rows (0 skips), TEST_MODEL_RESAMPLES the resamples (≥ 100),
// TEST_MODEL_ROWS the in-memory part's rows.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const library = join(root, 'shared', 'lib', 'metrics', 'index.js');
const python = join(root, '.cache', 'venv-reference', 'bin', 'python');
for (const [path, hint] of [
  [library, 'run `npx tsc -b` first'],
  [python, 'run scripts/setup first'],
]) {
  if (!existsSync(path)) {
    console.error(`${path} is missing: ${hint}`);
    process.exit(1);
  }
}
const metrics = await import(library);

const rows = Number(process.env.TEST_MODEL_ROWS ?? 10_000_000);
const runs = 2;

function generate() {
  const random = metrics.createRandom(20_260_101);
  const labels = new Int32Array(rows);
  const scores = new Float64Array(rows);
  for (let index = 0; index < rows; index += 1) {
    const label = random() < 0.3 ? 1 : 0;
    const gaussian = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    labels[index] = label;
    scores[index] = 1 / (1 + Math.exp(-(1.5 * gaussian + (label ? 1 : -0.8))));
  }
  return { labels, scores };
}

function best(work) {
  let fastest = Number.POSITIVE_INFINITY;
  let result;
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    result = work();
    fastest = Math.min(fastest, performance.now() - started);
  }
  return { ms: fastest, result };
}

const SKLEARN = `
import json, resource, sys, time
import numpy as np
from sklearn import metrics as M
y = np.fromfile(sys.argv[1], dtype=np.int32)
s = np.fromfile(sys.argv[2], dtype=np.float64)
def compute():
    p = (s >= 0.5).astype(np.int32)
    tn, fp, fn, tp = M.confusion_matrix(y, p, labels=[0, 1]).ravel()
    return {
        "accuracy": M.accuracy_score(y, p), "precision": M.precision_score(y, p), "recall": M.recall_score(y, p),
        "f1": M.f1_score(y, p), "tn": int(tn), "fp": int(fp), "fn": int(fn), "tp": int(tp),
        "rocAuc": M.roc_auc_score(y, s), "prAuc": M.average_precision_score(y, s),
        "logLoss": M.log_loss(y, s, labels=[0, 1]), "brier": M.brier_score_loss(y, s),
    }
fastest = float("inf")
for _ in range(int(sys.argv[3])):
    started = time.perf_counter()
    values = compute()
    fastest = min(fastest, time.perf_counter() - started)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
json.dump({"ms": fastest * 1000, "values": values, "peakMiB": peak}, sys.stdout)
`;

const { labels, scores } = generate();
const folder = await mkdtemp(join(tmpdir(), 'bench-test-model-'));
try {
  const labelFile = join(folder, 'labels.i32');
  const scoreFile = join(folder, 'scores.f64');
  await writeFile(labelFile, new Uint8Array(labels.buffer));
  await writeFile(scoreFile, new Uint8Array(scores.buffer));

  const rssBefore = process.memoryUsage().rss;
  const ours = best(() => metrics.binaryMetrics(labels, scores));
  const separately = best(() => ({
    confusion: metrics.binaryConfusionMatrix(labels, scores),
    rocAuc: metrics.rocAucScore(labels, scores),
    prAuc: metrics.averagePrecisionScore(labels, scores),
    logLoss: metrics.binaryLogLoss(labels, scores),
    brier: metrics.brierScoreLoss(labels, scores),
  }));
  const oursPeakMiB = process.resourceUsage().maxRSS / 1024;

  const child = spawnSync(python, ['-c', SKLEARN, labelFile, scoreFile, String(runs)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (child.status !== 0) throw new Error(`sklearn side failed: ${child.stderr}`);
  const sklearn = JSON.parse(child.stdout);

  const values = ours.result;
  const flat = { ...values, ...values.confusion };
  const difference = Math.max(
    ...Object.keys(sklearn.values).map((key) => Math.abs(flat[key] - sklearn.values[key])),
    Math.abs(separately.result.rocAuc - sklearn.values.rocAuc),
    Math.abs(separately.result.prAuc - sklearn.values.prAuc),
  );
  const ratio = ours.ms / sklearn.ms;
  console.log(`binary metrics on ${rows.toLocaleString('en')} predictions (best of ${runs}; accuracy, precision,`);
  console.log('  recall, F1, confusion matrix at 0.5, ROC AUC, average precision, log loss, Brier):');
  console.log(`  ours binaryMetrics      ${ours.ms.toFixed(0)} ms`);
  console.log(`  ours, one call each     ${separately.ms.toFixed(0)} ms`);
  console.log(`  scikit-learn 1.9.1      ${sklearn.ms.toFixed(0)} ms`);
  console.log(
    `test-model ratio: ${ratio.toFixed(3)}x scikit-learn (goal ≤ 1.0x); one call each: ${(separately.ms / sklearn.ms).toFixed(3)}x`,
  );
  console.log(`largest difference from scikit-learn: ${difference.toExponential(2)}`);
  console.log(
    `peak memory: ours ${oursPeakMiB.toFixed(0)} MiB (process, of which ${(rssBefore / 2 ** 20) | 0} MiB before timing, ` +
      `inputs ${((labels.byteLength + scores.byteLength) / 2 ** 20).toFixed(0)} MiB); scikit-learn ${sklearn.peakMiB.toFixed(0)} MiB`,
  );
  if (difference > 1e-9) {
    console.error('the two sides disagree by more than 1e-9');
    process.exitCode = 1;
  }
} finally {
  await rm(folder, { recursive: true, force: true });
}

// ---- end to end, from the file -------------------------------------------------------------------------------

const PEER = `
import json, sys, time
started = time.perf_counter()
import numpy as np, pandas as pd
from scipy import stats
from sklearn import metrics as M
path, baseline_path, resamples, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
steps = {"start": time.perf_counter() - started}
def timed(name, work):
    began = time.perf_counter()
    value = work()
    steps[name] = steps.get(name, 0) + time.perf_counter() - began
    return value
read = lambda p: pd.read_parquet(p) if p.endswith(".parquet") else pd.read_csv(p)
frame = timed("read", lambda: read(path))
base = timed("read", lambda: read(baseline_path)) if baseline_path else None
def compute(y, s):
    p = (s >= 0.5).astype(np.int32)
    tn, fp, fn, tp = M.confusion_matrix(y, p, labels=[0, 1]).ravel()
    return {
        "accuracy": M.accuracy_score(y, p), "precision": M.precision_score(y, p), "recall": M.recall_score(y, p),
        "f1": M.f1_score(y, p), "roc_auc": M.roc_auc_score(y, s), "pr_auc": M.average_precision_score(y, s),
        "log_loss": M.log_loss(y, s, labels=[0, 1]), "brier": M.brier_score_loss(y, s),
    }
y = frame["label"].to_numpy(); s = frame["score"].to_numpy()
values = timed("metrics", lambda: compute(y, s))
result = {"values": values}
if base is not None:
    b = base["score"].to_numpy()
    result["baseline"] = timed("metrics", lambda: compute(base["label"].to_numpy(), b))
    def bootstrap():
        rng = np.random.default_rng(0)
        pc, pb = (s >= 0.5).astype(np.int32), (b >= 0.5).astype(np.int32)
        deltas = []
        for _ in range(resamples):
            i = rng.integers(0, len(y), len(y))
            yi = y[i]
            deltas.append(M.accuracy_score(yi, pc[i]) - M.accuracy_score(yi, pb[i]))
        low, high = np.percentile(deltas, [2.5, 97.5])
        right_c, right_b = pc == y, pb == y
        n01, n10 = int(np.sum(right_c & ~right_b)), int(np.sum(~right_c & right_b))
        p_value = float(stats.chi2.sf((abs(n01 - n10) - 1) ** 2 / (n01 + n10), 1)) if n01 + n10 else 1.0
        return {"low": float(low), "high": float(high), "pValue": p_value}
    result["significance"] = timed("bootstrap", bootstrap)
def render():
    with open(out, "w") as handle:
        json.dump(result, handle)
timed("render", render)
result["steps"] = steps
json.dump(result, sys.stdout)
`;

const TIME = '/usr/bin/time';

/** Runs a command under /usr/bin/time: wall seconds, peak RSS in MiB, and its output. */
function measured(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(TIME, ['-f', 'mlops-bench %e %M', command, ...args], {
      ...options,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data) => (stdout += data));
    child.stderr.on('data', (data) => (stderr += data));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = /mlops-bench ([\d.]+) (\d+)/.exec(stderr);
      if (!line) return reject(new Error(`${command} gave no timing: ${stderr.slice(-2000)}`));
      resolve({ code, wallMs: Number(line[1]) * 1000, peakMiB: Number(line[2]) / 1024, stdout, stderr });
    });
  });
}

/** The predictions and a baseline's, written by DuckDB as CSV and Parquet: ~30% positives, seeded hashes. */
async function writePredictionFiles(folder, count) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const uniform = (k) => `((hash(i * 8 + ${k}) >> 11)::DOUBLE / 9007199254740992)`;
  const gaussian = (a, b) => `(sqrt(-2 * ln(1 - ${uniform(a)})) * cos(2 * pi() * ${uniform(b)}))`;
  const score = (g, shift) => `1 / (1 + exp(-(1.5 * ${g} + CASE WHEN label = 1 THEN ${shift} ELSE -0.8 END)))`;
  await connection.run(
    `CREATE TABLE t AS SELECT i, label, ${score('g1', 1)} AS score, ${score('g2', 0.95)} AS base FROM (` +
      `SELECT i, CASE WHEN ${uniform(0)} < 0.3 THEN 1 ELSE 0 END AS label, ${gaussian(1, 2)} AS g1, ${gaussian(3, 4)} AS g2 ` +
      `FROM range(${count}) AS r(i))`,
  );
  const files = {};
  for (const [name, column] of [
    ['predictions', 'score'],
    ['baseline', 'base'],
  ]) {
    for (const [extension, options] of [
      ['csv', '(HEADER)'],
      ['parquet', '(FORMAT parquet)'],
    ]) {
      const path = join(folder, `${name}.${extension}`);
      await connection.run(`COPY (SELECT label, ${column} AS score FROM t ORDER BY i) TO '${path}' ${options}`);
      files[`${name}.${extension}`] = path;
    }
  }
  connection.closeSync();
  instance.closeSync();
  return files;
}

/** The CLI's timed groups (`✔ Read predictions (8.9s)`) as milliseconds by name. */
function groupTimes(output) {
  const times = {};
  for (const match of output.matchAll(/^✔ (.+) \(([\d.]+)s\)$/gm)) times[match[1]] = Number(match[2]) * 1000;
  return times;
}

async function endToEnd(folder) {
  const count = Number(process.env.TEST_MODEL_E2E_ROWS ?? 10_000_000);
  if (count === 0) return;
  const resamples = Number(process.env.TEST_MODEL_RESAMPLES ?? 100);
  const peers = process.env.BENCH_PEERS_PYTHON ?? join(root, '.cache', 'venv-bench-peers', 'bin', 'python');
  const cli = join(root, 'shared', 'bin', 'mlops.js');
  if (!existsSync(peers) || !existsSync(TIME)) {
    console.log(`(end to end skipped: needs ${peers} with pandas, pyarrow, scikit-learn, and ${TIME})`);
    return;
  }
  const started = performance.now();
  const files = await writePredictionFiles(folder, count);
  console.log(
    `\nend to end from the file, ${count.toLocaleString('en')} rows (files written in ${((performance.now() - started) / 1000).toFixed(1)} s):`,
  );
  const tests = join(folder, 'tests.yml');
  await writeFile(
    tests,
    // One gated metric, so one metric is bootstrapped on either side (every gated metric is, in ours).
    `version: 1\nmetrics:\n  accuracy: { min: 0.5, max-drop: 0.05 }\nsignificance: { resamples: ${resamples}, seed: 0 }\n`,
  );
  const cases = [
    ['CSV', 'predictions.csv', undefined],
    ['Parquet', 'predictions.parquet', undefined],
    ['CSV + baseline', 'predictions.csv', 'baseline.csv'],
    ['Parquet + baseline', 'predictions.parquet', 'baseline.parquet'],
  ];
  let failed = false;
  const oursRuns = Number(process.env.TEST_MODEL_E2E_RUNS ?? 3);
  const peerRuns = Number(process.env.TEST_MODEL_E2E_PEER_RUNS ?? 1);
  console.log(
    `  (ours: median of ${oursRuns} runs; the peer: median of ${peerRuns}; each part's median on its own line)`,
  );
  for (const [name, predictions, baseline] of cases) {
    const outDir = join(folder, `out-${name.replace(/\W+/g, '-')}`);
    const oursArgs = [
      cli,
      'test-model',
      '--predictions',
      files[predictions],
      '--tests',
      tests,
      '--baseline',
      baseline ? files[baseline] : 'none',
      '--out-dir',
      outDir,
    ];
    const peerArgs = [
      '-c',
      PEER,
      files[predictions],
      baseline ? files[baseline] : '',
      String(resamples),
      join(folder, 'peer.json'),
    ];
    const ourRuns = [];
    for (let run = 0; run < oursRuns; run += 1) {
      const ours = await measured(process.execPath, oursArgs);
      if (ours.code !== 0)
        throw new Error(`ours failed on ${name}: ${ours.stdout.slice(-2000)}${ours.stderr.slice(-2000)}`);
      const groups = groupTimes(ours.stdout + ours.stderr);
      const accounted = Object.values(groups).reduce((sum, ms) => sum + ms, 0);
      ourRuns.push({ ...ours, groups: { ...groups, 'start-up, render and the rest': ours.wallMs - accounted } });
    }
    const peerResults = [];
    for (let run = 0; run < peerRuns; run += 1) {
      const peer = await measured(peers, peerArgs);
      if (peer.code !== 0) throw new Error(`peer failed on ${name}: ${peer.stderr.slice(-2000)}`);
      const theirs = JSON.parse(peer.stdout);
      peerResults.push({
        ...peer,
        theirs,
        groups: Object.fromEntries(Object.entries(theirs.steps).map(([k, v]) => [k, v * 1000])),
      });
    }
    const theirs = peerResults[0].theirs;
    const difference = Math.max(
      ...ourRuns.map((ours) => metricDifference(ours.stdout, 'metrics', theirs.values)),
      ...(theirs.baseline
        ? ourRuns.map((ours) => metricDifference(ours.stdout, 'baseline-metrics', theirs.baseline))
        : []),
    );
    const oursWall = median(ourRuns.map((run) => run.wallMs));
    const oursPeak = median(ourRuns.map((run) => run.peakMiB));
    const peerWall = median(peerResults.map((run) => run.wallMs));
    const peerPeak = median(peerResults.map((run) => run.peakMiB));
    const ratio = oursWall / peerWall;
    const ms = (value) => `${(value / 1000).toFixed(2)} s`;
    const parts = (runs) =>
      Object.keys(runs[0].groups)
        .map((part) => `${part.toLowerCase()} ${ms(median(runs.map((run) => run.groups[part] ?? 0)))}`)
        .join(', ');
    console.log(`  ${name}:`);
    console.log(
      `    ours (CLI)           ${ms(oursWall)} (runs ${ourRuns.map((run) => ms(run.wallMs)).join(', ')}), peak RSS ${oursPeak.toFixed(0)} MiB`,
    );
    console.log(`      ${parts(ourRuns)}`);
    console.log(
      `    pandas+scikit-learn  ${ms(peerWall)} (runs ${peerResults.map((run) => ms(run.wallMs)).join(', ')}), peak RSS ${peerPeak.toFixed(0)} MiB`,
    );
    console.log(`      ${parts(peerResults)}`);
    const met = ratio <= 0.1 && oursPeak < peerPeak;
    console.log(
      `    ratio ${ratio.toFixed(3)}× wall (goal ≤ 0.1×), RSS ${(oursPeak / peerPeak).toFixed(2)}× (goal < 1): ${met ? 'met' : 'MISSED'} · ` +
        `largest metric difference ${difference.toExponential(2)}`,
    );
    if (difference > 1e-9) failed = true;
  }
  if (failed) {
    console.error('ours and scikit-learn disagree by more than 1e-9 on a metric');
    process.exitCode = 1;
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The largest difference between metrics the CLI printed (its `metrics=` output, or another) and scikit-learn's. */
function metricDifference(output, name, theirs) {
  const line = new RegExp(`^\\s*${name}=(\\{.*\\})$`, 'm').exec(output);
  if (!line) throw new Error(`the CLI printed no ${name} output`);
  const ours = JSON.parse(line[1]);
  return Math.max(...Object.keys(theirs).map((key) => Math.abs(ours[key] - theirs[key])));
}

const endToEndFolder = await mkdtemp(join(tmpdir(), 'bench-test-model-e2e-'));
try {
  await endToEnd(endToEndFolder);
} finally {
  await rm(endToEndFolder, { recursive: true, force: true });
}

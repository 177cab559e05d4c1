#!/usr/bin/env node
// Binary model metrics on 10M predictions: ours (shared/lib/metrics, the tsc output: run `npx tsc -b` first) against
// scikit-learn computing the same metrics on the same data in the same run. The data (seeded PRNG, ~30% positives,
// continuous probabilities so every score is its own threshold) is generated once here and written as raw
// Int32/Float64 files that the Python side reads with np.fromfile; only the metric computation is timed on either
// side. Each side runs twice and keeps its faster run. Prints both times, the ratio (goal ≤ 1.0×), the largest
// difference between the two sides' values and each side's peak memory.
import { spawnSync } from 'node:child_process';
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

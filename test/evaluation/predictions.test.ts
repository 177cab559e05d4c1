import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type ColumnSpec,
  ConfigurationError,
  createRandom,
  type DataEngine,
  evaluatePredictions,
  evaluateSlices,
  MemoryLogger,
  openDataEngine,
  quoteLiteral,
  readPredictions,
  resolveColumns,
  resolveDataFiles,
} from '../../shared/src/index.js';
import { expectClose, normal } from '../metrics/support.js';
import { runReference } from '../support/python.js';

let engine: DataEngine;
let dir: string;

beforeAll(async () => {
  engine = await openDataEngine({ log: new MemoryLogger() });
  dir = await mkdtemp(join(tmpdir(), 'predictions-'));
});
afterAll(() => engine.close());

const SPEC: ColumnSpec = { label: 'label', prediction: 'prediction', score: 'score', probabilities: [] };

async function read(name: string, content: string | undefined, spec: Partial<ColumnSpec> = {}) {
  if (content !== undefined) await writeFile(join(dir, name), content);
  const files = await resolveDataFiles([name], dir, 'predictions');
  return readPredictions(engine, files, { ...SPEC, ...spec }, 'predictions');
}

async function readError(name: string, content: string, spec: Partial<ColumnSpec> = {}): Promise<ConfigurationError> {
  const error = await read(name, content, spec).then(
    () => expect.fail('expected a ConfigurationError'),
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigurationError);
  return error as ConfigurationError;
}

const REGIONS = ['EU', 'US', 'APAC'];

/** Binary predictions with scores rounded to two decimals, so ties are frequent. */
function binaryRows(count: number, seed: number) {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => {
    const label = random() < 0.35 ? 1 : 0;
    const score = Math.round(100 / (1 + Math.exp(-(1.2 * normal(random) + (label ? 0.9 : -0.6))))) / 100;
    return { label, score, region: REGIONS[Math.floor(random() * 3)]! };
  });
}

const SKLEARN_BINARY = `
import numpy as np
from sklearn import metrics as M
def binary(y, s, threshold=0.5):
    p = (s >= threshold).astype(int)
    tn, fp, fn, tp = M.confusion_matrix(y, p, labels=[0, 1]).ravel()
    return {"accuracy": M.accuracy_score(y, p), "precision": M.precision_score(y, p, zero_division=0),
            "recall": M.recall_score(y, p, zero_division=0), "f1": M.f1_score(y, p, zero_division=0),
            "roc_auc": M.roc_auc_score(y, s), "pr_auc": M.average_precision_score(y, s),
            "log_loss": M.log_loss(y, s, labels=[0, 1]), "brier": M.brier_score_loss(y, s),
            "confusion": [[int(tn), int(fp)], [int(fn), int(tp)]]}
`;

describe('predictions through DuckDB, metrics equal to scikit-learn', () => {
  test('binary CSV with tied scores, and its slices', async () => {
    const rows = binaryRows(3000, 7);
    const csv = `label,score,region\n${rows.map((row) => `${row.label},${row.score},${row.region}`).join('\n')}\n`;
    const columns = await read('binary.csv', csv, { slices: ['region'] });
    expect(columns.rows).toBe(3000);
    const evaluation = evaluatePredictions(columns, { threshold: 0.5 });
    expect(evaluation.task).toBe('binary');
    const reference = await runReference<Record<string, Record<string, number> & { confusion: number[][] }>>(
      `${SKLEARN_BINARY}
y = np.array(data["y"]); s = np.array(data["s"]); r = np.array(data["r"])
result = {"all": binary(y, s)}
for region in sorted(set(data["r"])):
    mask = r == region
    result[region] = binary(y[mask], s[mask])`,
      { y: rows.map((row) => row.label), s: rows.map((row) => row.score), r: rows.map((row) => row.region) },
    );
    const { confusion, ...expected } = reference.all!;
    for (const [name, value] of Object.entries(expected)) expectClose(evaluation.metrics[name], value as number);
    expect(evaluation.confusion).toEqual({ labels: ['0', '1'], matrix: confusion });
    expect(Object.keys(evaluation.metrics).sort()).toEqual(Object.keys(expected).sort());

    const slices = evaluateSlices(resolveColumns(columns, { threshold: 0.5 }), columns.slices, 0.5, 30);
    expect(slices.map((slice) => slice.value)).toEqual(['APAC', 'EU', 'US']);
    for (const slice of slices) {
      const { confusion: _, ...sliceExpected } = reference[slice.value]!;
      expect(slice.rows).toBe(rows.filter((row) => row.region === slice.value).length);
      for (const [name, value] of Object.entries(sliceExpected)) expectClose(slice.metrics[name], value as number);
    }
  });

  test('a slice with a single class keeps its counting metrics and leaves ROC/PR AUC out', async () => {
    const csv = 'label,score,region\n1,0.9,EU\n1,0.4,EU\n0,0.2,US\n1,0.7,US\n0,0.6,US\n';
    const columns = await read('one-class-slice.csv', csv, { slices: ['region'] });
    const [eu] = evaluateSlices(resolveColumns(columns, { threshold: 0.5 }), columns.slices, 0.5, 1);
    const reference = await runReference<Record<string, number>>(
      `from sklearn import metrics as M
y = [1, 1]; p = [1, 0]; s = [0.9, 0.4]
result = {"accuracy": M.accuracy_score(y, p), "recall": M.recall_score(y, p), "brier": M.brier_score_loss(y, s, pos_label=1),
          "log_loss": M.log_loss(y, s, labels=[0, 1])}`,
    );
    expect(eu?.value).toBe('EU');
    expect(eu?.metrics.roc_auc).toBeUndefined();
    for (const [name, value] of Object.entries(reference)) expectClose(eu?.metrics[name], value);
  });

  test('multiclass JSON Lines with text labels and proba_* columns', async () => {
    const random = createRandom(11);
    const classes = ['cat', 'dog', 'emu'];
    const rows = Array.from({ length: 600 }, () => {
      const label = classes[Math.floor(random() * 3)]!;
      const raw = classes.map((name) => Math.exp(normal(random) + (name === label ? 1.2 : 0)));
      const total = raw.reduce((sum, value) => sum + value, 0);
      const proba = raw.map((value) => value / total);
      const prediction = classes[proba.indexOf(Math.max(...proba))]!;
      return { label, prediction, proba_cat: proba[0]!, proba_dog: proba[1]!, proba_emu: proba[2]! };
    });
    const jsonl = `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`;
    const columns = await read('multi.jsonl', jsonl, { probabilities: ['proba_*'] });
    const evaluation = evaluatePredictions(columns, { threshold: 0.5 });
    expect(evaluation.task).toBe('multiclass');
    const reference = await runReference<Record<string, number | number[][]>>(
      `from sklearn import metrics as M
y = data["y"]; p = data["p"]; P = data["P"]
result = {"accuracy": M.accuracy_score(y, p), "log_loss": M.log_loss(y, P, labels=["cat", "dog", "emu"]),
          "confusion": M.confusion_matrix(y, p, labels=["cat", "dog", "emu"]).tolist()}
for average in ["macro", "weighted"]:
    result["precision_" + average] = M.precision_score(y, p, average=average)
    result["recall_" + average] = M.recall_score(y, p, average=average)
    result["f1_" + average] = M.f1_score(y, p, average=average)`,
      {
        y: rows.map((row) => row.label),
        p: rows.map((row) => row.prediction),
        P: rows.map((row) => [row.proba_cat, row.proba_dog, row.proba_emu]),
      },
    );
    const { confusion, ...expected } = reference;
    for (const [name, value] of Object.entries(expected)) expectClose(evaluation.metrics[name], value as number);
    expect(evaluation.confusion).toEqual({ labels: classes, matrix: confusion });
    expect(evaluation.perClass?.map((row) => row.label)).toEqual(classes);
  });

  test('regression from Parquet', async () => {
    const random = createRandom(3);
    const rows = Array.from({ length: 500 }, () => {
      const target = 10 + 5 * normal(random);
      return { target, predicted: target + normal(random) };
    });
    const csvPath = join(dir, 'regression-source.csv');
    await writeFile(csvPath, `target,predicted\n${rows.map((row) => `${row.target},${row.predicted}`).join('\n')}\n`);
    await engine.rows(
      `COPY (SELECT * FROM read_csv(${quoteLiteral(csvPath)})) TO ${quoteLiteral(join(dir, 'regression.parquet'))} (FORMAT parquet)`,
    );
    const columns = await read('regression.parquet', undefined, { label: 'target', prediction: 'predicted' });
    const evaluation = evaluatePredictions(columns, { threshold: 0.5 });
    expect(evaluation.task).toBe('regression');
    const expected = await runReference<Record<string, number>>(
      `from sklearn import metrics as M
y = data["y"]; p = data["p"]
result = {"mae": M.mean_absolute_error(y, p), "mse": M.mean_squared_error(y, p), "rmse": M.root_mean_squared_error(y, p),
          "r2": M.r2_score(y, p), "mape": M.mean_absolute_percentage_error(y, p), "median_absolute_error": M.median_absolute_error(y, p)}`,
      { y: Array.from(columns.labels), p: Array.from(columns.predictions!) },
    );
    for (const [name, value] of Object.entries(expected)) expectClose(evaluation.metrics[name], value);
  });

  test('binary without a score column: hard predictions stand in for scores, and the report says so', async () => {
    const columns = await read('hard.csv', 'label,prediction\n1,1\n0,0\n1,0\n0,1\n1,1\n');
    const evaluation = evaluatePredictions(columns, { threshold: 0.5 });
    const expected = await runReference<number>(
      'from sklearn import metrics as M\nresult = M.roc_auc_score([1, 0, 1, 0, 1], [1, 0, 0, 1, 1])',
    );
    expectClose(evaluation.metrics.roc_auc, expected);
    expect(evaluation.notes[0]).toContain('computed from the hard 0/1 predictions');
  });
});

describe('bad predictions are clear errors naming the file and line', () => {
  test.each([
    [
      'the label column is missing',
      'no-label.csv',
      'target,score\n1,0.9\n',
      {},
      "Input 'label-column': column 'label' is not in no-label.csv; its columns are target, score.",
      undefined,
    ],
    [
      'scores that are not numbers',
      'text-scores.csv',
      'label,score\n1,0.9\n0,0.2\n1,high\n',
      {},
      `Input 'predictions': text-scores.csv:4: the score column 'score' holds "high", which is not a number; scores must be numeric.`,
      4,
    ],
    [
      'a NaN score',
      'nan-scores.csv',
      'label,score\n1,0.9\n0,NaN\n',
      {},
      "Input 'predictions': nan-scores.csv:3: the score column 'score' holds nan; scores must be finite numbers (drop or fix the rows first).",
      3,
    ],
    [
      'a missing label',
      'null-label.jsonl',
      '{"label": 1, "score": 0.9}\n{"label": null, "score": 0.2}\n',
      {},
      "Input 'predictions': null-label.jsonl:2: the label column 'label' is empty; every row needs a value (drop or impute the rows first).",
      2,
    ],
    [
      'an empty file',
      'empty.csv',
      '',
      {},
      "Input 'predictions': 'empty.csv' is empty; it should hold one row per example.",
      undefined,
    ],
    [
      'a header without rows',
      'header.csv',
      'label,score\n',
      {},
      "Input 'predictions': header.csv has a header but no rows; metrics need at least one example.",
      undefined,
    ],
    [
      'neither predictions nor scores',
      'labels-only.csv',
      'label,region\n1,EU\n',
      {},
      "neither the prediction column 'prediction' nor the score column 'score' is in labels-only.csv",
      undefined,
    ],
    [
      'probability columns that match nothing',
      'no-proba.csv',
      'label,prediction\n1,1\n',
      { probabilities: ['proba_*'] },
      "Input 'probability-columns': column 'proba_*' is not in no-proba.csv",
      undefined,
    ],
  ])('%s', async (_name, file, content, spec, message, line) => {
    const error = await readError(file, content, spec);
    expect(error.message).toContain(message);
    expect(error.location.line).toBe(line);
  });

  test('a single class is a clear error, not a NaN', async () => {
    const columns = await read('one-class.csv', 'label,score\n1,0.9\n1,0.4\n1,0.7\n');
    expect(() => evaluatePredictions(columns, { threshold: 0.5 })).toThrow(
      "Input 'label-column': every one of the 3 labels in 'label' is 1 (positive): ROC AUC and PR AUC are undefined with a single class",
    );
  });

  test('binary labels other than 0/1 name the row', async () => {
    const columns = await read('bad-binary.csv', 'label,score\n0,0.9\n2,0.4\n');
    expect(() => evaluatePredictions(columns, { task: 'binary', threshold: 0.5 })).toThrow(
      "Input 'label-column': row 2 of column 'label' is 2; binary metrics need labels 0 and 1",
    );
  });

  test('text labels for a binary task are refused (which class is positive?)', async () => {
    const columns = await read('text-binary.csv', 'label,score\nspam,0.9\nham,0.4\n');
    const resolved = () => resolveColumns(columns, { task: 'binary', threshold: 0.5 });
    expect(resolved).toThrow("column 'label' holds text labels (ham, spam)");
  });
});

describe('several files read as one table, in file order', () => {
  // Enough rows for DuckDB to read each file in several parallel pieces: the order must survive that.
  const rowsOf = (count: number, seed: number) => {
    const random = createRandom(seed);
    return Array.from({ length: count }, (_, index) => ({ label: index % 3 === 0 ? 1 : 0, score: random() }));
  };
  const csv = (rows: { label: number; score: number | string }[]) =>
    `label,score\n${rows.map((row) => `${row.label},${row.score}`).join('\n')}\n`;

  test('the rows come in file order, then row order, as the files hold them', async () => {
    const first = rowsOf(150_000, 1);
    const second = rowsOf(70_000, 2);
    await writeFile(join(dir, 'ordered-1.csv'), csv(first));
    await writeFile(join(dir, 'ordered-2.csv'), csv(second));
    const files = await resolveDataFiles(['ordered-*.csv'], dir, 'predictions');
    const columns = await readPredictions(engine, files, SPEC, 'predictions');
    const expected = [...first, ...second];
    expect(columns.rows).toBe(220_000);
    expect(Array.from(columns.labels)).toEqual(expected.map((row) => row.label));
    expect(Array.from(columns.scores!)).toEqual(expected.map((row) => row.score));
  });

  test('a bad value in the second file names that file and its own line', async () => {
    const second: { label: number; score: number | string }[] = rowsOf(90_000, 4);
    second[80_000] = { label: 1, score: 'inf' };
    await writeFile(join(dir, 'located-1.csv'), csv(rowsOf(120_000, 3)));
    await writeFile(join(dir, 'located-2.csv'), csv(second));
    const files = await resolveDataFiles(['located-*.csv'], dir, 'predictions');
    const error = await readPredictions(engine, files, SPEC, 'predictions').then(
      () => expect.fail('expected a ConfigurationError'),
      (thrown: unknown) => thrown as ConfigurationError,
    );
    expect(error.message).toBe(
      "Input 'predictions': located-2.csv:80002: the score column 'score' holds inf; scores must be finite numbers (drop or fix the rows first).",
    );
  });
});

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  ConfigurationError,
  flattenMetrics,
  readModelMetricsFile,
  readModelMetricsFiles,
} from '../../shared/src/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'metric-files-'));
});

async function file(name: string, content: string) {
  const path = join(dir, name);
  await writeFile(path, content);
  return { path, display: name };
}

async function errorOf(work: Promise<unknown>): Promise<ConfigurationError> {
  const error = await work.then(
    () => expect.fail('expected a ConfigurationError'),
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigurationError);
  return error as ConfigurationError;
}

describe('metrics files', () => {
  test('nested metrics flatten to dotted names as DVC does; non-numbers are not metrics', () => {
    expect(
      flattenMetrics({
        accuracy: 0.91,
        val: { loss: 0.2, detail: { auc: 0.8 } },
        model: 'xgb',
        tags: [1, 2],
        ok: true,
        none: null,
      }),
    ).toEqual({ accuracy: 0.91, 'val.loss': 0.2, 'val.detail.auc': 0.8, ok: 1 });
  });

  test.each([
    ['JSON', 'm.json', '{"accuracy": 0.91, "val": {"loss": 0.2}}'],
    ['YAML', 'm.yaml', 'accuracy: 0.91\nval:\n  loss: 0.2\n'],
    ['YAML (.yml)', 'm.yml', 'accuracy: 0.91\nval: {loss: 0.2}\n'],
    ['wide CSV', 'm.csv', 'accuracy,val.loss,model\n0.91,0.2,xgb\n'],
    ['long CSV', 'long.csv', 'name,value\naccuracy,0.91\nval.loss,0.2\n'],
    ['TSV', 'm.tsv', 'metric\tvalue\naccuracy\t0.91\nval.loss\t.2\n'],
  ])('%s', async (_name, fileName, content) => {
    const { path, display } = await file(fileName, content);
    expect(await readModelMetricsFile(path, display, 'metrics')).toEqual({ accuracy: 0.91, 'val.loss': 0.2 });
  });

  test.each([
    [
      'a text file',
      'metrics.txt',
      'accuracy=0.9',
      "Input 'metrics': 'metrics.txt' is not a metrics file: use JSON (.json), YAML (.yaml, .yml) or CSV (.csv, .tsv).",
      undefined,
    ],
    [
      'JSON with a missing comma',
      'comma.json',
      '{\n  "accuracy": 0.9\n  "f1": 0.8\n}',
      'comma.json:3: not valid JSON',
      3,
    ],
    [
      'JSON with a missing value',
      'value.json',
      '{\n  "accuracy": 0.9,\n  "f1": \n}',
      'value.json: not valid JSON',
      undefined,
    ],
    ['a JSON list', 'list.json', '[0.9, 0.8]', 'broken', 1],
    [
      'a YAML scalar',
      'scalar.yaml',
      'just text\n',
      'a metrics file must be a YAML mapping of metric names to numbers',
      1,
    ],
    ['an empty file', 'empty.json', '', "Input 'metrics': 'empty.json' is empty", undefined],
    ['no numbers', 'words.json', '{"model": "xgb"}', 'no numeric metric found', 1],
    [
      'a dotted key twice',
      'twice.json',
      '{"val.loss": 1,\n "val": {"loss": 2}}',
      "metric 'val.loss' is given twice",
      2,
    ],
    [
      'a CSV with two value rows',
      'rows.csv',
      'accuracy,f1\n0.9,0.8\n0.91,0.81\n',
      'exactly one row under its header',
      3,
    ],
    [
      'a long CSV with text values',
      'bad-long.csv',
      'name,value\naccuracy,high\n',
      'bad-long.csv:2: expected a metric name and a number',
      2,
    ],
  ])('%s is a clear error', async (_name, fileName, content, message, line) => {
    const { path, display } = await file(fileName, content);
    const error = await errorOf(readModelMetricsFile(path, display, 'metrics'));
    if (message === 'broken') expect(error.message).toContain('a metrics file must be a JSON object');
    else expect(error.message).toContain(message);
    expect(error.location.input).toBe('metrics');
    expect(error.location.line).toBe(line);
  });

  test('a metric in two files is an error naming both', async () => {
    const first = await file('a.json', '{"accuracy": 0.9}');
    const second = await file('b.yaml', 'accuracy: 0.8\n');
    const error = await errorOf(readModelMetricsFiles([first, second], 'metrics'));
    expect(error.message).toBe(
      "Input 'metrics': metric 'accuracy' is in both a.json and b.yaml; give each metric once.",
    );
  });

  test('several files merge, each metric remembering its file', async () => {
    const first = await file('c.json', '{"accuracy": 0.9}');
    const second = await file('d.yaml', 'latency:\n  p95_ms: 41\n');
    expect(await readModelMetricsFiles([first, second], 'metrics')).toEqual({
      metrics: { accuracy: 0.9, 'latency.p95_ms': 41 },
      sources: { accuracy: 'c.json', 'latency.p95_ms': 'd.yaml' },
    });
  });
});

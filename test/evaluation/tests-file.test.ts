import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  ConfigurationError,
  checkTestedMetrics,
  parseConfig,
  readTestsFile,
  TESTS_SCHEMA,
} from '../../shared/src/index.js';
import { repositoryRoot } from '../support/run-action.js';

const ISSUE_EXAMPLE = `version: 1
metrics:
  accuracy: {min: 0.85}
  f1:       {min: 0.80, max-drop: 0.01}            # absolute drop allowed vs baseline
  roc_auc:  {min: 0.90, max-relative-drop: 0.02}
  rmse:     {max: 3.2, max-rise: 0.1}
  latency_p95_ms: {max: 50}                        # any metric from a metrics file
significance: {alpha: 0.05, method: bootstrap, resamples: 2000}   # flags changes vs baseline predictions
slices:
  by: [region, plan]
  min-rows: 30
  metrics: {accuracy: {min: 0.80, max-gap: 0.05}}  # per slice, and best-minus-worst slice
`;

function read(text: string) {
  return readTestsFile(parseConfig(text, 'ml/tests.yml', 'tests'));
}

function errorOf(work: () => unknown): ConfigurationError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  return expect.fail('expected a ConfigurationError');
}

describe('tests file', () => {
  test("the issue's example reads as written, with defaults filled in", () => {
    const tests = read(ISSUE_EXAMPLE);
    expect(tests.metrics).toEqual({
      accuracy: { min: 0.85 },
      f1: { min: 0.8, 'max-drop': 0.01 },
      roc_auc: { min: 0.9, 'max-relative-drop': 0.02 },
      rmse: { max: 3.2, 'max-rise': 0.1 },
      latency_p95_ms: { max: 50 },
    });
    expect(tests.significance).toEqual({ alpha: 0.05, method: 'bootstrap', resamples: 2000, seed: 0 });
    expect(tests.slices).toEqual({
      by: ['region', 'plan'],
      minRows: 30,
      metrics: { accuracy: { min: 0.8, 'max-gap': 0.05 } },
    });
  });

  test.each([
    [
      'an unknown top-level key',
      'version: 1\nmetric:\n  accuracy: {min: 0.8}\n',
      2,
      "unknown key 'metric'; allowed here: version, metrics, significance, slices",
    ],
    [
      'an unknown gate',
      'version: 1\nmetrics:\n  accuracy:\n    minimum: 0.8\n',
      4,
      "unknown key 'minimum'; allowed here: min, max, max-drop, max-relative-drop, max-rise, direction",
    ],
    ['max-gap outside slices', 'version: 1\nmetrics:\n  accuracy: {max-gap: 0.1}\n', 3, "unknown key 'max-gap'"],
    ['a threshold that is text', 'version: 1\nmetrics:\n  f1:\n    min: high\n', 4, "'min' must be number"],
    ['a negative drop', 'version: 1\nmetrics:\n  f1: {max-drop: -0.1}\n', 3, "'max-drop' must be >= 0"],
    ['a wrong version', 'version: 2\n', 1, "'version' must be 1"],
    ['no version', 'metrics: {}\n', 1, "the tests file needs 'version'"],
    ['an empty gate', 'version: 1\nmetrics:\n  f1: {}\n', 3, "'f1' needs at least one of min, max"],
    ['slices without by', 'version: 1\nslices:\n  min-rows: 10\n', 3, "'slices' needs 'by'"],
    [
      'an unknown significance method',
      'version: 1\nsignificance: {method: permutation}\n',
      2,
      "'method' must be one of bootstrap",
    ],
    ['min above max', 'version: 1\nmetrics:\n  f1: {min: 0.9, max: 0.8}\n', 3, 'min 0.9 is above max 0.8'],
    [
      'max-drop on a lower-is-better metric',
      'version: 1\nmetrics:\n  rmse:\n    max-drop: 0.1\n',
      4,
      "lower is better for 'rmse', so a drop is an improvement; limit the regression with 'max-rise'",
    ],
    [
      'max-rise on a higher-is-better metric',
      'version: 1\nmetrics:\n  f1:\n    max-rise: 0.1\n',
      4,
      "higher is better for 'f1'",
    ],
    [
      'max-rise on a custom higher-is-better metric',
      'version: 1\nmetrics:\n  uplift:\n    direction: higher\n    max-rise: 0.1\n',
      5,
      "higher is better for 'uplift'",
    ],
    [
      'a built-in metric with the wrong direction',
      'version: 1\nmetrics:\n  rmse: {max: 3, direction: higher}\n',
      3,
      "'rmse' is a built-in metric where lower is better",
    ],
    ['a duplicate key', 'version: 1\nmetrics:\n  f1: {min: 0.8}\n  f1: {min: 0.9}\n', 4, 'Map keys must be unique'],
  ])('%s is an error at its line', (_name, text, line, message) => {
    const error = errorOf(() => read(text));
    expect(error.message).toContain(message);
    expect(error.message).toMatch(new RegExp(`^ml/tests\\.yml:${line}: `));
    expect(error.location).toMatchObject({ file: 'ml/tests.yml', line, input: 'tests' });
  });

  test.each([
    [
      'a typo of a built-in metric',
      'acuracy',
      ['accuracy', 'f1'],
      "unknown metric 'acuracy'",
      "Did you mean 'accuracy'?",
    ],
    [
      'a regression metric on a binary model',
      'rmse',
      ['accuracy', 'f1'],
      "unknown metric 'rmse'",
      "'rmse' is a regression metric and this is a binary model.",
    ],
    ['a metric no file has', 'latency_p95_ms', ['accuracy'], "unknown metric 'latency_p95_ms'", 'are accuracy.'],
  ])('%s is an error at the line of its key', (_name, metric, available, message, hint) => {
    const tests = read(`version: 1\nmetrics:\n  accuracy: {min: 0.5}\n  ${metric}: {max: 50}\n`);
    const error = errorOf(() => checkTestedMetrics(tests, available, 'binary'));
    expect(error.message).toContain(message);
    expect(error.message).toContain(hint);
    expect(error.location).toMatchObject({ file: 'ml/tests.yml', line: 4, input: 'tests' });
  });

  test('slice metrics are checked against the metrics computed per slice', () => {
    const tests = read('version: 1\nslices:\n  by: [region]\n  metrics:\n    latency_p95_ms: {max: 50}\n');
    const error = errorOf(() => checkTestedMetrics(tests, ['accuracy', 'latency_p95_ms'], 'binary', ['accuracy']));
    expect(error.message).toContain(
      "ml/tests.yml:5: unknown metric 'latency_p95_ms': the metrics computed per slice are accuracy.",
    );
  });

  test('known metrics pass the check', () => {
    const tests = read(ISSUE_EXAMPLE);
    expect(() =>
      checkTestedMetrics(tests, ['accuracy', 'f1', 'roc_auc', 'rmse', 'latency_p95_ms'], undefined, ['accuracy']),
    ).not.toThrow();
  });

  test('schemas/tests.schema.json is the schema the code validates with', async () => {
    const file = JSON.parse(await readFile(join(repositoryRoot, 'schemas', 'tests.schema.json'), 'utf8'));
    expect(file).toEqual(JSON.parse(JSON.stringify(TESTS_SCHEMA)));
  });
});

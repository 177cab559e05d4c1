import { expect, test } from 'vitest';
import {
  BUILTIN_METRICS,
  detectTask,
  type ModelTask,
  metricDirection,
  metricFunction,
  metricsForTask,
  precisionRecallF1,
  rocAucScore,
} from '../../shared/src/metrics/index.js';

test.each<[string, Parameters<typeof detectTask>[0], ModelTask]>([
  ['one score column', { labels: [0, 1, 2], scores: [[0.2, 0.4, 0.9]] }, 'binary'],
  ['three score columns', { labels: [0, 1], scores: [[0.2], [0.3], [0.5]] }, 'multiclass'],
  ['0/1 labels and predictions', { labels: Int32Array.of(0, 1, 1), predictions: [1, 1, 0] }, 'binary'],
  ['a single label value', { labels: [1, 1, 1] }, 'binary'],
  ['labels in {3, 7}', { labels: [3, 7, 7], predictions: [3, 3, 7] }, 'binary'],
  ['three integer classes', { labels: [0, 1, 2], predictions: [0, 1, 1] }, 'multiclass'],
  ['a third class only predicted', { labels: [0, 1, 1], predictions: [0, 2, 1] }, 'multiclass'],
  ['non-integer truth', { labels: [1.5, 2, 3], predictions: [1, 2, 3] }, 'regression'],
  ['integer truth, continuous predictions', { labels: [1, 2, 3], predictions: [1.1, 2, 2.9] }, 'regression'],
])('%s → %s', (_, columns, task) => {
  const detected = detectTask(columns);
  expect(detected.task).toBe(task);
  expect(detected.reason.length).toBeGreaterThan(10);
});

test('every built-in metric has a direction, and losses and errors are lower-is-better', () => {
  const lower = Object.keys(BUILTIN_METRICS).filter((name) => metricDirection(name) === 'lower');
  expect(lower).toEqual(['log_loss', 'brier', 'mae', 'mse', 'rmse', 'mape', 'median_absolute_error']);
});

test('metrics are listed per task, and each name resolves to the function computing it', () => {
  expect(metricsForTask('binary')).toEqual([
    'accuracy',
    'precision',
    'recall',
    'f1',
    'roc_auc',
    'pr_auc',
    'log_loss',
    'brier',
  ]);
  expect(metricsForTask('regression')).toEqual(['mae', 'mse', 'rmse', 'r2', 'mape', 'median_absolute_error']);
  const yTrue = [0, 1, 2, 2, 1, 0];
  const yPred = [0, 2, 2, 2, 1, 1];
  expect(metricFunction('f1_weighted', 'multiclass')(yTrue, yPred)).toBe(precisionRecallF1(yTrue, yPred).weighted.f1);
  const scores = [0.1, 0.9, 0.4, 0.6];
  expect(metricFunction('roc_auc', 'binary')([0, 1, 0, 1], scores)).toBe(rocAucScore([0, 1, 0, 1], scores));
  for (const task of ['binary', 'multiclass', 'regression'] as const) {
    for (const name of metricsForTask(task)) {
      if (!(task === 'multiclass' && name === 'log_loss')) expect(metricFunction(name, task)).toBeTypeOf('function');
    }
  }
});

import { describe, expect, test } from 'vitest';
import {
  describePredictionMismatch,
  evaluateSliceThresholds,
  failedThresholdLine,
  type PredictionColumns,
  resolveColumns,
} from '../../shared/src/index.js';

describe("test-model's error line names the slice that failed", () => {
  const slice = (value: string, recall: number) => ({
    column: 'city',
    value,
    rows: 100,
    tooSmall: false,
    metrics: { recall },
  });

  test('a per-slice gate is led by column=value, a gap gate by its column, a model gate by nothing', () => {
    const gates = evaluateSliceThresholds(
      { by: ['city'], minRows: 25, metrics: { recall: { min: 0.2, 'max-gap': 0.3 } } } as never,
      [slice('paris', 0.175), slice('lyon', 0.9)] as never,
      undefined,
    );
    const failed = gates.filter((gate) => gate.status === 'failed').map(failedThresholdLine);
    expect(failed).toEqual(['city=paris: recall is 0.175, below 0.2', expect.stringMatching(/^city: /)]);
    expect(
      failedThresholdLine({
        id: 'f1.min',
        metric: 'f1',
        kind: 'min',
        limit: 0.8,
        status: 'failed',
        description: 'at least 0.8',
        reason: 'f1 is 0.7, below 0.8',
      }),
    ).toBe('f1 is 0.7, below 0.8');
  });
});

describe('a prediction column that disagrees with score ≥ threshold', () => {
  const columns = (prediction: number[], score: number[]): PredictionColumns =>
    ({
      rows: prediction.length,
      labels: Float64Array.from([1, 0, 1, 0]),
      predictions: Float64Array.from(prediction),
      scores: Float64Array.from(score),
      columns: { label: 'label', prediction: 'prediction', score: 'score' },
      slices: {},
    }) as never;

  test('is said once, with the count, the first row, and which one the metrics use', () => {
    const resolved = resolveColumns(columns([1, 1, 0, 0], [0.9, 0.6, 0.4, 0.2]), { threshold: 0.7, task: 'binary' });
    expect(resolved.predictionMismatch).toBe(
      "Column 'prediction' disagrees with score ≥ 0.7 on 1 of 4 rows (first: row 2, prediction 1, score 0.6). " +
        "The metrics use score ≥ 0.7; set 'threshold' to the one the model predicts with, or drop the 'prediction' column.",
    );
    expect(resolved.notes).toContain(resolved.predictionMismatch);
  });

  test('is not said when every row agrees, or when there are no scores', () => {
    expect(
      resolveColumns(columns([1, 0, 0, 0], [0.9, 0.6, 0.4, 0.2]), { threshold: 0.7, task: 'binary' })
        .predictionMismatch,
    ).toBeUndefined();
    expect(
      describePredictionMismatch(Float64Array.from([1, 0]), Float64Array.from([0.5, 0.49]), 0.5, {}),
    ).toBeUndefined();
    const noScores = { ...columns([1, 0, 1, 0], [0, 0, 0, 0]), scores: undefined } as never;
    expect(resolveColumns(noScores, { threshold: 0.5, task: 'binary' }).predictionMismatch).toBeUndefined();
  });
});

import {
  type ColumnSpec,
  type CommentRequest,
  ConfigurationError,
  type InputReader,
  type ModelTask,
  readCommentRequest,
  SAVE_BASELINE_MODES,
  type SaveBaselineMode,
} from '@mlops-actions/core';

const TASKS = ['binary', 'multiclass', 'regression'] as const satisfies readonly ModelTask[];

export interface Inputs {
  predictions: string[];
  metrics: string[];
  task?: ModelTask;
  columns: ColumnSpec;
  threshold: number;
  tests?: string;
  name?: string;
  /** `auto`, `none`, or a path to a metrics or predictions file. */
  baseline: string;
  saveBaseline: SaveBaselineMode;
  merge: boolean;
  shard?: string;
  comment: CommentRequest;
}

/** Reads and checks every input once, before any work. */
export function getInputs(reader: InputReader): Inputs {
  const predictions = reader.list('predictions');
  const metrics = reader.list('metrics');
  const merge = reader.boolean('merge', false);
  if (predictions.length === 0 && metrics.length === 0 && !merge) {
    throw new ConfigurationError(
      "Give 'predictions' (a CSV, Parquet or JSON Lines file with one row per example) or 'metrics' (JSON, YAML or CSV metric files), or both.",
      { input: 'predictions' },
    );
  }
  const task = reader.enum('task', TASKS);
  const name = reader.optional('name');
  const tests = reader.optional('tests');
  const shard = reader.optional('shard');
  return {
    predictions,
    metrics,
    ...(task ? { task } : {}),
    columns: {
      label: reader.optional('label-column') ?? 'label',
      prediction: reader.optional('prediction-column') ?? 'prediction',
      score: reader.optional('score-column') ?? 'score',
      probabilities: reader.list('probability-columns'),
    },
    threshold: reader.number('threshold', 0.5),
    ...(tests ? { tests } : {}),
    ...(name ? { name } : {}),
    baseline: reader.optional('baseline') ?? 'auto',
    saveBaseline: reader.enum('save-baseline', SAVE_BASELINE_MODES, 'auto'),
    merge,
    ...(shard ? { shard } : {}),
    comment: readCommentRequest(reader, 'test-model'),
  };
}

import type { WebhookPayload } from '../context/index.js';
import { ConfigurationError } from '../errors/index.js';
import type { MetricsPartial, ModelTask } from '../metrics/index.js';
import type { SliceEvaluation } from './compute.js';
import type { FlatMetrics } from './metric-files.js';

/** The files of the metrics artifact a push to the default branch saves, and a later pull request compares with. */
export const SAVED_METRICS_FILE = 'mlops-metrics.json';
export const SAVED_PREDICTIONS_FILE = 'predictions.parquet';

/** What one run of test-model saves: its metrics, slices, mergeable partial and where its predictions are. */
export interface SavedMetrics {
  mlopsMetrics: 1;
  name: string;
  task?: ModelTask;
  count?: number;
  metrics: FlatMetrics;
  slices?: SliceEvaluation[];
  /** Mergeable statistics (shards, and a baseline for metrics the old run did not gate). */
  partial?: MetricsPartial;
  /** Class names of multiclass codes in the partial. */
  classes?: string[];
  threshold?: number;
  /** Columns of the saved predictions file (the same names the run was given). */
  columns?: { label: string; prediction?: string; score?: string; probabilities?: string[] };
  /** The saved predictions file next to this one, when predictions were saved. */
  predictions?: string;
  source: { sha?: string; ref?: string; runUrl?: string; createdAt: string };
}

/** Artifact names allow letters, digits and `-_.`; other characters of a model name become `-`. */
export function artifactSafeName(name: string): string {
  return name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'model';
}

export function metricsArtifactName(name: string): string {
  return `mlops-metrics-${artifactSafeName(name)}`;
}

export function partialArtifactPrefix(name: string): string {
  return `mlops-partial-${artifactSafeName(name)}-`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isSavedMetrics(value: unknown): value is SavedMetrics {
  return isRecord(value) && value.mlopsMetrics === 1 && isRecord(value.metrics);
}

/**
 * A saved metrics file read back: the artifact is untrusted (another run wrote it), so its metric values are
 * checked to be finite numbers before anything compares with them.
 */
export function parseSavedMetrics(text: string, display: string, input: string): SavedMetrics {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`Input '${input}': ${display} is not JSON (${(error as Error).message}).`, { input });
  }
  if (!isSavedMetrics(value)) {
    throw new ConfigurationError(`Input '${input}': ${display} is not a metrics file saved by test-model.`, { input });
  }
  for (const [name, metric] of Object.entries(value.metrics)) {
    if (typeof metric !== 'number' || !Number.isFinite(metric)) {
      throw new ConfigurationError(`Input '${input}': ${display}: metric '${name}' is not a finite number.`, { input });
    }
  }
  return value;
}

/** What a shard saves for the merge job: the partial statistics of its rows. */
export interface PartialFile {
  mlopsPartial: 1;
  name: string;
  shard: string;
  classes?: string[];
  partial: MetricsPartial;
}

export function isPartialFile(value: unknown): value is PartialFile {
  const record = value as Partial<PartialFile> | null;
  return (
    typeof record === 'object' && record !== null && record.mlopsPartial === 1 && typeof record.partial === 'object'
  );
}

/** The workflow file of this run (`ml.yml`), from GITHUB_WORKFLOW_REF (`owner/repo/.github/workflows/ml.yml@ref`). */
export function workflowFileOf(workflowRef: string | undefined): string | undefined {
  const match = /\/\.github\/workflows\/([^@/]+)@/.exec(workflowRef ?? '');
  return match?.[1];
}

/** The branch whose metrics a run compares with: the pull request's base, else the default branch. */
export function baselineBranchOf(
  eventName: string | undefined,
  payload: WebhookPayload | undefined,
): string | undefined {
  if (eventName === 'pull_request' || eventName === 'pull_request_target') return payload?.pull_request?.base?.ref;
  return payload?.repository?.default_branch;
}

export const SAVE_BASELINE_MODES = ['auto', 'true', 'false'] as const;
export type SaveBaselineMode = (typeof SAVE_BASELINE_MODES)[number];

/** `auto` saves on a push to the default branch: the run pull requests compare with. */
export function shouldSaveBaseline(
  mode: SaveBaselineMode,
  eventName: string | undefined,
  refName: string | undefined,
  payload: WebhookPayload | undefined,
): boolean {
  if (mode === 'true') return true;
  if (mode === 'false') return false;
  return eventName === 'push' && refName !== undefined && refName === payload?.repository?.default_branch;
}

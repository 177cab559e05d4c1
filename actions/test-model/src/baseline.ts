// The baseline a run compares with (downloaded from the base branch's last push run, or a file) and the metrics a
// push to the default branch saves as the next baseline.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import {
  type ActionHost,
  baselineBranchOf,
  type ColumnSpec,
  ConfigurationError,
  computeMetrics,
  csvHeaderFields,
  dataFormatOf,
  downloadLatestArtifact,
  type FlatMetrics,
  isSavedMetrics,
  type ModelEvaluation,
  metricsArtifactName,
  type PredictionColumns,
  parseSavedMetrics,
  type RenderedBaseline,
  type ResolvedColumns,
  readModelMetricsFile,
  resolveColumns,
  SAVED_METRICS_FILE,
  SAVED_PREDICTIONS_FILE,
  type SavedMetrics,
  type SliceEvaluation,
  uploadRunArtifact,
  type WebhookPayload,
  workflowFileOf,
  writePredictionsParquet,
} from '@mlops-actions/core';
import type { Inputs } from './inputs.js';
import { githubClient, type LazyEngine, readPredictionFiles } from './sources.js';

export interface Baseline {
  rendered: RenderedBaseline;
  saved?: SavedMetrics;
  /** Per-example columns, when the baseline's predictions are available (for significance). */
  resolved?: ResolvedColumns;
}

/** The metrics artifact of the last successful push run of this workflow on the base branch, or why there is none. */
export async function downloadBaseline(
  host: ActionHost,
  name: string,
  payload: WebhookPayload | undefined,
  engine: LazyEngine,
  inputs: Inputs,
): Promise<Baseline | { note: string }> {
  const { github } = host;
  const artifact = metricsArtifactName(name);
  const branch = baselineBranchOf(github.eventName, payload);
  const workflow = workflowFileOf(host.env.GITHUB_WORKFLOW_REF);
  const none = (why: string) => ({
    note: `No baseline: ${why}. Only absolute thresholds are tested; a push to the default branch saves '${artifact}' for later runs.`,
  });
  if (!branch) return none('this event names no base or default branch');
  if (!workflow) return none('GITHUB_WORKFLOW_REF does not name this workflow file');
  if (!inputs.comment.token || !github.owner || !github.repo) return none("no 'github-token' to look for it");
  const destination = await mkdtemp(join(github.runnerTemp, 'mlops-baseline-'));
  const downloaded = await downloadLatestArtifact(
    githubClient(host, inputs),
    { owner: github.owner, repo: github.repo },
    { workflow, branch, event: 'push' },
    artifact,
    destination,
  );
  if (!downloaded) return none(`no successful push run of ${workflow} on ${branch} saved '${artifact}'`);
  const saved = parseSavedMetrics(
    await readFile(join(destination, SAVED_METRICS_FILE), 'utf8'),
    `artifact '${artifact}' of run ${downloaded.runId}`,
    'baseline',
  );
  host.log.info(
    `Baseline: '${artifact}' of run ${downloaded.runId} on ${branch} (${downloaded.run.headSha.slice(0, 7)}).`,
  );
  return {
    saved,
    rendered: {
      label: branch,
      metrics: saved.metrics,
      ...(saved.slices ? { slices: saved.slices } : {}),
      url: downloaded.run.url,
      sha: downloaded.run.headSha,
    },
    ...(await savedPredictions(saved, destination, engine, inputs, host)),
  };
}

/** The saved predictions of a baseline, resolved with the saved column names (for significance). */
async function savedPredictions(
  saved: SavedMetrics,
  folder: string,
  engine: LazyEngine,
  inputs: Inputs,
  host: ActionHost,
): Promise<{ resolved?: ResolvedColumns }> {
  const path = join(folder, saved.predictions ?? SAVED_PREDICTIONS_FILE);
  if (!saved.predictions || !saved.columns || !existsSync(path)) return {};
  const spec: ColumnSpec = {
    label: saved.columns.label,
    prediction: saved.columns.prediction ?? '',
    score: saved.columns.score ?? '',
    probabilities: saved.columns.probabilities ?? [],
  };
  const read = await readPredictionFiles(await engine.get(), host, [path], spec, 'baseline');
  return {
    resolved: resolveColumns(read, {
      ...(saved.task ? { task: saved.task } : {}),
      threshold: saved.threshold ?? inputs.threshold,
    }),
  };
}

/** `baseline: <path>`: a metrics file saved by test-model, a metrics file, or predictions to compute them from. */
export async function loadBaselineFile(
  host: ActionHost,
  inputs: Inputs,
  spec: ColumnSpec,
  engine: LazyEngine,
): Promise<Baseline> {
  const path = host.inputs.resolveConfined('baseline', inputs.baseline);
  const display = host.inputs.display(path);
  if (!existsSync(path)) {
    throw new ConfigurationError(
      `Input 'baseline': '${display}' does not exist; give 'auto', 'none' or a metrics or predictions file.`,
      { input: 'baseline' },
    );
  }
  const extension = extname(path).toLowerCase();
  if (extension === '.json') {
    const text = await readFile(path, 'utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (isSavedMetrics(parsed)) {
      const saved = parseSavedMetrics(text, display, 'baseline');
      return {
        saved,
        rendered: {
          label: basename(display),
          metrics: saved.metrics,
          ...(saved.slices ? { slices: saved.slices } : {}),
        },
        ...(await savedPredictions(saved, join(path, '..'), engine, inputs, host)),
      };
    }
  }
  const format = dataFormatOf(path);
  const isPredictions =
    format !== undefined &&
    format !== 'json' &&
    (format !== 'csv' || (await csvHeaderFields(path)).includes(spec.label));
  if (!isPredictions) {
    return { rendered: { label: basename(display), metrics: await readModelMetricsFile(path, display, 'baseline') } };
  }
  const read = await readPredictionFiles(
    await engine.get(),
    host,
    [path],
    { ...spec, slices: spec.slices ?? [] },
    'baseline',
  );
  const resolved = resolveColumns(read, { ...(inputs.task ? { task: inputs.task } : {}), threshold: inputs.threshold });
  const evaluation = computeMetrics(resolved, inputs.threshold, { labelColumn: read.columns.label });
  return { rendered: { label: basename(display), metrics: evaluation.metrics }, resolved };
}

/** What this run measured, as the artifact later pull requests compare with. */
export interface MeasuredRun {
  metrics: FlatMetrics;
  evaluation: ModelEvaluation | undefined;
  slices: SliceEvaluation[] | undefined;
  columns: PredictionColumns | undefined;
  classes: string[] | undefined;
}

export async function saveBaseline(
  host: ActionHost,
  name: string,
  { metrics, evaluation, slices, columns, classes }: MeasuredRun,
  engine: LazyEngine,
): Promise<void> {
  const { github, env } = host;
  const artifact = metricsArtifactName(name);
  if (!env.ACTIONS_RUNTIME_TOKEN || !env.ACTIONS_RESULTS_URL) {
    host.log.warning(`Cannot save '${artifact}': the Actions runtime (ACTIONS_RUNTIME_TOKEN) is not available here.`);
    return;
  }
  const folder = await mkdtemp(join(github.runnerTemp, 'mlops-metrics-'));
  const files = [join(folder, SAVED_METRICS_FILE)];
  const saved: SavedMetrics = {
    mlopsMetrics: 1,
    name,
    metrics,
    ...(evaluation ? { task: evaluation.task, count: evaluation.count } : {}),
    ...(evaluation?.threshold !== undefined ? { threshold: evaluation.threshold } : {}),
    ...(evaluation?.partial ? { partial: evaluation.partial } : {}),
    ...(classes ? { classes } : {}),
    ...(slices ? { slices } : {}),
    source: {
      ...(github.sha ? { sha: github.sha } : {}),
      ...(github.ref ? { ref: github.ref } : {}),
      ...(github.runUrl ? { runUrl: github.runUrl } : {}),
      createdAt: new Date().toISOString(),
    },
  };
  if (columns) {
    const parquet = join(folder, SAVED_PREDICTIONS_FILE);
    await writePredictionsParquet(await engine.get(), columns, parquet);
    saved.predictions = SAVED_PREDICTIONS_FILE;
    saved.columns = columns.columns;
    files.push(parquet);
  }
  await writeFile(files[0]!, `${JSON.stringify(saved)}\n`);
  const uploaded = await uploadRunArtifact(artifact, files, folder, 90);
  host.log.info(`Saved the metrics as artifact '${artifact}' (id ${uploaded.id}) for pull requests to compare with.`);
}

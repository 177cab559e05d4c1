import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { downloadLatestArtifact, downloadRunArtifactsByPrefix, uploadRunArtifact } from '../artifacts/index.js';
import type { CommentRequest } from '../comments/publish.js';
import { loadConfigFile } from '../config/index.js';
import { readEventPayload, type WebhookPayload } from '../context/index.js';
import { type DataEngine, openDataEngine } from '../data/engine.js';
import { dataFormatOf, resolveDataFiles } from '../data/files.js';
import { ConfigurationError } from '../errors/index.js';
import { createGitHubClient } from '../github/client.js';
import { type MetricDirection, type MetricsPartial, type ModelTask, mergePartials } from '../metrics/index.js';
import { buildReport, type ReportCheck, reportRun } from '../report/index.js';
import { GateFailure } from '../runner/failure.js';
import type { ActionHost } from '../runner/host.js';
import {
  isSavedMetrics,
  metricsArtifactName,
  parseSavedMetrics,
  partialArtifactPrefix,
  SAVED_METRICS_FILE,
  SAVED_PREDICTIONS_FILE,
  type SavedMetrics,
} from './baseline.js';
import {
  computeMetrics,
  evaluatePartial,
  evaluateSlices,
  type ModelEvaluation,
  type ResolvedColumns,
  resolveColumns,
  type SliceEvaluation,
} from './compute.js';
import { evaluateModelGates, evaluateSliceGates, failedGateLine, type GateResult } from './gates.js';
import { type FlatMetrics, readModelMetricsFile, readModelMetricsFiles } from './metric-files.js';
import {
  type ColumnSpec,
  csvHeaderFields,
  type PredictionColumns,
  readPredictions,
  resolveFiles,
  writePredictionsParquet,
} from './predictions.js';
import { type RenderedBaseline, renderTestModel, testModelView } from './render.js';
import { compareWithBaseline, type SignificanceOutcome } from './significance.js';
import { checkTestedMetrics, directionOf, type ModelTests, readTestsFile } from './tests-file.js';

export const SAVE_BASELINE_MODES = ['auto', 'true', 'false'] as const;
export type SaveBaselineMode = (typeof SAVE_BASELINE_MODES)[number];
export const TASKS = ['binary', 'multiclass', 'regression'] as const;

/** The inputs of test-model, read once by the action (actions/test-model/src/inputs.ts). */
export interface TestModelInputs {
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

interface Baseline {
  rendered: RenderedBaseline;
  saved?: SavedMetrics;
  /** Per-example columns, when the baseline's predictions are available (for significance). */
  resolved?: ResolvedColumns;
}

interface PartialFile {
  mlopsPartial: 1;
  name: string;
  shard: string;
  classes?: string[];
  partial: MetricsPartial;
}

function isPartialFile(value: unknown): value is PartialFile {
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

function checksOf(gates: readonly GateResult[]): ReportCheck[] {
  return gates.map((gate) => ({
    id: gate.id.slice(0, 200),
    title:
      `${gate.slice ? `${gate.slice.column}${gate.slice.value ? `=${gate.slice.value}` : ''}: ` : ''}${gate.metric} ${gate.description}`.slice(
        0,
        500,
      ),
    status: gate.status === 'skipped' ? 'warning' : gate.status,
    severity: gate.status === 'skipped' ? 'info' : 'error',
    ...(gate.observed !== undefined ? { observed: gate.observed } : {}),
    expected: { [gate.kind]: gate.limit },
    ...(gate.reason ? { details: gate.reason } : {}),
  }));
}

class LazyEngine {
  #engine: DataEngine | undefined;
  constructor(private readonly host: ActionHost) {}
  async get(): Promise<DataEngine> {
    this.#engine ??= await openDataEngine({
      log: this.host.log,
      ...(this.host.env.RUNNER_TOOL_CACHE ? { toolCache: this.host.env.RUNNER_TOOL_CACHE } : {}),
    });
    return this.#engine;
  }
  close(): void {
    this.#engine?.close();
  }
}

async function readPredictionFiles(
  engine: DataEngine,
  host: ActionHost,
  patterns: readonly string[],
  spec: ColumnSpec,
  input: string,
): Promise<PredictionColumns> {
  const files = host.inputs.confinedFiles(input, await resolveDataFiles(patterns, host.github.workspace, input));
  return readPredictions(engine, files, spec, input);
}

/**
 * test-model: metrics from predictions (and metrics files), gates from the tests file, a baseline from the base
 * branch's last green run, significance of the changes, slices, and one report for the summary and the PR.
 */
export async function testModel(host: ActionHost, inputs: TestModelInputs): Promise<void> {
  const engine = new LazyEngine(host);
  try {
    await run(host, inputs, engine);
  } finally {
    engine.close();
  }
}

async function run(host: ActionHost, inputs: TestModelInputs, engine: LazyEngine): Promise<void> {
  const { github, log } = host;
  const name = inputs.name ?? github.repo ?? 'model';
  let tests: ModelTests = { metrics: {} };
  if (inputs.tests) {
    const path = host.inputs.resolveConfined('tests', inputs.tests);
    tests = readTestsFile(await loadConfigFile(path, host.inputs.display(path), 'tests'));
  }
  const spec: ColumnSpec = { ...inputs.columns, slices: tests.slices?.by ?? [] };
  const payload = await readEventPayload(github);

  // 1. This model's metrics.
  let evaluation: ModelEvaluation | undefined;
  let resolved: ResolvedColumns | undefined;
  let columns: PredictionColumns | undefined;
  let slices: SliceEvaluation[] | undefined;
  let classes: string[] | undefined;
  if (inputs.merge) {
    if (tests.slices && tests.document) {
      throw tests.document.error(
        ['slices'],
        "slices need per-example predictions, and merged shards hand on partial statistics only; test slices in each shard's own job or drop 'slices' here",
        { key: true },
      );
    }
    const merged = await log.group('Merge shard partials', () => mergeShardArtifacts(host, inputs, name));
    evaluation = evaluatePartial(merged.partial, merged.classes);
    classes = merged.classes;
    evaluation.notes.push(`Merged from ${merged.shards} shard(s).`);
  } else if (inputs.predictions.length > 0) {
    const read = await log.group('Read predictions', async () =>
      readPredictionFiles(await engine.get(), host, inputs.predictions, spec, 'predictions'),
    );
    columns = read;
    await log.group('Compute metrics', async () => {
      resolved = resolveColumns(read, { ...(inputs.task ? { task: inputs.task } : {}), threshold: inputs.threshold });
      if (resolved.predictionMismatch) log.warning(resolved.predictionMismatch, { title: 'test-model: predictions' });
      // The mergeable partial (a pass over every row) only goes into a shard or a saved baseline.
      const partial =
        inputs.shard !== undefined ||
        shouldSaveBaseline(inputs.saveBaseline, github.eventName, github.refName, payload);
      const computed = computeMetrics(resolved, inputs.threshold, { labelColumn: read.columns.label, partial });
      evaluation = computed;
      classes = resolved.task === 'multiclass' ? resolved.classNames : undefined;
      if (tests.slices) slices = evaluateSlices(resolved, read.slices, inputs.threshold, tests.slices.minRows);
      log.info(`${computed.task} model (${computed.taskReason}), ${computed.count} examples.`);
    });
  }
  if (inputs.shard !== undefined) {
    await saveShard(host, inputs, name, evaluation, classes);
    return;
  }
  const metrics: FlatMetrics = { ...(evaluation?.metrics ?? {}) };
  let metricSources: Record<string, string> = {};
  if (inputs.metrics.length > 0) {
    const files = host.inputs.confinedFiles('metrics', await resolveFiles(inputs.metrics, github.workspace, 'metrics'));
    const read = await readModelMetricsFiles(files, 'metrics');
    for (const metric of Object.keys(read.metrics)) {
      if (Object.hasOwn(metrics, metric)) {
        throw new ConfigurationError(
          `Input 'metrics': '${metric}' in ${read.sources[metric]} is also computed from the predictions; rename it in the file.`,
          { input: 'metrics' },
        );
      }
    }
    Object.assign(metrics, read.metrics);
    metricSources = read.sources;
  }
  const sliceable = Object.keys(slices?.[0]?.metrics ?? evaluation?.metrics ?? {});
  checkTestedMetrics(tests, Object.keys(metrics), evaluation?.task, sliceable);

  // 2. The baseline.
  let baselineNote: string | undefined;
  let baseline: Baseline | undefined;
  if (inputs.baseline === 'none') {
    baselineNote = "Baseline 'none': only absolute thresholds are tested.";
  } else if (inputs.baseline === 'auto') {
    const found = await log.group('Find the baseline', () => downloadBaseline(host, name, payload, engine, inputs));
    if ('note' in found) baselineNote = found.note;
    else baseline = found;
  } else {
    baseline = await log.group('Read the baseline', () => loadBaselineFile(host, inputs, spec, engine));
  }
  if (!baseline && inputs.baseline === 'auto' && Object.values(tests.metrics).some((test) => hasRelative(test))) {
    log.warning(`${baselineNote ?? 'No baseline.'} Tests against the baseline are skipped.`);
  }

  // 3. Significance of the changes.
  let significance: SignificanceOutcome | undefined;
  if (tests.significance) {
    if (resolved && baseline?.resolved) {
      const tested = Object.keys(tests.metrics).filter((metric) => Object.hasOwn(evaluation?.metrics ?? {}, metric));
      significance = await log.group('Significance against the baseline', async () =>
        compareWithBaseline(resolved!, baseline!.resolved!, tested, tests.significance!, inputs.threshold),
      );
    } else {
      significance = {
        results: [],
        notes: [
          resolved
            ? "Significance: the baseline's predictions are not available, so changes are not tested against the noise."
            : 'Significance: needs per-example predictions of this model and the baseline; not tested.',
        ],
      };
    }
  }

  // 4. Gates, report, outputs.
  const gates = [
    ...evaluateModelGates(tests.metrics, metrics, baseline?.rendered.metrics),
    ...(tests.slices && slices ? evaluateSliceGates(tests.slices, slices, baseline?.rendered.slices) : []),
  ];
  const failed = gates.filter((gate) => gate.status === 'failed');
  const counted = gates.filter((gate) => gate.status !== 'skipped').length;
  const headline =
    gates.length === 0
      ? `${name}: ${Object.keys(metrics).length} metric(s), no tests configured`
      : failed.length > 0
        ? `${name}: ${failed.length} of ${counted} tests failed`
        : `${name}: all ${counted} tests passed`;
  const directions: Record<string, MetricDirection> = {};
  for (const metric of Object.keys(metrics)) {
    const direction = directionOf(metric, tests);
    if (direction) directions[metric] = direction;
  }
  // Everything the section shows travels in the report, so a fork's report artifact renders the same comment.
  const report = buildReport({
    action: 'test-model',
    headline,
    checks: checksOf(gates),
    run: reportRun(github),
    fields: {
      model: name,
      ...(evaluation ? { task: evaluation.task, examples: evaluation.count } : {}),
      ...(evaluation?.threshold !== undefined ? { threshold: evaluation.threshold } : {}),
      metrics,
      metricSources,
      directions,
      baseline: baseline
        ? {
            label: baseline.rendered.label,
            metrics: baseline.rendered.metrics,
            ...(baseline.rendered.url ? { url: baseline.rendered.url } : {}),
            ...(baseline.rendered.sha ? { sha: baseline.rendered.sha } : {}),
            ...(baseline.rendered.slices ? { slices: baseline.rendered.slices } : {}),
          }
        : { note: baselineNote ?? 'none' },
      gates,
      ...(evaluation?.confusion ? { confusion: evaluation.confusion } : {}),
      ...(evaluation?.perClass ? { perClass: evaluation.perClass } : {}),
      ...(significance ? { significance: significance.results, significanceNotes: significance.notes } : {}),
      ...(slices ? { slices, sliceColumns: tests.slices!.by, sliceMinRows: tests.slices!.minRows } : {}),
      notes: evaluation ? [`Task: ${evaluation.task} (${evaluation.taskReason}).`, ...evaluation.notes] : [],
    },
  });
  const markdown = renderTestModel(testModelView(report));
  await host.publish({ report, markdown, comment: inputs.comment });
  host.setOutput('passed', failed.length === 0);
  host.setOutput('metrics', metrics);
  host.setOutput('baseline-metrics', baseline?.rendered.metrics ?? {});
  host.setOutput(
    'failed-tests',
    failed.map((gate) => gate.id),
  );

  if (shouldSaveBaseline(inputs.saveBaseline, github.eventName, github.refName, payload)) {
    await log.group('Save the metrics as the baseline', () =>
      saveBaseline(host, name, metrics, evaluation, slices, columns, classes, engine),
    );
  }
  if (failed.length > 0) {
    throw new GateFailure(
      `${failed.length} of ${counted} model tests failed: ${failed
        .slice(0, 5)
        .map(failedGateLine)
        .join('; ')}${failed.length > 5 ? '; …' : ''}.`,
    );
  }
}

function hasRelative(test: ModelTests['metrics'][string]): boolean {
  return test['max-drop'] !== undefined || test['max-relative-drop'] !== undefined || test['max-rise'] !== undefined;
}

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

function clientFor(host: ActionHost, inputs: TestModelInputs) {
  return createGitHubClient({ token: inputs.comment.token!, apiUrl: host.github.apiUrl, log: host.log });
}

async function downloadBaseline(
  host: ActionHost,
  name: string,
  payload: WebhookPayload | undefined,
  engine: LazyEngine,
  inputs: TestModelInputs,
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
    clientFor(host, inputs),
    inputs.comment.token,
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
  inputs: TestModelInputs,
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

async function loadBaselineFile(
  host: ActionHost,
  inputs: TestModelInputs,
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

async function saveBaseline(
  host: ActionHost,
  name: string,
  metrics: FlatMetrics,
  evaluation: ModelEvaluation | undefined,
  slices: SliceEvaluation[] | undefined,
  columns: PredictionColumns | undefined,
  classes: string[] | undefined,
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

async function saveShard(
  host: ActionHost,
  inputs: TestModelInputs,
  name: string,
  evaluation: ModelEvaluation | undefined,
  classes: string[] | undefined,
): Promise<void> {
  if (!evaluation?.partial) {
    throw new ConfigurationError(
      "Input 'shard' needs 'predictions': a shard saves the partial statistics of its rows.",
      {
        input: 'shard',
      },
    );
  }
  const shard = inputs.shard!;
  const artifact = `${partialArtifactPrefix(name)}${shard.replace(/[^\w.-]+/g, '-')}`;
  const folder = await mkdtemp(join(host.github.runnerTemp, 'mlops-partial-'));
  const file = join(folder, 'partial.json');
  const content: PartialFile = {
    mlopsPartial: 1,
    name,
    shard,
    ...(classes ? { classes } : {}),
    partial: evaluation.partial,
  };
  await writeFile(file, JSON.stringify(content));
  if (!host.env.ACTIONS_RUNTIME_TOKEN || !host.env.ACTIONS_RESULTS_URL) {
    throw new ConfigurationError(
      "Input 'shard' uploads the shard's partial as an artifact, which needs the Actions runtime (run it in a workflow).",
      { input: 'shard' },
    );
  }
  const uploaded = await uploadRunArtifact(artifact, [file], folder, 1);
  const report = buildReport({
    action: 'test-model',
    headline: `${name}: shard ${shard} (${evaluation.count} examples) saved for merging`,
    checks: [],
    run: reportRun(host.github),
    fields: { model: name, shard, examples: evaluation.count, metrics: evaluation.metrics, artifact },
  });
  await host.publish({
    report,
    markdown: `### Model tests: ${name}, shard ${shard}\n\n${evaluation.count} examples; partial statistics saved as artifact \`${artifact}\` (id ${uploaded.id}) for the merge job.`,
  });
  host.setOutput('passed', true);
  host.setOutput('metrics', evaluation.metrics);
  host.setOutput('baseline-metrics', {});
  host.setOutput('failed-tests', []);
}

async function mergeShardArtifacts(
  host: ActionHost,
  inputs: TestModelInputs,
  name: string,
): Promise<{ partial: MetricsPartial; classes?: string[]; shards: number }> {
  const { github } = host;
  if (inputs.predictions.length > 0) {
    throw new ConfigurationError(
      "Input 'merge' combines the shards' partial artifacts of this run; do not also give 'predictions'.",
      { input: 'merge' },
    );
  }
  if (!inputs.comment.token || !github.owner || !github.repo || !github.runId) {
    throw new ConfigurationError("Input 'merge' needs 'github-token' (actions: read) inside a workflow run.", {
      input: 'merge',
    });
  }
  const destination = await mkdtemp(join(github.runnerTemp, 'mlops-partials-'));
  const prefix = partialArtifactPrefix(name);
  const downloaded = await downloadRunArtifactsByPrefix(
    clientFor(host, inputs),
    inputs.comment.token,
    { owner: github.owner, repo: github.repo },
    Number(github.runId),
    prefix,
    destination,
  );
  if (downloaded.length === 0) {
    throw new ConfigurationError(
      `Input 'merge': this run has no '${prefix}*' artifacts; run the shards first with 'shard' set (and the same 'name').`,
      { input: 'merge' },
    );
  }
  const files: PartialFile[] = [];
  for (const artifact of downloaded) {
    const value: unknown = JSON.parse(await readFile(join(artifact.path, 'partial.json'), 'utf8'));
    if (!isPartialFile(value)) throw new Error(`Artifact '${artifact.name}' holds no test-model partial.`);
    files.push(value);
  }
  const classes = files[0]!.classes;
  for (const file of files) {
    if (JSON.stringify(file.classes) !== JSON.stringify(classes)) {
      throw new ConfigurationError(
        `Input 'merge': shard ${file.shard} has classes ${file.classes?.join(', ')} and shard ${files[0]!.shard} ${classes?.join(', ')}; shards must see the same class list.`,
        { input: 'merge' },
      );
    }
  }
  return {
    partial: mergePartials(files.map((file) => file.partial)),
    ...(classes ? { classes } : {}),
    shards: files.length,
  };
}

export { resolveFiles };

import {
  type ActionHost,
  buildReport,
  type ColumnSpec,
  checkTestedMetrics,
  compareWithBaseline,
  computeMetrics,
  defineAction,
  directionOf,
  evaluateModelThresholds,
  evaluatePartial,
  evaluateSlices,
  evaluateSliceThresholds,
  type FlatMetrics,
  failedThresholdLine,
  GateFailure,
  type MetricDirection,
  type ModelEvaluation,
  type ModelTests,
  type PredictionColumns,
  type ResolvedColumns,
  readEventPayload,
  renderTestModel,
  reportRun,
  resolveColumns,
  type SignificanceOutcome,
  type SliceEvaluation,
  shouldSaveBaseline,
  testModelView,
  thresholdChecks,
} from '@mlops-actions/core';
import { type Baseline, downloadBaseline, loadBaselineFile, saveBaseline } from './baseline.js';
import { getInputs, type Inputs } from './inputs.js';
import { mergeShardArtifacts, saveShard } from './shards.js';
import { LazyEngine, readMetricFiles, readPredictionFiles, readTests } from './sources.js';

/**
 * test-model: metrics from predictions (and metrics files), thresholds from the tests file, a baseline from the
 * base branch's last green run, significance of the changes, slices, and one report for the summary and the PR.
 */
export const action = defineAction({
  name: 'test-model',
  async main(host) {
    const inputs = getInputs(host.inputs);
    host.setSecret(inputs.comment.token);
    const engine = new LazyEngine(host);
    try {
      await testModel(host, inputs, engine);
    } finally {
      engine.close();
    }
  },
});

async function testModel(host: ActionHost, inputs: Inputs, engine: LazyEngine): Promise<void> {
  const { github, log } = host;
  const name = inputs.name ?? github.repo ?? 'model';
  const tests = await readTests(host, inputs.tests);
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
  const fromFiles = await readMetricFiles(host, inputs.metrics, metrics);
  Object.assign(metrics, fromFiles.metrics);
  const metricSources = fromFiles.sources;
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

  // 4. Thresholds, report, outputs.
  const gates = [
    ...evaluateModelThresholds(tests.metrics, metrics, baseline?.rendered.metrics),
    ...(tests.slices && slices ? evaluateSliceThresholds(tests.slices, slices, baseline?.rendered.slices) : []),
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
    checks: thresholdChecks(gates),
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
      saveBaseline(host, name, { metrics, evaluation, slices, columns, classes }, engine),
    );
  }
  if (failed.length > 0) {
    throw new GateFailure(
      `${failed.length} of ${counted} model tests failed: ${failed
        .slice(0, 5)
        .map(failedThresholdLine)
        .join('; ')}${failed.length > 5 ? '; …' : ''}.`,
    );
  }
}

function hasRelative(test: ModelTests['metrics'][string]): boolean {
  return test['max-drop'] !== undefined || test['max-relative-drop'] !== undefined || test['max-rise'] !== undefined;
}

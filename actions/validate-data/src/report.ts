// What a validation run tells its reader: the report (summary, comment), the profile file and the step outputs.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ActionHost,
  buildReport,
  countChecks,
  type DataProfile,
  type EngineUsage,
  failingChecks,
  GateFailure,
  plural,
  renderStage,
  reportRun,
  type ValidationRun,
} from '@mlops-actions/core';
import type { Inputs } from './inputs.js';

/** The report's engine field: which engine, what came back, and which profile quantiles are its estimates. */
export function engineField(engine: EngineUsage, profile: DataProfile) {
  const approximate = profile.columns.filter((column) => column.quantilesRankError !== undefined);
  return {
    name: engine.engine,
    queries: engine.queries,
    bytesReceived: engine.bytesReceived,
    ...(approximate.length > 0
      ? {
          approximateQuantiles: {
            columns: approximate.map((column) => column.name),
            rankError: Math.max(...approximate.map((column) => column.quantilesRankError as number)),
          },
        }
      : {}),
  };
}

export async function publishValidation(
  host: ActionHost,
  inputs: Inputs,
  data: readonly { display: string; format: string; bytes?: number }[],
  run: ValidationRun,
  referenceName: string | undefined,
  engine?: EngineUsage,
): Promise<void> {
  const { github } = host;
  // Not under mlops-reports/: the report action reads every JSON file there as a report.
  const profilePath = join(
    github.runnerTemp,
    'mlops-profiles',
    `validate-data-profile${github.stepId ? `-${github.stepId.replace(/[^\w.-]+/g, '_')}` : ''}.json`,
  );
  const counts = countChecks(run.checks);
  const drifted = run.drift?.columns.filter((column) => column.drifted).map((column) => column.column) ?? [];
  const report = buildReport({
    action: host.action,
    headline:
      counts.errors + counts.warnings === 0
        ? `all ${plural(run.checks.length, 'check')} passed on ${plural(run.rows, 'row')}`
        : `${counts.errors} failed, ${plural(counts.warnings, 'warning')} of ${plural(run.checks.length, 'check')} on ${plural(run.rows, 'row')}`,
    checks: run.checks.map(({ samples: _samples, ...check }) => check),
    run: reportRun(github),
    fields: {
      data: data.map(({ display, format, bytes }) => ({
        path: display,
        format,
        ...(bytes === undefined ? {} : { bytes }),
      })),
      ...(engine ? { engine: engineField(engine, run.profile) } : {}),
      rows: run.rows,
      ...(referenceName ? { reference: referenceName } : {}),
      drift: run.drift
        ? {
            share: run.drift.share,
            shareThreshold: run.drift.settings.share,
            datasetDrift: run.drift.datasetDrift,
            columns: run.drift.columns,
            skipped: run.drift.skipped,
          }
        : null,
      samples: Object.fromEntries(
        run.checks.filter((check) => check.samples).map((check) => [check.id, check.samples]),
      ),
    },
  });
  await mkdir(join(profilePath, '..'), { recursive: true });
  await writeFile(profilePath, `${JSON.stringify(run.profile)}\n`);
  await host.publish({ report, markdown: renderStage(report), comment: inputs.comment });

  const failing = failingChecks(report.checks, inputs.failOn);
  host.setOutput('passed', failing === 0);
  host.setOutput('errors', counts.errors);
  host.setOutput('warnings', counts.warnings);
  host.setOutput('drifted-columns', drifted);
  host.setOutput('drift-share', run.drift ? Number(run.drift.share.toFixed(6)) : 0);
  host.setOutput('profile', profilePath);
  if (failing > 0)
    throw new GateFailure(`${failing} check(s) failed at fail-on '${inputs.failOn}': ${report.headline}.`);
}

import { mkdir, open, writeFile } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import {
  type ActionHost,
  buildReport,
  countChecks,
  defineAction,
  failingChecks,
  GateFailure,
  inferSuite,
  loadConfigFile,
  openDataEngine,
  plural,
  type ReferenceInput,
  readSuite,
  renderStage,
  reportRun,
  resolveDataFiles,
  validateDataset,
} from '@mlops-actions/core';
import { getInputs } from './inputs.js';

export const action = defineAction({
  name: 'validate-data',
  async main(host) {
    const inputs = getInputs(host.inputs);
    host.setSecret(inputs.comment.token);
    const { github, log } = host;
    const files = host.inputs.confinedFiles('data', await resolveDataFiles(inputs.data, github.workspace, 'data'));
    const engine = await openDataEngine({
      log,
      toolCache: host.env.RUNNER_TOOL_CACHE ?? github.runnerTemp,
      ...(inputs.memoryLimit ? { memoryLimit: `${inputs.memoryLimit}B` } : {}),
    });
    try {
      if (inputs.infer) {
        const target = host.inputs.resolveConfined('suite', inputs.suite ?? 'mlops-suite.yml');
        await writeFile(target, await log.group('Infer a suite', () => inferSuite(engine, files)));
        log.info(`Inferred suite written to ${host.inputs.display(target)}.`);
        host.setOutput('suite', target);
        return;
      }
      const suite = inputs.suite ? await readSuiteFile(host, inputs.suite) : undefined;
      let reference: ReferenceInput | undefined;
      let referenceName: string | undefined;
      if (inputs.reference.length > 0) {
        const referenceFiles = host.inputs.confinedFiles(
          'reference',
          await resolveDataFiles(inputs.reference, github.workspace, 'reference'),
        );
        // A single .json file may be a profile from an earlier run rather than data.
        const single = referenceFiles.length === 1 ? referenceFiles[0] : undefined;
        const isProfile = single?.format === 'json' && (await looksLikeProfile(single.path));
        reference =
          isProfile && single ? { profilePath: single.path, display: single.display } : { files: referenceFiles };
        // A file outside the workspace (a downloaded baseline in the runner's temp) is named by its file name: the
        // runner's temp path means nothing to a reader and differs between runs.
        referenceName = referenceFiles
          .map((file) => (isAbsolute(file.display) ? basename(file.display) : file.display))
          .join(', ');
      }
      const run = await log.group(`Check ${files.map((file) => file.display).join(', ')}`, () =>
        validateDataset(engine, files, suite, reference),
      );
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
          data: files.map(({ display, format, bytes }) => ({ path: display, format, bytes })),
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
    } finally {
      engine.close();
    }
  },
});

async function looksLikeProfile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(200), 0, 200, 0);
    return buffer.subarray(0, bytesRead).toString('utf8').includes('"mlops-actions/data-profile"');
  } finally {
    await handle.close();
  }
}

async function readSuiteFile(host: ActionHost, suite: string) {
  const path = host.inputs.resolveConfined('suite', suite);
  return readSuite(await loadConfigFile(path, host.inputs.display(path), 'suite'));
}

import {
  buildReport,
  countChecks,
  defineAction,
  failingChecks,
  GateFailure,
  loadConfigFile,
  type ReportCheck,
  readSuiteOutline,
  renderChecks,
  reportRun,
  resolveDataFiles,
} from '@mlops-actions/core';
import { getInputs } from './inputs.js';

/**
 * Skeleton of validate-data: it resolves the data, reads the suite's outline with line-numbered errors and
 * reports both. Evaluating expectations and drift needs the DuckDB engine, which is not in this build; the
 * report says so as a warning rather than passing silently.
 */
export const action = defineAction({
  name: 'validate-data',
  async main(host) {
    const inputs = getInputs(host.inputs);
    host.setSecret(inputs.comment.token);
    const files = await host.log.group('Resolve data files', () =>
      resolveDataFiles(inputs.data, host.github.workspace, 'data'),
    );
    const suitePath = host.inputs.resolvePath(inputs.suite);
    const outline = readSuiteOutline(await loadConfigFile(suitePath, host.inputs.display(suitePath), 'suite'));

    const checks: ReportCheck[] = [
      {
        id: 'data.files',
        title: 'Data files found',
        status: 'passed',
        severity: 'error',
        observed: { files: files.length, bytes: files.reduce((total, file) => total + file.bytes, 0) },
        details: files.map((file) => file.display).join(', '),
      },
      {
        id: 'suite.evaluated',
        title: 'Suite evaluated',
        status: 'warning',
        severity: 'warning',
        observed: 'not evaluated',
        expected: { tableChecks: outline.tableChecks, columns: outline.columns, drift: outline.drift },
        details: 'This build reads the suite but has no data engine to evaluate it yet.',
      },
    ];
    const report = buildReport({
      action: host.action,
      headline: `${files.length} data file(s) found; suite read, not evaluated`,
      checks,
      run: reportRun(host.github),
      fields: { data: files.map(({ display, format, bytes }) => ({ path: display, format, bytes })) },
    });
    await host.publish({ report, markdown: renderChecks('Data validation', report), comment: inputs.comment });

    const counts = countChecks(checks);
    const failing = failingChecks(checks, inputs.failOn);
    host.setOutput('passed', failing === 0);
    host.setOutput('errors', counts.errors);
    host.setOutput('warnings', counts.warnings);
    if (failing > 0)
      throw new GateFailure(`${failing} check(s) failed at fail-on '${inputs.failOn}': ${report.headline}.`);
  },
});

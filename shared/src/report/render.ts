import { code, details, escapeText, heading, raw, table } from '../markdown/index.js';
import { countChecks, type Report, type ReportCheck, STATUS_ICON } from './index.js';

function valueCell(value: unknown) {
  if (value === undefined) return '';
  return code(typeof value === 'string' ? value : JSON.stringify(value));
}

function checksTable(checks: readonly ReportCheck[]): string {
  return table(
    ['', 'Check', 'Observed', 'Expected', 'Details'],
    checks.map((check) => [
      // A failed check of warning severity warns; only error severity fails the verdict.
      raw(STATUS_ICON[check.status === 'failed' && check.severity !== 'error' ? 'warning' : check.status]),
      check.title,
      valueCell(check.observed),
      valueCell(check.expected),
      check.details ?? '',
    ]),
  );
}

/**
 * The common part of every action's summary: a verdict line, the checks that did not pass in a table, and the
 * ones that passed collapsed. Actions append their own sections (metrics, drift) after it.
 */
export function renderChecks(title: string, report: Report): string {
  const counts = countChecks(report.checks);
  const parts = [
    heading(3, raw(`${STATUS_ICON[report.status]} ${escapeText(title)}`)),
    `**${escapeText(report.headline)}** · ${counts.errors} failed · ${counts.warnings} warnings · ${counts.passed} passed`,
  ];
  const open = report.checks.filter((check) => check.status !== 'passed');
  const passed = report.checks.filter((check) => check.status === 'passed');
  if (open.length > 0) parts.push(checksTable(open));
  if (passed.length > 0) parts.push(details(`${passed.length} passed checks`, checksTable(passed)));
  if (report.run.url) parts.push(`<sub>[Workflow run](${encodeURI(report.run.url)})</sub>`);
  return parts.join('\n\n');
}

import { details, escapeText, formatNumber, heading, raw, table } from '../markdown/index.js';
import { countChecks, type Report, type ReportCheck, STATUS_ICON } from './report.js';

/** `1 row`, `4 rows`: a count with its noun, singular only for exactly one. */
export function plural(count: number, noun: string, many = `${noun}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? noun : many}`;
}

/** A fraction as a percent with its sign kept, e.g. −0.047%. */
export function percentText(fraction: number, digits = 3): string {
  const text = formatNumber(Math.abs(fraction * 100), digits);
  return `${fraction < 0 ? '−' : ''}${text}%`;
}

function scalarText(value: unknown): string {
  if (typeof value === 'number') return formatNumber(value).replace(/^-/, '−');
  if (typeof value === 'string') return value;
  if (value === null) return 'none';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return JSON.stringify(value) ?? '';
}

const COUNT_NOUNS: Record<string, [string, string]> = {
  rows: ['row', 'rows'],
  failingRows: ['failing row', 'failing rows'],
  duplicatedKeys: ['duplicated key', 'duplicated keys'],
  duplicatedRows: ['duplicated row', 'duplicated rows'],
  drifted: ['drifted column', 'drifted columns'],
  checked: ['column checked', 'columns checked'],
  blobs: ['blob', 'blobs'],
};

/** How one key of an observed or expected object reads: `≥ 0.7`, `4 failing rows`, `share 0.4`. */
function fieldText(key: string, value: unknown): string {
  if (key === 'min' && value !== null && value !== undefined) return `≥ ${scalarText(value)}`;
  if (key === 'max' && value !== null && value !== undefined) return `≤ ${scalarText(value)}`;
  if (/fraction$/i.test(key) && typeof value === 'number') return `${words(key)} ${percentText(value)}`;
  const noun = COUNT_NOUNS[key];
  if (noun && typeof value === 'number') return value === 1 ? `1 ${noun[0]}` : `${formatNumber(value)} ${noun[1]}`;
  if (Array.isArray(value)) return `${words(key)} ${value.map(scalarText).join(', ') || 'none'}`;
  return `${words(key)} ${scalarText(value)}`;
}

/** camelCase and dashed keys as words: maxNullFraction → max null fraction. */
function words(key: string): string {
  return key
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[-_]/g, ' ')
    .toLowerCase();
}

/**
 * An observed or expected value in words and numbers, never raw JSON: `{"min":0.7}` reads `≥ 0.7`,
 * `{"failingRows":4}` reads `4 failing rows`; keys with no value are left out.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return '';
  if (value === null || typeof value !== 'object') return scalarText(value);
  if (Array.isArray(value)) return value.map(describeValue).join(', ');
  return Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined && item !== null)
    .map(([key, item]) =>
      item !== null && typeof item === 'object' && !Array.isArray(item)
        ? `${words(key)} ${describeValue(item)}`
        : fieldText(key, item),
    )
    .join(', ');
}

function checksTable(checks: readonly ReportCheck[]): string {
  return table(
    ['', 'Check', 'Observed', 'Expected', 'Details'],
    checks.map((check) => [
      // A failed check of warning severity warns; only error severity fails the verdict.
      raw(STATUS_ICON[check.status === 'failed' && check.severity !== 'error' ? 'warning' : check.status]),
      check.title,
      describeValue(check.observed),
      describeValue(check.expected),
      check.details ?? '',
    ]),
  );
}

export interface SectionOptions {
  /** The section's own heading; the combined comment names the stage in its fold and leaves it out. */
  heading?: boolean;
}

/** The verdict line: the headline and the counts, with correct plurals. */
export function countsLine(report: Report): string {
  const counts = countChecks(report.checks);
  return `**${escapeText(report.headline)}** · ${counts.errors} failed · ${plural(counts.warnings, 'warning')} · ${counts.passed} passed`;
}

/**
 * The common part of every action's summary: a verdict line, the checks that did not pass in a table, and the
 * ones that passed collapsed. Actions append their own sections (metrics, drift) after it.
 */
export function renderChecks(title: string, report: Report, options: SectionOptions = {}): string {
  const parts: string[] = [];
  if (options.heading !== false) parts.push(heading(3, raw(`${STATUS_ICON[report.status]} ${escapeText(title)}`)));
  parts.push(countsLine(report));
  const open = report.checks.filter((check) => check.status !== 'passed');
  const passed = report.checks.filter((check) => check.status === 'passed');
  if (open.length > 0) parts.push(checksTable(open));
  if (passed.length > 0) parts.push(details(`${plural(passed.length, 'passed check')}`, checksTable(passed)));
  if (report.run.url) parts.push(runLink(report.run.url));
  return parts.join('\n\n');
}

export function runLink(url: string): string {
  return `<sub>[Workflow run](${encodeURI(url)})</sub>`;
}

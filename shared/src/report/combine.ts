import { readFile, stat } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { COMMENT_LIMIT } from '../comments/index.js';
import { escapeText, heading, raw, table } from '../markdown/index.js';
import { type CheckStatus, type Report, STATUS_ICON } from './index.js';
import { renderChecks } from './render.js';
import { REPORT_SCHEMA } from './schema.js';

/** Reports may come from another run (a fork's pull request): untrusted, so sizes are capped before parsing. */
export const MAX_REPORT_BYTES = 2 * 1024 * 1024;
const MAX_TEXT = 2000;
const MAX_CHECKS_SHOWN = 200;

/** Pipeline order and how each stage is named in the combined comment. */
export const STAGES = [
  { action: 'validate-data', label: 'data' },
  { action: 'test-model', label: 'model' },
  { action: 'build-image', label: 'image' },
  { action: 'promote', label: 'promote' },
  { action: 'deploy', label: 'deploy' },
] as const;

let validator: ReturnType<Ajv2020['compile']> | undefined;

function validateReport(value: unknown): string | undefined {
  if (!validator) {
    const ajv = new Ajv2020({ allErrors: false, strict: true });
    (addFormats as unknown as (ajv: Ajv2020) => void)(ajv);
    validator = ajv.compile(REPORT_SCHEMA);
  }
  if (validator(value)) return undefined;
  const error = validator.errors?.[0];
  return error ? `${error.instancePath || '(root)'} ${error.message}` : 'does not match the report schema';
}

export interface LoadedReport {
  source: string;
  report: Report;
}

export interface RejectedReport {
  source: string;
  reason: string;
}

/** Cuts untrusted text to a length a comment can carry. */
function cap(text: string, limit = MAX_TEXT): string {
  return text.length > limit
    ? `${text.slice(0, limit)}… (${(text.length - limit).toLocaleString('en-US')} more characters)`
    : text;
}

function capValue(value: unknown): unknown {
  if (value === undefined) return undefined;
  const json = JSON.stringify(value);
  return json.length > 500 ? `${json.slice(0, 500)}…` : value;
}

/**
 * Reads one report file as untrusted input: size-capped, JSON-parsed, schema-validated; long texts are cut and
 * the run link is kept only when it is this repository's own run page.
 */
export async function loadUntrustedReport(
  path: string,
  source: string,
  trustedRunPrefix: string | undefined,
): Promise<LoadedReport | RejectedReport> {
  const size = (await stat(path)).size;
  if (size > MAX_REPORT_BYTES) {
    return {
      source,
      reason: `${(size / 1048576).toFixed(1)} MB is over the ${MAX_REPORT_BYTES / 1048576} MB limit for a report`,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    return { source, reason: `not JSON (${(error as Error).message.split('\n')[0]})` };
  }
  const problem = validateReport(value);
  if (problem) return { source, reason: `not a report: ${problem}` };
  const report = value as Report;
  const run = { ...report.run };
  if (run.url && !(trustedRunPrefix && new RegExp(`^${escapeRegExp(trustedRunPrefix)}\\d+$`).test(run.url)))
    delete run.url;
  return {
    source,
    report: {
      ...report,
      headline: cap(report.headline, 300),
      run,
      checks: report.checks.map((check) => ({
        ...check,
        title: cap(check.title, 300),
        ...(check.details !== undefined ? { details: cap(check.details) } : {}),
        ...(check.observed !== undefined ? { observed: capValue(check.observed) } : {}),
        ...(check.expected !== undefined ? { expected: capValue(check.expected) } : {}),
      })),
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const SEVERITY_ORDER: Record<CheckStatus, number> = { passed: 0, warning: 1, failed: 2 };

export function worstStatus(statuses: readonly CheckStatus[]): CheckStatus {
  return statuses.reduce<CheckStatus>(
    (worst, status) => (SEVERITY_ORDER[status] > SEVERITY_ORDER[worst] ? status : worst),
    'passed',
  );
}

export interface CombinedReport {
  status: CheckStatus;
  /** The PR comment: status lines, then sections, shortened to fit GitHub's limit. */
  comment: string;
  /** The same with every section whole, for the job summary. */
  full: string;
  shortened: boolean;
}

function stageLine(label: string, reports: readonly Report[]): (string | ReturnType<typeof raw>)[] {
  if (reports.length === 0) return [raw('—'), label, raw('<sub>not run</sub>')];
  const status = worstStatus(reports.map((report) => report.status));
  return [raw(STATUS_ICON[status]), label, reports.map((report) => report.headline).join(' · ')];
}

/**
 * One comment for the whole pipeline: a status line per stage, then each stage's checks, collapsed unless the
 * stage failed. When the whole does not fit in a comment, passing sections go first, then all sections, leaving
 * the status lines and a pointer to the job summary, which keeps everything.
 */
export function combineReports(
  reports: readonly Report[],
  runUrl: string | undefined,
  limit = COMMENT_LIMIT,
): CombinedReport {
  const byStage = (action: string) => reports.filter((report) => report.action === action);
  const known = new Set<string>(STAGES.map((stage) => stage.action));
  const others = reports.filter((report) => !known.has(report.action));
  const status = worstStatus(reports.map((report) => report.status));
  const header = [
    heading(3, raw(`${STATUS_ICON[status]} mlops-actions`)),
    table(
      ['', 'Stage', 'Result'],
      [
        ...STAGES.map((stage) => stageLine(stage.label, byStage(stage.action))),
        ...others.map((report) => stageLine(report.action, [report])),
      ],
    ),
  ].join('\n\n');

  const section = (report: Report, open: boolean) => {
    const shown =
      report.checks.length > MAX_CHECKS_SHOWN
        ? { ...report, checks: report.checks.slice(0, MAX_CHECKS_SHOWN) }
        : report;
    const body = renderChecks(report.action, shown);
    const more =
      report.checks.length > MAX_CHECKS_SHOWN
        ? `\n\n${escapeText(`… and ${report.checks.length - MAX_CHECKS_SHOWN} more checks`)}`
        : '';
    return `<details${open ? ' open' : ''}>\n<summary>${STATUS_ICON[report.status]} ${escapeText(report.action)}</summary>\n\n${body}${more}\n\n</details>`;
  };
  const ordered = [...STAGES.flatMap((stage) => byStage(stage.action)), ...others];
  const render = (include: (report: Report) => boolean) => {
    const sections = ordered.filter(include).map((report) => section(report, report.status === 'failed'));
    const omitted = ordered.length - ordered.filter(include).length;
    const pointer =
      omitted > 0
        ? `\n\n${omitted} section(s) left out to fit a comment; ${runUrl ? `see the [job summary](${runUrl})` : 'see the job summary'}.`
        : '';
    return [header, ...sections].join('\n\n') + pointer;
  };
  const full = render(() => true);
  if (full.length <= limit - 200) return { status, comment: full, full, shortened: false };
  const failedOnly = render((report) => report.status === 'failed');
  if (failedOnly.length <= limit - 200) return { status, comment: failedOnly, full, shortened: true };
  return { status, comment: render(() => false), full, shortened: true };
}

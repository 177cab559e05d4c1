import { readFile, stat } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { COMMENT_LIMIT, details, escapeText, heading, raw } from '../markdown/index.js';
import { renderChecks } from './render.js';
import { type CheckStatus, type Report, STATUS_ICON } from './report.js';
import { REPORT_SCHEMA } from './schema.js';
import { renderStage, stageBrief } from './stages.js';

/** Reports may come from another run (a fork's pull request): untrusted, so sizes are capped before parsing. */
export const MAX_REPORT_BYTES = 2 * 1024 * 1024;
const MAX_TEXT = 2000;

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

/** `data ✅ · model ❌ f1 −0.03 vs main · image sha256:1a2b… · deploy — not run`: every stage at a glance. */
function statusLine(byStage: (action: string) => Report[], others: readonly Report[]): string {
  const item = (label: string, reports: readonly Report[]) => {
    if (reports.length === 0) return `${escapeText(label)} — not run`;
    const icon = STATUS_ICON[worstStatus(reports.map((report) => report.status))];
    const briefs = reports.map(stageBrief).filter(Boolean);
    return [`${escapeText(label)} ${icon}`, ...briefs.map((brief) => escapeText(cap(brief, 120)))].join(' ');
  };
  return [
    ...STAGES.map((stage) => item(stage.label, byStage(stage.action))),
    ...others.map((report) => item(report.action, [report])),
  ].join(' · ');
}

/** A stage's section from its report; a report whose fields cannot be drawn falls back to its checks. */
function stageBody(report: Report): string {
  try {
    return renderStage(report, { heading: false });
  } catch {
    return `${renderChecks(report.action, report, { heading: false })}

${escapeText("(This report's own fields could not be drawn.)")}`;
  }
}

/**
 * One comment for the whole pipeline: a status line over every stage, then each stage's own section (the same
 * renderer as its job summary), open when it failed, folded otherwise. When the whole does not fit in a comment,
 * passing sections are shortened to their headline first, then all of them, each with a link to the run's summary,
 * which keeps everything.
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
  const header = [heading(3, raw(`${STATUS_ICON[status]} mlops-actions`)), statusLine(byStage, others)].join('\n\n');
  const labelOf = (action: string) => STAGES.find((stage) => stage.action === action)?.label ?? action;
  const summaryLink = runUrl ? `[the run's summary](${encodeURI(runUrl)})` : "the run's summary";

  const section = (report: Report, whole: boolean) => {
    const summary = `${STATUS_ICON[report.status]} ${escapeText(labelOf(report.action))}: ${escapeText(report.headline)}`;
    const body = whole ? stageBody(report) : `Shortened to fit a comment: the whole section is in ${summaryLink}.`;
    return details(raw(summary), body, { open: report.status === 'failed' });
  };
  const ordered = [...STAGES.flatMap((stage) => byStage(stage.action)), ...others];
  const render = (whole: (report: Report) => boolean) =>
    [header, ...ordered.map((report) => section(report, whole(report)))].join('\n\n');
  const full = render(() => true);
  if (full.length <= limit - 200) return { status, comment: full, full, shortened: false };
  const failedOnly = render((report) => report.status === 'failed');
  if (failedOnly.length <= limit - 200) return { status, comment: failedOnly, full, shortened: true };
  return { status, comment: render(() => false), full, shortened: true };
}

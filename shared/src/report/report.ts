import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Shape of every action's JSON report; `schemas/report.schema.json` is the same contract for other tools. */
export type CheckStatus = 'passed' | 'warning' | 'failed';
export type Severity = 'error' | 'warning' | 'info';

export interface ReportCheck {
  id: string;
  title: string;
  status: CheckStatus;
  severity: Severity;
  observed?: unknown;
  expected?: unknown;
  details?: string;
}

export interface ReportRun {
  repository?: string;
  sha?: string;
  ref?: string;
  runId?: string;
  runAttempt?: string;
  job?: string;
  url?: string;
}

export interface Report {
  schemaVersion: 1;
  action: string;
  status: CheckStatus;
  /** One line a reader grasps at a glance, e.g. "2 of 20 checks failed". */
  headline: string;
  createdAt: string;
  run: ReportRun;
  checks: ReportCheck[];
  /** Action-specific fields (metrics, drift, digests) live beside the common ones. */
  [field: string]: unknown;
}

/**
 * The verdict over checks: a failed check of severity `error` fails the report; a failed `warning` check or a
 * check that is itself a warning only warns; `info` checks never change it.
 */
export function overallStatus(checks: readonly ReportCheck[]): CheckStatus {
  let status: CheckStatus = 'passed';
  for (const check of checks) {
    if (check.severity === 'info' || check.status === 'passed') continue;
    if (check.status === 'failed' && check.severity === 'error') return 'failed';
    status = 'warning';
  }
  return status;
}

export function countChecks(checks: readonly ReportCheck[]): { errors: number; warnings: number; passed: number } {
  let errors = 0;
  let warnings = 0;
  for (const check of checks) {
    if (check.status === 'passed' || check.severity === 'info') continue;
    if (check.status === 'failed' && check.severity === 'error') errors += 1;
    else warnings += 1;
  }
  return { errors, warnings, passed: checks.length - errors - warnings };
}

export const STATUS_ICON: Record<CheckStatus, string> = { passed: '✅', warning: '⚠️', failed: '❌' };

/** A file name that two steps of one job running the same action do not share. */
export function reportFileName(action: string, stepId: string | undefined): string {
  const step = (stepId ?? '').replace(/[^\w.-]+/g, '_').replace(/^_+/, '');
  return `${action}${step ? `-${step}` : ''}.json`;
}

/** Writes the report as pretty JSON under `<dir>/mlops-reports/` and returns its path. */
export async function writeReport(dir: string, report: Report, stepId?: string, redact = (text: string) => text) {
  const folder = join(dir, 'mlops-reports');
  await mkdir(folder, { recursive: true });
  const path = join(folder, reportFileName(report.action, stepId));
  await writeFile(path, `${redact(JSON.stringify(report, null, 2))}\n`);
  return path;
}

/** The run a report belongs to, from the runner's environment. */
export function reportRun(github: {
  repository?: string | undefined;
  sha?: string | undefined;
  ref?: string | undefined;
  runId?: string | undefined;
  runAttempt?: string | undefined;
  job?: string | undefined;
  runUrl?: string | undefined;
}): ReportRun {
  const run: ReportRun = {};
  if (github.repository) run.repository = github.repository;
  if (github.sha) run.sha = github.sha;
  if (github.ref) run.ref = github.ref;
  if (github.runId) run.runId = github.runId;
  if (github.runAttempt) run.runAttempt = github.runAttempt;
  if (github.job) run.job = github.job;
  if (github.runUrl) run.url = github.runUrl;
  return run;
}

export interface NewReport {
  action: string;
  headline: string;
  checks: ReportCheck[];
  run: ReportRun;
  /** Action-specific fields. */
  fields?: Record<string, unknown>;
}

export function buildReport({ action, headline, checks, run, fields }: NewReport): Report {
  return {
    ...fields,
    schemaVersion: 1,
    action,
    status: overallStatus(checks),
    headline,
    createdAt: new Date().toISOString(),
    run,
    checks,
  };
}

export const FAIL_ON_LEVELS = ['error', 'warning', 'never'] as const;
export type FailOn = (typeof FAIL_ON_LEVELS)[number];

/** How many checks fail the step at the user's `fail-on` level. */
export function failingChecks(checks: readonly ReportCheck[], failOn: FailOn): number {
  const counts = countChecks(checks);
  return failOn === 'error' ? counts.errors : failOn === 'warning' ? counts.errors + counts.warnings : 0;
}

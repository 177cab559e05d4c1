import { escapeText } from '../markdown/index.js';
import type { CheckStatus } from '../report/report.js';
import { describeGitHubFailure, type GitHubClient } from './client.js';
import type { RepositoryRef } from './pull-request.js';

/** GitHub's cap on a check run's output summary. */
export const CHECK_SUMMARY_LIMIT = 65_535;
/** GitHub's cap on a check run's output title. */
const CHECK_TITLE_LIMIT = 1000;

export type CheckConclusion = 'success' | 'neutral' | 'failure';

const CONCLUSION_ORDER: Record<CheckConclusion, number> = { success: 0, neutral: 1, failure: 2 };

const CONCLUSION_OF_STATUS: Record<CheckStatus, CheckConclusion> = {
  passed: 'success',
  warning: 'neutral',
  failed: 'failure',
};

/** How a completed workflow run's conclusion reads in a sentence. */
const RUN_ENDING: Record<string, string> = {
  failure: 'failed',
  cancelled: 'was cancelled',
  timed_out: 'timed out',
  startup_failure: 'failed to start',
  action_required: 'is waiting for approval',
  stale: 'went stale',
};

export interface CheckRunFacts {
  /** Each combined report by stage label (data, model, …) with the status the report claims. */
  reports: readonly { stage: string; status: CheckStatus }[];
  /** Stage labels whose report was expected and not found. */
  missingStages: readonly string[];
  /** Reports that were found but not used (malformed, too large). */
  ignoredReports: number;
  /** The workflow run whose reports these are (under workflow_run): its name and conclusion as GitHub records it. */
  triggeringRun?: { name: string; conclusion: string | null | undefined };
}

export interface CheckRunVerdict {
  conclusion: CheckConclusion;
  /** One line: why the conclusion is what it is. */
  title: string;
  /** Every reason found, worst first, as plain sentences (they may hold the triggering run's name: untrusted). */
  reasons: string[];
}

/**
 * The check run's conclusion from what is known: the triggering run's own conclusion (recorded by GitHub), the
 * reports (claims made by that run), and what is missing. Failure when the run failed or was cancelled; never
 * better than the worst report; neutral, naming what is missing, when reports are missing; never success with
 * no report at all.
 */
export function checkRunVerdict(facts: CheckRunFacts): CheckRunVerdict {
  const findings: { conclusion: CheckConclusion; reason: string }[] = [];
  const run = facts.triggeringRun;
  if (run) {
    const ending = run.conclusion ? RUN_ENDING[run.conclusion] : undefined;
    if (ending) findings.push({ conclusion: 'failure', reason: `${run.name} ${ending}` });
    else if (run.conclusion !== 'success') {
      findings.push({ conclusion: 'neutral', reason: `${run.name} ended ${run.conclusion ?? 'without a conclusion'}` });
    }
  }
  const byStatus = (status: CheckStatus) => [
    ...new Set(facts.reports.filter((report) => report.status === status).map((report) => report.stage)),
  ];
  for (const [status, word] of [
    ['failed', 'failed'],
    ['warning', 'warnings'],
  ] as const) {
    const stages = byStatus(status);
    if (stages.length > 0)
      findings.push({ conclusion: CONCLUSION_OF_STATUS[status], reason: `${word}: ${stages.join(', ')}` });
  }
  if (facts.reports.length === 0) findings.push({ conclusion: 'neutral', reason: 'no mlops-actions reports found' });
  if (facts.missingStages.length > 0) {
    findings.push({ conclusion: 'neutral', reason: `missing reports: ${facts.missingStages.join(', ')}` });
  }
  if (facts.ignoredReports > 0) {
    const count = facts.ignoredReports;
    findings.push({ conclusion: 'neutral', reason: `${count} ${count === 1 ? 'report' : 'reports'} ignored` });
  }
  if (findings.length === 0) {
    const stages = byStatus('passed');
    findings.push({ conclusion: 'success', reason: `passed: ${stages.join(', ')}` });
  }
  findings.sort((a, b) => CONCLUSION_ORDER[b.conclusion] - CONCLUSION_ORDER[a.conclusion]);
  const conclusion = (findings[0] as (typeof findings)[number]).conclusion;
  const reasons = findings.map((finding) => finding.reason);
  const title = reasons.join('; ').replace(/[\r\n]+/g, ' ');
  return {
    conclusion,
    title: title.length > CHECK_TITLE_LIMIT ? `${title.slice(0, CHECK_TITLE_LIMIT - 1)}…` : title,
    reasons,
  };
}

/** The check run's summary: the verdict's reasons (escaped), a word on whose claims the statuses are, the body. */
export function checkRunSummary(verdict: CheckRunVerdict, body: string, options: { fromFork: boolean }): string {
  const lines = [
    `**Conclusion: ${verdict.conclusion}**`,
    '',
    ...verdict.reasons.map((reason) => `- ${escapeText(reason)}`),
    '',
  ];
  if (options.fromFork) {
    lines.push(
      '> [!NOTE]',
      "> The statuses below come from the pull request's own report artifacts: for a pull request from a fork they " +
        "are the fork's claims. Protect branches with the ml-pull-request jobs as required checks, not with this one.",
      '',
    );
  }
  return `${lines.join('\n')}\n${body}`;
}

/** A completed check run on `headSha` with the given conclusion. */
export async function createCompletedCheckRun(
  client: GitHubClient,
  repository: RepositoryRef,
  options: {
    name: string;
    headSha: string;
    conclusion: CheckConclusion;
    title: string;
    summary: string;
    detailsUrl?: string;
  },
): Promise<{ id: number; url: string }> {
  const summary =
    options.summary.length > CHECK_SUMMARY_LIMIT
      ? `${options.summary.slice(0, CHECK_SUMMARY_LIMIT - 40)}\n\n… shortened`
      : options.summary;
  try {
    const { data } = await client.rest.checks.create({
      ...repository,
      name: options.name,
      head_sha: options.headSha,
      status: 'completed',
      conclusion: options.conclusion,
      output: { title: options.title.slice(0, CHECK_TITLE_LIMIT), summary },
      ...(options.detailsUrl ? { details_url: options.detailsUrl } : {}),
    });
    return { id: data.id, url: data.html_url ?? data.url };
  } catch (error) {
    throw describeGitHubFailure(error, `Creating check run '${options.name}' on ${options.headSha.slice(0, 7)}`);
  }
}

import { appendFile } from 'node:fs/promises';
import type { GithubEnvironment } from '../context/index.js';
import { buildReport, reportRun, writeReport } from '../report/report.js';
import type { SecretMask } from '../secrets/index.js';
import { handOnReport } from './comment.js';
import type { ActionHost, Publication } from './host.js';

/** The GitHub limit for one step's summary; past it the runner drops the whole summary. */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024;

/** Writes the report JSON where the `report` action finds it and returns its path; shared by both hosts. */
export async function writePublishedReport(
  github: GithubEnvironment,
  secrets: SecretMask,
  publication: Publication,
): Promise<string> {
  return writeReport(github.runnerTemp, publication.report, github.stepId, (text) => secrets.redact(text));
}

export async function appendSummaryFile(path: string, markdown: string, secrets: SecretMask): Promise<void> {
  let text = `${secrets.redact(markdown)}\n`;
  if (Buffer.byteLength(text) > SUMMARY_LIMIT_BYTES) {
    const note =
      '\n\n… summary shortened to fit the 1 MiB step-summary limit; the full report is the `report` output.\n';
    text =
      Buffer.from(text)
        .subarray(0, SUMMARY_LIMIT_BYTES - Buffer.byteLength(note) - 4)
        .toString('utf8') + note;
  }
  await appendFile(path, text);
}

/**
 * The report of a step that failed before it wrote one: failed, with the error as its one check, written where the
 * report step finds it and handed on as an artifact, so the combined comment shows the stage failed, not "not run".
 */
export async function publishFailureReport(host: ActionHost, action: string, message: string): Promise<void> {
  const firstLine = message.split(/\r?\n/)[0] ?? message;
  const report = buildReport({
    action,
    headline: `failed: ${firstLine}`.slice(0, 300),
    checks: [{ id: 'action.failed', title: firstLine.slice(0, 500), status: 'failed', severity: 'error' }],
    run: reportRun(host.github),
  });
  const reportPath = await writePublishedReport(host.github, host.secrets, { report, markdown: '' });
  await handOnReport(
    { markdown: '', report, reportPath, github: host.github, log: host.log, env: host.env },
    'the step failed',
  );
}

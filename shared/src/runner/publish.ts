import { appendFile } from 'node:fs/promises';
import type { GithubEnvironment } from '../context/index.js';
import { writeReport } from '../report/index.js';
import type { SecretMask } from '../secrets/index.js';
import type { Publication } from './host.js';

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

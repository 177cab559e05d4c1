import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommentOutcome, CommentRequest, PublishedReport } from '../comments/publish.js';
import { reportArtifactName } from '../comments/publish.js';
import { type CommentTarget, resolveTokenLogin, upsertStickyComment } from '../comments/sticky.js';
import { readEventPayload } from '../context/index.js';
import { createGitHubClient } from '../github/client.js';
import { type PullRequestTarget, resolvePullRequest } from '../github/pull-request.js';
import { uploadRunArtifact } from './artifacts.js';

// A step's report leaves the runner as a pull-request comment or, where it cannot comment, as a run artifact.

export async function publishComment(request: CommentRequest, published: PublishedReport): Promise<CommentOutcome> {
  const { markdown, github, log } = published;
  // No comment of its own: the report step combines this report, here or (a fork's run) in comment-on-pr.
  if (request.mode === 'never') return handOnReport(published, 'comment: never');
  if (!request.token) {
    log.info("No GitHub token: no PR comment (set 'github-token' to comment).");
    return { state: 'skipped', detail: 'no token' };
  }
  if (!github.owner || !github.repo) return { state: 'skipped', detail: 'not in a GitHub repository' };
  const repository = { owner: github.owner, repo: github.repo };
  const client = createGitHubClient({ token: request.token, apiUrl: github.apiUrl, log });
  let target: CommentTarget | undefined;
  if (request.pullRequest !== undefined) target = { pullRequest: request.pullRequest };
  else {
    const pull: PullRequestTarget | undefined = await resolvePullRequest(
      client,
      repository,
      github,
      await readEventPayload(github),
    );
    if (pull) target = { pullRequest: pull.number };
  }
  if (!target && request.mode === 'always' && github.sha) target = { commit: github.sha };
  if (!target) {
    log.info('This run has no pull request: no comment (comment: auto).');
    return { state: 'skipped', detail: 'no pull request' };
  }
  const result = await upsertStickyComment({
    client,
    repository,
    target,
    key: request.key,
    body: markdown,
    author: await resolveTokenLogin(client),
    ...(github.runUrl ? { runUrl: github.runUrl } : {}),
  });
  if (result.action !== 'read-only') {
    log.info(`PR comment ${result.action}: ${result.url}`);
    return { state: 'posted', url: result.url, detail: result.action };
  }
  return handOn(result.reason, published);
}

/**
 * Uploads the report as an artifact without commenting, for a report step to combine: what `comment: never` and
 * actions that do not comment do, so that a fork's pull request (where only artifacts leave the run) shows every
 * stage. Outside a workflow run there is nothing to upload to, and nothing is said.
 */
export async function handOnReport(published: PublishedReport, reason: string): Promise<CommentOutcome> {
  const { report, reportPath, github, log, env } = published;
  if (!env.ACTIONS_RUNTIME_TOKEN || !env.ACTIONS_RESULTS_URL) return { state: 'skipped', detail: reason };
  // Matrix jobs share the job's id, so a random part keeps their artifacts apart.
  const name = `${reportArtifactName(report.action, github.job, github.stepId)}-${randomBytes(4).toString('hex')}`;
  try {
    const uploaded = await uploadRunArtifact(name, [reportPath], join(reportPath, '..'), 7);
    log.info(`Report uploaded as artifact '${name}' (id ${uploaded.id}) for the report step to combine (${reason}).`);
    return { state: 'handed-on', detail: name };
  } catch (error) {
    // The step's own work is done: a report that cannot travel is worth a warning, not a failed step.
    log.warning(`The report could not be uploaded as artifact '${name}': ${(error as Error).message}`);
    return { state: 'skipped', detail: reason };
  }
}

async function handOn(
  reason: string,
  { markdown, report, reportPath, github, log, env }: PublishedReport,
): Promise<CommentOutcome> {
  const name = reportArtifactName(report.action, github.job, github.stepId);
  if (!env.ACTIONS_RUNTIME_TOKEN || !env.ACTIONS_RESULTS_URL) {
    log.warning(`Cannot comment: ${reason}. The report is in the job summary.`);
    return { state: 'skipped', detail: reason };
  }
  const folder = join(reportPath, '..');
  const markdownPath = join(folder, `${report.action}-comment.md`);
  await writeFile(markdownPath, markdown);
  const uploaded = await uploadRunArtifact(name, [reportPath, markdownPath], folder, 7);
  log.warning(
    `Cannot comment: ${reason}. The report was uploaded as artifact '${name}' (id ${uploaded.id}); ` +
      'the comment-on-pr workflow posts it with a write token.',
  );
  return { state: 'handed-on', detail: name };
}

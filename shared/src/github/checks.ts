import type { CheckStatus } from '../report/index.js';
import { describeGitHubFailure, type GitHubClient } from './client.js';
import type { RepositoryRef } from './pull-request.js';

/** GitHub's cap on a check run's output summary. */
export const CHECK_SUMMARY_LIMIT = 65_535;

const CONCLUSION: Record<CheckStatus, 'success' | 'neutral' | 'failure'> = {
  passed: 'success',
  warning: 'neutral',
  failed: 'failure',
};

/** A completed check run on `headSha` whose conclusion follows the report status. */
export async function createCompletedCheckRun(
  client: GitHubClient,
  repository: RepositoryRef,
  options: { name: string; headSha: string; status: CheckStatus; title: string; summary: string; detailsUrl?: string },
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
      conclusion: CONCLUSION[options.status],
      output: { title: options.title.slice(0, 1000), summary },
      ...(options.detailsUrl ? { details_url: options.detailsUrl } : {}),
    });
    return { id: data.id, url: data.html_url ?? data.url };
  } catch (error) {
    throw describeGitHubFailure(error, `Creating check run '${options.name}' on ${options.headSha.slice(0, 7)}`);
  }
}

import { describeGitHubFailure, type GitHubClient, isGitHubRequestError } from '../github/client.js';
import type { RepositoryRef } from '../github/pull-request.js';
import type { CardApproval, CardPullRequest } from './card.js';

/**
 * The pull request that merged `commit` (its merge commit, squash or rebase result) with its author and the
 * reviewers whose latest review approved; undefined when the commit came in without one.
 */
export async function findMergingPullRequest(
  client: GitHubClient,
  repository: RepositoryRef,
  commit: string,
): Promise<CardPullRequest | undefined> {
  try {
    const { data: pulls } = await client.rest.repos.listPullRequestsAssociatedWithCommit({
      ...repository,
      commit_sha: commit,
    });
    const merged = pulls.filter((pull) => pull.merged_at && pull.state === 'closed');
    const pull = merged.find((candidate) => candidate.merge_commit_sha === commit) ?? merged[0];
    if (!pull) return undefined;
    const reviews = await client.paginate(client.rest.pulls.listReviews, {
      ...repository,
      pull_number: pull.number,
      per_page: 100,
    });
    // A reviewer's latest approving or rejecting review counts; comments do not change their verdict.
    const verdicts = new Map<string, { state: string; at: string | null }>();
    for (const review of reviews) {
      const login = review.user?.login;
      if (
        !login ||
        (review.state !== 'APPROVED' && review.state !== 'CHANGES_REQUESTED' && review.state !== 'DISMISSED')
      )
        continue;
      verdicts.set(login, { state: review.state, at: review.submitted_at ?? null });
    }
    return {
      number: pull.number,
      title: pull.title,
      url: pull.html_url,
      author: pull.user?.login ?? 'unknown',
      approvers: [...verdicts]
        .filter(([, verdict]) => verdict.state === 'APPROVED')
        .map(([login, verdict]) => ({ login, at: verdict.at })),
    };
  } catch (error) {
    throw describeGitHubFailure(error, `Finding the pull request that merged ${commit.slice(0, 7)}`);
  }
}

/** Deployment states of a job that has started: before approval its deployment is waiting (or pending). */
const STARTED = new Set(['queued', 'in_progress', 'success', 'failure', 'error', 'inactive']);

/**
 * When an approval let the job into `environment` go: GitHub's review history has no time, but the job's
 * deployment of `commit` waits (status `waiting`) until approved, and its first status after that is the moment.
 */
async function approvedAt(
  client: GitHubClient,
  repository: RepositoryRef,
  commit: string,
  environment: string,
): Promise<string | null> {
  const { data: deployments } = await client.rest.repos.listDeployments({
    ...repository,
    sha: commit,
    environment,
    per_page: 1,
  });
  const deployment = deployments[0];
  if (!deployment) return null;
  const statuses = await client.paginate(client.rest.repos.listDeploymentStatuses, {
    ...repository,
    deployment_id: deployment.id,
    per_page: 100,
  });
  const started = statuses
    .filter((status) => STARTED.has(status.state))
    .map((status) => status.created_at)
    .sort();
  return started[0] ?? null;
}

/**
 * Who approved (or rejected) this run's environment deployments, from GitHub's review history of the run, and
 * when (from the environment's deployment of `commit`; null when there is none to tell).
 */
export async function runApprovals(
  client: GitHubClient,
  repository: RepositoryRef,
  runId: number,
  commit: string,
): Promise<CardApproval[]> {
  try {
    const { data } = await client.rest.actions.getReviewsForRun({ ...repository, run_id: runId });
    const approvals: CardApproval[] = [];
    for (const review of data) {
      const environments = review.environments.map((environment) => environment.name ?? String(environment.id));
      const first = environments[0];
      approvals.push({
        login: review.user.login,
        environments,
        state: review.state,
        at: review.state === 'approved' && first ? await approvedAt(client, repository, commit, first) : null,
        comment: review.comment,
      });
    }
    return approvals;
  } catch (error) {
    throw describeGitHubFailure(error, `Reading the environment approvals of run ${runId}`);
  }
}

/** The successful run of `workflow` on `branch` whose head is `commit`, if any. */
export async function findRunOfCommit(
  client: GitHubClient,
  repository: RepositoryRef,
  query: { workflow: string; branch: string; commit: string },
): Promise<{ id: number; url: string } | undefined> {
  try {
    const { data } = await client.rest.actions.listWorkflowRuns({
      ...repository,
      workflow_id: query.workflow,
      branch: query.branch,
      head_sha: query.commit,
      status: 'success',
      per_page: 1,
    });
    const run = data.workflow_runs[0];
    return run ? { id: run.id, url: run.html_url } : undefined;
  } catch (error) {
    if (isGitHubRequestError(error) && error.status === 404) return undefined;
    throw describeGitHubFailure(error, `Finding the ${query.workflow} run of ${query.commit.slice(0, 7)}`);
  }
}

/**
 * Uploads `content` as the release asset `name`, replacing an asset of that name an earlier run uploaded
 * (GitHub refuses a second one). Returns its download URL.
 */
export async function uploadReleaseAsset(
  client: GitHubClient,
  repository: RepositoryRef,
  release: { id: number; uploadUrl: string },
  asset: { name: string; contentType: string; content: Buffer },
): Promise<string> {
  try {
    const existing = await client.paginate(client.rest.repos.listReleaseAssets, {
      ...repository,
      release_id: release.id,
      per_page: 100,
    });
    for (const old of existing.filter((candidate) => candidate.name === asset.name)) {
      await client.rest.repos.deleteReleaseAsset({ ...repository, asset_id: old.id });
    }
    const { data } = await client.request({
      method: 'POST',
      url: release.uploadUrl,
      name: asset.name,
      data: asset.content,
      headers: { 'content-type': asset.contentType, 'content-length': asset.content.length },
    });
    return (data as { browser_download_url: string }).browser_download_url;
  } catch (error) {
    throw describeGitHubFailure(error, `Uploading ${asset.name} to release ${release.id}`);
  }
}

/**
 * Rewrites a release's notes with `edit` applied to them as they are now (read just before, so a section another
 * step added meanwhile is kept).
 */
export async function updateReleaseNotes(
  client: GitHubClient,
  repository: RepositoryRef,
  releaseId: number,
  edit: (body: string | null) => string,
): Promise<void> {
  try {
    const { data } = await client.rest.repos.getRelease({ ...repository, release_id: releaseId });
    await client.rest.repos.updateRelease({ ...repository, release_id: releaseId, body: edit(data.body ?? null) });
  } catch (error) {
    throw describeGitHubFailure(error, `Updating the notes of release ${releaseId}`);
  }
}

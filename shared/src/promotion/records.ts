import { describeGitHubFailure, type GitHubClient, isGitHubRequestError } from '../github/client.js';
import { createDeployment, type DeploymentState, setDeploymentStatus } from '../github/deployments.js';
import type { RepositoryRef } from '../github/pull-request.js';
import { type PromotionRecord, withReleaseSection } from './audit.js';

export interface GitHubRecords {
  client: GitHubClient;
  repository: RepositoryRef;
  runUrl: string | undefined;
}

/** One GitHub deployment per target environment, in_progress while the promotion runs. */
export async function startDeployments(
  records: GitHubRecords,
  commit: string,
  environments: readonly string[],
  payload: Record<string, unknown>,
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const environment of new Set(environments)) {
    const id = await createDeployment(records.client, records.repository, {
      ref: commit,
      environment,
      description: `Promote ${String(payload.digest ?? '').slice(0, 19)} by mlops-actions/promote`,
      payload,
    });
    await setDeploymentStatus(records.client, records.repository, id, {
      state: 'in_progress',
      description: 'Promoting',
      logUrl: records.runUrl,
    });
    ids.set(environment, id);
  }
  return ids;
}

export async function finishDeployments(
  records: GitHubRecords,
  ids: ReadonlyMap<string, number>,
  state: DeploymentState,
  description: string,
): Promise<void> {
  for (const id of ids.values()) {
    await setDeploymentStatus(records.client, records.repository, id, {
      state,
      description,
      logUrl: records.runUrl,
    });
  }
}

/** The release of `tag`, or undefined when the tag has no release (a plain tag push). */
export async function findRelease(
  records: GitHubRecords,
  tag: string,
): Promise<{ id: number; body: string | null } | undefined> {
  try {
    const { data } = await records.client.rest.repos.getReleaseByTag({ ...records.repository, tag });
    return { id: data.id, body: data.body ?? null };
  } catch (error) {
    if (isGitHubRequestError(error) && error.status === 404) return undefined;
    throw describeGitHubFailure(error, `Reading the release of ${tag}`);
  }
}

/** Appends the audit record to the release notes (replacing the section an earlier run wrote). */
export async function appendToReleaseNotes(
  records: GitHubRecords,
  release: { id: number; body: string | null },
  record: PromotionRecord,
): Promise<void> {
  try {
    await records.client.rest.repos.updateRelease({
      ...records.repository,
      release_id: release.id,
      body: withReleaseSection(release.body, record),
    });
  } catch (error) {
    throw describeGitHubFailure(error, `Appending the promotion to release ${release.id}`);
  }
}

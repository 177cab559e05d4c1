// The GitHub deployment that records a rollout on the environment's page: in_progress while it runs, then
// success (promoted) or failure (rolled back, inconclusive, interrupted).
import { describeGitHubFailure, type GitHubClient } from './client.js';
import type { RepositoryRef } from './pull-request.js';

export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'error' | 'inactive';

export interface NewDeployment {
  ref: string;
  environment: string;
  description: string;
  payload?: Record<string, unknown>;
}

export async function createDeployment(
  client: GitHubClient,
  repository: RepositoryRef,
  deployment: NewDeployment,
): Promise<number> {
  try {
    const { data } = await client.rest.repos.createDeployment({
      ...repository,
      ref: deployment.ref,
      environment: deployment.environment,
      description: deployment.description.slice(0, 140),
      payload: deployment.payload ?? {},
      // The rollout is the deployment: no merge of the default branch, no wait for commit statuses.
      auto_merge: false,
      required_contexts: [],
    });
    if (!('id' in data)) throw new Error(`GitHub did not create the deployment: ${JSON.stringify(data)}`);
    return data.id;
  } catch (error) {
    throw describeGitHubFailure(error, `Creating a deployment to '${deployment.environment}'`);
  }
}

export async function setDeploymentStatus(
  client: GitHubClient,
  repository: RepositoryRef,
  deploymentId: number,
  status: { state: DeploymentState; description: string; logUrl?: string | undefined; environment?: string },
): Promise<void> {
  try {
    await client.rest.repos.createDeploymentStatus({
      ...repository,
      deployment_id: deploymentId,
      state: status.state,
      description: status.description.slice(0, 140),
      ...(status.logUrl ? { log_url: status.logUrl } : {}),
      ...(status.environment ? { environment: status.environment } : {}),
    });
  } catch (error) {
    throw describeGitHubFailure(error, `Setting deployment ${deploymentId} to ${status.state}`);
  }
}

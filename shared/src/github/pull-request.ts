import type { GithubEnvironment } from '../context/index.js';
import { describeGitHubFailure, type GitHubClient } from './client.js';

export interface RepositoryRef {
  owner: string;
  repo: string;
}

export interface PullRequestTarget {
  number: number;
  baseRef: string;
  baseSha: string;
  headSha: string;
  /** The head lives in another repository: tokens of the triggering run are read-only. */
  fromFork: boolean;
}

type Payload = Record<string, any> | undefined;

function fromPayloadPull(pull: Record<string, any>, repository: string | undefined): PullRequestTarget {
  return {
    number: pull.number,
    baseRef: pull.base?.ref,
    baseSha: pull.base?.sha,
    headSha: pull.head?.sha,
    fromFork: Boolean(pull.head?.repo && repository && pull.head.repo.full_name !== repository),
  };
}

/** The head commit a run is about, by event kind. */
export function eventHeadSha(github: GithubEnvironment, payload: Payload): string | undefined {
  switch (github.eventName) {
    case 'pull_request':
    case 'pull_request_target':
      return payload?.pull_request?.head?.sha;
    case 'workflow_run':
      return payload?.workflow_run?.head_sha;
    case 'push':
      return payload?.after ?? github.sha;
    default:
      return github.sha;
  }
}

/**
 * Finds the pull request a run belongs to: from the payload for pull_request(_target); for push by the pushed
 * commit; for workflow_run from its pull_requests, else (forks) by head commit and head repository among the open
 * pull requests. Undefined when there is none.
 */
export async function resolvePullRequest(
  client: GitHubClient,
  repository: RepositoryRef,
  github: GithubEnvironment,
  payload: Payload,
): Promise<PullRequestTarget | undefined> {
  const fullName = `${repository.owner}/${repository.repo}`;
  if ((github.eventName === 'pull_request' || github.eventName === 'pull_request_target') && payload?.pull_request) {
    return fromPayloadPull(payload.pull_request, fullName);
  }
  const listed = payload?.workflow_run?.pull_requests?.[0]?.number as number | undefined;
  const sha = eventHeadSha(github, payload);
  try {
    if (listed !== undefined) {
      const { data } = await client.rest.pulls.get({ ...repository, pull_number: listed });
      return fromPayloadPull(data, fullName);
    }
    if (!sha) return undefined;
    if (github.eventName === 'workflow_run') {
      // GitHub leaves workflow_run.pull_requests empty for forks, and one commit can be the head of several pull
      // requests: match the open one whose head is this commit in the run's head repository.
      const headRepository = payload?.workflow_run?.head_repository?.full_name as string | undefined;
      for await (const { data: pulls } of client.paginate.iterator(client.rest.pulls.list, {
        ...repository,
        state: 'open',
        per_page: 100,
      })) {
        const match = pulls.find(
          (pull) => pull.head.sha === sha && (!headRepository || pull.head.repo?.full_name === headRepository),
        );
        if (match) return fromPayloadPull(match, fullName);
      }
      return undefined;
    }
    const { data: associated } = await client.rest.repos.listPullRequestsAssociatedWithCommit({
      ...repository,
      commit_sha: sha,
    });
    const open = associated.find((pull) => pull.state === 'open' && pull.head.sha === sha);
    return open ? fromPayloadPull(open, fullName) : undefined;
  } catch (error) {
    throw describeGitHubFailure(error, `Finding the pull request of ${sha ?? `#${listed}`} in ${fullName}`);
  }
}

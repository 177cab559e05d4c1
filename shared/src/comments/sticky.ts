import { ConfigurationError } from '../errors/index.js';
import {
  describeGitHubFailure,
  type GitHubClient,
  isGitHubRequestError,
  isReadOnlyTokenError,
} from '../github/client.js';
import type { RepositoryRef } from '../github/pull-request.js';
import { COMMENT_LIMIT } from '../markdown/index.js';

/** The login GITHUB_TOKEN comments as; installation tokens cannot ask GET /user who they are. */
export const ACTIONS_BOT_LOGIN = 'github-actions[bot]';

export function commentMarker(key: string): string {
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(key)) {
    throw new ConfigurationError(
      `Input 'comment-key' must be 1-100 letters, digits, '.', '_' or '-', got ${JSON.stringify(key)}.`,
      { input: 'comment-key' },
    );
  }
  return `<!-- mlops-actions:${key} -->`;
}

/**
 * Fits a body into GitHub's limit: cut at a line boundary, close an open code fence or details block, and say
 * where the full text is.
 */
export function fitComment(
  body: string,
  runUrl: string | undefined,
  limit = COMMENT_LIMIT,
): { body: string; truncated: boolean } {
  if (body.length <= limit) return { body, truncated: false };
  const where = runUrl ? `the [job summary of this run](${runUrl})` : "this run's job summary";
  const note = `\n\n> [!NOTE]\n> This comment was shortened to fit GitHub's ${limit.toLocaleString('en-US')}-character limit; the full report is in ${where}.\n`;
  let cut = body.slice(0, limit - note.length - 40);
  const lastLine = cut.lastIndexOf('\n');
  if (lastLine > cut.length / 2) cut = cut.slice(0, lastLine);
  const fences = cut.match(/^```/gm)?.length ?? 0;
  if (fences % 2 === 1) cut += '\n```';
  const openDetails = (cut.match(/<details/g)?.length ?? 0) - (cut.match(/<\/details>/g)?.length ?? 0);
  for (let index = 0; index < openDetails; index += 1) cut += '\n\n</details>';
  return { body: `${cut}${note}`, truncated: true };
}

/** Who the token comments as: GET /user for personal tokens, the Actions bot for installation tokens. */
export async function resolveTokenLogin(client: GitHubClient): Promise<string> {
  try {
    const { data } = await client.rest.users.getAuthenticated();
    return data.login;
  } catch (error) {
    if (isGitHubRequestError(error) && error.status === 403) return ACTIONS_BOT_LOGIN;
    throw describeGitHubFailure(error, 'Asking GitHub who the token belongs to');
  }
}

export type CommentTarget = { pullRequest: number } | { commit: string };

export interface StickyComment {
  client: GitHubClient;
  repository: RepositoryRef;
  target: CommentTarget;
  key: string;
  body: string;
  /** The login whose comments count as ours; someone else's comment with the same marker is left alone. */
  author: string;
  /** `edit` updates our comment in place; `minimize` hides it as outdated and posts a new one. */
  mode?: 'edit' | 'minimize';
  runUrl?: string;
}

export type StickyCommentResult =
  | { action: 'created' | 'updated' | 'unchanged' | 'replaced'; id: number; url: string; truncated: boolean }
  | { action: 'read-only'; reason: string };

interface FoundComment {
  id: number;
  node_id: string;
  body?: string | undefined;
  html_url: string;
  user: { login: string } | null;
}

async function findOwnComment(
  client: GitHubClient,
  repository: RepositoryRef,
  target: CommentTarget,
  marker: string,
  author: string,
): Promise<FoundComment | undefined> {
  let found: FoundComment | undefined;
  const ours = (comment: FoundComment) => comment.user?.login === author && (comment.body ?? '').startsWith(marker);
  const pages =
    'pullRequest' in target
      ? client.paginate.iterator(client.rest.issues.listComments, {
          ...repository,
          issue_number: target.pullRequest,
          per_page: 100,
        })
      : client.paginate.iterator(client.rest.repos.listCommentsForCommit, {
          ...repository,
          commit_sha: target.commit,
          per_page: 100,
        });
  for await (const { data } of pages) {
    // The newest of ours wins when an earlier run raced and left two.
    for (const comment of data as FoundComment[]) if (ours(comment)) found = comment;
  }
  return found;
}

/**
 * Creates or updates the one comment of `key` on a pull request (or a commit). The hidden marker on the first
 * line and the author together say which comment is ours, so a rerun edits in place and another tool's or
 * person's comment with the same marker is never touched. A read-only token is reported, not thrown.
 */
export async function upsertStickyComment(options: StickyComment): Promise<StickyCommentResult> {
  const { client, repository, target, author } = options;
  const marker = commentMarker(options.key);
  const fitted = fitComment(`${marker}\n${options.body}`, options.runUrl);
  const where = 'pullRequest' in target ? `pull request #${target.pullRequest}` : `commit ${target.commit.slice(0, 7)}`;
  const fullName = `${repository.owner}/${repository.repo}`;
  try {
    let existing: FoundComment | undefined;
    try {
      existing = await findOwnComment(client, repository, target, marker, author);
    } catch (error) {
      throw describeGitHubFailure(error, `Listing the comments of ${where} in ${fullName}`);
    }
    if (existing && existing.body === fitted.body) {
      return { action: 'unchanged', id: existing.id, url: existing.html_url, truncated: fitted.truncated };
    }
    if (existing && options.mode !== 'minimize') {
      const { data } =
        'pullRequest' in target
          ? await client.rest.issues.updateComment({ ...repository, comment_id: existing.id, body: fitted.body })
          : await client.rest.repos.updateCommitComment({ ...repository, comment_id: existing.id, body: fitted.body });
      return { action: 'updated', id: data.id, url: data.html_url, truncated: fitted.truncated };
    }
    if (existing) {
      await client.graphql(
        'mutation($id: ID!) { minimizeComment(input: {subjectId: $id, classifier: OUTDATED}) { minimizedComment { isMinimized } } }',
        { id: existing.node_id },
      );
    }
    const { data } =
      'pullRequest' in target
        ? await client.rest.issues.createComment({ ...repository, issue_number: target.pullRequest, body: fitted.body })
        : await client.rest.repos.createCommitComment({ ...repository, commit_sha: target.commit, body: fitted.body });
    return { action: existing ? 'replaced' : 'created', id: data.id, url: data.html_url, truncated: fitted.truncated };
  } catch (error) {
    if (isReadOnlyTokenError(error) || /not accessible by integration/i.test(String((error as Error).message))) {
      return { action: 'read-only', reason: `the token cannot write comments on ${where} of ${fullName}` };
    }
    if (error instanceof Error && !isGitHubRequestError(error)) throw error;
    throw describeGitHubFailure(error, `Writing the comment on ${where} of ${fullName}`);
  }
}

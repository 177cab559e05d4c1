import type { GithubEnvironment } from '../context/index.js';
import type { Logger } from '../log/index.js';
import type { Report } from '../report/report.js';

/** `auto`: on the run's pull request when there is one; `always`: else on the commit; `never`: no comment. */
export const COMMENT_MODES = ['auto', 'always', 'never'] as const;
export type CommentMode = (typeof COMMENT_MODES)[number];

export interface CommentRequest {
  mode: CommentMode;
  key: string;
  token: string | undefined;
  /** Comment on this pull request instead of the one found from the event. */
  pullRequest?: number;
}

export interface CommentOutcome {
  state: 'posted' | 'skipped' | 'handed-on';
  url?: string;
  detail: string;
}

/**
 * The artifact a report travels in when the report step combines it (a fork's read-only token, `comment: never`,
 * an action that does not comment): see workflows/comment-on-pr.yml. The step keeps two steps of a job apart.
 */
export function reportArtifactName(action: string, job: string | undefined, stepId?: string): string {
  const part = (text: string) => text.replace(/[^\w.-]+/g, '-');
  return `mlops-report-${action}-${part(job ?? 'job')}${stepId ? `-${part(stepId)}` : ''}`;
}

/**
 * Posts (or updates) the action's sticky comment for this run. It never fails the step for GitHub's sake: a
 * read-only token (a fork's pull request) hands the report on as an artifact for a `workflow_run` job to post.
 */
/** What a published report carries into commenting: its text, its JSON, and the run around it. */
export interface PublishedReport {
  markdown: string;
  report: Report;
  reportPath: string;
  github: GithubEnvironment;
  log: Logger;
  env: NodeJS.ProcessEnv;
}

/** The three comment inputs every commenting action shares. */
export function readCommentRequest(
  reader: {
    enum<const T extends string>(name: string, allowed: readonly T[], fallback: T): T;
    optional(name: string): string | undefined;
  },
  defaultKey: string,
): CommentRequest {
  return {
    mode: reader.enum('comment', COMMENT_MODES, 'auto'),
    key: reader.optional('comment-key') ?? defaultKey,
    token: reader.optional('github-token'),
  };
}

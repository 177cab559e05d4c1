import type { CommentOutcome, CommentRequest } from '../comments/publish.js';
import type { GithubEnvironment } from '../context/index.js';
import type { InputReader } from '../inputs/index.js';
import type { Logger } from '../log/index.js';
import type { Report } from '../report/report.js';
import type { SecretMask } from '../secrets/index.js';

export type OutputValue = string | number | boolean | readonly unknown[] | Record<string, unknown>;

/** What the report of one run looks like to a reader: the JSON report and its Markdown rendering. */
export interface Publication {
  report: Report;
  /** The job summary section; also the PR comment body where the action comments. */
  markdown: string;
  /** Where the action comments (inputs `comment`, `comment-key`, `github-token`). */
  comment?: CommentRequest;
  /** The comment body when it differs from the summary (a shortened version). */
  commentMarkdown?: string;
}

export interface Published {
  reportPath: string;
  comment?: CommentOutcome;
}

/**
 * Everything an action's main may touch of the world. The runner's host speaks workflow commands and files;
 * the CLI's host prints to a terminal; tests may build their own. Actions never import @actions/* directly.
 */
export interface ActionHost {
  readonly action: string;
  readonly inputs: InputReader;
  readonly log: Logger;
  readonly github: GithubEnvironment;
  readonly env: NodeJS.ProcessEnv;
  /** Masks the value in everything written from now on (logs, outputs, summary, reports). */
  setSecret(value: string | undefined): void;
  readonly secrets: SecretMask;
  setOutput(name: string, value: OutputValue): void;
  /**
   * Writes the JSON report, sets the `report` output, appends the Markdown to the job summary and, when asked,
   * posts it as the sticky PR comment (the CLI writes it to a file instead).
   */
  publish(publication: Publication): Promise<Published>;
  saveState(name: string, value: string): void;
  getState(name: string): string | undefined;
}

export type ActionPhase = (host: ActionHost) => Promise<void>;

export interface ActionDefinition {
  name: string;
  main: ActionPhase;
  /** The `post:` step; runs after the job's other steps, also when main failed or was cancelled. */
  post?: ActionPhase;
}

export function defineAction(definition: ActionDefinition): ActionDefinition {
  return definition;
}

export function outputText(value: OutputValue): string {
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

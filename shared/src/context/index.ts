import { readFile } from 'node:fs/promises';

/** The workflow run as the runner describes it in GITHUB_* and RUNNER_* variables. */
export interface GithubEnvironment {
  repository: string | undefined;
  owner: string | undefined;
  repo: string | undefined;
  sha: string | undefined;
  ref: string | undefined;
  refName: string | undefined;
  headRef: string | undefined;
  baseRef: string | undefined;
  eventName: string | undefined;
  eventPath: string | undefined;
  runId: string | undefined;
  runAttempt: string | undefined;
  job: string | undefined;
  /** The step's id (GITHUB_ACTION), unique within the job. */
  stepId: string | undefined;
  actor: string | undefined;
  workflow: string | undefined;
  serverUrl: string;
  apiUrl: string;
  graphqlUrl: string;
  workspace: string;
  runnerTemp: string;
  /** The run's page, for links in reports and comments. */
  runUrl: string | undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

export function readGithubEnvironment(env: NodeJS.ProcessEnv, cwd = process.cwd()): GithubEnvironment {
  const repository = nonEmpty(env.GITHUB_REPOSITORY);
  const [owner, repo] = repository?.split('/') ?? [];
  const serverUrl = nonEmpty(env.GITHUB_SERVER_URL) ?? 'https://github.com';
  const runId = nonEmpty(env.GITHUB_RUN_ID);
  return {
    repository,
    owner,
    repo,
    sha: nonEmpty(env.GITHUB_SHA),
    ref: nonEmpty(env.GITHUB_REF),
    refName: nonEmpty(env.GITHUB_REF_NAME),
    headRef: nonEmpty(env.GITHUB_HEAD_REF),
    baseRef: nonEmpty(env.GITHUB_BASE_REF),
    eventName: nonEmpty(env.GITHUB_EVENT_NAME),
    eventPath: nonEmpty(env.GITHUB_EVENT_PATH),
    runId,
    runAttempt: nonEmpty(env.GITHUB_RUN_ATTEMPT),
    job: nonEmpty(env.GITHUB_JOB),
    stepId: nonEmpty(env.GITHUB_ACTION),
    actor: nonEmpty(env.GITHUB_ACTOR),
    workflow: nonEmpty(env.GITHUB_WORKFLOW),
    serverUrl,
    apiUrl: nonEmpty(env.GITHUB_API_URL) ?? 'https://api.github.com',
    graphqlUrl: nonEmpty(env.GITHUB_GRAPHQL_URL) ?? 'https://api.github.com/graphql',
    workspace: nonEmpty(env.GITHUB_WORKSPACE) ?? cwd,
    runnerTemp: nonEmpty(env.RUNNER_TEMP) ?? nonEmpty(env.TMPDIR) ?? '/tmp',
    runUrl: repository && runId ? `${serverUrl}/${repository}/actions/runs/${runId}` : undefined,
  };
}

/** A webhook payload: its shape depends on the event, so fields are read defensively where used. */
export type WebhookPayload = Record<string, any>;

/** The webhook payload that triggered the run, or undefined outside a workflow. */
export async function readEventPayload(github: GithubEnvironment): Promise<WebhookPayload | undefined> {
  if (!github.eventPath) return undefined;
  return JSON.parse(await readFile(github.eventPath, 'utf8')) as WebhookPayload;
}

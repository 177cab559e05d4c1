import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { runAllowingFailure } from '../services/process.js';
import { type EventName, eventEnvironment, exampleEvent, type WebhookEvent } from './events.js';
import { type Annotation, annotationsOf, parseFileCommands, parseWorkflowCommands } from './workflow-commands.js';

export const repositoryRoot = resolve(import.meta.dirname, '..', '..');

export interface RunActionOptions {
  /** Input names as in action.yml; the harness sets INPUT_<NAME> upper-cased with hyphens kept. */
  inputs?: Record<string, string>;
  /** A real payload (see events.ts) or the name of one to load; default a pull_request.opened. */
  event?: WebhookEvent | EventName;
  /** Extra variables; they win over the harness's own. */
  env?: Record<string, string | undefined>;
  /** The checkout the action sees as GITHUB_WORKSPACE; default a fresh empty directory. */
  workspace?: string;
  /** Kill the action after this long (the test then fails on the signal). */
  timeoutMs?: number;
  /** What `${{ github.token }}` evaluates to in input defaults; none by default (no GitHub to talk to). */
  githubToken?: string;
}

export interface ActionRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  annotations: Annotation[];
  /** State saved for the post step (GITHUB_STATE). */
  state: Record<string, string>;
  /** Everything the step had, so runPost can run the post step in the same surroundings. */
  env: Record<string, string>;
  entry: string;
  workspace: string;
  runnerTemp: string;
}

const PASSED_THROUGH = ['PATH', 'HOME', 'LANG', 'TZ', 'SYSTEMROOT', 'TMPDIR'];

async function readIfExists(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

async function collect(
  entry: string,
  env: Record<string, string>,
  workspace: string,
  runnerTemp: string,
  timeoutMs: number,
): Promise<ActionRun> {
  const {
    code: exitCode,
    signal,
    stdout,
    stderr,
  } = await runAllowingFailure(process.execPath, [entry], {
    env,
    cwd: env.GITHUB_WORKSPACE,
    timeoutMs,
    killSignal: 'SIGKILL',
  });
  const result = { exitCode, signal, stdout, stderr };
  return {
    ...result,
    outputs: parseFileCommands(await readIfExists(env.GITHUB_OUTPUT as string)),
    summary: await readIfExists(env.GITHUB_STEP_SUMMARY as string),
    annotations: annotationsOf(parseWorkflowCommands(result.stdout)),
    state: parseFileCommands(await readIfExists(env.GITHUB_STATE as string)),
    env,
    entry,
    workspace,
    runnerTemp,
  };
}

/**
 * Runs `node <actionDir>/dist/index.js` as the runner does: inputs as INPUT_* variables, fresh command files
 * (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_STEP_SUMMARY), the event payload on disk, RUNNER_TEMP and the workspace.
 */
export async function runAction(actionDir: string, options: RunActionOptions = {}): Promise<ActionRun> {
  const home = await mkdtemp(join(tmpdir(), 'mlops-run-'));
  const workspace = options.workspace ?? join(home, 'workspace');
  const runnerTemp = join(home, 'runner-temp');
  const files = join(home, 'files');
  await Promise.all([mkdir(workspace, { recursive: true }), mkdir(runnerTemp), mkdir(files)]);

  const event =
    typeof options.event === 'string'
      ? exampleEvent(options.event)
      : (options.event ?? exampleEvent('pull_request', 'opened'));
  const eventPath = join(files, 'event.json');
  await writeFile(eventPath, JSON.stringify(event.payload));
  const commandFiles = {
    GITHUB_OUTPUT: join(files, 'output'),
    GITHUB_STATE: join(files, 'state'),
    GITHUB_STEP_SUMMARY: join(files, 'summary.md'),
    GITHUB_ENV: join(files, 'env'),
    GITHUB_PATH: join(files, 'path'),
  };
  // The runner creates the command files before the step starts.
  await Promise.all(Object.values(commandFiles).map((path) => writeFile(path, '')));

  const env: Record<string, string> = {};
  for (const name of PASSED_THROUGH) if (process.env[name] !== undefined) env[name] = process.env[name] as string;
  Object.assign(env, {
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_NUMBER: '7',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'test',
    GITHUB_ACTION: 'step_1',
    GITHUB_ACTOR: 'octocat',
    GITHUB_WORKFLOW: 'ml',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_GRAPHQL_URL: 'https://api.github.com/graphql',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: runnerTemp,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    ...eventEnvironment(event),
    ...commandFiles,
  });
  // The runner sets every input that has a default in action.yml, evaluating expressions in it.
  const metadata = parse(await readFile(join(actionDir, 'action.yml'), 'utf8').catch(() => '{}')) ?? {};
  const defaults: Record<string, string> = {};
  for (const [name, spec] of Object.entries<{ default?: unknown }>(metadata.inputs ?? {})) {
    if (spec.default === undefined) continue;
    const text = String(spec.default);
    defaults[name] = /^\$\{\{\s*github\.token\s*\}\}$/.test(text) ? (options.githubToken ?? '') : text;
  }
  for (const [name, value] of Object.entries({ ...defaults, ...options.inputs })) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const entry = join(actionDir, 'dist', 'index.js');
  return collect(entry, env, workspace, runnerTemp, options.timeoutMs ?? 60_000);
}

/** Runs the post step of the same action with the state main saved, as STATE_<name> variables. */
export async function runPost(main: ActionRun, options: { timeoutMs?: number } = {}): Promise<ActionRun> {
  const files = join(main.env.GITHUB_OUTPUT as string, '..', 'post');
  await mkdir(files, { recursive: true });
  const env: Record<string, string> = { ...main.env };
  for (const name of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY'] as const) {
    env[name] = join(files, name.toLowerCase());
    await writeFile(env[name], '');
  }
  for (const [name, value] of Object.entries(main.state)) env[`STATE_${name}`] = value;
  return collect(main.entry, env, main.workspace, main.runnerTemp, options.timeoutMs ?? 60_000);
}

export function actionDir(name: string): string {
  return join(repositoryRoot, 'actions', name);
}

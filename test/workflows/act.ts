import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import type { GitHubEmulator } from '../support/github/emulator.js';
import { repositoryRoot } from '../support/run-action.js';
import { examplePython, goTool, pathWithNode24, releaseCopy } from './tools.js';

const run = promisify(execFile);

/**
 * Third-party actions act cannot fetch here (no github.com). act itself skips actions/checkout of the repository
 * under test (it copies the work tree instead); these are removed from the copy act runs, and each run says which.
 */
export const UNFETCHABLE = ['actions/setup-python', 'actions/upload-artifact', 'actions/download-artifact'];

export interface ActWorkspace {
  act: string;
  /** The example project as a git repository whose origin is `repository` on GitHub. */
  directory: string;
  headSha: string;
  release: string;
  pythonBin: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function prepareActWorkspace(repository: string): Promise<ActWorkspace> {
  const [act, pythonBin] = await Promise.all([goTool('act'), examplePython()]);
  const home = await mkdtemp(join(tmpdir(), 'act-ws-'));
  const release = await releaseCopy(join(home, 'release'));
  const directory = join(home, 'repo');
  await mkdir(join(directory, 'examples'), { recursive: true });
  await cp(join(repositoryRoot, 'examples', 'penguins'), join(directory, 'examples', 'penguins'), {
    recursive: true,
    filter: (source) => !source.includes(`${join('penguins', 'build')}`),
  });
  const git = (...args: string[]) =>
    run('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], { cwd: directory });
  await git('init', '-q', '-b', 'main');
  await git('remote', 'add', 'origin', `https://github.com/${repository}.git`);
  await git('add', '-A');
  await git('commit', '-q', '-m', 'example project');
  const { stdout } = await git('rev-parse', 'HEAD');
  return {
    act,
    directory,
    headSha: stdout.trim(),
    release,
    pythonBin,
  };
}

export interface ActRun {
  code: number;
  log: string;
  /** `uses:` of the steps removed because act cannot fetch them. */
  removed: string[];
}

/** The template as act runs it: unfetchable third-party steps removed (and listed), nothing else changed. */
export async function installTemplate(workspace: ActWorkspace, template: string): Promise<string[]> {
  const workflow = parse(await readFile(join(repositoryRoot, 'workflows', template), 'utf8'));
  const removed: string[] = [];
  for (const job of Object.values<{ steps?: { uses?: string }[] }>(workflow.jobs)) {
    job.steps = (job.steps ?? []).filter((step) => {
      const unfetchable = UNFETCHABLE.some((name) => step.uses?.startsWith(`${name}@`));
      if (unfetchable) removed.push(step.uses as string);
      return !unfetchable;
    });
  }
  const folder = join(workspace.directory, '.github', 'workflows');
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, template), stringify(workflow));
  return removed;
}

export interface ActOptions {
  event: string;
  payload: Record<string, unknown>;
  runId: number;
  token: string;
  emulator: GitHubEmulator;
  repository: string;
  /** A free port for act's (unused) artifact server. */
  artifactPort: number;
  vars?: Record<string, string>;
  env?: Record<string, string>;
  /** Secrets besides GITHUB_TOKEN. */
  secrets?: Record<string, string>;
  /** Folders put first on the runner's PATH (tools a template's `run:` steps call, e.g. kubectl). */
  path?: string[];
}

/** act in self-hosted mode, with our actions from the release copy and GitHub's API at the emulator. */
export async function runAct(workspace: ActWorkspace, template: string, options: ActOptions): Promise<ActRun> {
  const removed = await installTemplate(workspace, template);
  const home = await mkdtemp(join(tmpdir(), 'act-run-'));
  const eventPath = join(home, 'event.json');
  await writeFile(eventPath, JSON.stringify(options.payload));
  const args = [
    options.event,
    '-W',
    `.github/workflows/${template}`,
    '-e',
    eventPath,
    '-P',
    'ubuntu-latest=-self-hosted',
    '--local-repository',
    `mlops-actions/mlops-actions@v1=${workspace.release}`,
    // act passes ACTIONS_RUNTIME_URL/TOKEN to steps only with an artifact server configured; its own server then
    // starts (on 127.0.0.1) but our variables win, see env below.
    '--artifact-server-path',
    join(home, 'act-artifacts'),
    '--artifact-server-addr',
    '127.0.0.1',
    '--artifact-server-port',
    String(options.artifactPort),
    '--no-cache-server',
    '--action-cache-path',
    join(home, 'cache'),
    '--env',
    `GITHUB_API_URL=${options.emulator.apiUrl}`,
    '--env',
    `GITHUB_RUN_ID=${options.runId}`,
    '-s',
    `GITHUB_TOKEN=${options.token}`,
  ];
  for (const [name, value] of Object.entries(options.env ?? {})) args.push('--env', `${name}=${value}`);
  for (const [name, value] of Object.entries(options.vars ?? {})) args.push('--var', `${name}=${value}`);
  for (const [name, value] of Object.entries(options.secrets ?? {})) args.push('-s', `${name}=${value}`);
  // act hands its own ACTIONS_RUNTIME_URL/TOKEN to steps only when these are unset: the emulator's results service
  // stands in for act's artifact server, whose protobuf decoder rejects @actions/artifact 6.2's CreateArtifact
  // ("unknown field mime_type", act 0.2.89), and makes the uploads listable through the REST API for later runs.
  const env = {
    ACTIONS_RUNTIME_URL: options.emulator.resultsUrl,
    ACTIONS_RUNTIME_TOKEN: options.emulator.runtimeTokenFor(options.repository, options.runId),
    PATH: pathWithNode24([...(options.path ?? []), workspace.pythonBin]),
    HOME: home,
    LANG: 'C.UTF-8',
    TMPDIR: home,
  };
  try {
    const { stdout, stderr } = await run(workspace.act, args, {
      cwd: workspace.directory,
      env,
      timeout: 240_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, log: stdout + stderr, removed };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : -1,
      log: (failed.stdout ?? '') + (failed.stderr ?? ''),
      removed,
    };
  }
}

/** The steps act reported, in order, with their outcome. */
export function stepOutcomes(log: string): { step: string; outcome: 'success' | 'failure' | 'skipped' }[] {
  const outcomes: { step: string; outcome: 'success' | 'failure' | 'skipped' }[] = [];
  // act prints Go durations after the step: [357.62ms], [2.5s], [1m2.69s].
  for (const line of log.split('\n')) {
    const match = /(✅ {2}Success|❌ {2}Failure) - (?:Main|Post) (.+?)(?: \[(?:\d+h)?(?:\d+m)?[\d.]+[µmn]?s\])?$/.exec(
      line,
    );
    if (match)
      outcomes.push({ step: match[2] as string, outcome: match[1]?.includes('Success') ? 'success' : 'failure' });
  }
  return outcomes;
}

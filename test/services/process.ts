import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What every rig service hands back: where it answers, which processes it runs, and how to end it. */
export interface ServiceHandle {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  /** Milliseconds from spawn until the readiness check first passed. */
  readonly startupMs: number;
  /** The live processes of the service: its leader and every descendant or member of its process group. */
  pids(): Promise<number[]>;
  /** Everything the service printed so far (stdout and stderr interleaved), for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

export interface StartProcessOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Resolves true once the service answers; polled until it does, the process dies, or the deadline passes. */
  ready: () => Promise<boolean>;
  timeoutMs?: number;
  pollIntervalMs?: number;
  /** Signal that asks the service to shut down cleanly; SIGKILL follows after `stopGraceMs`. */
  stopSignal?: NodeJS.Signals;
  stopGraceMs?: number;
  /** Removed after the processes are gone (the service's config, storage and logs). */
  workDir?: string;
  /** Log files the service writes besides stdout/stderr (nginx's error log), appended to logs(). */
  logFiles?: string[];
}

export interface ManagedProcess {
  readonly leaderPid: number;
  readonly startupMs: number;
  pids(): Promise<number[]>;
  logs(): string;
  stop(): Promise<void>;
}

const maxLogChars = 200_000;
/** Process-group leaders still running, so an interrupted suite does not leave them behind. */
const liveGroups = new Set<number>();
process.once('exit', () => {
  for (const leader of liveGroups) signalGroup(leader, 'SIGKILL');
});

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Ports below Linux's ephemeral range (32768 and up), so no `listen(0)` elsewhere can be handed one of them. */
const PORT_RANGE = { low: 20_000, high: 32_000 } as const;
const handedOut = new Set<number>();

function canBind(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free port on 127.0.0.1 for a service to bind a moment later. A port from `listen(0)` can be handed to the
 * next `listen(0)` of another test worker as soon as the probe closes it (seen as EADDRINUSE under CI), so ports
 * are drawn at random below the ephemeral range instead, and never twice by one process.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = PORT_RANGE.low + Math.floor(Math.random() * (PORT_RANGE.high - PORT_RANGE.low));
    if (handedOut.has(port)) continue;
    if (await canBind(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port between ${PORT_RANGE.low} and ${PORT_RANGE.high} on 127.0.0.1`);
}

/** A fresh directory for one service's config, storage and logs. */
export function makeWorkDir(name: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `rig-${name}-`));
}

/** True when an HTTP GET answers with one of `statuses` (connection errors count as not yet). */
export async function answers(url: string, statuses: readonly number[] = [200], init?: RequestInit): Promise<boolean> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return statuses.includes(response.status);
  } catch {
    return false;
  }
}

interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgid: number;
}

async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name sits in parentheses and may itself contain spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, state: fields[0] ?? '?', ppid: Number(fields[1]), pgid: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

async function allProcesses(): Promise<ProcStat[]> {
  const entries = await readdir('/proc');
  const stats = await Promise.all(entries.filter((entry) => /^\d+$/.test(entry)).map((e) => readProcStat(Number(e))));
  return stats.filter((stat): stat is ProcStat => stat !== undefined && stat.state !== 'Z');
}

/** The leader, its descendants, and anything else in its process group; zombies count as gone. */
async function processTree(leader: number): Promise<number[]> {
  const processes = await allProcesses();
  const members = new Set(processes.filter((p) => p.pid === leader || p.pgid === leader).map((p) => p.pid));
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of processes) {
      if (!members.has(p.pid) && members.has(p.ppid)) {
        members.add(p.pid);
        grew = true;
      }
    }
  }
  return [...members].sort((a, b) => a - b);
}

/** True while the PID names a running (not zombie) process. */
export async function isRunning(pid: number): Promise<boolean> {
  const stat = await readProcStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

function signalGroup(leader: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-leader, signal);
  } catch {
    // Already gone.
  }
}

function signalEach(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Spawns a service in its own process group, polls `ready` until it passes, and returns a handle whose stop()
 * ends the whole group (children such as nginx workers or MLflow's uvicorn included) and waits for it.
 * A failed start throws with the service's output and leaves nothing running.
 */
export async function startProcess(options: StartProcessOptions): Promise<ManagedProcess> {
  const started = performance.now();
  const child: ChildProcess = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const record = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-maxLogChars);
  };
  child.stdout?.on('data', record);
  child.stderr?.on('data', record);
  const logs = () => {
    const files = (options.logFiles ?? []).map((file) => {
      try {
        return `\n--- ${file}\n${readFileSync(file, 'utf8').slice(-maxLogChars)}`;
      } catch {
        return '';
      }
    });
    return output + files.join('');
  };
  let exit: { code: number | null; signal: NodeJS.Signals | null; error?: Error } | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      exit = { code: null, signal: null, error };
      resolve();
    });
    child.once('exit', (code, signal) => {
      exit ??= { code, signal };
      resolve();
    });
  });
  const leaderPid = child.pid;
  if (leaderPid === undefined) {
    await exited;
    throw new Error(`${options.name}: could not spawn ${options.command}: ${exit?.error?.message ?? 'unknown error'}`);
  }
  liveGroups.add(leaderPid);
  // Every PID ever seen in the tree, so stop() also reaches a member that has since left the group.
  const seen = new Set<number>([leaderPid]);
  const refresh = async () => {
    const live = await processTree(leaderPid);
    for (const pid of live) seen.add(pid);
    return live;
  };

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      await refresh();
      const members = [...seen];
      signalGroup(leaderPid, options.stopSignal ?? 'SIGTERM');
      signalEach(members, options.stopSignal ?? 'SIGTERM');
      const deadline = performance.now() + (options.stopGraceMs ?? 5_000);
      while (performance.now() < deadline && (await anyRunning(members))) await delay(50);
      if (await anyRunning(members)) {
        signalGroup(leaderPid, 'SIGKILL');
        signalEach(members, 'SIGKILL');
        while (await anyRunning(members)) await delay(20);
      }
      await exited;
      liveGroups.delete(leaderPid);
      if (options.workDir !== undefined) await rm(options.workDir, { recursive: true, force: true });
    })();
    return stopped;
  };

  const deadline = started + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (exit !== undefined) {
      const how = exit.error?.message ?? `exit code ${exit.code ?? exit.signal}`;
      const seen = logs();
      await stop();
      throw new Error(`${options.name} exited before it was ready (${how}):\n${seen}`);
    }
    if (await options.ready()) break;
    if (performance.now() > deadline) {
      const seen = logs();
      await stop();
      throw new Error(`${options.name} was not ready after ${options.timeoutMs ?? 30_000} ms:\n${seen}`);
    }
    await delay(options.pollIntervalMs ?? 50);
  }
  const startupMs = performance.now() - started;
  await refresh();
  return {
    leaderPid,
    startupMs,
    pids: refresh,
    logs,
    stop,
  };
}

async function anyRunning(pids: readonly number[]): Promise<boolean> {
  const states = await Promise.all(pids.map(isRunning));
  return states.some(Boolean);
}

/** Runs a command to completion and returns its output; a non-zero exit throws with stderr. */
export async function run(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string | Buffer; timeoutMs?: number } = {},
): Promise<{ stdout: string; stderr: string }> {
  const result = await runAllowingFailure(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.code}:\n${result.stderr || result.stdout}`);
  }
  return result;
}

/**
 * Like run() but hands back the exit code (and the signal that ended the child, if one did) instead of throwing,
 * for tests that expect a refusal. A child still running after `timeoutMs` gets `killSignal` (SIGTERM).
 */
export function runAllowingFailure(
  command: string,
  args: readonly string[],
  options: {
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    input?: string | Buffer;
    timeoutMs?: number;
    killSignal?: NodeJS.Signals;
  } = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 120_000,
      killSignal: options.killSignal ?? 'SIGTERM',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(options.input);
  });
}

/** Stops the service and returns the PIDs it had that are still running afterwards (none, when teardown works). */
export async function stopAndListSurvivors(handle: Pick<ServiceHandle, 'pids' | 'stop'>): Promise<number[]> {
  const before = await handle.pids();
  if (before.length === 0) throw new Error('the service reported no processes: nothing to check');
  await handle.stop();
  const states = await Promise.all(before.map(async (pid) => ((await isRunning(pid)) ? [pid] : [])));
  return states.flat();
}

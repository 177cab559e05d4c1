import { execa } from 'execa';
import { formatDuration } from '../inputs/parsers.js';
import { type Logger, silentLogger } from '../log/index.js';
import { SecretMask } from '../secrets/index.js';

export interface RunToolOptions {
  cwd?: string;
  /** Added to the current environment. */
  env?: Record<string, string | undefined>;
  /** Kill the tool after this many milliseconds; default 30 minutes. */
  timeoutMs?: number;
  /** Text written to the tool's standard input. */
  input?: string;
  logger?: Logger;
  /** Values masked in the echoed command line and in error messages. */
  secrets?: SecretMask;
  /** Exit codes that count as success; default only 0. */
  okExitCodes?: readonly number[];
}

export interface ToolResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  durationMs: number;
}

/** A tool that could not be started, timed out or exited with an unexpected code. */
export class ToolError extends Error {
  readonly tool: string;
  readonly commandLine: string;
  readonly exitCode: number | undefined;
  readonly stderr: string;

  constructor(message: string, details: { tool: string; commandLine: string; exitCode?: number; stderr: string }) {
    super(message);
    this.name = 'ToolError';
    this.tool = details.tool;
    this.commandLine = details.commandLine;
    this.exitCode = details.exitCode;
    this.stderr = details.stderr;
  }
}

/** Quotes an argument for display only; tools are always run with an argument array, never a shell. */
function displayArgument(argument: string): string {
  return /^[\w@%+=:,./-]+$/.test(argument) ? argument : `'${argument.replace(/'/g, `'\\''`)}'`;
}

export function formatCommandLine(tool: string, args: readonly string[], secrets?: SecretMask): string {
  const text = [tool, ...args].map(displayArgument).join(' ');
  return secrets ? secrets.redact(text) : text;
}

function lastLine(text: string): string | undefined {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.at(-1);
}

/**
 * Runs a tool with an argument array. The echoed command line and any error message have secrets masked, and
 * a failure's message carries the tool's last stderr line, which is usually the one that says why.
 */
export async function runTool(
  tool: string,
  args: readonly string[],
  options: RunToolOptions = {},
): Promise<ToolResult> {
  const logger = options.logger ?? silentLogger;
  const secrets = options.secrets ?? new SecretMask();
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  const commandLine = formatCommandLine(tool, args, secrets);
  logger.info(`[command]${commandLine}`);
  const started = performance.now();
  const result = await execa(tool, [...args], {
    reject: false,
    timeout: timeoutMs,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' as const }),
    stripFinalNewline: true,
  });
  const durationMs = performance.now() - started;
  const stdout = String(result.stdout ?? '');
  const stderr = String(result.stderr ?? '');
  const exitCode = result.exitCode;
  const okCodes = options.okExitCodes ?? [0];
  const details = {
    tool,
    commandLine,
    stderr: secrets.redact(stderr),
    ...(exitCode !== undefined ? { exitCode } : {}),
  };

  if (result.timedOut) {
    throw new ToolError(`'${tool}' did not finish within ${formatDuration(timeoutMs)}: ${commandLine}`, details);
  }
  const startError = (result as { code?: string }).code;
  if (startError === 'ENOENT') {
    throw new ToolError(`'${tool}' was not found on PATH.`, details);
  }
  if (exitCode === undefined || !okCodes.includes(exitCode)) {
    const why = lastLine(stderr) ?? lastLine(stdout) ?? (result.signal ? `killed by ${result.signal}` : 'no output');
    const status =
      exitCode === undefined ? `was killed (${result.signal ?? 'unknown signal'})` : `exited with ${exitCode}`;
    throw new ToolError(secrets.redact(`'${tool}' ${status}: ${why}`), details);
  }
  return { stdout, stderr, exitCode, durationMs };
}

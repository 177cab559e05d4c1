import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readGithubEnvironment } from '../context/index.js';
import { InputReader } from '../inputs/index.js';
import type { Logger } from '../log/index.js';
import { markdownToTerminal } from '../markdown/index.js';
import { describeFailure, isDebugEnabled } from '../runner/failure.js';
import type { ActionDefinition, ActionHost } from '../runner/host.js';
import { outputText } from '../runner/host.js';
import { writePublishedReport } from '../runner/publish.js';
import { SecretMask } from '../secrets/index.js';

/** The parts of an action.yml the CLI needs: inputs with their defaults, outputs, descriptions. */
export interface ActionMetadata {
  name: string;
  description: string;
  inputs: Record<string, { description?: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description?: string }>;
}

export interface RegisteredAction {
  definition: ActionDefinition;
  metadata: ActionMetadata;
}

export type ActionRegistry = Readonly<Record<string, RegisteredAction>>;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** What `mlops --version` prints: the version of the package the command runs from. */
  version?: string;
}

/** Flags that belong to the CLI itself; no action may name an input like these. */
export const CLI_OPTIONS = {
  'out-dir': 'where reports and the comment file go (default .mlops/<action> in the current directory)',
  'comment-file': 'where the PR comment that would be posted is written (default <out-dir>/comment.md)',
  help: 'show this help',
} as const;

export class UsageError extends Error {}

/** The option an argument names (`--name` or `--name=value`), or undefined when it is no option. */
function optionName(arg: string): string | undefined {
  if (!arg.startsWith('--') || arg === '--') return undefined;
  const body = arg.slice(2);
  const equals = body.indexOf('=');
  return equals >= 0 ? body.slice(0, equals) : body;
}

/**
 * Splits `--name value`, `--name=value` and bare `--flag` (meaning true) into a map. Repeated flags join
 * with newlines, which list inputs accept, so `--tags a --tags b` works as a list. An option takes the next
 * argument as its value whatever it starts with (a PEM key's `-----BEGIN`, a negative number, a path such as
 * `--x`), unless that argument names an option `isOption` knows: then the first is a bare flag.
 */
export function parseFlags(
  args: readonly string[],
  isOption: (name: string) => boolean = () => true,
): Map<string, string> {
  const flags = new Map<string, string>();
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] as string;
    if (optionName(arg) === undefined) throw new UsageError(`unexpected argument '${arg}'`);
    const body = arg.slice(2);
    const equals = body.indexOf('=');
    let name: string;
    let value: string;
    if (equals >= 0) {
      name = body.slice(0, equals);
      value = body.slice(equals + 1);
    } else {
      name = body;
      const next = args[index + 1];
      const nextOption = next === undefined ? undefined : optionName(next);
      if (next === undefined || (nextOption !== undefined && isOption(nextOption))) value = 'true';
      else {
        value = next;
        index += 1;
      }
    }
    const previous = flags.get(name);
    flags.set(name, previous === undefined ? value : `${previous}\n${value}`);
  }
  return flags;
}

/** The runner's defaults for an input; `${{ github.token }}` becomes GITHUB_TOKEN, other expressions nothing. */
export function defaultInputValue(raw: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (raw === undefined) return undefined;
  if (/^\$\{\{\s*github\.token\s*\}\}$/.test(raw.trim())) return env.GITHUB_TOKEN ?? '';
  return raw.includes('${{') ? '' : raw;
}

function wrap(text: string, width: number, indent: string): string {
  const words = text.replace(/\s+/g, ' ').trim().split(' ');
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((text) => `${indent}${text}`).join('\n');
}

export function actionHelp(metadata: ActionMetadata): string {
  const lines = [
    `mlops ${metadata.name} [--input-name value ...]`,
    '',
    wrap(metadata.description, 100, ''),
    '',
    'Inputs:',
  ];
  for (const [name, input] of Object.entries(metadata.inputs)) {
    const traits = [input.required ? 'required' : '', input.default !== undefined ? `default: ${input.default}` : '']
      .filter(Boolean)
      .join(', ');
    lines.push(`  --${name}${traits ? `  (${traits})` : ''}`);
    if (input.description) lines.push(wrap(input.description, 96, '      '));
  }
  lines.push('', 'Outputs:');
  for (const [name, output] of Object.entries(metadata.outputs)) {
    lines.push(`  ${name}${output.description ? `: ${output.description.replace(/\s+/g, ' ').trim()}` : ''}`);
  }
  lines.push('', 'CLI options:');
  for (const [name, description] of Object.entries(CLI_OPTIONS)) lines.push(`  --${name}  ${description}`);
  return lines.join('\n');
}

export function overallHelp(registry: ActionRegistry): string {
  const lines = [
    'mlops <action> [--input-name value ...]',
    '',
    'Runs an action of mlops-actions outside GitHub.',
    '',
    'Actions:',
  ];
  const width = Math.max(...Object.keys(registry).map((name) => name.length));
  for (const [name, { metadata }] of Object.entries(registry)) {
    lines.push(`  ${name.padEnd(width)}  ${metadata.description.replace(/\s+/g, ' ').trim()}`);
  }
  lines.push('', "Run 'mlops <action> --help' for an action's inputs, 'mlops --version' for the version.");
  return lines.join('\n');
}

/** Progress on a terminal: each group is a timed block, warnings and errors stand out. */
export function createTerminalLogger(write: (text: string) => void, secrets: SecretMask, debug: boolean): Logger {
  const print = (text: string) => write(`${secrets.redact(text)}\n`);
  const place = (where?: { file?: string; line?: number }) =>
    where?.file ? ` (${where.file}${where.line !== undefined ? `:${where.line}` : ''})` : '';
  return {
    debug: (message) => {
      if (debug) print(`  debug: ${message}`);
    },
    info: (message) => print(`  ${message}`),
    notice: (message, where) => print(`note: ${message}${place(where)}`),
    warning: (message, where) => print(`warning: ${message}${place(where)}`),
    error: (message, where) => print(`error: ${message}${place(where)}`),
    async group(name, work) {
      print(`▶ ${name}`);
      const started = performance.now();
      try {
        const result = await work();
        print(`✔ ${name} (${((performance.now() - started) / 1000).toFixed(1)}s)`);
        return result;
      } catch (error) {
        print(`✘ ${name} (${((performance.now() - started) / 1000).toFixed(1)}s)`);
        throw error;
      }
    },
  };
}

/** Runs `mlops <action> …`; returns the process exit code (0 ok, 1 the action failed, 2 usage). */
export async function runCli(argv: readonly string[], registry: ActionRegistry, io: CliIo): Promise<number> {
  const [actionName, ...rest] = argv;
  if (actionName === '--version' || actionName === '-V' || actionName === 'version') {
    io.stdout(`mlops ${io.version ?? '(version unknown)'} (Node ${process.version})\n`);
    return 0;
  }
  if (!actionName || actionName === '--help' || actionName === '-h' || actionName === 'help') {
    io.stdout(`${overallHelp(registry)}\n`);
    return actionName ? 0 : 2;
  }
  const registered = registry[actionName];
  if (!registered) {
    io.stderr(`mlops: unknown action '${actionName}'. Actions: ${Object.keys(registry).join(', ')}.\n`);
    return 2;
  }
  const { metadata, definition } = registered;
  let flags: Map<string, string>;
  try {
    flags = parseFlags(rest, (name) => name in metadata.inputs || name in CLI_OPTIONS);
  } catch (error) {
    io.stderr(`mlops ${actionName}: ${(error as Error).message}\n`);
    return 2;
  }
  if (flags.has('help')) {
    io.stdout(`${actionHelp(metadata)}\n`);
    return 0;
  }
  const unknown = [...flags.keys()].filter((name) => !(name in metadata.inputs) && !(name in CLI_OPTIONS));
  if (unknown.length > 0) {
    io.stderr(
      `mlops ${actionName}: unknown option ${unknown.map((name) => `--${name}`).join(', ')}. ` +
        `Inputs: ${Object.keys(metadata.inputs)
          .map((name) => `--${name}`)
          .join(', ')}.\n`,
    );
    return 2;
  }

  const outDir = resolve(io.cwd, flags.get('out-dir') ?? join('.mlops', actionName));
  const commentFile = resolve(io.cwd, flags.get('comment-file') ?? join(outDir, 'comment.md'));
  const env: NodeJS.ProcessEnv = {
    ...io.env,
    RUNNER_TEMP: outDir,
    GITHUB_WORKSPACE: io.env.GITHUB_WORKSPACE ?? io.cwd,
  };
  const github = readGithubEnvironment(env, io.cwd);
  const secrets = new SecretMask();
  const debug = isDebugEnabled(env);
  const log = createTerminalLogger(io.stdout, secrets, debug);
  const state = new Map<string, string>();
  const outputs = new Map<string, string>();
  const inputValue = (name: string) => flags.get(name) ?? defaultInputValue(metadata.inputs[name]?.default, env);
  await mkdir(outDir, { recursive: true });

  const host: ActionHost = {
    action: actionName,
    // Inside a workflow the CLI reads a pull request's files as the actions do; on a machine, paths are the user's.
    inputs: new InputReader(inputValue, {
      workspace: github.workspace,
      boundary: { enforced: env.GITHUB_ACTIONS === 'true', runnerTemp: outDir },
    }),
    log,
    github,
    env,
    secrets,
    setSecret: (value) => secrets.add(value),
    setOutput: (name, value) => {
      outputs.set(name, secrets.redact(outputText(value)));
    },
    async publish(publication) {
      const path = await writePublishedReport(github, secrets, publication);
      outputs.set('report', path);
      const markdown = secrets.redact(publication.markdown);
      await mkdir(resolve(commentFile, '..'), { recursive: true });
      await writeFile(commentFile, `${secrets.redact(publication.commentMarkdown ?? publication.markdown)}\n`);
      io.stdout(`\n${markdownToTerminal(markdown)}\n\n`);
      io.stdout(`PR comment that would be posted: ${commentFile}\n`);
      return {
        reportPath: path,
        comment: { state: 'skipped', url: commentFile, detail: 'written to a file by the CLI' },
      };
    },
    saveState: (name, value) => {
      state.set(name, value);
    },
    getState: (name) => state.get(name),
  };

  let exitCode = 0;
  try {
    await definition.main(host);
  } catch (error) {
    const failure = describeFailure(actionName, error, debug);
    log.error(failure.message, failure.where);
    if (failure.stack) io.stderr(`${secrets.redact(failure.stack)}\n`);
    exitCode = 1;
  } finally {
    // A post phase (rollback, cleanup) runs as it would on the runner, whatever main did.
    if (definition.post) {
      try {
        await definition.post(host);
      } catch (error) {
        log.error(describeFailure(actionName, error, debug).message);
        exitCode = 1;
      }
    }
  }
  if (outputs.size > 0) {
    io.stdout('Outputs:\n');
    for (const [name, value] of outputs) io.stdout(`  ${name}=${value}\n`);
  }
  return exitCode;
}

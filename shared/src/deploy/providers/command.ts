import { ConfigurationError } from '../../errors/index.js';
import { runTool, ToolError } from '../../exec/index.js';
import type { Logger } from '../../log/index.js';
import type { SecretMask } from '../../secrets/index.js';
import { findExecutable, ProviderError, type TrafficProvider } from './provider.js';

/** Placeholders a `set-weight-command` may use in any argument. */
export const COMMAND_PLACEHOLDERS = ['{weight}', '{baseline-weight}', '{baseline}', '{candidate}'] as const;

export interface CommandProviderOptions {
  /** The command as an argument array (see splitCommandLine); must use {weight}. */
  command: readonly string[];
  baseline: string;
  candidate: string;
  /** The input that carried the command, for error messages. */
  input: string;
  logger: Logger;
  secrets?: SecretMask;
  timeoutMs?: number;
}

/** The arguments for one weight: each placeholder replaced, never passed through a shell. */
export function commandArguments(
  template: readonly string[],
  weight: number,
  names: { baseline: string; candidate: string },
): string[] {
  return template.map((argument) =>
    argument
      .replaceAll('{weight}', String(weight))
      .replaceAll('{baseline-weight}', String(100 - weight))
      .replaceAll('{baseline}', names.baseline)
      .replaceAll('{candidate}', names.candidate),
  );
}

/** Runs the user's command with the candidate's weight, e.g. `kubectl argo rollouts set weight app {weight}`. */
export function createCommandProvider(options: CommandProviderOptions): TrafficProvider {
  const [tool, ...template] = options.command;
  const { input } = options;
  if (tool === undefined)
    throw new ConfigurationError(`Input '${input}' is empty: give the command to run.`, { input });
  if (!options.command.some((argument) => argument.includes('{weight}'))) {
    throw new ConfigurationError(
      `Input '${input}' must pass the candidate's weight with {weight}, e.g. "set-weight.sh --candidate {weight}".`,
      { input },
    );
  }
  return {
    kind: 'command',
    target: [tool, ...template].join(' '),
    async preflight() {
      if (findExecutable(tool) === undefined) {
        throw new ConfigurationError(`Input '${input}': '${tool}' was not found (not on PATH or not executable).`, {
          input,
        });
      }
    },
    async setCandidateWeight(weight) {
      try {
        await runTool(tool, commandArguments(template, weight, options), {
          logger: options.logger,
          ...(options.secrets ? { secrets: options.secrets } : {}),
          timeoutMs: options.timeoutMs ?? 5 * 60_000,
        });
      } catch (error) {
        if (error instanceof ToolError)
          throw new ProviderError(`Setting the weight to ${weight}% failed: ${error.message}`);
        throw error;
      }
    },
  };
}

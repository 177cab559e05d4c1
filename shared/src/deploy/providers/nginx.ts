// The nginx provider owns one file that the user's nginx.conf includes at `http {}` level, and rewrites it for
// every weight: an upstream with weights (plain A/B), or a split_clients map keyed on a header or cookie (sticky
// A/B). Every version is checked with `nginx -t` before the reload; a version nginx refuses is replaced by the
// previous one, so the running config and the file never disagree.
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigurationError } from '../../errors/index.js';
import { runTool, ToolError } from '../../exec/index.js';
import type { Logger } from '../../log/index.js';
import type { SecretMask } from '../../secrets/index.js';
import { findExecutable, ProviderError, type TrafficProvider } from './provider.js';

export interface StickyKey {
  source: 'header' | 'cookie';
  name: string;
}

export interface NginxSplit {
  /** The upstream's name; sticky mode also defines `<upstream>_baseline`, `<upstream>_candidate` and the
   * variable `$<upstream>_variant` to proxy to. */
  upstream: string;
  baseline: readonly string[];
  candidate: readonly string[];
  sticky?: StickyKey | undefined;
}

const UPSTREAM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
// host:port, [v6]:port, a name, or unix:/path: nothing that could end the directive or open a block.
const SERVER_ADDRESS = /^(unix:\/[^\s;{}#'"$\\]+|\[[0-9A-Fa-f:.]+\](:\d{1,5})?|[A-Za-z0-9._-]+(:\d{1,5})?)$/;

/** Checks an upstream name for nginx (it is also part of a variable name). */
export function checkUpstreamName(name: string, input: string): string {
  if (!UPSTREAM_NAME.test(name)) {
    throw new ConfigurationError(
      `Input '${input}' must be an nginx upstream name of letters, digits and '_' (e.g. model), got "${name}".`,
      { input },
    );
  }
  return name;
}

/** Checks `host:port` / `unix:/path` server addresses; anything else could inject nginx directives. */
export function checkServerAddresses(addresses: readonly string[], input: string): string[] {
  if (addresses.length === 0) {
    throw new ConfigurationError(`Input '${input}' is required: give the server address(es), e.g. 10.0.0.5:8080.`, {
      input,
    });
  }
  for (const address of addresses) {
    if (!SERVER_ADDRESS.test(address)) {
      throw new ConfigurationError(
        `Input '${input}': "${address}" is not a server address; write host:port, [ipv6]:port or unix:/path.`,
        { input },
      );
    }
  }
  return [...addresses];
}

/** `header:X-User-Id` or `cookie:user_id`, the key split_clients hashes for sticky A/B. */
export function parseStickyKey(text: string, input: string): StickyKey {
  const match = /^(header|cookie):([A-Za-z0-9_-]{1,100})$/.exec(text.trim());
  if (!match || (match[1] === 'cookie' && match[2]?.includes('-'))) {
    throw new ConfigurationError(
      `Input '${input}' must be header:<Name> or cookie:<name> (letters, digits, '_'; '-' in header names), got "${text}".`,
      { input },
    );
  }
  return { source: match[1] as StickyKey['source'], name: match[2] as string };
}

/** The nginx variable that holds the sticky key: $http_x_user_id for header:X-User-Id. */
export function stickyVariable(key: StickyKey): string {
  return key.source === 'header' ? `$http_${key.name.toLowerCase().replace(/-/g, '_')}` : `$cookie_${key.name}`;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function serverLines(addresses: readonly string[], weight: number): string[] {
  // nginx refuses weight=0: a server without traffic is marked down.
  return addresses.map((address) => `    server ${address}${weight > 0 ? ` weight=${weight}` : ' down'};`);
}

/** The file's text for `weight` percent to the candidate. */
export function renderNginxSplit(split: NginxSplit, weight: number): string {
  if (!Number.isInteger(weight) || weight < 0 || weight > 100)
    throw new RangeError(`weight must be 0..100, got ${weight}`);
  const header = `# Written by mlops-actions/deploy: candidate at ${weight}%. The next rollout step rewrites this file.\n`;
  if (split.sticky) {
    const variable = `$${split.upstream}_variant`;
    // The candidate's share comes first, so raising its weight only moves keys from baseline to candidate.
    const entries =
      weight === 0
        ? [`    * ${split.upstream}_baseline;`]
        : weight === 100
          ? [`    * ${split.upstream}_candidate;`]
          : [`    ${weight}% ${split.upstream}_candidate;`, `    * ${split.upstream}_baseline;`];
    return [
      header,
      `split_clients "${stickyVariable(split.sticky)}" ${variable} {`,
      ...entries,
      '}',
      `upstream ${split.upstream}_baseline {`,
      ...serverLines(split.baseline, 1),
      '}',
      `upstream ${split.upstream}_candidate {`,
      ...serverLines(split.candidate, 1),
      '}',
      '',
    ].join('\n');
  }
  // Per-server weights keep the arms' shares exact whatever the number of servers in each.
  let baselineWeight = (100 - weight) * split.candidate.length;
  let candidateWeight = weight * split.baseline.length;
  const divisor = gcd(baselineWeight, candidateWeight) || 1;
  baselineWeight /= divisor;
  candidateWeight /= divisor;
  return [
    header,
    `upstream ${split.upstream} {`,
    ...serverLines(split.baseline, baselineWeight),
    ...serverLines(split.candidate, candidateWeight),
    '}',
    '',
  ].join('\n');
}

export interface NginxProviderOptions {
  split: NginxSplit;
  /** The file the user's nginx.conf includes; this action owns it. */
  configPath: string;
  /** How the path is shown to the user. */
  configDisplay: string;
  /** `nginx -t` with the same -p/-c as the running server. */
  testCommand: readonly string[];
  /** `nginx -s reload`, `systemctl reload nginx`, … */
  reloadCommand: readonly string[];
  logger: Logger;
  secrets?: SecretMask;
  /** Wait after the reload signal for the new workers to take over (nginx reloads asynchronously); default 500. */
  settleMs?: number;
}

/**
 * The test command for a reload command: `nginx … -s reload` becomes `nginx … -t` (same prefix and config);
 * anything else is tested with plain `nginx -t`.
 */
export function deriveTestCommand(reload: readonly string[]): string[] {
  const signal = reload.findIndex((argument, index) => argument === '-s' && reload[index + 1] === 'reload');
  if (signal > 0) return [...reload.slice(0, signal), '-t', ...reload.slice(signal + 2)];
  return ['nginx', '-t'];
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.mlops-${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}

export function createNginxProvider(options: NginxProviderOptions): TrafficProvider {
  const { configPath, configDisplay, split, logger } = options;
  const settleMs = options.settleMs ?? 500;
  const tool = (command: readonly string[]) => {
    const [name, ...args] = command;
    return runTool(name as string, args, {
      logger,
      ...(options.secrets ? { secrets: options.secrets } : {}),
      timeoutMs: 60_000,
    });
  };
  return {
    kind: 'nginx',
    target: configDisplay,
    async preflight() {
      for (const [input, command] of [
        ['nginx-reload', options.reloadCommand],
        ['nginx-test', options.testCommand],
      ] as const) {
        const name = command[0];
        if (name === undefined || findExecutable(name) === undefined) {
          throw new ConfigurationError(
            `Input '${input}': '${name ?? ''}' was not found (not on PATH or not executable).`,
            {
              input,
            },
          );
        }
      }
      const directory = dirname(configPath);
      const folder = await stat(directory).catch(() => undefined);
      if (!folder?.isDirectory()) {
        throw new ConfigurationError(`Input 'nginx-config': the folder of '${configDisplay}' does not exist.`, {
          input: 'nginx-config',
        });
      }
      const existing = await stat(configPath).catch(() => undefined);
      if (existing && !existing.isFile()) {
        throw new ConfigurationError(`Input 'nginx-config': '${configDisplay}' is not a file.`, {
          input: 'nginx-config',
        });
      }
    },
    async setCandidateWeight(weight) {
      const previous = await readOptional(configPath);
      await writeAtomically(configPath, renderNginxSplit(split, weight));
      try {
        await tool(options.testCommand);
      } catch (error) {
        if (previous === undefined) await rm(configPath, { force: true });
        else await writeAtomically(configPath, previous);
        const why = error instanceof ToolError ? error.message : String(error);
        throw new ProviderError(`nginx refused the config for ${weight}% (previous file restored): ${why}`);
      }
      try {
        await tool(options.reloadCommand);
      } catch (error) {
        // nginx keeps serving the old config when the reload fails: put the file back in line with it.
        if (previous === undefined) await rm(configPath, { force: true });
        else await writeAtomically(configPath, previous);
        const why = error instanceof ToolError ? error.message : String(error);
        throw new ProviderError(`nginx did not reload for ${weight}% (previous file restored): ${why}`);
      }
      if (settleMs > 0) await new Promise((resolve) => setTimeout(resolve, settleMs));
    },
  };
}

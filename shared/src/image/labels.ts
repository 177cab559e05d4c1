import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { ConfigurationError } from '../errors/index.js';
import { runTool } from '../exec/index.js';

export interface ModelMetadata {
  name?: string;
  version?: string;
  /** sha256 of the metrics file as given. */
  metricsDigest?: string;
  /** Top-level numeric metrics, at most MAX_HEADLINE_METRICS, in the file's order. */
  metrics?: Record<string, number>;
}

export interface LabelContext {
  /** `https://github.com/acme/churn`. */
  source?: string;
  revision?: string;
  created: string;
  version?: string;
  title?: string;
  model: ModelMetadata;
}

export const MAX_HEADLINE_METRICS = 10;

/** A label key part: lower case, dots and dashes kept, anything else '-'. */
function labelKeyPart(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * The OCI annotations keys (`org.opencontainers.image.*`) and ours (`ai.mlops.model.*`), for the image config's
 * labels; user labels win on conflicts. Keys come out sorted so the config's bytes do not depend on order.
 */
export function imageLabels(context: LabelContext, userLabels: Record<string, string> = {}): Record<string, string> {
  const labels: Record<string, string> = {};
  const set = (key: string, value: string | undefined) => {
    if (value !== undefined && value !== '') labels[key] = value;
  };
  set('org.opencontainers.image.source', context.source);
  set('org.opencontainers.image.revision', context.revision);
  set('org.opencontainers.image.created', context.created);
  set('org.opencontainers.image.version', context.version);
  set('org.opencontainers.image.title', context.title);
  set('ai.mlops.model.name', context.model.name);
  set('ai.mlops.model.version', context.model.version);
  set('ai.mlops.model.metrics-digest', context.model.metricsDigest);
  for (const [name, value] of Object.entries(context.model.metrics ?? {})) {
    set(`ai.mlops.model.metric.${labelKeyPart(name)}`, String(value));
  }
  Object.assign(labels, userLabels);
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** `key=value` lines (the `labels`, `annotations` and `build-args` inputs) into a record; names the bad line. */
export function parseKeyValues(lines: readonly string[], input: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const line of lines) {
    const separator = line.indexOf('=');
    if (separator <= 0) {
      throw new ConfigurationError(`Input '${input}': '${line}' must be written key=value.`, { input });
    }
    result[line.slice(0, separator).trim()] = line.slice(separator + 1).trim();
  }
  return result;
}

/**
 * The metrics file's digest and its headline metrics: numbers at the top level, or under `metrics:` (JSON or
 * YAML, as test-model writes them).
 */
export async function readMetricsFile(
  path: string,
  display: string,
  input = 'metrics-file',
): Promise<Required<Pick<ModelMetadata, 'metricsDigest' | 'metrics'>>> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    throw new ConfigurationError(`Input '${input}': '${display}' does not exist.`, { input, file: display });
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(bytes.toString('utf8'));
  } catch (error) {
    throw new ConfigurationError(`Input '${input}': '${display}' is not JSON or YAML: ${(error as Error).message}`, {
      input,
      file: display,
    });
  }
  const object = (parsed ?? {}) as Record<string, unknown>;
  const source =
    object.metrics && typeof object.metrics === 'object' ? (object.metrics as Record<string, unknown>) : object;
  const metrics: Record<string, number> = {};
  for (const [name, value] of Object.entries(source)) {
    if (typeof value === 'number' && Number.isFinite(value) && Object.keys(metrics).length < MAX_HEADLINE_METRICS) {
      metrics[name] = value;
    }
  }
  return { metricsDigest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, metrics };
}

export type SourceDateOrigin = 'SOURCE_DATE_EPOCH' | 'commit' | 'event' | 'now' | 'epoch';

/**
 * The time written into layers and the config: SOURCE_DATE_EPOCH when set, else the commit's committer time
 * (`git log`), else the push event's head commit time; the current time only when reproducible is false.
 */
export async function resolveSourceDate(options: {
  reproducible: boolean;
  env: NodeJS.ProcessEnv;
  workspace: string;
  sha?: string;
  eventCommitTime?: string;
}): Promise<{ epochSeconds: number; origin: SourceDateOrigin }> {
  if (!options.reproducible) return { epochSeconds: Math.floor(Date.now() / 1000), origin: 'now' };
  const fromEnv = options.env.SOURCE_DATE_EPOCH?.trim();
  if (fromEnv) {
    if (!/^\d+$/.test(fromEnv)) {
      throw new ConfigurationError(`SOURCE_DATE_EPOCH must be whole seconds since 1970, got '${fromEnv}'.`);
    }
    return { epochSeconds: Number(fromEnv), origin: 'SOURCE_DATE_EPOCH' };
  }
  const commit = await runTool('git', ['log', '-1', '--format=%ct', options.sha ?? 'HEAD'], {
    cwd: options.workspace,
    timeoutMs: 10_000,
  }).catch(() => undefined);
  if (commit && /^\d+$/.test(commit.stdout.trim()))
    return { epochSeconds: Number(commit.stdout.trim()), origin: 'commit' };
  const eventTime = options.eventCommitTime ? Date.parse(options.eventCommitTime) : Number.NaN;
  if (!Number.isNaN(eventTime)) return { epochSeconds: Math.floor(eventTime / 1000), origin: 'event' };
  return { epochSeconds: 0, origin: 'epoch' };
}

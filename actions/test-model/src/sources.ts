// What test-model reads besides its inputs: the tests file, predictions and metric files (confined to the
// workspace), the DuckDB engine opened only when predictions are read, and the GitHub client for artifacts.
import {
  type ActionHost,
  type ColumnSpec,
  ConfigurationError,
  createGitHubClient,
  type DataEngine,
  type FlatMetrics,
  type ModelTests,
  openDataEngine,
  type PredictionColumns,
  readModelMetricsFiles,
  readPredictions,
  readTestsFile,
  resolveDataFiles,
  resolveFiles,
} from '@mlops-actions/core';
import type { Inputs } from './inputs.js';

/** DuckDB is opened on first use: a run from metric files alone never loads it. */
export class LazyEngine {
  #engine: DataEngine | undefined;
  constructor(private readonly host: ActionHost) {}
  async get(): Promise<DataEngine> {
    this.#engine ??= await openDataEngine({
      log: this.host.log,
      ...(this.host.env.RUNNER_TOOL_CACHE ? { toolCache: this.host.env.RUNNER_TOOL_CACHE } : {}),
    });
    return this.#engine;
  }
  close(): void {
    this.#engine?.close();
  }
}

export async function readTests(host: ActionHost, tests: string | undefined): Promise<ModelTests> {
  if (!tests) return { metrics: {} };
  return readTestsFile(await host.inputs.configFile('tests', tests));
}

export async function readPredictionFiles(
  engine: DataEngine,
  host: ActionHost,
  patterns: readonly string[],
  spec: ColumnSpec,
  input: string,
): Promise<PredictionColumns> {
  const files = host.inputs.confinedFiles(input, await resolveDataFiles(patterns, host.github.workspace, input));
  return readPredictions(engine, files, spec, input);
}

/** The `metrics` files' metrics, refused where one has the name of a metric computed from the predictions. */
export async function readMetricFiles(
  host: ActionHost,
  patterns: readonly string[],
  computed: FlatMetrics,
): Promise<{ metrics: FlatMetrics; sources: Record<string, string> }> {
  if (patterns.length === 0) return { metrics: {}, sources: {} };
  const files = host.inputs.confinedFiles('metrics', await resolveFiles(patterns, host.github.workspace, 'metrics'));
  const read = await readModelMetricsFiles(files, 'metrics');
  for (const metric of Object.keys(read.metrics)) {
    if (Object.hasOwn(computed, metric)) {
      throw new ConfigurationError(
        `Input 'metrics': '${metric}' in ${read.sources[metric]} is also computed from the predictions; rename it in the file.`,
        { input: 'metrics' },
      );
    }
  }
  return read;
}

export function githubClient(host: ActionHost, inputs: Inputs) {
  return createGitHubClient({ token: inputs.comment.token!, apiUrl: host.github.apiUrl, log: host.log });
}

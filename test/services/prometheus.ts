import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, makeWorkDir, type ServiceHandle, startProcess } from './process.js';
import { executable } from './require-service.js';

export interface ScrapeTarget {
  /** The `job` label of its series. */
  job: string;
  /** Base URL; Prometheus scrapes `<url>/metrics`. */
  url: string;
  /**
   * Metric names rewritten at scrape time (from → to), so the rig's backends can stand in for a server whose
   * counters a gate file names differently, e.g. `{ model_requests_total: 'http_requests_total' }`.
   */
  renameMetrics?: Record<string, string>;
}

export interface PrometheusSample {
  metric: Record<string, string>;
  value: number;
}

export interface PrometheusHandle extends ServiceHandle {
  /** An instant query through /api/v1/query; throws on a query error. */
  query(promql: string): Promise<PrometheusSample[]>;
}

interface QueryResponse {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

async function instantQuery(url: string, promql: string): Promise<PrometheusSample[]> {
  const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`, {
    signal: AbortSignal.timeout(5_000),
  });
  const body = (await response.json()) as QueryResponse;
  if (body.status !== 'success' || body.data === undefined) throw new Error(`query ${promql} failed: ${body.error}`);
  return body.data.result.map(({ metric, value }) => ({ metric, value: Number(value[1]) }));
}

/** A scrape job's metric_relabel_configs that rename whole metrics; empty without renames. */
function metricRenames(renames: Record<string, string> = {}): string {
  const rules = Object.entries(renames).map(
    ([from, to]) =>
      `      - source_labels: [__name__]\n        regex: ${JSON.stringify(from)}\n        target_label: __name__\n        replacement: ${JSON.stringify(to)}`,
  );
  return rules.length === 0 ? '' : `\n    metric_relabel_configs:\n${rules.join('\n')}`;
}

/**
 * Prometheus scraping `targets` every second. Ready means every target's `up` is 1 through the query API, not
 * merely that the server answers /-/ready: a suite can query rates at once.
 */
export async function startPrometheus(targets: readonly ScrapeTarget[]): Promise<PrometheusHandle> {
  if (targets.length === 0) throw new Error('Prometheus needs at least one scrape target');
  const workDir = await makeWorkDir('prometheus');
  const storage = join(workDir, 'data');
  await mkdir(storage);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const scrapeConfigs = targets
    .map(
      (target) =>
        `  - job_name: ${JSON.stringify(target.job)}\n    static_configs:\n      - targets: [${JSON.stringify(new URL(target.url).host)}]${metricRenames(target.renameMetrics)}`,
    )
    .join('\n');
  const config = join(workDir, 'prometheus.yml');
  await writeFile(
    config,
    `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\nscrape_configs:\n${scrapeConfigs}\n`,
  );
  const allTargetsUp = async () => {
    try {
      const up = await instantQuery(url, 'up == 1');
      const jobsUp = new Set(up.map((sample) => sample.metric.job));
      return targets.every((target) => jobsUp.has(target.job));
    } catch {
      return false;
    }
  };
  const server = await startProcess({
    name: 'prometheus',
    command: executable('prometheus'),
    args: [
      `--config.file=${config}`,
      `--storage.tsdb.path=${storage}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
    ],
    workDir,
    ready: allTargetsUp,
    pollIntervalMs: 200,
  });
  return {
    name: 'prometheus',
    url,
    port,
    startupMs: server.startupMs,
    pids: server.pids,
    logs: server.logs,
    stop: server.stop,
    query: (promql) => instantQuery(url, promql),
  };
}

// The deploy suites' rig: baseline and candidate model backends, nginx including the file the deploy action owns,
// and Prometheus scraping both backends. Built from test/services (used, not changed).
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createNginxProvider, MemoryLogger, type NginxSplit, renderNginxSplit } from '../../../shared/src/index.js';
import { type ModelBackendHandle, startModelBackend } from '../../services/backends.js';
import { type NginxHandle, startNginx } from '../../services/nginx.js';
import { makeWorkDir } from '../../services/process.js';
import { type PrometheusHandle, startPrometheus } from '../../services/prometheus.js';
import { findExecutable } from '../../services/require-service.js';
import { meanInstance } from '../../services/traffic.js';

/** A gate on the rig backends' `model_requests_total{variant,code}`: a guardrail on errors, a primary on successes. */
export const RIG_GATE = `version: 1
alpha: 0.05
min-samples: 150
metrics:
  - name: error-rate
    events: sum(increase(model_requests_total{variant="$variant",code=~"5.."}[$window]))
    trials: sum(increase(model_requests_total{variant="$variant"}[$window]))
    better: lower
    role: guardrail
    margin: 0.002
  - name: success
    events: sum(increase(model_requests_total{variant="$variant",code="200"}[$window]))
    trials: sum(increase(model_requests_total{variant="$variant"}[$window]))
    better: higher
    role: primary
    margin: 0.03
`;

export interface DeployRig {
  baseline: ModelBackendHandle;
  candidate: ModelBackendHandle;
  nginx: NginxHandle;
  prometheus: PrometheusHandle | undefined;
  /** The file the action owns, included by nginx.conf at http level. */
  includePath: string;
  split: NginxSplit;
  reloadCommand: string[];
  stop(): Promise<void>;
}

export async function startDeployRig(options: { sticky?: boolean; prometheus?: boolean } = {}): Promise<DeployRig> {
  const [baseline, candidate] = await Promise.all([startModelBackend('baseline'), startModelBackend('candidate')]);
  const workDir = await makeWorkDir('deploy');
  const includePath = join(workDir, 'model-split.conf');
  const split: NginxSplit = {
    upstream: 'model',
    baseline: [new URL(baseline.url).host],
    candidate: [new URL(candidate.url).host],
    ...(options.sticky ? { sticky: { source: 'header' as const, name: 'X-User-Id' } } : {}),
  };
  await writeFile(includePath, renderNginxSplit(split, 0));
  const target = options.sticky ? 'http://$model_variant' : 'http://model';
  const [nginx, prometheus] = await Promise.all([
    startNginx({
      http: `  include ${includePath};\n`,
      server: `    location / {\n      proxy_pass ${target};\n    }\n`,
    }),
    options.prometheus === false
      ? undefined
      : startPrometheus([
          { job: 'baseline', url: baseline.url },
          { job: 'candidate', url: candidate.url },
        ]),
  ]);
  const prefix = dirname(nginx.configPath);
  const reloadCommand = [
    findExecutable('nginx') as string,
    '-p',
    prefix,
    '-c',
    nginx.configPath,
    '-e',
    join(prefix, 'logs', 'error.log'),
    '-s',
    'reload',
  ];
  return {
    baseline,
    candidate,
    nginx,
    prometheus,
    includePath,
    split,
    reloadCommand,
    async stop() {
      await Promise.all([baseline.stop(), candidate.stop(), nginx.stop(), prometheus?.stop()]);
    },
  };
}

/** Prediction requests a backend has answered, from its own /metrics (counted at the backend, not at nginx). */
export async function servedBy(backend: ModelBackendHandle): Promise<number> {
  const text = await (await fetch(`${backend.url}/metrics`)).text();
  let total = 0;
  for (const match of text.matchAll(/^model_requests_total\{[^}]*\} (\d+)$/gm)) total += Number(match[1]);
  return total;
}

export interface RetryingResult {
  /** Final statuses, one per request. */
  statuses: number[];
  /** Attempts that failed at the connection or with 502/503 and were retried. */
  retries: number;
  variants: string[];
}

/**
 * A client that retries what a load balancer retries (connection failures, 502, 503) up to `attempts` times:
 * the way real clients ride through a proxy's reload.
 */
export async function retryingPredictions(
  url: string,
  count: number,
  options: { concurrency?: number; attempts?: number; headers?: (index: number) => Record<string, string> } = {},
): Promise<RetryingResult> {
  const body = JSON.stringify({ instances: [meanInstance()] });
  const statuses: number[] = [];
  const variants: string[] = [];
  let retries = 0;
  let next = 0;
  const attempts = options.attempts ?? 5;
  const one = async (index: number) => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const response = await fetch(`${url}/predict`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', ...options.headers?.(index) },
          signal: AbortSignal.timeout(10_000),
        });
        const text = await response.text();
        if ((response.status === 502 || response.status === 503) && attempt < attempts) {
          retries += 1;
          continue;
        }
        statuses[index] = response.status;
        variants[index] = /"variant":"([^"]+)"/.exec(text)?.[1] ?? '';
        return;
      } catch (error) {
        if (attempt >= attempts) throw error;
        retries += 1;
      }
    }
  };
  await Promise.all(
    Array.from({ length: options.concurrency ?? 4 }, async () => {
      while (next < count) await one(next++);
    }),
  );
  return { statuses, retries, variants };
}

/** The deploy action's nginx provider over the rig's split file, as the action would build it. */
export function rigNginxProvider(rig: DeployRig) {
  return createNginxProvider({
    split: rig.split,
    configPath: rig.includePath,
    configDisplay: 'split.conf',
    reloadCommand: rig.reloadCommand,
    testCommand: rig.reloadCommand.slice(0, -2).concat('-t'),
    logger: new MemoryLogger(),
  });
}

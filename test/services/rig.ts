import { type ModelBackendHandle, startModelBackends } from './backends.js';
import { type MlflowHandle, startMlflow } from './mlflow.js';
import { type NginxHandle, startNginx, weightedSplit } from './nginx.js';
import type { ServiceHandle } from './process.js';
import { type PrometheusHandle, startPrometheus } from './prometheus.js';
import { type RegistryHandle, startRegistry } from './registry.js';

export interface Rig {
  registry: RegistryHandle;
  stable: ModelBackendHandle;
  candidate: ModelBackendHandle;
  nginx: NginxHandle;
  prometheus: PrometheusHandle;
  mlflow: MlflowHandle;
  /** Every service, for teardown and PID checks. */
  services: ServiceHandle[];
  /** Wall-clock milliseconds from the first start to the last service ready. */
  startupMs: number;
  stop(): Promise<void>;
}

/** Stops every handle that started, whatever the others do, and reports the first failure after all are down. */
export async function stopAll(services: readonly (Pick<ServiceHandle, 'stop'> | undefined)[]): Promise<void> {
  const results = await Promise.allSettled(services.map((service) => service?.stop()));
  const failure = results.find((result) => result.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
}

/**
 * The whole rig, independent pieces in parallel: the registry, MLflow and the backend chain (backends, then
 * nginx splitting 50/50 across them and Prometheus scraping them). If any start fails, the rest is stopped.
 */
export async function startRig(): Promise<Rig> {
  const started = performance.now();
  const backendChain = startModelBackends().then(async ({ stable, candidate }) => {
    const [nginx, prometheus] = await Promise.allSettled([
      startNginx(
        weightedSplit([
          { url: stable.url, weight: 1 },
          { url: candidate.url, weight: 1 },
        ]),
      ),
      startPrometheus([
        { job: 'stable', url: stable.url },
        { job: 'candidate', url: candidate.url },
      ]),
    ]);
    if (nginx.status === 'rejected' || prometheus.status === 'rejected') {
      await stopAll([stable, candidate, settledValue(nginx), settledValue(prometheus)]);
      throw nginx.status === 'rejected' ? nginx.reason : (prometheus as PromiseRejectedResult).reason;
    }
    return { stable, candidate, nginx: nginx.value, prometheus: prometheus.value };
  });
  const [registry, mlflow, chain] = await Promise.allSettled([startRegistry(), startMlflow(), backendChain]);
  if (registry.status === 'rejected' || mlflow.status === 'rejected' || chain.status === 'rejected') {
    const chainServices = chain.status === 'fulfilled' ? Object.values(chain.value) : [];
    await stopAll([settledValue(registry), settledValue(mlflow), ...chainServices]);
    throw [registry, mlflow, chain].find((result) => result.status === 'rejected')?.reason;
  }
  const services = [registry.value, mlflow.value, ...Object.values(chain.value)];
  return {
    registry: registry.value,
    mlflow: mlflow.value,
    ...chain.value,
    services,
    startupMs: performance.now() - started,
    stop: () => stopAll(services),
  };
}

function settledValue<T>(result: PromiseSettledResult<T>): T | undefined {
  return result.status === 'fulfilled' ? result.value : undefined;
}

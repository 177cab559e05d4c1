import { join } from 'node:path';
import type { Behaviour, Prediction } from './model-backend.js';
import { answers, freePort, type ServiceHandle, startProcess } from './process.js';

export interface ModelBackendHandle extends ServiceHandle {
  readonly variant: string;
  /** Changes the error rate and/or latency through the backend's /admin endpoint; returns what is now in force. */
  setBehaviour(behaviour: Partial<Behaviour>): Promise<Behaviour>;
  predict(instances: number[][]): Promise<{ status: number; predictions?: Prediction[] }>;
}

const serverScript = join(import.meta.dirname, 'model-backend.ts');

/** Starts model-backend.ts as its own Node process on a free loopback port. */
export async function startModelBackend(
  variant: string,
  behaviour: Partial<Behaviour> = {},
): Promise<ModelBackendHandle> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const backend = await startProcess({
    name: `model backend ${variant}`,
    command: process.execPath,
    args: [
      serverScript,
      '--port',
      String(port),
      '--variant',
      variant,
      '--error-rate',
      String(behaviour.errorRate ?? 0),
      '--latency-ms',
      String(behaviour.latencyMs ?? 0),
    ],
    ready: () => answers(`${url}/healthz`),
  });
  return {
    name: `model-backend-${variant}`,
    variant,
    url,
    port,
    startupMs: backend.startupMs,
    pids: backend.pids,
    logs: backend.logs,
    stop: backend.stop,
    setBehaviour: async (update) => {
      const response = await fetch(`${url}/admin`, { method: 'POST', body: JSON.stringify(update) });
      const body = (await response.json()) as Behaviour & { error?: string };
      if (!response.ok) throw new Error(`model backend ${variant} refused ${JSON.stringify(update)}: ${body.error}`);
      return body;
    },
    predict: async (instances) => {
      const response = await fetch(`${url}/predict`, { method: 'POST', body: JSON.stringify({ instances }) });
      const body = (await response.json()) as { predictions?: Prediction[] };
      return { status: response.status, predictions: body.predictions };
    },
  };
}

/** The usual canary pair: a stable and a candidate backend, started in parallel. */
export async function startModelBackends(): Promise<{ stable: ModelBackendHandle; candidate: ModelBackendHandle }> {
  const [stable, candidate] = await Promise.all([startModelBackend('stable'), startModelBackend('candidate')]);
  return { stable, candidate };
}

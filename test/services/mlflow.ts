import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { answers, freePort, makeWorkDir, type ServiceHandle, startProcess } from './process.js';
import { mlflowVenv } from './require-service.js';

export interface MlflowHandle extends ServiceHandle {
  /** Calls the REST API (`/api/2.0/mlflow/<path>`); a non-2xx answer throws with MLflow's error message. */
  api<T = unknown>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

/**
 * The MLflow tracking server (pinned in requirements-mlflow.txt, venv from scripts/setup) with a fresh SQLite
 * store and artifact dir. Slow to start (Python imports and store migrations), so start it once per test file.
 */
export async function startMlflow(): Promise<MlflowHandle> {
  const workDir = await makeWorkDir('mlflow');
  const artifacts = join(workDir, 'artifacts');
  await mkdir(artifacts);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = await startProcess({
    name: 'mlflow',
    command: join(mlflowVenv, 'bin', 'mlflow'),
    args: [
      'server',
      '--backend-store-uri',
      `sqlite:///${join(workDir, 'mlflow.db')}`,
      '--artifacts-destination',
      artifacts,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--workers',
      '1',
    ],
    cwd: workDir,
    env: {
      ...process.env,
      // The test machine has no internet, and nothing may phone home from a test anyway.
      MLFLOW_DISABLE_TELEMETRY: 'true',
      DO_NOT_TRACK: 'true',
      // The job runner (seven huey consumer processes, each importing mlflow) serves GenAI jobs and trace
      // rollups, nothing the tracking and registry APIs need; without it start-up takes a fraction of the CPU.
      MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false',
    },
    workDir,
    timeoutMs: 90_000,
    pollIntervalMs: 200,
    ready: () => answers(`${url}/health`),
  });
  return {
    name: 'mlflow',
    url,
    port,
    startupMs: server.startupMs,
    pids: server.pids,
    logs: server.logs,
    stop: server.stop,
    api: async <T>(method: string, path: string, body?: unknown) => {
      const query =
        method === 'GET' && body !== undefined ? `?${new URLSearchParams(body as Record<string, string>)}` : '';
      const response = await fetch(`${url}/api/2.0/mlflow/${path}${query}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: method === 'GET' || body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`MLflow ${method} ${path} answered ${response.status}: ${text}`);
      return (text === '' ? {} : JSON.parse(text)) as T;
    },
  };
}

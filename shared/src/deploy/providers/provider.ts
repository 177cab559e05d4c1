// How a rollout moves traffic. nginx and a user's command implement it now; a Kubernetes Gateway API HTTPRoute
// (backendRefs weights), a KServe InferenceService (canaryTrafficPercent) or a SageMaker endpoint
// (UpdateEndpointWeightsAndCapacities) fit the same two calls.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface TrafficProvider {
  /** `nginx`, `command`, …: shown in logs and the report. */
  readonly kind: string;
  /** What the provider acts on, for the report (a file, a command line). */
  readonly target: string;
  /**
   * Checks everything a weight change needs (tools present, files writable) before the first one, so a mistake
   * fails the step with nothing changed. Throws ConfigurationError.
   */
  preflight(): Promise<void>;
  /** Sends `weight` percent (0–100) of traffic to the candidate and the rest to the baseline, and returns once
   * the change is in force. */
  setCandidateWeight(weight: number): Promise<void>;
}

/** A weight change the provider could not make (the rollout then tries to put all traffic back on the baseline). */
export class ProviderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** The absolute path of an executable named by a command line's first word, or undefined. */
export function findExecutable(name: string, path = process.env.PATH ?? ''): string | undefined {
  const isExecutable = (candidate: string) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (name.includes('/')) return isExecutable(name) ? name : undefined;
  return [...path.split(delimiter), '/usr/sbin', '/sbin']
    .filter(Boolean)
    .map((dir) => join(dir, name))
    .find(isExecutable);
}

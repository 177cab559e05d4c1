// The candidate's readiness and, when it fails, what its pods say: status, restarts, last events, last log lines.

import { ProviderError } from '../deploy/providers/provider.js';
import type { SecretMask } from '../secrets/index.js';
import type { KubernetesClient } from './client.js';
import { eventsRequest, getRequest, labelSelector, listRequest, logRequest, RESOURCES } from './requests.js';

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

export interface DeploymentObject {
  metadata: { generation?: number };
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    conditions?: Condition[];
  };
}

/**
 * Whether a Deployment has rolled out, as `kubectl rollout status` decides: the controller saw the latest spec,
 * every replica is updated and available, none of the old ones is left. Pure; returns the reason when not.
 */
export function deploymentReadiness(deployment: DeploymentObject): { ready: boolean; why: string } {
  const wanted = deployment.spec?.replicas ?? 1;
  const status = deployment.status ?? {};
  const progressing = status.conditions?.find((condition) => condition.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { ready: false, why: `progress deadline exceeded: ${progressing.message ?? ''}`.trim() };
  }
  if ((status.observedGeneration ?? 0) < (deployment.metadata.generation ?? 0)) {
    return { ready: false, why: 'the controller has not seen the latest spec yet' };
  }
  const updated = status.updatedReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  if (updated < wanted) return { ready: false, why: `${updated} of ${wanted} replicas updated` };
  if ((status.replicas ?? 0) > updated)
    return { ready: false, why: `${(status.replicas ?? 0) - updated} old replicas pending termination` };
  if (available < updated) return { ready: false, why: `${available} of ${updated} updated replicas available` };
  return { ready: true, why: `${available} of ${wanted} replicas available` };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ReadinessWait {
  timeoutMs: number;
  pollMs: number;
}

/** Polls `check` until it says ready; a ProviderError names `what` and the last reason when the time-out passes. */
export async function waitUntilReady(
  what: string,
  check: () => Promise<{ ready: boolean; why: string }>,
  options: ReadinessWait,
): Promise<void> {
  const deadline = performance.now() + options.timeoutMs;
  for (;;) {
    const { ready, why } = await check();
    if (ready) return;
    if (performance.now() >= deadline) {
      throw new ProviderError(
        `${what} was not ready within ${options.timeoutMs / 1000}s (ready-timeout): ${why}; the candidate got no traffic`,
      );
    }
    await sleep(options.pollMs);
  }
}

/** Polls the Deployment until it is ready (see deploymentReadiness). */
export function waitForDeployment(client: KubernetesClient, name: string, options: ReadinessWait): Promise<void> {
  return waitUntilReady(
    `Deployment "${name}"`,
    async () =>
      deploymentReadiness(
        await client.json<DeploymentObject>(getRequest(RESOURCES.deployment, client.namespace, name)),
      ),
    options,
  );
}

export interface ContainerDiagnostics {
  name: string;
  ready: boolean;
  restarts: number;
  /** "running", "waiting: CrashLoopBackOff (back-off 5m0s …)", "terminated: Error (exit 1)". */
  state: string;
  /** The last lines of its log, or "logs unavailable: <the apiserver's reason>". */
  log: string;
  logAvailable: boolean;
}

export interface PodDiagnostics {
  name: string;
  phase: string;
  ready: boolean;
  containers: ContainerDiagnostics[];
  /** The most recent first. */
  events: { type: string; reason: string; message: string; count: number }[];
}

export interface CandidateDiagnostics {
  /** What the pods belong to, e.g. Deployment "model-v2". */
  owner: string;
  pods: PodDiagnostics[];
  /** Set when the pods could not be listed at all. */
  error?: string;
}

interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: Record<string, { reason?: string; message?: string; exitCode?: number }>;
}

interface PodObject {
  metadata: { name: string };
  status?: { phase?: string; conditions?: Condition[]; containerStatuses?: ContainerStatus[] };
  spec?: { nodeName?: string; containers?: { name: string }[] };
}

interface EventObject {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
  metadata?: { creationTimestamp?: string };
}

export const DIAGNOSTICS_LIMITS = { pods: 5, events: 5, logLines: 20, logBytes: 8_192 } as const;

/** "waiting: CrashLoopBackOff (back-off …)" from a container's state. Pure. */
export function describeContainerState(state: ContainerStatus['state']): string {
  const [kind, detail] = Object.entries(state ?? {})[0] ?? ['unknown', {}];
  const parts = [detail.reason, detail.exitCode !== undefined ? `exit ${detail.exitCode}` : undefined].filter(Boolean);
  const message = detail.message ? ` (${detail.message.slice(0, 200)})` : '';
  return `${kind}${parts.length > 0 ? `: ${parts.join(', ')}` : ''}${message}`;
}

const when = (event: EventObject) => event.lastTimestamp ?? event.eventTime ?? event.metadata?.creationTimestamp ?? '';

/** The last lines of a container's log, or why there are none. */
async function readContainerLog(
  client: KubernetesClient,
  pod: PodObject,
  container: string,
): Promise<{ log: string; logAvailable: boolean }> {
  // The apiserver answers the log request of a pod no node runs with 204 and no body: say so instead.
  if (!pod.spec?.nodeName) return { log: 'logs unavailable: the pod is not on a node yet', logAvailable: false };
  try {
    const text = await client.text(
      logRequest(client.namespace, pod.metadata.name, {
        container,
        tailLines: DIAGNOSTICS_LIMITS.logLines,
        limitBytes: DIAGNOSTICS_LIMITS.logBytes,
      }),
    );
    const log = text
      .split('\n')
      .slice(-DIAGNOSTICS_LIMITS.logLines - 1)
      .join('\n')
      .trimEnd();
    return { log, logAvailable: true };
  } catch (error) {
    return { log: `logs unavailable: ${(error as Error).message}`, logAvailable: false };
  }
}

/** Pods selected by `selector`, each with its containers' state, restarts, last events and last log lines. */
export async function collectPodDiagnostics(
  client: KubernetesClient,
  owner: string,
  selector: Record<string, string>,
  options: { secrets?: SecretMask | undefined } = {},
): Promise<CandidateDiagnostics> {
  const redact = (text: string) => options.secrets?.redact(text) ?? text;
  const namespace = client.namespace;
  let pods: PodObject[];
  try {
    pods = (
      await client.json<{ items: PodObject[] }>(
        listRequest(RESOURCES.pod, namespace, { labelSelector: labelSelector(selector) }),
      )
    ).items;
  } catch (error) {
    return { owner, pods: [], error: redact((error as Error).message) };
  }
  const result: PodDiagnostics[] = [];
  for (const pod of pods.slice(0, DIAGNOSTICS_LIMITS.pods)) {
    const name = pod.metadata.name;
    const statuses = pod.status?.containerStatuses ?? [];
    const containerNames = pod.spec?.containers?.map((container) => container.name) ?? statuses.map((s) => s.name);
    const containers: ContainerDiagnostics[] = [];
    for (const container of containerNames) {
      const status = statuses.find((entry) => entry.name === container);
      const { log, logAvailable } = await readContainerLog(client, pod, container);
      containers.push({
        name: container,
        ready: status?.ready === true,
        restarts: status?.restartCount ?? 0,
        // A pod no node runs has no container statuses yet: its events say why.
        state: redact(pod.spec?.nodeName ? describeContainerState(status?.state) : 'not started: no node yet'),
        log: redact(log),
        logAvailable,
      });
    }
    let events: EventObject[] = [];
    try {
      events = (await client.json<{ items: EventObject[] }>(eventsRequest(namespace, 'Pod', name))).items;
    } catch {
      // Events are a help, not a requirement: a pod without readable events still shows its state and logs.
    }
    result.push({
      name,
      phase: pod.status?.phase ?? 'Unknown',
      ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true,
      containers,
      events: events
        .sort((a, b) => when(b).localeCompare(when(a)))
        .slice(0, DIAGNOSTICS_LIMITS.events)
        .map((event) => ({
          type: event.type ?? '',
          reason: event.reason ?? '',
          message: redact(event.message ?? ''),
          count: event.count ?? 1,
        })),
    });
  }
  return { owner, pods: result };
}

/** The pods of a Deployment, found by its selector's matchLabels. */
export async function collectDeploymentDiagnostics(
  client: KubernetesClient,
  name: string,
  options: { secrets?: SecretMask | undefined } = {},
): Promise<CandidateDiagnostics> {
  const owner = `Deployment "${name}"`;
  try {
    const deployment = await client.json<DeploymentObject>(getRequest(RESOURCES.deployment, client.namespace, name));
    return await collectPodDiagnostics(client, owner, deployment.spec?.selector?.matchLabels ?? {}, options);
  } catch (error) {
    const message = (error as Error).message;
    return { owner, pods: [], error: options.secrets?.redact(message) ?? message };
  }
}

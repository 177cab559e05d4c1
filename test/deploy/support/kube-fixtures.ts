// Objects for the Kubernetes provider suites, and the controllers' part a test plays. With test/services/kube-nodes.ts
// the Deployments are real (controller-manager, scheduler, kwok's node); no Gateway runs, so gatewayReconciler renders
// the HTTPRoute's weights into the rig's nginx the way a Gateway implementation would; no KServe controller runs, so
// kserveStatusPlayer reports the InferenceService's readiness. markDeploymentReady plays the Deployment controller
// for the benchmark, which runs no controllers.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseAllDocuments } from 'yaml';
import { candidateWeightOf, type GatewaySplit, type HttpRouteRule } from '../../../shared/src/index.js';
import type { KubeHandle } from '../../services/kube.js';
import { delay } from '../../services/process.js';
import { repositoryRoot } from '../../support/run-action.js';
import { type DeployRig, retryingPredictions, servedBy } from './rig.js';

export const NAMESPACE = 'ml';
export const SPLIT: GatewaySplit = { route: 'model', baseline: 'model-v1', candidate: 'model-v2' };
const HTTPROUTE_CRD = join(
  repositoryRoot,
  'test/fixtures/kubernetes/gateway-api/gateway.networking.k8s.io_httproutes.yaml',
);

type Json = Record<string, unknown>;

export async function expectOk(answer: Promise<{ status: number; text: string }>, what: string) {
  const { status, text } = await answer;
  if (status >= 300) throw new Error(`${what}: HTTP ${status}: ${text.slice(0, 500)}`);
}

/** Installs the HTTPRoute CRD from Gateway API's own release and waits until the apiserver serves it. */
export async function installHttpRouteCrd(kube: KubeHandle): Promise<void> {
  const documents = parseAllDocuments(await readFile(HTTPROUTE_CRD, 'utf8')).map(
    (document) => document.toJSON() as Json,
  );
  await kube.applyManifest(documents.filter(Boolean));
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const { json } = await kube.request('GET', '/apis/gateway.networking.k8s.io/v1');
    if (((json.resources as { kind: string }[] | undefined) ?? []).some((resource) => resource.kind === 'HTTPRoute'))
      return;
    await delay(100);
  }
  throw new Error('the HTTPRoute CRD was not served within 10 s');
}

export function routeObject(name: string, rules: HttpRouteRule[]): Json {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: NAMESPACE },
    spec: { parentRefs: [{ name: 'gateway' }], rules },
  };
}

export const BASELINE_RULE: HttpRouteRule = {
  matches: [{ path: { type: 'PathPrefix', value: '/' } }],
  backendRefs: [{ name: 'model-v1', port: 8080 }],
};

/**
 * The namespace, both Services, the candidate's Deployment and the route, as `kubectl apply` would. The pods go
 * only to a node labelled with `nodeSelector`: until one is, they stay Pending.
 */
export async function createWorkload(
  kube: KubeHandle,
  deployment = 'model-v2',
  nodeSelector: Record<string, string> = {},
): Promise<void> {
  const service = (name: string) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NAMESPACE },
    spec: { selector: { app: 'model', version: name }, ports: [{ port: 8080 }] },
  });
  await kube.applyManifest([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } },
    service('model-v1'),
    service('model-v2'),
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: deployment, namespace: NAMESPACE },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'model', version: deployment } },
        template: {
          metadata: { labels: { app: 'model', version: deployment } },
          spec: { nodeSelector, containers: [{ name: 'model', image: 'registry.invalid/model:v2' }] },
        },
      },
    },
    routeObject(SPLIT.route, [BASELINE_RULE]),
  ]);
}

/** Plays the Deployment controller: all replicas updated and available for the current generation. */
export async function markDeploymentReady(kube: KubeHandle, name = 'model-v2'): Promise<void> {
  const path = `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${name}`;
  const { json } = await kube.request('GET', path);
  const generation = (json.metadata as { generation: number }).generation;
  const status = {
    observedGeneration: generation,
    replicas: 2,
    updatedReplicas: 2,
    readyReplicas: 2,
    availableReplicas: 2,
    conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'ok' }],
  };
  await expectOk(
    kube.request('PATCH', `${path}/status`, { status }, 'application/merge-patch+json'),
    'deployment status',
  );
}

/** Waits until the Deployment controller reports every replica of the current generation updated and available. */
export async function waitForRollout(kube: KubeHandle, name: string, timeoutMs = 60_000): Promise<void> {
  const path = `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${name}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { json } = await kube.request('GET', path);
    const { metadata, spec, status } = json as {
      metadata: { generation: number };
      spec: { replicas: number };
      status?: { observedGeneration?: number; updatedReplicas?: number; availableReplicas?: number };
    };
    if (
      status?.observedGeneration === metadata.generation &&
      status.updatedReplicas === spec.replicas &&
      status.availableReplicas === spec.replicas
    )
      return;
    if (Date.now() > deadline) throw new Error(`Deployment ${name} did not roll out: ${JSON.stringify(status)}`);
    await delay(100);
  }
}

/** The Deployment's pods as the API lists them. */
export async function podsOf(kube: KubeHandle, deployment: string) {
  const { json } = await kube.request(
    'GET',
    `/api/v1/namespaces/${NAMESPACE}/pods?labelSelector=${encodeURIComponent(`version=${deployment}`)}`,
  );
  return (json.items ?? []) as { metadata: { name: string }; spec: { nodeName?: string }; status: { phase: string } }[];
}

export async function readRoute(kube: KubeHandle, name = SPLIT.route) {
  const { json } = await kube.request(
    'GET',
    `/apis/gateway.networking.k8s.io/v1/namespaces/${NAMESPACE}/httproutes/${name}`,
  );
  return json as {
    metadata: { resourceVersion: string; managedFields: { manager: string; operation: string; fieldsV1: Json }[] };
    spec: { rules: HttpRouteRule[] };
  };
}

/**
 * Plays a Gateway implementation: reads the HTTPRoute from the apiserver every 100 ms and hands every new weight
 * to `apply` (the rig's nginx). Returns the weights seen, in order, and a stop function.
 */
export function gatewayReconciler(kube: KubeHandle, apply: (weight: number) => Promise<void>) {
  return weightReconciler(async () => {
    const route = await readRoute(kube);
    return candidateWeightOf(route.spec.rules, SPLIT);
  }, apply);
}

/** Polls `read` every 100 ms and hands every new weight to `apply`, in order. */
export function weightReconciler(read: () => Promise<number | undefined>, apply: (weight: number) => Promise<void>) {
  const seen: number[] = [];
  /** Weights whose `apply` has finished: what the rig's nginx serves now. */
  const applied: number[] = [];
  let running = true;
  const loop = (async () => {
    let last: number | undefined;
    while (running) {
      const weight = await read().catch(() => undefined);
      if (weight !== undefined && weight !== last) {
        last = weight;
        seen.push(weight);
        await apply(weight);
        applied.push(weight);
      }
      await delay(100);
    }
  })();
  return {
    seen,
    /** Waits until nginx serves `weight` (the reconciler lags the API by a poll and a reload, longer under load). */
    async settled(weight: number, timeoutMs = 20_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      // The last weight read from the API is `weight`, and nothing read is still being applied.
      while (seen.at(-1) !== weight || applied.length !== seen.length) {
        if (Date.now() > deadline)
          throw new Error(`nginx never served candidate weight ${weight}: applied ${applied.join(', ')}`);
        await delay(50);
      }
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}

export const ISVC = { service: 'churn', baseline: 's3://models/churn/v1', candidate: 's3://models/churn/v2' } as const;
const ISVC_PATH = `/apis/serving.kserve.io/v1beta1/namespaces/${NAMESPACE}/inferenceservices`;
const KSERVE_CRD = join(repositoryRoot, 'test/fixtures/kubernetes/kserve/serving.kserve.io_inferenceservices.yaml.gz');

/** Installs KServe's InferenceService CRD (the full schema) and waits until the apiserver serves it. */
export async function installInferenceServiceCrd(kube: KubeHandle): Promise<void> {
  const text = gunzipSync(await readFile(KSERVE_CRD)).toString('utf8');
  await kube.applyManifest(
    parseAllDocuments(text)
      .map((document) => document.toJSON() as Json)
      .filter(Boolean),
  );
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const { json } = await kube.request('GET', '/apis/serving.kserve.io/v1beta1');
    if (((json.resources as { kind: string }[] | undefined) ?? []).some((r) => r.kind === 'InferenceService')) return;
    await delay(100);
  }
  throw new Error('the InferenceService CRD was not served within 30 s');
}

/** The InferenceService as its author applies it (kubectl), serving the baseline. */
export async function createInferenceService(kube: KubeHandle, name: string = ISVC.service): Promise<void> {
  await kube.applyManifest([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } },
    {
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: { name, namespace: NAMESPACE },
      spec: { predictor: { minReplicas: 1, model: { modelFormat: { name: 'sklearn' }, storageUri: ISVC.baseline } } },
    },
  ]);
}

export interface InferenceServiceView {
  metadata: {
    generation: number;
    resourceVersion: string;
    managedFields: { manager: string; operation: string; fieldsV1: Json }[];
  };
  spec: { predictor: { canaryTrafficPercent?: number; model: { storageUri: string; modelFormat: { name: string } } } };
  status?: Json;
}

export async function readInferenceService(
  kube: KubeHandle,
  name: string = ISVC.service,
): Promise<InferenceServiceView> {
  return (await kube.request('GET', `${ISVC_PATH}/${name}`)).json as unknown as InferenceServiceView;
}

/**
 * Plays KServe's controller, only as far as readiness, through the status subresource: whenever the spec's
 * generation is ahead of the status, it writes `status.observedGeneration`, one `Ready` condition (True; or, with
 * `ready: false`, False with reason RevisionMissing) and `status.components.predictor.latestCreatedRevision`
 * (and `latestReadyRevision` when ready). That is all it fakes: no Knative revision, pod or Service exists, and
 * the traffic split is the reconciler's rendering of canaryTrafficPercent into the rig's nginx.
 */
export function kserveStatusPlayer(kube: KubeHandle, options: { ready: boolean }, name: string = ISVC.service) {
  let running = true;
  const loop = (async () => {
    while (running) {
      const service = await readInferenceService(kube, name).catch(() => undefined);
      const observed = (service?.status?.observedGeneration as number | undefined) ?? 0;
      if (service && service.metadata.generation > observed) {
        const revision = `${name}-predictor-${String(service.metadata.generation).padStart(5, '0')}`;
        const status = {
          observedGeneration: service.metadata.generation,
          conditions: [
            options.ready
              ? { type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }
              : {
                  type: 'Ready',
                  status: 'False',
                  reason: 'RevisionMissing',
                  message: `Revision "${revision}" failed with message: Container failed with: OOMKilled.`,
                  lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
                },
          ],
          components: {
            predictor: { latestCreatedRevision: revision, ...(options.ready ? { latestReadyRevision: revision } : {}) },
          },
        };
        await expectOk(
          kube.request('PATCH', `${ISVC_PATH}/${name}/status`, { status }, 'application/merge-patch+json'),
          'isvc status',
        );
      }
      await delay(100);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** The candidate's share as KServe would route it: canaryTrafficPercent, or 100 once the candidate is promoted. */
export function kserveWeight(service: InferenceServiceView): number {
  const { canaryTrafficPercent, model } = service.spec.predictor;
  if (canaryTrafficPercent !== undefined) return canaryTrafficPercent;
  return model.storageUri === ISVC.candidate ? 100 : 0;
}

/** Runs `work` while a retrying client sends predictions through the rig's nginx, so Prometheus sees both arms. */
export async function underLoad<T>(rig: DeployRig, work: () => Promise<T>): Promise<T> {
  let running = true;
  const load = (async () => {
    while (running) await retryingPredictions(rig.nginx.url, 50, { concurrency: 4 });
  })();
  try {
    return await work();
  } finally {
    running = false;
    await load;
  }
}

/** Sends `count` predictions through nginx and returns how many each backend served (counted at the backends). */
export async function servedSplit(rig: DeployRig, count: number) {
  const before = { baseline: await servedBy(rig.baseline), candidate: await servedBy(rig.candidate) };
  await retryingPredictions(rig.nginx.url, count);
  return {
    baseline: (await servedBy(rig.baseline)) - before.baseline,
    candidate: (await servedBy(rig.candidate)) - before.candidate,
  };
}

/** A NODE_OPTIONS preload that writes the action's own PID to DEPLOY_PID_FILE, so a test can signal main itself. */
export async function pidPreload(): Promise<{ env: Record<string, string>; pid: () => Promise<number> }> {
  const folder = await mkdtemp(join(tmpdir(), 'deploy-pid-'));
  const preload = join(folder, 'pid.cjs');
  await writeFile(preload, "require('node:fs').writeFileSync(process.env.DEPLOY_PID_FILE, String(process.pid));\n");
  const pidFile = join(folder, 'main.pid');
  return {
    env: { NODE_OPTIONS: `--require ${preload}`, DEPLOY_PID_FILE: pidFile },
    pid: async () => Number(await readFile(pidFile, 'utf8')),
  };
}

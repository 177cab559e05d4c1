import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { candidateWeightOf } from '../../shared/src/index.js';
import {
  createWorkload,
  gatewayReconciler,
  installHttpRouteCrd,
  NAMESPACE,
  podsOf,
  readRoute,
  SPLIT,
  servedSplit,
  waitForRollout,
} from '../deploy/support/kube-fixtures.js';
import { rigNginxProvider } from '../deploy/support/rig.js';
import { type KubeHandle, kubeBinaries, startKube } from '../services/kube.js';
import { type KubeNodesHandle, startKubeNodes } from '../services/kube-nodes.js';
import { type MlflowHandle, startMlflow } from '../services/mlflow.js';
import { type RegistryHandle, startRegistry } from '../services/registry.js';
import { requireService } from '../services/require-service.js';
import { stopAll } from '../services/rig.js';
import { type GitHubSandbox, REPOSITORY, startGitHubSandbox, TOKENS } from '../support/github/sandbox.js';
import { type ActWorkspace, freePort, prepareActWorkspace, runAct, stepOutcomes } from './act.js';
import { type Serving, seedRelease, startServing, startTraffic } from './release-support.js';

/**
 * ml-release-kubernetes.yml under nektos/act (self-hosted mode), as release.test.ts runs ml-release.yml, with the
 * cluster real: kube-apiserver, etcd, kube-controller-manager, kube-scheduler and a kwok node on 127.0.0.1. The
 * template's kubectl (built from the same Kubernetes module) points the candidate Deployment at the promoted digest,
 * the controllers roll it out onto the node, and deploy waits for that before moving the HTTPRoute's weights; a
 * test-only reconciler renders the weights into the rig's nginx (no Gateway runs), traffic flows to both model
 * backends and Prometheus scrapes them for the example's gate. The secret KUBECONFIG is the rig's admin kubeconfig.
 * What act does not run is the same as in release.test.ts: job-level `environment`, `permissions`, `concurrency`.
 */
const describeRelease = describe.skipIf(!requireService('registry', 'mlflow', 'nginx', 'prometheus', 'kube'));

describeRelease('ml-release-kubernetes.yml under act', () => {
  let sandbox: GitHubSandbox;
  let workspace: ActWorkspace;
  let registry: RegistryHandle;
  let mlflow: MlflowHandle;
  let serving: Serving;
  let kube: KubeHandle;
  let nodes: KubeNodesHandle;

  beforeAll(async () => {
    const started = await Promise.allSettled([
      startGitHubSandbox(),
      prepareActWorkspace(REPOSITORY),
      startRegistry(),
      startMlflow(),
      startServing(),
      startKube(),
    ]);
    const value = <T>(result: PromiseSettledResult<T>) => (result.status === 'fulfilled' ? result.value : undefined);
    sandbox = value(started[0]) as GitHubSandbox;
    workspace = value(started[1]) as ActWorkspace;
    registry = value(started[2]) as RegistryHandle;
    mlflow = value(started[3]) as MlflowHandle;
    serving = value(started[4]) as Serving;
    kube = value(started[5]) as KubeHandle;
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    nodes = await startKubeNodes(kube, { logNamespaces: [NAMESPACE], logLines: ['INFO serving on :8080'] });
    // What the team applied once: both Deployments with their Services, and the route to the serving one.
    await installHttpRouteCrd(kube);
    await createWorkload(kube, SPLIT.baseline);
    await createWorkload(kube, SPLIT.candidate);
    await Promise.all([waitForRollout(kube, SPLIT.baseline), waitForRollout(kube, SPLIT.candidate)]);
  }, 900_000);
  afterEach(() => sandbox.emulator.assertContractClean());
  afterAll(async () => {
    await stopAll([sandbox, registry, mlflow, serving, nodes, kube]);
  });

  test('promotes the tested image, rolls the candidate Deployment to its digest, then moves the HTTPRoute behind the gate', async () => {
    const commit = workspace.headSha;
    const { image, tested, runId, event } = await seedRelease({
      sandbox,
      registry,
      mlflow,
      commit,
      workflow: 'ml-release-kubernetes.yml',
    });
    const { rig, prometheus } = serving;
    const reconciler = gatewayReconciler(kube, (weight) => rigNginxProvider(rig).setCandidateWeight(weight));
    const podsBefore = (await podsOf(kube, SPLIT.candidate)).map((pod) => pod.metadata.name);
    const traffic = startTraffic(rig.nginx.url);
    const result = await runAct(workspace, 'ml-release-kubernetes.yml', {
      event: 'release',
      payload: event.payload,
      runId,
      token: TOKENS.actions,
      emulator: sandbox.emulator,
      repository: REPOSITORY,
      artifactPort: await freePort(),
      path: [kubeBinaries],
      secrets: { KUBECONFIG: await readFile(kube.kubeconfigPath, 'utf8') },
      vars: {
        MODEL_IMAGE: image,
        MLFLOW_TRACKING_URI: mlflow.url,
        PROMETHEUS_URL: prometheus.url,
        KUBE_NAMESPACE: NAMESPACE,
        HTTP_ROUTE: SPLIT.route,
        SERVING_BASELINE: SPLIT.baseline,
        SERVING_CANDIDATE: SPLIT.candidate,
        DEPLOY_INTERVAL: '10s',
      },
    }).finally(() => traffic.stop());
    await writeFile(join(workspace.directory, '..', 'ml-release-kubernetes.log'), result.log);
    const tail = result.log.slice(-6000);

    expect(result.removed).toEqual([]);
    expect(stepOutcomes(result.log), tail).toEqual([
      { step: 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683', outcome: 'success' },
      { step: 'Model card of the release', outcome: 'success' },
      { step: 'Promote the tested image and model version', outcome: 'success' },
      { step: 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683', outcome: 'success' },
      { step: 'Write the kubeconfig', outcome: 'success' },
      { step: 'Point the candidate Deployment at the promoted image', outcome: 'success' },
      { step: 'Gated A/B rollout through the HTTPRoute', outcome: 'success' },
      { step: 'Gated A/B rollout through the HTTPRoute', outcome: 'success' },
    ]);
    expect(result.code, tail).toBe(0);
    expect(result.log).toContain(`::set-output:: digest=${tested.digest}`);
    expect(result.log).toContain('::set-output:: decision=promoted');
    // The secret's token never shows in the log; the runner was told to mask it.
    expect(result.log).not.toContain(kube.token);

    // The candidate Deployment runs the promoted digest: new pods, rolled out by the controllers onto kwok's node.
    const { json } = await kube.request('GET', `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${SPLIT.candidate}`);
    const template = (json.spec as { template: { spec: { containers: { image: string }[] } } }).template;
    expect(template.spec.containers.map((container) => container.image)).toEqual([`${image}@${tested.digest}`]);
    await waitForRollout(kube, SPLIT.candidate);
    const podsAfter = (await podsOf(kube, SPLIT.candidate)).map((pod) => pod.metadata.name);
    expect(podsAfter).toHaveLength(2);
    expect(podsAfter.filter((name) => podsBefore.includes(name))).toEqual([]);

    // The route moved step by step to the candidate, and the traffic followed it without a failed request.
    await reconciler.settled(100);
    await reconciler.stop();
    expect(reconciler.seen).toEqual([0, 5, 25, 50, 100]);
    expect(candidateWeightOf((await readRoute(kube)).spec.rules, SPLIT)).toBe(100);
    expect(traffic.counts.failed).toBe(0);
    expect(await servedSplit(rig, 50)).toEqual({ baseline: 0, candidate: 50 });
  }, 300_000);
});

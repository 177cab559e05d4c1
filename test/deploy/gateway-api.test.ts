// provider gateway-api against a real kube-apiserver and etcd on 127.0.0.1 with kube-controller-manager,
// kube-scheduler and a kwok node (test/services/kube-nodes.ts): the candidate's Deployment rolls out through real
// ReplicaSets, its pods turn Ready by kwok's stages and their logs come from kwok's kubelet endpoint. Traffic goes
// through the rig's nginx, which a test-only reconciler keeps in line with the HTTPRoute's weights (no Gateway runs).
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type CandidateDiagnostics,
  createProvider,
  MemoryLogger,
  ProviderError,
  SecretMask,
} from '../../shared/src/index.js';
import { type KubeHandle, startKube } from '../services/kube.js';
import { type KubeNodesHandle, NODE_NAME, startKubeNodes } from '../services/kube-nodes.js';
import { delay } from '../services/process.js';
import { requireService } from '../services/require-service.js';
import { type ActionRun, actionDir, runAction, runPost } from '../support/run-action.js';
import { reportValidator } from '../support/schemas.js';
import {
  BASELINE_RULE,
  createWorkload,
  expectOk,
  gatewayReconciler,
  installHttpRouteCrd,
  NAMESPACE,
  pidPreload,
  podsOf,
  readRoute,
  routeObject,
  SPLIT,
  servedSplit,
  underLoad,
  waitForRollout,
} from './support/kube-fixtures.js';
import { type DeployRig, RIG_GATE, rigNginxProvider, startDeployRig } from './support/rig.js';

const DEPLOY = actionDir('deploy');
const GATE = RIG_GATE;

const weightsIn = (rules: { backendRefs?: { name: string; weight?: number }[] }[]) =>
  rules.map((rule) => (rule.backendRefs ?? []).map((ref) => `${ref.name}=${ref.weight ?? 1}`).join(','));

/** The error annotations' messages, and the file of the first (the runner shows it on that file). */
const errorsOf = (run: ActionRun) => run.annotations.filter((annotation) => annotation.level === 'error');
const errorLines = (run: ActionRun) => errorsOf(run).map((annotation) => annotation.message);

/**
 * What the candidate's container printed (kwok's ClusterLogs serves it for every container in the namespace): the
 * report must carry it, and render the untrusted part as text.
 */
const CANDIDATE_LOG = [
  'INFO serving model-v2 on :8080',
  'ERROR predict failed: ValueError: Input X contains NaN | <img src=x> @ml-team',
];
/** What kube-scheduler says of a pod whose nodeSelector no node matches. */
const UNSCHEDULABLE = /^0\/1 nodes are available: 1 node\(s\) didn't match Pod's node affinity\/selector\./;
/** The label the candidate's pods need on a node: the suite adds it to kwok's node when the test says so. */
const MODEL_POOL = { pool: 'models' };

describe.skipIf(!requireService('kube', 'nginx', 'prometheus'))('provider gateway-api on a real kube-apiserver', () => {
  let kube: KubeHandle;
  let nodes: KubeNodesHandle;
  let workspace: string;
  /** Labels kwok's node so the candidate's pods may run there. */
  const admitModelPods = () =>
    expectOk(
      kube.request(
        'PATCH',
        `/api/v1/nodes/${NODE_NAME}`,
        { metadata: { labels: MODEL_POOL } },
        'application/merge-patch+json',
      ),
      'node label',
    );
  const baseInputs = () => ({
    provider: 'gateway-api',
    kubeconfig: kube.kubeconfigPath,
    namespace: NAMESPACE,
    'http-route': SPLIT.route,
    baseline: SPLIT.baseline,
    candidate: SPLIT.candidate,
    gate: 'gate.yml',
    'prometheus-url': 'http://127.0.0.1:1',
    interval: '2s',
  });

  beforeAll(async () => {
    kube = await startKube();
    nodes = await startKubeNodes(kube, { logNamespaces: [NAMESPACE], logLines: CANDIDATE_LOG });
    workspace = await mkdtemp(join(tmpdir(), 'deploy-k8s-ws-'));
    await writeFile(join(workspace, 'gate.yml'), GATE);
  }, 120_000);
  afterAll(async () => {
    await nodes?.stop();
    await kube?.stop();
  });

  test('no HTTPRoute CRD in the cluster: one ::error:: naming it, exit 1', async () => {
    await kube.applyManifest([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } }]);
    const run = await runAction(DEPLOY, { workspace, inputs: baseInputs() });
    expect(run.exitCode).toBe(1);
    expect(errorLines(run)).toEqual([
      "Input 'provider': the cluster does not serve HTTPRoute (gateway.networking.k8s.io/v1): install its CRD first. Nothing was changed.",
    ]);
  });

  describe('with the HTTPRoute CRD and the workload', () => {
    beforeAll(async () => {
      await installHttpRouteCrd(kube);
      await createWorkload(kube, 'model-v2', MODEL_POOL);
    }, 60_000);

    test.each([
      [
        'a namespace that does not exist',
        { namespace: 'nowhere' },
        undefined,
        /^Input 'namespace': namespace "nowhere" does not exist\. Nothing was changed\.$/,
      ],
      [
        'a route that does not exist',
        { 'http-route': 'other' },
        undefined,
        /Input 'http-route': HTTPRoute "other" in namespace "ml" does not exist\. Nothing was changed\./,
      ],
      [
        'a kubeconfig that is not YAML',
        { kubeconfig: 'bad.yaml' },
        'clusters: [',
        /^Input 'kubeconfig': bad\.yaml is not YAML/,
      ],
      [
        'a kubeconfig without its context',
        { kubeconfig: 'bad.yaml', 'kubernetes-context': 'prod' },
        'current-context: dev\ncontexts: [{name: dev, context: {cluster: x}}]\n',
        /Input 'kubeconfig': bad\.yaml has no context "prod" \(it has dev\)/,
      ],
      [
        'a token the apiserver refuses',
        { kubeconfig: 'bad.yaml' },
        'TOKEN',
        /^Input 'kubeconfig': the apiserver refused its credentials: GET \/api\/v1\/namespaces\/ml: Unauthorized$/,
      ],
    ])('%s: one clear ::error::, nothing changed', async (_name, inputs, kubeconfig, message) => {
      const before = (await readRoute(kube)).metadata.resourceVersion;
      if (kubeconfig !== undefined) {
        const text =
          kubeconfig === 'TOKEN'
            ? (await readFile(kube.kubeconfigPath, 'utf8')).replace(kube.token, 'not-a-valid-token')
            : kubeconfig;
        await writeFile(join(workspace, 'bad.yaml'), text);
      }
      const run = await runAction(DEPLOY, { workspace, inputs: { ...baseInputs(), ...inputs } });
      expect(run.exitCode, run.stdout).toBe(1);
      const errors = errorLines(run);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(message);
      if (kubeconfig !== undefined && kubeconfig !== 'TOKEN') expect(errorsOf(run)[0]?.file).toBe('bad.yaml');
      // The runner is told to mask the token (the one line that must carry it), and nothing else shows it.
      if (kubeconfig === undefined) expect(run.stdout).toContain(`::add-mask::${kube.token}\n`);
      expect(run.stdout.replace(`::add-mask::${kube.token}\n`, '') + run.stderr).not.toContain(kube.token);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect((await readRoute(kube)).metadata.resourceVersion).toBe(before);
    });

    test('a route whose rules another controller manages (Argo Rollouts) is refused by name, nothing changed', async () => {
      await kube.applyManifest([routeObject('owned', [BASELINE_RULE])]);
      // What Argo Rollouts' Gateway API plugin does: an update of the rules as its own field manager.
      await expectOk(
        kube.request(
          'PATCH',
          `/apis/gateway.networking.k8s.io/v1/namespaces/${NAMESPACE}/httproutes/owned?fieldManager=argo-rollouts`,
          {
            spec: {
              rules: [
                {
                  ...BASELINE_RULE,
                  backendRefs: [
                    { name: 'model-v1', port: 8080, weight: 90 },
                    { name: 'model-v2', port: 8080, weight: 10 },
                  ],
                },
              ],
            },
          },
          'application/merge-patch+json',
        ),
        'argo update',
      );
      const before = await readRoute(kube, 'owned');
      const run = await runAction(DEPLOY, { workspace, inputs: { ...baseInputs(), 'http-route': 'owned' } });
      expect(run.exitCode).toBe(1);
      expect(errorLines(run)).toEqual([
        `Input 'http-route': HTTPRoute "owned" in namespace "ml" is managed by another tool: Argo Rollouts (manager "argo-rollouts") owns spec.rules. Nothing was changed; let one tool move this route's traffic (remove it from the other's control, or use provider command with that tool).`,
      ]);
      const after = await readRoute(kube, 'owned');
      expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
      expect(weightsIn(after.spec.rules)).toEqual(['model-v1=90,model-v2=10']);
    });

    test('the provider waits for the candidate to be ready before any traffic, then owns the rules by server-side apply', async () => {
      const logger = new MemoryLogger();
      const provider = await createProvider(
        {
          kind: 'gateway-api',
          split: SPLIT,
          candidateDeployment: 'model-v2',
          readyTimeoutMs: 60_000,
          connection: { kubeconfig: kube.kubeconfigPath, namespace: NAMESPACE },
        },
        { logger, secrets: new SecretMask() },
      );
      await provider.preflight();
      let done = false;
      const step = provider.setCandidateWeight(25).then(() => {
        done = true;
      });
      await delay(1_500);
      expect(done).toBe(false);
      expect(weightsIn((await readRoute(kube)).spec.rules)).toEqual(['model-v1=1']);
      // No node may run the candidate yet: its pods are Pending. Label the node, and the scheduler binds them.
      expect((await podsOf(kube, 'model-v2')).map((pod) => pod.status.phase)).toEqual(['Pending', 'Pending']);
      await admitModelPods();
      await step;
      expect((await podsOf(kube, 'model-v2')).map((pod) => [pod.spec.nodeName, pod.status.phase])).toEqual([
        [NODE_NAME, 'Running'],
        [NODE_NAME, 'Running'],
      ]);
      const route = await readRoute(kube);
      expect(weightsIn(route.spec.rules)).toEqual(['model-v1=75,model-v2=25']);
      const owners = route.metadata.managedFields
        .filter(
          (entry) => (entry.fieldsV1 as { 'f:spec'?: { 'f:rules'?: unknown } })['f:spec']?.['f:rules'] !== undefined,
        )
        .map((entry) => `${entry.manager}/${entry.operation}`);
      expect(owners).toEqual(['mlops-deploy/Apply']);
      for (const [weight, expected] of [
        [100, 'model-v1=0,model-v2=100'],
        [0, 'model-v1=100,model-v2=0'],
      ] as const) {
        await provider.setCandidateWeight(weight);
        expect(weightsIn((await readRoute(kube)).spec.rules)).toEqual([expected]);
      }
    });

    test.each([
      [
        { source: 'header', name: 'X-Variant' },
        { type: 'Exact', name: 'X-Variant', value: 'candidate' },
      ],
      [
        { source: 'cookie', name: 'variant' },
        { type: 'RegularExpression', name: 'Cookie', value: '(^|;\\s*)variant=candidate(;|$)' },
      ],
    ] as const)(
      "sticky %j: the extra rule passes the CRD's validation and goes away at 0%%",
      async (sticky, header) => {
        await kube.applyManifest([routeObject('sticky', [BASELINE_RULE])]);
        const provider = await createProvider(
          {
            kind: 'gateway-api',
            split: { ...SPLIT, route: 'sticky', sticky },
            candidateDeployment: 'model-v2',
            readyTimeoutMs: 10_000,
            connection: { kubeconfig: kube.kubeconfigPath, namespace: NAMESPACE },
          },
          { logger: new MemoryLogger() },
        );
        await provider.setCandidateWeight(25);
        const rules = (await readRoute(kube, 'sticky')).spec.rules;
        expect(weightsIn(rules)).toEqual(['model-v2=1', 'model-v1=75,model-v2=25']);
        expect(rules[0]?.matches).toEqual([{ path: { type: 'PathPrefix', value: '/' }, headers: [header] }]);
        await provider.setCandidateWeight(50);
        expect(weightsIn((await readRoute(kube, 'sticky')).spec.rules)).toEqual([
          'model-v2=1',
          'model-v1=50,model-v2=50',
        ]);
        await provider.setCandidateWeight(0);
        expect(weightsIn((await readRoute(kube, 'sticky')).spec.rules)).toEqual(['model-v1=100,model-v2=0']);
      },
    );

    test('a candidate that never gets ready: ProviderError at the time-out, no traffic, its pods explained', async () => {
      // Its pods ask for a node no one has: the scheduler leaves them Pending and says why in an Event.
      await createWorkload(kube, 'model-v3', { pool: 'gpu' });
      const provider = await createProvider(
        {
          kind: 'gateway-api',
          split: { ...SPLIT, candidate: 'model-v3' },
          candidateDeployment: 'model-v3',
          readyTimeoutMs: 2_000,
          connection: { kubeconfig: kube.kubeconfigPath, namespace: NAMESPACE },
        },
        { logger: new MemoryLogger() },
      );
      const before = await readRoute(kube);
      const error = await provider.setCandidateWeight(5).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as Error).message).toBe(
        'Deployment "model-v3" was not ready within 2s (ready-timeout): 0 of 2 updated replicas available; the candidate got no traffic',
      );
      expect((await readRoute(kube)).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
      const diagnose = () => (provider as unknown as { diagnose: () => Promise<CandidateDiagnostics> }).diagnose();
      // The scheduler's Event may come a moment after the time-out.
      const deadline = Date.now() + 30_000;
      let diagnostics = await diagnose();
      while (diagnostics.pods.length < 2 || diagnostics.pods.some((pod) => pod.events.length === 0)) {
        if (Date.now() > deadline) throw new Error(`no FailedScheduling events: ${JSON.stringify(diagnostics)}`);
        await delay(200);
        diagnostics = await diagnose();
      }
      expect(diagnostics.owner).toBe('Deployment "model-v3"');
      expect(diagnostics.pods).toHaveLength(2);
      for (const pod of diagnostics.pods) {
        expect(pod.name).toMatch(/^model-v3-[a-z0-9]+-[a-z0-9]{5}$/);
        expect(pod).toMatchObject({ phase: 'Pending', ready: false });
        expect(pod.containers).toEqual([
          {
            name: 'model',
            ready: false,
            restarts: 0,
            state: 'not started: no node yet',
            logAvailable: false,
            log: 'logs unavailable: the pod is not on a node yet',
          },
        ]);
        expect(pod.events).toEqual([
          { type: 'Warning', reason: 'FailedScheduling', count: 1, message: expect.stringMatching(UNSCHEDULABLE) },
        ]);
      }
    });

    describe('gated rollouts with real traffic: nginx follows the route, Prometheus scrapes the backends', () => {
      let rig: DeployRig;
      let reconciler: ReturnType<typeof gatewayReconciler>;
      beforeAll(async () => {
        rig = await startDeployRig();
        await admitModelPods();
        await waitForRollout(kube, 'model-v2');
      }, 120_000);
      afterAll(async () => {
        await reconciler?.stop();
        await rig?.stop();
      });

      const rolloutInputs = () => ({
        ...baseInputs(),
        'prometheus-url': rig.prometheus!.url,
        steps: '20,50,100',
        'poll-interval': '1s',
        'max-duration': '60s',
      });

      const restart = async () => {
        await reconciler?.stop();
        await kube.applyManifest([routeObject(SPLIT.route, [BASELINE_RULE])], 'kubectl');
        await rigNginxProvider(rig).setCandidateWeight(0);
        reconciler = gatewayReconciler(kube, (weight) => rigNginxProvider(rig).setCandidateWeight(weight));
      };

      test('a healthy candidate is promoted through the HTTPRoute: each weight seen in the API, traffic follows', async () => {
        await Promise.all([
          rig.baseline.setBehaviour({ errorRate: 0.01 }),
          rig.candidate.setBehaviour({ errorRate: 0.01 }),
        ]);
        await restart();
        const run = await underLoad(rig, () =>
          runAction(DEPLOY, { workspace, inputs: rolloutInputs(), timeoutMs: 120_000 }),
        );
        expect(run.exitCode, run.stdout).toBe(0);
        expect(run.outputs.decision).toBe('promoted');
        await reconciler.settled(100);
        expect(reconciler.seen).toEqual([0, 20, 50, 100]);
        expect(weightsIn((await readRoute(kube)).spec.rules)).toEqual(['model-v1=0,model-v2=100']);
        expect(await servedSplit(rig, 100)).toEqual({ baseline: 0, candidate: 100 });
      });

      test('a candidate with 5× the error rate is rolled back to 0% in the API; the report shows its pods', async () => {
        await Promise.all([
          rig.baseline.setBehaviour({ errorRate: 0.01 }),
          rig.candidate.setBehaviour({ errorRate: 0.05 }),
        ]);
        await restart();
        const run = await underLoad(rig, () =>
          runAction(DEPLOY, { workspace, inputs: rolloutInputs(), timeoutMs: 120_000 }),
        );
        expect(run.exitCode, run.stdout).toBe(1);
        expect(run.outputs.decision).toBe('rolled-back');
        expect(run.outputs['final-weight']).toBe('0');
        expect(weightsIn((await readRoute(kube)).spec.rules)).toEqual(['model-v1=100,model-v2=0']);
        await reconciler.settled(0);
        expect(reconciler.seen.at(-1)).toBe(0);
        expect(await servedSplit(rig, 200)).toEqual({ baseline: 200, candidate: 0 });
        const report = JSON.parse(await readFile(run.outputs.report as string, 'utf8'));
        const validate = await reportValidator();
        expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
        // The candidate's two pods as the cluster runs them, with the log their container printed.
        const pods = report.candidatePods.pods as CandidateDiagnostics['pods'];
        expect(pods.map((pod) => pod.name).sort()).toEqual(
          (await podsOf(kube, 'model-v2')).map((pod) => pod.metadata.name).sort(),
        );
        for (const pod of pods) {
          expect(pod).toMatchObject({ phase: 'Running', ready: true });
          expect(pod.containers).toEqual([
            {
              name: 'model',
              ready: true,
              restarts: 0,
              state: 'running',
              logAvailable: true,
              log: CANDIDATE_LOG.join('\n'),
            },
          ]);
          // Its history as the scheduler wrote it: no node for it until the suite labelled kwok's node, then bound.
          expect(pod.events.map((event) => [event.type, event.reason, event.message])).toEqual([
            ['Normal', 'Scheduled', `Successfully assigned ${NAMESPACE}/${pod.name} to ${NODE_NAME}`],
            ['Warning', 'FailedScheduling', expect.stringMatching(UNSCHEDULABLE)],
          ]);
          expect(run.summary).toContain(`| \`${pod.name}\` | Running | yes | \`model\` | 0 | running |`);
        }
        expect(run.summary).toContain('#### Candidate pods (Deployment &quot;model-v2&quot;)');
        // The log lines came from the pod through the apiserver and kwok's kubelet endpoint: inside a text fence,
        // where neither the HTML nor the mention does anything.
        expect(run.summary).toContain(`Last log lines of model:\n\n\`\`\`text\n${CANDIDATE_LOG.join('\n')}\n\`\`\`\n`);
        expect(run.summary).not.toContain(kube.token);
      });

      test.each(['SIGKILL', 'SIGTERM'] as const)(
        'main killed with %s mid-rollout: the post step puts 100% back on the baseline in the API',
        async (signal) => {
          await Promise.all([
            rig.baseline.setBehaviour({ errorRate: 0.01 }),
            rig.candidate.setBehaviour({ errorRate: 0.01 }),
          ]);
          await restart();
          const mainPid = await pidPreload();
          const started = runAction(DEPLOY, {
            workspace,
            inputs: { ...rolloutInputs(), steps: '20,100', interval: '10m', 'max-duration': '30m' },
            env: mainPid.env,
            timeoutMs: 120_000,
          });
          let finished: ActionRun | undefined;
          void started.then((run) => {
            finished = run;
          });
          while (!weightsIn((await readRoute(kube)).spec.rules).includes('model-v1=80,model-v2=20')) {
            if (finished) throw new Error(`main ended before the rollout began:\n${finished.stdout}${finished.stderr}`);
            await delay(100);
          }
          process.kill(await mainPid.pid(), signal);
          const main = await started;
          expect(main.signal).toBe(signal);
          expect(main.state['deploy-finished']).toBeUndefined();
          const post = await runPost(main);
          expect(post.exitCode, post.stdout).toBe(0);
          expect(post.stdout).toContain(
            `Restored: candidate 0%, baseline 100% (gateway-api HTTPRoute ${NAMESPACE}/${SPLIT.route}).`,
          );
          expect(weightsIn((await readRoute(kube)).spec.rules)).toEqual(['model-v1=100,model-v2=0']);
          await reconciler.settled(0);
          expect(await servedSplit(rig, 200)).toEqual({ baseline: 200, candidate: 0 });
        },
      );
    });
  });
});

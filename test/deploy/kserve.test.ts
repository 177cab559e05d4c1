// provider kserve against a real kube-apiserver and etcd with KServe's InferenceService CRD. KServe's controller does
// not run: kserveStatusPlayer (support/kube-fixtures.ts) reports each new spec generation Ready (or failed) through
// the status subresource, and a reconciler renders canaryTrafficPercent into the rig's nginx for real traffic.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createProvider, MemoryLogger, ProviderError } from '../../shared/src/index.js';
import { type KubeHandle, startKube } from '../services/kube.js';
import { delay } from '../services/process.js';
import { requireService } from '../services/require-service.js';
import { type ActionRun, actionDir, runAction, runPost } from '../support/run-action.js';
import {
  createInferenceService,
  expectOk,
  ISVC,
  installInferenceServiceCrd,
  kserveStatusPlayer,
  kserveWeight,
  NAMESPACE,
  pidPreload,
  readInferenceService,
  servedSplit,
  underLoad,
  weightReconciler,
} from './support/kube-fixtures.js';
import { type DeployRig, RIG_GATE, rigNginxProvider, startDeployRig } from './support/rig.js';

const DEPLOY = actionDir('deploy');
const GATE = RIG_GATE;

/** The error annotations' messages, and the file of the first (the runner shows it on that file). */
const errorsOf = (run: ActionRun) => run.annotations.filter((annotation) => annotation.level === 'error');
const errorLines = (run: ActionRun) => errorsOf(run).map((annotation) => annotation.message);
const predictorOf = async (kube: KubeHandle, name?: string) => {
  const { canaryTrafficPercent, model } = (await readInferenceService(kube, name)).spec.predictor;
  return { canaryTrafficPercent, storageUri: model.storageUri };
};

describe.skipIf(!requireService('kube', 'nginx', 'prometheus'))('provider kserve on a real kube-apiserver', () => {
  let kube: KubeHandle;
  let workspace: string;
  const baseInputs = () => ({
    provider: 'kserve',
    kubeconfig: kube.kubeconfigPath,
    namespace: NAMESPACE,
    'inference-service': ISVC.service,
    baseline: ISVC.baseline,
    candidate: ISVC.candidate,
    gate: 'gate.yml',
    'prometheus-url': 'http://127.0.0.1:1',
    interval: '2s',
  });

  beforeAll(async () => {
    kube = await startKube();
    workspace = await mkdtemp(join(tmpdir(), 'deploy-kserve-ws-'));
    await writeFile(join(workspace, 'gate.yml'), GATE);
  }, 120_000);
  afterAll(async () => {
    await kube?.stop();
  });

  test('no InferenceService CRD: one ::error:: naming it', async () => {
    await kube.applyManifest([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } }]);
    const run = await runAction(DEPLOY, { workspace, inputs: baseInputs() });
    expect(run.exitCode).toBe(1);
    expect(errorLines(run)).toEqual([
      "Input 'provider': the cluster does not serve InferenceService (serving.kserve.io/v1beta1): install its CRD first. Nothing was changed.",
    ]);
  });

  describe('with the CRD', () => {
    beforeAll(async () => {
      await installInferenceServiceCrd(kube);
      await createInferenceService(kube);
    }, 120_000);

    test('the candidate waits at 0% until Ready, then canaryTrafficPercent is the weight; 100 removes it; 0 restores the baseline', async () => {
      const provider = await createProvider(
        {
          kind: 'kserve',
          split: ISVC,
          readyTimeoutMs: 60_000,
          connection: { kubeconfig: kube.kubeconfigPath, namespace: NAMESPACE },
        },
        { logger: new MemoryLogger() },
      );
      await provider.preflight();
      let done = false;
      const step = provider.setCandidateWeight(10).then(() => {
        done = true;
      });
      await delay(1_500);
      expect(done).toBe(false);
      expect(await predictorOf(kube)).toEqual({ canaryTrafficPercent: 0, storageUri: ISVC.candidate });
      const player = kserveStatusPlayer(kube, { ready: true });
      await step;
      await player.stop();
      expect(await predictorOf(kube)).toEqual({ canaryTrafficPercent: 10, storageUri: ISVC.candidate });
      await provider.setCandidateWeight(100);
      expect(await predictorOf(kube)).toEqual({ canaryTrafficPercent: undefined, storageUri: ISVC.candidate });
      await provider.setCandidateWeight(0);
      const service = await readInferenceService(kube);
      expect(service.spec.predictor).toEqual({
        minReplicas: 1,
        model: { modelFormat: { name: 'sklearn' }, storageUri: ISVC.baseline },
        canaryTrafficPercent: 0,
      });
      // Only the two fields are ours; the author keeps the rest of the predictor.
      const managers = Object.fromEntries(
        service.metadata.managedFields.map((entry) => [entry.manager, entry.fieldsV1]),
      );
      expect(managers['mlops-deploy']).toEqual({
        'f:spec': { 'f:predictor': { 'f:canaryTrafficPercent': {}, 'f:model': { 'f:storageUri': {} } } },
      });
      expect(JSON.stringify(managers.kubectl)).toContain('f:modelFormat');
    });

    test('a candidate KServe never makes Ready: ProviderError at the time-out with the Ready condition, no traffic', async () => {
      await createInferenceService(kube, 'churn-oom');
      const player = kserveStatusPlayer(kube, { ready: false }, 'churn-oom');
      try {
        const provider = await createProvider(
          {
            kind: 'kserve',
            split: { ...ISVC, service: 'churn-oom' },
            readyTimeoutMs: 2_000,
            connection: { kubeconfig: kube.kubeconfigPath, namespace: NAMESPACE },
          },
          { logger: new MemoryLogger() },
        );
        await provider.preflight();
        const error = await provider.setCandidateWeight(5).catch((thrown: unknown) => thrown);
        expect(error).toBeInstanceOf(ProviderError);
        expect((error as Error).message).toBe(
          'InferenceService "churn-oom" was not ready within 2s (ready-timeout): Ready is False (RevisionMissing: Revision "churn-oom-predictor-00002" failed with message: Container failed with: OOMKilled.); the candidate got no traffic',
        );
        expect((await predictorOf(kube, 'churn-oom')).canaryTrafficPercent).toBe(0);
        await provider.setCandidateWeight(0);
        expect(await predictorOf(kube, 'churn-oom')).toEqual({ canaryTrafficPercent: 0, storageUri: ISVC.baseline });
      } finally {
        await player.stop();
      }
    });

    test('a canary percent another manager set is refused by name, nothing changed', async () => {
      await createInferenceService(kube, 'churn-owned');
      await expectOk(
        kube.request(
          'PATCH',
          `/apis/serving.kserve.io/v1beta1/namespaces/${NAMESPACE}/inferenceservices/churn-owned?fieldManager=flagger`,
          { spec: { predictor: { canaryTrafficPercent: 30 } } },
          'application/merge-patch+json',
        ),
        'flagger update',
      );
      const before = await readInferenceService(kube, 'churn-owned');
      const run = await runAction(DEPLOY, {
        workspace,
        inputs: { ...baseInputs(), 'inference-service': 'churn-owned' },
      });
      expect(run.exitCode).toBe(1);
      expect(errorLines(run)).toEqual([
        `Input 'inference-service': InferenceService "churn-owned" in namespace "ml" is managed by another tool: Flagger (manager "flagger") owns spec.predictor.canaryTrafficPercent. Nothing was changed.`,
      ]);
      expect((await readInferenceService(kube, 'churn-owned')).metadata.resourceVersion).toBe(
        before.metadata.resourceVersion,
      );
    });

    test('a baseline that is not what the InferenceService serves is refused, nothing changed', async () => {
      const before = await readInferenceService(kube);
      const run = await runAction(DEPLOY, { workspace, inputs: { ...baseInputs(), baseline: 's3://models/churn/v0' } });
      expect(run.exitCode).toBe(1);
      expect(errorLines(run)).toEqual([
        `Input 'baseline': InferenceService "churn" serves storageUri "s3://models/churn/v1", not the baseline "s3://models/churn/v0". Nothing was changed.`,
      ]);
      expect((await readInferenceService(kube)).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    });

    describe('gated rollouts with real traffic: nginx follows canaryTrafficPercent', () => {
      let rig: DeployRig;
      let reconciler: ReturnType<typeof weightReconciler> | undefined;
      let player: ReturnType<typeof kserveStatusPlayer> | undefined;
      beforeAll(async () => {
        rig = await startDeployRig();
      }, 120_000);
      afterAll(async () => {
        await reconciler?.stop();
        await player?.stop();
        await rig?.stop();
      });
      const rolloutInputs = () => ({
        ...baseInputs(),
        'prometheus-url': rig.prometheus!.url,
        steps: '20,50,100',
        'poll-interval': '1s',
        'max-duration': '60s',
      });
      const restart = async (candidateErrorRate: number) => {
        await reconciler?.stop();
        await player?.stop();
        await Promise.all([
          rig.baseline.setBehaviour({ errorRate: 0.01 }),
          rig.candidate.setBehaviour({ errorRate: candidateErrorRate }),
        ]);
        await kube.request(
          'DELETE',
          `/apis/serving.kserve.io/v1beta1/namespaces/${NAMESPACE}/inferenceservices/${ISVC.service}`,
        );
        while (
          (
            await kube.request(
              'GET',
              `/apis/serving.kserve.io/v1beta1/namespaces/${NAMESPACE}/inferenceservices/${ISVC.service}`,
            )
          ).status !== 404
        )
          await delay(100);
        await createInferenceService(kube);
        await rigNginxProvider(rig).setCandidateWeight(0);
        player = kserveStatusPlayer(kube, { ready: true });
        reconciler = weightReconciler(
          async () => kserveWeight(await readInferenceService(kube)),
          (weight) => rigNginxProvider(rig).setCandidateWeight(weight),
        );
      };

      test('a healthy candidate is promoted: 20, 50 as canaryTrafficPercent, then the percent removed', async () => {
        await restart(0.01);
        const run = await underLoad(rig, () =>
          runAction(DEPLOY, { workspace, inputs: rolloutInputs(), timeoutMs: 120_000 }),
        );
        expect(run.exitCode, run.stdout).toBe(0);
        expect(run.outputs.decision).toBe('promoted');
        await reconciler?.settled(100);
        expect(reconciler?.seen).toEqual([0, 20, 50, 100]);
        expect(await predictorOf(kube)).toEqual({ canaryTrafficPercent: undefined, storageUri: ISVC.candidate });
        expect(await servedSplit(rig, 100)).toEqual({ baseline: 0, candidate: 100 });
      });

      test('a candidate with 5× the error rate is rolled back: percent 0, the baseline storageUri back', async () => {
        await restart(0.05);
        const run = await underLoad(rig, () =>
          runAction(DEPLOY, { workspace, inputs: rolloutInputs(), timeoutMs: 120_000 }),
        );
        expect(run.exitCode, run.stdout).toBe(1);
        expect(run.outputs.decision).toBe('rolled-back');
        expect(await predictorOf(kube)).toEqual({ canaryTrafficPercent: 0, storageUri: ISVC.baseline });
        await reconciler?.settled(0);
        expect(await servedSplit(rig, 200)).toEqual({ baseline: 200, candidate: 0 });
        const report = JSON.parse(await readFile(run.outputs.report as string, 'utf8'));
        expect(report.candidatePods).toEqual({
          owner: `InferenceService "churn" revision churn-predictor-00002`,
          pods: [],
        });
        expect(run.summary).toContain('No pods match the candidate’s selector.');
      });

      test('main killed with SIGKILL mid-rollout: the post step sets the percent to 0 with the baseline', async () => {
        await restart(0.01);
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
        while ((await predictorOf(kube)).canaryTrafficPercent !== 20) {
          if (finished) throw new Error(`main ended before the rollout began:\n${finished.stdout}${finished.stderr}`);
          await delay(100);
        }
        process.kill(await mainPid.pid(), 'SIGKILL');
        const main = await started;
        expect(main.signal).toBe('SIGKILL');
        const post = await runPost(main);
        expect(post.exitCode, post.stdout).toBe(0);
        expect(await predictorOf(kube)).toEqual({ canaryTrafficPercent: 0, storageUri: ISVC.baseline });
        await reconciler?.settled(0);
        expect(await servedSplit(rig, 200)).toEqual({ baseline: 200, candidate: 0 });
      });
    });
  });
});

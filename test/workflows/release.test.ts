import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { versionTags } from '../../shared/src/index.js';
import { type DeployRig, retryingPredictions, rigNginxProvider, servedBy } from '../deploy/support/rig.js';
import { digestsOf } from '../promotion/support.js';
import { type InProcessServer, listenOnLoopback } from '../services/in-process-server.js';
import { type MlflowHandle, startMlflow } from '../services/mlflow.js';
import { type RegistryHandle, startRegistry } from '../services/registry.js';
import { requireService } from '../services/require-service.js';
import { stopAll } from '../services/rig.js';
import { type GitHubSandbox, REPOSITORY, startGitHubSandbox, TOKENS } from '../support/github/sandbox.js';
import { type ActWorkspace, freePort, prepareActWorkspace, runAct, stepOutcomes } from './act.js';
import {
  IMAGE_REPOSITORY,
  MODEL,
  type Serving,
  seedRelease,
  startServing,
  startTraffic,
  TAG,
} from './release-support.js';

/**
 * ml-release.yml under nektos/act (self-hosted mode) on the example project, against what ml-main.yml would have
 * left: the image `sha-<7>` of the released commit in a real registry, an MLflow model version tagged with the
 * commit, and main's check run `ml` passing. promote points the release tag and `production` at the tested digest
 * and moves MLflow's `champion` alias; deploy then rolls the promoted image out through real nginx behind the
 * example's own gate file, read from real Prometheus, while this test sends traffic.
 *
 * Every step of the template runs (none is removed). What act cannot run is job-level configuration it does not
 * parse at all (act 0.2.89's model.Job has no such fields):
 * - `environment: production` of job deploy: no required reviewers, so the human approval is not emulated and the
 *   job starts as soon as promote succeeds (nor are environment-scoped variables or secrets). The deployment the
 *   rollout records in `production` comes from the deploy action's own `environment` input and is asserted.
 * - `permissions:` (the emulator's token may write everything) and `concurrency:` (one run here; nothing queues).
 * `vars.DEPLOY_INTERVAL` shortens the bake time from the template's default of 5m.
 */

interface WeightSwitch extends InProcessServer {
  /** What SET_WEIGHT_COMMAND passed, one entry per call. */
  readonly calls: { weight: number; candidate: string }[];
  /** The command for SET_WEIGHT_COMMAND, run by the deploy action without a shell. */
  readonly command: string;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The user's traffic switch, as a small HTTP service the set-weight command calls with curl: it moves nginx's
 * split with the deploy action's own nginx provider and answers once nginx serves the new weight, so a step's
 * bake time starts with the traffic already moved.
 */
async function startWeightSwitch(rig: DeployRig): Promise<WeightSwitch> {
  const provider = rigNginxProvider(rig);
  const calls: { weight: number; candidate: string }[] = [];
  const server = createServer((request, response) => {
    void (async () => {
      const form = new URLSearchParams(await readBody(request));
      const weight = Number(form.get('weight'));
      if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
        response.writeHead(400).end(`weight must be an integer percentage, got "${form.get('weight')}"\n`);
        return;
      }
      try {
        await provider.setCandidateWeight(weight);
        calls.push({ weight, candidate: form.get('candidate') ?? '' });
        response.writeHead(200).end(`candidate weight ${weight}%\n`);
      } catch (error) {
        response.writeHead(500).end(`${error instanceof Error ? error.message : String(error)}\n`);
      }
    })();
  });
  const listening = await listenOnLoopback(server);
  return {
    ...listening,
    calls,
    command: `curl --fail-with-body --silent --show-error --data-urlencode weight={weight} --data-urlencode candidate={candidate} ${listening.url}/weight`,
  };
}

const describeRelease = describe.skipIf(!requireService('registry', 'mlflow', 'nginx', 'prometheus'));

describeRelease('ml-release.yml under act', () => {
  let sandbox: GitHubSandbox;
  let workspace: ActWorkspace;
  let registry: RegistryHandle;
  let mlflow: MlflowHandle;
  let serving: Serving;
  let weightSwitch: WeightSwitch;

  beforeAll(async () => {
    const started = await Promise.allSettled([
      startGitHubSandbox(),
      prepareActWorkspace(REPOSITORY),
      startRegistry(),
      startMlflow(),
      startServing(),
    ]);
    const failed = started.find((result) => result.status === 'rejected');
    const value = <T>(result: PromiseSettledResult<T>) => (result.status === 'fulfilled' ? result.value : undefined);
    sandbox = value(started[0]) as GitHubSandbox;
    workspace = value(started[1]) as ActWorkspace;
    registry = value(started[2]) as RegistryHandle;
    mlflow = value(started[3]) as MlflowHandle;
    serving = value(started[4]) as Serving;
    if (failed) throw failed.reason;
    weightSwitch = await startWeightSwitch(serving.rig);
  }, 900_000);
  afterEach(() => sandbox.emulator.assertContractClean());
  afterAll(async () => {
    await stopAll([sandbox, registry, mlflow, serving, weightSwitch]);
  });

  test('promotes the image and model version main tested, then rolls it out to production behind the gate', async () => {
    const commit = workspace.headSha;

    const { image, registryClient, previouslyServed, tested, championBefore, version, event, runId } =
      await seedRelease({ sandbox, registry, mlflow, commit, workflow: 'ml-release.yml' });
    const stored = sandbox.emulator.repository(REPOSITORY);
    const { rig, prometheus } = serving;
    const traffic = startTraffic(rig.nginx.url);
    const result = await runAct(workspace, 'ml-release.yml', {
      event: 'release',
      payload: event.payload,
      runId,
      token: TOKENS.actions,
      emulator: sandbox.emulator,
      repository: REPOSITORY,
      artifactPort: await freePort(),
      vars: {
        MODEL_IMAGE: image,
        MLFLOW_TRACKING_URI: mlflow.url,
        PROMETHEUS_URL: prometheus.url,
        SET_WEIGHT_COMMAND: weightSwitch.command,
        SERVING_BASELINE: `${image}@${previouslyServed.digest}`,
        // Long enough for the 5% step to count the gate's 500 requests per arm (about 15 s here) before the
        // default max-duration of three intervals per step runs out.
        DEPLOY_INTERVAL: '10s',
      },
    }).finally(() => traffic.stop());
    await writeFile(join(workspace.directory, '..', 'ml-release.log'), result.log);
    const tail = result.log.slice(-6000);

    // Every step ran under act: nothing removed, promote then the rollout and its post step (nothing to restore).
    expect(result.removed).toEqual([]);
    expect(stepOutcomes(result.log), tail).toEqual([
      { step: 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683', outcome: 'success' },
      { step: 'Model card of the release', outcome: 'success' },
      { step: 'Promote the tested image and model version', outcome: 'success' },
      { step: 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683', outcome: 'success' },
      { step: 'Gated A/B rollout', outcome: 'success' },
      { step: 'Gated A/B rollout', outcome: 'success' },
    ]);
    expect(result.code, tail).toBe(0);
    expect(result.log).toContain(`::set-output:: digest=${tested.digest}`);
    expect(result.log).toContain(`::set-output:: mlflow-version=${version}`);
    // What the release replaced, for a manual rollback: production's old digest and champion's old version.
    expect(JSON.parse(/::set-output:: previous=(.*)$/m.exec(result.log)?.[1] ?? '{}')).toEqual({
      [`${image}:${TAG}`]: null,
      [`${image}:production`]: previouslyServed.digest,
      [`models:/${MODEL}@champion`]: championBefore,
    });
    expect(result.log).toContain('::set-output:: decision=promoted');
    expect(result.log).toContain('::set-output:: final-weight=100');
    expect(result.log).toMatch(/The rollout finished: nothing to restore/);

    // The registry: the release tag and production name the tested digest; sha-<7> is untouched.
    expect(await digestsOf(registryClient, IMAGE_REPOSITORY, [TAG, 'production', `sha-${commit.slice(0, 7)}`])).toEqual(
      {
        [TAG]: tested.digest,
        production: tested.digest,
        [`sha-${commit.slice(0, 7)}`]: tested.digest,
      },
    );

    // MLflow: champion moved from the old version to the released commit's, which carries the release's tags.
    const alias = await mlflow.api<{ model_version: { version: string } }>('GET', 'registered-models/alias', {
      name: MODEL,
      alias: 'champion',
    });
    expect(alias.model_version.version).toBe(version);
    expect(version).not.toBe(championBefore);
    const promotedVersion = await mlflow.api<{ model_version: { tags: { key: string; value: string }[] } }>(
      'GET',
      'model-versions/get',
      { name: MODEL, version },
    );
    expect(versionTags(promotedVersion.model_version)).toMatchObject({
      git_sha: commit,
      release: TAG,
      image_digest: tested.digest,
    });

    // The release notes keep the person's text and gain the model card, then the promotion record. No main run,
    // pull request or signing key here: the card names what it could not find, and promote did not ask for it.
    const release = stored.releases.find((entry) => entry.tag_name === TAG);
    expect(release?.body).toMatch(
      new RegExp(
        `^Release notes by a person\\.\\n\\n<!-- mlops-actions/model-card:start -->\\n## Model card: ${MODEL} version ${version}\\n`,
      ),
    );
    expect(release?.body).toMatch(
      /<!-- mlops-actions\/model-card:end -->\n\n<!-- mlops-actions\/promote:start -->\n## Promotion/,
    );
    expect(release?.body).toContain(`> Missing evidence: the main-branch run of ${commit.slice(0, 7)};`);
    expect(release?.body).toContain('Field researchers sexing adult birds of the Palmer Archipelago');
    expect(release?.body).toContain(`\`${image}@${tested.digest}\``);
    expect(stored.releaseAssets.map((asset) => asset.name)).toEqual(['model-card.md', 'model-card.json']);
    expect(JSON.parse(stored.releaseAssets[1]?.content.toString()).model).toMatchObject({ name: MODEL, version });
    expect(result.log).toContain('::set-output:: missing-evidence=');
    expect(release?.body).toContain(tested.digest);
    expect(release?.body).toContain('<!-- mlops-actions/promote:end -->');

    // Deployments on the commit: promote's audit per target, then the rollout's in production; all ended success.
    const deployments = stored.deployments.filter((deployment) => deployment.sha === commit);
    const statesOf = (id: number) =>
      [...(stored.deploymentStatuses.get(id) ?? [])].reverse().map((status) => status.state);
    expect(
      deployments.map((deployment) => [deployment.environment, deployment.description, statesOf(deployment.id)]),
    ).toEqual([
      [TAG, expect.stringMatching(/^Promote sha256:/), ['in_progress', 'success']],
      ['production', expect.stringMatching(/^Promote sha256:/), ['in_progress', 'success']],
      ['production', 'A/B rollout 5→25→50→100% by mlops-actions/deploy', ['in_progress', 'success']],
    ]);
    expect(result.log).toContain(`::set-output:: deployment-id=${deployments[2]?.id}`);

    // The traffic switch moved through every step with the promoted image by digest, and all traffic now
    // reaches the candidate; no request failed along the way.
    expect(weightSwitch.calls).toEqual(
      [5, 25, 50, 100].map((weight) => ({ weight, candidate: `${image}@${tested.digest}` })),
    );
    expect(traffic.counts.failed).toBe(0);
    const before = await servedBy(rig.candidate);
    const { statuses } = await retryingPredictions(rig.nginx.url, 50);
    expect(statuses.every((status) => status === 200)).toBe(true);
    expect((await servedBy(rig.candidate)) - before).toBe(50);
  }, 300_000);
});

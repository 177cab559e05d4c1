// What the ml-release templates' tests share: the serving stack the rollout moves traffic on, prediction traffic,
// and what ml-main.yml and the last release left for promote (images, MLflow versions, main's passing check).
import { RegistryClient } from '../../shared/src/index.js';
import { type DeployRig, retryingPredictions, startDeployRig } from '../deploy/support/rig.js';
import { registerVersion } from '../mlflow/support.js';
import { pushSingle } from '../promotion/support.js';
import type { MlflowHandle } from '../services/mlflow.js';
import { type PrometheusHandle, startPrometheus } from '../services/prometheus.js';
import type { RegistryHandle } from '../services/registry.js';
import { stopAll } from '../services/rig.js';
import { exampleEvent } from '../support/events.js';
import { type GitHubSandbox, passingCheckRun, REPOSITORY } from '../support/github/sandbox.js';

export const TAG = 'v1.0.0';
/** The templates' MODEL_NAME and the repository ml-main pushes to under MODEL_IMAGE. */
export const MODEL = 'penguin-sex';
export const IMAGE_REPOSITORY = `acme/${MODEL}`;

/**
 * The rig's model backends count `model_requests_total{variant,code}`; the example's serve.py, whose gate file
 * the template reads, calls the same counter `http_requests_total`. Prometheus renames it at scrape time.
 */
export const SERVE_PY_COUNTERS = { model_requests_total: 'http_requests_total' };

export interface Serving {
  rig: DeployRig;
  prometheus: PrometheusHandle;
  stop(): Promise<void>;
}

/** Baseline and candidate backends behind nginx (0% candidate), scraped by Prometheus under serve.py's names. */
export async function startServing(): Promise<Serving> {
  const rig = await startDeployRig({ prometheus: false });
  try {
    const prometheus = await startPrometheus(
      [rig.baseline, rig.candidate].map((backend) => ({
        job: backend.variant,
        url: backend.url,
        renameMetrics: SERVE_PY_COUNTERS,
      })),
    );
    return { rig, prometheus, stop: () => stopAll([rig, prometheus]) };
  } catch (error) {
    await rig.stop();
    throw error;
  }
}

/** Prediction traffic through nginx from a retrying client until stopped; counts what it sent. */
export function startTraffic(url: string) {
  let running = true;
  const counts = { sent: 0, failed: 0 };
  const done = (async () => {
    while (running) {
      const { statuses } = await retryingPredictions(url, 100, { concurrency: 6 });
      counts.sent += statuses.length;
      counts.failed += statuses.filter((status) => status !== 200).length;
    }
  })();
  return {
    counts,
    stop: async () => {
      running = false;
      await done;
      return counts;
    },
  };
}

/**
 * What ml-main.yml and the last release left: production serving an older image and model version, and the
 * released commit's image (sha-<7>) and model version, tested by main's passing `ml` job; then the published
 * release's event and the workflow run it starts.
 */
export async function seedRelease(options: {
  sandbox: GitHubSandbox;
  registry: RegistryHandle;
  mlflow: MlflowHandle;
  commit: string;
  workflow: string;
}) {
  const { sandbox, registry, mlflow, commit, workflow } = options;
  const image = `${registry.host}/${IMAGE_REPOSITORY}`;
  const registryClient = new RegistryClient({ registry: registry.host });
  const previouslyServed = await pushSingle(registryClient, IMAGE_REPOSITORY, 'production');
  const tested = await pushSingle(registryClient, IMAGE_REPOSITORY, `sha-${commit.slice(0, 7)}`);
  const championBefore = await registerVersion(mlflow, MODEL, { git_sha: 'e'.repeat(40) });
  await mlflow.api('POST', 'registered-models/alias', { name: MODEL, alias: 'champion', version: championBefore });
  const version = await registerVersion(mlflow, MODEL, { git_sha: commit });
  const [owner, repo] = REPOSITORY.split('/') as [string, string];
  await passingCheckRun(sandbox, REPOSITORY, commit, 'ml');

  const event = exampleEvent('release', 'published');
  Object.assign(event.payload.release, {
    tag_name: TAG,
    target_commitish: commit,
    body: 'Release notes by a person.',
  });
  Object.assign(event.payload.repository, { full_name: REPOSITORY, name: repo, default_branch: 'main' });
  event.payload.repository.owner.login = owner;
  // Its upload_url on the emulator: model-card uploads the card as release assets.
  event.payload.release.id = sandbox.emulator.addRelease(REPOSITORY, {
    tag: TAG,
    body: event.payload.release.body,
    commit,
  }).id;
  const runId = sandbox.emulator.addWorkflowRun(REPOSITORY, {
    workflow,
    branch: TAG,
    event: 'release',
    headSha: commit,
  }).id;
  return { image, registryClient, previouslyServed, tested, championBefore, version, event, runId };
}

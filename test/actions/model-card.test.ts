import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  createRandom,
  MLFLOW_DESCRIPTION_LIMIT,
  MlflowClient,
  type ModelCard,
  mlflowDescription,
  RELEASE_RECORD_ARTIFACT_TYPE,
  RegistryClient,
  readVerifyingKey,
  uploadRunArtifact,
  verifyAttachedRecord,
} from '../../shared/src/index.js';
import { pushSingle } from '../promotion/support.js';
import { keyPairPem } from '../release-record/support.js';
import { type MlflowHandle, startMlflow } from '../services/mlflow.js';
import { type RegistryHandle, startRegistry } from '../services/registry.js';
import { requireService } from '../services/require-service.js';
import { stopAll } from '../services/rig.js';
import { exampleEvent } from '../support/events.js';
import { type GitHubSandbox, passingCheckRun, startGitHubSandbox, TOKENS } from '../support/github/sandbox.js';
import { type ActionRun, actionDir, repositoryRoot, runAction } from '../support/run-action.js';
import { schemaValidator } from '../support/schemas.js';

/**
 * The release's model card as the runner runs it, against the GitHub emulator (with real artifact storage), the
 * real MLflow server and a real registry. main's run of the commit is made by running validate-data and
 * test-model themselves, so the card reads the reports and profile they really leave.
 */
const REPO = 'Codertocat/Hello-World';
const MODEL_CARD = actionDir('model-card');
const signer = keyPairPem();
const errorLines = (run: ActionRun) => run.stdout.split('\n').filter((line) => line.startsWith('::error'));

const TESTS = `version: 1
metrics:
  accuracy: {min: 0.6}
  f1: {min: 0.5}
slices:
  by: [island]
  min-rows: 20
  metrics: {accuracy: {min: 0.5}}
`;

const HUMAN = `description: Predicts a penguin's sex from its measurements.
intended-use: Field researchers sexing unlabelled birds.
out-of-scope-uses:
  - Species other than Adelie, Chinstrap and Gentoo
limitations:
  - Trained on Palmer Archipelago birds only
owners: [penguin-team]
`;

let sandbox: GitHubSandbox;
let registry: RegistryHandle;
let mlflow: MlflowHandle;
let registryClient: RegistryClient;
let mlflowClient: MlflowClient;
let workspace: string;
let experimentId: string;

function predictionsCsv(rows: number, seed: number): string {
  const random = createRandom(seed);
  const islands = ['Biscoe', 'Dream', 'Torgersen'];
  const lines = ['label,score,island'];
  for (let index = 0; index < rows; index++) {
    const label = index % 2;
    const score = Math.min(0.99, Math.max(0.01, (label ? 0.7 : 0.3) + (random() - 0.5) * 0.7));
    lines.push(`${label},${score.toFixed(4)},${islands[index % 3]}`);
  }
  return `${lines.join('\n')}\n`;
}

beforeAll(async () => {
  if (!requireService('registry', 'mlflow')) return;
  [sandbox, registry, mlflow] = await Promise.all([
    startGitHubSandbox({ artifacts: true }),
    startRegistry({ mode: 'none' }),
    startMlflow(),
  ]);
  sandbox.emulator.addRepository(REPO, 'main');
  registryClient = new RegistryClient({ registry: registry.host });
  mlflowClient = new MlflowClient({ trackingUri: mlflow.url });
  experimentId = (await mlflow.api<{ experiment_id: string }>('POST', 'experiments/create', { name: 'card' }))
    .experiment_id;
  workspace = await mkdtemp(join(tmpdir(), 'model-card-ws-'));
  await mkdir(join(workspace, 'data'));
  await mkdir(join(workspace, 'ml'));
  await copyFile(
    join(repositoryRoot, 'test', 'fixtures', 'data', 'penguins.json'),
    join(workspace, 'data', 'penguins.json'),
  );
  await copyFile(join(repositoryRoot, 'examples', 'penguins', 'ml', 'suite.yml'), join(workspace, 'ml', 'suite.yml'));
  // The previous release trained on 300 birds without their body mass.
  const birds = JSON.parse(await readFile(join(workspace, 'data', 'penguins.json'), 'utf8')) as Record<
    string,
    unknown
  >[];
  const older = birds.slice(0, 300).map(({ 'Body Mass (g)': _mass, ...bird }) => bird);
  await writeFile(join(workspace, 'data', 'older.json'), JSON.stringify(older));
  // The production version before that one: 250 birds, without their beak depth either.
  const oldest = older.slice(0, 250).map(({ 'Beak Depth (mm)': _depth, ...bird }) => bird);
  await writeFile(join(workspace, 'data', 'oldest.json'), JSON.stringify(oldest));
  await writeFile(join(workspace, 'oldest-predictions.csv'), predictionsCsv(300, 5));
  await writeFile(join(workspace, 'ml', 'tests.yml'), TESTS);
  await writeFile(join(workspace, 'predictions.csv'), predictionsCsv(300, 3));
  await writeFile(join(workspace, 'older-predictions.csv'), predictionsCsv(300, 4));
  await writeFile(join(workspace, 'model-card.yml'), HUMAN);
}, 180_000);
afterEach(() => sandbox?.emulator.assertContractClean());
afterAll(async () => {
  await stopAll([registry, mlflow]);
  await sandbox?.stop();
});

/** main's run of `commit`: validate-data and test-model as the runner runs them, and the profile uploaded. */
async function mainRun(commit: string, data: string) {
  const run = sandbox.emulator.addWorkflowRun(REPO, { workflow: 'ml-main.yml', branch: 'main', headSha: commit });
  const push = exampleEvent('push');
  push.payload.ref = 'refs/heads/main';
  push.payload.after = commit;
  const env = sandbox.emulator.runnerEnvironment(REPO, run.id);
  const common = { event: push, workspace, githubToken: TOKENS.actions, env, timeoutMs: 120_000 };
  const validated = await runAction(actionDir('validate-data'), {
    ...common,
    inputs: { data, suite: 'ml/suite.yml', comment: 'never', 'fail-on': 'never' },
  });
  expect(validated.exitCode, validated.stdout).toBe(0);
  // The workflow's upload-artifact step, in process: the results service with the run's runtime token.
  Object.assign(process.env, {
    ACTIONS_RESULTS_URL: env.ACTIONS_RESULTS_URL,
    ACTIONS_RUNTIME_TOKEN: env.ACTIONS_RUNTIME_TOKEN,
  });
  const profile = validated.outputs.profile as string;
  await uploadRunArtifact('mlops-data-profile', [profile], join(profile, '..'));
  const tested = await runAction(actionDir('test-model'), {
    ...common,
    inputs: {
      predictions:
        data === 'data/penguins.json' ? 'predictions.csv' : data.replace(/^data\/(\w+)\.json$/, '$1-predictions.csv'),
      tests: 'ml/tests.yml',
      name: 'churn',
      comment: 'never',
      baseline: 'none',
    },
  });
  expect(tested.exitCode, tested.stdout).toBe(0);
  return { run, metrics: JSON.parse(tested.outputs.metrics as string) as Record<string, number> };
}

/** A registered version of `churn` tagged with the commit, from a run with params and metrics (or without a run). */
async function registerVersion(
  commit: string,
  options: { withRun: boolean; metrics?: Record<string, number>; promotedAt?: string },
) {
  await mlflow.api('POST', 'registered-models/create', { name: 'churn' }).catch(() => undefined);
  let runId: string | undefined;
  if (options.withRun) {
    const { run } = await mlflow.api<{ run: { info: { run_id: string } } }>('POST', 'runs/create', {
      experiment_id: experimentId,
      start_time: Date.now(),
    });
    runId = run.info.run_id;
    await mlflow.api('POST', 'runs/log-batch', {
      run_id: runId,
      params: [
        { key: 'max_depth', value: '6' },
        { key: 'n_estimators', value: '200' },
      ],
      metrics: Object.entries(options.metrics ?? {}).map(([key, value]) => ({ key, value, timestamp: 1, step: 0 })),
    });
  }
  const { model_version } = await mlflow.api<{ model_version: { version: string } }>('POST', 'model-versions/create', {
    name: 'churn',
    // A version registered from files outside any run (MLflow allows a source without a run).
    source: runId ? `mlflow-artifacts:/${experimentId}/${runId}/artifacts/model` : `s3://models/churn/${commit}`,
    ...(runId ? { run_id: runId } : {}),
    tags: [
      { key: 'git_sha', value: commit },
      // What promote writes on the version it moves to production.
      ...(options.promotedAt ? [{ key: 'promoted_at', value: options.promotedAt }] : []),
    ],
  });
  return { version: model_version.version, runId };
}

function releaseEvent(commit: string, tag: string) {
  const event = exampleEvent('release', 'published');
  event.payload.release.target_commitish = commit;
  event.payload.release.tag_name = tag;
  return event;
}

async function runModelCard(commit: string, tag: string, inputs: Record<string, string> = {}, ws = workspace) {
  const run = sandbox.emulator.addWorkflowRun(REPO, {
    workflow: 'ml-release.yml',
    branch: tag,
    event: 'release',
    headSha: commit,
  });
  return {
    releaseRun: run,
    result: async () =>
      runAction(MODEL_CARD, {
        event: releaseEvent(commit, tag),
        workspace: ws,
        githubToken: TOKENS.actions,
        env: sandbox.emulator.runnerEnvironment(REPO, run.id),
        timeoutMs: 120_000,
        inputs: {
          image: `${registry.host}/models/churn`,
          data: 'data/penguins.json',
          'require-checks': 'ml',
          'mlflow-tracking-uri': mlflow.url,
          'mlflow-model': 'churn',
          'signing-key': signer.privatePem,
          ...inputs,
        },
      }),
  };
}

describe.skipIf(!requireService('registry', 'mlflow'))('model-card against the emulator, MLflow and a registry', () => {
  const oldestCommit = 'a0'.repeat(20);
  const previousCommit = 'b0'.repeat(20);
  const commit = 'c1'.repeat(20);

  test('a complete release: the card a reviewer reads, everywhere it goes, signed and verifiable', async () => {
    const oldest = await mainRun(oldestCommit, 'data/oldest.json');
    const first = await registerVersion(oldestCommit, {
      withRun: true,
      metrics: { accuracy: 0.4 },
      promotedAt: '2026-10-01T08:00:00.000Z',
    });
    // A version that never went to production: not in the history.
    await registerVersion('a1'.repeat(20), { withRun: false });
    const older = await mainRun(previousCommit, 'data/older.json');
    const previous = await registerVersion(previousCommit, {
      withRun: true,
      metrics: { accuracy: 0.5, f1: 0.5 },
      promotedAt: '2026-11-01T08:00:00.000Z',
    });
    await mlflow.api('POST', 'registered-models/alias', {
      name: 'churn',
      alias: 'champion',
      version: previous.version,
    });
    const main = await mainRun(commit, 'data/penguins.json');
    expect(older.metrics.accuracy).not.toBe(main.metrics.accuracy);
    const current = await registerVersion(commit, { withRun: true, metrics: { accuracy: 0.8 } });
    const image = await pushSingle(registryClient, 'models/churn', `sha-${commit.slice(0, 7)}`, 4 << 10);

    sandbox.emulator.addPullRequest(REPO, {
      number: 41,
      headSha: 'd2'.repeat(20),
      mergeCommitSha: commit,
      author: 'data-scientist',
      title: 'Body mass as a feature',
    });
    sandbox.emulator.addReview(REPO, 41, { login: 'alice', state: 'APPROVED', submittedAt: '2026-12-01T09:00:00Z' });
    sandbox.emulator.addReview(REPO, 41, { login: 'bob', state: 'COMMENTED' });
    const { client } = sandbox.client();
    const [owner, repo] = REPO.split('/') as [string, string];
    await passingCheckRun(sandbox, REPO, commit, 'ml');
    const release = sandbox.emulator.addRelease(REPO, { tag: 'v2.0.0', body: 'Churn model v2.', commit });
    const { releaseRun, result } = await runModelCard(commit, 'v2.0.0');
    sandbox.emulator.addRunApproval(REPO, releaseRun.id, {
      login: 'release-manager',
      environments: ['release'],
      comment: 'Card reviewed',
    });

    // The approved job's deployment of the commit starts: when the release was approved.
    const { data: deployment } = await client.rest.repos.createDeployment({
      owner,
      repo,
      ref: commit,
      environment: 'release',
      auto_merge: false,
      required_contexts: [],
    });
    const deploymentId = (deployment as { id: number }).id;
    await client.rest.repos.createDeploymentStatus({ owner, repo, deployment_id: deploymentId, state: 'in_progress' });
    const approvedAt = sandbox.emulator.repository(REPO).deploymentStatuses.get(deploymentId)?.[0]
      ?.created_at as string;

    const run = await result();
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.outputs['missing-evidence']).toBe('[]');
    const markdown = await readFile(run.outputs.markdown as string, 'utf8');
    const json = await readFile(run.outputs.json as string, 'utf8');
    const card = JSON.parse(json) as ModelCard;

    const dataDigest = `sha256:${createHash('sha256')
      .update(await readFile(join(workspace, 'data', 'penguins.json')))
      .digest('hex')}`;
    expect(card.model).toMatchObject({
      name: 'churn',
      version: current.version,
      runId: current.runId,
      params: { max_depth: '6', n_estimators: '200' },
      tags: { git_sha: commit },
      image: { name: `${registry.host}/models/churn`, digest: image.digest, labels: { test: 'oci' } },
    });
    expect(card.data.files).toEqual([{ name: 'data/penguins.json', digest: dataDigest }]);
    expect(card.data.rows).toBe(344);
    expect(card.data.columns?.map((column) => column.name)).toEqual([
      'Species',
      'Island',
      'Beak Length (mm)',
      'Beak Depth (mm)',
      'Flipper Length (mm)',
      'Body Mass (g)',
      'Sex',
    ]);
    expect(card.data.suite?.status).toBe('warning');
    expect(card.evaluation?.metrics).toEqual(main.metrics);
    expect(card.evaluation?.slices.map((slice) => [slice.value, slice.rows])).toEqual([
      ['Biscoe', 100],
      ['Dream', 100],
      ['Torgersen', 100],
    ]);
    expect(card.tests).toEqual({ passed: true, summary: 'churn: all 5 tests passed' });
    expect(card.process).toEqual({
      pullRequest: {
        number: 41,
        title: 'Body mass as a feature',
        url: `https://github.com/${REPO}/pull/41`,
        author: 'data-scientist',
        approvers: [{ login: 'alice', at: '2026-12-01T09:00:00Z' }],
      },
      checks: [{ name: 'ml', state: 'success', passed: true }],
      approvals: [
        {
          login: 'release-manager',
          environments: ['release'],
          state: 'approved',
          at: approvedAt,
          comment: 'Card reviewed',
        },
      ],
    });
    expect(card.history.previous).toMatchObject({ version: previous.version, commit: previousCommit, rows: 300 });
    expect(card.history.featuresAdded).toEqual(['Body Mass (g)']);
    expect(card.history.featuresRemoved).toEqual([]);
    expect(card.history.rows).toEqual({ previous: 300, current: 344, change: 44 });
    // Like with like: the previous release's own test-model metrics, not its run's.
    expect(card.history.metricDeltas.find((delta) => delta.metric === 'accuracy')).toEqual({
      metric: 'accuracy',
      previous: older.metrics.accuracy,
      current: main.metrics.accuracy,
      delta: (main.metrics.accuracy as number) - (older.metrics.accuracy as number),
    });
    expect(card.human.intendedUse).toBe('Field researchers sexing unlabelled birds.');

    // Drift against the training data of the production version before it: its main run's profile against this
    // one's. The first 300 birds hold fewer Gentoo (Biscoe) and no Sex "." row: three columns drift.
    const drift = card.data.driftFromPrevious;
    expect(drift).toMatchObject({ version: previous.version, commit: previousCommit, share: 0.5, datasetDrift: true });
    expect(drift?.skipped).toEqual([]);
    expect(drift?.columns.map((column) => [column.column, column.method, column.drifted, column.approximate])).toEqual([
      ['Species', 'chisquare', true, false],
      ['Island', 'chisquare', true, false],
      ['Beak Length (mm)', 'ks', false, false],
      ['Beak Depth (mm)', 'ks', false, false],
      ['Flipper Length (mm)', 'ks', false, false],
      ['Sex', 'chisquare', true, false],
    ]);
    // The same numbers validate-data gives with the older data itself as the reference (JSON: ∞ is null).
    const withData = await runAction(actionDir('validate-data'), {
      event: exampleEvent('push'),
      workspace,
      inputs: { data: 'data/penguins.json', reference: 'data/older.json', comment: 'never', 'fail-on': 'never' },
      timeoutMs: 120_000,
    });
    expect(withData.exitCode, withData.stdout).toBe(0);
    const fromData = JSON.parse(await readFile(withData.outputs.report as string, 'utf8')).drift as {
      columns: { column: string; statistic: number | null; pValue?: number }[];
    };
    const numbers = (columns: { column: string; statistic: number | null; pValue?: number }[]) =>
      columns.map((column) => [column.column, column.statistic, column.pValue]);
    expect(numbers(drift?.columns ?? [])).toEqual(numbers(fromData.columns));
    expect(drift?.columns.find((column) => column.column === 'Species')).toMatchObject({
      statistic: expect.closeTo(15.4767, 4),
      pValue: expect.closeTo(0.000436, 6),
    });
    expect(markdown).toContain(
      `### Drift against \`churn version ${previous.version} (b0b0b0b)\`: 3 of 6 columns drifted (share 0.5, dataset drift at 0.5)`,
    );
    expect(markdown).toContain('| Species | chisquare | 15.48 | 0.0004358 | 0.05 | 🔴 yes |');
    expect(markdown).toContain('| Beak Length (mm) | ks | 0.06352 | 0.5131 | 0.05 | 🟢 no |');
    expect(markdown).toContain('| Sex | chisquare | ∞ | 0 | 0.05 | 🔴 yes |');
    // The production history: the alias's version, then the one promote promoted before it, each with its
    // changes from the one before; the version that never went to production is left out.
    expect(
      card.history.versions?.map((entry) => [
        entry.version,
        entry.date,
        entry.commit,
        entry.rows,
        entry.metrics.accuracy,
      ]),
    ).toEqual([
      [previous.version, '2026-11-01T08:00:00.000Z', previousCommit, 300, older.metrics.accuracy],
      [first.version, '2026-10-01T08:00:00.000Z', oldestCommit, 250, oldest.metrics.accuracy],
    ]);
    expect(card.history.versions?.[0]?.changes).toEqual({
      metricDeltas: Object.keys(older.metrics)
        .filter((metric) => oldest.metrics[metric] !== undefined)
        .sort()
        .map((metric) => ({
          metric,
          previous: oldest.metrics[metric],
          current: older.metrics[metric],
          delta: (older.metrics[metric] as number) - (oldest.metrics[metric] as number),
        })),
      featuresAdded: ['Beak Depth (mm)'],
      featuresRemoved: [],
      rows: { previous: 250, current: 300, change: 50 },
    });
    expect(card.history.versions?.[1]?.changes).toBeUndefined();
    expect(markdown).toContain('### Production history (2 versions)');
    expect(markdown).toMatch(
      new RegExp(
        `\\| ${previous.version} \\| 2026-11-01T08:00:00\\.000Z \\| \`b0b0b0b\` \\| 300 \\| .*added Beak Depth \\(mm\\); rows \\+50 \\|`,
      ),
    );
    const validate = await schemaValidator('model-card.schema.json');
    expect(validate(card), JSON.stringify(validate.errors)).toBe(true);

    expect(markdown).toContain(`# Model card: churn version ${current.version}`);
    expect(markdown).toContain(`\`${registry.host}/models/churn@${image.digest}\``);
    expect(markdown).toContain(`| data/penguins.json | \`${dataDigest}\` |`);
    expect(markdown).toContain('written by `data-scientist`; approved by `alice`.');
    expect(markdown).toContain(`| \`release-manager\` | release | approved | ${approvedAt} | Card reviewed |`);
    expect(markdown).toContain('Features added: Body Mass (g)');
    expect(markdown).not.toContain('Missing evidence');
    expect(run.summary).toContain(`# Model card: churn version ${current.version}`);

    // The release: both files as assets, the card as a section of the notes.
    const stored = sandbox.emulator.repository(REPO);
    const assets = stored.releaseAssets.filter((asset) => asset.release_id === release.id);
    expect(assets.map((asset) => [asset.name, asset.content.toString()])).toEqual([
      ['model-card.md', markdown],
      ['model-card.json', json],
    ]);
    const notes = stored.releases.find((entry) => entry.id === release.id)?.body as string;
    expect(
      notes.startsWith(
        `Churn model v2.\n\n<!-- mlops-actions/model-card:start -->\n## Model card: churn version ${current.version}`,
      ),
    ).toBe(true);

    // MLflow: the version's description and the run's artifacts.
    // The card with its drift section passes MLflow's 5000 characters: cut, pointing at the run's artifact.
    expect(markdown.length).toBeGreaterThan(MLFLOW_DESCRIPTION_LIMIT);
    expect((await mlflowClient.getModelVersion('churn', current.version))?.description).toBe(
      mlflowDescription(markdown),
    );
    expect(await mlflowClient.listRunArtifacts(current.runId as string, 'model-card')).toEqual([
      { path: 'model-card/model-card.json', is_dir: false, file_size: Buffer.byteLength(json) },
      { path: 'model-card/model-card.md', is_dir: false, file_size: Buffer.byteLength(markdown) },
    ]);

    // The signed record on the image: the card is its predicate, and it admits the digest.
    const verified = await verifyAttachedRecord(
      registryClient,
      'models/churn',
      image.digest,
      readVerifyingKey(signer.publicPem, 'record-public-key'),
    );
    expect(verified).toMatchObject({ admitted: true, problems: [], referrer: run.outputs.record });
    expect(verified.record).toEqual(card);
  }, 400_000);

  test('a write refused midway: one error naming what was and was not written; the rerun converges without duplicates', async () => {
    // The release commit of the first test, released again as a patch: its evidence is all there.
    const release = sandbox.emulator.addRelease(REPO, { tag: 'v2.0.1', body: 'Patch.', commit });
    const image = await registryClient.resolve('models/churn', `sha-${commit.slice(0, 7)}`);
    const version = (await mlflowClient.findVersionsByTag('churn', 'git_sha', commit))[0] as { version: string };
    sandbox.emulator.injectFault({
      method: 'POST',
      path: new RegExp(`/releases/${release.id}/assets$`),
      status: 403,
      message: 'Resource not accessible by integration',
    });
    const failed = await (await runModelCard(commit, 'v2.0.1')).result();
    expect(failed.exitCode).toBe(1);
    const errors = errorLines(failed);
    expect(errors).toHaveLength(1);
    const record = `the signed release record on ${registry.host}/models/churn@${image?.digest}`;
    expect(errors[0]).toContain(
      'The model card was not written to release v2.0.1: assets model-card.md and model-card.json:',
    );
    expect(errors[0]).toContain('Resource not accessible by integration');
    expect(errors[0]).toContain(
      `Written: ${record}. Not written: release v2.0.1: assets model-card.md and model-card.json; release v2.0.1: the notes' model card section; MLflow run `,
    );
    expect(errors[0]).toContain(`; MLflow churn version ${version.version}: its description. Rerun the job`);
    expect(failed.stdout + failed.stderr).not.toMatch(/\n\s+at /);
    const stored = sandbox.emulator.repository(REPO);
    expect(stored.releaseAssets.filter((asset) => asset.release_id === release.id)).toEqual([]);
    expect(stored.releases.find((entry) => entry.id === release.id)?.body).toBe('Patch.');

    // The rerun writes everything once: two assets, one notes section, one record on the image (the first run's
    // replaced), and that record is the card the release carries.
    const rerun = await (await runModelCard(commit, 'v2.0.1')).result();
    expect(rerun.exitCode, rerun.stdout + rerun.stderr).toBe(0);
    const again = await (await runModelCard(commit, 'v2.0.1')).result();
    expect(again.exitCode, again.stdout + again.stderr).toBe(0);
    const assets = stored.releaseAssets.filter((asset) => asset.release_id === release.id);
    const json = await readFile(again.outputs.json as string, 'utf8');
    expect(assets.map((asset) => [asset.name, asset.content.toString()])).toEqual([
      ['model-card.md', await readFile(again.outputs.markdown as string, 'utf8')],
      ['model-card.json', json],
    ]);
    const notes = stored.releases.find((entry) => entry.id === release.id)?.body as string;
    expect(notes.match(/mlops-actions\/model-card:start/g)).toHaveLength(1);
    expect(notes.startsWith('Patch.\n\n<!-- mlops-actions/model-card:start -->')).toBe(true);
    const records = (await registryClient.referrers('models/churn', image?.digest as string)).filter(
      (entry) => entry.artifactType === RELEASE_RECORD_ARTIFACT_TYPE,
    );
    expect(records.map((entry) => entry.digest)).toEqual([again.outputs.record]);
    const verified = await verifyAttachedRecord(
      registryClient,
      'models/churn',
      image?.digest as string,
      readVerifyingKey(signer.publicPem, 'record-public-key'),
    );
    expect(verified.record).toEqual(JSON.parse(json));
  }, 300_000);

  test('missing evidence (no main run, no pull request, a version without a run): named in the card, and promote refuses', async () => {
    const bare = 'e3'.repeat(20);
    const { version } = await registerVersion(bare, { withRun: false });
    const image = await pushSingle(registryClient, 'models/churn', `sha-${bare.slice(0, 7)}`, 4 << 10);
    const run = await (await runModelCard(bare, 'v3.0.0')).result();
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const missing = JSON.parse(run.outputs['missing-evidence'] as string) as string[];
    expect(missing).toEqual([
      `the main-branch run of ${bare.slice(0, 7)}`,
      `the MLflow run of churn version ${version}`,
      `the pull request that merged ${bare.slice(0, 7)}`,
    ]);
    expect(
      run.annotations.filter((annotation) => annotation.level === 'warning').map((annotation) => annotation.message),
    ).toEqual(missing.map((item) => `Model card: missing evidence: ${item}.`));
    const markdown = await readFile(run.outputs.markdown as string, 'utf8');
    expect(markdown).toContain(
      `> Missing evidence: the main-branch run of ${bare.slice(0, 7)}; the MLflow run of churn version ${version};`,
    );
    expect(markdown).toContain('_No test-model report was found._');

    const promote = await runAction(actionDir('promote'), {
      event: releaseEvent(bare, 'v3.0.0'),
      inputs: {
        image: `${registry.host}/models/churn`,
        targets: ':production',
        'require-record': 'true',
        'record-public-key': signer.publicPem,
      },
      timeoutMs: 120_000,
    });
    expect(promote.exitCode).toBe(1);
    const errors = errorLines(promote);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`missing evidence: the main-branch run of ${bare.slice(0, 7)}`);
    expect(errors[0]).toContain('no test result');
    expect((await registryClient.resolve('models/churn', 'production'))?.digest).not.toBe(image.digest);
  }, 300_000);

  test('a malformed model-card.yml: one error with the file and line, nothing published', async () => {
    const ws = await mkdtemp(join(tmpdir(), 'model-card-bad-'));
    await writeFile(join(ws, 'model-card.yml'), 'intended-use: research\nowners: [a]\nlimitaions:\n  - none\n');
    const release = sandbox.emulator.addRelease(REPO, { tag: 'v4.0.0', body: 'Untouched.' });
    const run = await (await runModelCard('f4'.repeat(20), 'v4.0.0', { data: '' }, ws)).result();
    expect(run.exitCode).toBe(1);
    const errors = run.annotations.filter((annotation) => annotation.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: 'model-card.yml', line: 3 });
    expect(errors[0]?.message).toContain("unknown section 'limitaions'");
    expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /);
    expect(sandbox.emulator.repository(REPO).releaseAssets.filter((asset) => asset.release_id === release.id)).toEqual(
      [],
    );
    expect(sandbox.emulator.repository(REPO).releases.find((entry) => entry.id === release.id)?.body).toBe(
      'Untouched.',
    );
  }, 120_000);
});

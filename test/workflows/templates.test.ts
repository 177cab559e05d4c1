import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { uploadRunArtifact } from '../../shared/src/index.js';
import { type GitHubSandbox, REPOSITORY, startGitHubSandbox, TOKENS } from '../support/github/sandbox.js';
import { repositoryRoot } from '../support/run-action.js';
import { type ActWorkspace, freePort, prepareActWorkspace, runAct, stepOutcomes } from './act.js';

/**
 * Every template under nektos/act (self-hosted mode) on the example project, with GitHub's API at the emulator and
 * uploads going to act's artifact server. The runs build on each other as on GitHub: main saves its baselines, a
 * pull request compares against them, a fork's pull request hands its report on to comment-on-pr.
 */

let sandbox: GitHubSandbox;
let workspace: ActWorkspace;
/** The comment the same-repo PR got, for the fork PR's to be compared with. */
let sameRepoBody: string | undefined;
const [owner, name] = REPOSITORY.split('/') as [string, string];
const repositoryPayload = { full_name: REPOSITORY, name, owner: { login: owner }, default_branch: 'main', fork: false };
// A local registry name: nothing listens there, so a push would fail loudly rather than reach the internet.
const vars = { MODEL_IMAGE: '127.0.0.1:9/acme/penguin-sex' };

beforeAll(async () => {
  [sandbox, workspace] = await Promise.all([startGitHubSandbox({ artifacts: true }), prepareActWorkspace(REPOSITORY)]);
}, 900_000);
afterEach(() => sandbox.emulator.assertContractClean());
afterAll(() => sandbox?.stop());

const comments = (number: number) =>
  sandbox.emulator.repository(REPOSITORY).issueComments.filter((comment) => comment.issue_number === number);

/**
 * What ml-main.yml's `actions/upload-artifact` step saves and act cannot run: main's data profile, the drift
 * reference of pull requests. validate-data writes it on the same data; it is uploaded to main's run as that step
 * would.
 */
async function seedMainProfile(runId: number) {
  const outDir = join(workspace.directory, '..', 'main-profile');
  const validated = spawnSync(
    process.execPath,
    [
      join(repositoryRoot, 'shared', 'bin', 'mlops.js'),
      'validate-data',
      '--data',
      'examples/penguins/data/penguins.json',
      '--suite',
      'examples/penguins/ml/suite.yml',
      '--comment',
      'never',
      '--out-dir',
      outDir,
    ],
    { cwd: workspace.directory, encoding: 'utf8' },
  );
  expect(validated.status, validated.stdout + validated.stderr).toBe(0);
  const profile = join(outDir, 'mlops-profiles', 'validate-data-profile.json');
  const runner = sandbox.emulator.runnerEnvironment(REPOSITORY, runId);
  const saved = { ...process.env };
  Object.assign(process.env, runner);
  try {
    await uploadRunArtifact('mlops-data-profile', [profile], join(profile, '..'), 1);
  } finally {
    for (const name of Object.keys(runner)) if (saved[name] === undefined) delete process.env[name];
    Object.assign(process.env, saved);
  }
}

/** comment-on-pr.yml under act, on the completed ml-pull-request run `runId` (GitHub's workflow_run payload). */
async function postFromArtifacts(runId: number, run: Record<string, unknown>) {
  const posterRun = sandbox.emulator.addWorkflowRun(REPOSITORY, {
    workflow: 'comment-on-pr.yml',
    branch: 'main',
    event: 'workflow_run',
    headSha: workspace.headSha,
  });
  return runAct(workspace, 'comment-on-pr.yml', {
    event: 'workflow_run',
    payload: {
      action: 'completed',
      workflow_run: { id: runId, event: 'pull_request', head_sha: workspace.headSha, conclusion: 'failure', ...run },
      repository: repositoryPayload,
    },
    runId: posterRun.id,
    token: TOKENS.actions,
    emulator: sandbox.emulator,
    repository: REPOSITORY,
    artifactPort: await freePort(),
    vars,
  });
}

/**
 * The comment with the links to runs made alike, and the image's failure left out: a fork's build-image does not
 * push, so it gets past the registry check this machine fails and fails later, pulling the Dockerfile's base.
 */
const comparable = (body: string) =>
  body
    .replace(/\/actions\/runs\/\d+/g, '/actions/runs/N')
    .replace(/<details open>\n<summary>❌ image: failed: [\s\S]*?<\/details>/, '(why the image failed)');

/** What a reader of either PR's comment must find: every stage, the drift rows, the metrics against main. */
function expectPipelineComment(body: string) {
  expect(body).toMatch(/^<!-- mlops-actions:summary -->\n### ❌ mlops-actions\n/);
  // The data warns (one bird's sex is recorded as "."), the model passes, the image cannot be built here.
  expect(body).toContain('data ⚠️ · model ✅ · image ❌ · promote — not run · deploy — not run');
  expect(body).toContain('| ⚠️ | Sex in the allowed set | 1 failing row | in MALE, FEMALE | row 337: &quot;.&quot; |');
  // The drift table against main's profile, one row per column.
  expect(body).toContain(
    '#### Drift against `validate-data-profile.json`: 0 of 7 columns drifted (share 0, dataset drift at 0.5)',
  );
  for (const column of ['Species', 'Island', 'Beak Length (mm)', 'Body Mass (g)', 'Sex'])
    expect(body).toMatch(
      new RegExp(`\\| ${column.replace(/[()]/g, '\\$&')} \\| [^|]+ \\| [^|]+ \\| [^|]* \\| [^|]+ \\| 🟢 no \\|`),
    );
  // The metrics against main's, with their change.
  expect(body).toContain('| Metric | mlops-metrics.json | this PR | Δ | Test |');
  expect(body).toMatch(/\| `accuracy` \| 0\.8955 \| 0\.8955 \| = 0 \| ✅ /);
  // The image step failed before it had a digest: its section is open and says why.
  expect(body).toContain('<details open>\n<summary>❌ image: failed: ');
  expect(body).not.toMatch(/^### ✅ Model tests/m);
}

/**
 * No image can be built here: no Docker daemon answers, and buildah would need the Dockerfile's base
 * (python:3.11-slim) from Docker Hub, which this machine cannot reach; the registry named by MODEL_IMAGE is not
 * there either. The step runs and fails on that, and everything after it that does not need it still runs.
 */
const UNBUILDABLE = "Input 'image': the registry of '127.0.0.1:9/acme/penguin-sex' could not be reached";

type Outcome = 'success' | 'failure';
function expectedSteps(steps: (string | [string, Outcome])[], checkout = true) {
  return [
    ...(checkout ? [{ step: 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683', outcome: 'success' }] : []),
    ...(checkout ? [{ step: 'Install the pinned requirements', outcome: 'success' }] : []),
    ...steps.map((step) =>
      typeof step === 'string' ? { step, outcome: 'success' } : { step: step[0], outcome: step[1] },
    ),
  ];
}

function pullRequestPayload(number: number, fork: boolean) {
  const headRepo = fork
    ? { ...repositoryPayload, full_name: 'contributor/churn-model', fork: true }
    : repositoryPayload;
  return {
    action: 'opened',
    number,
    pull_request: {
      number,
      head: { sha: workspace.headSha, ref: `feature-${number}`, repo: headRepo },
      base: { sha: workspace.headSha, ref: 'main', repo: repositoryPayload },
    },
    repository: repositoryPayload,
  };
}

describe('templates under act', () => {
  test('ml-main.yml: validates, trains, tests and saves the metrics baseline', async () => {
    const runId = sandbox.emulator.addWorkflowRun(REPOSITORY, {
      workflow: 'ml-main.yml',
      branch: 'main',
      event: 'push',
      headSha: workspace.headSha,
    }).id;
    const result = await runAct(workspace, 'ml-main.yml', {
      event: 'push',
      payload: { ref: 'refs/heads/main', after: workspace.headSha, repository: repositoryPayload },
      runId,
      token: TOKENS.actions,
      emulator: sandbox.emulator,
      repository: REPOSITORY,
      artifactPort: await freePort(),
      vars,
      env: { GITHUB_WORKFLOW_REF: `${REPOSITORY}/.github/workflows/ml-main.yml@refs/heads/main` },
    });
    await writeFile(join(workspace.directory, '..', 'ml-main.log'), result.log);
    expect(result.removed.map((uses) => uses.split('@')[0])).toEqual([
      'actions/setup-python',
      'actions/upload-artifact',
    ]);
    expect(stepOutcomes(result.log), result.log.slice(-4000)).toEqual(
      expectedSteps([
        'Validate the data',
        'Train and evaluate',
        "Test the model and save main's metrics",
        ['Build and push the serving image (sha-<7>, main)', 'failure'],
        'Summary',
      ]),
    );
    expect(result.log).toContain(UNBUILDABLE);
    // test-model saved main's metrics and predictions, through the results service, as this run's artifact.
    const saved = sandbox.emulator.repository(REPOSITORY).artifacts.filter((a) => a.workflow_run.id === runId);
    expect(saved.map((a) => a.name).filter((name) => !name.startsWith('mlops-report-'))).toEqual([
      'mlops-metrics-penguin-sex',
    ]);
    expect(result.log).toMatch(/passed=true/);
    await seedMainProfile(runId);
  }, 300_000);

  test('ml-pull-request.yml: compares with main and posts one combined comment', async () => {
    const number = 5;
    sandbox.emulator.addPullRequest(REPOSITORY, { number, headSha: workspace.headSha });
    const runId = sandbox.emulator.addWorkflowRun(REPOSITORY, {
      workflow: 'ml-pull-request.yml',
      branch: 'feature-5',
      event: 'pull_request',
      headSha: workspace.headSha,
    }).id;
    const result = await runAct(workspace, 'ml-pull-request.yml', {
      event: 'pull_request',
      payload: pullRequestPayload(number, false),
      runId,
      token: TOKENS.actions,
      emulator: sandbox.emulator,
      repository: REPOSITORY,
      artifactPort: await freePort(),
      vars,
    });
    await writeFile(join(workspace.directory, '..', 'ml-pull-request.log'), result.log);
    expect(result.removed.map((uses) => uses.split('@')[0])).toEqual(['actions/setup-python']);
    expect(stepOutcomes(result.log), result.log.slice(-4000)).toEqual(
      expectedSteps([
        "Fetch main's baselines",
        "Validate the data (drift against main's profile)",
        'Train and evaluate',
        'Test the model against main',
        ['Build the serving image (pushed as pr-<n>, except from forks)', 'failure'],
        'Comment',
      ]),
    );
    expect(result.log).toContain(UNBUILDABLE);
    // main's metrics artifact was found and verified; main saved no profile (upload-artifact cannot run here).
    // main's metrics and data profile were found (the profile seeded as ml-main's upload step would save it).
    expect(result.log).toMatch(/metrics: 'mlops-metrics-penguin-sex' of run \d+ \([0-9a-f]{7}\) -> /);
    expect(result.log).toMatch(/profile: 'mlops-data-profile' of run \d+ \([0-9a-f]{7}\) -> /);
    const posted = comments(number);
    expect(posted).toHaveLength(1);
    const body = posted[0]?.body as string;
    await writeFile(join(workspace.directory, '..', 'same-repo-comment.md'), body);
    expectPipelineComment(body);
    expect(body).toContain(`<summary>❌ image: failed: ${UNBUILDABLE}`);
    // 9 tests: the 6 thresholds and the 3 drops against main (without a baseline: 6 passed, 3 skipped).
    expect(body).toContain('<summary>✅ model: penguin-sex: all 9 tests passed</summary>');
    expect(result.log).toMatch(/::set-output:: baseline-metrics=\{"accuracy":0\.8955/);
    sameRepoBody = body;

    // comment-on-pr.yml also runs for this pull request: from the same reports, as artifacts, it posts the same.
    const poster = await postFromArtifacts(runId, {
      head_branch: 'feature-5',
      pull_requests: [{ number, head: { sha: workspace.headSha }, base: { ref: 'main' } }],
      head_repository: repositoryPayload,
    });
    await writeFile(join(workspace.directory, '..', 'comment-on-pr-same-repo.log'), poster.log);
    expect(comments(number)).toHaveLength(1);
    expect(comparable(comments(number)[0]?.body as string), poster.log.slice(-3000)).toBe(comparable(body));
  }, 400_000);
  test("a fork's pull request hands its reports on; comment-on-pr.yml posts them under workflow_run", async () => {
    const number = 6;
    sandbox.emulator.addPullRequest(REPOSITORY, {
      number,
      headSha: workspace.headSha,
      fromFork: 'contributor/churn-model',
    });
    const forkRun = sandbox.emulator.addWorkflowRun(REPOSITORY, {
      workflow: 'ml-pull-request.yml',
      branch: 'feature-6',
      event: 'pull_request',
      headSha: workspace.headSha,
    });
    // The fork's run: GitHub gives it a read-only token, so every mlops-actions step uploads its report instead.
    const forked = await runAct(workspace, 'ml-pull-request.yml', {
      event: 'pull_request',
      payload: pullRequestPayload(number, true),
      runId: forkRun.id,
      token: TOKENS.fork,
      emulator: sandbox.emulator,
      repository: REPOSITORY,
      artifactPort: await freePort(),
      vars,
    });
    await writeFile(join(workspace.directory, '..', 'ml-pull-request-fork.log'), forked.log);
    expect(comments(number)).toHaveLength(0);
    const handedOn = sandbox.emulator
      .repository(REPOSITORY)
      .artifacts.filter((artifact) => artifact.workflow_run.id === forkRun.id)
      .map((artifact) => artifact.name);
    expect(handedOn.filter((name) => name.startsWith('mlops-report-')).length, forked.log.slice(-3000)).toBeGreaterThan(
      0,
    );

    // The poster runs in the base repository with a write token, on the completed run's payload.
    const posted = await postFromArtifacts(forkRun.id, {
      head_branch: 'feature-6',
      pull_requests: [], // what GitHub sends for a fork
      head_repository: { full_name: 'contributor/churn-model' },
    });
    await writeFile(join(workspace.directory, '..', 'comment-on-pr.log'), posted.log);
    expect(posted.removed).toEqual([]);
    const [comment] = comments(number);
    const body = comment?.body as string;
    expect(body, posted.log.slice(-3000)).toMatch(/^<!-- mlops-actions:summary -->/);
    await writeFile(join(workspace.directory, '..', 'fork-comment.md'), body);
    expectPipelineComment(body);
    expect(comments(number)).toHaveLength(1);
    // The same change from a fork gets the same comment, every stage included, links to runs aside.
    expect(sameRepoBody).toBeDefined();
    expect(comparable(body)).toBe(comparable(sameRepoBody as string));
    expect(body).toContain("<summary>❌ image: failed: 'buildah' exited with 125");
  }, 600_000);
});

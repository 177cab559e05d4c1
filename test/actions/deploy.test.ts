import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import {
  type DeployRig,
  RIG_GATE,
  retryingPredictions,
  rigNginxProvider,
  servedBy,
  startDeployRig,
} from '../deploy/support/rig.js';
import { delay } from '../services/process.js';
import { requireService } from '../services/require-service.js';
import { type GitHubSandbox, REPOSITORY, startGitHubSandbox, TOKENS } from '../support/github/sandbox.js';
import { type ActionRun, actionDir, runAction, runPost } from '../support/run-action.js';
import { reportValidator } from '../support/schemas.js';

const DEPLOY = actionDir('deploy');
const SHA = 'c0ffee'.padEnd(40, '0');

// The rig's gate plus a threshold metric on latency.
const GATE = `${RIG_GATE}  - name: latency-p95
    kind: threshold
    query: histogram_quantile(0.95, sum by (le) (rate(model_request_duration_seconds_bucket{variant="$variant"}[$window])))
    max: 0.3
`;

let workspace: string;
beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'deploy-ws-'));
  await writeFile(join(workspace, 'gate.yml'), GATE);
  // A set-weight command that only records its argument: proves whether any weight change happened.
  await writeFile(
    join(workspace, 'set-weight.mjs'),
    "import { appendFileSync } from 'node:fs';\nappendFileSync(process.argv[2], process.argv[3] + '\\n');\n",
  );
});

const errorLines = (run: ActionRun) => run.stdout.split('\n').filter((line) => line.startsWith('::error'));

describe('deploy: bad inputs fail before any weight change', () => {
  const commandInputs = (weights: string) => ({
    provider: 'command',
    'set-weight-command': `${process.execPath} set-weight.mjs ${weights} {weight}`,
    baseline: 'v1',
    candidate: 'v2',
    gate: 'gate.yml',
    'prometheus-url': 'http://127.0.0.1:1',
    interval: '2s',
  });
  test.each<{
    name: string;
    inputs?: Record<string, string>;
    gate?: string;
    message: RegExp;
    file?: string;
    line?: number;
  }>([
    {
      name: 'steps not increasing',
      inputs: { steps: '5,50,25,100' },
      message: /Input 'steps' is not increasing: 25 follows 50/,
    },
    { name: 'a step above 100', inputs: { steps: '5,150' }, message: /Input 'steps' has 150, outside 1..100/ },
    {
      name: 'unknown provider',
      inputs: { provider: 'istio' },
      message: /Input 'provider' must be one of 'nginx', 'command', 'gateway-api', 'kserve', got "istio"/,
    },
    {
      name: 'nginx input with command',
      inputs: { 'sticky-key': 'header:X-User' },
      message: /Input 'sticky-key' is for provider nginx/,
    },
    {
      name: 'gate file error',
      gate: GATE.replace('role: primary', 'role: main'),
      message: /gate.yml:15: 'role' must be one of guardrail, primary, got "main"/,
      file: 'gate.yml',
      line: 15,
    },
    {
      name: 'unreachable Prometheus',
      inputs: {},
      message: /Input 'prometheus-url': Prometheus does not answer .*could not be reached/,
    },
  ])('$name', async ({ inputs, gate, message, file, line }) => {
    const dir = await mkdtemp(join(workspace, 'case-'));
    const weights = join(dir, 'weights.log');
    if (gate) await writeFile(join(workspace, 'bad-gate.yml'), gate);
    const run = await runAction(DEPLOY, {
      workspace,
      inputs: { ...commandInputs(weights), ...(gate ? { gate: 'bad-gate.yml' } : {}), ...inputs },
    });
    expect(run.exitCode, run.stdout).toBe(1);
    const errors = errorLines(run);
    expect(errors, run.stdout).toHaveLength(1);
    expect(run.annotations[0]?.message).toMatch(message);
    if (file) expect(run.annotations[0]).toMatchObject({ file: `bad-${file}`, line });
    expect(run.stdout).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(weights), 'a weight was set').toBe(false);
    // Nothing moved, so the post step has nothing to restore.
    const post = await runPost(run);
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toMatch(/No traffic was moved/);
  });
});

const describeRig = describe.skipIf(!requireService('nginx', 'prometheus'));

describeRig('deploy: gated rollout on real nginx, Prometheus and model backends', () => {
  let rig: DeployRig;
  let sandbox: GitHubSandbox;
  let pidPreload: string;
  beforeAll(async () => {
    [rig, sandbox] = await Promise.all([startDeployRig(), startGitHubSandbox()]);
    pidPreload = join(await mkdtemp(join(tmpdir(), 'deploy-pid-')), 'pid.cjs');
    await writeFile(
      pidPreload,
      "require('node:fs').writeFileSync(process.env.DEPLOY_PID_FILE, String(process.pid));\n",
    );
  });
  afterAll(async () => {
    await Promise.all([rig?.stop(), sandbox?.stop()]);
  });
  afterEach(() => sandbox.emulator.assertContractClean());
  beforeEach(async () => {
    // Every test starts from 100% baseline and healthy backends.
    await Promise.all([
      rig.baseline.setBehaviour({ errorRate: 0.01 }),
      rig.candidate.setBehaviour({ errorRate: 0.01 }),
    ]);
    await rigNginxProvider(rig).setCandidateWeight(0);
  });

  const inputs = () => ({
    provider: 'nginx',
    'nginx-config': rig.includePath,
    'nginx-reload': rig.reloadCommand.map((word) => (/\s/.test(word) ? `'${word}'` : word)).join(' '),
    baseline: rig.split.baseline.join(','),
    candidate: rig.split.candidate.join(','),
    steps: '20,50,100',
    interval: '2s',
    'poll-interval': '1s',
    'max-duration': '60s',
    gate: 'gate.yml',
    'prometheus-url': rig.prometheus!.url,
    environment: 'production',
  });
  const env = (extra: Record<string, string> = {}) => ({
    GITHUB_API_URL: sandbox.emulator.apiUrl,
    GITHUB_REPOSITORY: REPOSITORY,
    GITHUB_SHA: SHA,
    ...extra,
  });

  /** Load through nginx while `work` runs, from a retrying client; returns what work returned and the load. */
  async function underLoad<T>(work: () => Promise<T>) {
    let running = true;
    let sent = 0;
    let failedConnections = 0;
    const load = (async () => {
      while (running) {
        const batch = await retryingPredictions(rig.nginx.url, 50, { concurrency: 4 });
        sent += batch.statuses.length;
        failedConnections += batch.statuses.filter((status) => status === 502 || status === 503).length;
      }
    })();
    try {
      return { result: await work(), sent, failedConnections };
    } finally {
      running = false;
      await load;
    }
  }

  /** Sends `count` requests through nginx and returns how many each backend served. */
  async function split(count: number) {
    const before = { baseline: await servedBy(rig.baseline), candidate: await servedBy(rig.candidate) };
    const { statuses } = await retryingPredictions(rig.nginx.url, count);
    expect(statuses).toHaveLength(count);
    return {
      baseline: (await servedBy(rig.baseline)) - before.baseline,
      candidate: (await servedBy(rig.candidate)) - before.candidate,
    };
  }

  const statesOf = () => {
    const deployment = sandbox.emulator.repository(REPOSITORY).deployments.at(-1);
    const statuses = sandbox.emulator.repository(REPOSITORY).deploymentStatuses.get(deployment?.id as number) ?? [];
    return { deployment, states: [...statuses].reverse().map((status) => status.state) };
  };

  test('a healthy candidate is promoted through every step; all traffic then reaches it', async () => {
    const { result: run, failedConnections } = await underLoad(() =>
      runAction(DEPLOY, { workspace, inputs: inputs(), env: env(), githubToken: TOKENS.actions, timeoutMs: 120_000 }),
    );
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs.decision).toBe('promoted');
    expect(run.outputs['final-weight']).toBe('100');
    expect(failedConnections).toBe(0);
    const report = JSON.parse(await readFile(run.outputs.report as string, 'utf8'));
    const validate = await reportValidator();
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report.steps.map((step: { weight: number; outcome: string }) => [step.weight, step.outcome])).toEqual([
      [20, 'advanced'],
      [50, 'advanced'],
      [100, 'promoted'],
    ]);
    expect(run.summary).toMatch(/\| Step \| Metric \| Role \| Samples \(baseline \/ candidate\)/);
    expect(run.summary).toMatch(/non-inferior/);
    const { deployment, states } = statesOf();
    expect(deployment).toMatchObject({ environment: 'production', sha: SHA });
    expect(run.outputs['deployment-id']).toBe(String(deployment?.id));
    expect(states).toEqual(['in_progress', 'success']);
    expect(await split(100)).toEqual({ baseline: 0, candidate: 100 });
    // Main finished: the post step leaves the promotion alone.
    const post = await runPost(run);
    expect(post.stdout).toMatch(/The rollout finished: nothing to restore/);
    expect(await split(50)).toEqual({ baseline: 0, candidate: 50 });
  });

  test('a candidate with 5× the error rate is rolled back; afterwards no traffic reaches it', async () => {
    await rig.candidate.setBehaviour({ errorRate: 0.05 });
    const { result: run } = await underLoad(() =>
      runAction(DEPLOY, { workspace, inputs: inputs(), env: env(), githubToken: TOKENS.actions, timeoutMs: 120_000 }),
    );
    expect(run.exitCode, run.stdout).toBe(1);
    expect(run.outputs.decision).toBe('rolled-back');
    expect(run.outputs['final-weight']).toBe('0');
    const report = JSON.parse(await readFile(run.outputs.report as string, 'utf8'));
    const last = report.steps.at(-1);
    expect(last.outcome).toBe('rolled-back');
    // The weight it rolled back from (which step depends on how fast the evidence comes), not the final 0%.
    expect(run.annotations.at(-1)?.message).toMatch(
      new RegExp(`^Deploy rolled back at ${last.weight}%: error-rate: candidate worse`),
    );
    expect(last.weight).toBeGreaterThan(0);
    expect(last.weight).toBeLessThan(100);
    const errorRate = last.last.metrics.find((metric: { metric: string }) => metric.metric === 'error-rate');
    expect(errorRate.decision).toBe('harm');
    expect(errorRate.estimate.candidate).toBeGreaterThan(3 * errorRate.estimate.baseline);
    expect(statesOf().states).toEqual(['in_progress', 'failure']);
    expect(await split(300)).toEqual({ baseline: 300, candidate: 0 });
  });

  test.each(['SIGKILL', 'SIGTERM'] as const)(
    'main killed with %s mid-rollout: the post step restores all traffic to the baseline',
    async (signal) => {
      const pidFile = join(await mkdtemp(join(tmpdir(), 'deploy-pid-')), 'main.pid');
      const started = runAction(DEPLOY, {
        workspace,
        inputs: { ...inputs(), steps: '20,100', interval: '10m', 'max-duration': '30m' },
        env: env({ NODE_OPTIONS: `--require ${pidPreload}`, DEPLOY_PID_FILE: pidFile }),
        githubToken: TOKENS.actions,
        timeoutMs: 120_000,
      });
      // Mid-rollout: the candidate's step is in force.
      let finished: ActionRun | undefined;
      void started.then((run) => {
        finished = run;
      });
      while (!(await readFile(rig.includePath, 'utf8')).includes('candidate at 20%')) {
        if (finished) throw new Error(`main ended before the rollout began:\n${finished.stdout}${finished.stderr}`);
        await delay(100);
      }
      // The file is written before the reload: wait until nginx itself sends traffic to the candidate.
      const candidateBefore = await servedBy(rig.candidate);
      while ((await servedBy(rig.candidate)) === candidateBefore) {
        if (finished) throw new Error(`main ended before the rollout began:\n${finished.stdout}${finished.stderr}`);
        await retryingPredictions(rig.nginx.url, 20);
      }
      process.kill(Number(await readFile(pidFile, 'utf8')), signal);
      const main = await started;
      expect(main.signal).toBe(signal);
      expect(main.state['deploy-started']).toBe('true');
      expect(main.state['deploy-finished']).toBeUndefined();
      const during = await split(400);
      expect(during.candidate).toBeGreaterThan(0);

      const post = await runPost(main);
      expect(post.exitCode, post.stdout).toBe(0);
      expect(post.annotations.map((annotation) => annotation.message)).toEqual([
        'The rollout did not finish (cancelled, timed out or killed): restoring 100% baseline.',
      ]);
      expect(await split(300)).toEqual({ baseline: 300, candidate: 0 });
      expect(statesOf().states).toEqual(['in_progress', 'failure']);
    },
  );
});

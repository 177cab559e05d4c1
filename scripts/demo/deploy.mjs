// The demo's gated deploy: `mlops deploy` shifts traffic from the stable rain model to the release's candidate and
// rolls it back. The candidate computes the same kind of score but its serving code has a bug the offline tests
// cannot see: its wind lookup ends at 5 m/s, so windy days (about one in ten) get a 500. The error-rate guardrail
// sees the harm at the first step and the action puts all traffic back on the stable model: the decision,
// final weight and steps are the same on every run.
//
// With nginx and Prometheus installed the action drives nginx (provider nginx) and reads Prometheus; otherwise, or
// with MLOPS_DEMO_EMBEDDED=1, it runs deploy-set-weight.mjs against the demo's splitter (provider command) and
// reads the backends' counters through deploy-metrics.mjs. Every process started here is stopped, also on failure.
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { sendTraffic, startRainModel, startSplitter } from './backends.mjs';
import { demoEnvironment, stageResult } from './cli.mjs';
import { startCounterQueries } from './deploy-metrics.mjs';
import { MAIN_WEIGHTS, PULL_REQUEST_WEIGHTS } from './rain-model.mjs';
import { findProgram, startNginx, startPrometheus } from './services.mjs';

const CANDIDATE_WIND_LOOKUP_LIMIT = 5;

/** Short steps so the stage takes seconds: the gate decides on evidence, not on how long a step lasts. */
const ROLLOUT = ['--steps', '10,50,100', '--interval', '3s', '--max-duration', '30s', '--on-no-data', 'rollback'];

/** Quotes a word for a command-line input (split like a shell, no shell run). */
const word = (text) => (/[\s'"\\]/.test(text) ? `'${text.replaceAll("'", `'\\''`)}'` : text);

/** The pull request's days (2014–15) as the features the model servers take. */
async function readDays(example) {
  const [, ...rows] = (await readFile(join(example, 'data', 'weather.csv'), 'utf8')).trimEnd().split('\n');
  return rows
    .filter((row) => row >= '2014')
    .map((row) => {
      const [, precipitation, tempMax, , wind] = row.split(',');
      return { precipitation: Number(precipitation), temp_max: Number(tempMax), wind: Number(wind) };
    });
}

/** Runs `mlops deploy` without blocking the demo's servers; echoes and returns what it printed. */
function runDeploy(context, args, outDir) {
  const child = spawn(process.execPath, [context.mlops, 'deploy', ...args, '--out-dir', outDir], {
    cwd: context.root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: demoEnvironment(),
  });
  let stdout = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    process.stdout.write(chunk);
  });
  return {
    child,
    pid: child.pid,
    done: new Promise((resolve) => child.once('close', (exitCode) => resolve({ exitCode, stdout }))),
  };
}

/** The traffic path and the action's inputs for it: nginx + Prometheus, or the embedded splitter and counters. */
async function startTrafficPath({ embedded, outDir, stable, candidate, stack, root }) {
  const targets = [
    { job: 'stable', url: stable.url },
    { job: 'candidate', url: candidate.url },
  ];
  const names = ['--baseline', stable.host, '--candidate', candidate.host];
  if (embedded) {
    const splitter = await startSplitter(stable.url, candidate.url);
    stack.push(splitter);
    const counters = await startCounterQueries(targets);
    stack.push(counters);
    const setWeight = [process.execPath, join(root, 'scripts', 'demo', 'deploy-set-weight.mjs'), splitter.url];
    return {
      entry: splitter.url,
      used: 'embedded: provider command (scripts/demo/deploy-set-weight.mjs → the demo splitter), metrics from the backends through scripts/demo/deploy-metrics.mjs',
      args: [
        '--provider',
        'command',
        ...names,
        '--set-weight-command',
        [...setWeight.map(word), '{weight}'].join(' '),
        '--prometheus-url',
        counters.url,
        '--poll-interval',
        '500ms',
      ],
    };
  }
  const splitPath = join(outDir, 'nginx', 'model-split.conf');
  const started = await Promise.allSettled([
    startNginx({
      directory: join(outDir, 'nginx'),
      splitPath,
      baselineHost: stable.host,
      candidateHost: candidate.host,
      readyPath: '/healthz',
    }),
    startPrometheus({ directory: join(outDir, 'prometheus'), targets }),
  ]);
  // Whichever started is stopped with the rest, also when the other failed.
  stack.push(...started.filter((outcome) => outcome.status === 'fulfilled').map((outcome) => outcome.value));
  const failed = started.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  const [nginx, prometheus] = started.map((outcome) => outcome.value);
  return {
    entry: nginx.url,
    used: `nginx (${nginx.program}, provider nginx) and Prometheus (${prometheus.program}) at ${prometheus.url}`,
    args: [
      '--provider',
      'nginx',
      ...names,
      '--nginx-config',
      splitPath,
      '--nginx-reload',
      nginx.reloadCommand.map(word).join(' '),
      '--prometheus-url',
      prometheus.url,
      '--poll-interval',
      '1s',
    ],
  };
}

/** A summary line, its label padded like the other stages' details. */
const detail = (label, value) => `${`${label}:`.padEnd(9)} ${value}`;

/** What the summary shows of the rollout, from the action's own report. */
async function describeRollout(reportPath) {
  const report = JSON.parse(await readFile(reportPath, 'utf8'));
  const steps = (report.steps ?? [])
    .map((step) => `${step.weight}% ${step.outcome} (${step.looks} look${step.looks === 1 ? '' : 's'})`)
    .join(', ');
  const reason = report.reason ?? report.headline;
  return [
    detail('decision', `${report.decision}, final weight ${report.finalWeight}%`),
    detail('steps', steps),
    detail('why', reason),
  ];
}

/** The deploy stage of `npm run demo`: returns its result in the shape of demo.mjs's `results`. */
export async function runDemoDeploy(context) {
  const outDir = join(context.work, 'deploy');
  await mkdir(outDir, { recursive: true });
  const installed = findProgram('nginx') !== undefined && findProgram('prometheus') !== undefined;
  const embedded = process.env.MLOPS_DEMO_EMBEDDED === '1' || !installed;
  console.log(
    `\n=== deploy: gated A/B rollout of the release's rain model (stable → candidate), ${embedded ? 'embedded' : 'nginx + Prometheus'}`,
  );
  /** Everything started, stopped in reverse order whatever happens. */
  const stack = [];
  const spawned = [];
  // One stop for the signal handler and the normal end; processes.json lists what it stopped.
  let stopping;
  const stopAll = () => {
    stopping ??= (async () => {
      for (const item of stack.splice(0).reverse()) {
        if (item.pids) spawned.push({ name: item.name, pids: item.pids() });
        await item.stop();
      }
      // Recreated if a concurrent demo run cleared .mlops/demo meanwhile.
      await mkdir(outDir, { recursive: true });
      await writeFile(join(outDir, 'processes.json'), `${JSON.stringify(spawned, null, 2)}\n`);
    })();
    return stopping;
  };
  let load;
  let deploy;
  const interrupted = (signal) => {
    deploy?.child.kill(signal);
    load?.stop();
    stopAll().finally(() => process.kill(process.pid, signal));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  let run;
  let used;
  let traffic;
  try {
    const stable = await startRainModel({ variant: 'stable', weights: MAIN_WEIGHTS });
    stack.push(stable);
    const candidate = await startRainModel({
      variant: 'candidate',
      weights: PULL_REQUEST_WEIGHTS,
      failure: (day) =>
        day.wind > CANDIDATE_WIND_LOOKUP_LIMIT
          ? `no wind bucket for ${day.wind} m/s (lookup ends at ${CANDIDATE_WIND_LOOKUP_LIMIT})`
          : undefined,
    });
    stack.push(candidate);
    const path = await startTrafficPath({ embedded, outDir, stable, candidate, stack, root: context.root });
    used = path.used;
    console.log(`  using ${used}`);
    load = sendTraffic(path.entry, await readDays(context.example));
    const gate = relative(context.root, join(context.example, 'deploy', 'gate.yml'));
    deploy = runDeploy(context, [...path.args, '--gate', gate, ...ROLLOUT], outDir);
    spawned.push({ name: 'mlops deploy', pids: [deploy.pid] });
    run = await deploy.done;
  } finally {
    const statuses = await load?.stop();
    traffic = Object.entries(statuses ?? {})
      .map(([status, count]) => `${count}×${status === '0' ? 'no answer' : status}`)
      .join(', ');
    await stopAll();
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
  const result = stageResult('deploy', run.exitCode, run.stdout, outDir);
  result.details = [detail('used', used), detail('traffic', traffic)];
  if (result.outputs.report) result.details.push(...(await describeRollout(result.outputs.report)));
  return [result];
}

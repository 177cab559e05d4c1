import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, expect, onTestFinished, test } from 'vitest';
import { isRunning } from './services/process.js';
import { findExecutable } from './services/require-service.js';
import { MermaidBrowser, mermaidBlocks, testOutputDir } from './support/mermaid.js';
import { repositoryRoot } from './support/run-action.js';

/** The demo runs once; each test reads what it printed and wrote. */
let run: SpawnSyncReturns<string>;
beforeAll(() => {
  run = spawnSync(process.execPath, [join(repositoryRoot, 'scripts', 'demo.mjs')], {
    cwd: repositoryRoot,
    encoding: 'utf8',
  });
}, 300_000);

test('npm run demo runs the pipeline, finds the injected fault and the regression, and says where everything went', async () => {
  expect(run.status, run.stdout + run.stderr).toBe(0);
  expect(run.stdout).toContain(
    '| ❌ | wind ≤ 12 | 4 failing rows | ≤ 12 | row 102: 15.8, row 105: 14.4, row 106: 16.6, row 107: 16.9 |',
  );
  expect(run.stdout).toMatch(/\| temp_max \| ks \| [\d.]+ \| [\d.e-]+ \| 0\.05 \| 🔴 yes \|/);
  expect(run.stdout).toContain('error: 1 of 9 model tests failed: f1 dropped by');
  expect(run.stdout).toMatch(
    /=== demo summary\nvalidate-data: failed its gates \(exit 1\), passed=false\n {2}report: {2}\.mlops\/demo\/validate-data\/mlops-reports\/validate-data\.json\n {2}comment: \.mlops\/demo\/validate-data\/comment\.md\ntest-model: failed its gates \(exit 1\), passed=false\n/,
  );
  expect(run.stdout).toMatch(/demo finished in \d+\.\ds/);
  const comment = await readFile(join(repositoryRoot, '.mlops', 'demo', 'test-model', 'comment.md'), 'utf8');
  expect(comment).toContain('xychart-beta');
});

test('the demo prints where the combined PR comment is; its charts draw in Chromium and are kept as PNGs', async () => {
  const path = /^combined PR comment: (\S+)$/m.exec(run.stdout)?.[1];
  expect(path, run.stdout.slice(-3000)).toBe('.mlops/demo/report/comment.md');
  const comment = await readFile(join(repositoryRoot, path as string), 'utf8');
  // The injected wind fault fails the data, the PR's model loses f1 against main's.
  expect(comment).toMatch(/^### ❌ mlops-actions\n\ndata ❌ [^·]*· model ❌ f1 −[\d.]+ vs [^·]+· image /);
  expect(comment).toContain('| ❌ | wind ≤ 12 | 4 failing rows | ≤ 12 |');
  const output = await testOutputDir(repositoryRoot, 'demo-comment');
  await writeFile(join(output, 'comment.md'), comment);
  const blocks = mermaidBlocks(comment);
  expect(blocks.length).toBeGreaterThanOrEqual(2);
  const browser = await MermaidBrowser.open();
  try {
    for (const [index, block] of blocks.entries()) {
      expect(await browser.draw(block, join(output, `chart-${index + 1}.png`)), block).toEqual({ ok: true });
    }
  } finally {
    await browser.close();
  }
}, 120_000);

/** What the deploy stage left in its folder: the action's report and the processes the demo started. */
async function deployRecords(deployDir: string) {
  const report = JSON.parse(await readFile(join(deployDir, 'mlops-reports', 'deploy.json'), 'utf8'));
  const processes = JSON.parse(await readFile(join(deployDir, 'processes.json'), 'utf8')) as {
    name: string;
    pids: number[];
  }[];
  const stillRunning = [];
  for (const { name, pids } of processes) {
    for (const pid of pids) if (await isRunning(pid)) stillRunning.push(`${name} ${pid}`);
  }
  return { report, processes: processes.map((process) => process.name).sort(), stillRunning };
}

/** The candidate's serving bug (500 on windy days) must trip the error-rate guardrail at the first step. */
function expectRolledBackAtFirstStep(report: {
  decision: string;
  finalWeight: number;
  durationMs: number;
  steps: {
    weight: number;
    outcome: string;
    last: {
      metrics: {
        metric: string;
        decision: string;
        samples: { candidate: number };
        estimate: { baseline: number; candidate: number };
      }[];
    };
  }[];
}) {
  expect(report.decision).toBe('rolled-back');
  expect(report.finalWeight).toBe(0);
  expect(report.steps.map((step) => [step.weight, step.outcome])).toEqual([[10, 'rolled-back']]);
  const errorRate = report.steps[0]?.last.metrics.find((metric) => metric.metric === 'error-rate');
  expect(errorRate?.decision).toBe('harm');
  expect(errorRate?.samples.candidate).toBeGreaterThanOrEqual(200);
  expect(errorRate?.estimate.baseline).toBe(0);
  expect(errorRate?.estimate.candidate).toBeGreaterThan(0.03);
  expect(report.durationMs).toBeLessThan(60_000);
}

test('the demo deploys the release gated: nginx + Prometheus when installed, rolled back at 10%, nothing left running', async () => {
  expect(run.status, run.stdout + run.stderr).toBe(0);
  const withServices =
    process.env.MLOPS_DEMO_EMBEDDED !== '1' &&
    findExecutable('nginx') !== undefined &&
    findExecutable('prometheus') !== undefined;
  const summary = run.stdout.slice(run.stdout.indexOf('=== demo summary'));
  expect(summary).toMatch(
    /\ndeploy: failed its gates \(exit 1\)\n {2}report: {2}\.mlops\/demo\/deploy\/mlops-reports\/deploy\.json\n {2}comment: \.mlops\/demo\/deploy\/comment\.md\n/,
  );
  expect(summary).toMatch(
    withServices ? /\n {2}used: +nginx \(.*\) and Prometheus/ : /\n {2}used: +embedded: provider command/,
  );
  expect(summary).toContain('\n  decision: rolled-back, final weight 0%\n');
  expect(summary).toMatch(/\n {2}steps: +10% rolled-back \(\d+ looks?\)\n/);
  expect(summary).toMatch(/\n {2}why: +error-rate: candidate worse beyond the margin/);
  expect(summary).not.toMatch(/Not in this demo yet:.*deploy/);

  const deployDir = join(repositoryRoot, '.mlops', 'demo', 'deploy');
  const { report, processes, stillRunning } = await deployRecords(deployDir);
  expectRolledBackAtFirstStep(report);
  expect(report.provider.kind).toBe(withServices ? 'nginx' : 'command');
  expect(processes).toEqual(withServices ? ['mlops deploy', 'nginx', 'prometheus'] : ['mlops deploy']);
  expect(stillRunning).toEqual([]);
  const comment = await readFile(join(deployDir, 'comment.md'), 'utf8');
  expect(comment).toContain('**rolled back at 10%: error-rate: candidate worse beyond the margin');
  expect(comment).not.toContain('rolled-back at');
});

/**
 * One of the demo's stage modules on its own, as `npm run demo` calls it, in a temp work directory with
 * MLOPS_DEMO_EMBEDDED=1 (Node only); what it returned is printed on a `RESULTS` line.
 */
async function runEmbedded(module: string, run: string) {
  const work = await mkdtemp(join(tmpdir(), `demo-${module}-`));
  onTestFinished(() => rm(work, { recursive: true, force: true }));
  const script = `
    import { join } from 'node:path';
    import { ${run} } from './scripts/demo/${module}.mjs';
    const root = process.cwd();
    const results = await ${run}({
      root,
      work: ${JSON.stringify(work)},
      mlops: join(root, 'shared', 'bin', 'mlops.js'),
      example: join(root, 'examples', 'demo'),
    });
    console.log('RESULTS ' + JSON.stringify(results));`;
  const embedded = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: repositoryRoot,
    encoding: 'utf8',
    env: { ...process.env, MLOPS_DEMO_EMBEDDED: '1' },
    timeout: 120_000,
  });
  expect(embedded.status, embedded.stdout + embedded.stderr).toBe(0);
  return { work, embedded };
}

test('the embedded deploy (MLOPS_DEMO_EMBEDDED=1) needs only Node: command provider, the same rollback', async () => {
  const { work, embedded } = await runEmbedded('deploy', 'runDemoDeploy');
  const [result] = JSON.parse(/^RESULTS (.*)$/m.exec(embedded.stdout)?.[1] ?? '[]');
  expect(result).toMatchObject({
    stage: 'deploy',
    exitCode: 1,
    outputs: { decision: 'rolled-back', 'final-weight': '0' },
  });
  expect(result.details[0]).toMatch(/^used: +embedded: provider command/);
  // The set-weight command moved the splitter to 10% and back to 0%.
  expect(embedded.stdout).toMatch(
    /deploy-set-weight\.mjs http:\/\/127\.0\.0\.1:\d+ 10\n[\s\S]*deploy-set-weight\.mjs http:\/\/127\.0\.0\.1:\d+ 0\n/,
  );
  const { report, processes, stillRunning } = await deployRecords(join(work, 'deploy'));
  expectRolledBackAtFirstStep(report);
  expect(report.provider.kind).toBe('command');
  expect(processes).toEqual(['mlops deploy']);
  expect(stillRunning).toEqual([]);
});

/** The `  key: value` lines a stage's summary entry (or its details) holds. */
function detailsOf(lines: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    lines.map((line) => /^\s*([\w-]+): +(.*)$/.exec(line)).flatMap((match) => (match ? [[match[1], match[2]]] : [])),
  );
}

function summaryOf(stdout: string, stage: string): Record<string, string> {
  const summary = stdout.slice(stdout.indexOf('=== demo summary'));
  const entry = new RegExp(`\\n${stage}: passed \\(exit 0\\)[^\\n]*\\n((?: {2}[^\\n]*\\n)*)`).exec(summary);
  expect(entry, `${stage} passed in the summary:\n${summary}`).not.toBeNull();
  return detailsOf(entry![1]!.split('\n'));
}

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/**
 * What `reference` points at, read from where the demo stored it without our code: an OCI layout's index.json, or
 * the registry's own storage (the demo stops its registry). Returns the digest and the manifest, hash-checked.
 */
async function storedImage(reference: string, work: string) {
  let digest: string | undefined;
  let blob: (hex: string) => string;
  const layout = /^oci:([^:]+):(.+)$/.exec(reference);
  if (layout) {
    const directory = resolve(repositoryRoot, layout[1]!);
    const index = JSON.parse(await readFile(join(directory, 'index.json'), 'utf8')) as {
      manifests: { digest: string; annotations?: Record<string, string> }[];
    };
    digest = index.manifests.find(
      (entry) => entry.annotations?.['org.opencontainers.image.ref.name'] === layout[2],
    )?.digest;
    blob = (hex) => join(directory, 'blobs', 'sha256', hex);
  } else {
    const [, repository, tag] = /^127\.0\.0\.1:\d+\/(.+):([^:]+)$/.exec(reference) ?? [];
    const storage = join(work, 'image', 'registry', 'storage', 'docker', 'registry', 'v2');
    const link = join(storage, 'repositories', repository!, '_manifests', 'tags', tag!, 'current', 'link');
    digest = (await readFile(link, 'utf8')).trim();
    blob = (hex) => join(storage, 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
  }
  expect(digest, reference).toMatch(/^sha256:[0-9a-f]{64}$/);
  const read = async (of: string) => {
    const bytes = await readFile(blob(of.slice(7)));
    expect(sha256(bytes)).toBe(of);
    return bytes;
  };
  const manifest = JSON.parse((await read(digest!)).toString()) as { layers: { digest: string }[] };
  return { digest, manifest, read };
}

/** The built digest is what every promoted reference resolves to, and its layer carries the rain model. */
async function expectBuiltAndPromoted(build: Record<string, string>, promoted: string[], work: string) {
  expect(build.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  const candidate = await storedImage(build.image!, work);
  expect(candidate.digest).toBe(build.digest);
  const [layer] = candidate.manifest.layers;
  const model = await readFile(join(repositoryRoot, 'examples', 'demo', 'rain-model', 'model.json'));
  expect(gunzipSync(await candidate.read(layer!.digest)).includes(model)).toBe(true);
  expect(promoted).toHaveLength(3);
  for (const reference of promoted) expect((await storedImage(reference, work)).digest, reference).toBe(build.digest);
}

test('the demo builds the rain model image and promotes that digest to the release, production and a second repository', async () => {
  expect(run.status, run.stdout + run.stderr).toBe(0);
  const withRegistry = process.env.MLOPS_DEMO_EMBEDDED !== '1' && findExecutable('docker-registry') !== undefined;
  const build = summaryOf(run.stdout, 'build-image');
  const promote = summaryOf(run.stdout, 'promote');
  expect(build.used).toMatch(withRegistry ? /^docker-registry at http:\/\/127\.0\.0\.1:\d+ / : /^OCI image layout/);
  expect(build.image).toMatch(withRegistry ? /^127\.0\.0\.1:\d+\/demo\/rain-model:sha-[0-9a-f]{7}$/ : /^oci:/);
  expect(build.outputs).toBe('.mlops/demo/build-image');
  expect(promote.digest).toBe(build.digest);
  expect(promote.mlflow).toMatch(/^skipped \(/);
  const promoted = promote.promoted!.split(', ');
  // The candidate's repository gets the release tag and production; a second repository gets production too.
  const split = (reference: string) => [reference.slice(0, reference.lastIndexOf(':')), reference.split(':').at(-1)];
  const candidateRepository = build.image!.slice(0, build.image!.lastIndexOf(':'));
  expect(promoted.map(split)).toEqual([
    [candidateRepository, '1.0.0'],
    [candidateRepository, 'production'],
    [expect.not.stringMatching(`^${candidateRepository}$`), 'production'],
  ]);
  await expectBuiltAndPromoted(build, promoted, join(repositoryRoot, '.mlops', 'demo'));
  const report = JSON.parse(
    await readFile(join(repositoryRoot, '.mlops', 'demo', 'promote', 'mlops-reports', 'promote.json'), 'utf8'),
  );
  expect(report.promotion).toMatchObject({ outcome: 'promoted', release: 'v1.0.0', digest: build.digest });
});

test('the embedded image stages (MLOPS_DEMO_EMBEDDED=1) need only Node: OCI layouts, the same promotion', async () => {
  const { work, embedded } = await runEmbedded('image', 'runDemoImage');
  const [build, card, promote] = JSON.parse(/^RESULTS (.*)$/m.exec(embedded.stdout)?.[1] ?? '[]');
  expect([build?.stage, build?.exitCode, card?.stage, card?.exitCode, promote?.stage, promote?.exitCode]).toEqual([
    'build-image',
    0,
    'model-card',
    0,
    'promote',
    0,
  ]);
  // The card of the built digest, naming what a laptop cannot know.
  const written = JSON.parse(await readFile(card.outputs.json, 'utf8'));
  expect(written.model.image.digest).toBe(build.outputs.digest);
  expect(written.human.intendedUse).toBe('Showing the pipeline end to end; not for forecasting.');
  expect(JSON.parse(card.outputs['missing-evidence'])).toEqual([
    expect.stringMatching(/^the main-branch run of [0-9a-f]{7}$/),
    'the MLflow model version of the release commit',
    expect.stringMatching(/^the pull request that merged [0-9a-f]{7}$/),
  ]);
  const details = detailsOf(build.details);
  expect(details.used).toMatch(/^OCI image layout directories under .*\(MLOPS_DEMO_EMBEDDED=1\)$/);
  expect(details.image).toMatch(/^oci:[^:]+\/image\/rain-model:sha-[0-9a-f]{7}$/);
  expect(details.digest).toBe(build.outputs.digest);
  const promoted = JSON.parse(promote.outputs.promoted) as string[];
  expect(promoted.map((reference) => reference.replace(/^oci:.*\/image\//, ''))).toEqual([
    'rain-model:1.0.0',
    'rain-model:production',
    'prod:production',
  ]);
  await expectBuiltAndPromoted(details, promoted, work);
});

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { benign, HOSTILE_TEXT } from '../fixtures/hostile-text.js';
import { type InProcessServer, listenOnLoopback } from '../services/in-process-server.js';
import { type PrometheusHandle, startPrometheus } from '../services/prometheus.js';
import { requireService } from '../services/require-service.js';
import { stopAll } from '../services/rig.js';
import { exampleEvent } from '../support/events.js';
import { expectSameStructure } from '../support/markdown-tree.js';
import { type ActionRun, actionDir, runAction } from '../support/run-action.js';

/**
 * The hostile corpus through build-image, promote and deploy as the runner runs them, wherever a user's string
 * reaches their job summary: each summary is parsed as GFM and compared with the same run on benign text.
 *
 * A string reaches an action through an environment variable (an input, GITHUB_ACTOR) or the event: no NUL, and
 * at most 128 KiB a variable. Fields that take one string each get the corpus in groups, joined by a space, one
 * run a group: a breakout of one string is a breakout of the group, and the long strings have a group each.
 */
const COMMIT = 'c0ffee'.padEnd(40, '0');
const ENV_TEXT = HOSTILE_TEXT.filter((text) => !text.includes('\u0000'));
const LONG = 10_000;
const GROUPS: string[] = [
  ...chunk(
    ENV_TEXT.filter((text) => text.length < LONG),
    4,
  ).map((texts) => texts.join(' ')),
  ...ENV_TEXT.filter((text) => text.length >= LONG).map((text) => text.slice(0, 100_000)),
];

function chunk<T>(items: readonly T[], count: number): T[][] {
  const size = Math.ceil(items.length / count);
  return Array.from({ length: count }, (_, index) => items.slice(index * size, (index + 1) * size));
}

/** One group's benign stand-in: the same for every run, so one benign run serves them all. */
const BENIGN = 'benign text';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function workspace(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'inert-stages-'));
  dirs.push(dir);
  await mkdir(join(dir, 'model'));
  await writeFile(join(dir, 'model', 'model.json'), '{"weights":[0.5,-1.25]}');
  return dir;
}

const errorLines = (run: ActionRun) => run.stdout.split('\n').filter((line) => line.startsWith('::error'));

/** The lone carriage return example as these summaries show it, in a code span: the `\r` a space. */
const LONE_CR_AS_TEXT = '1 <img src=https://evil.example/p.png> @octocat [click](https://evil.example)';

describe('build-image: hostile model name, model version and labels render as text', () => {
  /**
   * Labels: every corpus string that a `labels` line can hold (no comma or newline: those split the list), as a
   * value and, when short, in the key, each under `ai.mlops.model.` (the labels the summary shows).
   */
  const labelled = ENV_TEXT.map((text, index) => ({ text, index })).filter(
    ({ text }) => !/[,\n]/.test(text) && text.trim() !== '',
  );
  const labels = (text: (index: number) => string) =>
    labelled
      .map(({ text: raw, index }) => {
        const value = text(index).slice(0, 1_000);
        const key = raw.length <= 200 && !raw.includes('=') ? text(index) : `value ${index}`;
        return `ai.mlops.model.k${index} ${key}=${value}`;
      })
      .join('\n');

  const build = async (inputs: Record<string, string>) => {
    const dir = await workspace();
    return runAction(actionDir('build-image'), {
      workspace: dir,
      event: 'push',
      env: { GITHUB_SHA: COMMIT, SOURCE_DATE_EPOCH: '1700000000' },
      inputs: {
        image: 'oci:out/rain',
        tags: 'sha-c0ffee0',
        builder: 'layers',
        'base-image': 'scratch',
        'model-path': 'model',
        ...inputs,
      },
    });
  };

  test('each group as model name and version, the corpus as labels: the summary has only our structure', async () => {
    const harmless = await build({
      'model-name': BENIGN,
      'model-version': BENIGN,
      labels: labels((index) => benign(ENV_TEXT[index] as string, index)),
    });
    expect(harmless.exitCode, harmless.stdout).toBe(0);
    for (const [index, group] of GROUPS.entries()) {
      const hostile = await build({
        'model-name': group,
        'model-version': GROUPS[(index + 1) % GROUPS.length] as string,
        labels: labels((at) => ENV_TEXT[at] as string),
      });
      expect(hostile.exitCode, hostile.stdout).toBe(0);
      expectSameStructure(hostile.summary, harmless.summary, `build-image summary, group ${index}`);
      if (index === 0) expect(hostile.summary).toContain(LONE_CR_AS_TEXT);
    }
  });

  test('a hostile tag is refused with one error naming the input', async () => {
    const run = await build({ tags: HOSTILE_TEXT[0] as string });
    expect(run.exitCode).toBe(1);
    expect(errorLines(run)).toEqual([expect.stringContaining("Input 'tags'")]);
    expect(run.summary).toBe('');
  });
});

describe('promote: a hostile release name and actor render as text', () => {
  const RELEASE_SHA = 'ba5e'.padEnd(40, '0');
  let dir: string;
  let source: string;

  beforeAll(async () => {
    dir = await workspace();
    const built = await runAction(actionDir('build-image'), {
      workspace: dir,
      event: 'push',
      env: { GITHUB_SHA: RELEASE_SHA, SOURCE_DATE_EPOCH: '1700000000' },
      inputs: {
        image: 'oci:out/rain',
        tags: 'built',
        builder: 'layers',
        'base-image': 'scratch',
        'model-path': 'model',
      },
    });
    expect(built.exitCode, built.stdout).toBe(0);
    source = 'oci:out/rain:built';
  });

  let target = 0;
  /** A release published by `actor` with tag `release`; each run a new target tag, so each run promotes. */
  const promote = (release: string, actor: string) => {
    const event = exampleEvent('release', 'published');
    event.payload.release.tag_name = release;
    event.payload.release.target_commitish = RELEASE_SHA;
    return runAction(actionDir('promote'), {
      workspace: dir,
      event,
      env: { GITHUB_SHA: RELEASE_SHA, GITHUB_ACTOR: actor },
      inputs: { image: 'oci:out/rain', source, targets: `:target-${target++}` },
    });
  };

  test('each group as the release and the next as the actor: the summary has only our structure', async () => {
    const harmless = await promote(BENIGN, BENIGN);
    expect(harmless.exitCode, harmless.stdout).toBe(0);
    expect(harmless.summary).toContain('Promoted');
    for (const [index, group] of GROUPS.entries()) {
      const hostile = await promote(group, GROUPS[(index + 1) % GROUPS.length] as string);
      expect(hostile.exitCode, hostile.stdout).toBe(0);
      expectSameStructure(hostile.summary, harmless.summary, `promote summary, group ${index}`);
      if (index === 0) expect(hostile.summary).toContain(LONE_CR_AS_TEXT);
    }
  });
  test.each([
    ['targets', { targets: `:${HOSTILE_TEXT[0]}` }],
    ['mlflow-alias', { 'mlflow-alias': HOSTILE_TEXT[0] as string }],
    ['mlflow-version', { 'mlflow-version': HOSTILE_TEXT[0] as string }],
  ])('a hostile %s is refused with one error naming it, before any work', async (input, inputs) => {
    const run = await runAction(actionDir('promote'), {
      workspace: dir,
      event: 'push',
      env: { GITHUB_SHA: RELEASE_SHA, GITHUB_REF: 'refs/tags/v1.0.0' },
      inputs: {
        image: 'oci:out/rain',
        source,
        targets: ':never',
        'mlflow-model': 'churn',
        'mlflow-tracking-uri': 'http://127.0.0.1:9',
        ...inputs,
      },
    });
    expect(run.exitCode).toBe(1);
    expect(errorLines(run)).toEqual([expect.stringContaining(`Input '${input}'`)]);
    expect(run.summary).toBe('');
  });
});

describe.skipIf(!requireService('prometheus'))('deploy: a hostile candidate name renders as text', () => {
  let prometheus: PrometheusHandle;
  let scraped: InProcessServer;
  let dir: string;

  beforeAll(async () => {
    // A scrape target with no model series: every gate query finds no data.
    scraped = await listenOnLoopback(createServer((_, response) => response.end('# no series\n')));
    prometheus = await startPrometheus([{ job: 'empty', url: scraped.url }]);
    dir = await workspace();
    await writeFile(join(dir, 'set-weight.mjs'), 'process.exit(0);\n');
  });
  afterAll(() => stopAll([prometheus, scraped]));

  const gate = (name: string) =>
    `version: 1\nmetrics:\n  - name: ${JSON.stringify(name)}\n    kind: threshold\n    query: sum(up{job="$variant"})\n    max: 1\n`;

  const deploy = async (candidate: string, metric = 'up') => {
    await writeFile(join(dir, 'gate.yml'), gate(metric));
    return runAction(actionDir('deploy'), {
      workspace: dir,
      env: { GITHUB_SHA: COMMIT },
      inputs: {
        provider: 'command',
        'set-weight-command': `${process.execPath} set-weight.mjs {weight}`,
        baseline: 'baseline',
        candidate,
        gate: 'gate.yml',
        'prometheus-url': prometheus.url,
        steps: '50,100',
        interval: '1s',
        'poll-interval': '250ms',
        'max-duration': '1s',
      },
    });
  };

  test('each group as the candidate: the summary has only our structure', async () => {
    const harmless = await deploy(BENIGN);
    expect(harmless.summary, harmless.stdout).toContain(`candidate \`${BENIGN}\``);
    for (const [index, group] of GROUPS.entries()) {
      const hostile = await deploy(group);
      expect(hostile.exitCode, hostile.stdout).toBe(harmless.exitCode);
      expectSameStructure(hostile.summary, harmless.summary, `deploy summary, group ${index}`);
      if (index === 0) expect(hostile.summary).toContain(LONE_CR_AS_TEXT);
    }
  });

  test('a hostile metric name in the gate file is refused with one error naming the file', async () => {
    const run = await deploy(BENIGN, HOSTILE_TEXT[0] as string);
    expect(run.exitCode).toBe(1);
    expect(errorLines(run)).toEqual([
      expect.stringMatching(/^::error title=deploy%3A input 'gate',file=gate\.yml,line=3,.*'name' must be letters/),
    ]);
    expect(run.summary).toBe('');
  });
});

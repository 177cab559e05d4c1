#!/usr/bin/env node
// `npm run demo`: runs the pipeline locally through the `mlops` CLI, on the same bundle the actions run, and
// prints where the reports and the PR comment went. Stages join as the actions land.
import { spawnSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, '.mlops', 'demo');
const mlops = join(root, 'shared', 'bin', 'mlops.js');

/** A small deterministic data set (a linear congruential generator, so every run sees the same rows). */
function demoData(rows) {
  let seed = 42;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const plans = ['free', 'pro', 'enterprise'];
  const lines = ['id,age,plan,score'];
  for (let id = 1; id <= rows; id += 1) {
    lines.push(`${id},${18 + Math.floor(next() * 60)},${plans[Math.floor(next() * 3)]},${next().toFixed(4)}`);
  }
  return `${lines.join('\n')}\n`;
}

const started = performance.now();
await rm(work, { recursive: true, force: true });
await mkdir(join(work, 'data'), { recursive: true });
await writeFile(join(work, 'data', 'train.csv'), demoData(500));

const stages = [
  {
    name: 'validate-data',
    args: ['--data', join(work, 'data', 'train.csv'), '--suite', join(root, 'examples', 'demo', 'suite.yml')],
  },
];
const results = [];
for (const stage of stages) {
  console.log(`\n=== ${stage.name}`);
  const outDir = join(work, stage.name);
  const run = spawnSync(process.execPath, [mlops, stage.name, ...stage.args, '--out-dir', outDir], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.stdout.write(run.stdout);
  const outputs = Object.fromEntries(
    [...run.stdout.matchAll(/^ {2}([\w-]+)=(.*)$/gm)].map((match) => [match[1], match[2]]),
  );
  results.push({ stage: stage.name, exitCode: run.status, outputs, comment: join(outDir, 'comment.md') });
}

console.log('\n=== demo summary');
for (const result of results) {
  console.log(`${result.stage}: exit ${result.exitCode}, passed=${result.outputs.passed ?? '?'}`);
  console.log(`  report:  ${relative(root, result.outputs.report ?? '(none)')}`);
  console.log(`  comment: ${relative(root, result.comment)}`);
}
console.log(`demo finished in ${((performance.now() - started) / 1000).toFixed(1)}s`);
process.exitCode = results.every((result) => result.exitCode === 0) ? 0 : 1;

#!/usr/bin/env node
// `npm run demo`: the pipeline locally through the `mlops` CLI (the same bundle the actions run) on
// examples/demo: validate-data with drift against main's data and an injected sensor fault, then test-model
// against main's model on the same days. Prints what it ran, where the reports are and the PR comment it would post.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCliStage } from './demo/cli.mjs';
import { runDemoDeploy } from './demo/deploy.mjs';
import { runDemoImage } from './demo/image.mjs';
import { MAIN_WEIGHTS, PULL_REQUEST_WEIGHTS, rainProbability } from './demo/rain-model.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const example = join(root, 'examples', 'demo');
const work = join(root, '.mlops', 'demo');
const mlops = join(root, 'shared', 'bin', 'mlops.js');
const started = performance.now();

await rm(work, { recursive: true, force: true });
await mkdir(work, { recursive: true });
const [header, ...rows] = (await readFile(join(example, 'data', 'weather.csv'), 'utf8')).trimEnd().split('\n');
const main = rows.filter((row) => row < '2014');
const pr = rows.filter((row) => row >= '2014');
// A sensor fault in the pull request's data: a week of wind readings in km/h instead of m/s.
const faulty = pr.map((row, index) => {
  if (index < 100 || index >= 107) return row;
  const fields = row.split(',');
  fields[4] = (Number(fields[4]) * 3.6).toFixed(1);
  return fields.join(',');
});
await writeFile(join(work, 'main.csv'), `${header}\n${main.join('\n')}\n`);
await writeFile(join(work, 'pr.csv'), `${header}\n${faulty.join('\n')}\n`);

/** A two-feature logistic rain score; `weights` differ between main's model and the pull request's. */
function predictions(lines, weights) {
  const out = ['label,prediction,score,season'];
  for (const line of lines) {
    const [date, precipitation, tempMax, , wind, weather] = line.split(',');
    const month = Number(date.slice(5, 7));
    const season = [
      'winter',
      'winter',
      'spring',
      'spring',
      'spring',
      'summer',
      'summer',
      'summer',
      'autumn',
      'autumn',
      'autumn',
      'winter',
    ][month - 1];
    const score = rainProbability(weights, {
      precipitation: Number(precipitation),
      temp_max: Number(tempMax),
      wind: Number(wind),
    });
    out.push(`${weather === 'rain' ? 1 : 0},${score >= 0.5 ? 1 : 0},${score.toFixed(6)},${season}`);
  }
  return `${out.join('\n')}\n`;
}
await writeFile(join(work, 'main-predictions.csv'), predictions(pr, MAIN_WEIGHTS));
await writeFile(join(work, 'pr-predictions.csv'), predictions(pr, PULL_REQUEST_WEIGHTS));

const stages = [
  {
    name: 'validate-data',
    what: 'the pull request data (2014–15, a week of wind in km/h) against the suite, drift against main (2012–13)',
    args: [
      '--data',
      join(work, 'pr.csv'),
      '--suite',
      join(example, 'suite.yml'),
      '--reference',
      join(work, 'main.csv'),
    ],
  },
  {
    name: 'test-model',
    what: "the pull request's rain model against main's, on the same days",
    args: [
      '--predictions',
      join(work, 'pr-predictions.csv'),
      '--baseline',
      join(work, 'main-predictions.csv'),
      '--tests',
      join(example, 'tests.yml'),
      '--name',
      'rain-model',
    ],
  },
];

// Later stages (build-image, promote, deploy) live in scripts/demo/*.mjs: each takes the context and returns its
// results in the same shape, after the stages above ran.
const context = { root, work, mlops, example };
const results = [];
for (const stage of stages) {
  console.log(`\n=== ${stage.name}: ${stage.what}`);
  results.push(runCliStage(context, stage.name, stage.args));
}
// demo stages: begin
results.push(...(await runDemoImage(context)));
results.push(...(await runDemoDeploy(context)));
// demo stages: end

console.log('\n=== demo summary');
for (const result of results) {
  const verdict = result.exitCode === 0 ? 'passed' : 'failed its gates';
  // build-image, promote and deploy have no `passed` output: their exit code is the verdict.
  const passed = result.outputs.passed === undefined ? '' : `, passed=${result.outputs.passed}`;
  console.log(`${result.stage}: ${verdict} (exit ${result.exitCode})${passed}`);
  console.log(`  report:  ${relative(root, result.outputs.report ?? '(none)')}`);
  console.log(`  comment: ${relative(root, result.comment)}`);
  for (const line of result.details ?? []) console.log(`  ${line}`);
}
const notYet = ['build-image', 'promote', 'deploy'].filter(
  (stage) => !results.some((result) => result.stage === stage),
);
if (notYet.length > 0)
  console.log(`Not in this demo yet: ${notYet.join(', ')} (see test/services for what they need).`);
// The one comment a pull request gets: every stage's report combined by the report action, as its step would post it.
const combined = runCliStage(context, 'report', [
  '--reports',
  join(work, '*', 'mlops-reports', '*.json'),
  '--comment',
  'never',
]);
console.log(`combined PR comment: ${relative(root, combined.comment)}`);
console.log(`demo finished in ${((performance.now() - started) / 1000).toFixed(1)}s`);
// The injected fault makes validate-data fail on purpose: the demo succeeds when every stage ran and reported.
process.exitCode = results.every((result) => result.outputs.report) ? 0 : 1;

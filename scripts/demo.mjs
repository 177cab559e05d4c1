#!/usr/bin/env node
// `npm run demo`: the pipeline locally through the `mlops` CLI (the same bundle the actions run) on
// examples/demo: validate-data with drift against main's data and an injected sensor fault, then test-model
// against main's model on the same days. Prints what it ran, where the reports are and the PR comment it would post.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCliStage } from './demo/cli.mjs';
import { runDemoDeploy } from './demo/deploy.mjs';
import { runDemoImage } from './demo/image.mjs';
import { MAIN_WEIGHTS, PULL_REQUEST_WEIGHTS, rainProbability } from './demo/rain-model.mjs';
import { summarize } from './demo/summary.mjs';

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

// Later stages (build-image, model-card, promote, deploy) live in scripts/demo/*.mjs: each takes the context and returns its
// results in the same shape, after the stages above ran. A stage whose own script throws (a service that would not
// start) becomes a failed result with that reason; the stages after it still run.
const context = { root, work, mlops, example };
const results = [];
for (const stage of stages) {
  console.log(`\n=== ${stage.name}: ${stage.what}`);
  results.push(runCliStage(context, stage.name, stage.args));
}
/** The results of a later stage's script, or one failed result naming `stages` when the script itself threw. */
async function laterStages(stages, run) {
  try {
    return await run(context);
  } catch (error) {
    console.error(`\n${stages} could not run: ${error?.stack ?? error}`);
    return [{ stage: stages, exitCode: undefined, outputs: {}, reason: error?.message ?? String(error) }];
  }
}
// demo stages: begin
results.push(...(await laterStages('build-image, model-card, promote', runDemoImage)));
results.push(...(await laterStages('deploy', runDemoDeploy)));
// demo stages: end

console.log('\n=== demo summary');
const summary = summarize(results, root);
for (const line of summary.lines) console.log(line);
// The one comment a pull request gets: every stage's report combined by the report action, as its step would post it.
const combined = runCliStage(context, 'report', [
  '--reports',
  join(work, '*', 'mlops-reports', '*.json'),
  '--comment',
  'never',
]);
const combinedWritten = existsSync(combined.comment);
if (combinedWritten) console.log(`combined PR comment: ${relative(root, combined.comment)}`);
else console.log(`combined PR comment: FAILED (exit ${combined.exitCode}): the report stage wrote no comment`);
const seconds = ((performance.now() - started) / 1000).toFixed(1);
if (summary.crashed > 0 || !combinedWritten) {
  const crashed = `${summary.crashed} of ${results.length} stages failed without a report`;
  console.log(
    `demo FAILED in ${seconds}s: ${combinedWritten ? crashed : `${crashed}; no combined comment`} (see above)`,
  );
  process.exitCode = 1;
} else console.log(`demo finished in ${seconds}s`);

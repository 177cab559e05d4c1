import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { actionDir, runAction } from '../support/run-action.js';

test("test-model's error names the slice that failed; a prediction column unlike score ≥ threshold is one warning", async () => {
  const workspace = await mkdtemp(join(tmpdir(), 'mlops-test-model-lines-'));
  await mkdir(join(workspace, 'ml'));
  await writeFile(
    join(workspace, 'ml', 'tests.yml'),
    'version: 1\nslices:\n  by: [city]\n  min-rows: 2\n  metrics: {recall: {min: 0.2}}\n',
  );
  const rows = ['label,prediction,score,city'];
  // paris: six positives, one found (recall 1/6). Its first row's prediction says 1 where the score says 0.
  rows.push('1,1,0.1,paris', '1,0,0.1,paris', '1,0,0.1,paris', '1,0,0.1,paris', '1,0,0.1,paris', '1,1,0.9,paris');
  // lyon: every positive found.
  rows.push('1,1,0.9,lyon', '1,1,0.8,lyon', '0,0,0.2,lyon', '0,0,0.1,lyon');
  await writeFile(join(workspace, 'predictions.csv'), `${rows.join('\n')}\n`);

  const run = await runAction(actionDir('test-model'), {
    workspace,
    inputs: { predictions: 'predictions.csv', tests: 'ml/tests.yml', baseline: 'none', comment: 'never' },
  });
  expect(run.exitCode, run.stdout).toBe(1);
  expect(run.annotations.map(({ level, message }) => `${level}: ${message}`)).toEqual([
    "warning: Column 'prediction' disagrees with score ≥ 0.5 on 1 of 10 rows (first: row 1, prediction 1, score 0.1). " +
      "The metrics use score ≥ 0.5; set 'threshold' to the one the model predicts with, or drop the 'prediction' column.",
    'error: 1 of 2 model tests failed: city=paris: recall is 0.1667, below 0.2.',
  ]);
});

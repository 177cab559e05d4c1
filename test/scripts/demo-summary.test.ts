import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';

// @ts-expect-error: plain .mjs scripts without types
const { summarize } = await import('../../scripts/demo/summary.mjs');
// @ts-expect-error: plain .mjs scripts without types
const { stageResult } = await import('../../scripts/demo/cli.mjs');

test("the demo's summary: a crashed stage is a failure with its reason, and only files that exist are listed", async () => {
  const root = await mkdtemp(join(tmpdir(), 'mlops-demo-summary-'));
  const stageDir = (name: string) => join(root, '.mlops', 'demo', name);
  // validate-data failed its gates and wrote its report and comment.
  await mkdir(join(stageDir('validate-data'), 'mlops-reports'), { recursive: true });
  await writeFile(join(stageDir('validate-data'), 'mlops-reports', 'validate-data.json'), '{}');
  await writeFile(join(stageDir('validate-data'), 'comment.md'), 'comment');
  const validate = stageResult(
    'validate-data',
    1,
    `error: 1 check(s) failed at fail-on 'error'.\nOutputs:\n  passed=false\n  report=${join(stageDir('validate-data'), 'mlops-reports', 'validate-data.json')}\n`,
    stageDir('validate-data'),
  );
  // test-model crashed (Node too old for the bundle): its report path was never written, nor its comment.
  const crashed = stageResult(
    'test-model',
    1,
    '▶ Read predictions\nerror: TEXT_ENCODINGS.union is not a function (re-run with debug logging for the stack trace)\n',
    stageDir('test-model'),
  );
  const thrown = { stage: 'build-image, promote', exitCode: undefined, outputs: {}, reason: 'registry did not start' };

  const { lines, crashed: count } = summarize([validate, crashed, thrown], root);
  expect(lines).toEqual([
    'validate-data: failed its gates (exit 1), passed=false',
    '  report:  .mlops/demo/validate-data/mlops-reports/validate-data.json',
    '  comment: .mlops/demo/validate-data/comment.md',
    'test-model: FAILED (exit 1): TEXT_ENCODINGS.union is not a function (re-run with debug logging for the stack trace)',
    'build-image, promote: FAILED: registry did not start',
  ]);
  expect(count).toBe(2);
});

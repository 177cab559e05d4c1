import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { repositoryRoot } from './support/run-action.js';

test('npm run demo runs the pipeline, finds the injected fault and the regression, and says where everything went', async () => {
  const run = spawnSync(process.execPath, [join(repositoryRoot, 'scripts', 'demo.mjs')], {
    cwd: repositoryRoot,
    encoding: 'utf8',
  });
  expect(run.status, run.stdout + run.stderr).toBe(0);
  expect(run.stdout).toContain(
    '| ❌ | wind ≤ 12 | `{"failingRows":4}` | `{"max":12}` | row 102: 15.8, row 105: 14.4, row 106: 16.6, row 107: 16.9 |',
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

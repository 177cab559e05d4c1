import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { repositoryRoot } from './support/run-action.js';

test('npm run demo runs the pipeline and prints where everything went', () => {
  const run = spawnSync(process.execPath, [join(repositoryRoot, 'scripts', 'demo.mjs')], {
    cwd: repositoryRoot,
    encoding: 'utf8',
  });
  expect(run.status, run.stdout + run.stderr).toBe(0);
  expect(run.stdout).toContain('=== validate-data');
  expect(run.stdout).toMatch(
    /=== demo summary\nvalidate-data: exit 0, passed=true\n {2}report: {2}\.mlops\/demo\/validate-data\/mlops-reports\/validate-data\.json\n {2}comment: \.mlops\/demo\/validate-data\/comment\.md\n/,
  );
  expect(run.stdout).toMatch(/demo finished in \d+\.\ds/);
});

#!/usr/bin/env node
// `npm test`: setup of what the suites need beyond npm (scripts/setup), lint, a fresh build compared with the
// committed dist/, type-check of everything including the tests, then the vitest suites. Each stage's time is printed; the first failing stage stops the run.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const stages = [
  ['setup', 'bash', [join(root, 'scripts', 'setup')]],
  ['lint', bin('biome'), ['check', '.']],
  ['check-dist', process.execPath, [join(root, 'scripts', 'check-dist.mjs')]],
  ['typecheck', bin('tsc'), ['-b']],
  ['vitest', bin('vitest'), ['run', ...process.argv.slice(2)]],
];

for (const [name, tool, args] of stages) {
  const started = performance.now();
  console.log(`\n== ${name}`);
  const result = spawnSync(tool, args, { cwd: root, stdio: 'inherit' });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    console.error(`== ${name} failed after ${seconds}s (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
  console.log(`== ${name} passed in ${seconds}s`);
}

#!/usr/bin/env node
// `npm run bench [name ...]`: runs the benchmarks in this folder (each a script printing its own ratios).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((file) => file.endsWith('.mjs') && file !== 'run.mjs')
  .filter((file) => wanted.length === 0 || wanted.includes(file.replace(/\.mjs$/, '')));
let failed = 0;
for (const file of benches) {
  console.log(`\n== bench ${file.replace(/\.mjs$/, '')}`);
  const result = spawnSync(process.execPath, [join(here, file)], { stdio: 'inherit' });
  if (result.status !== 0) failed += 1;
}
process.exitCode = failed > 0 ? 1 : 0;

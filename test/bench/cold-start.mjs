#!/usr/bin/env node
// Cold start of a bundled action: the median of 10 runs of `node actions/validate-data/dist/index.js` (a full
// run on a tiny input) against the median of 10 runs of `node -e 0`, measured in the same run, plus dist sizes.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const runs = 10;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function time(args, env) {
  const samples = [];
  for (let index = 0; index < runs; index += 1) {
    const started = performance.now();
    const result = spawnSync(process.execPath, args, { env, stdio: 'ignore' });
    samples.push(performance.now() - started);
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited with ${result.status}`);
  }
  return median(samples);
}

const workspace = await mkdtemp(join(tmpdir(), 'bench-cold-'));
await writeFile(join(workspace, 'd.csv'), 'a\n1\n');
await writeFile(join(workspace, 's.yml'), 'version: 1\n');
const files = ['output', 'state', 'summary'].map((name) => join(workspace, name));
await Promise.all(files.map((path) => writeFile(path, '')));
const env = {
  PATH: process.env.PATH,
  GITHUB_WORKSPACE: workspace,
  RUNNER_TEMP: workspace,
  GITHUB_OUTPUT: files[0],
  GITHUB_STATE: files[1],
  GITHUB_STEP_SUMMARY: files[2],
  INPUT_DATA: 'd.csv',
  INPUT_SUITE: 's.yml',
};

const bare = time(['-e', '0'], env);
const action = time([join(root, 'actions', 'validate-data', 'dist', 'index.js')], env);
console.log(`cold start (median of ${runs}): node -e 0 ${bare.toFixed(1)} ms; validate-data ${action.toFixed(1)} ms`);
console.log(`cold start ratio: ${(action / bare).toFixed(2)}x node -e 0 (+${(action - bare).toFixed(1)} ms)`);

const sizes = [];
for (const folder of ['shared/dist', ...(await readdir(join(root, 'actions'))).map((name) => `actions/${name}/dist`)]) {
  for (const file of await readdir(join(root, folder))) {
    sizes.push(`${folder}/${file} ${((await stat(join(root, folder, file))).size / 1024).toFixed(1)} KiB`);
  }
}
console.log(`dist sizes: ${sizes.join('; ')}`);

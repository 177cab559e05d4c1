#!/usr/bin/env node
// Writes shared/src/data/duckdb-runtime.json: the package.json and package-lock.json (with every platform's
// integrity hash) that the actions `npm ci` into the runner's tool cache, so the 70 MB native library is never
// in dist/ and what is installed is exactly what was reviewed. Run it after changing the pinned DuckDB version.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const shared = JSON.parse(await readFile(join(root, 'shared', 'package.json'), 'utf8'));
const version = shared.dependencies['@duckdb/node-api'];
const dir = await mkdtemp(join(tmpdir(), 'duckdb-runtime-'));
try {
  const packageJson = {
    name: 'mlops-actions-duckdb-runtime',
    private: true,
    dependencies: { '@duckdb/node-api': version },
  };
  await writeFile(join(dir, 'package.json'), JSON.stringify(packageJson));
  execFileSync('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund', '--ignore-scripts'], {
    cwd: dir,
    stdio: 'inherit',
  });
  const lock = JSON.parse(await readFile(join(dir, 'package-lock.json'), 'utf8'));
  const out = join(root, 'shared', 'src', 'data', 'duckdb-runtime.json');
  await writeFile(out, `${JSON.stringify({ version, packageJson, lock }, null, 2)}\n`);
  console.log(`wrote ${out} for @duckdb/node-api ${version} (${Object.keys(lock.packages).length - 1} packages)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repositoryRoot } from '../support/run-action.js';

const run = promisify(execFile);

/** Go tools pinned by version, each built once from the Go module proxy into .cache/tools/<name>-<version>/. */
export const GO_TOOLS = {
  actionlint: { module: 'github.com/rhysd/actionlint/cmd/actionlint', version: 'v1.7.12' },
  act: { module: 'github.com/nektos/act', version: 'v0.2.89' },
} as const;

// The pinned Node 24 that npm ci installs as an optional dependency (absent where npm has none for the platform).
const NODE_24_BIN = join(repositoryRoot, 'node_modules', `node-linux-${process.arch}`, 'bin');

/** PATH with Node 24 first (our actions declare `using: node24`) when the machine's node is older. */
export function pathWithNode24(extra: string[] = []): string {
  const node = existsSync(NODE_24_BIN) ? [NODE_24_BIN] : [];
  return [...extra, ...node, process.env.PATH ?? ''].join(':');
}

/** The pinned binary, built with `go install` unless it is already there (10 minutes at most). */
export async function goTool(name: keyof typeof GO_TOOLS): Promise<string> {
  const { module, version } = GO_TOOLS[name];
  const directory = join(repositoryRoot, '.cache', 'tools', `${name}-${version}`);
  const binary = join(directory, name);
  if (existsSync(binary)) return binary;
  await mkdir(directory, { recursive: true });
  await run('go', ['install', `${module}@${version}`], {
    env: { ...process.env, GOBIN: directory, GOFLAGS: '-buildvcs=false', CGO_ENABLED: '0' },
    timeout: 600_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return binary;
}

/** A Python virtual environment with the example project's pinned requirements, built once (10 minutes at most). */
export async function examplePython(): Promise<string> {
  const venv = join(repositoryRoot, '.cache', 'venv-examples');
  const python = join(venv, 'bin', 'python');
  const marker = join(venv, '.requirements-installed');
  if (existsSync(marker)) return join(venv, 'bin');
  await run('python3', ['-m', 'venv', venv], { timeout: 120_000 });
  await run(
    python,
    [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '-r',
      join(repositoryRoot, 'examples/penguins/requirements.txt'),
    ],
    { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
  );
  await writeFile(marker, 'examples/penguins/requirements.txt\n');
  return join(venv, 'bin');
}

/**
 * What a release of this repository contains, as act's --local-repository sees it: every action's action.yml and
 * dist/, the shared bundle, and node_modules (linked: act tars the folder for each step, and a real release ships
 * the DuckDB binding beside the bundle).
 */
export async function releaseCopy(destination: string): Promise<string> {
  await mkdir(destination, { recursive: true });
  await cp(join(repositoryRoot, 'package.json'), join(destination, 'package.json'));
  for (const name of await readdir(join(repositoryRoot, 'actions'))) {
    const source = join(repositoryRoot, 'actions', name);
    if (!existsSync(join(source, 'action.yml'))) continue;
    for (const part of ['action.yml', 'package.json', 'dist']) {
      if (existsSync(join(source, part)))
        await cp(join(source, part), join(destination, 'actions', name, part), { recursive: true });
    }
  }
  for (const part of ['package.json', 'dist']) {
    await cp(join(repositoryRoot, 'shared', part), join(destination, 'shared', part), { recursive: true });
  }
  await symlink(join(repositoryRoot, 'node_modules'), join(destination, 'node_modules'));
  return destination;
}

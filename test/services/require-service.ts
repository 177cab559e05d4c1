import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { repositoryRoot } from '../support/run-action.js';
import { kubeBinaries } from './kube.js';
import { kwokFolder } from './kube-nodes.js';

/** Debian's PostgreSQL 15 (package postgresql, scripts/setup). */
export const postgresBinaries = '/usr/lib/postgresql/15/bin';
export const mlflowVenv = join(repositoryRoot, '.cache', 'venv-mlflow');
export const sparkVenv = join(repositoryRoot, '.cache', 'venv-spark');

/** The Spark distribution pyspark unpacks into the venv (requirements-spark.txt): bin/, jars/ with the Connect server. */
export function sparkHome(): string {
  let python = 'python3';
  try {
    python = readdirSync(join(sparkVenv, 'lib')).find((entry) => entry.startsWith('python3')) ?? python;
  } catch {
    // No venv yet: the path below does not exist, and requireService says so.
  }
  return join(sparkVenv, 'lib', python, 'site-packages', 'pyspark');
}

/** Built by scripts/setup from the Go module proxy, pinned (cosign_version there). */
export const cosignBinary = join(repositoryRoot, '.cache', 'tools', 'cosign-v2.6.5', 'cosign');
/** Built by scripts/setup from the Go module proxy, pinned (buildx_version there); a docker CLI plugin. */
export const buildxBinary = join(repositoryRoot, '.cache', 'tools', 'buildx-v0.38.2', 'docker-buildx');
/**
 * The distribution's docker client, the one that belongs to dockerd (Debian's docker.io 20.10 here), named by path:
 * another client, such as a newer one in /usr/local/bin, may come first on PATH.
 */
export const dockerClient = '/usr/bin/docker';

/** What each rig service needs on the machine; scripts/setup installs all of it. */
const requirements = {
  registry: ['docker-registry', 'htpasswd', 'openssl'],
  skopeo: ['skopeo'],
  buildah: ['buildah', 'busybox'],
  nginx: ['nginx'],
  prometheus: ['prometheus'],
  mlflow: [join(mlflowVenv, 'bin', 'mlflow')],
  spark: [join(sparkHome(), 'bin', 'spark-submit'), 'java'],
  cosign: [cosignBinary],
  docker: ['dockerd', 'containerd', 'runc', dockerClient, buildxBinary],
  kube: [
    ...['kube-apiserver', 'etcd', 'kube-controller-manager', 'kube-scheduler', 'kubectl'].map((name) =>
      join(kubeBinaries, name),
    ),
    join(kwokFolder, 'kwok'),
    'openssl',
  ],
  postgres: [join(postgresBinaries, 'postgres'), join(postgresBinaries, 'initdb')],
} as const satisfies Record<string, readonly string[]>;

export type ServiceName = keyof typeof requirements;

const searchPath = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The absolute path of an executable, or undefined when it is not installed. */
export function findExecutable(name: string): string | undefined {
  if (name.includes('/')) return isExecutable(name) ? name : undefined;
  return searchPath.map((dir) => join(dir, name)).find(isExecutable);
}

/** Like findExecutable, but a missing program is an error that names the fix. */
export function executable(name: string): string {
  const path = findExecutable(name);
  if (path === undefined) throw new Error(`${name} is not installed: run scripts/setup`);
  return path;
}

export interface ServiceCheck {
  /** CI=true: nothing may be skipped. */
  ci: boolean;
  find: (program: string) => string | undefined;
  warn: (line: string) => void;
}

/** requireService with the machine left out, so the skip-or-fail rule itself can be tested. */
export function checkServices(names: readonly ServiceName[], check: ServiceCheck): boolean {
  let available = true;
  for (const name of names) {
    const missing = requirements[name].filter((program) => check.find(program) === undefined);
    if (missing.length === 0) continue;
    const line = `!!! rig service "${name}" is missing ${missing.join(', ')}: run scripts/setup`;
    if (check.ci) throw new Error(`${line} (CI=true: a missing service fails the run)`);
    check.warn(`${line}; skipping the suites that need it`);
    available = false;
  }
  return available;
}

/**
 * Whether the suites that need `names` can run. A missing piece skips them with one loud line each, except under
 * CI=true, where nothing may be skipped: it throws, which fails the test file.
 * Use as `describe.skipIf(!requireService('registry', 'skopeo'))(...)`.
 */
export function requireService(...names: ServiceName[]): boolean {
  return checkServices(names, { ci: process.env.CI === 'true', find: findExecutable, warn: console.warn });
}

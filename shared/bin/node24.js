// Runs on any Node from 18 on (no newer syntax or API): the actions, the CLI and the tests need Node 24, and this
// is what decides, before anything of theirs is loaded, where Node 24 comes from.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';

export const REQUIRED_NODE_MAJOR = 24;

/**
 * The pinned Node 24 that `npm ci` installs as the optional dependency node-linux-<arch> (npm skips it on other
 * platforms), resolved the way an import from `from` would find it; undefined when it is not installed.
 */
export function pinnedNodeBinary(from, platform = process.platform, arch = process.arch) {
  if (platform !== 'linux' || (arch !== 'x64' && arch !== 'arm64')) return undefined;
  try {
    return join(dirname(createRequire(from).resolve(`node-linux-${arch}/package.json`)), 'bin', 'node');
  } catch {
    return undefined;
  }
}

/** The one line shown where no Node 24 can be had: what to install, for this machine. */
export function missingNodeMessage(version = process.version, platform = process.platform, arch = process.arch) {
  const pinned = platform === 'linux' && (arch === 'x64' || arch === 'arm64');
  const why = pinned
    ? `and the pinned node-linux-${arch} package is not installed (run npm ci in the repository)`
    : `and ${platform}-${arch} has no pinned Node 24 package`;
  return (
    `mlops-actions needs Node ${REQUIRED_NODE_MAJOR}: this is Node ${version} ${why}. ` +
    `Install Node ${REQUIRED_NODE_MAJOR} (nvm install reads .nvmrc; or nodejs.org), then run npm ci again.`
  );
}

/**
 * On Node 24 or newer, returns true: go on in this process. On an older Node, runs this same command line under
 * the pinned Node 24 (first on PATH, so the `node` its children start is 24 too), sets process.exitCode to its
 * status and returns false; where there is none, prints `missingNodeMessage` and sets exit code 1.
 */
export function continueOnNode24(from) {
  if (Number(process.versions.node.split('.')[0]) >= REQUIRED_NODE_MAJOR) return true;
  const binary = pinnedNodeBinary(from);
  if (binary === undefined) {
    process.stderr.write(`${missingNodeMessage()}\n`);
    process.exitCode = 1;
    return false;
  }
  const env = { ...process.env, PATH: `${dirname(binary)}${delimiter}${process.env.PATH ?? ''}` };
  const child = spawnSync(binary, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env });
  if (child.error) {
    process.stderr.write(`mlops-actions: could not start ${binary}: ${child.error.message}\n`);
    process.exitCode = 1;
  } else if (child.signal) process.kill(process.pid, child.signal);
  else process.exitCode = child.status ?? 1;
  return false;
}

import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { delimiter, join } from 'node:path';
import { makeWorkDir, run, type ServiceHandle, startProcess } from './process.js';
import { buildxBinary, dockerClient, executable } from './require-service.js';

export interface DockerHandle extends ServiceHandle {
  /** The temp folder holding the socket, data-root, exec-root and pidfile; removed by stop(). */
  readonly dir: string;
  /** `unix:///…/docker.sock`, private to this daemon. */
  readonly host: string;
  /**
   * The environment a docker client (and build-image) runs with to reach this daemon: DOCKER_HOST, a private
   * DOCKER_CONFIG whose cli-plugins/ holds the rig's buildx, and PATH led by a folder whose only `docker` is
   * /usr/bin/docker (Debian's 20.10 client here), so no other docker client on the machine is the one found.
   */
  readonly env: Record<string, string>;
}

/** True when the daemon at `socket` answers GET /_ping with OK. */
function pings(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const ping = request({ socketPath: socket, path: '/_ping', timeout: 2_000 }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      response.on('end', () => resolve(response.statusCode === 200 && body === 'OK'));
    });
    ping.on('error', () => resolve(false));
    ping.on('timeout', () => ping.destroy());
    ping.end();
  });
}

/**
 * Unmounts everything mounted at or under `dir`, deepest first. dockerd bind-mounts its data-root onto itself (to
 * make mount propagation private) and undoes that only on a clean shutdown: after a failed start or a SIGKILL
 * the mount would stay behind and keep the folder from being removed.
 */
async function unmountUnder(dir: string): Promise<void> {
  const mounts = (await readFile('/proc/self/mounts', 'utf8'))
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of mounts) await run('umount', ['--lazy', point]);
}

/**
 * The machine's dockerd (Debian's 20.10 here) on vfs storage with no iptables rules and no bridge, listening only on a unix socket
 * in its own temp folder, which also holds its data-root, exec-root (its own containerd's socket and state),
 * pidfile and an empty daemon.json (so /etc/docker/daemon.json does not apply). No TCP port is opened.
 */
export async function startDockerd(): Promise<DockerHandle> {
  const started = performance.now();
  const workDir = await makeWorkDir('dockerd');
  const socket = join(workDir, 'docker.sock');
  const config = join(workDir, 'config');
  const bin = join(workDir, 'bin');
  await Promise.all([mkdir(join(config, 'cli-plugins'), { recursive: true }), mkdir(bin)]);
  await Promise.all([
    writeFile(join(workDir, 'daemon.json'), '{}\n'),
    writeFile(join(config, 'config.json'), '{"auths":{}}\n'),
    symlink(buildxBinary, join(config, 'cli-plugins', 'docker-buildx')),
    symlink(dockerClient, join(bin, 'docker')),
  ]);
  const host = `unix://${socket}`;
  const cleanUp = async () => {
    await unmountUnder(workDir);
    await rm(workDir, { recursive: true, force: true });
  };
  const daemon = await startProcess({
    name: 'dockerd',
    command: executable('dockerd'),
    args: [
      '--config-file',
      join(workDir, 'daemon.json'),
      '--storage-driver',
      'vfs',
      '--iptables=false',
      '--bridge=none',
      '--host',
      host,
      '--data-root',
      join(workDir, 'data'),
      '--exec-root',
      join(workDir, 'exec'),
      '--pidfile',
      join(workDir, 'docker.pid'),
    ],
    ready: () => pings(socket),
    timeoutMs: 60_000,
    stopGraceMs: 15_000,
  }).catch(async (error: unknown) => {
    await cleanUp();
    throw error;
  });
  return {
    name: 'dockerd',
    url: host,
    port: 0,
    dir: workDir,
    host,
    env: {
      DOCKER_HOST: host,
      DOCKER_CONFIG: config,
      PATH: [bin, process.env.PATH ?? ''].join(delimiter),
    },
    startupMs: performance.now() - started,
    pids: daemon.pids,
    logs: daemon.logs,
    stop: async () => {
      await daemon.stop();
      await cleanUp();
    },
  };
}

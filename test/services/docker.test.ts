import { access, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DockerHandle, startDockerd } from './docker.js';
import { run, stopAndListSurvivors } from './process.js';
import { requireService } from './require-service.js';

/** Mount points at or under `dir`. */
async function mountsUnder(dir: string): Promise<string[]> {
  return (await readFile('/proc/self/mounts', 'utf8'))
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((point) => point === dir || point.startsWith(`${dir}/`));
}

describe.skipIf(!requireService('docker'))('the rig dockerd', () => {
  let docker: DockerHandle;

  beforeAll(async () => {
    docker = await startDockerd();
    console.log(`dockerd start-up: ${docker.startupMs.toFixed(0)} ms`);
  }, 120_000);

  afterAll(async () => {
    await docker?.stop();
  });

  it('answers on its own socket only: a unix socket in its folder, no TCP port', async () => {
    expect(docker.host).toBe(`unix://${docker.dir}/docker.sock`);
    const env = { ...process.env, ...docker.env };
    const info = await run('docker', ['info', '--format', '{{.Driver}} {{.DockerRootDir}}'], { env });
    expect(info.stdout.trim()).toBe(`vfs ${docker.dir}/data`);
    const pids = await docker.pids();
    const listening = (await run('ss', ['--listening', '--tcp', '--numeric', '--processes', '--no-header'])).stdout;
    const ours = listening.split('\n').filter((line) => pids.some((pid) => line.includes(`pid=${pid},`)));
    expect(ours).toEqual([]);
  });

  it('runs dockerd and its own containerd, both tracked', async () => {
    const names = await Promise.all(
      (await docker.pids()).map(async (pid) => (await readFile(`/proc/${pid}/comm`, 'utf8')).trim()),
    );
    expect(names).toEqual(expect.arrayContaining(['dockerd', 'containerd']));
  });

  it('stop leaves no process, no mount and no folder behind', async () => {
    const mountedBefore = await mountsUnder(docker.dir);
    expect(mountedBefore).toEqual([`${docker.dir}/data`]);
    expect(await stopAndListSurvivors(docker)).toEqual([]);
    expect(await mountsUnder(docker.dir)).toEqual([]);
    await expect(access(docker.dir)).rejects.toThrow(/ENOENT/);
  });
});

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ContainerTools, createContainerTools, pushBusyboxBase } from './containers.js';
import { stopAndListSurvivors } from './process.js';
import { type RegistryHandle, startRegistryPerAuth } from './registry.js';
import { requireService } from './require-service.js';

const ociManifest = 'application/vnd.oci.image.manifest.v1+json';
const dockerManifest = 'application/vnd.docker.distribution.manifest.v2+json';
const localBase = 'containers-storage:localhost/rig/busybox-base:latest';

describe.skipIf(!requireService('registry', 'skopeo', 'buildah'))('OCI registry in each auth mode', () => {
  let tools: ContainerTools;
  let open: RegistryHandle;
  let basic: RegistryHandle;
  let token: RegistryHandle;
  let baseImage: string;

  beforeAll(async () => {
    tools = await createContainerTools();
    ({ open, basic, token } = await startRegistryPerAuth());
    for (const registry of [open, basic, token]) {
      console.log(`registry (${registry.auth}) started in ${registry.startupMs.toFixed(0)} ms`);
    }
    const started = performance.now();
    baseImage = await pushBusyboxBase(tools, `${open.host}/rig/busybox:latest`);
    console.log(`busybox base image built and pushed in ${(performance.now() - started).toFixed(0)} ms`);
  });

  afterAll(async () => {
    await Promise.all([open?.stop(), basic?.stop(), token?.stop()]);
    await tools?.remove();
  });

  it('without auth: skopeo pushes, and the manifest comes back in the media type Accept asks for', async () => {
    const pushed = await tools.copy(localBase, `docker://${open.host}/models/plain:1`);
    expect(pushed.stderr).toBe('');
    expect(pushed.code).toBe(0);
    const asOci = await fetch(`${open.url}/v2/models/plain/manifests/1`, { headers: { accept: ociManifest } });
    expect(asOci.status).toBe(200);
    expect(asOci.headers.get('content-type')).toBe(ociManifest);
    const tags = (await (await fetch(`${open.url}/v2/models/plain/tags/list`)).json()) as { tags: string[] };
    expect(tags.tags).toEqual(['1']);
  });

  it('the busybox base has a working shell for RUN steps with chroot isolation', async () => {
    const context = join(tools.dir, 'run-context');
    await mkdir(context);
    await writeFile(join(context, 'Containerfile'), `FROM ${baseImage}\nRUN echo "built by $(uname -s)" > /proof\n`);
    await tools.build(context, 'localhost/rig/with-run:latest');
    const container = (await tools.buildah(['from', 'localhost/rig/with-run:latest'])).stdout.trim();
    const proof = await tools.buildah(['run', '--isolation', 'chroot', container, 'cat', '/proof']);
    expect(proof.stdout.trim()).toBe('built by Linux');
    await tools.buildah(['rm', container]);
  });

  it('htpasswd: the right password pushes, a wrong one gets 401', async () => {
    const good = await tools.writeAuthFile({ [basic.host]: { username: 'builder', password: 'correct horse' } });
    const pushed = await tools.copy(localBase, `docker://${basic.host}/models/basic:1`, good);
    expect(pushed.code, pushed.stderr).toBe(0);

    const bad = await tools.writeAuthFile({ [basic.host]: { username: 'builder', password: 'wrong' } });
    const refused = await tools.copy(localBase, `docker://${basic.host}/models/basic:2`, bad);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/401|unauthorized/i);

    const wrongBasic = Buffer.from('builder:wrong').toString('base64');
    const direct = await fetch(`${basic.url}/v2/`, { headers: { authorization: `Basic ${wrongBasic}` } });
    expect(direct.status).toBe(401);
    const rightBasic = Buffer.from('builder:correct horse').toString('base64');
    const accepted = await fetch(`${basic.url}/v2/`, { headers: { authorization: `Basic ${rightBasic}` } });
    expect(accepted.status).toBe(200);
  });

  it('token: a push grant pushes; a pull-only token reads but is denied a push', async () => {
    const pusher = await tools.writeAuthFile({ [token.host]: { username: 'pusher', password: 'push-secret' } });
    const pushed = await tools.copy(localBase, `docker://${token.host}/models/token:1`, pusher);
    expect(pushed.code, pushed.stderr).toBe(0);

    const reader = await tools.writeAuthFile({ [token.host]: { username: 'reader', password: 'read-secret' } });
    const inspected = await tools.skopeoAllowingFailure([
      'inspect',
      '--tls-verify=false',
      '--authfile',
      reader,
      '--raw',
      `docker://${token.host}/models/token:1`,
    ]);
    expect(inspected.code, inspected.stderr).toBe(0);
    expect([ociManifest, dockerManifest]).toContain(JSON.parse(inspected.stdout).mediaType);

    const denied = await tools.copy(localBase, `docker://${token.host}/models/token:2`, reader);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/requested access to the resource is denied/);
    const readerTokens = token.tokenServer!.issued.filter((issued) => issued.account === 'reader');
    expect(readerTokens.length).toBeGreaterThan(0);
    for (const issued of readerTokens) {
      for (const claim of issued.access) expect(claim.actions).not.toContain('push');
    }
  });

  it('token: a wrong password is refused by the token server with 401', async () => {
    const wrong = await tools.writeAuthFile({ [token.host]: { username: 'pusher', password: 'nope' } });
    const refused = await tools.copy(localBase, `docker://${token.host}/models/token:3`, wrong);
    expect(refused.code).not.toBe(0);
    const direct = await fetch(`${token.tokenServer!.realm}?service=rig-registry&scope=repository:models/token:pull`, {
      headers: { authorization: `Basic ${Buffer.from('pusher:nope').toString('base64')}` },
    });
    expect(direct.status).toBe(401);
    const anonymous = await fetch(`${token.url}/v2/models/token/manifests/1`, { headers: { accept: ociManifest } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain(token.tokenServer!.realm);
  });

  it('stop leaves no registry process behind', async () => {
    const survivors = await Promise.all([open, basic, token].map(stopAndListSurvivors));
    expect(survivors.flat()).toEqual([]);
    expect(await fetch(`${token.tokenServer!.url}/token`).catch(() => 'closed')).toBe('closed');
  });
});

import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { answers, freePort, makeWorkDir, run, type ServiceHandle, startProcess } from './process.js';
import { executable } from './require-service.js';
import { type RegistryAction, startTokenServer, type TokenServer, type TokenUser } from './token-server.js';

export type RegistryAuth =
  | { mode: 'none' }
  /** HTTP Basic against a bcrypt htpasswd file (the only hash the registry accepts). */
  | { mode: 'htpasswd'; users: Record<string, string> }
  /** Bearer tokens from the rig's token server (token-server.ts), with per-repository grants. */
  | { mode: 'token'; users: Record<string, TokenUser>; anonymousGrants?: Record<string, RegistryAction[]> };

export interface RegistryHandle extends ServiceHandle {
  /** `127.0.0.1:PORT`, as image references and auth files name the registry. */
  readonly host: string;
  readonly auth: RegistryAuth['mode'];
  /** Present in token mode; its `issued` list shows which access each token carried. */
  readonly tokenServer?: TokenServer;
}

const tokenService = 'rig-registry';
const tokenIssuer = 'rig-token-issuer';

async function writeHtpasswd(path: string, users: Record<string, string>): Promise<void> {
  const htpasswd = executable('htpasswd');
  const lines = await Promise.all(
    Object.entries(users).map(async ([user, password]) =>
      (await run(htpasswd, ['-Bbn', user, password])).stdout.trim(),
    ),
  );
  await writeFile(path, `${lines.join('\n')}\n`);
}

/**
 * The CNCF distribution registry (Debian's docker-registry) with its own config and storage. Note what this
 * registry does not do: manifests come back in the media type the `Accept` header asks for (send the OCI one),
 * there is no referrers API, and tags/list ignores `n`.
 */
export async function startRegistry(auth: RegistryAuth = { mode: 'none' }): Promise<RegistryHandle> {
  const started = performance.now();
  const workDir = await makeWorkDir('registry');
  const storage = join(workDir, 'storage');
  await mkdir(storage);
  const port = await freePort();
  let authSection = '';
  let tokenServer: TokenServer | undefined;
  if (auth.mode === 'htpasswd') {
    const path = join(workDir, 'htpasswd');
    await writeHtpasswd(path, auth.users);
    authSection = `auth:\n  htpasswd:\n    realm: rig-registry\n    path: ${path}\n`;
  } else if (auth.mode === 'token') {
    tokenServer = await startTokenServer({
      users: auth.users,
      anonymousGrants: auth.anonymousGrants,
      service: tokenService,
      issuer: tokenIssuer,
      dir: workDir,
    });
    authSection = [
      'auth:',
      '  token:',
      `    realm: ${tokenServer.realm}`,
      `    service: ${tokenService}`,
      `    issuer: ${tokenIssuer}`,
      `    rootcertbundle: ${tokenServer.certificatePath}`,
      '',
    ].join('\n');
  }
  const config = join(workDir, 'config.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: info',
      '  accesslog:',
      '    disabled: false',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${storage}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      `  secret: ${randomBytes(16).toString('hex')}`,
      authSection,
    ].join('\n'),
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    const registry = await startProcess({
      name: `registry (${auth.mode})`,
      command: executable('docker-registry'),
      args: ['serve', config],
      workDir,
      // /v2/ answers 401 when auth is on: that too means the registry is up.
      ready: () => answers(`${url}/v2/`, auth.mode === 'none' ? [200] : [401]),
    });
    return {
      name: 'registry',
      url,
      port,
      host: `127.0.0.1:${port}`,
      auth: auth.mode,
      tokenServer,
      // From the call, so token mode includes its key generation and htpasswd mode its bcrypt hashing.
      startupMs: performance.now() - started,
      pids: registry.pids,
      logs: registry.logs,
      stop: async () => {
        await registry.stop();
        await tokenServer?.stop();
      },
    };
  } catch (error) {
    await tokenServer?.stop();
    throw error;
  }
}

/**
 * One registry per auth mode, side by side: open, htpasswd (`builder` / `correct horse`) and token, where
 * `pusher` / `push-secret` may push and `reader` / `read-secret` may pull `models/*`, plus any `pusherGrants`.
 */
export async function startRegistryPerAuth(
  pusherGrants: Record<string, RegistryAction[]> = {},
): Promise<{ open: RegistryHandle; basic: RegistryHandle; token: RegistryHandle }> {
  const [open, basic, token] = await Promise.all([
    startRegistry({ mode: 'none' }),
    startRegistry({ mode: 'htpasswd', users: { builder: 'correct horse' } }),
    startRegistry({
      mode: 'token',
      users: {
        pusher: { password: 'push-secret', grants: { 'models/*': ['pull', 'push'], ...pusherGrants } },
        reader: { password: 'read-secret', grants: { 'models/*': ['pull'] } },
      },
    }),
  ]);
  return { open, basic, token };
}

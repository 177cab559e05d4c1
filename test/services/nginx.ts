import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { delay, freePort, makeWorkDir, run, type ServiceHandle, startProcess } from './process.js';
import { executable } from './require-service.js';

/** What goes into nginx's `http {}` block around and inside the rig's own `server {}`. */
export interface NginxSite {
  /** Directives at `http {}` level, e.g. upstreams. */
  http?: string;
  /** Directives inside the rig's `server { listen 127.0.0.1:PORT; ... }`, e.g. locations. */
  server: string;
}

export interface NginxHandle extends ServiceHandle {
  /** Writes a new site, runs `nginx -s reload`, and returns once the new config answers. */
  reload(site: NginxSite): Promise<void>;
  /** The generated nginx.conf currently in force. */
  readonly configPath: string;
}

export interface WeightedBackend {
  url: string;
  weight: number;
}

/**
 * A weighted split across backends, the way a canary sends a share of traffic to the candidate. A weight of 0
 * leaves the backend out (nginx rejects weight=0).
 */
export function weightedSplit(backends: readonly WeightedBackend[]): NginxSite {
  const servers = backends
    .filter((backend) => backend.weight > 0)
    .map((backend) => `    server ${new URL(backend.url).host} weight=${backend.weight};`);
  if (servers.length === 0) throw new Error('a weighted split needs at least one backend with a weight above 0');
  return {
    http: `  upstream models {\n${servers.join('\n')}\n  }\n`,
    server: '    location / {\n      proxy_pass http://models;\n    }\n',
  };
}

/** Path the rig adds to every config: it answers the config's generation number, so a reload can be awaited. */
const generationPath = '/__rig/generation';

/**
 * nginx with a generated config: own prefix, pid file, temp dirs and logs under a temp dir, listening on a free
 * loopback port, in the foreground (`daemon off`) so the rig tracks the master and its workers.
 */
export async function startNginx(site: NginxSite): Promise<NginxHandle> {
  const nginx = executable('nginx');
  const prefix = await makeWorkDir('nginx');
  await Promise.all(['logs', 'temp'].map((dir) => mkdir(join(prefix, dir))));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const configPath = join(prefix, 'nginx.conf');
  let generation = 0;
  const writeConfig = async (next: NginxSite) => {
    generation += 1;
    // Workers of a root master would drop to `nobody`, who cannot enter the private temp dir.
    const user = process.getuid?.() === 0 ? 'user root;\n' : '';
    await writeFile(
      configPath,
      `${user}daemon off;
worker_processes 1;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'logs', 'error.log')} info;
events { worker_connections 256; }
http {
  access_log ${join(prefix, 'logs', 'access.log')};
  client_body_temp_path ${join(prefix, 'temp', 'client_body')};
  proxy_temp_path ${join(prefix, 'temp', 'proxy')};
  fastcgi_temp_path ${join(prefix, 'temp', 'fastcgi')};
  uwsgi_temp_path ${join(prefix, 'temp', 'uwsgi')};
  scgi_temp_path ${join(prefix, 'temp', 'scgi')};
${next.http ?? ''}
  server {
    listen 127.0.0.1:${port};
    location = ${generationPath} { return 200 "${generation}"; }
${next.server}
  }
}
`,
    );
    return generation;
  };
  const servesGeneration = async (expected: number) => {
    try {
      const response = await fetch(`${url}${generationPath}`, { signal: AbortSignal.timeout(2_000) });
      return (await response.text()) === String(expected);
    } catch {
      return false;
    }
  };
  const baseArgs = ['-p', prefix, '-c', configPath, '-e', join(prefix, 'logs', 'error.log')];
  const first = await writeConfig(site);
  await run(nginx, [...baseArgs, '-t']);
  const server = await startProcess({
    name: 'nginx',
    command: nginx,
    args: baseArgs,
    workDir: prefix,
    // SIGQUIT is nginx's graceful shutdown.
    stopSignal: 'SIGQUIT',
    logFiles: [join(prefix, 'logs', 'error.log')],
    ready: () => servesGeneration(first),
  });
  return {
    name: 'nginx',
    url,
    port,
    configPath,
    startupMs: server.startupMs,
    pids: server.pids,
    logs: server.logs,
    stop: server.stop,
    reload: async (next) => {
      const expected = await writeConfig(next);
      await run(nginx, [...baseArgs, '-t']);
      await run(nginx, [...baseArgs, '-s', 'reload']);
      const deadline = performance.now() + 10_000;
      while (!(await servesGeneration(expected))) {
        if (performance.now() > deadline)
          throw new Error(`nginx did not take up config ${expected}:\n${server.logs()}`);
        await delay(50);
      }
    },
  };
}

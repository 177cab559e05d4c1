// The demo's services, the minimal versions of test/services/registry.ts, nginx.ts and prometheus.ts: each
// runs in the foreground in its own process group, is polled until it answers, and stop() ends the whole group
// (nginx's workers included), SIGKILL after 5 s. Every PID seen is kept, so the demo can show none is left.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The absolute path of a program on PATH, /usr/sbin or /usr/bin, or undefined. */
export function findProgram(name) {
  const directories = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin'].filter(Boolean);
  return directories
    .map((directory) => join(directory, name))
    .find((path) => {
      try {
        accessSync(path, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

/** A free loopback port for a service that binds it itself; drawn below Linux's ephemeral range (32768 and up). */
async function freePort() {
  const canBind = (port) =>
    new Promise((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canBind(port)) return port;
  }
  throw new Error('no free port on 127.0.0.1 between 20000 and 32000');
}

/** True when a GET answers 200 (a refused connection counts as not yet). */
async function answers(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** Live (not zombie) members of a process group. */
async function groupMembers(leader) {
  const members = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => undefined);
    if (stat === undefined) continue;
    const [state, , pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state !== 'Z' && Number(pgid) === leader) members.push(Number(entry));
  }
  return members;
}

/** Process groups still running; an `exit` of the demo kills them, whatever happened before. */
const liveGroups = new Set();
export function killServicesNow() {
  for (const leader of liveGroups) {
    try {
      process.kill(-leader, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
process.once('exit', killServicesNow);

/**
 * Services run in their own process groups, so a Ctrl-C of the demo does not reach them, and `exit` does not run
 * when a signal ends the demo: stop them and end as the signal would. A stage stopping gracefully on its own
 * handler (the deploy stage) re-raises the signal when done, which lands here.
 */
function stopOnSignal(signal) {
  if (process.listenerCount(signal) > 1) return;
  killServicesNow();
  process.removeListener(signal, stopOnSignal);
  process.kill(process.pid, signal);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, stopOnSignal);

async function startService({ name, command, args, ready, stopSignal = 'SIGTERM', timeoutMs = 30_000 }) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const record = (chunk) => {
    output = (output + chunk).slice(-20_000);
  };
  child.stdout.on('data', record);
  child.stderr.on('data', record);
  let exited = false;
  const exit = new Promise((resolve) => {
    const ended = () => {
      exited = true;
      resolve();
    };
    child.once('exit', ended);
    child.once('error', (error) => {
      record(error.message);
      ended();
    });
  });
  const leader = child.pid;
  if (leader !== undefined) liveGroups.add(leader);
  const pids = new Set(leader === undefined ? [] : [leader]);
  const refresh = async () => {
    if (leader !== undefined) for (const pid of await groupMembers(leader)) pids.add(pid);
  };
  const stop = async () => {
    if (leader === undefined) return;
    await refresh();
    const signal = (which) => {
      try {
        process.kill(-leader, which);
      } catch {
        // Already gone.
      }
    };
    signal(stopSignal);
    const deadline = performance.now() + 5_000;
    while ((await groupMembers(leader)).length > 0 && performance.now() < deadline) await delay(50);
    if ((await groupMembers(leader)).length > 0) signal('SIGKILL');
    await exit;
    while ((await groupMembers(leader)).length > 0) await delay(20);
    liveGroups.delete(leader);
  };
  const deadline = performance.now() + timeoutMs;
  while (!(await ready())) {
    if (exited || performance.now() > deadline) {
      await stop();
      throw new Error(
        `${name} ${exited ? 'exited before it was ready' : `was not ready after ${timeoutMs} ms`}:\n${output}`,
      );
    }
    await delay(100);
  }
  await refresh();
  return { name, pids: () => [...pids], stop };
}

/**
 * nginx in `directory`, listening on a free port and proxying everything to the upstream `model` defined in
 * `splitPath` (the file the deploy action owns; written here at 100% baseline). `readyPath` must answer 200
 * through nginx.
 */
export async function startNginx({ directory, splitPath, baselineHost, candidateHost, readyPath }) {
  const nginx = findProgram('nginx');
  const port = await freePort();
  await Promise.all(['logs', 'temp'].map((name) => mkdir(join(directory, name), { recursive: true })));
  const configPath = join(directory, 'nginx.conf');
  const errorLog = join(directory, 'logs', 'error.log');
  const temp = (kind) => `  ${kind}_temp_path ${join(directory, 'temp', kind)};`;
  await writeFile(
    splitPath,
    `upstream model {\n    server ${baselineHost} weight=1;\n    server ${candidateHost} down;\n}\n`,
  );
  await writeFile(
    configPath,
    [
      // Workers of a root master would drop to `nobody`, who cannot read the demo's folder.
      process.getuid?.() === 0 ? 'user root;' : '',
      'daemon off;',
      'worker_processes 1;',
      `pid ${join(directory, 'nginx.pid')};`,
      `error_log ${errorLog};`,
      'events { worker_connections 256; }',
      'http {',
      '  access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp),
      `  include ${splitPath};`,
      `  server {\n    listen 127.0.0.1:${port};\n    location / { proxy_pass http://model; }\n  }`,
      '}',
      '',
    ].join('\n'),
  );
  const baseArgs = ['-p', directory, '-c', configPath, '-e', errorLog];
  const url = `http://127.0.0.1:${port}`;
  const service = await startService({
    name: 'nginx',
    command: nginx,
    args: baseArgs,
    // SIGQUIT is nginx's graceful shutdown.
    stopSignal: 'SIGQUIT',
    ready: () => answers(`${url}${readyPath}`),
  });
  return { ...service, url, program: nginx, reloadCommand: [nginx, ...baseArgs, '-s', 'reload'] };
}

/** Prometheus in `directory` scraping `targets` ({ job, url }) every second; ready when every target is up. */
export async function startPrometheus({ directory, targets }) {
  const prometheus = findProgram('prometheus');
  const port = await freePort();
  await mkdir(join(directory, 'data'), { recursive: true });
  const configPath = join(directory, 'prometheus.yml');
  const jobs = targets.map(
    (target) =>
      `  - job_name: ${JSON.stringify(target.job)}\n    static_configs:\n      - targets: [${JSON.stringify(new URL(target.url).host)}]`,
  );
  await writeFile(
    configPath,
    `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n${jobs.join('\n')}\n`,
  );
  const url = `http://127.0.0.1:${port}`;
  const allTargetsUp = async () => {
    try {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent('up == 1')}`, {
        signal: AbortSignal.timeout(2_000),
      });
      const body = await response.json();
      const up = new Set(body.data?.result?.map((series) => series.metric.job));
      return targets.every((target) => up.has(target.job));
    } catch {
      return false;
    }
  };
  const service = await startService({
    name: 'prometheus',
    command: prometheus,
    args: [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${join(directory, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
    ],
    ready: allTargetsUp,
  });
  return { ...service, url, program: prometheus };
}

/**
 * The CNCF distribution registry (Debian's docker-registry) serving `directory`/storage on a free loopback port:
 * no auth, deletes enabled. Returns { host, url, storage, pids, stop }.
 */
export async function startRegistry(binary, directory) {
  const storage = join(directory, 'storage');
  await mkdir(storage, { recursive: true });
  const port = await freePort();
  const config = join(directory, 'config.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${storage}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      `  secret: ${randomBytes(16).toString('hex')}`,
      '',
    ].join('\n'),
  );
  const url = `http://127.0.0.1:${port}`;
  const service = await startService({
    name: 'docker-registry',
    command: binary,
    args: ['serve', config],
    ready: () => answers(`${url}/v2/`),
    timeoutMs: 15_000,
  });
  return { ...service, host: `127.0.0.1:${port}`, url, storage };
}

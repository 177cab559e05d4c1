import { randomBytes } from 'node:crypto';
import { chmod, chown, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, makeWorkDir, run, type ServiceHandle, startProcess } from './process.js';
import { postgresBinaries } from './require-service.js';

export interface PostgresHandle extends ServiceHandle {
  /** `postgres://mlops:<password>@127.0.0.1:<port>/postgres`, password authentication (scram-sha-256). */
  readonly connectionString: string;
  readonly user: string;
  readonly password: string;
  /** Runs statements as the superuser (loading test tables). */
  query(sql: string, values?: unknown[]): Promise<pg.QueryResult>;
}

/**
 * A throwaway PostgreSQL 15 cluster on 127.0.0.1 and a free port, in a temp dir, with password authentication.
 * PostgreSQL refuses to run as root, so as root initdb and the server run as the `postgres` user (the Debian
 * package creates it), which owns the temp dir.
 */
export async function startPostgres(): Promise<PostgresHandle> {
  const workDir = await makeWorkDir('postgres');
  const data = join(workDir, 'data');
  const user = 'mlops';
  const password = randomBytes(12).toString('hex');
  const passwordFile = join(workDir, 'password');
  await writeFile(passwordFile, `${password}\n`);
  const asRoot = process.getuid?.() === 0;
  const prefix = asRoot ? ['runuser', '-u', 'postgres', '--'] : [];
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: group } = await run('id', ['-g', 'postgres']);
    await chown(workDir, Number(stdout.trim()), Number(group.trim()));
    await chown(passwordFile, Number(stdout.trim()), Number(group.trim()));
  }
  await chmod(workDir, 0o700);
  const command = (program: string, args: string[]) =>
    asRoot
      ? { command: prefix[0] as string, args: [...prefix.slice(1), join(postgresBinaries, program), ...args] }
      : { command: join(postgresBinaries, program), args };
  const initdb = command('initdb', [
    '-D',
    data,
    '-U',
    user,
    `--pwfile=${passwordFile}`,
    '--auth=scram-sha-256',
    '--encoding=UTF8',
    '--no-locale',
    '--no-sync',
  ]);
  await run(initdb.command, initdb.args, { timeoutMs: 60_000 });
  const port = await freePort();
  const connectionString = `postgres://${user}:${password}@127.0.0.1:${port}/postgres`;
  const server = command('postgres', [
    '-D',
    data,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `unix_socket_directories=${workDir}`,
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
  ]);
  const connect = async () => {
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: 2_000 });
    client.on('error', () => {});
    await client.connect();
    return client;
  };
  const managed = await startProcess({
    name: 'postgres',
    command: server.command,
    args: server.args,
    workDir,
    // SIGINT: PostgreSQL's fast shutdown (ends sessions, no waiting for clients).
    stopSignal: 'SIGINT',
    timeoutMs: 60_000,
    ready: async () => {
      try {
        await (await connect()).end();
        return true;
      } catch {
        return false;
      }
    },
  });
  return {
    name: 'postgres',
    url: `postgres://127.0.0.1:${port}/postgres`,
    port,
    connectionString,
    user,
    password,
    startupMs: managed.startupMs,
    pids: managed.pids,
    logs: managed.logs,
    stop: managed.stop,
    async query(sql, values) {
      const client = await connect();
      try {
        return await client.query(sql, values);
      } finally {
        await client.end();
      }
    },
  };
}

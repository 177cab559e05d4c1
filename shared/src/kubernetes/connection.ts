// Where the cluster is and who we are in it: a kubeconfig (file input or KUBECONFIG) or the pod's service account.
// Only what a plain HTTPS client needs is read: server, CA, token or client certificate, namespace.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import { ConfigurationError } from '../errors/index.js';

export interface Connection {
  /** https://host:port, no trailing slash. */
  server: string;
  /** PEM; undefined trusts Node's default roots. */
  ca?: string | undefined;
  token?: string | undefined;
  clientCertificate?: string | undefined;
  clientKey?: string | undefined;
  namespace: string;
  /** Where the credentials came from, for messages (never the credentials). */
  source: string;
}

interface Named<T> {
  name?: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}

type Fields = Record<string, unknown>;

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function decode(base64: unknown): string | undefined {
  const value = text(base64);
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

/** A kubeconfig's parts as plain data; file references are returned as paths for the caller to read. */
export interface KubeconfigSelection {
  server: string;
  namespace: string | undefined;
  ca: { data?: string | undefined; file?: string | undefined; insecure: boolean };
  token: { data?: string | undefined; file?: string | undefined };
  clientCertificate: { data?: string | undefined; file?: string | undefined };
  clientKey: { data?: string | undefined; file?: string | undefined };
  unsupported?: string | undefined;
}

/**
 * Picks the context (`context`, else current-context) out of kubeconfig text, pure. Relative file references are
 * resolved against the kubeconfig's folder, as kubectl does. Throws ConfigurationError naming `input` and `display`.
 */
export function selectKubeconfig(
  source: string,
  options: { context?: string | undefined; path: string; display: string; input: string },
): KubeconfigSelection {
  const { input, display } = options;
  const fail = (problem: string) =>
    new ConfigurationError(`Input '${input}': ${display} ${problem}`, { input, file: display });
  let document: unknown;
  try {
    document = parse(source);
  } catch (error) {
    throw fail(`is not YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (typeof document !== 'object' || document === null) throw fail('is not a kubeconfig (no mapping at the top).');
  const config = document as Fields;
  const find = <T>(list: unknown, name: string, kind: 'cluster' | 'user' | 'context'): T | undefined => {
    if (!Array.isArray(list)) return undefined;
    return (list as Named<T>[]).find((entry) => entry?.name === name)?.[kind];
  };
  const contextName = options.context ?? text(config['current-context']);
  if (contextName === undefined) throw fail('has no current-context: set the kubernetes-context input.');
  const context = find<Fields>(config.contexts, contextName, 'context');
  if (context === undefined) {
    const known = Array.isArray(config.contexts)
      ? (config.contexts as Named<unknown>[]).map((entry) => String(entry?.name)).join(', ')
      : '';
    throw fail(`has no context "${contextName}"${known ? ` (it has ${known})` : ''}.`);
  }
  const clusterName = text(context.cluster) ?? '';
  const cluster = find<Fields>(config.clusters, clusterName, 'cluster');
  if (cluster === undefined) throw fail(`has no cluster "${clusterName}" (named by context "${contextName}").`);
  const server = text(cluster.server);
  if (server === undefined || !/^https:\/\/[^\s/]+/.test(server)) {
    throw fail(`has cluster "${clusterName}" without an https:// server (got "${String(cluster.server ?? '')}").`);
  }
  const userName = text(context.user) ?? '';
  const user = find<Fields>(config.users, userName, 'user') ?? {};
  const base = dirname(options.path);
  const file = (value: unknown) => {
    const path = text(value);
    return path === undefined ? undefined : isAbsolute(path) ? path : resolve(base, path);
  };
  const unsupported =
    user.exec !== undefined ? 'exec' : user['auth-provider'] !== undefined ? 'auth-provider' : undefined;
  return {
    server: server.replace(/\/+$/, ''),
    namespace: text(context.namespace),
    ca: {
      data: decode(cluster['certificate-authority-data']),
      file: file(cluster['certificate-authority']),
      insecure: cluster['insecure-skip-tls-verify'] === true,
    },
    token: { data: text(user.token), file: file(user.tokenFile) },
    clientCertificate: { data: decode(user['client-certificate-data']), file: file(user['client-certificate']) },
    clientKey: { data: decode(user['client-key-data']), file: file(user['client-key']) },
    unsupported,
  };
}

async function readReferenced(
  part: { data?: string | undefined; file?: string | undefined },
  what: string,
  fail: (m: string) => Error,
) {
  if (part.data !== undefined) return part.data;
  if (part.file === undefined) return undefined;
  try {
    return await readFile(part.file, 'utf8');
  } catch (error) {
    throw fail(`names a ${what} file that cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
}

export interface ConnectionOptions {
  /** A kubeconfig path from the input, already resolved; else KUBECONFIG, else in-cluster. */
  kubeconfig?: string | undefined;
  /** How the path is shown to the user. */
  display?: string | undefined;
  context?: string | undefined;
  namespace?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** The folder holding the service account's token, ca.crt and namespace (tests point it elsewhere). */
  serviceAccountDir?: string;
}

/** The connection the inputs describe. Every mistake is a ConfigurationError naming the input. */
export async function resolveConnection(options: ConnectionOptions): Promise<Connection> {
  const env = options.env ?? process.env;
  const input = 'kubeconfig';
  const path = options.kubeconfig ?? text(env.KUBECONFIG)?.split(':')[0];
  if (path !== undefined) {
    const display = options.kubeconfig !== undefined ? (options.display ?? path) : `KUBECONFIG (${path})`;
    const fail = (problem: string) =>
      new ConfigurationError(`Input '${input}': ${display} ${problem}`, { input, file: display });
    let source: string;
    try {
      source = await readFile(path, 'utf8');
    } catch (error) {
      throw fail(`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
    }
    const selected = selectKubeconfig(source, { context: options.context, path, display, input });
    if (selected.unsupported !== undefined) {
      throw fail(
        `names a user that authenticates with ${selected.unsupported}, which this action does not run; give a token or a client certificate.`,
      );
    }
    if (selected.ca.insecure)
      throw fail('sets insecure-skip-tls-verify, which is refused; give the cluster CA (certificate-authority-data).');
    const token = (await readReferenced(selected.token, 'token', fail))?.trim();
    return {
      server: selected.server,
      ca: await readReferenced(selected.ca, 'certificate-authority', fail),
      token,
      clientCertificate: await readReferenced(selected.clientCertificate, 'client-certificate', fail),
      clientKey: await readReferenced(selected.clientKey, 'client-key', fail),
      namespace: options.namespace ?? selected.namespace ?? 'default',
      source: display,
    };
  }
  const host = text(env.KUBERNETES_SERVICE_HOST);
  const directory = options.serviceAccountDir ?? SERVICE_ACCOUNT;
  if (host === undefined) {
    throw new ConfigurationError(
      `Input '${input}' is required: no kubeconfig input, no KUBECONFIG and not inside a cluster (KUBERNETES_SERVICE_HOST unset).`,
      { input },
    );
  }
  const read = (name: string) =>
    readFile(`${directory}/${name}`, 'utf8').catch(() => {
      throw new ConfigurationError(
        `Input '${input}' is empty and the in-cluster service account's ${name} (${directory}) cannot be read.`,
        { input },
      );
    });
  const port = text(env.KUBERNETES_SERVICE_PORT) ?? '443';
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca: await read('ca.crt'),
    token: (await read('token')).trim(),
    namespace: options.namespace ?? (await read('namespace').catch(() => 'default')).trim(),
    source: 'the in-cluster service account',
  };
}

import { ConfigurationError } from '../../errors/index.js';

/** Where and how to reach a Spark Connect server, read from an `sc://` connection string. */
export interface SparkConnectTarget {
  host: string;
  port: number;
  /** `host:port` as gRPC wants it (an IPv6 host in brackets). */
  address: string;
  tls: boolean;
  /** Sent as `authorization: Bearer …`; never rendered anywhere. */
  token?: string;
  userId: string;
  userAgent: string;
  /** A UUID; a fresh one per connection when the string names none. */
  sessionId?: string;
  /** Every other parameter, sent as a gRPC header on each call (e.g. `x-databricks-cluster-id`). */
  headers: Record<string, string>;
}

export const DEFAULT_SPARK_CONNECT_PORT = 15002;
const DEFAULT_USER_ID = 'mlops-actions';
const DEFAULT_USER_AGENT = 'mlops-actions';
/** Channel tuning knobs of the Python client; accepted so a string that works there works here, not sent. */
const CHANNEL_ONLY_PARAMETERS = new Set([
  'grpc_keepalive_enabled',
  'grpc_keepalive_time_ms',
  'grpc_keepalive_timeout_ms',
  'grpc_keepalive_without_calls',
  'grpc_max_message_size',
]);
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEADER_NAME = /^[a-z0-9][a-z0-9_.-]*$/;
const EXAMPLE = 'sc://host:15002/;token=…;use_ssl=true';

function invalid(detail: string): ConfigurationError {
  return new ConfigurationError(`the Spark Connect connection string ${detail} (expected ${EXAMPLE})`, {
    input: 'connection',
  });
}

function splitHostPort(authority: string): { host: string; port: number } {
  if (authority.includes('@')) throw invalid('must not carry credentials before the host: pass token=… instead');
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::(\d*))?$/.exec(authority);
  const plain = /^([A-Za-z0-9.-]+)(?::(\d*))?$/.exec(authority);
  const match = bracketed ?? plain;
  if (match === null || match[1] === undefined || match[1] === '') {
    throw invalid('has no valid host name after sc://');
  }
  const portText = match[2];
  if (portText === undefined || portText === '') return { host: match[1], port: DEFAULT_SPARK_CONNECT_PORT };
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw invalid(`names port ${portText}, which is not a port number (1-65535)`);
  }
  return { host: match[1], port };
}

function decodeValue(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalid(`has a badly percent-encoded value for ${name}`);
  }
}

/**
 * Reads `sc://host:port/;param=value;…` as Spark Connect's client connection string spec and the Python client
 * define it: port 15002 by default; `token` is a bearer token and turns TLS on, except towards a loopback host
 * without `use_ssl=true` (Spark's local pre-shared token); `use_ssl`, `user_id`, `user_agent`, `session_id` (a
 * UUID); anything else becomes a header. Messages never quote a parameter's value.
 */
export function parseSparkConnectString(text: string): SparkConnectTarget {
  const trimmed = text.trim();
  if (!trimmed.startsWith('sc://')) throw invalid('must start with sc://');
  const rest = trimmed.slice('sc://'.length);
  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash);
  if (authority.includes(';')) throw invalid('needs a / between host:port and the parameters');
  const { host, port } = splitHostPort(authority);
  if (path !== '' && path !== '/' && !path.startsWith('/;')) {
    throw invalid('must not have a path after host:port: parameters follow as /;name=value');
  }

  const parameters = new Map<string, string>();
  for (const part of path.slice(1).split(';')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    if (equals <= 0) throw invalid('has a parameter without name=value');
    const name = part.slice(0, equals);
    if (parameters.has(name)) throw invalid(`names ${name} twice`);
    parameters.set(name, decodeValue(name, part.slice(equals + 1)));
  }

  const useSsl = parameters.get('use_ssl');
  if (useSsl !== undefined && useSsl !== 'true' && useSsl !== 'false') {
    throw invalid('has use_ssl that is neither true nor false');
  }
  const sessionId = parameters.get('session_id');
  if (sessionId !== undefined && !UUID.test(sessionId)) throw invalid('has a session_id that is not a UUID');
  const token = parameters.get('token');
  if (token === '') throw invalid('has an empty token');

  const headers: Record<string, string> = {};
  const known = new Set(['token', 'use_ssl', 'user_id', 'user_agent', 'session_id']);
  for (const [name, value] of parameters) {
    if (known.has(name) || CHANNEL_ONLY_PARAMETERS.has(name)) continue;
    const header = name.toLowerCase();
    if (!HEADER_NAME.test(header) || header.startsWith('grpc-') || header === 'authorization') {
      throw invalid(`has parameter ${JSON.stringify(name)}, which cannot be sent as a gRPC header`);
    }
    headers[header] = value;
  }

  const loopbackPlaintext = useSsl !== 'true' && LOOPBACK_HOSTS.has(host.toLowerCase());
  const tls = useSsl === 'true' || (token !== undefined && !loopbackPlaintext);
  return {
    host,
    port,
    address: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`,
    tls,
    ...(token !== undefined ? { token } : {}),
    userId: parameters.get('user_id') || DEFAULT_USER_ID,
    userAgent: parameters.get('user_agent') || DEFAULT_USER_AGENT,
    ...(sessionId !== undefined ? { sessionId: sessionId.toLowerCase() } : {}),
    headers,
  };
}

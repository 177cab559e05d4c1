import { ConfigurationError } from '../errors/index.js';
import type { RemoteEngineName, SqlConnection } from './connection.js';
import { openPostgres } from './postgres.js';
import { SparkConnectConnection } from './spark-connect/index.js';

/** The URL schemes each engine's `connection` takes. */
export const CONNECTION_SCHEMES: Record<RemoteEngineName, readonly string[]> = {
  postgres: ['postgres:', 'postgresql:'],
  spark: ['sc:'],
};

/**
 * Checks a `connection` for `engine` without ever quoting it (it holds credentials): its scheme must be the
 * engine's, e.g. postgres://user:password@host:5432/db or sc://host:15002/;token=….
 */
export function checkConnection(engine: RemoteEngineName, connection: string): void {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(connection)?.[0]?.toLowerCase();
  if (!scheme || !CONNECTION_SCHEMES[engine].includes(scheme)) {
    const example = engine === 'postgres' ? 'postgres://user:password@host:5432/database' : 'sc://host:15002/;token=…';
    throw new ConfigurationError(
      `Input 'connection' must be a ${CONNECTION_SCHEMES[engine].map((known) => `${known}//`).join(' or ')} URL for engine '${engine}', such as ${example}${scheme ? `; it starts with ${scheme}//` : ''}.`,
      { input: 'connection' },
    );
  }
}

/** The secrets inside a connection string, to mask before anything is logged: the whole string and its password. */
export function connectionSecrets(connection: string): string[] {
  if (connection === '') return [];
  const secrets = [connection];
  try {
    const password = new URL(connection).password;
    if (password) secrets.push(password, decodeURIComponent(password));
  } catch {
    // Not a URL the WHATWG parser reads: the whole string is masked.
  }
  const token = /;token=([^;]+)/.exec(connection)?.[1];
  if (token) {
    secrets.push(token);
    try {
      secrets.push(decodeURIComponent(token));
    } catch {
      // Not percent-encoded validly: the raw form is masked, and the parser refuses the string.
    }
  }
  return [...new Set(secrets)];
}

/** Connects to a remote engine. */
export async function openRemoteEngine(engine: RemoteEngineName, connection: string): Promise<SqlConnection> {
  checkConnection(engine, connection);
  switch (engine) {
    case 'postgres':
      return openPostgres(connection);
    case 'spark':
      // Nothing is sent until the first query: an unreachable server or a refused token surfaces there.
      return SparkConnectConnection.fromConnectionString(connection);
  }
}

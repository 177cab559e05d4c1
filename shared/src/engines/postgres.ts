import type { Socket } from 'node:net';
import pg from 'pg';
import type { ColumnKindOfEngine, QueryResult, ResultColumn, SqlConnection } from './connection.js';
import { EngineError } from './connection.js';

/** PostgreSQL's built-in type OIDs (pg_type.dat) that checks, profiles and drift tell apart. */
const TYPES: Record<number, { name: string; kind: ColumnKindOfEngine }> = {
  16: { name: 'boolean', kind: 'boolean' },
  17: { name: 'bytea', kind: 'other' },
  114: { name: 'json', kind: 'other' },
  18: { name: 'char', kind: 'string' },
  19: { name: 'name', kind: 'string' },
  20: { name: 'bigint', kind: 'integer' },
  21: { name: 'smallint', kind: 'integer' },
  23: { name: 'integer', kind: 'integer' },
  25: { name: 'text', kind: 'string' },
  700: { name: 'real', kind: 'float' },
  701: { name: 'double precision', kind: 'float' },
  1042: { name: 'character', kind: 'string' },
  1043: { name: 'character varying', kind: 'string' },
  1082: { name: 'date', kind: 'date' },
  1114: { name: 'timestamp without time zone', kind: 'timestamp' },
  1184: { name: 'timestamp with time zone', kind: 'timestamp' },
  1700: { name: 'numeric', kind: 'decimal' },
  2950: { name: 'uuid', kind: 'other' },
  3802: { name: 'jsonb', kind: 'other' },
};

const INT8 = 20;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;

/** Text as PostgreSQL prints it, with the conversions QueryResult promises (timestamps in UTC: the session's zone). */
function parserFor(oid: number): ((text: string) => unknown) | undefined {
  if (oid === INT8) {
    return (text) => {
      const value = BigInt(text);
      return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(-Number.MAX_SAFE_INTEGER)
        ? Number(value)
        : value;
    };
  }
  if (oid === TIMESTAMP || oid === TIMESTAMPTZ) return (text) => `${text.replace(' ', 'T').replace(/\+00$/, '')}Z`;
  // Dates stay `YYYY-MM-DD` (pg would make a local-time Date); numeric stays its exact decimal text.
  if (oid === 1082 || oid === 1700) return (text) => text;
  return undefined;
}

const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    return (parserFor(oid) ?? pg.types.getTypeParser(oid, format ?? 'text')) as (text: string) => unknown;
  },
};

/** The connection string without its password, for messages. */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.username ? `${decodeURIComponent(parsed.username)}@` : ''}${parsed.host}${parsed.pathname}`;
  } catch {
    return 'the postgres:// connection';
  }
}

interface PgError extends Error {
  code?: string;
}

/** A PostgreSQL error as the user's mistake it usually is: SQLSTATE classes, not message text. */
function describePostgresError(error: unknown, where: string): Error {
  const pgError = error as PgError;
  const detail = (pgError?.message ?? String(error)).split('\n')[0] ?? '';
  const code = pgError?.code ?? '';
  // A session the server ended (SQLSTATE 57P: shutdown, terminated) or lost (08: connection exceptions) is an
  // engine gone; pg reports a connection lost mid-query without a code, as "Connection terminated unexpectedly".
  if (
    /^(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|ECONNRESET|EAI_AGAIN|EPIPE|57P0\d|08\w{3})$/.test(code) ||
    /timeout|Connection terminated/i.test(detail)
  )
    return new EngineError('unreachable', `The postgres engine at ${where} cannot be reached (${detail}).`, detail);
  if (code === '28P01' || code === '28000')
    return new EngineError(
      'authentication',
      `The postgres engine at ${where} refused the credentials: ${detail}.`,
      detail,
    );
  if (code === '3D000')
    return new EngineError(
      'authentication',
      `The postgres engine at ${where} has no such database: ${detail}.`,
      detail,
    );
  if (code === '42P01' || code === '3F000') return new EngineError('missing-table', detail, detail);
  if (code === '42703') return new EngineError('missing-column', detail, detail);
  if (code === '42883') return new EngineError('missing-function', detail, detail);
  if (error instanceof Error && code === '') return error;
  return new EngineError('query', detail, detail);
}

export interface PostgresOptions {
  /** Milliseconds to wait for the connection. */
  connectTimeoutMs?: number;
}

/** Connects to PostgreSQL (`postgres://user:password@host:port/database?sslmode=…`). */
export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<SqlConnection> {
  const where = describePostgresUrl(url);
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 15_000,
    application_name: 'mlops-actions validate-data',
    // Timestamps with a zone print in UTC; ISO dates for any date text the engine writes.
    options: '-c TimeZone=UTC -c DateStyle=ISO',
  });
  // A broken connection after connect surfaces in the running query; this keeps it from being an unhandled event.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw describePostgresError(error, where);
  }
  const socket = (client as unknown as { connection: { stream: Socket } }).connection.stream;
  return {
    engine: 'postgres',
    async query(sql: string): Promise<QueryResult> {
      const before = socket.bytesRead;
      let result: pg.QueryResult;
      try {
        result = await client.query({ text: sql, types: typeParsers });
      } catch (error) {
        throw describePostgresError(error, where);
      }
      const columns: ResultColumn[] = (result.fields ?? []).map((field) => {
        const type = TYPES[field.dataTypeID];
        return {
          name: field.name,
          kind: type?.kind ?? 'other',
          engineType: type?.name ?? `oid ${field.dataTypeID}`,
        };
      });
      return { columns, rows: result.rows as Record<string, unknown>[], bytesReceived: socket.bytesRead - before };
    },
    async close() {
      await client.end().catch(() => {});
    },
  };
}

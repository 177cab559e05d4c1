import { ConfigurationError } from '../errors/index.js';

/**
 * A SQL engine where the data lives (Spark through Spark Connect, PostgreSQL): validate-data sends it aggregate
 * queries and bounded samples, so only aggregates cross the network. DuckDB, embedded on the runner, is not one of
 * these: it reads the files itself (shared/src/data).
 */
export type RemoteEngineName = 'spark' | 'postgres';

/** A column's type reduced to what checks, profiles and drift need; `engineType` keeps the engine's own name. */
export type ColumnKindOfEngine =
  | 'integer'
  | 'float'
  | 'decimal'
  | 'string'
  | 'boolean'
  | 'date'
  | 'timestamp'
  | 'other';

export interface ResultColumn {
  name: string;
  kind: ColumnKindOfEngine;
  /** The engine's own type name, e.g. `bigint`, `double precision`, `DecimalType(10,2)`. */
  engineType: string;
}

/**
 * One query's result. Values: null for SQL NULL; integers as number when |x| ≤ 2^53 − 1, else bigint; floats as
 * number (NaN and ±Infinity kept); decimals as their exact decimal string; booleans as boolean; dates as
 * `YYYY-MM-DD`; timestamps as ISO 8601 strings in UTC; strings as string; anything else as its text form.
 */
export interface QueryResult {
  columns: ResultColumn[];
  rows: Record<string, unknown>[];
  /** Bytes received from the engine for this result (wire bytes as read from the socket or the result batches). */
  bytesReceived: number;
}

export interface SqlConnection {
  readonly engine: RemoteEngineName;
  /** Runs one statement. Errors are `ConfigurationError`s worded for the user when the cause is theirs. */
  query(sql: string): Promise<QueryResult>;
  close(): Promise<void>;
}

/** What went wrong talking to an engine, so callers can say which input is at fault. */
export type EngineErrorKind =
  | 'unreachable'
  | 'authentication'
  | 'missing-table'
  | 'missing-column'
  | 'missing-function'
  | 'query';

/**
 * An engine's refusal worded for the user (the connection string's password never in it). `detail` is the
 * engine's own first line. The caller names the input: `connection` for the first two kinds, else `data`,
 * `reference` or `suite`.
 */
export class EngineError extends ConfigurationError {
  constructor(
    readonly kind: EngineErrorKind,
    message: string,
    readonly detail: string,
  ) {
    super(message, { input: kind === 'unreachable' || kind === 'authentication' ? 'connection' : 'data' });
    this.name = 'EngineError';
  }
}

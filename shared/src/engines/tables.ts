import type { ColumnInfo, Row } from '../data/engine.js';
import { ConfigurationError } from '../errors/index.js';
import { EngineError, type QueryResult, type ResultColumn, type SqlConnection } from './connection.js';
import type { SqlDialect } from './dialect.js';
import type { RemoteSource } from './source.js';

/** DuckDB's name for each kind of engine column: checks, profiles and drift tell columns apart by these names. */
const DUCKDB_TYPE: Record<Exclude<ResultColumn['kind'], 'other'>, string> = {
  integer: 'BIGINT',
  float: 'DOUBLE',
  decimal: 'DOUBLE',
  string: 'VARCHAR',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
};

/** A remote column as validate-data's column list holds it (an unsupported type keeps the engine's name). */
export function columnInfo(column: ResultColumn): ColumnInfo {
  return { name: column.name, type: column.kind === 'other' ? column.engineType : DUCKDB_TYPE[column.kind] };
}

/** One finished query: what a slow validation's debug log shows, to tell which statement the time went to. */
export interface QueryTiming {
  sql: string;
  seconds: number;
  bytesReceived: number;
  rows: number;
}

/** One validation's queries on a remote engine: counts what came back, and says which input an error is about. */
export class RemoteSession {
  bytesReceived = 0;
  queries = 0;

  constructor(
    readonly connection: SqlConnection,
    readonly dialect: SqlDialect,
    private readonly onQuery?: (timing: QueryTiming) => void,
  ) {}

  async rows(sql: string, input: string, source: RemoteSource): Promise<Row[]> {
    return (await this.run(sql, input, source)).rows;
  }

  async columns(source: RemoteSource, input: string): Promise<ColumnInfo[]> {
    return (await this.run(`SELECT * FROM ${source.from} LIMIT 0`, input, source)).columns.map(columnInfo);
  }

  private async run(sql: string, input: string, source: RemoteSource): Promise<QueryResult> {
    const started = performance.now();
    try {
      const result = await this.connection.query(sql);
      this.bytesReceived += result.bytesReceived;
      this.queries += 1;
      this.onQuery?.({
        sql,
        seconds: (performance.now() - started) / 1000,
        bytesReceived: result.bytesReceived,
        rows: result.rows.length,
      });
      return result;
    } catch (error) {
      throw this.describe(error, input, source);
    }
  }

  private describe(error: unknown, input: string, source: RemoteSource): unknown {
    if (!(error instanceof EngineError)) return error;
    const engine = this.connection.engine;
    switch (error.kind) {
      case 'unreachable':
      case 'authentication':
        return error;
      case 'missing-table':
        return new ConfigurationError(
          `Input '${input}': ${source.display} is not a table the ${engine} engine can read (${error.detail}).`,
          { input },
        );
      case 'missing-column':
        return new ConfigurationError(
          `Input '${input}': ${source.display} lacks a column validate-data reads (${error.detail}).`,
          { input },
        );
      case 'missing-function':
        return new ConfigurationError(
          `Input '${input}': the ${engine} engine lacks a SQL function validate-data needs to check ${source.display} (${error.detail}).`,
          { input },
        );
      default:
        return new ConfigurationError(
          `Input '${input}': the ${engine} engine could not check ${source.display}: ${error.detail}.`,
          { input },
        );
    }
  }
}

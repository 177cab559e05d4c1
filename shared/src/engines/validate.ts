import type { ColumnType, DataProfile, DriftResult, Suite } from '../validation/index.js';
import {
  asNumber,
  type CheckOutcome,
  DEFAULT_DRIFT,
  datasetDriftCheck,
  duplicateCountQuery,
  judgeChecks,
  plain,
  planSuite,
  SAMPLE_ROWS,
  shownValue,
  uniquenessOutcome,
  type ValidationRun,
} from '../validation/index.js';
import type { RemoteEngineName, SqlConnection } from './connection.js';
import type { SqlDialect } from './dialect.js';
import { computeRemoteDrift, type RemoteReference, type RemoteTable } from './drift.js';
import { finishRemoteProfile, planRemoteProfile } from './profile.js';
import type { RemoteSource } from './source.js';
import { type QueryTiming, RemoteSession } from './tables.js';

/** Tables up to this many rows have their numeric columns fetched sorted: 100,000 doubles are about 2 MB of text. */
export const DEFAULT_EXACT_ROWS = 100_000;
/** Cells of the shared grid beyond that: a KS bound of at most a cell's share of either side. */
export const DEFAULT_GRID_CELLS = 2_000;

export interface RemoteValidationOptions {
  exactRows?: number;
  gridCells?: number;
  /** Called after each query with its wall time and what came back (a debug log's per-statement timing). */
  onQuery?: (timing: QueryTiming) => void;
}

/** Which engine ran the checks, and what crossed the network. */
export interface EngineUsage {
  engine: RemoteEngineName;
  queries: number;
  bytesReceived: number;
}

export interface RemoteValidationRun extends ValidationRun {
  engine: EngineUsage;
}

export type RemoteReferenceInput = { source: RemoteSource } | { profile: DataProfile };

/** The suite's failing rows and duplicated keys, from the engine: a bounded sample, never the table. */
async function judgeRemoteSuite(
  session: RemoteSession,
  table: RemoteTable,
  plan: ReturnType<typeof planSuite>,
  values: Record<string, unknown>,
): Promise<CheckOutcome[]> {
  const { dialect } = session;
  // A stored table's rows have an identifier (Postgres ctid); a view named like a table has none: asked once.
  let rowId: string | undefined;
  let asked = false;
  const rowIdentifier = async () => {
    if (!asked && table.source.table && dialect.rowIdentifier) {
      asked = true;
      const probe = `SELECT ${dialect.rowIdentifier} FROM ${table.source.from} LIMIT 0`;
      rowId = await session.rows(probe, table.input, table.source).then(
        () => dialect.rowIdentifier,
        () => undefined,
      );
    }
    return rowId;
  };
  const outcomes = await judgeChecks(plan, values, async (predicate, column, info) => {
    const rowId = await rowIdentifier();
    const rows = await session.rows(
      `SELECT ${rowId ? `${dialect.asText(rowId)} AS row_id, ` : ''}${shownValue(column, info, dialect)} AS shown FROM ${table.source.from} WHERE ${predicate}${rowId ? ` ORDER BY ${rowId}` : ''} LIMIT ${SAMPLE_ROWS}`,
      table.input,
      table.source,
    );
    return rows.map((row) => ({ ...(rowId ? { row: String(row.row_id) } : {}), value: plain(row.shown) }));
  });
  for (const unique of plan.suite.unique) {
    if (!unique.columns.every((name) => table.columns.some((column) => column.name === name))) continue;
    const key = unique.columns.map((name) => dialect.identifier(name)).join(', ');
    const [summary] = await session.rows(duplicateCountQuery(key, table.source.from), table.input, table.source);
    const counted = { duplicatedKeys: asNumber(summary?.keys) ?? 0, duplicatedRows: asNumber(summary?.rows) ?? 0 };
    let duplicates: { key: unknown[]; at: string }[] = [];
    if (counted.duplicatedKeys > 0) {
      const shown = unique.columns.map(
        (name, index) =>
          `${shownValue(
            name,
            table.columns.find((column) => column.name === name),
            dialect,
          )} AS k${index}`,
      );
      const rows = await session.rows(
        `SELECT ${shown.join(', ')}, count(*) AS n FROM ${table.source.from} GROUP BY ${key} HAVING count(*) > 1 ORDER BY count(*) DESC LIMIT ${SAMPLE_ROWS}`,
        table.input,
        table.source,
      );
      duplicates = rows.map((row) => ({
        key: unique.columns.map((_, index) => row[`k${index}`]),
        at: `${asNumber(row.n)} rows`,
      }));
    }
    outcomes.push(uniquenessOutcome(unique, counted, duplicates));
  }
  return outcomes;
}

/**
 * validate-data on a remote engine: the suite's checks and the profile's aggregates in one query over the table
 * (and one more for the aggregates the dialect runs apart),
 * bounded samples of failing rows, and drift from counts (computeRemoteDrift). Returns what DuckDB's run returns,
 * plus what the engine sent back.
 */
export async function validateRemote(
  connection: SqlConnection,
  dialect: SqlDialect,
  data: RemoteSource,
  suite: Suite | undefined,
  reference: RemoteReferenceInput | undefined,
  options: RemoteValidationOptions = {},
): Promise<RemoteValidationRun> {
  const session = new RemoteSession(connection, dialect, options.onQuery);
  const exactRows = options.exactRows ?? DEFAULT_EXACT_ROWS;
  const columns = await session.columns(data, 'data');
  const declared = new Map<string, ColumnType>(
    (suite?.columns ?? []).filter((column) => column.type).map((column) => [column.name, column.type!]),
  );
  const suitePlan = suite ? planSuite(suite, columns, dialect) : undefined;
  const profilePlan = planRemoteProfile(session, columns, declared);
  const reads = [...(suitePlan?.reads ?? []), ...profilePlan.reads];
  const apart = reads.filter((read) => dialect.runsApart(read));
  const [values = {}] = await session.rows(
    `SELECT ${reads.filter((read) => !dialect.runsApart(read)).join(',\n  ')} FROM ${data.from}`,
    'data',
    data,
  );
  if (apart.length > 0) {
    const [more = {}] = await session.rows(`SELECT ${apart.join(',\n  ')} FROM ${data.from}`, 'data', data);
    Object.assign(values, more);
  }
  const rows = Number(values.p_rows ?? 0);
  const current: RemoteTable = { source: data, input: 'data', columns, rows };
  const checks = suitePlan ? await judgeRemoteSuite(session, current, suitePlan, values) : [];
  const profile = await finishRemoteProfile(session, data, 'data', profilePlan, values, exactRows);

  let drift: DriftResult | undefined;
  if (reference) {
    const settings = suite?.drift ?? DEFAULT_DRIFT;
    let against: RemoteReference;
    if ('source' in reference) {
      const referenceColumns = await session.columns(reference.source, 'reference');
      const [{ n = 0 } = {}] = await session.rows(
        `SELECT count(*) AS n FROM ${reference.source.from}`,
        'reference',
        reference.source,
      );
      against = {
        kind: 'table',
        table: { source: reference.source, input: 'reference', columns: referenceColumns, rows: Number(n) },
      };
    } else against = { kind: 'profile', profile: reference.profile };
    drift = await computeRemoteDrift(session, suite, settings, current, profile, against, {
      exactRows,
      gridCells: options.gridCells ?? DEFAULT_GRID_CELLS,
    });
    checks.push(datasetDriftCheck(drift));
  }
  return {
    rows,
    checks,
    ...(drift ? { drift } : {}),
    profile,
    engine: { engine: connection.engine, queries: session.queries, bytesReceived: session.bytesReceived },
  };
}

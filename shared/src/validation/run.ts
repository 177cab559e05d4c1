import { readFile } from 'node:fs/promises';
import {
  type ColumnInfo,
  type DataEngine,
  describeReadError,
  PARQUET_ROW_COLUMNS,
  quoteIdentifier,
  quoteLiteral,
  tableSource,
} from '../data/engine.js';
import type { DataFile } from '../data/files.js';
import { ConfigurationError } from '../errors/index.js';
import { numericValues } from './columns.js';
import {
  computeDrift,
  currentColumnsReadFromTable,
  type DriftResult,
  driftColumnsToRead,
  type Reference,
} from './drift.js';
import { type CheckOutcome, judgeSuite, planSuite, ROW_NUMBER } from './evaluate.js';
import { inferredSuiteText } from './infer.js';
import { type DataProfile, finishProfile, isDataProfile, planProfile, profileTable } from './profile.js';
import { type ColumnType, checkSuiteExpressions, type DriftSettings, type Suite } from './suite.js';

export type ReferenceInput = { files: DataFile[] } | { profilePath: string; display: string };

export interface ValidationRun {
  rows: number;
  checks: CheckOutcome[];
  drift?: DriftResult;
  profile: DataProfile;
}

export const DEFAULT_DRIFT: DriftSettings = {
  columns: 'all',
  method: 'auto',
  threshold: null,
  share: 0.5,
  severity: 'warning',
};

function refuseEmptyFiles(files: readonly DataFile[], input: string): void {
  const empty = files.find((file) => file.bytes === 0);
  if (empty)
    throw new ConfigurationError(`Input '${input}': ${empty.display} is empty (0 bytes).`, {
      input,
      file: empty.display,
    });
}

/** The columns of files without reading them whole (DuckDB sniffs a sample). */
async function describeFiles(engine: DataEngine, files: readonly DataFile[], input: string): Promise<ColumnInfo[]> {
  refuseEmptyFiles(files, input);
  try {
    return await engine.columns(tableSource(files));
  } catch (error) {
    throw await describeReadError(error, files, input);
  }
}

/**
 * Makes the files queryable as `name`, and as `<name>_rows` with ROW_NUMBER added; only `only` columns when given.
 * Text formats (CSV, JSON) are loaded into a temp table, so later queries read columns from memory rather than
 * parse the files again. Parquet stays a view over the files: it is columnar and compressed already, so each query
 * decodes only the columns it reads, and nothing is copied into memory.
 *
 * Says which of the two it made. `rowNumbers: false` is for tables no row is ever shown from (the drift
 * reference): a text load may then keep rows in whatever order DuckDB's threads finish them, about a fifth faster
 * than keeping the file's order.
 */
async function loadTable(
  engine: DataEngine,
  name: string,
  files: readonly DataFile[],
  input: string,
  options: { only?: readonly string[]; rowNumbers?: boolean } = {},
): Promise<'view' | 'table'> {
  const { only, rowNumbers = true } = options;
  refuseEmptyFiles(files, input);
  const projection = only ? only.map(quoteIdentifier).join(', ') || 'NULL AS nothing' : '*';
  // DuckDB cannot number the rows of a Parquet file that has a column of the name it would add: load those.
  if (
    files[0]?.format === 'parquet' &&
    !(await describeFiles(engine, files, input)).some((column) =>
      (PARQUET_ROW_COLUMNS as readonly string[]).includes(column.name),
    )
  ) {
    try {
      await engine.rows(`CREATE OR REPLACE TEMP VIEW ${name} AS SELECT ${projection} FROM ${tableSource(files)}`);
      if (!rowNumbers) return 'view';
      // Row numbers run on across the files, in the order they are read (as a loaded table's rowid does).
      let offset = 0;
      const offsets: string[] = [];
      for (const file of files) {
        offsets.push(`WHEN ${quoteLiteral(file.path)} THEN ${offset}`);
        const [{ rows = 0 } = {}] = await engine.rows(
          `SELECT count(*) AS rows FROM read_parquet(${quoteLiteral(file.path)})`,
        );
        offset += Number(rows);
      }
      const numbered = tableSource(files, { rowNumbers: true });
      const [file, row] = PARQUET_ROW_COLUMNS;
      await engine.rows(
        `CREATE OR REPLACE TEMP VIEW ${name}_rows AS SELECT ${projection}, ${row} + 1 + CASE ${file} ${offsets.join(' ')} END AS ${ROW_NUMBER} FROM ${numbered}`,
      );
    } catch (error) {
      throw await describeReadError(error, files, input);
    }
    return 'view';
  }
  const load = (sampleAll: boolean) =>
    engine.rows(
      `CREATE OR REPLACE TEMP TABLE ${name} AS SELECT ${projection} FROM ${tableSource(files, { sampleAll })}`,
    );
  if (!rowNumbers) await engine.rows('SET preserve_insertion_order = false');
  try {
    await load(false);
  } catch (error) {
    // A value past the type-inference sample that does not fit the inferred type ("n/a" in a number column):
    // read again with types from the whole file, so the suite's type check reports it with its row.
    if (!/Could not convert|Conversion Error/i.test(String((error as Error).message)))
      throw await describeReadError(error, files, input);
    try {
      await load(true);
    } catch (again) {
      throw await describeReadError(again, files, input);
    }
  } finally {
    if (!rowNumbers) await engine.rows('RESET preserve_insertion_order');
  }
  if (rowNumbers)
    await engine.rows(`CREATE OR REPLACE TEMP VIEW ${name}_rows AS SELECT *, rowid + 1 AS ${ROW_NUMBER} FROM ${name}`);
  return 'table';
}

/**
 * Drops the columns of a loaded table that nothing reads from it any more (free text and dates after the checks
 * and the profile, and numeric columns whose sorted values are kept), before drift loads the reference, so their
 * memory goes to the reference. Kept values of columns still `read` stay. DuckDB drops a column of an in-memory
 * table without copying the others. (A view over Parquet holds nothing: callers leave it alone.)
 */
async function keepOnly(
  engine: DataEngine,
  table: string,
  columns: readonly ColumnInfo[],
  inTable: readonly string[],
  read: readonly string[],
): Promise<void> {
  // Failing rows were sampled already; the row-numbered view would not bind to the narrower table.
  await engine.rows(`DROP VIEW IF EXISTS ${table}_rows`);
  const unread = columns.filter((column) => !inTable.includes(column.name));
  // A table keeps at least one column.
  for (const column of unread.length === columns.length ? unread.slice(1) : unread) {
    if (!read.includes(column.name)) engine.release(numericValues(table, column.name));
    await engine.rows(`ALTER TABLE ${table} DROP COLUMN ${quoteIdentifier(column.name)}`);
  }
}

/**
 * Runs `work`; when `files` are Parquet (read lazily, through views) an engine error on the way is described as a
 * problem of the files where it is one. Text formats were read whole when loaded, so their errors showed then.
 */
async function asReadError<T>(files: readonly DataFile[], input: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ConfigurationError || files[0]?.format !== 'parquet') throw error;
    throw await describeReadError(error, files, input);
  }
}

export async function readProfile(path: string, display: string): Promise<DataProfile> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ConfigurationError(
      `Input 'reference': ${display} is not a readable profile JSON (${(error as Error).message}).`,
      {
        input: 'reference',
      },
    );
  }
  if (!isDataProfile(value)) {
    throw new ConfigurationError(
      `Input 'reference': ${display} is JSON but not a data profile written by validate-data.`,
      {
        input: 'reference',
      },
    );
  }
  return value;
}

/** The dataset-level drift check: fails when the share of drifted columns reaches the suite's share. */
export function datasetDriftCheck(drift: DriftResult): CheckOutcome {
  const { settings } = drift;
  const drifted = drift.columns.filter((column) => column.drifted).map((column) => column.column);
  return {
    id: 'drift.dataset',
    title: `dataset drift: share of drifted columns < ${settings.share}`,
    status: drift.datasetDrift ? 'failed' : 'passed',
    severity: settings.severity,
    observed: { drifted: drifted.length, checked: drift.columns.length, share: Number(drift.share.toFixed(4)) },
    expected: { share: `< ${settings.share}` },
    ...(drifted.length ? { details: `drifted: ${drifted.join(', ')}` } : {}),
  };
}

/** The data checked by the suite, profiled, and compared with the reference for drift. */
export async function validateDataset(
  engine: DataEngine,
  files: readonly DataFile[],
  suite: Suite | undefined,
  reference: ReferenceInput | undefined,
): Promise<ValidationRun> {
  if (suite) await checkSuiteExpressions(engine, suite);
  const storage = await loadTable(engine, 'current', files, 'data');
  const columns = await engine.columns('current');
  const [{ rows = 0 } = {}] = await engine.rows('SELECT count(*) AS rows FROM current');
  const declared = new Map<string, ColumnType>(
    (suite?.columns ?? []).filter((column) => column.type).map((column) => [column.name, column.type!]),
  );
  // The suite's aggregates and the profile's in one scan of the table.
  const suitePlan = suite ? planSuite(suite, columns) : undefined;
  const profilePlan = planProfile('current', columns, declared);
  // The first query that decodes every value: a damaged Parquet page shows here, and is the file's fault.
  const [values = {}] = await asReadError(files, 'data', () =>
    engine.rows(`SELECT ${[...(suitePlan?.reads ?? []), ...profilePlan.reads].join(',\n  ')} FROM current`),
  );
  const checks = suitePlan ? await judgeSuite(engine, suitePlan, values) : [];
  const profile = await finishProfile(engine, profilePlan, values);
  // An integer key the profile does not treat as numeric was sorted for its uniqueness alone: let it go.
  for (const column of profile.columns)
    if (column.kind !== 'numeric') engine.release(numericValues('current', column.name));

  let drift: DriftResult | undefined;
  if (reference) {
    let source: Reference;
    const settings = suite?.drift ?? DEFAULT_DRIFT;
    // pandas reads a date in CSV or JSON as text, and Evidently types it as text would be (column-types.ts).
    const fromText = files[0]?.format !== 'parquet';
    if ('files' in reference) {
      const referenceColumns = await describeFiles(engine, reference.files, 'reference');
      const needed = await driftColumnsToRead(
        engine,
        suite,
        settings,
        columns,
        referenceColumns.map((column) => column.name),
        profile,
        fromText,
      );
      if (storage === 'table') {
        const inTable = currentColumnsReadFromTable(engine, needed, settings, profile);
        await keepOnly(engine, 'current', columns, inTable, needed);
      }
      await loadTable(engine, 'reference', reference.files, 'reference', { only: needed, rowNumbers: false });
      const [{ rows: referenceRows = 0 } = {}] = await engine.rows('SELECT count(*) AS rows FROM reference');
      // All the reference's columns, for the report's list of what was not tested; the table holds the tested ones.
      source = { kind: 'table', columns: referenceColumns, rows: Number(referenceRows) };
    } else {
      source = { kind: 'profile', profile: await readProfile(reference.profilePath, reference.display) };
    }
    const emptySuite = suite ?? ({ unique: [], columns: [], document: undefined } as unknown as Suite);
    const computed = () => computeDrift(engine, emptySuite, settings, columns, source, profile, fromText);
    // Parquet references are read while drift is computed (views over the files).
    drift = await ('files' in reference ? asReadError(reference.files, 'reference', computed) : computed());
    checks.push(datasetDriftCheck(drift));
  }
  return { rows: Number(rows), checks, ...(drift ? { drift } : {}), profile };
}

/** A starting suite from what the data shows, meant to hold on the next sample of it (infer.ts). */
export async function inferSuite(engine: DataEngine, files: readonly DataFile[]): Promise<string> {
  await loadTable(engine, 'current', files, 'data');
  const profile = await profileTable(engine, 'current', await engine.columns('current'));
  return inferredSuiteText(engine, profile, files.map((file) => file.display).join(', '));
}

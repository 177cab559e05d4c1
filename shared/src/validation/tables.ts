// Data files made queryable by the engine: loaded into memory (text formats) or viewed in place (Parquet), with row
// numbers for the failing rows a check shows, and read errors described as problems of the files.
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
import { ROW_NUMBER } from './evaluate.js';

export function refuseEmptyFiles(files: readonly DataFile[], input: string): void {
  const empty = files.find((file) => file.bytes === 0);
  if (empty)
    throw new ConfigurationError(`Input '${input}': ${empty.display} is empty (0 bytes).`, {
      input,
      file: empty.display,
    });
}

/** The columns of files without reading them whole (DuckDB sniffs a sample). */
export async function describeFiles(
  engine: DataEngine,
  files: readonly DataFile[],
  input: string,
): Promise<ColumnInfo[]> {
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
export async function loadTable(
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
export async function keepOnly(
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
export async function asReadError<T>(files: readonly DataFile[], input: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ConfigurationError || files[0]?.format !== 'parquet') throw error;
    throw await describeReadError(error, files, input);
  }
}

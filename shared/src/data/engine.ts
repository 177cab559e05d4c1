import { createReadStream, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { ConfigurationError } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import { nonDecreasing, sortDoubles } from '../statistics/numeric.js';
import { loadDuckDB } from './duckdb.js';
import type { DataFile } from './files.js';

/** SQL identifiers and literals built from user text (column names, paths) are always quoted. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * The table function that reads the files as one table; several files unite by column name. CSV is comma-separated
 * with a header (TSV tab-separated), and the sniffer may not skip leading rows to make a ragged file look regular.
 */
/** The columns `tableSource(…, { rowNumbers: true })` adds to Parquet rows: the file, the 0-based row in it. */
export const PARQUET_ROW_COLUMNS = ['__mlops_file', 'file_row_number'] as const;

export function tableSource(
  files: readonly DataFile[],
  options: { sampleAll?: boolean; rowNumbers?: boolean } = {},
): string {
  // DuckDB infers types from the first 20,480 rows by default; sampling the whole file is exact but reads it twice.
  const sample = options.sampleAll ? -1 : 20_480;
  const list = `[${files.map((file) => quoteLiteral(file.path)).join(', ')}]`;
  const format = files[0]?.format;
  switch (format) {
    case 'csv':
      // skip = 0: the sniffer may not drop leading rows to make a ragged file look consistent.
      return `read_csv(${list}, header = true, delim = ',', skip = 0, union_by_name = true, sample_size = ${sample})`;
    case 'tsv':
      return `read_csv(${list}, header = true, delim = '\\t', skip = 0, union_by_name = true, sample_size = ${sample})`;
    case 'parquet':
      // With rowNumbers: each row's file and its 0-based position in it (PARQUET_ROW_COLUMNS).
      return `read_parquet(${list}, union_by_name = true${options.rowNumbers ? `, filename = '${PARQUET_ROW_COLUMNS[0]}', file_row_number = true` : ''})`;
    case 'json':
      return `read_json(${list}, format = 'auto', union_by_name = true, sample_size = ${sample})`;
    case 'jsonl':
      return `read_json(${list}, format = 'newline_delimited', union_by_name = true, sample_size = ${sample})`;
    default:
      throw new Error(`no reader for format ${format}`);
  }
}

export interface ColumnInfo {
  name: string;
  /** DuckDB's type name, e.g. BIGINT, DOUBLE, VARCHAR, DATE, TIMESTAMP, BOOLEAN. */
  type: string;
}

export type Row = Record<string, unknown>;

export interface DataEngine {
  rows(sql: string): Promise<Row[]>;
  /** The non-null values of the first column of `sql` as doubles. */
  doubles(sql: string): Promise<Float64Array>;
  /**
   * Every column of `sql` as doubles, in the query's order: the caller makes them DOUBLE and free of nulls (a
   * null's slot holds no defined value). DuckDB's vectors are copied whole, no value is converted one by one.
   */
  doubleColumns(sql: string, width: number): Promise<Float64Array[]>;
  /**
   * The same, sorted ascending, and kept: checks, profiles and drift read the same numeric columns and each needs
   * them sorted. Tables change through CREATE, which clears what is kept, or lose columns (ALTER TABLE … DROP
   * COLUMN), whose kept values the caller releases. DuckDB sorts them, or, when values repeat a lot, counts each
   * distinct value: the counts are kept and expanded for each caller into the same values, without sorting or
   * moving every row. Which of the two is decided from the first rows; `fewDistinct` forces it. Values that come
   * ascending as scanned are not sorted again. Callers must not change the array.
   */
  sortedDoubles(sql: string, options?: { fewDistinct?: boolean }): Promise<Float64Array>;
  /**
   * The non-null values of the first column of `sql` as doubles, for statistics that take them in any order: the
   * kept sorted values when there are some, DuckDB's count of each value when they repeat a lot (sorted too),
   * else the column as scanned, without DuckDB's sort. Nothing is kept.
   */
  anyOrderDoubles(sql: string): Promise<{ values: Float64Array; sorted: boolean }>;
  /**
   * Reads several numeric expressions of one table in one scan, each kept sorted as `sortedDoubles(\`SELECT
   * ${expression} FROM ${table}\`)` keeps it (nulls left out). For small, wide tables: one query instead of a few
   * per column; JavaScript sorts the values.
   */
  keepSortedColumns(table: string, expressions: readonly string[]): Promise<void>;
  /** Whether `sortedDoubles(sql)` would answer from what is kept, without reading the table. */
  keeps(sql: string): boolean;
  /** Forgets a kept sorted column once nobody needs it, so its memory can go. */
  release(sql: string): void;
  columns(source: string): Promise<ColumnInfo[]>;
  close(): void;
}

export interface OpenEngineOptions {
  log: Logger;
  toolCache?: string;
  /** Which input the data came from, for error messages. */
  input?: string;
  /** Spill directory and memory cap: DuckDB streams larger-than-memory data through it. */
  memoryLimit?: string;
}

/** Counts a CSV line's fields, honouring double quotes (a quoted delimiter is not a separator). */
function countFields(line: string, delimiter: string, state: { quoted: boolean }): number {
  let fields = 1;
  for (const char of line) {
    if (char === '"') state.quoted = !state.quoted;
    else if (char === delimiter && !state.quoted) fields += 1;
  }
  return fields;
}

/**
 * The first line whose field count differs from the header's. DuckDB's dialect sniffer reports a ragged file
 * without a line number; this finds it so the error can point at the row.
 */
export async function findRaggedLine(
  file: DataFile,
): Promise<{ line: number; expected: number; found: number } | undefined> {
  if (file.format !== 'csv' && file.format !== 'tsv') return undefined;
  const delimiter = file.format === 'tsv' ? '\t' : ',';
  const raw = createReadStream(file.path);
  const lines = createInterface({
    input: file.path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw,
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let expected: number | undefined;
  let lineNumber = 0;
  let fields = 0;
  const state = { quoted: false };
  try {
    for await (const line of lines) {
      lineNumber += 1;
      // A quoted field may span lines: keep counting into the same record.
      fields += countFields(line, delimiter, state) - (fields > 0 ? 1 : 0);
      if (state.quoted) continue;
      if (expected === undefined) expected = fields;
      else if (line.length > 0 && fields !== expected) return { line: lineNumber, expected, found: fields };
      fields = 0;
    }
  } finally {
    lines.close();
    raw.destroy();
  }
  return undefined;
}

/**
 * Turns a DuckDB reading error into the user's mistake it usually is (a malformed row, bytes that are not
 * UTF-8, a file that is not Parquet), naming the file and line where DuckDB says them.
 */
export async function describeReadError(error: unknown, files: readonly DataFile[], input: string): Promise<Error> {
  for (const file of files) {
    if (raggedHint.has(file.path)) continue;
    const ragged = await findRaggedLine(file).catch(() => undefined);
    if (ragged) raggedHint.set(file.path, ragged);
  }
  return describeKnownReadError(error, files, input);
}

const raggedHint = new Map<string, { line: number; expected: number; found: number }>();

function describeKnownReadError(error: unknown, files: readonly DataFile[], input: string): Error {
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split('\n')[0] ?? message;
  const file =
    files.find((candidate) => message.includes(candidate.path)) ?? (files.length === 1 ? files[0] : undefined);
  const line = /(?:CSV Error on Line|Line):\s*(\d+)/i.exec(message)?.[1];
  const display = file?.display ?? files.map((candidate) => candidate.display).join(', ');
  const where = { input, ...(file ? { file: file.display } : {}), ...(line ? { line: Number(line) } : {}) };
  const ragged = raggedHint.get(file?.path ?? '');
  if (ragged) {
    return new ConfigurationError(
      `Input '${input}': ${display}:${ragged.line} has ${ragged.found} fields where the header has ${ragged.expected}.`,
      { ...where, line: ragged.line },
    );
  }
  if (/invalid unicode|not valid utf|byte sequence|invalid utf/i.test(message)) {
    return new ConfigurationError(
      `Input '${input}': ${display}${line ? `:${line}` : ''} is not valid UTF-8 text (${firstLine}).`,
      where,
    );
  }
  if (/decompression|corrupt|checksum|out of bounds|invalid .*page/i.test(message) && file?.format === 'parquet') {
    return new ConfigurationError(
      `Input '${input}': ${display} is a Parquet file whose data is damaged (${firstLine}).`,
      where,
    );
  }
  if (/magic bytes|not a parquet|parquet/i.test(message) && file?.format === 'parquet') {
    return new ConfigurationError(`Input '${input}': ${display} is not a Parquet file (${firstLine}).`, where);
  }
  if (/CSV Error|sniff|Could not convert|expected \d+ values|too many columns|column count/i.test(message)) {
    const detail = message
      .split('\n')
      .filter((text) => /Original Line|Expected Number of Columns|Found:|Error when/i.test(text))
      .slice(0, 2)
      .join('; ');
    return new ConfigurationError(
      `Input '${input}': ${display}${line ? `:${line}` : ''} could not be read as a table: ${firstLine}${detail ? ` (${detail.trim()})` : ''}.`,
      where,
    );
  }
  if (/JSON/i.test(message) && (file?.format === 'json' || file?.format === 'jsonl')) {
    return new ConfigurationError(`Input '${input}': ${display} is not valid JSON data (${firstLine}).`, where);
  }
  return error instanceof Error ? error : new Error(message);
}

type Connection = import('@duckdb/node-api').DuckDBConnection;

/**
 * The columns of `sql` (all DOUBLE, no nulls) as typed arrays, a chunk's vector at a time: DuckDB hands a DOUBLE
 * vector over as a Float64Array, so nothing is converted value by value. The result is materialized, so its row
 * count is known and each column is copied once, into an array of its final size.
 */
async function readDoubleColumns(connection: Connection, sql: string, width: number): Promise<Float64Array[]> {
  const result = await connection.run(sql);
  const columns = Array.from({ length: width }, () => new Float64Array(result.rowCount));
  let offset = 0;
  // The result is materialized: its chunks are read in place, without an awaited fetch per 2048 rows.
  for (let chunkIndex = 0; chunkIndex < result.chunkCount; chunkIndex += 1) {
    const chunk = result.getChunk(chunkIndex);
    if (chunk.rowCount === 0) continue;
    for (let column = 0; column < width; column += 1) {
      const vector = chunk.getColumnVector(column);
      const items = (vector as unknown as { items?: unknown }).items;
      const into = columns[column] as Float64Array;
      if (items instanceof Float64Array) into.set(items.subarray(0, chunk.rowCount), offset);
      else for (let index = 0; index < chunk.rowCount; index += 1) into[offset + index] = Number(vector.getItem(index));
    }
    offset += chunk.rowCount;
  }
  return columns;
}

/**
 * The non-null values of the first column of `sql` as doubles, in the query's order: the query runs as given, so
 * its ORDER BY stays outermost (a derived table's order is not guaranteed), and nulls are skipped here.
 */
async function nonNullDoubles(connection: Connection, sql: string): Promise<Float64Array> {
  const result = await connection.run(sql);
  const values = new Float64Array(result.rowCount);
  let count = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const vector = chunk.getColumnVector(0);
    for (let index = 0; index < chunk.rowCount; index += 1) {
      const value = vector.getItem(index);
      if (value !== null) values[count++] = Number(value);
    }
  }
  return count === values.length ? values : values.slice(0, count);
}

/** The non-null values of each column of `sql` as doubles, value by value (nulls hide in a DOUBLE vector's items). */
async function nonNullDoubleColumns(connection: Connection, sql: string, width: number): Promise<Float64Array[]> {
  const result = await connection.run(sql);
  const columns = Array.from({ length: width }, () => new Float64Array(result.rowCount));
  const counts = new Array<number>(width).fill(0);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    for (let column = 0; column < width; column += 1) {
      const vector = chunk.getColumnVector(column);
      const into = columns[column] as Float64Array;
      let count = counts[column] as number;
      for (let index = 0; index < chunk.rowCount; index += 1) {
        const value = vector.getItem(index);
        if (value !== null) into[count++] = Number(value);
      }
      counts[column] = count;
    }
  }
  return columns.map((values, column) => (counts[column] === values.length ? values : values.slice(0, counts[column])));
}

/** The non-null values of the first column of `sql` as doubles, as DuckDB scans them (`tail`: ORDER BY, LIMIT). */
async function scannedDoubles(connection: Connection, sql: string, tail = ''): Promise<Float64Array> {
  const [values] = await readDoubleColumns(
    connection,
    `SELECT CAST(v AS DOUBLE) AS v FROM (${sql}) AS source(v) WHERE v IS NOT NULL${tail}`,
    1,
  );
  return values as Float64Array;
}

/**
 * `sql` with its string literals and quoted names emptied, except a name right after FROM: a column called
 * `a FROM reference` must not look like a read of the table reference.
 */
function withoutQuotedText(sql: string): string {
  return sql.replace(
    /(\bFROM\s+)?("(?:[^"]|"")*"|'(?:[^']|'')*')/gi,
    (whole, from: string | undefined, quoted: string) => (from ? whole : quoted[0] === '"' ? '""' : "''"),
  );
}

/** A column's distinct values, ascending, with how many rows hold each: what DuckDB's count of a column returns. */
interface CountedValues {
  values: Float64Array;
  counts: Float64Array;
}

/** DuckDB's count of each distinct non-null value of the first column of `sql`, in ascending order of value. */
async function countedValues(connection: Connection, sql: string): Promise<CountedValues> {
  const [values, counts] = (await readDoubleColumns(
    connection,
    `SELECT CAST(v AS DOUBLE), CAST(count(*) AS DOUBLE) FROM (${sql}) AS source(v) WHERE v IS NOT NULL GROUP BY v ORDER BY v`,
    2,
  )) as [Float64Array, Float64Array];
  return { values, counts };
}

/** The sorted values that counted values stand for: each value repeated as many times as it was counted. */
function expand({ values, counts }: CountedValues): Float64Array {
  let total = 0;
  for (const count of counts) total += count;
  const sorted = new Float64Array(total);
  let offset = 0;
  for (let index = 0; index < values.length; index += 1) {
    const count = counts[index] as number;
    sorted.fill(values[index] as number, offset, offset + count);
    offset += count;
  }
  return sorted;
}

/** Rows read to decide between counting and sorting a column: a few row groups, milliseconds to read. */
const REPEAT_PROBE_ROWS = 65_536;

/**
 * Whether a numeric column's values repeat enough (32 rows or more per distinct value among its first rows) that
 * DuckDB counting each value beats sorting every row: at 5M rows, grouping 70 or 1,000 values takes about a fifth
 * of the sort's time, grouping a million about twice as long. Only speed depends on it, never the result, so the
 * first rows are a good enough sample even when the data is ordered.
 */
async function firstValuesRepeat(connection: Connection, sql: string): Promise<boolean> {
  const reader = await connection.runAndReadAll(
    `SELECT count(v) AS n, approx_count_distinct(v) AS d FROM (SELECT v FROM (${sql}) AS source(v) WHERE v IS NOT NULL LIMIT ${REPEAT_PROBE_ROWS})`,
  );
  const [probe] = reader.getRowObjectsJS() as { n: bigint | number; d: bigint | number }[];
  return Number(probe?.d ?? 0) * 32 <= Number(probe?.n ?? 0);
}

/** An in-memory DuckDB with spilling to the temp directory, for one action run. */
export async function openDataEngine(options: OpenEngineOptions): Promise<DataEngine> {
  const duckdb = await loadDuckDB({ log: options.log, toolCache: options.toolCache ?? tmpdir() });
  // A directory of its own: spill files of concurrent runs must not meet.
  const spill = await mkdtemp(join(tmpdir(), 'mlops-duckdb-'));
  let instance: import('@duckdb/node-api').DuckDBInstance;
  let connection: Connection;
  try {
    instance = await duckdb.DuckDBInstance.create(':memory:', {
      temp_directory: spill,
      ...(options.memoryLimit ? { memory_limit: options.memoryLimit } : {}),
    });
    connection = await instance.connect();
  } catch (error) {
    rmSync(spill, { recursive: true, force: true });
    throw error;
  }
  // Counted columns are kept as their counts and expanded for each caller (milliseconds): the expanded arrays
  // (40 MB at 5M rows) then last only as long as their caller's statistic, not the whole run.
  const sortedCache = new Map<string, Float64Array | CountedValues>();
  const fromCache = (sql: string) => {
    const kept = sortedCache.get(sql);
    return kept === undefined || kept instanceof Float64Array ? kept : expand(kept);
  };
  // With step debug on, each query's time: where a slow validation spends it.
  const timed = async <T>(sql: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      const text = sql.replace(/\s+/g, ' ').trim();
      options.log.debug(
        `duckdb ${((performance.now() - started) / 1000).toFixed(3)} s: ${text.length > 240 ? `${text.slice(0, 240)}…` : text}`,
      );
    }
  };
  return {
    async rows(sql) {
      if (/^\s*CREATE/i.test(sql)) {
        // A new or replaced table makes what was read from it stale; other tables' columns stay valid.
        const table = /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?(?:TABLE|VIEW)\s+("?)(\w+)\1/i.exec(
          sql,
        )?.[2];
        const readsTable = new RegExp(`\\bFROM\\s+"?${table}"?(?![\\w"])`, 'i');
        for (const key of [...sortedCache.keys()]) {
          if (!table || readsTable.test(withoutQuotedText(key))) sortedCache.delete(key);
        }
      }
      return timed(sql, async () => (await connection.runAndReadAll(sql)).getRowObjectsJS() as Row[]);
    },
    doubles: (sql) => timed(sql, () => nonNullDoubles(connection, sql)),
    doubleColumns: (sql, width) => timed(sql, () => readDoubleColumns(connection, sql, width)),
    async sortedDoubles(sql, options = {}) {
      const kept = fromCache(sql);
      if (kept) return kept;
      const count = options.fewDistinct ?? (await timed(`probe: ${sql}`, () => firstValuesRepeat(connection, sql)));
      if (count) {
        const counted = await timed(`counted: ${sql}`, () => countedValues(connection, sql));
        sortedCache.set(sql, counted);
        return expand(counted);
      }
      // Read as scanned, then radix-sorted here unless they come ascending already (keys and event times often do
      // in file order; every value is checked, the order of the scan is never trusted): linear passes over the
      // typed array beat DuckDB's ORDER BY, a comparison sort whose result is then copied out, several times over.
      const scanned = await timed(`scanned: ${sql}`, () => scannedDoubles(connection, sql));
      const sorted = nonDecreasing(scanned) ? scanned : await timed(`sorted: ${sql}`, async () => sortDoubles(scanned));
      sortedCache.set(sql, sorted);
      return sorted;
    },
    async anyOrderDoubles(sql) {
      const kept = fromCache(sql);
      if (kept) return { values: kept, sorted: true };
      if (await timed(`probe: ${sql}`, () => firstValuesRepeat(connection, sql))) {
        return { values: expand(await timed(`counted: ${sql}`, () => countedValues(connection, sql))), sorted: true };
      }
      const values = await timed(`scanned: ${sql}`, () => scannedDoubles(connection, sql));
      return { values, sorted: false };
    },
    async keepSortedColumns(table, expressions) {
      const missing = expressions.filter((expression) => !sortedCache.has(`SELECT ${expression} FROM ${table}`));
      if (missing.length === 0) return;
      const sql = `SELECT ${missing.join(', ')} FROM ${table}`;
      const columns = await timed(`columns: ${sql}`, () => nonNullDoubleColumns(connection, sql, missing.length));
      missing.forEach((expression, index) => {
        sortedCache.set(`SELECT ${expression} FROM ${table}`, (columns[index] as Float64Array).sort());
      });
    },
    keeps: (sql) => sortedCache.has(sql),
    release(sql) {
      sortedCache.delete(sql);
    },
    async columns(source) {
      const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
      return (reader.getRowObjectsJS() as { column_name: string; column_type: string }[]).map((row) => ({
        name: row.column_name,
        type: row.column_type,
      }));
    },
    close() {
      connection.closeSync();
      instance.closeSync();
      rmSync(spill, { recursive: true, force: true });
    },
  };
}

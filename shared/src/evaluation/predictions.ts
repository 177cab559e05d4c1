import { glob, open, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import type { DataEngine } from '../data/engine.js';
import { describeReadError, quoteIdentifier, quoteLiteral, tableSource } from '../data/engine.js';
import type { DataFile } from '../data/files.js';
import { ConfigurationError } from '../errors/index.js';

/** Which columns of the predictions hold what; input names are kept for error messages. */
export interface ColumnSpec {
  label: string;
  prediction: string;
  score: string;
  /** Column names or globs (`proba_*`), one column per class; the part matched by `*` names the class. */
  probabilities: readonly string[];
  slices?: readonly string[];
}

/** A categorical column coded 0..k−1 in the order of `names`. */
export interface CodedColumn {
  codes: Float64Array;
  names: string[];
}

export interface PredictionColumns {
  rows: number;
  /** Numeric labels as they are (0/1, integers, or regression targets); string labels as codes into `classes`. */
  labels: Float64Array;
  predictions?: Float64Array;
  /** The positive class's score (binary). */
  scores?: Float64Array;
  /** One column per class (multiclass), in the order of `probabilityClasses`. */
  probabilities?: Float64Array[];
  probabilityClasses?: string[];
  /** Display names of label codes when labels are strings; undefined when labels are numeric. */
  classes?: string[];
  /** Which source column each role came from. */
  columns: { label: string; prediction?: string; score?: string; probabilities?: string[] };
  slices: Record<string, CodedColumn>;
}

const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*|BOOLEAN)$/;
const TABLE = 'mlops_predictions';
/** Distinct values a slice column may have: more is an id or a continuous feature, not a slice. */
export const MAX_SLICE_VALUES = 200;

/** Paths and globs (relative to the workspace) of files of any kind, sorted; each pattern must match a file. */
export async function resolveFiles(
  patterns: readonly string[],
  workspace: string,
  input: string,
): Promise<{ path: string; display: string }[]> {
  const found = new Set<string>();
  for (const pattern of patterns) {
    const before = found.size;
    for await (const match of glob(pattern, { cwd: workspace })) {
      const path = isAbsolute(match) ? match : resolve(workspace, match);
      if ((await stat(path)).isFile()) found.add(path);
    }
    if (found.size === before) {
      throw new ConfigurationError(`Input '${input}': no file matches '${pattern}' (relative to ${workspace}).`, {
        input,
      });
    }
  }
  return [...found].sort().map((path) => {
    const inside = relative(workspace, path);
    return { path, display: inside.startsWith('..') || isAbsolute(inside) ? path : inside };
  });
}

interface Located {
  file: DataFile;
  line?: number;
  row: number;
}

/** Where row `row` (1-based, within its file) of file `fileIndex` stands, as a reader would look for it. */
function locate(files: readonly DataFile[], fileIndex: number, row: number): Located {
  const file = files[fileIndex]!;
  if (file.format === 'csv' || file.format === 'tsv') return { file, line: row + 1, row };
  if (file.format === 'jsonl') return { file, line: row, row };
  return { file, row };
}

function where(located: Located): string {
  return located.line !== undefined
    ? `${located.file.display}:${located.line}`
    : `${located.file.display} row ${located.row}`;
}

function problemError(input: string, located: Located, message: string): ConfigurationError {
  return new ConfigurationError(`Input '${input}': ${where(located)}: ${message}`, {
    input,
    file: located.file.display,
    ...(located.line !== undefined ? { line: located.line } : {}),
  });
}

function allFinite(values: Float64Array): boolean {
  for (let index = 0; index < values.length; index += 1) if (!Number.isFinite(values[index])) return false;
  return true;
}

/** Glob → the matching column names, in table order; `*` matches any run of characters. */
function matchColumns(pattern: string, names: readonly string[]): { name: string; captured: string }[] {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '(.*)');
  const regex = new RegExp(`^${escaped}$`);
  return names.flatMap((name) => {
    const match = regex.exec(name);
    return match ? [{ name, captured: match[1] ?? name }] : [];
  });
}

/**
 * Reads the predictions into typed columns through DuckDB: CSV/TSV (also gzipped), Parquet, JSON and JSON Lines,
 * several files as one table. Every used column is checked before any metric: missing columns name the ones that
 * exist, nulls, non-numeric and non-finite values name the file and line of the first one.
 */
export async function readPredictions(
  engine: DataEngine,
  files: readonly DataFile[],
  spec: ColumnSpec,
  input: string,
): Promise<PredictionColumns> {
  for (const file of files) {
    if (file.bytes === 0) {
      throw new ConfigurationError(
        `Input '${input}': '${file.display}' is empty; it should hold one row per example.`,
        {
          input,
          file: file.display,
        },
      );
    }
  }
  // A view, not a table: the used columns are read from the files in one scan, straight into typed arrays. DuckDB
  // keeps the files' row order through UNION ALL and a single FROM, so no row numbers are computed nor sorted on:
  // only a bad value's line is looked for, by position, once one is found.
  const parts = files.map((file, index) => `SELECT ${index} AS __file, * FROM ${tableSource([file])}`);
  try {
    await engine.rows(`CREATE OR REPLACE TEMP VIEW ${TABLE} AS ${parts.join(' UNION ALL BY NAME ')}`);
    return await readColumns(engine, files, spec, input);
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    throw await describeReadError(error, files, input);
  }
}

async function readColumns(
  engine: DataEngine,
  files: readonly DataFile[],
  spec: ColumnSpec,
  input: string,
): Promise<PredictionColumns> {
  const [{ some }] = (await engine.rows(`SELECT count(*)::DOUBLE AS some FROM (SELECT 1 FROM ${TABLE} LIMIT 1)`)) as [
    { some: number },
  ];
  if (some === 0) {
    throw new ConfigurationError(
      `Input '${input}': ${files.map((file) => file.display).join(', ')} has a header but no rows; metrics need at least one example.`,
      { input, file: files[0]!.display },
    );
  }
  const columnTypes = new Map(
    (await engine.columns(TABLE)).filter((column) => !column.name.startsWith('__')).map((c) => [c.name, c.type]),
  );
  const available = [...columnTypes.keys()];
  const missing = (column: string, inputName: string) =>
    new ConfigurationError(
      `Input '${inputName}': column '${column}' is not in ${files.map((file) => file.display).join(', ')}; ` +
        `its columns are ${available.join(', ')}.`,
      { input: inputName },
    );

  const labelType = columnTypes.get(spec.label);
  if (labelType === undefined) throw missing(spec.label, 'label-column');
  const hasPrediction = columnTypes.has(spec.prediction);
  const hasScore = columnTypes.has(spec.score);
  const probabilityColumns = spec.probabilities.flatMap((pattern) => {
    const matched = matchColumns(pattern, available);
    if (matched.length === 0) throw missing(pattern, 'probability-columns');
    return matched;
  });
  if (!hasPrediction && !hasScore && probabilityColumns.length === 0) {
    throw new ConfigurationError(
      `Input '${input}': neither the prediction column '${spec.prediction}' nor the score column '${spec.score}' is in ` +
        `${files.map((file) => file.display).join(', ')}; its columns are ${available.join(', ')}. ` +
        "Name yours with 'prediction-column', 'score-column' or 'probability-columns'.",
      { input: 'prediction-column' },
    );
  }

  const firstProblem = async (column: string, condition: string) => {
    const found = (await engine.rows(
      `SELECT __file::INTEGER AS f, p, CAST(${quoteIdentifier(column)} AS VARCHAR) AS v ` +
        `FROM (SELECT row_number() OVER () AS p, * FROM ${TABLE}) WHERE ${condition} ORDER BY p LIMIT 1`,
    )) as { f: number; p: bigint; v: string | null }[];
    const [hit] = found;
    if (!hit) return undefined;
    const [{ before }] = (await engine.rows(
      `SELECT count(*)::DOUBLE AS before FROM ${TABLE} WHERE __file < ${hit.f}`,
    )) as [{ before: number }];
    return { located: locate(files, hit.f, Number(hit.p) - before), value: hit.v };
  };
  const noNulls = async (column: string, role: string) => {
    const hit = await firstProblem(column, `${quoteIdentifier(column)} IS NULL`);
    if (hit) {
      throw problemError(
        input,
        hit.located,
        `the ${role} column '${column}' is empty; every row needs a value (drop or impute the rows first).`,
      );
    }
  };
  /** Throws the first null, non-number or non-finite value of a column that has one, naming its file and line. */
  const checkNumeric = async (column: string, role: string): Promise<void> => {
    await noNulls(column, role);
    const quoted = quoteIdentifier(column);
    const type = columnTypes.get(column)!;
    const asDouble = `TRY_CAST(${quoted} AS DOUBLE)`;
    if (!NUMERIC.test(type)) {
      const hit = await firstProblem(column, `${asDouble} IS NULL`);
      if (hit) {
        throw problemError(
          input,
          hit.located,
          `the ${role} column '${column}' holds ${JSON.stringify(hit.value)}, which is not a number; ${role}s must be numeric.`,
        );
      }
    }
    const bad = await firstProblem(column, `NOT isfinite(${asDouble})`);
    if (bad) {
      throw problemError(
        input,
        bad.located,
        `the ${role} column '${column}' holds ${bad.value}; ${role}s must be finite numbers (drop or fix the rows first).`,
      );
    }
  };
  /**
   * Numeric columns as doubles, in the order given, from one scan; a value that is not a finite number reads as
   * NaN. Only a column with one is searched for its first (the errors are those of checking each column in turn).
   */
  const numeric = async (wanted: readonly { column: string; role: string; check?: () => Promise<void> }[]) => {
    const casts = wanted.map(({ column }) => `coalesce(TRY_CAST(${quoteIdentifier(column)} AS DOUBLE), 'NaN'::DOUBLE)`);
    const values = await engine.doubleColumns(`SELECT ${casts.join(', ')} FROM ${TABLE}`, casts.length);
    for (const [index, { column, role, check }] of wanted.entries()) {
      if (allFinite(values[index]!)) continue;
      await check?.();
      await checkNumeric(column, role);
    }
    return values;
  };
  /** Distinct values as text in sorted order (sklearn sorts string labels the same way), coded by position. */
  const coded = async (columns: readonly string[], limit?: number): Promise<CodedColumn[]> => {
    const union = columns
      .map((column) => `SELECT DISTINCT CAST(${quoteIdentifier(column)} AS VARCHAR) AS v FROM ${TABLE}`)
      .join(' UNION ');
    const names = ((await engine.rows(`SELECT v FROM (${union}) ORDER BY v NULLS LAST`)) as { v: string | null }[]).map(
      (row) => row.v ?? '(missing)',
    );
    if (limit !== undefined && names.length > limit) {
      throw new ConfigurationError(
        `Input 'tests': slice column '${columns[0]}' has ${names.length} distinct values, more than ${limit}; ` +
          'slice by a categorical column (bucket continuous ones first).',
        { input: 'tests' },
      );
    }
    const list = `[${names.map(quoteLiteral).join(', ')}]`;
    return Promise.all(
      columns.map(async (column) => ({
        names,
        codes: (
          await engine.doubleColumns(
            `SELECT (list_position(${list}, coalesce(CAST(${quoteIdentifier(column)} AS VARCHAR), '(missing)')) - 1)::DOUBLE ` +
              `FROM ${TABLE}`,
            1,
          )
        )[0]!,
      })),
    );
  };

  /** Text predictions against numeric labels: the first that is not a number, named as a mismatch of kinds. */
  const predictionsOfLabelKind = async (column: string): Promise<void> => {
    await noNulls(column, 'prediction');
    const hit = await firstProblem(column, `TRY_CAST(${quoteIdentifier(column)} AS DOUBLE) IS NULL`);
    if (hit) {
      throw problemError(
        input,
        hit.located,
        `the prediction column '${column}' holds ${JSON.stringify(hit.value)} but the labels in '${spec.label}' are numbers; predictions and labels must be of one kind.`,
      );
    }
  };

  const result: PredictionColumns = {
    rows: 0,
    labels: new Float64Array(0),
    columns: { label: spec.label },
    slices: {},
  };
  const textLabels = !NUMERIC.test(labelType);
  const predictionType = hasPrediction ? columnTypes.get(spec.prediction)! : undefined;
  if (textLabels) {
    await noNulls(spec.label, 'label');
    if (hasPrediction) await noNulls(spec.prediction, 'prediction');
    const [labels, predictions] = await coded(hasPrediction ? [spec.label, spec.prediction] : [spec.label]);
    result.labels = labels!.codes;
    result.classes = labels!.names;
    if (predictions) {
      result.predictions = predictions.codes;
      result.columns.prediction = spec.prediction;
    }
  }
  const wanted: { column: string; role: string; check?: () => Promise<void> }[] = [];
  if (!textLabels) {
    wanted.push({ column: spec.label, role: 'label' });
    if (hasPrediction) {
      wanted.push({
        column: spec.prediction,
        role: 'prediction',
        ...(NUMERIC.test(predictionType!) ? {} : { check: () => predictionsOfLabelKind(spec.prediction) }),
      });
    }
  }
  const withScore = hasScore && probabilityColumns.length === 0;
  if (withScore) wanted.push({ column: spec.score, role: 'score' });
  for (const column of probabilityColumns) wanted.push({ column: column.name, role: 'probability' });
  const values = wanted.length > 0 ? await numeric(wanted) : [];
  if (!textLabels) {
    result.labels = values.shift()!;
    if (hasPrediction) {
      result.predictions = values.shift()!;
      result.columns.prediction = spec.prediction;
    }
  }
  if (withScore) {
    result.scores = values.shift()!;
    result.columns.score = spec.score;
  }
  if (probabilityColumns.length > 0) {
    result.probabilities = values;
    result.probabilityClasses = probabilityColumns.map((column) => column.captured);
    result.columns.probabilities = probabilityColumns.map((column) => column.name);
  }
  result.rows = result.labels.length;
  for (const column of spec.slices ?? []) {
    if (!columnTypes.has(column)) throw missing(column, 'tests');
    result.slices[column] = (await coded([column], MAX_SLICE_VALUES))[0]!;
  }
  return result;
}

/** The column names of a CSV file's header, reading no further than its first line (the file may be gigabytes). */
export async function csvHeaderFields(path: string): Promise<string[]> {
  const handle = await open(path, 'r');
  try {
    const pieces: Buffer[] = [];
    for (let offset = 0; ; ) {
      const piece = Buffer.alloc(64 * 1024);
      const { bytesRead } = await handle.read(piece, 0, piece.length, offset);
      const end = piece.subarray(0, bytesRead).findIndex((byte) => byte === 0x0a || byte === 0x0d);
      pieces.push(piece.subarray(0, end >= 0 ? end : bytesRead));
      if (end >= 0 || bytesRead === 0) break;
      offset += bytesRead;
    }
    return Buffer.concat(pieces)
      .toString('utf8')
      .split(',')
      .map((column) => column.trim().replace(/^"|"$/g, ''));
  } finally {
    await handle.close();
  }
}

/** Copies the used columns of the last read predictions to a Parquet file (the baseline's predictions). */
export async function writePredictionsParquet(
  engine: DataEngine,
  columns: PredictionColumns,
  path: string,
): Promise<void> {
  const used = [
    columns.columns.label,
    columns.columns.prediction,
    columns.columns.score,
    ...(columns.columns.probabilities ?? []),
  ].filter((column): column is string => column !== undefined);
  const list = [...new Set(used)].map(quoteIdentifier).join(', ');
  await engine.rows(`COPY (SELECT ${list} FROM ${TABLE}) TO ${quoteLiteral(path)} (FORMAT parquet)`);
}

import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { type ConfigDocument, type ConfigPath, parseConfig } from '../config/index.js';
import { ConfigurationError } from '../errors/index.js';

/** Metric name → value, names dotted for nested files (`val.loss`). */
export type FlatMetrics = Record<string, number>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Flattens a nested metrics object the way DVC's `metrics show/diff` does: nested mappings join their keys with
 * dots, numbers are metrics, and anything else (strings, lists, null) is not a metric and is left out. Booleans
 * count as 0/1 as in DVC. Two paths that flatten to the same name (`{"a.b": 1, "a": {"b": 2}}`) are an error.
 */
export function flattenMetrics(
  value: unknown,
  onDuplicate: (name: string, path: ConfigPath) => never = (name) => {
    throw new ConfigurationError(`metric '${name}' is given twice (once nested, once with a dotted key).`);
  },
): FlatMetrics {
  const flat: FlatMetrics = {};
  const walk = (node: unknown, prefix: string, path: ConfigPath) => {
    if (!isRecord(node)) return;
    for (const [key, item] of Object.entries(node)) {
      const name = prefix ? `${prefix}.${key}` : key;
      const here = [...path, key];
      if (isRecord(item)) walk(item, name, here);
      else if ((typeof item === 'number' && Number.isFinite(item)) || typeof item === 'boolean') {
        if (Object.hasOwn(flat, name)) onDuplicate(name, here);
        flat[name] = Number(item);
      }
    }
  };
  walk(value, '', []);
  return flat;
}

const METRIC_FILE_EXTENSIONS = ['.json', '.yaml', '.yml', '.csv', '.tsv'];

function parseDelimited(text: string, delimiter: string, display: string, input: string): string[][] {
  const rows: string[][] = [];
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === '') continue;
    const fields: string[] = [];
    let field = '';
    let quoted = false;
    for (let position = 0; position < line.length; position += 1) {
      const char = line[position]!;
      if (quoted) {
        if (char === '"' && line[position + 1] === '"') {
          field += '"';
          position += 1;
        } else if (char === '"') quoted = false;
        else field += char;
      } else if (char === '"') quoted = true;
      else if (char === delimiter) {
        fields.push(field.trim());
        field = '';
      } else field += char;
    }
    if (quoted) {
      throw new ConfigurationError(`${display}:${index + 1}: unterminated quoted field.`, {
        input,
        file: display,
        line: index + 1,
      });
    }
    fields.push(field.trim());
    rows.push(fields);
  }
  return rows;
}

function numberCell(text: string): number | undefined {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return undefined;
  return Number(text);
}

/**
 * A CSV/TSV metrics file as DVC writes them: either a header of metric names over one row of values, or two
 * columns `name,value` (also `metric,value`) with one metric per row. Non-numeric cells in the wide form are
 * not metrics (e.g. a `model` column), as in DVC.
 */
export function parseDelimitedMetrics(text: string, delimiter: string, display: string, input: string): FlatMetrics {
  const where = (line: number) => ({ input, file: display, line });
  const rows = parseDelimited(text, delimiter, display, input);
  const [header, ...body] = rows;
  if (!header || body.length === 0) {
    throw new ConfigurationError(
      `${display}: a CSV metrics file needs a header and at least one row (metric names over values, or name,value rows).`,
      { input, file: display },
    );
  }
  const lowered = header.map((name) => name.toLowerCase());
  const flat: FlatMetrics = {};
  if (header.length === 2 && ['name', 'metric'].includes(lowered[0]!) && lowered[1] === 'value') {
    for (const [index, [name, cell]] of body.entries()) {
      const value = numberCell(cell ?? '');
      if (!name || value === undefined) {
        throw new ConfigurationError(
          `${display}:${index + 2}: expected a metric name and a number, got ${JSON.stringify(body[index]?.join(delimiter))}.`,
          where(index + 2),
        );
      }
      if (Object.hasOwn(flat, name))
        throw new ConfigurationError(`${display}:${index + 2}: metric '${name}' is given twice.`, where(index + 2));
      flat[name] = value;
    }
    return flat;
  }
  if (body.length > 1) {
    throw new ConfigurationError(
      `${display}: ${body.length} rows of values; a wide CSV metrics file has exactly one row under its header ` +
        '(or write it as name,value rows).',
      where(3),
    );
  }
  for (const [index, name] of header.entries()) {
    const value = numberCell(body[0]![index] ?? '');
    if (value !== undefined) flat[name] = value;
  }
  return flat;
}

/** Metrics of one file: YAML or JSON (nested → dotted names) or CSV/TSV; anything else is an error. */
export async function readModelMetricsFile(path: string, display: string, input: string): Promise<FlatMetrics> {
  const extension = extname(path).toLowerCase();
  if (!METRIC_FILE_EXTENSIONS.includes(extension)) {
    throw new ConfigurationError(
      `Input '${input}': '${display}' is not a metrics file: use JSON (.json), YAML (.yaml, .yml) or CSV (.csv, .tsv).`,
      { input, file: display },
    );
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigurationError(
      `Input '${input}': '${display}' ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}.`,
      { input, file: display },
    );
  }
  if (text.trim() === '') {
    throw new ConfigurationError(`Input '${input}': '${display}' is empty; it should hold metric names and values.`, {
      input,
      file: display,
    });
  }
  if (extension === '.csv' || extension === '.tsv') {
    return parseDelimitedMetrics(text, extension === '.csv' ? ',' : '\t', display, input);
  }
  if (extension === '.json') {
    // YAML would accept more than JSON (`"f1": ` is null there): a .json file must be JSON.
    try {
      JSON.parse(text);
    } catch (error) {
      const message = (error as Error).message;
      const line = /line (\d+)/.exec(message)?.[1];
      throw new ConfigurationError(`${display}${line ? `:${line}` : ''}: not valid JSON (${message.split('\n')[0]}).`, {
        input,
        file: display,
        ...(line ? { line: Number(line) } : {}),
      });
    }
  }
  const document: ConfigDocument = parseConfig(text, display, input);
  if (!isRecord(document.value)) {
    throw document.error(
      [],
      `a metrics file must be a ${extension === '.json' ? 'JSON object' : 'YAML mapping'} of metric names to numbers, ` +
        `e.g. {"accuracy": 0.91, "val": {"loss": 0.2}}`,
    );
  }
  const flat = flattenMetrics(document.value, (name, at) => {
    throw document.error(at, `metric '${name}' is given twice (once nested, once with a dotted key)`);
  });
  if (Object.keys(flat).length === 0) {
    throw document.error([], 'no numeric metric found; values must be numbers (nested mappings become dotted names)');
  }
  return flat;
}

/** The metrics of several files as one set; a name in two files is an error (which value would count?). */
export async function readModelMetricsFiles(
  files: readonly { path: string; display: string }[],
  input: string,
): Promise<{ metrics: FlatMetrics; sources: Record<string, string> }> {
  const metrics: FlatMetrics = {};
  const sources: Record<string, string> = {};
  for (const file of files) {
    for (const [name, value] of Object.entries(await readModelMetricsFile(file.path, file.display, input))) {
      if (Object.hasOwn(metrics, name)) {
        throw new ConfigurationError(
          `Input '${input}': metric '${name}' is in both ${sources[name]} and ${file.display}; give each metric once.`,
          { input, file: file.display },
        );
      }
      metrics[name] = value;
      sources[name] = file.display;
    }
  }
  return { metrics, sources };
}

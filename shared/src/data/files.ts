import { glob, stat } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve } from 'node:path';
import { ConfigurationError } from '../errors/index.js';

export type DataFormat = 'csv' | 'tsv' | 'parquet' | 'json' | 'jsonl';

const FORMAT_BY_SUFFIX: readonly [string, DataFormat][] = [
  ['.csv.gz', 'csv'],
  ['.tsv.gz', 'tsv'],
  ['.csv', 'csv'],
  ['.tsv', 'tsv'],
  ['.parquet', 'parquet'],
  ['.json', 'json'],
  ['.jsonl', 'jsonl'],
  ['.ndjson', 'jsonl'],
];

export function dataFormatOf(path: string): DataFormat | undefined {
  const lower = path.toLowerCase();
  return FORMAT_BY_SUFFIX.find(([suffix]) => lower.endsWith(suffix))?.[1];
}

export interface DataFile {
  path: string;
  /** As the user sees it: relative to the workspace. */
  display: string;
  format: DataFormat;
  bytes: number;
}

const SUPPORTED = FORMAT_BY_SUFFIX.map(([suffix]) => suffix).join(' ');

/**
 * Resolves paths and globs (relative to the workspace) into data files, sorted, each of a known format; all
 * files of one input must share a format because they are read as one table.
 */
export async function resolveDataFiles(
  patterns: readonly string[],
  workspace: string,
  input: string,
): Promise<DataFile[]> {
  const found = new Set<string>();
  for (const pattern of patterns) {
    const before = found.size;
    for await (const match of glob(pattern, { cwd: workspace })) {
      found.add(isAbsolute(match) ? match : resolve(workspace, match));
    }
    if (found.size === before) {
      throw new ConfigurationError(`Input '${input}': no file matches '${pattern}' (relative to ${workspace}).`, {
        input,
      });
    }
  }
  const files: DataFile[] = [];
  for (const path of [...found].sort()) {
    const info = await stat(path);
    if (!info.isFile()) continue;
    const display = relative(workspace, path).startsWith('..') ? path : relative(workspace, path);
    const format = dataFormatOf(path);
    if (!format) {
      throw new ConfigurationError(
        `Input '${input}': '${display}' has an unsupported extension '${extname(path)}'; use one of ${SUPPORTED}.`,
        { input },
      );
    }
    files.push({ path, display, format, bytes: info.size });
  }
  if (files.length === 0) {
    throw new ConfigurationError(`Input '${input}': the paths given match only directories, no data files.`, { input });
  }
  const formats = new Set(files.map((file) => file.format));
  if (formats.size > 1) {
    throw new ConfigurationError(
      `Input '${input}': the files are read as one table and must share a format, found ${[...formats].join(' and ')}.`,
      { input },
    );
  }
  return files;
}

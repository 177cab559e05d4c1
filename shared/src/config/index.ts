import { readFile } from 'node:fs/promises';
import { isMap, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { ConfigurationError } from '../errors/index.js';

export type ConfigPath = readonly (string | number)[];

/** A parsed YAML or JSON configuration file that can say on which line any value stands. */
export interface ConfigDocument {
  readonly file: string;
  readonly value: unknown;
  /**
   * Line and column (1-based) of the value at `path`, or of its nearest existing parent; with `key`, of the
   * last key itself (for unknown keys, where the value is beside the point).
   */
  locate(path: ConfigPath, options?: { key?: boolean }): { line: number; column: number };
  /** A ConfigurationError pointing at the value (or with `key`, the key) at `path`. */
  error(path: ConfigPath, message: string, options?: { key?: boolean; input?: string }): ConfigurationError;
}

/**
 * Parses YAML (and so JSON, which YAML 1.2 contains) keeping node positions. Duplicate keys and syntax errors
 * are reported with their line; `displayName` is what the annotation shows (usually relative to the workspace).
 */
export function parseConfig(text: string, displayName: string, input?: string): ConfigDocument {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problem = document.errors[0];
  if (problem) {
    const position = lineCounter.linePos(problem.pos[0]);
    const firstLine = problem.message.split('\n')[0] ?? problem.message;
    throw new ConfigurationError(`${displayName}:${position.line}: ${firstLine}`, {
      file: displayName,
      line: position.line,
      column: position.col,
      ...(input ? { input } : {}),
    });
  }

  const locate = (path: ConfigPath, options: { key?: boolean } = {}): { line: number; column: number } => {
    let node: unknown = document.contents;
    let offset = (document.contents as Node | null)?.range?.[0] ?? 0;
    for (const [depth, key] of path.entries()) {
      const last = depth === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((item) => {
          const itemKey = item.key as { value?: unknown } | null;
          return (itemKey && typeof itemKey === 'object' ? itemKey.value : itemKey) === key;
        });
        if (!pair) break;
        // A missing or null value points at its key, which is where the reader looks.
        const valueNode = pair.value as Node | null;
        const keyNode = pair.key as Node | null;
        offset = (options.key && last ? keyNode?.range?.[0] : valueNode?.range?.[0]) ?? keyNode?.range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof key === 'number') {
        const item = node.items[key] as Node | undefined;
        if (!item) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else {
        break;
      }
    }
    const position = lineCounter.linePos(offset);
    return { line: position.line, column: position.col };
  };

  return {
    file: displayName,
    value: document.toJS({ maxAliasCount: 100 }),
    locate,
    error(path, message, options = {}) {
      const { line, column } = locate(path, options);
      const where = path.length > 0 ? ` (at ${formatConfigPath(path)})` : '';
      const inputName = options.input ?? input;
      return new ConfigurationError(`${displayName}:${line}: ${message}${where}`, {
        file: displayName,
        line,
        column,
        ...(inputName ? { input: inputName } : {}),
      });
    },
  };
}

export function formatConfigPath(path: ConfigPath): string {
  return path.map((key, index) => (typeof key === 'number' ? `[${key}]` : index === 0 ? key : `.${key}`)).join('');
}

export async function loadConfigFile(path: string, displayName = path, input?: string): Promise<ConfigDocument> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code})`;
    throw new ConfigurationError(`Configuration file '${displayName}' ${reason}.`, {
      file: displayName,
      ...(input ? { input } : {}),
    });
  }
  return parseConfig(text, displayName, input);
}

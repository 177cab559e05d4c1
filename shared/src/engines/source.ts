import { ConfigurationError } from '../errors/index.js';
import type { SqlDialect } from './dialect.js';

/**
 * What `data` or `reference` names on a remote engine: a table (`schema.table`, `catalog.schema.table`, parts
 * optionally quoted), a path the engine reads (Spark: `parquet.\`s3://bucket/x\``), or a query (`SELECT …`,
 * `WITH …`). `from` is what goes after FROM; `table` is set for a stored table, whose rows have an identifier.
 */
export interface RemoteSource {
  from: string;
  /** For messages: the table or path as the user wrote it, or `the query in 'data'`. */
  display: string;
  table: boolean;
}

const BARE_PART = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** Splits `a."b.c".d` into its parts, each bare or quoted with the engine's quote (a doubled quote escapes one). */
function nameParts(text: string, quote: string): string[] | undefined {
  const parts: string[] = [];
  let rest = text;
  for (;;) {
    if (rest[0] === quote) {
      let index = 1;
      let part = '';
      for (;;) {
        if (index >= rest.length) return undefined;
        if (rest[index] === quote) {
          if (rest[index + 1] === quote) {
            part += quote;
            index += 2;
            continue;
          }
          break;
        }
        part += rest[index];
        index += 1;
      }
      if (part === '') return undefined;
      parts.push(part);
      rest = rest.slice(index + 1);
    } else {
      const bare = /^[^."`]+/.exec(rest)?.[0] ?? '';
      if (!BARE_PART.test(bare)) return undefined;
      parts.push(bare);
      rest = rest.slice(bare.length);
    }
    if (rest === '') return parts;
    if (rest[0] !== '.') return undefined;
    rest = rest.slice(1);
  }
}

/** Reads `data` or `reference` for a remote engine; a text that is none of the three forms is the user's mistake. */
export function remoteSource(text: string, dialect: SqlDialect, input: string): RemoteSource {
  const trimmed = text.trim().replace(/;\s*$/, '');
  if (/^(select|with)\b/i.test(trimmed)) {
    // The user's own query on their own engine: run as written, as a derived table.
    return { from: `(${trimmed}) AS mlops_source`, display: `the query in '${input}'`, table: false };
  }
  const path = /^([A-Za-z]+)\.`((?:[^`]|``)+)`$/.exec(trimmed);
  if (path && dialect.engine === 'spark') {
    const [, format, location] = path as unknown as [string, string, string];
    return {
      from: `${format.toLowerCase()}.${dialect.identifier(location.replace(/``/g, '`'))}`,
      display: trimmed,
      table: false,
    };
  }
  const parts = nameParts(trimmed, dialect.identifier('')[0] as string);
  if (parts && parts.length <= 3) {
    return { from: parts.map((part) => dialect.identifier(part)).join('.'), display: trimmed, table: true };
  }
  const forms =
    dialect.engine === 'spark'
      ? 'a table (catalog.schema.table), a path the engine reads (parquet.`s3://bucket/data/`) or a query (SELECT …)'
      : 'a table (schema.table) or a query (SELECT …)';
  throw new ConfigurationError(
    `Input '${input}': ${JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}…` : text)} is not ${forms} for the ${dialect.engine} engine.`,
    { input },
  );
}

import { ConfigurationError } from '../errors/index.js';

/**
 * Strict parsers for action input text. Each takes the raw text and the input's name and either returns a
 * typed value or throws a ConfigurationError that says what was wrong and what a valid value looks like.
 */

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

export function parseBoolean(text: string, input: string): boolean {
  const lowered = text.trim().toLowerCase();
  if (lowered === 'true') return true;
  if (lowered === 'false') return false;
  throw new ConfigurationError(`Input '${input}' must be true or false, got ${quote(text)}.`, { input });
}

export interface NumberBounds {
  min?: number;
  max?: number;
}

function checkBounds(value: number, input: string, bounds: NumberBounds, text: string): number {
  const { min, max } = bounds;
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
    const range =
      min !== undefined && max !== undefined
        ? `between ${min} and ${max}`
        : min !== undefined
          ? `at least ${min}`
          : `at most ${max}`;
    throw new ConfigurationError(`Input '${input}' must be ${range}, got ${quote(text)}.`, { input });
  }
  return value;
}

export function parseInteger(text: string, input: string, bounds: NumberBounds = {}): number {
  const trimmed = text.trim();
  if (!/^[+-]?\d+$/.test(trimmed) || !Number.isSafeInteger(Number(trimmed))) {
    throw new ConfigurationError(`Input '${input}' must be a whole number such as 10, got ${quote(text)}.`, {
      input,
    });
  }
  return checkBounds(Number(trimmed), input, bounds, text);
}

export function parseNumber(text: string, input: string, bounds: NumberBounds = {}): number {
  const trimmed = text.trim();
  // Number('') is 0 and Number('0x10') is 16: accept only plain decimal notation.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(trimmed)) {
    throw new ConfigurationError(`Input '${input}' must be a number such as 0.05, got ${quote(text)}.`, {
      input,
    });
  }
  return checkBounds(Number(trimmed), input, bounds, text);
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `90s`, `5m`, `1h30m`, `250ms` or `2d` into milliseconds. A bare number is refused: its unit is a guess. */
export function parseDuration(text: string, input: string, bounds: NumberBounds = {}): number {
  const trimmed = text.trim().toLowerCase();
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;
  let total = 0;
  let index = 0;
  while (index < trimmed.length) {
    part.lastIndex = index;
    const match = part.exec(trimmed);
    if (!match) break;
    total += Number(match[1]) * (DURATION_UNITS_MS[match[2] as string] as number);
    index = part.lastIndex;
  }
  if (trimmed.length === 0 || index !== trimmed.length) {
    throw new ConfigurationError(
      `Input '${input}' must be a duration such as 90s, 5m or 1h30m (units ms, s, m, h, d), got ${quote(text)}.`,
      { input },
    );
  }
  const ms = Math.round(total);
  if ((bounds.min !== undefined && ms < bounds.min) || (bounds.max !== undefined && ms > bounds.max)) {
    const lower = bounds.min !== undefined ? formatDuration(bounds.min) : undefined;
    const upper = bounds.max !== undefined ? formatDuration(bounds.max) : undefined;
    const range = lower && upper ? `between ${lower} and ${upper}` : lower ? `at least ${lower}` : `at most ${upper}`;
    throw new ConfigurationError(`Input '${input}' must be ${range}, got ${quote(text)}.`, { input });
  }
  return ms;
}

/** The inverse of parseDuration for messages: 5400000 → "1h30m". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      parts.push(`${count}${unit}`);
      rest -= count * size;
    }
  }
  return parts.join('');
}

const BYTE_UNITS: Record<string, number> = {
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/**
 * Parses a memory size such as `512MB`, `1.5GB` or `2GiB` into bytes (KB/MB/GB are powers of 1000, KiB/MiB/GiB of
 * 1024, as DuckDB reads them). A bare number is refused: its unit is a guess.
 */
export function parseByteSize(text: string, input: string, bounds: NumberBounds = {}): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]i?b)$/i.exec(text.trim());
  if (!match) {
    throw new ConfigurationError(
      `Input '${input}' must be a size such as 512MB, 1.5GB or 2GiB (units KB, MB, GB, TB or KiB, MiB, GiB, TiB), got ${quote(text)}.`,
      { input },
    );
  }
  return checkBounds(
    Math.round(Number(match[1]) * (BYTE_UNITS[(match[2] as string).toLowerCase()] as number)),
    input,
    bounds,
    text,
  );
}

/** Splits on commas and newlines, trims, drops empty items: both `a, b` and a YAML block list work. */
export function parseList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

export function parseEnum<const T extends string>(text: string, input: string, allowed: readonly T[]): T {
  const trimmed = text.trim();
  const found = allowed.find((value) => value === trimmed);
  if (found === undefined) {
    throw new ConfigurationError(
      `Input '${input}' must be one of ${allowed.map((value) => `'${value}'`).join(', ')}, got ${quote(text)}.`,
      { input },
    );
  }
  return found;
}

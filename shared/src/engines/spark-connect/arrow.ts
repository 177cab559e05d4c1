import {
  type Data,
  type DataType,
  type Decimal,
  type Field,
  type Int,
  type Timestamp,
  TimeUnit,
  Type,
  tableFromIPC,
  type Vector,
} from 'apache-arrow';
import type { ColumnKindOfEngine, ResultColumn } from '../connection.js';

/** Rows of one Arrow IPC stream (one Spark Connect result batch), values converted by the SqlConnection contract. */
export interface DecodedBatch {
  columns: ResultColumn[];
  rows: Record<string, unknown>[];
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MICROS_PER_SECOND = 1_000_000n;
const MS_PER_DAY = 86_400_000;

/** An integer as the contract wants it: number while exact, bigint beyond ±(2^53 − 1). */
function integerValue(value: bigint): number | bigint {
  return value <= MAX_SAFE && value >= -MAX_SAFE ? Number(value) : value;
}

/** A two's-complement little-endian integer spread over 32-bit words. */
function wordsToBigInt(words: Uint32Array, start: number, count: number): bigint {
  let value = 0n;
  for (let word = count - 1; word >= 0; word -= 1) value = (value << 32n) | BigInt(words[start + word]!);
  const bits = BigInt(count * 32);
  return value >= 1n << (bits - 1n) ? value - (1n << bits) : value;
}

/** `unscaled × 10^-scale` as exact decimal text: `-0.05`, `12.30`, `7`. */
export function formatDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString();
  if (scale <= 0) return `${negative ? '-' : ''}${digits}${'0'.repeat(-scale)}`;
  const padded = digits.padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

function isoDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/**
 * Microseconds since the epoch as ISO 8601 UTC, the way PostgreSQL prints them so both engines agree:
 * `2024-01-02T03:04:05Z`, `…:05.5Z`, `…:05.123456Z` (the fraction without trailing zeros, none when whole).
 */
export function formatTimestampMicros(micros: bigint): string {
  const seconds = micros / MICROS_PER_SECOND - (micros % MICROS_PER_SECOND < 0n ? 1n : 0n);
  const fraction = Number(micros - seconds * MICROS_PER_SECOND);
  const whole = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return fraction === 0 ? `${whole}Z` : `${whole}.${String(fraction).padStart(6, '0').replace(/0+$/, '')}Z`;
}

function timestampMicros(raw: bigint, unit: TimeUnit): bigint {
  switch (unit) {
    case TimeUnit.SECOND:
      return raw * 1_000_000n;
    case TimeUnit.MILLISECOND:
      return raw * 1000n;
    case TimeUnit.MICROSECOND:
      return raw;
    default:
      return raw / 1000n;
  }
}

const KIND_OF_TYPE: Partial<Record<Type, ColumnKindOfEngine>> = {
  [Type.Int]: 'integer',
  [Type.Float]: 'float',
  [Type.Decimal]: 'decimal',
  [Type.Utf8]: 'string',
  [Type.LargeUtf8]: 'string',
  [Type.Bool]: 'boolean',
  [Type.Date]: 'date',
  [Type.Timestamp]: 'timestamp',
};
const INTEGER_NAMES: Record<number, string> = { 8: 'tinyint', 16: 'smallint', 32: 'int', 64: 'bigint' };

/** The contract's kind, and Spark's own name for the Arrow type its server sends (`bigint`, `decimal(10,2)`). */
function describeType(type: DataType): { kind: ColumnKindOfEngine; engineType: string } {
  const kind = KIND_OF_TYPE[type.typeId] ?? 'other';
  switch (type.typeId) {
    case Type.Int:
      return { kind, engineType: INTEGER_NAMES[(type as Int).bitWidth] ?? type.toString() };
    case Type.Float:
      return { kind, engineType: (type as DataType & { precision: number }).precision === 1 ? 'float' : 'double' };
    case Type.Decimal:
      return { kind, engineType: `decimal(${(type as Decimal).precision},${(type as Decimal).scale})` };
    case Type.Timestamp:
      return { kind, engineType: (type as Timestamp).timezone ? 'timestamp' : 'timestamp_ntz' };
    case Type.Binary:
    case Type.LargeBinary:
      return { kind, engineType: 'binary' };
    case Type.Null:
      return { kind, engineType: 'void' };
    default:
      return { kind, engineType: kind === 'other' ? type.toString() : kind };
  }
}

/** Text for the types the contract has no value for (binary, structs, maps, intervals). */
function otherText(value: unknown): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (typeof value === 'bigint') return value.toString();
  if (value !== null && typeof value === 'object' && 'toJSON' in value && typeof value.toJSON === 'function') {
    return JSON.stringify(value.toJSON(), (_key, inner) => (typeof inner === 'bigint' ? inner.toString() : inner));
  }
  return String(value);
}

/** A reader of one column chunk's i-th value; raw buffers where arrow-js's own getters lose precision. */
function valueReader(vector: Vector, data: Data): (index: number) => unknown {
  const type = data.type as DataType;
  const offset = data.offset;
  switch (type.typeId) {
    case Type.Int: {
      if ((type as Int).bitWidth === 64) {
        const values = data.values as BigInt64Array | BigUint64Array;
        return (index) => integerValue(BigInt(values[offset + index]!));
      }
      return (index) => Number(vector.get(index));
    }
    case Type.Float:
      return (index) => Number(vector.get(index));
    case Type.Decimal: {
      const stride = (type as Decimal).bitWidth / 32;
      const scale = (type as Decimal).scale;
      const words = data.values as Uint32Array;
      return (index) => formatDecimal(wordsToBigInt(words, (offset + index) * stride, stride), scale);
    }
    case Type.Utf8:
    case Type.LargeUtf8:
      return (index) => vector.get(index) as string;
    case Type.Bool:
      return (index) => vector.get(index) as boolean;
    case Type.Date: {
      const values = data.values as Int32Array | BigInt64Array;
      if (values instanceof BigInt64Array) return (index) => isoDate(Number(values[offset + index]!));
      return (index) => isoDate((values[offset + index] as number) * MS_PER_DAY);
    }
    case Type.Timestamp: {
      const values = data.values as BigInt64Array;
      const unit = (type as Timestamp).unit;
      return (index) => formatTimestampMicros(timestampMicros(values[offset + index]!, unit));
    }
    case Type.List:
    case Type.FixedSizeList:
      // Arrays (percentile_approx of several points) as arrays, each element by the same rules.
      return (index) => {
        const items = vector.get(index) as Vector;
        const read = valueReader(items, items.data[0]!);
        return Array.from({ length: items.length }, (_, item) => (items.isValid(item) ? read(item) : null));
      };
    default:
      return (index) => otherText(vector.get(index));
  }
}

/** Decodes one Arrow IPC stream (schema message plus record batches) into rows. */
export function decodeArrowStream(bytes: Uint8Array): DecodedBatch {
  const table = tableFromIPC(bytes);
  const fields: Field[] = table.schema.fields;
  const columns = fields.map((field) => ({ name: field.name, ...describeType(field.type) }));
  const rows: Record<string, unknown>[] = [];
  for (const batch of table.batches) {
    const readers = fields.map((_field, index) => {
      const vector = batch.getChildAt(index)!;
      return { vector, read: valueReader(vector, vector.data[0]!) };
    });
    for (let row = 0; row < batch.numRows; row += 1) {
      const record: Record<string, unknown> = {};
      fields.forEach((field, column) => {
        const { vector, read } = readers[column]!;
        record[field.name] = field.type.typeId !== Type.Null && vector.isValid(row) ? read(row) : null;
      });
      rows.push(record);
    }
  }
  return { columns, rows };
}

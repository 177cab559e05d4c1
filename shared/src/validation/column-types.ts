// Which kind of drift test a column gets, decided as Evidently 0.7 decides it for a DataDriftPreset run on data read
// with pandas. Mirrors evidently 0.7.23, src/evidently/core/datasets.py `infer_column_type` (the column's type is
// inferred from the current data) and src/evidently/legacy/calculations/data_drift.py `get_one_column_drift`
// (the sizes the test choice sees are of non-missing, finite values).

import type { StoredKind } from './columns.js';
import type { ColumnProfile } from './profile.js';
import type { ColumnType } from './suite.js';

/** Evidently's `INTEGER_CARDINALITY_LIMIT`: an integer column with at most this many distinct values is categorical. */
export const INTEGER_CARDINALITY_LIMIT = 10;
/** Evidently: a string column with more distinct values than this share of its non-null count is text. */
export const TEXT_DISTINCT_SHARE = 0.5;

export type DriftColumnType = 'numerical' | 'categorical' | 'text' | 'unknown';

export interface DriftTyping {
  type: DriftColumnType;
  /** Why, in a few words for the report: "integer, 6 distinct values ≤ 10". */
  why: string;
}

export interface TypingInput {
  stored: StoredKind;
  declared?: ColumnType | undefined;
  /** Non-null values in the current data. */
  count: number;
  nulls: number;
  /** Distinct non-null values in the current data, exact. */
  distinct: number;
  /**
   * True when the data came from text (CSV, JSON): pandas reads a date there as a string, so it is typed like one.
   * From Parquet a date or timestamp reaches pandas as a date type, which DataDriftPreset does not test.
   */
  fromText: boolean;
}

function stringTyping(count: number, distinct: number, what: string): DriftTyping {
  return distinct > count * TEXT_DISTINCT_SHARE
    ? { type: 'text', why: `${what}, ${distinct} distinct of ${count} values (more than half): text` }
    : { type: 'categorical', why: `${what}, ${distinct} distinct of ${count} values (at most half)` };
}

/**
 * The Evidently column type of one current column. A suite's `type: category` or `boolean` makes it categorical;
 * `string` types it as text would be. Otherwise by what is stored, as pandas would hold it:
 * - floats: numerical;
 * - integers: categorical with ≤ 10 distinct values, else numerical; an integer column with nulls is numerical
 *   whatever its values, because pandas holds it as float64 (Evidently's rule looks at the dtype);
 * - strings: text when distinct > half the non-null count, else categorical;
 * - booleans: categorical;
 * - dates and timestamps: as strings when read from CSV or JSON, else not tested (Evidently's Datetime);
 * - anything else (lists, structs, blobs): not tested.
 */
export function driftColumnType(input: TypingInput): DriftTyping {
  const { stored, declared, count, nulls, distinct, fromText } = input;
  if (stored === 'other') return { type: 'unknown', why: 'a type Evidently does not test' };
  if (declared === 'category' || declared === 'boolean')
    return { type: 'categorical', why: `declared ${declared} in the suite` };
  if (declared === 'string') return stringTyping(count, distinct, 'declared string');
  switch (stored) {
    case 'float':
      return { type: 'numerical', why: 'float' };
    case 'integer':
      if (nulls > 0) return { type: 'numerical', why: 'integer with nulls (a float column to pandas)' };
      return distinct <= INTEGER_CARDINALITY_LIMIT
        ? { type: 'categorical', why: `integer, ${distinct} distinct values ≤ ${INTEGER_CARDINALITY_LIMIT}` }
        : { type: 'numerical', why: `integer, ${distinct} distinct values > ${INTEGER_CARDINALITY_LIMIT}` };
    case 'boolean':
      return { type: 'categorical', why: 'boolean' };
    case 'string':
      return stringTyping(count, distinct, 'string');
    case 'date':
    case 'timestamp':
      return fromText
        ? stringTyping(count, distinct, `${stored} as text`)
        : { type: 'unknown', why: `a ${stored} column (Evidently's datetime: not tested for drift)` };
  }
}

/** A string's distinct count within this share of the text boundary is counted exactly (HyperLogLog errs by a few %). */
const NEAR_BOUNDARY = 0.2;

/** Whether a column's type hangs on its exact distinct count, where the profile holds a HyperLogLog estimate. */
export function needsExactDistinct(profile: ColumnProfile, stored: StoredKind, declared?: ColumnType): boolean {
  if (profile.kind === 'numeric' && declared !== 'string') return false; // numeric profiles count exactly
  if (declared === 'category' || declared === 'boolean' || stored === 'boolean' || stored === 'other') return false;
  const boundary = profile.count * TEXT_DISTINCT_SHARE;
  return Math.abs(profile.distinct - boundary) <= boundary * NEAR_BOUNDARY;
}

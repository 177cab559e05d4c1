import { describe, expect, test } from 'vitest';
import { chooseDriftMethod } from '../../shared/src/index.js';
import { type DriftColumnType, driftColumnType, type TypingInput } from '../../shared/src/validation/index.js';

// Evidently 0.7.23's column typing (core/datasets.py infer_column_type) and its default test per type and size
// (legacy/calculations/stattests/registry.py _get_default_stattest), row by row. The columns are of 600 current
// values; `union` is the distinct values of reference and current together, as the test choice counts them.
const base = { count: 600, nulls: 0, fromText: true };

describe('the drift test per column kind, as Evidently chooses it', () => {
  test.each<
    [string, Partial<TypingInput> & Pick<TypingInput, 'stored' | 'distinct'>, DriftColumnType, number, string, string]
  >([
    // [label, column, Evidently type, union, test at 800 reference values, test at 1500]
    ['integers, 2 values', { stored: 'integer', distinct: 2 }, 'categorical', 2, 'z', 'jensenshannon'],
    ['integers, 6 values', { stored: 'integer', distinct: 6 }, 'categorical', 6, 'chisquare', 'jensenshannon'],
    ['integers, 10 values', { stored: 'integer', distinct: 10 }, 'categorical', 10, 'chisquare', 'jensenshannon'],
    ['integers, 11 values', { stored: 'integer', distinct: 11 }, 'numerical', 11, 'ks', 'wasserstein'],
    [
      'integers, 4 values and nulls',
      { stored: 'integer', distinct: 4, nulls: 9 },
      'numerical',
      4,
      'chisquare',
      'jensenshannon',
    ],
    [
      'integers, 2 values and nulls',
      { stored: 'integer', distinct: 2, nulls: 9 },
      'numerical',
      2,
      'z',
      'jensenshannon',
    ],
    ['text, distinct share 0.4', { stored: 'string', distinct: 240 }, 'categorical', 250, 'chisquare', 'jensenshannon'],
    ['text, distinct share 0.5', { stored: 'string', distinct: 300 }, 'categorical', 310, 'chisquare', 'jensenshannon'],
    ['text, distinct share 0.6', { stored: 'string', distinct: 360 }, 'text', 0, '', ''],
    ['dates in CSV, 40 days', { stored: 'date', distinct: 40 }, 'categorical', 45, 'chisquare', 'jensenshannon'],
    ['dates in CSV, all different', { stored: 'date', distinct: 600 }, 'text', 0, '', ''],
    ['dates in Parquet', { stored: 'date', distinct: 40, fromText: false }, 'unknown', 0, '', ''],
    ['timestamps in Parquet', { stored: 'timestamp', distinct: 40, fromText: false }, 'unknown', 0, '', ''],
    ['booleans', { stored: 'boolean', distinct: 2 }, 'categorical', 2, 'z', 'jensenshannon'],
    ['floats, 3 values', { stored: 'float', distinct: 3 }, 'numerical', 3, 'chisquare', 'jensenshannon'],
    ['floats', { stored: 'float', distinct: 600 }, 'numerical', 1400, 'ks', 'wasserstein'],
    ['a list column', { stored: 'other', distinct: 600 }, 'unknown', 0, '', ''],
    [
      'integers declared category',
      { stored: 'integer', distinct: 50, declared: 'category' },
      'categorical',
      50,
      'chisquare',
      'jensenshannon',
    ],
  ])('%s', (_label, column, type, union, small, large) => {
    const typing = driftColumnType({ ...base, ...column });
    expect(typing.type).toBe(type);
    if (type !== 'numerical' && type !== 'categorical') return;
    const kind = type === 'numerical' ? 'numeric' : 'categorical';
    expect([chooseDriftMethod(800, kind, union).method, chooseDriftMethod(1500, kind, union).method]).toEqual([
      small,
      large,
    ]);
  });

  test('the reason names the rule that decided', () => {
    expect(driftColumnType({ ...base, stored: 'integer', distinct: 6 }).why).toBe('integer, 6 distinct values ≤ 10');
    expect(driftColumnType({ ...base, stored: 'string', distinct: 360 }).why).toBe(
      'string, 360 distinct of 600 values (more than half): text',
    );
    expect(driftColumnType({ ...base, stored: 'integer', distinct: 3, nulls: 1 }).why).toBe(
      'integer with nulls (a float column to pandas)',
    );
  });
});

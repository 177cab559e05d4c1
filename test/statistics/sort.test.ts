import { describe, expect, test } from 'vitest';
import { sortDoubles } from '../../shared/src/index.js';
import { seededRandom } from '../support/random.js';

// The radix sort against the typed-array sort, bit for bit (−0 before 0, NaN last), on the values that break
// radix sorts of doubles: negatives, both zeros, infinities, NaNs of any sign and payload, subnormals, repeats.

/** A NaN whose bits are not the canonical quiet NaN: negative, with a payload. */
function oddNaN(): number {
  const words = new Uint32Array([0x1234, 0xfff80001]);
  return new Float64Array(words.buffer)[0] as number;
}

const bits = (values: Float64Array) => Array.from(new BigUint64Array(values.buffer, values.byteOffset, values.length));
const canonical = (values: Float64Array) =>
  Float64Array.from(values, (value) => (Number.isNaN(value) ? Number.NaN : value));

function mixed(size: number, seed: number): Float64Array {
  const random = seededRandom(seed);
  const special = [0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, oddNaN(), 5e-324, -5e-324];
  return Float64Array.from({ length: size }, () => {
    const pick = random();
    if (pick < 0.05) return special[Math.floor(random() * special.length)] as number;
    if (pick < 0.3) return Math.round((random() - 0.5) * 20);
    return (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20);
  });
}

describe('sortDoubles', () => {
  test.each([
    ['mixed signs, zeros, infinities, NaNs', mixed(50_000, 1)],
    ['one value repeated (every pass skipped)', new Float64Array(10_000).fill(-2.5)],
    [
      'integers in a narrow range (high digits skipped)',
      Float64Array.from({ length: 20_000 }, (_, i) => (i * 7919) % 1000),
    ],
    ['already ascending', Float64Array.from({ length: 10_000 }, (_, i) => i / 3 - 100)],
    ['descending', Float64Array.from({ length: 10_000 }, (_, i) => 100 - i / 3)],
  ])('%s: the typed-array sort, bit for bit', (_name, values) => {
    const expected = canonical(values.slice().sort());
    const sorted = canonical(sortDoubles(values.slice(), 0));
    expect(bits(sorted)).toEqual(bits(expected));
  });

  test('a view into a larger buffer is sorted without touching the rest', () => {
    const whole = mixed(30_000, 2);
    const view = whole.subarray(1_000, 21_000);
    const before = whole.slice();
    const expected = canonical(view.slice().sort());
    expect(bits(canonical(sortDoubles(view, 0)))).toEqual(bits(expected));
    expect(bits(whole.subarray(0, 1_000))).toEqual(bits(before.subarray(0, 1_000)));
    expect(bits(whole.subarray(21_000))).toEqual(bits(before.subarray(21_000)));
    expect(sortDoubles(new Float64Array([3, -1, 2]))).toEqual(new Float64Array([-1, 2, 3]));
  });
});

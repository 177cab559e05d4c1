/**
 * xoshiro128** seeded through splitmix32: uniform doubles in [0, 1) with 53 random bits, the same sequence for the
 * same seed on every machine and Node version. The state is open so that a hot loop can run the same steps on
 * local variables (`countDrawnCells`) and hand the state back.
 */
export class SeededRandom {
  /** s0..s3 as int32 bit patterns. */
  readonly state: Int32Array;

  constructor(seed: number) {
    let mixed = seed >>> 0;
    const splitmix = (): number => {
      mixed = (mixed + 0x9e3779b9) >>> 0;
      let z = mixed;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.state = Int32Array.of(splitmix(), splitmix(), splitmix(), splitmix());
  }

  next(): number {
    const s = this.state;
    let s0 = s[0]!;
    let s1 = s[1]!;
    let s2 = s[2]!;
    let s3 = s[3]!;
    let product = Math.imul(s1, 5);
    const high = Math.imul((product << 7) | (product >>> 25), 9);
    let shifted = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= shifted;
    s3 = (s3 << 11) | (s3 >>> 21);
    product = Math.imul(s1, 5);
    const low = Math.imul((product << 7) | (product >>> 25), 9);
    shifted = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= shifted;
    s3 = (s3 << 11) | (s3 >>> 21);
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
    return ((high >>> 5) * 67_108_864 + (low >>> 6)) / 9_007_199_254_740_992;
  }
}

/** A seeded PRNG returning uniform doubles in [0, 1) (SeededRandom's sequence). */
export function createRandom(seed: number): () => number {
  const generator = new SeededRandom(seed);
  return () => generator.next();
}

/** Indices drawn ahead of their lookups: the lookups then run in a tight loop whose cache misses overlap. */
const DRAW_BATCH = 4096;

/**
 * Draws `draws` indices uniformly from [0, count) exactly as `Math.floor(random.next() * count)` would, in the
 * same order, and adds one to `counts[cell]` of each drawn index's cell (below 8, two to a byte as packCells
 * packs them: half the memory to look up at random was twice as fast at 10M rows): a bootstrap resample of a
 * counting metric without an index array of the data's length. The generator's steps run on
 * locals (a call and four typed-array writes per draw were much of the time) and the state is handed back at
 * the end; the counts go to four lanes so that repeated cells do not wait on each other's increments.
 */
export function countDrawnCells(
  random: SeededRandom,
  packed: Uint8Array,
  count: number,
  draws: number,
  counts: Int32Array,
): void {
  if (packed.length !== (count + 1) >> 1)
    throw new RangeError('countDrawnCells: the cells are not packed two to a byte');
  if (count > 0x7fffffff) throw new RangeError('countDrawnCells: more than 2^31 - 1 cells');
  const batch = new Int32Array(DRAW_BATCH);
  const lanes = new Int32Array(32);
  const s = random.state;
  let s0 = s[0]!;
  let s1 = s[1]!;
  let s2 = s[2]!;
  let s3 = s[3]!;
  for (let done = 0; done < draws; done += DRAW_BATCH) {
    const size = Math.min(DRAW_BATCH, draws - done);
    for (let draw = 0; draw < size; draw += 1) {
      let product = Math.imul(s1, 5);
      const high = Math.imul((product << 7) | (product >>> 25), 9);
      let shifted = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= shifted;
      s3 = (s3 << 11) | (s3 >>> 21);
      product = Math.imul(s1, 5);
      const low = Math.imul((product << 7) | (product >>> 25), 9);
      shifted = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= shifted;
      s3 = (s3 << 11) | (s3 >>> 21);
      // Below 2^31 a truncation is Math.floor of the same product.
      batch[draw] = ((((high >>> 5) * 67_108_864 + (low >>> 6)) / 9_007_199_254_740_992) * count) | 0;
    }
    for (let draw = 0; draw < size; draw += 1) {
      const index = batch[draw]!;
      lanes[((draw & 3) << 3) | ((packed[index >> 1]! >> ((index & 1) << 2)) & 7)]! += 1;
    }
  }
  s[0] = s0;
  s[1] = s1;
  s[2] = s2;
  s[3] = s3;
  for (let lane = 0; lane < 32; lane += 1) counts[lane & 7]! += lanes[lane]!;
}

/** Cells below 16, two to a byte: the even index's in the low half. */
export function packCells(count: number, cellOf: (index: number) => number): Uint8Array {
  const packed = new Uint8Array((count + 1) >> 1);
  for (let index = 0; index < count; index += 1) packed[index >> 1]! |= cellOf(index) << ((index & 1) << 2);
  return packed;
}

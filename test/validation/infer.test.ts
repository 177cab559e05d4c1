import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  inferSuite,
  loadConfigFile,
  MemoryLogger,
  openDataEngine,
  readSuite,
  resolveDataFiles,
  validateDataset,
} from '../../shared/src/index.js';
import { inferredRange, upperBound } from '../../shared/src/validation/index.js';
import { seededRandom } from '../support/random.js';

async function writeSuite(dir: string, text: string): Promise<string> {
  await writeFile(join(dir, 'suite.yml'), text);
  return join(dir, 'suite.yml');
}

/** Standard normal draws (Box–Muller). */
function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * One sample of a data set: a key that continues from `firstKey`, a normal and a heavy-tailed (log-normal) float,
 * uniform integers 0–100, a label with 3 classes, a 0/1 prediction, a score with 2% nulls.
 */
function sample(seed: number, rows: number, firstKey: number): string {
  const random = seededRandom(seed);
  const lines = ['id,temperature,amount,visits,label,prediction,score'];
  for (let row = 0; row < rows; row += 1) {
    const score = random() < 0.02 ? '' : random().toFixed(4);
    lines.push(
      [
        firstKey + row,
        (15 + 5 * normal(random)).toFixed(3),
        Math.exp(3 + normal(random)).toFixed(2),
        Math.floor(random() * 101),
        ['cat', 'dog', 'bird'][Math.floor(random() * 3)],
        random() < 0.3 ? 1 : 0,
        score,
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

describe('inferred suites hold on the next sample of the same data', () => {
  test('five next samples of 2,000 rows pass every check of the suite inferred from the first; keys are not drift-tested', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'infer-'));
    await writeFile(join(dir, 'first.csv'), sample(1, 2000, 1));
    const engine = await openDataEngine({ log: new MemoryLogger() });
    try {
      const text = await inferSuite(engine, await resolveDataFiles(['first.csv'], dir, 'data'));
      await writeFile(join(dir, 'suite.yml'), text);
      const suite = readSuite(await loadConfigFile(join(dir, 'suite.yml'), 'suite.yml', 'suite'));
      const rules = Object.fromEntries(suite.columns.map((column) => [column.name, column]));
      // The key gets `unique` and no range; the others a range wider than what was seen.
      expect(rules.id).toMatchObject({ unique: true, nullable: false });
      expect(rules.id?.max).toBeUndefined();
      expect(rules.visits).toMatchObject({ type: 'integer', min: 0 });
      expect(rules.visits?.max as number).toBeGreaterThan(100);
      expect([...(rules.label?.in ?? [])].sort()).toEqual(['bird', 'cat', 'dog']);
      expect(rules.score?.maxNullFraction as number).toBeGreaterThan(0.02);
      for (const seed of [2, 3, 4, 5, 6]) {
        const name = `next-${seed}.csv`;
        await writeFile(join(dir, name), sample(seed, 2000, 2000 * (seed - 1) + 1));
        const run = await validateDataset(engine, await resolveDataFiles([name], dir, 'data'), suite, {
          files: await resolveDataFiles(['first.csv'], dir, 'reference'),
        });
        const failed = run.checks.filter((check) => check.status !== 'passed' && check.id !== 'drift.dataset');
        expect(
          failed.map((check) => `${check.id}: ${JSON.stringify(check.observed)}`),
          name,
        ).toEqual([]);
        // Same generator: the key is left out of drift (and of the share), the rest tested.
        expect(run.drift?.skipped.map((item) => item.column)).toEqual(['id']);
        expect(run.drift?.columns.map((column) => column.column)).toEqual([
          'temperature',
          'amount',
          'visits',
          'label',
          'prediction',
          'score',
        ]);
      }
    } finally {
      engine.close();
    }
  }, 120_000);

  test('a wide table (2,000 columns: integers, floats, keys, text) is profiled in a few queries, not a few per column', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'infer-wide-'));
    const random = seededRandom(18);
    const columns = 2000;
    const header = Array.from({ length: columns }, (_, index) => `c${index}`).join(',');
    const rows = Array.from({ length: 100 }, (_, row) =>
      Array.from({ length: columns }, (_, index) =>
        index % 4 === 0
          ? random().toFixed(3)
          : index % 4 === 1
            ? Math.floor(random() * 50)
            : index % 4 === 2
              ? row
              : `t${Math.floor(random() * 5)}`,
      ).join(','),
    );
    await writeFile(join(dir, 'wide.csv'), `${header}\n${rows.join('\n')}\n`);
    const log = new MemoryLogger();
    const engine = await openDataEngine({ log });
    try {
      const text = await inferSuite(engine, await resolveDataFiles(['wide.csv'], dir, 'data'));
      const queries = log.entries.filter((entry) => entry.level === 'debug' && entry.message.startsWith('duckdb '));
      // Load, row view, one aggregate, one read of the 1,000 numeric columns, a top-values query per text column.
      expect(queries.length).toBeLessThan(10 + columns / 4);
      const suite = readSuite(await loadConfigFile(await writeSuite(dir, text), 'suite.yml', 'suite'));
      const rules = Object.fromEntries(suite.columns.map((column) => [column.name, column]));
      expect(suite.columns).toHaveLength(columns);
      expect(rules.c1998).toMatchObject({ type: 'integer', unique: true });
      expect(rules.c1997).toMatchObject({ type: 'integer', min: 0 });
      expect(rules.c1996?.max as number).toBeGreaterThanOrEqual(0.9);
      expect([...(rules.c1999?.in ?? [])].sort()).toEqual(['t0', 't1', 't2', 't3', 't4']);
    } finally {
      engine.close();
    }
  }, 120_000);

  test('the tail bound: a capped column keeps its maximum, a spread one reaches past it, integers round outward', () => {
    expect(upperBound(Float64Array.from([1, 2, 3, 5, 5, 5, 5, 5]))).toBe(5);
    // Top ⌈√16⌉ = 4 values 13..16 over u = 12: mean excess 2.5, bound 12 + 2.5·ln(4/0.001).
    const ramp = Float64Array.from({ length: 16 }, (_, index) => index + 1);
    expect(upperBound(ramp)).toBeCloseTo(12 + 2.5 * Math.log(4000), 12);
    expect(inferredRange(ramp, true)).toEqual({ min: 0, max: 33 });
    expect(inferredRange(Float64Array.from([-3, -2, -1]), false).max).toBe(0);
  });
});

import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  type DriftResult,
  MemoryLogger,
  openDataEngine,
  resolveDataFiles,
  validateDataset,
} from '../../shared/src/index.js';
import { runAllowingFailure } from '../services/process.js';
import { repositoryRoot } from '../support/run-action.js';

// Evidently 0.7.23's DataDriftPreset and validate-data on the same CSV files, one column per kind of column: the
// same columns tested, the same test chosen, the same p-value or distance. Evidently's venv is made by
// scripts/setup from test/validation/evidently/requirements.txt.
const evidentlyPython = join(repositoryRoot, '.cache', 'venv-evidently', 'bin', 'python');
const script = join(repositoryRoot, 'test', 'validation', 'evidently', 'drift_table.py');

/** Evidently's names of its tests, as validate-data names them. */
const METHODS: Record<string, string> = {
  'K-S p_value': 'ks',
  'Z-test p_value': 'z',
  'chi-square p_value': 'chisquare',
  'Wasserstein distance (normed)': 'wasserstein',
  'Jensen-Shannon distance': 'jensenshannon',
};

type EvidentlyResult = Record<string, { method: string; value: number }>;

async function evidentlyOn(dir: string, referenceRows: number, currentRows: number): Promise<EvidentlyResult> {
  if (!existsSync(evidentlyPython)) throw new Error(`${evidentlyPython} is missing: run scripts/setup`);
  const run = await runAllowingFailure(evidentlyPython, [script, dir, String(referenceRows), String(currentRows)], {
    timeoutMs: 600_000,
  });
  if (run.code !== 0) throw new Error(`evidently exited with ${run.code}: ${run.stderr.trim().split('\n').at(-1)}`);
  return JSON.parse(run.stdout) as EvidentlyResult;
}

async function driftOf(dir: string, reference: 'reference.csv' | 'reference-profile.json'): Promise<DriftResult> {
  const engine = await openDataEngine({ log: new MemoryLogger() });
  try {
    const files = await resolveDataFiles(['current.csv'], dir, 'data');
    const source =
      reference === 'reference.csv'
        ? { files: await resolveDataFiles([reference], dir, 'reference') }
        : { profilePath: join(dir, reference), display: reference };
    const run = await validateDataset(engine, files, undefined, source);
    return run.drift as DriftResult;
  } finally {
    engine.close();
  }
}

/** The reference's profile, written as validate-data writes it, next to the data. */
async function writeReferenceProfile(dir: string): Promise<void> {
  const engine = await openDataEngine({ log: new MemoryLogger() });
  try {
    const run = await validateDataset(
      engine,
      await resolveDataFiles(['reference.csv'], dir, 'data'),
      undefined,
      undefined,
    );
    await writeFile(join(dir, 'reference-profile.json'), JSON.stringify(run.profile));
  } finally {
    engine.close();
  }
}

/** Each tested column as [column, method, value]; the value is the p-value, or the distance for distances. */
const ours = (drift: DriftResult) =>
  drift.columns.map((column) => [column.column, column.method, column.pValue ?? column.statistic] as const);

describe.each([
  // ≤ 1000 reference values: z, chi-square and KS; above: Jensen-Shannon and Wasserstein.
  { referenceRows: 800, currentRows: 600 },
  { referenceRows: 1500, currentRows: 1200 },
])('Evidently parity, reference of $referenceRows rows', ({ referenceRows, currentRows }) => {
  let dir: string;
  let evidently: EvidentlyResult;
  let drift: DriftResult;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evidently-parity-'));
    evidently = await evidentlyOn(dir, referenceRows, currentRows);
    drift = await driftOf(dir, 'reference.csv');
  }, 900_000);

  test('every column Evidently tests by value gets the same test and the same p-value or distance', () => {
    const tested = Object.entries(evidently)
      .filter(([, result]) => result.method in METHODS)
      .map(([column, result]) => [column, METHODS[result.method], result.value] as const)
      .sort(([a], [b]) => a.localeCompare(b));
    const mine = ours(drift).sort(([a], [b]) => a.localeCompare(b));
    expect(mine.map(([column, method]) => [column, method])).toEqual(
      tested.map(([column, method]) => [column, method]),
    );
    for (const [index, [column, , value]] of tested.entries()) {
      const got = mine[index]?.[2] as number;
      // Same formulas on the same counts: equal but for rounding (relative 1e-9; p = 0 exactly).
      if (value === 0) expect(got, column).toBe(0);
      else
        expect(Math.abs(got - value) / Math.abs(value), `${column}: ${got} vs Evidently ${value}`).toBeLessThan(1e-9);
    }
  });

  test('the kinds: few-valued integers and booleans are categories, dates in text are categories, free text is skipped', () => {
    const kinds = Object.fromEntries(drift.columns.map((column) => [column.column, column.kind]));
    expect(kinds).toMatchObject({
      int2: 'categorical',
      int6: 'categorical',
      int10: 'categorical',
      int11: 'numeric',
      int_nulls: 'numeric',
      text04: 'categorical',
      date_text: 'categorical',
      flag: 'categorical',
      f: 'numeric',
      f_few: 'numeric',
    });
    // Evidently runs its text model on text06 (0.6 distinct share); validate-data says why it does not test it.
    expect(evidently.text06?.method).toMatch(/text content drift/);
    expect(drift.skipped).toEqual([
      {
        column: 'text06',
        reason: expect.stringMatching(/^string, \d+ distinct of \d+ values \(more than half\): text, which Evidently/),
      },
    ]);
    expect(drift.columns.find((column) => column.column === 'int6')?.why).toMatch(/^integer, 6 distinct values ≤ 10; /);
  });

  test('the profile of the reference gives the same tests and verdicts as the reference itself', async () => {
    await writeReferenceProfile(dir);
    const fromProfile = await driftOf(dir, 'reference-profile.json');
    expect(fromProfile.skipped).toEqual(drift.skipped);
    expect(fromProfile.columns.map((column) => [column.column, column.method, column.drifted])).toEqual(
      drift.columns.map((column) => [column.column, column.method, column.drifted]),
    );
    // Equal values wherever the profile holds what the test needs: all columns but a many-valued float past
    // 1,000 rows, which the profile keeps as its 0.001 quantile grid.
    for (const [index, column] of fromProfile.columns.entries()) {
      const raw = drift.columns[index] as DriftResult['columns'][number];
      if (column.approximate) {
        expect([column.column, referenceRows]).toEqual(['f', 1500]);
        continue;
      }
      expect([column.column, column.pValue, column.statistic]).toEqual([raw.column, raw.pValue, raw.statistic]);
    }
  });
});

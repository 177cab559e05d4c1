import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  DEFAULT_DRIFT,
  type DriftResult,
  declaredTypes,
  loadConfigFile,
  MemoryLogger,
  openDataEngine,
  profileDrift,
  readSuite,
  resolveDataFiles,
  type Suite,
  validateDataset,
} from '../../shared/src/index.js';
import { seededRandom } from '../support/random.js';
import { repositoryRoot } from '../support/run-action.js';

// A profile written from data, used as the drift reference, must give what that data gives: the same columns
// tested, the same tests, the same verdicts, and the same numbers wherever the profile holds what the test needs.

async function run(dir: string, data: string, suite: Suite | undefined, reference?: string) {
  const engine = await openDataEngine({ log: new MemoryLogger() });
  try {
    const files = await resolveDataFiles([data], dir, 'data');
    const source = !reference
      ? undefined
      : reference.endsWith('.json')
        ? { profilePath: join(dir, reference), display: reference }
        : { files: await resolveDataFiles([reference], dir, 'reference') };
    return await validateDataset(engine, files, suite, source);
  } finally {
    engine.close();
  }
}

/** Drift of `data` against `reference` as data and against the profile validate-data writes of it. */
async function bothWays(dir: string, data: string, reference: string, suite?: Suite) {
  const { profile } = await run(dir, reference, undefined);
  await writeFile(join(dir, 'reference-profile.json'), JSON.stringify(profile));
  const raw = (await run(dir, data, suite, reference)).drift as DriftResult;
  const checked = await run(dir, data, suite, 'reference-profile.json');
  const fromProfile = checked.drift as DriftResult;
  // Both sides profiles: the data itself no longer at hand (a model card comparing two releases' training data).
  const profiles = profileDrift(profile, checked.profile, {
    settings: suite?.drift ?? DEFAULT_DRIFT,
    declared: declaredTypes(suite),
  });
  return { raw, fromProfile, profiles };
}

const verdicts = (drift: DriftResult) =>
  drift.columns.map((column) => [column.column, column.kind, column.method, column.drifted]);

/** Columns whose test the profile can run exactly, with their numbers; the others by name. */
const exactNumbers = (drift: DriftResult) =>
  drift.columns.map((column) =>
    column.approximate ? [column.column, 'approximate'] : [column.column, column.statistic, column.pValue],
  );

describe('a profile as the drift reference gives the verdicts of the data it was made from', () => {
  test("the demo: main's 2012–13 weather against 2014–15 with a week of wind in km/h", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'profile-reference-'));
    const [header, ...rows] = (await readFile(join(repositoryRoot, 'examples/demo/data/weather.csv'), 'utf8'))
      .trimEnd()
      .split('\n');
    const main = rows.filter((row) => row < '2014');
    // The demo's sensor fault: wind × 3.6 for a week.
    const pr = rows
      .filter((row) => row >= '2014')
      .map((row, index) => {
        if (index < 100 || index >= 107) return row;
        const fields = row.split(',');
        fields[4] = (Number(fields[4]) * 3.6).toFixed(1);
        return fields.join(',');
      });
    await writeFile(join(dir, 'main.csv'), `${header}\n${main.join('\n')}\n`);
    await writeFile(join(dir, 'pr.csv'), `${header}\n${pr.join('\n')}\n`);
    const suite = readSuite(
      await loadConfigFile(join(repositoryRoot, 'examples/demo/suite.yml'), 'suite.yml', 'suite'),
    );
    const { raw, fromProfile, profiles } = await bothWays(dir, 'pr.csv', 'main.csv', suite);
    // 731 reference rows: p-value tests. Every float here has ≤ 1,000 distinct values or ≤ 1,000 rows: exact.
    expect(verdicts(raw)).toEqual([
      ['precipitation', 'numeric', 'ks', expect.any(Boolean)],
      ['temp_max', 'numeric', 'ks', expect.any(Boolean)],
      ['temp_min', 'numeric', 'ks', expect.any(Boolean)],
      ['wind', 'numeric', 'ks', expect.any(Boolean)],
      ['weather', 'categorical', 'chisquare', true],
    ]);
    expect(verdicts(fromProfile)).toEqual(verdicts(raw));
    expect(exactNumbers(fromProfile)).toEqual(exactNumbers(raw));
    expect(fromProfile.columns.every((column) => !column.approximate)).toBe(true);
    // 730 current rows: their profile keeps every value, so two profiles give the data's very numbers.
    expect(verdicts(profiles)).toEqual(verdicts(raw));
    expect(exactNumbers(profiles)).toEqual(exactNumbers(raw));
    expect([profiles.share, profiles.datasetDrift]).toEqual([raw.share, raw.datasetDrift]);
  });

  test('generated data with drift: 0/1 label and prediction, a 6-valued rating, a float, past 1,000 rows', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'profile-reference-'));
    const table = (seed: number, rows: number, shift: number) => {
      const random = seededRandom(seed);
      const lines = ['label,prediction,rating,amount,city'];
      for (let row = 0; row < rows; row += 1) {
        const label = random() < 0.3 ? 1 : 0;
        const prediction = random() < 0.3 + 0.3 * shift ? 1 : 0;
        const rating = Math.min(5, Math.floor(random() * 6 + shift * 4 * random()));
        lines.push(
          `${label},${prediction},${rating},${(random() * 100 + shift * 30).toFixed(2)},${['Oslo', 'Lima', 'Pune'][Math.floor(random() * 3)]}`,
        );
      }
      return `${lines.join('\n')}\n`;
    };
    await writeFile(join(dir, 'reference.csv'), table(1, 5000, 0));
    await writeFile(join(dir, 'current.csv'), table(2, 4000, 1));
    const { raw, fromProfile, profiles } = await bothWays(dir, 'current.csv', 'reference.csv');
    expect(verdicts(raw)).toEqual([
      ['label', 'categorical', 'jensenshannon', false],
      ['prediction', 'categorical', 'jensenshannon', true],
      ['rating', 'categorical', 'jensenshannon', true],
      ['amount', 'numeric', 'wasserstein', true],
      ['city', 'categorical', 'jensenshannon', false],
    ]);
    expect(verdicts(fromProfile)).toEqual(verdicts(raw));
    // amount has 5,000 distinct values past 1,000 rows: the profile keeps its quantile grid, the rest exactly.
    expect(exactNumbers(fromProfile)).toEqual(
      exactNumbers(raw).map((row) => (row[0] === 'amount' ? ['amount', 'approximate'] : row)),
    );
    expect(fromProfile.skipped).toEqual(raw.skipped);
    // 4,000 current rows: the counted columns stay exact; amount runs on both quantile grids.
    expect(verdicts(profiles)).toEqual(verdicts(raw));
    expect(exactNumbers(profiles)).toEqual(exactNumbers(fromProfile));
    expect(profiles.columns.find((column) => column.column === 'amount')?.statistic).toBeCloseTo(
      raw.columns.find((column) => column.column === 'amount')?.statistic as number,
      2,
    );
    expect(profiles.skipped).toEqual(raw.skipped);
  });

  test('few values on each side, more in both: the test is chosen on the values of both, as with the data', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'profile-reference-'));
    // Three values a side, six in all: past 5 distinct values a float column gets KS, not chi-square.
    const table = (values: number[]) =>
      `score,group\n${Array.from({ length: 240 }, (_, row) => `${values[row % 3]},${['a', 'b'][row % 2]}`).join('\n')}\n`;
    await writeFile(join(dir, 'reference.csv'), table([1.5, 2.5, 3.5]));
    await writeFile(join(dir, 'current.csv'), table([4.5, 5.5, 6.5]));
    const { raw, fromProfile, profiles } = await bothWays(dir, 'current.csv', 'reference.csv');
    expect(verdicts(raw)).toEqual([
      ['score', 'numeric', 'ks', true],
      ['group', 'categorical', 'z', false],
    ]);
    expect(verdicts(fromProfile)).toEqual(verdicts(raw));
    expect(verdicts(profiles)).toEqual(verdicts(raw));
    expect(exactNumbers(profiles)).toEqual(exactNumbers(raw));
  });
});

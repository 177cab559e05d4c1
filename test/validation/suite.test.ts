import { describe, expect, test } from 'vitest';
import { type ConfigurationError, parseConfig, readSuite } from '../../shared/src/index.js';

const full = `version: 1
table:
  row-count: {min: 1000, max: 10000000}
  columns: {required: [id, age, plan]}
  unique: [[id], [user_id, day]]
columns:
  age:  {type: integer, nullable: false, min: 0, max: 120, mean: {min: 30, max: 50}}
  plan: {type: string, in: [free, pro, enterprise], max-null-fraction: 0.01}
  email: {type: string, pattern: '^[^@]+@[^@]+$', unique: true, severity: warning}
  score: {type: float, quantiles: {0.5: {min: 0.4, max: 0.6}}, stddev: {max: 0.3}}
drift:
  columns: all
  method: auto
  threshold: null
  share: 0.5
  severity: warning
`;

describe('readSuite', () => {
  test("reads the issue's example suite completely", () => {
    const suite = readSuite(parseConfig(full, 'suite.yml'));
    expect(suite.rowCount).toEqual({ min: 1000, max: 10_000_000, severity: 'error' });
    expect(suite.columnSet).toEqual({ required: ['id', 'age', 'plan'], severity: 'error' });
    expect(suite.unique.map((unique) => [unique.columns, unique.severity])).toEqual([
      [['id'], 'error'],
      [['user_id', 'day'], 'error'],
      [['email'], 'warning'],
    ]);
    const byName = Object.fromEntries(suite.columns.map((column) => [column.name, column]));
    expect(byName.age).toMatchObject({
      type: 'integer',
      nullable: false,
      min: 0,
      max: 120,
      mean: { min: 30, max: 50, severity: 'error' },
    });
    expect(byName.plan).toMatchObject({ in: ['free', 'pro', 'enterprise'], maxNullFraction: 0.01 });
    expect(byName.email).toMatchObject({ pattern: '^[^@]+@[^@]+$', unique: true, severity: 'warning' });
    expect(byName.score?.quantiles).toEqual([{ q: 0.5, bounds: { min: 0.4, max: 0.6, severity: 'error' } }]);
    expect(suite.drift).toEqual({ columns: 'all', method: 'auto', threshold: null, share: 0.5, severity: 'warning' });
  });

  test.each([
    [
      'version: 1\ncolums: {}\n',
      "s.yml:2: unknown key 'colums' in the suite; allowed: version, table, columns, drift (at colums)",
      2,
      1,
    ],
    ['version: 2\n', "s.yml:1: 'version' must be 1, got 2 (at version)", 1, 10],
    [
      'version: 1\ncolumns:\n  age: {type: int}\n',
      's.yml:3: type must be one of integer, float, number, string, boolean, date, timestamp, category, got "int" (at columns.age.type)',
      3,
      15,
    ],
    [
      'version: 1\ncolumns:\n  age: {minimum: 0}\n',
      "s.yml:3: unknown key 'minimum' in column 'age'; allowed: type, nullable, min, max, in, pattern, unique, max-null-fraction, mean, stddev, quantiles, severity (at columns.age.minimum)",
      3,
      9,
    ],
    [
      'version: 1\ncolumns:\n  age: {nullable: "no"}\n',
      's.yml:3: nullable must be true or false, got "no" (at columns.age.nullable)',
      3,
      19,
    ],
    [
      'version: 1\ncolumns:\n  age: {mean: {min: 5, max: 1}}\n',
      's.yml:3: mean: min 5 is above max 1 (at columns.age.mean)',
      3,
      15,
    ],
    [
      'version: 1\ncolumns:\n  p: {quantiles: {1.5: {max: 1}}}\n',
      "s.yml:3: quantile '1.5' must be a number from 0 to 1 (at columns.p.quantiles.1.5)",
      3,
      18,
    ],
    [
      'version: 1\ncolumns:\n  age: {type: integer, min: "0"}\n',
      `s.yml:3: column 'age' is declared integer: min must be a number, got "0" (text); write 0 without quotes (at columns.age.min)`,
      3,
      29,
    ],
    [
      'version: 1\ncolumns:\n  wind:\n    type: float\n    max: ten\n',
      `s.yml:5: column 'wind' is declared float: max must be a number, got "ten" (text) (at columns.wind.max)`,
      5,
      10,
    ],
    [
      'version: 1\ncolumns:\n  ok: {type: boolean, in: [true, "no"]}\n',
      `s.yml:3: column 'ok' is declared boolean: in[1] must be true or false, got "no" (text) (at columns.ok.in[1])`,
      3,
      34,
    ],
    [
      'version: 1\ncolumns:\n  day: {type: date, max: 20240131}\n',
      `s.yml:3: column 'day' is declared date: max must be a date written as text such as '2024-01-31', got 20240131 (a number) (at columns.day.max)`,
      3,
      26,
    ],
    [
      'version: 1\ncolumns:\n  zip: {type: string, in: ["02139", 2139]}\n',
      `s.yml:3: column 'zip' is declared string: in[1] must be text, got 2139 (a number); quote it ('2139') to compare text (at columns.zip.in[1])`,
      3,
      37,
    ],
    [
      'version: 1\ntable:\n  row-count: {min: "many"}\n',
      's.yml:3: row-count.min must be a number, got "many" (at table.row-count.min)',
      3,
      20,
    ],
    [
      'version: 1\ndrift: {method: kolmogorov}\n',
      's.yml:2: drift.method must be one of auto, ks, chi-square, z, wasserstein, jensen-shannon, psi, got "kolmogorov" (at drift.method)',
      2,
      17,
    ],
    [
      'version: 1\ndrift: {threshold: -0.05}\n',
      's.yml:2: drift.threshold must be 0 or more, got -0.05 (at drift.threshold)',
      2,
      20,
    ],
    ['version: 1\ndrift: {share: 2}\n', 's.yml:2: drift.share must be between 0 and 1, got 2 (at drift.share)', 2, 16],
    [
      'version: 1\ncolumns:\n  a: {severity: fatal}\n',
      's.yml:3: severity must be error, warning or info, got "fatal" (at columns.a.severity)',
      3,
      17,
    ],
  ])('%j is refused at its line', (text, message, line, column) => {
    try {
      readSuite(parseConfig(text, 's.yml'));
      throw new Error('expected an error');
    } catch (error) {
      expect((error as ConfigurationError).message.startsWith(message)).toBe(true);
      expect((error as ConfigurationError).location).toMatchObject({ file: 's.yml', line, column });
    }
  });
});

describe('schemas/suite.schema.json', () => {
  test('accepts what readSuite accepts and refuses an unknown key, for editors', async () => {
    const { readFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { parse } = await import('yaml');
    const { Ajv2020 } = await import('ajv/dist/2020.js');
    const { repositoryRoot } = await import('../support/run-action.js');
    const schema = JSON.parse(await readFile(join(repositoryRoot, 'schemas', 'suite.schema.json'), 'utf8'));
    const validate = new Ajv2020({
      strict: true,
      strictRequired: false,
      allowUnionTypes: true,
      allErrors: true,
    }).compile(schema);
    expect(validate(parse(full)), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(parse('version: 1\ncolumns:\n  a: {minimum: 0}\n'))).toBe(false);
    expect(validate(parse('version: 1\ndrift: {method: kolmogorov}\n'))).toBe(false);
    // A value of the wrong type for the declared column type, as readSuite refuses it.
    expect(validate(parse('version: 1\ncolumns:\n  a: {type: integer, min: "0"}\n'))).toBe(false);
    expect(validate(parse('version: 1\ncolumns:\n  a: {type: boolean, in: [true, "no"]}\n'))).toBe(false);
    expect(validate(parse('version: 1\ncolumns:\n  a: {type: date, max: 20240131}\n'))).toBe(false);
    expect(validate(parse('version: 1\ncolumns:\n  a: {type: date, max: "2024-01-31"}\n'))).toBe(true);
    expect(validate(parse('version: 1\ncolumns:\n  a: {type: category, in: [0, 1]}\n'))).toBe(true);
  });
});

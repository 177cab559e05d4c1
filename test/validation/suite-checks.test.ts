import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import {
  type ConfigurationError,
  type DataFile,
  MemoryLogger,
  openDataEngine,
  parseConfig,
  readSuite,
  resolveDataFiles,
  validateDataset,
} from '../../shared/src/index.js';
import { seededRandom } from '../support/random.js';

// The suite checks on data, failing and passing, as a user reads them: counts, failing rows, the error line.

async function workspace(files: Record<string, string | Buffer>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'suite-checks-'));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

async function check(files: Record<string, string | Buffer>, data: string, suiteText: string, reference?: string) {
  const dir = await workspace(files);
  const engine = await openDataEngine({ log: new MemoryLogger() });
  try {
    const suite = readSuite(parseConfig(suiteText, 'suite.yml', 'suite'));
    const source = reference ? { files: await resolveDataFiles([reference], dir, 'reference') } : undefined;
    return await validateDataset(engine, await resolveDataFiles([data], dir, 'data'), suite, source);
  } finally {
    engine.close();
  }
}

/** Each check as [id, status, observed, details]. */
const outcomes = (run: Awaited<ReturnType<typeof check>>) =>
  run.checks.map((outcome) => [outcome.id, outcome.status, outcome.observed, outcome.details ?? null]);

/** The error a suite gets before any data is read: the data file named here does not exist. */
async function refusal(suiteText: string): Promise<ConfigurationError> {
  const engine = await openDataEngine({ log: new MemoryLogger() });
  const missing: DataFile = { path: '/nonexistent/d.csv', display: 'd.csv', format: 'csv', bytes: 10 };
  try {
    await validateDataset(engine, [missing], readSuite(parseConfig(suiteText, 'suite.yml', 'suite')), undefined);
  } catch (error) {
    return error as ConfigurationError;
  } finally {
    engine.close();
  }
  throw new Error('expected the suite to be refused');
}

describe('pattern: run by DuckDB (RE2) on the data', () => {
  const data = 'email\nann@example.org\nbob.example.org\ncid@example.org\n\ndan at example\nEVE@EXAMPLE.ORG\n';

  test('passes on matching values, fails with the rows that do not match', async () => {
    const run = await check(
      { 'd.csv': data },
      'd.csv',
      "version: 1\ncolumns:\n  email: {pattern: '^[a-z.]+@[a-z.]+$'}\n",
    );
    expect(outcomes(run)).toEqual([
      [
        'column.email.pattern',
        'failed',
        { failingRows: 3 },
        'row 2: "bob.example.org", row 5: "dan at example", row 6: "EVE@EXAMPLE.ORG"',
      ],
    ]);
    const passing = await check(
      { 'd.csv': data },
      'd.csv',
      "version: 1\ncolumns:\n  email: {pattern: '^[a-zA-Z][a-zA-Z.@ ]+$'}\n",
    );
    expect(outcomes(passing)).toEqual([['column.email.pattern', 'passed', { failingRows: 0 }, null]]);
  });

  test("RE2's own syntax that JavaScript refuses, (?i), runs", async () => {
    const run = await check({ 'd.csv': data }, 'd.csv', "version: 1\ncolumns:\n  email: {pattern: '(?i)^[a-z]+@'}\n");
    expect(outcomes(run)).toEqual([
      ['column.email.pattern', 'failed', { failingRows: 2 }, 'row 2: "bob.example.org", row 5: "dan at example"'],
    ]);
  });

  test.each([
    ['a lookahead', '^(?=x)', 'invalid perl operator: (?='],
    ['a lookbehind', '(?<=@)example', 'invalid perl operator: (?<'],
    ['a backreference', '^(a)\\1$', 'invalid escape sequence: \\1'],
  ])('%s, valid in JavaScript, is refused at its line before the data is read', async (_name, pattern, reason) => {
    const error = await refusal(`version: 1\ncolumns:\n  id: {type: integer}\n  email:\n    pattern: '${pattern}'\n`);
    expect(error.message).toBe(
      `suite.yml:5: pattern of column 'email' is not a regular expression DuckDB (RE2) can run: ${reason}; RE2 has no lookahead, lookbehind or backreferences (at columns.email.pattern)`,
    );
    expect(error.location).toMatchObject({ file: 'suite.yml', line: 5, column: 14, input: 'suite' });
  });
});

describe('a suite value of the wrong type is refused at its line, before the scan', () => {
  const data = 'amount,day,ok,label\n1.5,2024-01-02,true,a\n2.5,2024-01-03,false,b\n';

  test.each([
    [
      'a string bound on a column stored as numbers',
      'amount: {max: "ten"}',
      `suite.yml:3: column 'amount' holds DOUBLE values: max must be a number, got "ten" (text) (at columns.amount.max)`,
    ],
    [
      'a quoted number on a column stored as numbers',
      "amount: {min: '0'}",
      `suite.yml:3: column 'amount' holds DOUBLE values: min must be a number, got "0" (text); write 0 without quotes (at columns.amount.min)`,
    ],
    [
      'a category stored as text listed with a boolean',
      'label: {type: category, in: [a, true]}',
      `suite.yml:3: column 'label' holds VARCHAR values (a category compares as stored): in[1] must be text, got true (true/false); quote it ('true') to compare text, or declare the column numeric to compare numbers (at columns.label.in[1])`,
    ],
    [
      'a number bound on a text column',
      'label: {min: 5}',
      `suite.yml:3: column 'label' holds VARCHAR values: min must be text, got 5 (a number); quote it ('5') to compare text, or declare the column numeric to compare numbers (at columns.label.min)`,
    ],
    [
      'a text value on a column stored as true/false',
      'ok: {in: ["yes"]}',
      `suite.yml:3: column 'ok' holds BOOLEAN values: in[0] must be true or false, got "yes" (text) (at columns.ok.in[0])`,
    ],
  ])('%s', async (_name, rules, message) => {
    const dir = await workspace({ 'd.csv': data });
    const engine = await openDataEngine({ log: new MemoryLogger() });
    const files = await resolveDataFiles(['d.csv'], dir, 'data');
    try {
      const suite = readSuite(parseConfig(`version: 1\ncolumns:\n  ${rules}\n`, 'suite.yml', 'suite'));
      await expect(validateDataset(engine, files, suite, undefined)).rejects.toThrow(message);
    } finally {
      engine.close();
    }
  });

  test.each([
    [
      'date',
      "max: '2024-13-01'",
      `max of column 'day' is not a date DuckDB reads: "2024-13-01"; write it as '2024-01-31'`,
    ],
    [
      'timestamp',
      "in: ['2024-01-01 10:00', 'noon']",
      `in[1] of column 'day' is not a timestamp DuckDB reads: "noon"; write it as '2024-01-31 12:00:00'`,
    ],
  ])('a %s bound DuckDB cannot read is refused before the data is read', async (type, rule, message) => {
    const error = await refusal(`version: 1\ncolumns:\n  day: {type: ${type}, ${rule}}\n`);
    expect(error.message.startsWith(`suite.yml:3: ${message}`), error.message).toBe(true);
    expect(error.location).toMatchObject({ file: 'suite.yml', line: 3 });
  });
});

describe('table checks failing and passing', () => {
  const data = 'id,amount\n1,10\n2,20\n3,30\n';

  test('row count below its minimum and above its maximum', async () => {
    const run = await check(
      { 'd.csv': data },
      'd.csv',
      'version: 1\ntable:\n  row-count: {min: 4}\ncolumns:\n  id: {type: integer}\n',
    );
    expect(outcomes(run)[0]).toEqual(['table.row-count', 'failed', 3, null]);
    const high = await check({ 'd.csv': data }, 'd.csv', 'version: 1\ntable:\n  row-count: {max: 2}\n');
    expect(outcomes(high)[0]).toEqual(['table.row-count', 'failed', 3, null]);
    const within = await check({ 'd.csv': data }, 'd.csv', 'version: 1\ntable:\n  row-count: {min: 3, max: 3}\n');
    expect(outcomes(within)[0]).toEqual(['table.row-count', 'passed', 3, null]);
  });

  test('required, exact and forbidden column sets', async () => {
    const required = await check(
      { 'd.csv': data },
      'd.csv',
      'version: 1\ntable:\n  columns: {required: [id, amount, currency, country]}\n',
    );
    expect(outcomes(required)).toEqual([['table.columns', 'failed', expect.anything(), 'missing: currency, country']]);
    const exact = await check(
      { 'd.csv': data },
      'd.csv',
      'version: 1\ntable:\n  columns: {exact: [id], forbidden: [amount]}\n',
    );
    expect(outcomes(exact)).toEqual([
      ['table.columns', 'failed', expect.anything(), 'unexpected: amount; forbidden present: amount'],
    ]);
    const passing = await check({ 'd.csv': data }, 'd.csv', 'version: 1\ntable:\n  columns: {required: [amount]}\n');
    expect(outcomes(passing)).toEqual([['table.columns', 'passed', expect.anything(), null]]);
  });
});

describe('boolean and timestamp columns', () => {
  test('a boolean column stored as booleans passes; text with other words fails at its rows', async () => {
    const run = await check(
      { 'd.csv': 'stored,text\ntrue,true\nfalse,no\ntrue,maybe\nfalse,false\n,\n' },
      'd.csv',
      'version: 1\ncolumns:\n  stored: {type: boolean, in: [true, false]}\n  text: {type: boolean}\n',
    );
    expect(outcomes(run)).toEqual([
      ['column.stored.type', 'passed', { stored: 'BOOLEAN' }, null],
      ['column.stored.in', 'passed', { failingRows: 0 }, null],
      ['column.text.type', 'failed', { failingRows: 1 }, 'row 3: "maybe"'],
    ]);
  });

  test('timestamps: type, and bounds compared as timestamps', async () => {
    const run = await check(
      {
        'd.csv':
          'at,logged\n2024-01-01 09:00:00,2024-01-01 09:00:00\n2024-01-01 23:30:00,yesterday\n2024-01-02 00:00:01,2024-01-02 08:00:00\n',
      },
      'd.csv',
      "version: 1\ncolumns:\n  at: {type: timestamp, min: '2024-01-01 09:30:00', max: '2024-01-02'}\n  logged: {type: timestamp}\n",
    );
    expect(outcomes(run)).toEqual([
      ['column.at.type', 'passed', { stored: 'TIMESTAMP' }, null],
      ['column.at.min', 'failed', { failingRows: 1 }, 'row 1: "2024-01-01 09:00:00"'],
      ['column.at.max', 'failed', { failingRows: 1 }, 'row 3: "2024-01-02 00:00:01"'],
      ['column.logged.type', 'failed', { failingRows: 1 }, 'row 2: "yesterday"'],
    ]);
  });
});

describe('TSV and gzip-compressed CSV read as the same table as CSV', () => {
  const rows = [
    ['id', 'plan', 'amount'],
    ['1', 'free', '0'],
    ['2', 'pro', '12.5'],
    ['3', 'gold', '-4'],
    ['4', 'free', '7'],
  ];
  const suite = 'version: 1\ntable:\n  row-count: {min: 4}\ncolumns:\n  plan: {in: [free, pro]}\n  amount: {min: 0}\n';
  const expected = [
    ['table.row-count', 'passed', 4, null],
    ['column.plan.in', 'failed', { failingRows: 1 }, 'row 3: "gold"'],
    ['column.amount.min', 'failed', { failingRows: 1 }, 'row 3: -4'],
  ];

  test.each([
    ['d.tsv', rows.map((row) => row.join('\t')).join('\n')],
    ['d.csv.gz', gzipSync(rows.map((row) => row.join(',')).join('\n'))],
    ['d.tsv.gz', gzipSync(rows.map((row) => row.join('\t')).join('\n'))],
  ])('%s', async (name, content) => {
    const run = await check({ [name]: content }, name, suite);
    expect(run.rows).toBe(4);
    expect(outcomes(run)).toEqual(expected);
  });
});

describe('dataset drift share', () => {
  test('one column of three drifted: share 1/3, over a 0.3 threshold the dataset check fails', async () => {
    const random = seededRandom(19);
    const table = (shift: number) =>
      `x,y,z\n${Array.from({ length: 400 }, () => [random() + shift, random(), random()].map((value) => value.toFixed(4)).join(',')).join('\n')}\n`;
    const files = { 'reference.csv': table(0), 'current.csv': table(0.5) };
    const text = (share: number) => `version: 1\ndrift: {share: ${share}, severity: error}\n`;
    const over = await check(files, 'current.csv', text(0.3), 'reference.csv');
    expect(over.drift?.columns.map((column) => [column.column, column.method, column.drifted])).toEqual([
      ['x', 'ks', true],
      ['y', 'ks', false],
      ['z', 'ks', false],
    ]);
    expect(outcomes(over).at(-1)).toEqual([
      'drift.dataset',
      'failed',
      { drifted: 1, checked: 3, share: 0.3333 },
      'drifted: x',
    ]);
    const under = await check(files, 'current.csv', text(0.5), 'reference.csv');
    expect(outcomes(under).at(-1)).toEqual([
      'drift.dataset',
      'passed',
      { drifted: 1, checked: 3, share: 0.3333 },
      'drifted: x',
    ]);
  });
});

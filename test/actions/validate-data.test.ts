import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { actionDir, runAction } from '../support/run-action.js';
import { reportValidator } from '../support/schemas.js';

const validateData = actionDir('validate-data');

async function workspace(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'validate-ws-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

const suite = 'version: 1\ntable:\n  row-count: {min: 1}\ncolumns:\n  age: {type: integer}\n';

describe('validate-data (skeleton) through the runner harness', () => {
  test('writes outputs, a schema-valid report and a job summary', async () => {
    const ws = await workspace({ 'data/a.csv': 'age\n1\n', 'data/b.csv': 'age\n2\n', 'suite.yml': suite });
    const run = await runAction(validateData, {
      inputs: { data: 'data/*.csv', suite: 'suite.yml', 'fail-on': 'error' },
      workspace: ws,
    });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ passed: 'true', errors: '0', warnings: '1' });
    expect(run.outputs.report).toBe(join(run.runnerTemp, 'mlops-reports', 'validate-data-step_1.json'));

    const report = JSON.parse(await readFile(run.outputs.report as string, 'utf8'));
    const validate = await reportValidator();
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report).toMatchObject({
      action: 'validate-data',
      status: 'warning',
      run: { repository: expect.stringContaining('/'), runId: '4242' },
      data: [
        { path: 'data/a.csv', format: 'csv', bytes: 6 },
        { path: 'data/b.csv', format: 'csv', bytes: 6 },
      ],
    });
    expect(report.checks.map((check: { id: string }) => check.id)).toEqual(['data.files', 'suite.evaluated']);
    expect(run.summary).toContain('### ⚠️ Data validation');
    expect(run.summary).toContain('| ⚠️ | Suite evaluated |');
    expect(run.stdout).toContain('::group::Resolve data files');
  });

  test("fail-on warning fails the step on the skeleton's warning", async () => {
    const ws = await workspace({ 'd.csv': 'a\n1\n', 'suite.yml': suite });
    const run = await runAction(validateData, {
      inputs: { data: 'd.csv', suite: 'suite.yml', 'fail-on': 'warning' },
      workspace: ws,
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.passed).toBe('false');
    expect(run.annotations).toEqual([
      {
        level: 'error',
        title: 'validate-data: checks failed',
        message: "1 check(s) failed at fail-on 'warning': 1 data file(s) found; suite read, not evaluated.",
      },
    ]);
  });

  test.each([
    [
      { 'fail-on': 'sometimes' },
      "Input 'fail-on' must be one of 'error', 'warning', 'never', got \"sometimes\".",
      'fail-on',
    ],
    [{ data: 'missing/*.csv' }, "Input 'data': no file matches 'missing/*.csv'", 'data'],
    [{ data: 'notes.txt' }, "Input 'data': 'notes.txt' has an unsupported extension '.txt'", 'data'],
    [{ data: 'd.csv, d.parquet' }, "Input 'data': the files are read as one table and must share a format", 'data'],
    [{ suite: '' }, "Input 'suite' is required but was not given.", 'suite'],
    [{ suite: 'nope.yml' }, "Configuration file 'nope.yml' does not exist.", 'suite'],
  ])('bad input %j: one ::error:: naming the input, exit 1, no stack', async (override, message, input) => {
    const ws = await workspace({ 'd.csv': 'a\n1\n', 'd.parquet': 'PAR1', 'notes.txt': 'x', 'suite.yml': suite });
    const run = await runAction(validateData, {
      inputs: { data: 'd.csv', suite: 'suite.yml', 'fail-on': 'error', ...override },
      workspace: ws,
    });
    expect(run.exitCode).toBe(1);
    expect(run.annotations).toHaveLength(1);
    expect(run.annotations[0]).toMatchObject({ level: 'error', title: `validate-data: input '${input}'` });
    expect(run.annotations[0]?.message).toContain(message);
    expect(run.stdout).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(run.outputs.report).toBeUndefined();
  });

  test('a suite with an unknown key points at the file and line', async () => {
    const ws = await workspace({ 'd.csv': 'a\n1\n', 'conf/suite.yml': 'version: 1\ncolumns: {}\ncolums:\n  a: {}\n' });
    const run = await runAction(validateData, { inputs: { data: 'd.csv', suite: 'conf/suite.yml' }, workspace: ws });
    expect(run.exitCode).toBe(1);
    expect(run.annotations).toEqual([
      {
        level: 'error',
        title: "validate-data: input 'suite'",
        file: 'conf/suite.yml',
        line: 3,
        column: 1,
        message: "conf/suite.yml:3: unknown key 'colums'; a suite has version, table, columns, drift (at colums)",
      },
    ]);
  });
});

import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigurationError, InputReader } from '../../shared/src/index.js';

// A runner's layout on disk: the checkout (GITHUB_WORKSPACE), RUNNER_TEMP, and a secret elsewhere that a pull
// request links to from inside its checkout.
let home: string;
let workspace: string;
let runnerTemp: string;
let secret: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'mlops-boundary-'));
  workspace = join(home, 'workspace');
  runnerTemp = join(home, 'runner-temp');
  const elsewhere = join(home, 'elsewhere');
  secret = join(elsewhere, 'credentials.csv');
  await Promise.all([mkdir(join(workspace, 'data'), { recursive: true }), mkdir(runnerTemp), mkdir(elsewhere)]);
  await writeFile(secret, 'key,value\naws_secret_access_key,hunter2\n');
  await writeFile(join(workspace, 'data', 'train.csv'), 'a\n1\n');
  await writeFile(join(runnerTemp, 'downloaded.csv'), 'a\n1\n');
  await symlink(secret, join(workspace, 'data.csv'));
  await symlink(elsewhere, join(workspace, 'ml'));
  await symlink(join(workspace, 'data', 'train.csv'), join(workspace, 'train-link.csv'));
  await symlink(workspace, join(home, 'workspace-link'));
});
afterAll(() => rm(home, { recursive: true, force: true }));

function reader(inputs: Record<string, string>, enforced = true, root = workspace): InputReader {
  return new InputReader((name) => inputs[name], { workspace: root, boundary: { enforced, runnerTemp } });
}

function refusal(work: () => unknown): ConfigurationError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected the path to be refused');
}

describe('InputReader.resolveConfined: paths from inputs stay in the workspace or RUNNER_TEMP', () => {
  test.each([
    ['a link to a file elsewhere', 'data', 'data.csv', () => secret],
    ['a file under a linked directory', 'tests', 'ml/credentials.csv', () => secret],
    ['`..` out of the checkout', 'suite', '../elsewhere/credentials.csv', () => secret],
    ['an absolute path elsewhere', 'gate', () => secret, () => secret],
  ])('%s is refused, naming the input and where the path leads', (_, input, given, leadsTo) => {
    const value = typeof given === 'function' ? given() : given;
    const error = refusal(() => reader({ [input]: value }).resolveConfined(input, value));
    expect(error.location).toEqual({ input });
    expect(error.message).toContain(`Input '${input}': '`);
    expect(error.message).toContain(`is outside the workspace (${workspace}) and RUNNER_TEMP`);
    expect(error.message).toContain(leadsTo());
    expect(error.message).toContain("Set 'allow-paths-outside-workspace: true' to read it anyway.");
  });

  test('a link says where it resolves to', () => {
    const error = refusal(() => reader({}).resolveConfined('data', 'data.csv'));
    expect(error.message).toBe(
      `Input 'data': 'data.csv' resolves to '${secret}', which is outside the workspace (${workspace}) and ` +
        "RUNNER_TEMP. Set 'allow-paths-outside-workspace: true' to read it anyway.",
    );
  });

  test.each([
    ['a file in the checkout', 'data/train.csv', () => join(workspace, 'data', 'train.csv')],
    ['a link that stays in the checkout', 'train-link.csv', () => join(workspace, 'train-link.csv')],
    ['`..` that comes back in', 'data/../data/train.csv', () => join(workspace, 'data', 'train.csv')],
    [
      'an absolute path under RUNNER_TEMP',
      () => join(runnerTemp, 'downloaded.csv'),
      () => join(runnerTemp, 'downloaded.csv'),
    ],
    ['a file not written yet, in the checkout', 'out/suite.yml', () => join(workspace, 'out', 'suite.yml')],
  ])('%s is allowed', (_, given, expected) => {
    const value = typeof given === 'function' ? given() : given;
    expect(reader({}).resolveConfined('data', value)).toBe(expected());
  });

  test('a workspace reached through a symlink itself still holds its files', () => {
    const linked = join(home, 'workspace-link');
    expect(reader({}, true, linked).resolveConfined('data', 'data/train.csv')).toBe(join(linked, 'data', 'train.csv'));
    expect(() => reader({}, true, linked).resolveConfined('data', 'data.csv')).toThrow(ConfigurationError);
  });

  test("the input allow-paths-outside-workspace: true lets it through; 'yes' is not a boolean", () => {
    expect(reader({ 'allow-paths-outside-workspace': 'true' }).resolveConfined('data', 'data.csv')).toBe(
      join(workspace, 'data.csv'),
    );
    const error = refusal(() => reader({ 'allow-paths-outside-workspace': 'yes' }).resolveConfined('data', 'data.csv'));
    expect(error.location.input).toBe('allow-paths-outside-workspace');
  });

  test('not enforced (the CLI on a developer machine), any path goes', () => {
    expect(reader({}, false).resolveConfined('data', 'data.csv')).toBe(join(workspace, 'data.csv'));
  });

  test('confinedFiles checks every file a glob found', () => {
    const files = [{ path: join(workspace, 'data', 'train.csv') }, { path: join(workspace, 'data.csv') }];
    expect(refusal(() => reader({}).confinedFiles('data', files)).message).toContain(secret);
    expect(reader({}).confinedFiles('data', files.slice(0, 1))).toEqual(files.slice(0, 1));
  });
});

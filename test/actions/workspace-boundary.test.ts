import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { actionDir, runAction } from '../support/run-action.js';

// A pull request's checkout that links to files elsewhere on the runner, as `node dist/index.js` sees it.
let home: string;
let secret: string;
const SECRET_VALUE = 'hunter2-never-in-a-comment';

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'mlops-boundary-action-'));
  const elsewhere = join(home, 'elsewhere');
  await mkdir(elsewhere);
  secret = join(elsewhere, 'credentials.csv');
  await writeFile(secret, `key,value\naws_secret_access_key,${SECRET_VALUE}\n`);
  await writeFile(join(elsewhere, 'tests.yml'), 'version: 1\nmetrics: {accuracy: {min: 0.5}}\n');
});

async function workspaceWith(files: Record<string, string>, links: Record<string, string> = {}): Promise<string> {
  const workspace = join(await mkdtemp(join(home, 'pr-')), 'workspace');
  await mkdir(workspace);
  for (const [name, content] of Object.entries(files)) await writeFile(join(workspace, name), content);
  for (const [name, target] of Object.entries(links)) await symlink(target, join(workspace, name));
  return workspace;
}

const suite = "version: 1\ncolumns:\n  key: {type: string}\n  value: {type: string, pattern: '^[a-z]$'}\n";

describe('paths that lead outside the workspace are refused by every action that reads them', () => {
  test('validate-data: data.csv linked to a credentials file fails with one error and quotes none of it', async () => {
    const workspace = await workspaceWith({ 'suite.yml': suite }, { 'data.csv': secret });
    const run = await runAction(actionDir('validate-data'), {
      workspace,
      inputs: { data: 'data.csv', suite: 'suite.yml', comment: 'never' },
    });
    expect(run.exitCode).toBe(1);
    expect(run.annotations).toEqual([
      {
        level: 'error',
        title: "validate-data: input 'data'",
        message:
          `Input 'data': 'data.csv' resolves to '${secret}', which is outside the workspace (${workspace}) and ` +
          "RUNNER_TEMP. Set 'allow-paths-outside-workspace: true' to read it anyway.",
      },
    ]);
    expect(run.stdout + run.stderr + run.summary).not.toContain(SECRET_VALUE);
    expect(run.outputs.report).toBeUndefined();
  });

  test('test-model: tests under a directory linked outside, and predictions through `..`', async () => {
    const predictions = 'label,prediction,score\n1,1,0.9\n0,0,0.1\n';
    const linked = await workspaceWith({ 'p.csv': predictions }, { ml: join(home, 'elsewhere') });
    const viaLink = await runAction(actionDir('test-model'), {
      workspace: linked,
      inputs: { predictions: 'p.csv', tests: 'ml/tests.yml', baseline: 'none', comment: 'never' },
    });
    expect(viaLink.exitCode).toBe(1);
    expect(viaLink.annotations.map((annotation) => annotation.message)).toEqual([
      `Input 'tests': 'ml/tests.yml' resolves to '${join(home, 'elsewhere', 'tests.yml')}', which is outside the ` +
        `workspace (${linked}) and RUNNER_TEMP. Set 'allow-paths-outside-workspace: true' to read it anyway.`,
    ]);

    const dotted = await workspaceWith({});
    await writeFile(join(dotted, '..', 'outside.csv'), predictions);
    const viaDots = await runAction(actionDir('test-model'), {
      workspace: dotted,
      inputs: { predictions: '../outside.csv', baseline: 'none', comment: 'never' },
    });
    expect(viaDots.exitCode).toBe(1);
    expect(viaDots.annotations.map((annotation) => annotation.message)).toEqual([
      `Input 'predictions': '${join(dotted, '..', 'outside.csv')}' is outside the workspace (${dotted}) and ` +
        "RUNNER_TEMP. Set 'allow-paths-outside-workspace: true' to read it anyway.",
    ]);
  });

  test('deploy: a gate file linked outside is refused before any traffic moves', async () => {
    const workspace = await workspaceWith({}, { 'gate.yml': join(home, 'elsewhere', 'tests.yml') });
    const run = await runAction(actionDir('deploy'), {
      workspace,
      inputs: {
        provider: 'command',
        'set-weight-command': 'true {weight}',
        baseline: 'stable',
        candidate: 'canary',
        gate: 'gate.yml',
        'prometheus-url': 'http://127.0.0.1:9',
      },
    });
    expect(run.exitCode).toBe(1);
    expect(run.annotations.map((annotation) => annotation.message)).toEqual([
      `Input 'gate': 'gate.yml' resolves to '${join(home, 'elsewhere', 'tests.yml')}', which is outside the ` +
        `workspace (${workspace}) and RUNNER_TEMP. Set 'allow-paths-outside-workspace: true' to read it anyway.`,
    ]);
  });

  test('an absolute path under RUNNER_TEMP is read, and allow-paths-outside-workspace lets a link through', async () => {
    const runnerTemp = await mkdtemp(join(home, 'runner-temp-'));
    await writeFile(join(runnerTemp, 'downloaded.csv'), 'key,value\na,b\n');
    const workspace = await workspaceWith({ 'suite.yml': suite }, { 'data.csv': secret });
    const fromTemp = await runAction(actionDir('validate-data'), {
      workspace,
      env: { RUNNER_TEMP: runnerTemp },
      inputs: { data: join(runnerTemp, 'downloaded.csv'), suite: 'suite.yml', comment: 'never' },
    });
    expect(fromTemp.exitCode, fromTemp.stdout).toBe(0);
    expect(fromTemp.outputs.passed).toBe('true');

    const allowed = await runAction(actionDir('validate-data'), {
      workspace,
      inputs: { data: 'data.csv', suite: 'suite.yml', comment: 'never', 'allow-paths-outside-workspace': 'true' },
    });
    // Read, so the suite's check sees the linked file's value (not one letter).
    expect(allowed.outputs.errors, allowed.stdout).toBe('1');
  });
});

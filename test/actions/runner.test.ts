import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { repositoryRoot, runAction, runPost } from '../support/run-action.js';

const fixture = join(repositoryRoot, 'test', 'fixtures', 'actions', 'fixture');

describe('runAction through the shared bundle, as the runner runs it', () => {
  test('a configuration error is one ::error:: with file and line, exit 1, no stack', async () => {
    const workspace = await mkdtemp(join(tmpdir(), 'fixture-ws-'));
    await writeFile(join(workspace, 'gate.yml'), 'version: 1\nalpha: 0.05\nalpha: 0.01\n');
    const run = await runAction(fixture, { inputs: { behaviour: 'config', gate: 'gate.yml' }, workspace });
    expect(run.exitCode).toBe(1);
    expect(run.annotations).toEqual([
      {
        level: 'error',
        message: 'gate.yml:3: Map keys must be unique',
        title: "fixture: input 'gate'",
        file: 'gate.yml',
        line: 3,
        column: 1,
      },
    ]);
    expect(run.stdout).not.toMatch(/\bat .+:\d+:\d+/);
    expect(run.stderr).toBe('');
  });

  test('a bug fails with a hint; the stack appears only with ACTIONS_STEP_DEBUG', async () => {
    const quiet = await runAction(fixture, { inputs: { behaviour: 'bug' } });
    expect(quiet.exitCode).toBe(1);
    expect(quiet.annotations.map((a) => a.message)).toEqual([
      'cannot read properties of undefined (re-run with debug logging for the stack trace)',
    ]);
    expect(quiet.stdout).not.toContain('TypeError');

    const debug = await runAction(fixture, { inputs: { behaviour: 'bug' }, env: { ACTIONS_STEP_DEBUG: 'true' } });
    expect(debug.exitCode).toBe(1);
    expect(debug.stdout).toMatch(/TypeError: cannot read properties of undefined\n\s+at /);
  });

  test.each([
    ['string', 'fixture failed with a thrown string (not an Error): a plain string'],
    ['object', 'fixture failed with a thrown object (not an Error): {"code":42}'],
  ])('a thrown %s fails the step', async (behaviour, message) => {
    const run = await runAction(fixture, { inputs: { behaviour } });
    expect(run.exitCode).toBe(1);
    expect(run.annotations[0]?.message).toContain(message);
  });

  test('a missing required input names it', async () => {
    const run = await runAction(fixture);
    expect(run.exitCode).toBe(1);
    expect(run.annotations).toEqual([
      {
        level: 'error',
        message: "Input 'behaviour' is required but was not given.",
        title: "fixture: input 'behaviour'",
      },
    ]);
  });

  test('secrets are masked for the runner and absent from outputs and logs', async () => {
    const run = await runAction(fixture, { inputs: { behaviour: 'ok', token: 'ghp_abcdef123456' } });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('::add-mask::ghp_abcdef123456');
    const withoutMaskCommand = run.stdout.replace('::add-mask::ghp_abcdef123456', '');
    expect(withoutMaskCommand).not.toContain('ghp_abcdef123456');
    expect(withoutMaskCommand).toContain('token in a log line: ***');
    expect(run.outputs.echo).toBe('token=***');
  });

  test('main saves state; the post step sees it and knows it is the post step', async () => {
    const main = await runAction(fixture, { inputs: { behaviour: 'ok' } });
    expect(main.state).toEqual({ isPost: 'true', weight: '25' });
    expect(main.outputs['post-saw-weight']).toBeUndefined();
    const post = await runPost(main);
    expect(post.exitCode).toBe(0);
    expect(post.outputs).toEqual({ 'post-saw-weight': '25' });
  });
});

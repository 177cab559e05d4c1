import { describe, expect, test } from 'vitest';
import { ConfigurationError, describeFailure, GateFailure, isDebugEnabled } from '../../shared/src/index.js';

describe('describeFailure', () => {
  test('a configuration error points at its input, file and line, without a stack', () => {
    const error = new ConfigurationError('gate.yml:4: margin must be a number', {
      input: 'gate',
      file: 'gate.yml',
      line: 4,
      column: 7,
    });
    expect(describeFailure('deploy', error, true)).toEqual({
      message: 'gate.yml:4: margin must be a number',
      where: { title: "deploy: input 'gate'", file: 'gate.yml', line: 4, column: 7 },
    });
  });

  test('a failed gate is one line without a stack, even under debug', () => {
    expect(describeFailure('test-model', new GateFailure('f1 fell by 0.02'), true)).toEqual({
      message: 'f1 fell by 0.02',
      where: { title: 'test-model: checks failed' },
    });
  });

  test('a bug shows its stack only with debug logging', () => {
    const bug = new TypeError('x is undefined');
    expect(describeFailure('promote', bug, false)).toEqual({
      message: 'x is undefined (re-run with debug logging for the stack trace)',
      where: { title: 'promote failed' },
    });
    expect(describeFailure('promote', bug, true).stack).toContain('TypeError: x is undefined');
  });

  test('a thrown non-Error still fails, described', () => {
    expect(describeFailure('report', 'nope', false).message).toBe(
      'report failed with a thrown string (not an Error): nope (re-run with debug logging for the stack trace)',
    );
    expect(describeFailure('report', { code: 1 }, true).message).toBe(
      'report failed with a thrown object (not an Error): {"code":1}',
    );
  });

  test.each([
    [{ RUNNER_DEBUG: '1' }, true],
    [{ ACTIONS_STEP_DEBUG: 'true' }, true],
    [{ ACTIONS_STEP_DEBUG: 'TRUE' }, true],
    [{ RUNNER_DEBUG: '0' }, false],
    [{}, false],
  ])('debug from %j is %s', (env, expected) => {
    expect(isDebugEnabled(env)).toBe(expected);
  });
});

import { describe, expect, test } from 'vitest';
import {
  ConfigurationError,
  environmentInputSource,
  formatDuration,
  InputReader,
  inputVariableName,
  parseBoolean,
  parseByteSize,
  parseDuration,
  parseEnum,
  parseInteger,
  parseList,
  parseNumber,
} from '../../shared/src/index.js';

function errorOf(work: () => unknown): ConfigurationError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError');
}

describe('parseBoolean', () => {
  test.each([
    ['true', true],
    ['TRUE', true],
    ['True', true],
    [' false ', false],
    ['FALSE', false],
  ])('%j → %j', (text, expected) => {
    expect(parseBoolean(text, 'push')).toBe(expected);
  });

  test.each(['yes', 'no', '1', '0', 'on', 'ture', ''])('%j is refused with the input named', (text) => {
    const error = errorOf(() => parseBoolean(text, 'push'));
    expect(error.message).toBe(`Input 'push' must be true or false, got ${JSON.stringify(text)}.`);
    expect(error.location.input).toBe('push');
  });
});

describe('parseInteger', () => {
  test.each([
    ['10', {}, 10],
    ['-3', {}, -3],
    ['+7', {}, 7],
    [' 42 ', { min: 0, max: 100 }, 42],
    ['0', { min: 0 }, 0],
  ])('%j with %j → %d', (text, bounds, expected) => {
    expect(parseInteger(text, 'n', bounds)).toBe(expected);
  });

  test.each([
    ['1.5', {}, 'Input \'n\' must be a whole number such as 10, got "1.5".'],
    ['ten', {}, 'Input \'n\' must be a whole number such as 10, got "ten".'],
    ['1e3', {}, 'Input \'n\' must be a whole number such as 10, got "1e3".'],
    ['99999999999999999999', {}, 'Input \'n\' must be a whole number such as 10, got "99999999999999999999".'],
    ['101', { min: 0, max: 100 }, 'Input \'n\' must be between 0 and 100, got "101".'],
    ['-1', { min: 0 }, 'Input \'n\' must be at least 0, got "-1".'],
    ['11', { max: 10 }, 'Input \'n\' must be at most 10, got "11".'],
  ])('%j with %j is refused', (text, bounds, message) => {
    expect(errorOf(() => parseInteger(text, 'n', bounds)).message).toBe(message);
  });
});

describe('parseNumber', () => {
  test.each([
    ['0.05', 0.05],
    ['.5', 0.5],
    ['1e-3', 0.001],
    ['-2.5E2', -250],
    ['3', 3],
  ])('%j → %d', (text, expected) => {
    expect(parseNumber(text, 'alpha')).toBe(expected);
  });

  test.each(['', '0x10', 'NaN', 'Infinity', '1,5', '5%', '1.2.3'])('%j is refused', (text) => {
    expect(errorOf(() => parseNumber(text, 'alpha')).message).toContain("Input 'alpha' must be a number such as 0.05");
  });

  test('bounds apply', () => {
    expect(errorOf(() => parseNumber('1.5', 'alpha', { min: 0, max: 1 })).message).toBe(
      'Input \'alpha\' must be between 0 and 1, got "1.5".',
    );
  });
});

describe('parseByteSize', () => {
  test.each([
    ['512MB', 512e6],
    ['1.5GB', 1.5e9],
    ['2GiB', 2 * 2 ** 30],
    [' 64 mib ', 64 * 2 ** 20],
    ['100KB', 1e5],
  ])('%j → %d bytes', (text, expected) => {
    expect(parseByteSize(text, 'memory-limit')).toBe(expected);
  });

  test.each(['512', '', 'MB', '5 M', '1.5 gigs', '-1GB', '1e9B'])('%j is refused', (text) => {
    const error = errorOf(() => parseByteSize(text, 'memory-limit'));
    expect(error.message).toBe(
      `Input 'memory-limit' must be a size such as 512MB, 1.5GB or 2GiB (units KB, MB, GB, TB or KiB, MiB, GiB, TiB), got ${JSON.stringify(text)}.`,
    );
  });
});

describe('parseDuration', () => {
  test.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['2d', 172_800_000],
    ['1.5s', 1500],
    [' 1H ', 3_600_000],
    ['1m30s500ms', 90_500],
  ])('%j → %d ms', (text, expected) => {
    expect(parseDuration(text, 'interval')).toBe(expected);
  });

  test.each(['60', '', 's', '5 m', '5min', '-5s', '1h-30m', '5m foo'])('%j is refused', (text) => {
    const error = errorOf(() => parseDuration(text, 'interval'));
    expect(error.message).toBe(
      `Input 'interval' must be a duration such as 90s, 5m or 1h30m (units ms, s, m, h, d), got ${JSON.stringify(text)}.`,
    );
  });

  test('bounds are shown as durations', () => {
    expect(errorOf(() => parseDuration('2s', 'interval', { min: 5000 })).message).toBe(
      'Input \'interval\' must be at least 5s, got "2s".',
    );
    expect(errorOf(() => parseDuration('3h', 'interval', { min: 1000, max: 7_200_000 })).message).toBe(
      'Input \'interval\' must be between 1s and 2h, got "3h".',
    );
  });

  test.each([
    [0, '0s'],
    [5_400_000, '1h30m'],
    [90_500, '1m30s500ms'],
  ])('formatDuration(%d) = %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('parseList', () => {
  test.each([
    ['a,b,c', ['a', 'b', 'c']],
    ['a, b , c', ['a', 'b', 'c']],
    ['a\nb\n\nc\n', ['a', 'b', 'c']],
    ['5,25,\n50,100', ['5', '25', '50', '100']],
    ['', []],
    [' , ,', []],
  ])('%j → %j', (text, expected) => {
    expect(parseList(text)).toEqual(expected);
  });
});

describe('parseEnum', () => {
  test('accepts an allowed value exactly', () => {
    expect(parseEnum(' warning ', 'fail-on', ['error', 'warning', 'never'])).toBe('warning');
  });
  test.each(['Error', 'err', ''])('%j is refused with the allowed values listed', (text) => {
    expect(errorOf(() => parseEnum(text, 'fail-on', ['error', 'warning', 'never'])).message).toBe(
      `Input 'fail-on' must be one of 'error', 'warning', 'never', got ${JSON.stringify(text)}.`,
    );
  });
});

describe('InputReader', () => {
  const env = {
    [inputVariableName('fail-on')]: 'warning',
    [inputVariableName('github token')]: 'abc',
    INPUT_EMPTY: '  ',
    INPUT_FLAG: 'maybe',
    INPUT_STEPS: '5,25\n50',
    INPUT_INTERVAL: '1m',
    INPUT_COUNT: '3',
    INPUT_RATE: '0.25',
    INPUT_SUITE: 'suite.yml',
  };
  const reader = new InputReader(environmentInputSource(env), { workspace: '/work/repo' });

  test('names variables as the runner does: upper case, spaces to underscores, hyphens kept', () => {
    expect(inputVariableName('fail-on')).toBe('INPUT_FAIL-ON');
    expect(inputVariableName('github token')).toBe('INPUT_GITHUB_TOKEN');
    expect(reader.optional('fail-on')).toBe('warning');
    expect(reader.optional('github token')).toBe('abc');
  });

  test('an empty or blank input counts as not given', () => {
    expect(reader.optional('empty')).toBeUndefined();
    expect(reader.optional('absent')).toBeUndefined();
    expect(reader.boolean('empty', true)).toBe(true);
  });

  test('required names the missing input', () => {
    const error = errorOf(() => reader.required('empty'));
    expect(error.message).toBe("Input 'empty' is required but was not given.");
    expect(error.location).toEqual({ input: 'empty' });
    expect(errorOf(() => reader.requiredList('absent')).message).toContain("Input 'absent' is required");
  });

  test('typed readers parse and fall back', () => {
    expect(reader.list('steps')).toEqual(['5', '25', '50']);
    expect(reader.duration('interval', '60s')).toBe(60_000);
    expect(reader.duration('absent', '60s')).toBe(60_000);
    expect(reader.duration('absent')).toBeUndefined();
    expect(reader.integer('count', 1, { min: 1 })).toBe(3);
    expect(reader.integer('absent', 7)).toBe(7);
    expect(reader.number('rate', 0)).toBe(0.25);
    expect(reader.enum('fail-on', ['error', 'warning', 'never'], 'error')).toBe('warning');
    expect(reader.enum('absent', ['a', 'b'])).toBeUndefined();
  });

  test('a strict boolean refuses a typo instead of turning a feature off', () => {
    expect(errorOf(() => reader.boolean('flag', false)).message).toBe(
      'Input \'flag\' must be true or false, got "maybe".',
    );
  });

  test('paths resolve against the workspace and display relative to it', () => {
    expect(reader.path('suite')).toBe('/work/repo/suite.yml');
    expect(reader.display('/work/repo/conf/suite.yml')).toBe('conf/suite.yml');
    expect(reader.display('/elsewhere/x.yml')).toBe('/elsewhere/x.yml');
  });

  test('existingPath checks existence and kind', async () => {
    const here = new InputReader((name) => ({ dir: 'test', file: 'package.json', gone: 'nope.txt' })[name], {
      workspace: process.cwd(),
    });
    await expect(here.existingPath('dir', 'directory')).resolves.toBe(`${process.cwd()}/test`);
    await expect(here.existingPath('file', 'file')).resolves.toBe(`${process.cwd()}/package.json`);
    await expect(here.existingPath('gone')).rejects.toThrow("Input 'gone': 'nope.txt' does not exist.");
    await expect(here.existingPath('dir', 'file')).rejects.toThrow("Input 'dir': 'test' is not a file.");
    await expect(here.existingPath('file', 'directory')).rejects.toThrow(
      "Input 'file': 'package.json' is not a directory.",
    );
  });
});

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigurationError, loadConfigFile, parseConfig } from '../../shared/src/index.js';

const gate = `version: 1
alpha: 0.05
metrics:
  - name: error-rate
    kind: proportion
    margin: 0.002
  - name: latency
    kind: threshold
    max: 0.3
`;

describe('parseConfig', () => {
  test('locates values, keys and list items by line and column', () => {
    const document = parseConfig(gate, 'gate.yml');
    expect(document.value).toMatchObject({ version: 1, metrics: [{ name: 'error-rate' }, { max: 0.3 }] });
    expect(document.locate(['alpha'])).toEqual({ line: 2, column: 8 });
    expect(document.locate(['metrics', 1])).toEqual({ line: 7, column: 5 });
    expect(document.locate(['metrics', 1, 'max'])).toEqual({ line: 9, column: 10 });
    expect(document.locate(['metrics', 1, 'max'], { key: true })).toEqual({ line: 9, column: 5 });
    // A path that does not exist points at its nearest existing parent.
    expect(document.locate(['metrics', 0, 'missing'])).toEqual({ line: 4, column: 5 });
  });

  test('error() builds a ConfigurationError with file, line and the path', () => {
    const error = parseConfig(gate, 'gate.yml', 'gate').error(['metrics', 0, 'margin'], 'margin must be below 1');
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe('gate.yml:6: margin must be below 1 (at metrics[0].margin)');
    expect(error.location).toEqual({ file: 'gate.yml', line: 6, column: 13, input: 'gate' });
  });

  test('a YAML syntax error names its line', () => {
    expect(() => parseConfig('version: 1\nmetrics: [a, b\nalpha: 1\n', 'bad.yml')).toThrow(/^bad\.yml:\d+: /);
    try {
      parseConfig('a: 1\nb: [\n', 'bad.yml');
    } catch (error) {
      expect((error as ConfigurationError).location.file).toBe('bad.yml');
      expect((error as ConfigurationError).location.line).toBeGreaterThanOrEqual(2);
    }
  });

  test('a duplicate key is an error at the duplicate', () => {
    try {
      parseConfig('version: 1\nalpha: 0.05\nalpha: 0.01\n', 'dup.yml');
      throw new Error('expected an error');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).message).toMatch(/^dup\.yml:3: .*unique/i);
    }
  });

  test('JSON files parse the same way, with lines', () => {
    const document = parseConfig('{\n  "version": 1,\n  "alpha": "x"\n}\n', 'gate.json');
    expect(document.value).toEqual({ version: 1, alpha: 'x' });
    expect(document.locate(['alpha']).line).toBe(3);
  });

  test('loadConfigFile says when the file is missing', async () => {
    await expect(loadConfigFile('/nonexistent/suite.yml', 'suite.yml', 'suite')).rejects.toMatchObject({
      message: "Configuration file 'suite.yml' does not exist.",
      location: { file: 'suite.yml', input: 'suite' },
    });
    const dir = await mkdtemp(join(tmpdir(), 'config-'));
    await writeFile(join(dir, 'ok.yml'), 'version: 1\n');
    await expect(loadConfigFile(join(dir, 'ok.yml'))).resolves.toMatchObject({ value: { version: 1 } });
    await expect(loadConfigFile(dir, 'dir')).rejects.toThrow("Configuration file 'dir' is a directory.");
  });
});

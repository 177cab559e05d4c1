import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, test } from 'vitest';
import { ConfigurationError, metricAlpha, parseConfig, readGate, renderQuery } from '../../shared/src/index.js';
import { repositoryRoot } from '../support/run-action.js';

const VALID_GATE = `version: 1
alpha: 0.05
min-samples: 500
metrics:
  - name: error-rate
    kind: proportion
    events: sum(increase(http_requests_total{variant="$variant",code=~"5.."}[$window]))
    trials: sum(increase(http_requests_total{variant="$variant"}[$window]))
    better: lower
    role: guardrail
    margin: 0.002
  - name: conversion
    events: sum(increase(conversions_total{variant="$variant"}[$window]))
    trials: sum(increase(http_requests_total{variant="$variant"}[$window]))
    better: higher
    role: primary
    margin: 0.01
  - name: latency-p95
    kind: threshold
    query: histogram_quantile(0.95, sum by (le) (rate(request_seconds_bucket{variant="$variant"}[$window])))
    max: 0.3
`;

async function gateSchema() {
  const schema = JSON.parse(await readFile(join(repositoryRoot, 'schemas', 'gate.schema.json'), 'utf8'));
  return new Ajv2020({ allErrors: true, strict: false }).compile(schema);
}

/** Each case replaces one line of VALID_GATE (1-based) and expects the error on that line. */
const mistakes: { name: string; line: number; replace: string; message: RegExp; reportedAt?: number }[] = [
  { name: 'wrong version', line: 1, replace: 'version: 2', message: /'version' must be 1/ },
  { name: 'alpha out of range', line: 2, replace: 'alpha: 1.5', message: /'alpha' must be a number in \(0, 0.5\]/ },
  { name: 'min-samples not whole', line: 3, replace: 'min-samples: 10.5', message: /whole number/ },
  { name: 'unknown top key', line: 3, replace: 'min-sample: 500', message: /unknown key 'min-sample'/ },
  { name: 'bad kind', line: 6, replace: '    kind: ratio', message: /'kind' must be one of proportion, threshold/ },
  { name: 'events without $variant', line: 7, replace: '    events: sum(increase(x[$window]))', message: /\$variant/ },
  { name: 'trials without $window', line: 8, replace: '    trials: sum(x{variant="$variant"})', message: /\$window/ },
  { name: 'bad better', line: 9, replace: '    better: smaller', message: /'better' must be one of lower, higher/ },
  { name: 'bad role', line: 10, replace: '    role: canary', message: /'role' must be one of guardrail, primary/ },
  { name: 'negative margin', line: 11, replace: '    margin: -0.1', message: /'margin' must be a number in \[0, 1\)/ },
  { name: 'unknown metric key', line: 17, replace: '    margins: 0.01', message: /unknown key 'margins'/ },
  { name: 'duplicate name', line: 12, replace: '  - name: error-rate', message: /used twice/ },
  {
    name: 'threshold without $variant',
    line: 20,
    replace: '    query: histogram_quantile(0.95, x)',
    message: /\$variant/,
  },
  { name: 'threshold max not a number', line: 21, replace: '    max: fast', message: /'max' must be a number/ },
  // The YAML parser reports an unclosed flow sequence where the document ends.
  { name: 'YAML syntax', line: 21, replace: '    max: [0.3', message: /gate.yml:22: /, reportedAt: 22 },
];

function withLine(line: number, replace: string): string {
  const lines = VALID_GATE.split('\n');
  lines[line - 1] = replace;
  return lines.join('\n');
}

describe('gate file', () => {
  test('the issue example reads with defaults, Bonferroni alpha and per-arm queries', () => {
    const gate = readGate(parseConfig(VALID_GATE, 'gate.yml', 'gate'));
    expect(gate.metrics.map((metric) => [metric.name, metric.kind])).toEqual([
      ['error-rate', 'proportion'],
      ['conversion', 'proportion'],
      ['latency-p95', 'threshold'],
    ]);
    expect(gate.variants).toEqual({ baseline: 'baseline', candidate: 'candidate' });
    expect(metricAlpha(gate)).toBeCloseTo(0.025, 15);
    const errorRate = gate.metrics[0];
    expect(errorRate?.kind === 'proportion' && renderQuery(errorRate.events, 'candidate', 41.2)).toBe(
      'sum(increase(http_requests_total{variant="candidate",code=~"5.."}[42s]))',
    );
  });

  test.each(mistakes)('$name: error names gate.yml and line $line', async ({ line, replace, message, reportedAt }) => {
    const text = withLine(line, replace);
    let thrown: unknown;
    try {
      readGate(parseConfig(text, 'gate.yml', 'gate'));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    const error = thrown as ConfigurationError;
    expect(error.message).toMatch(message);
    expect(error.location.file).toBe('gate.yml');
    expect(error.location.line).toBe(reportedAt ?? line);
    expect(error.message.startsWith(`gate.yml:${reportedAt ?? line}: `)).toBe(true);
    expect(error.location.input).toBe('gate');
  });

  test('the JSON schema accepts the example and rejects each mistake the reader rejects', async () => {
    const validate = await gateSchema();
    const { parse } = await import('yaml');
    expect(validate(parse(VALID_GATE)), JSON.stringify(validate.errors)).toBe(true);
    for (const { name, line, replace } of mistakes) {
      if (name === 'YAML syntax' || name === 'duplicate name') continue; // not expressible / not a document
      expect(validate(parse(withLine(line, replace))), name).toBe(false);
    }
  });

  test('a threshold needs max or min, a proportion needs role and better', () => {
    const threshold = 'version: 1\nmetrics:\n  - name: p95\n    kind: threshold\n    query: x{variant="$variant"}\n';
    expect(() => readGate(parseConfig(threshold, 'g.yml'))).toThrow(
      /g.yml:3: threshold metric 'p95' needs 'max' or 'min'/,
    );
    const proportion =
      'version: 1\nmetrics:\n  - name: err\n    events: a{v="$variant"}[$window]\n    trials: b{v="$variant"}[$window]\n    better: lower\n';
    expect(() => readGate(parseConfig(proportion, 'g.yml'))).toThrow(/g.yml:3: .*needs 'role'/);
  });
});

import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  buildReport,
  countChecks,
  failingChecks,
  overallStatus,
  type ReportCheck,
  renderChecks,
  reportFileName,
  SecretMask,
  writeReport,
} from '../../shared/src/index.js';
import { reportValidator } from '../support/schemas.js';

const check = (status: ReportCheck['status'], severity: ReportCheck['severity']): ReportCheck => ({
  id: `${status}-${severity}`,
  title: `${status} ${severity}`,
  status,
  severity,
});

describe('overallStatus and counts', () => {
  test.each([
    [[], 'passed'],
    [[check('passed', 'error')], 'passed'],
    [[check('failed', 'info')], 'passed'],
    [[check('failed', 'warning')], 'warning'],
    [[check('warning', 'error')], 'warning'],
    [[check('failed', 'warning'), check('failed', 'error')], 'failed'],
  ] as const)('%j → %s', (checks, status) => {
    expect(overallStatus(checks)).toBe(status);
  });

  test('fail-on decides how many checks fail the step', () => {
    const checks = [
      check('failed', 'error'),
      check('failed', 'warning'),
      check('warning', 'warning'),
      check('passed', 'error'),
    ];
    expect(countChecks(checks)).toEqual({ errors: 1, warnings: 2, passed: 1 });
    expect(failingChecks(checks, 'error')).toBe(1);
    expect(failingChecks(checks, 'warning')).toBe(3);
    expect(failingChecks(checks, 'never')).toBe(0);
  });
});

describe('writeReport', () => {
  test('writes schema-valid JSON with secrets redacted, one file per step', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'report-'));
    const secrets = new SecretMask();
    secrets.add('tok3n');
    const report = buildReport({
      action: 'validate-data',
      headline: '1 check failed',
      checks: [{ ...check('failed', 'error'), details: 'used tok3n' }],
      run: { repository: 'o/r', runId: '1', url: 'https://github.com/o/r/actions/runs/1' },
      fields: { data: [{ path: 'x.csv' }] },
    });
    const path = await writeReport(dir, report, '__acme_step', (text) => secrets.redact(text));
    expect(path).toBe(join(dir, 'mlops-reports', 'validate-data-acme_step.json'));
    const written = JSON.parse(await readFile(path, 'utf8'));
    expect(written.checks[0].details).toBe('used ***');
    expect(written.status).toBe('failed');
    expect(written.data).toEqual([{ path: 'x.csv' }]);
    const validate = await reportValidator();
    expect(validate(written), JSON.stringify(validate.errors)).toBe(true);
  });

  test('the schema rejects what is not a report', async () => {
    const validate = await reportValidator();
    expect(validate({ action: 'validate-data', status: 'ok', checks: [] })).toBe(false);
    expect(validate.errors?.map((error) => error.message)).toContain("must have required property 'schemaVersion'");
  });

  test('file names keep two steps of one job apart', () => {
    expect(reportFileName('deploy', undefined)).toBe('deploy.json');
    expect(reportFileName('deploy', 'canary/step 2')).toBe('deploy-canary_step_2.json');
  });
});

describe('renderChecks', () => {
  test('shows the verdict, the open checks in a table and the passed ones collapsed', () => {
    const report = buildReport({
      action: 'test-model',
      headline: 'f1 below threshold',
      checks: [
        { ...check('failed', 'error'), title: 'f1 ≥ 0.8', observed: 0.79, expected: { min: 0.8 } },
        { ...check('passed', 'error'), title: 'accuracy' },
      ],
      run: { url: 'https://github.com/o/r/actions/runs/9' },
    });
    const markdown = renderChecks('Model tests', report);
    expect(markdown).toContain('### ❌ Model tests');
    expect(markdown).toContain('**f1 below threshold** · 1 failed · 0 warnings · 1 passed');
    expect(markdown).toContain('| ❌ | f1 ≥ 0.8 | 0.79 | ≥ 0.8 |  |');
    expect(markdown).toMatch(/<details>\n<summary>1 passed check<\/summary>\n\n[\s\S]*\| ✅ \| accuracy \|/);
    expect(markdown).toContain('<sub>[Workflow run](https://github.com/o/r/actions/runs/9)</sub>');
  });
});

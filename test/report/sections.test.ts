import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  buildReport,
  categoricalDistribution,
  combineReports,
  countCategories,
  describeValue,
  driftScore,
  loadUntrustedReport,
  numericDistribution,
  renderChecks,
  renderStage,
} from '../../shared/src/index.js';
import { reportValidator } from '../support/schemas.js';
import { DIGEST, dataReport, deployReport, imageReport, modelReport, promoteReport } from './fixtures.js';

describe('readable cells', () => {
  test.each([
    [{ min: 0.7 }, '≥ 0.7'],
    [{ max: 12 }, '≤ 12'],
    [{ min: 1, max: 5 }, '≥ 1, ≤ 5'],
    [{ failingRows: 4 }, '4 failing rows'],
    [{ failingRows: 1 }, '1 failing row'],
    [{ nullFraction: -0.00047 }, 'null fraction −0.047%'],
    [{ duplicatedKeys: 0, duplicatedRows: 0 }, '0 duplicated keys, 0 duplicated rows'],
    [{ drifted: 2, checked: 5, share: 0.4 }, '2 drifted columns, 5 columns checked, share 0.4'],
    [{ required: ['a', 'b'], exact: null }, 'required a, b'],
    [0.00046935327200452366, '0.0004694'],
    [-0.03, '−0.03'],
    [null, 'none'],
  ])('%j reads %s', (value, text) => {
    expect(describeValue(value)).toBe(text);
  });

  test('a check table says expected and observed in words, with correct plurals', () => {
    const markdown = renderChecks('Data validation', dataReport());
    expect(markdown).toContain(
      '| ❌ | age ≤ 120 | 4 failing rows | ≤ 120 | row 3: 130, row 9: 150, row 11: 999, row 40: 121 |',
    );
    expect(markdown).toContain('**1 failed, 0 warnings of 3 checks on 120 rows** · 1 failed · 0 warnings · 2 passed');
    expect(markdown).toContain('<summary>2 passed checks</summary>');
    expect(markdown).toContain('| ✅ | age nulls | null fraction 0.047% | max null fraction 1% |  |');
    expect(markdown).not.toMatch(/\{"/);
  });
});

describe('each stage from its report', () => {
  test('data: failed checks with samples, the drift table, a chart on the scale its title names', () => {
    const markdown = renderStage(dataReport());
    expect(markdown).toContain('### ❌ Data validation');
    expect(markdown).toContain(
      '#### Drift against `main profile`: 2 of 4 columns drifted (share 0.5, dataset drift at 0.5)',
    );
    expect(markdown).toContain('| age | ks | 0.61 | 1.000e-40 | 0.05 | 🔴 yes |');
    // Folded under the table: each drifted column's reference and current on shared bins or top categories.
    expect(markdown).toContain('<summary>Reference vs current of the 2 drifted columns</summary>');
    expect(markdown).toContain('| age | reference | current |');
    expect(markdown).toContain('| 18 – 40 | ███████████████ 75% | ████ 20% |');
    expect(markdown).toContain('| 40 – 62 | █████ 25% | ████████████████ 80% |');
    expect(markdown).toContain('| &lt;b&gt;high&lt;/b&gt; | ██████ 30% | ████████████ 60% |');
    expect(markdown).toContain('| region | psi | 0.05 |  | 0.1 | 🟢 no |');
    expect(markdown).toContain('title "Drift ≥ 1: −log10 p ÷ −log10 α, distance ÷ threshold"');
    // age (p = 1e-40) stands far above income (p = 0.01): no cap makes them look the same.
    expect(markdown).toContain('bar [30.7449, 1.53724, 0.5, 0.305865]');
    expect(markdown.endsWith('\n\n<sub>[Workflow run](https://github.com/acme/churn/actions/runs/42)</sub>')).toBe(
      true,
    );
    expect(driftScore({ pValue: 0.05, statistic: 0, threshold: 0.05 })).toBeCloseTo(1, 12);
    expect(driftScore({ statistic: 0.2, threshold: 0.1 })).toBe(2);
  });

  test('model: metrics against main with Δ and the significance verdict, slices with base value and change, confusion matrix', () => {
    const markdown = renderStage(modelReport());
    expect(markdown).toContain('### ❌ Model tests: churn');
    expect(markdown).toContain('**1 of 2 tests failed**: f1 drop ≤ 0.01 · binary · 500 examples · compared with main');
    expect(markdown).toMatch(
      /\| `f1` \| 0\.84 \| 0\.81 \| 🔴 ▼ −0\.03<br><sub>worse \(95% CI −0\.05 … −0\.01\)<\/sub> \| ❌ drop ≤ 0\.01 \|/,
    );
    // accuracy's change was not tested against the noise: an arrow, no red or green.
    expect(markdown).toContain('| `accuracy` | 0.88 | 0.9 | ▲ +0.02 | ✅ ≥ 0.8 |');
    expect(markdown).toContain('| EU | 200 | 0.8 <sub>(main 0.85, Δ −0.05)</sub> |');
    expect(markdown).toContain('| `no` | 300 | 20 |');
    expect(markdown).toContain('| `yes` | 30 | 150 |');
    // Side by side: one bar per metric and side, not two overlapping series.
    expect(markdown).toContain('x-axis ["f1 · main", "f1 · PR", "accuracy · main", "accuracy · PR"]');
    expect(markdown.match(/^ {4}bar /gm)).toHaveLength(1);
    expect(markdown).toContain('bar [0.84, 0.81, 0.88, 0.9]');
  });

  test('image: the digest, tags, size, builder and the model labels', () => {
    const markdown = renderStage(imageReport());
    expect(markdown).toContain(`**\`ghcr.io/acme/churn@${DIGEST}\`** · built with layers · 50.0 MiB · pushed as 1 tag`);
    expect(markdown).toContain('- `ghcr.io/acme/churn:pr-5`');
    expect(markdown).toContain('| `ai.mlops.model.name` | `churn` |');
    expect(markdown).toContain('| `org.opencontainers.image.revision` | `abc123` |');
    expect(markdown).not.toContain('image.created');
  });

  test('promote: what moved from what to what, and the MLflow alias and version', () => {
    const markdown = renderStage(promoteReport());
    expect(markdown).toContain(
      '| `ghcr.io/acme/churn:production` | `sha256:9f0000000000` | `sha256:1a2bcccccccc` | moved | 0 |',
    );
    expect(markdown).toContain('- Alias `champion` of `churn`: version 6 → 7');
  });

  test('deploy: the decision once, "rolled back at 5%", the final weight, the evidence and the candidate', () => {
    const markdown = renderStage(deployReport());
    expect(markdown).toContain(
      '**rolled back at 5%: p95 latency harm shown** · final candidate weight 0% · candidate `churn-canary`',
    );
    expect(markdown.match(/p95 latency harm shown/g)).toHaveLength(1);
    expect(markdown).not.toContain('rolled-back at');
    expect(markdown).toContain('| 5% | `latency_p95` | guardrail | 900 / 120 | 1% → 5% (+4 pp) |');
    expect(markdown).toContain('❌ harm | Λ crossed 1/α |');
  });
});

describe('validate-data on a remote engine', () => {
  test('the section names the engine and the bytes returned, and states each grid bound', async () => {
    const report = dataReport();
    const drift = report.drift as { columns: Record<string, unknown>[] };
    Object.assign(drift.columns[0] as object, { approximate: true, bound: 0.00181 });
    const remote = buildReport({
      action: 'validate-data',
      headline: report.headline,
      run: report.run,
      checks: report.checks,
      fields: { rows: 120, drift, engine: { name: 'postgres', queries: 15, bytesReceived: 176_975 } },
    });
    expect((await reportValidator())(remote)).toBe(true);
    const markdown = renderStage(remote);
    expect(markdown).toContain('Checked where the data lives, on postgres: 15 queries, 177.0 KB returned.');
    expect(markdown).toContain(
      '≈ Computed by the engine on a grid of counts both sides share, each within a proven bound of the exact statistic: age ± 0.00181.',
    );
    // The profile note is for columns approximate without a bound only: none here.
    expect(markdown).not.toContain('The reference is a profile without raw values');
    // An engine's name is not rendered unchecked: the schema allows only the three engines.
    const forged = { ...remote, engine: { name: '<img src=x>', bytesReceived: 1 } };
    expect((await reportValidator())(forged)).toBe(false);
  });

  test("a Spark report's estimated profile quantiles are loaded as a report and named, their column names inert", async () => {
    const report = dataReport();
    const estimated = { columns: ['id', '<img src=x>'], rankError: 1e-5 };
    const spark = buildReport({
      action: 'validate-data',
      headline: report.headline,
      run: report.run,
      checks: report.checks,
      fields: {
        rows: 120,
        engine: { name: 'spark', queries: 18, bytesReceived: 347_000, approximateQuantiles: estimated },
      },
    });
    // Loaded as the report stage and the model card load an artifact: through the schema the code validates with.
    const folder = await mkdtemp(join(tmpdir(), 'spark-report-'));
    const load = async (value: unknown) => {
      const path = join(folder, 'report.json');
      await writeFile(path, JSON.stringify(value));
      return loadUntrustedReport(path, 'validate-data', undefined);
    };
    const loaded = await load(spark);
    if (!('report' in loaded)) throw new Error(`refused: ${loaded.reason}`);
    expect((await reportValidator())(spark)).toBe(true);
    const markdown = renderStage(loaded.report);
    expect(markdown).toContain('Checked where the data lives, on spark: 18 queries, 347.0 KB returned.');
    expect(markdown).toContain(
      "≈ The profile's quantiles of id, &lt;img src=x&gt; are the engine's estimates, each within 0.001% of the values in rank.",
    );
    expect(markdown).not.toContain('<img');
    const unbounded = {
      ...spark,
      engine: { name: 'spark', bytesReceived: 1, approximateQuantiles: { columns: ['x'] } },
    };
    expect(await load(unbounded)).toMatchObject({ reason: expect.stringMatching(/^not a report: /) });
    expect((await reportValidator())(unbounded)).toBe(false);
  });
});

describe('the combined comment', () => {
  const reports = () => [dataReport(), modelReport(), imageReport()];

  test('a status line per stage; each section is the stage’s own, without its heading; failed open, passed folded', () => {
    const { comment, shortened } = combineReports(reports(), 'https://github.com/acme/churn/actions/runs/43');
    expect(shortened).toBe(false);
    expect(comment).toContain(
      'data ❌ 2 drifted · model ❌ f1 −0.03 vs main · image ✅ sha256:1a2bcccccccc… · promote — not run · deploy — not run',
    );
    expect(comment).toContain(
      '<details open>\n<summary>❌ data: 1 failed, 0 warnings of 3 checks on 120 rows</summary>',
    );
    expect(comment).toContain('<details open>\n<summary>❌ model: churn: 1 of 2 tests failed</summary>');
    expect(comment).toContain(
      `<details>\n<summary>✅ image: ghcr.io/acme/churn@\u2060${DIGEST} pushed as pr-5</summary>`,
    );
    for (const report of reports()) {
      const own = renderStage(report);
      const body = renderStage(report, { heading: false });
      expect(own.endsWith(body)).toBe(true);
      expect(comment).toContain(body);
    }
    expect(comment).not.toMatch(/^### .*(Model tests|Data validation|Model image)/m);
    expect(comment).toContain('| `f1` | 0.84 | 0.81 |');
  });

  test('over the limit, sections are shortened with a link to the run’s summary, failed ones last', () => {
    const big = dataReport();
    big.checks.push(
      ...Array.from({ length: 400 }, (_, index) => ({
        id: `column.c${index}.type`,
        title: `c${index} is a number`,
        status: 'passed' as const,
        severity: 'error' as const,
        details: 'x'.repeat(200),
      })),
    );
    const url = 'https://github.com/acme/churn/actions/runs/43';
    const passedBig = { ...big, status: 'passed' as const };
    const first = combineReports([passedBig, modelReport()], url, 65_536);
    expect(first.full.length).toBeGreaterThan(65_536);
    expect(first.shortened).toBe(true);
    expect(first.comment.length).toBeLessThanOrEqual(65_536);
    expect(first.comment).toContain(`Shortened to fit a comment: the whole section is in [the run's summary](${url}).`);
    expect(first.comment).toContain('| `f1` | 0.84 | 0.81 |');

    const second = combineReports([big, modelReport()], url, 65_536);
    expect(second.comment.length).toBeLessThanOrEqual(65_536);
    expect(second.comment.match(/Shortened to fit a comment/g)).toHaveLength(2);
    expect(second.comment).toContain('data ❌ 2 drifted · model ❌ f1 −0.03 vs main');
  });

  test('a report whose fields do not draw falls back to its checks', () => {
    const broken = buildReport({
      action: 'deploy',
      headline: 'odd',
      run: {},
      checks: [{ id: 'x', title: 'x', status: 'passed', severity: 'error' }],
      fields: { decision: 'promoted', finalWeight: 100, steps: 'not a list' },
    });
    const { comment } = combineReports([broken], undefined);
    expect(comment).toContain("(This report's own fields could not be drawn.)");
    expect(comment).toContain('| ✅ | x |');
  });
});

describe('the report schema carries what the sections read', () => {
  test('every stage fixture is a valid report', async () => {
    const validate = await reportValidator();
    for (const report of [dataReport(), modelReport(), imageReport(), deployReport(), promoteReport()]) {
      expect(validate(JSON.parse(JSON.stringify(report))), `${report.action}: ${JSON.stringify(validate.errors)}`).toBe(
        true,
      );
    }
  });

  test.each([
    [
      'deploy',
      deployReport,
      (report: Record<string, unknown>) => Object.assign(report, { finalWeight: '<img src=x>' }),
      '/finalWeight',
    ],
    [
      'test-model',
      modelReport,
      (report: Record<string, unknown>) => {
        (report.significance as Record<string, unknown>[])[0]!.verdict = '<b>better</b>';
      },
      '/significance/0/verdict',
    ],
    [
      'test-model',
      modelReport,
      (report: Record<string, unknown>) => {
        (report.slices as Record<string, unknown>[])[0]!.rows = '<img>';
      },
      '/slices/0/rows',
    ],
    [
      'build-image',
      imageReport,
      (report: Record<string, unknown>) => Object.assign(report, { digest: 'sha256:<img>' }),
      '/digest',
    ],
  ])('a %s report whose fields have the wrong types is refused (%#)', async (_action, make, spoil, path) => {
    const validate = await reportValidator();
    const report = JSON.parse(JSON.stringify(make())) as Record<string, unknown>;
    spoil(report);
    expect(validate(report)).toBe(false);
    expect(validate.errors?.map((error) => error.instancePath)).toContain(path);
  });
});

describe('distributions of drifted columns', () => {
  test('numbers: both sides on the same equal-width bins over their joint range', () => {
    expect(numericDistribution([1, 2, 3, 4], [3, 4, 5, 9], 4)).toEqual({
      kind: 'numeric',
      edges: [1, 3, 5, 7, 9],
      reference: [0.5, 0.5, 0, 0],
      current: [0, 0.5, 0.25, 0.25],
    });
    expect(numericDistribution([2, 2], [2], 4)).toEqual({
      kind: 'numeric',
      edges: [2, 2],
      reference: [1],
      current: [1],
    });
  });

  test('categories: the most common on either side, the rest as (other)', () => {
    const counts = countCategories(['a', 'a', 'b', 'c', 'd'], ['b', 'b', 'b', 'e']);
    expect(categoricalDistribution(counts, 2)).toEqual({
      kind: 'categorical',
      categories: ['b', 'a', '(other)'],
      reference: [0.2, 0.4, 0.4],
      current: [0.75, 0, 0.25],
    });
  });
});

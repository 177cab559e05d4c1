import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { combineReports, renderStage } from '../../shared/src/index.js';
import { CHROMIUM, MermaidBrowser, mermaidBlocks, testOutputDir } from '../support/mermaid.js';
import { repositoryRoot } from '../support/run-action.js';
import { dataReport, deployReport, imageReport, modelReport, promoteReport } from './fixtures.js';

/**
 * Every Mermaid block our sections emit is drawn by the `mermaid` package in headless Chromium, as GitHub draws it:
 * a block GitHub could not draw fails here. The drawings are kept as PNGs under .mlops/test-output/mermaid.
 */
let browser: MermaidBrowser;
beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup (Debian package chromium).`);
  browser = await MermaidBrowser.open();
}, 60_000);
afterAll(() => browser?.close());

describe('Mermaid blocks draw in a browser', () => {
  test('a block GitHub cannot draw is caught', async () => {
    const drawn = await browser.draw('xychart-beta\n    x-axis ["a", "b"]\n    bar [1, 2\n');
    expect(drawn.ok).toBe(false);
    expect(drawn.error).toBeTruthy();
  }, 30_000);

  test('every chart of every stage and of the combined comment draws, kept as PNGs', async () => {
    const output = await testOutputDir(repositoryRoot, 'mermaid');
    const reports = [dataReport(), modelReport(), imageReport(), promoteReport(), deployReport()];
    const combined = combineReports(reports, 'https://github.com/acme/churn/actions/runs/43').comment;
    await writeFile(join(output, 'combined-comment.md'), combined);
    const blocks = [
      ...reports.flatMap((report) =>
        mermaidBlocks(renderStage(report)).map((block) => ({ report: report.action, block })),
      ),
      ...mermaidBlocks(combined).map((block) => ({ report: 'combined', block })),
    ];
    // The drift chart and the model's side-by-side chart, in their sections and in the combined comment.
    expect(blocks.map((item) => item.report)).toEqual(['validate-data', 'test-model', 'combined', 'combined']);
    for (const [index, { report, block }] of blocks.entries()) {
      const png = join(output, `${index + 1}-${report}.png`);
      const drawn = await browser.draw(block, png);
      expect(drawn, `${report} chart ${index + 1}:\n${block}`).toEqual({ ok: true });
    }
    expect((await readdir(output)).filter((name) => name.endsWith('.png'))).toHaveLength(4);
  }, 120_000);
});

// The demo's summary: one verdict per stage result, the files it wrote, and how many stages failed before reporting
// (which makes the demo fail; a stage failing its gates is the demo working).
import { existsSync } from 'node:fs';
import { relative } from 'node:path';

/**
 * What became of a stage: passed; failed its gates (it ran and wrote its report, which says why: the injected
 * fault makes validate-data fail on purpose); or FAILED before reporting, with the reason it printed or threw.
 */
export function stageVerdict(result) {
  if (result.exitCode === 0) return { reported: true, text: 'passed (exit 0)' };
  if (result.outputs.report && existsSync(result.outputs.report))
    return { reported: true, text: `failed its gates (exit ${result.exitCode})` };
  const exit = result.exitCode === undefined ? '' : ` (exit ${result.exitCode})`;
  return { reported: false, text: `FAILED${exit}: ${result.reason ?? 'no reason printed; see its output above'}` };
}

/** The summary's lines for `results` (paths relative to `root`, only files that exist) and the count that crashed. */
export function summarize(results, root) {
  const lines = [];
  let crashed = 0;
  for (const result of results) {
    const verdict = stageVerdict(result);
    if (!verdict.reported) crashed += 1;
    // build-image, model-card, promote and deploy have no `passed` output: their exit code is the verdict.
    const passed = result.outputs.passed === undefined ? '' : `, passed=${result.outputs.passed}`;
    lines.push(`${result.stage}: ${verdict.text}${passed}`);
    for (const [label, path] of [
      ['report: ', result.outputs.report],
      ['comment:', result.comment],
    ]) {
      if (path && existsSync(path)) lines.push(`  ${label} ${relative(root, path)}`);
    }
    for (const line of result.details ?? []) lines.push(`  ${line}`);
  }
  return { lines, crashed };
}

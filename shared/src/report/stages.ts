import { renderDeploySection } from '../deploy/render.js';
import { renderTestModel, testModelView } from '../evaluation/render.js';
import { renderImageSection } from '../image/render.js';
import { formatNumber } from '../markdown/index.js';
import { type PromotionRecord, renderPromotionRecord } from '../promotion/audit.js';
import { renderDataSection } from '../validation/render.js';
import { renderChecks, type SectionOptions } from './render.js';
import type { Report } from './report.js';

/**
 * One renderer per stage, from the report alone: each action's job summary and own comment, and its section of
 * the combined comment, are this function's output (the combined one without the section's heading, which its
 * fold already names).
 */
export function renderStage(report: Report, options: SectionOptions = {}): string {
  switch (report.action) {
    case 'validate-data':
      return renderDataSection(report, options);
    case 'test-model':
      return report.gates
        ? renderTestModel(testModelView(report), options)
        : renderChecks('Model tests', report, options);
    case 'build-image':
      return renderImageSection(report, options);
    case 'promote':
      return report.promotion
        ? renderPromotionRecord(
            // The record's own link is not checked as the report's run link is: only the latter is shown.
            { ...(report.promotion as PromotionRecord), runUrl: report.run.url },
            3,
            options.heading !== false,
          )
        : renderChecks('Promote', report, options);
    case 'deploy':
      return report.decision ? renderDeploySection(report, options) : renderChecks('Deploy', report, options);
    default:
      return renderChecks(report.action, report, options);
  }
}

function signedText(value: number): string {
  return `${value < 0 ? '−' : '+'}${formatNumber(Math.abs(value), 2)}`;
}

/**
 * The few words after a stage's icon in the status line: the worst failed metric against the baseline for the
 * model, the digest for the image, the decision for deploy.
 */
export function stageBrief(report: Report): string {
  if (report.action === 'test-model') {
    const view = report.gates ? testModelView(report) : undefined;
    const failed = view?.gates.find((gate) => gate.status === 'failed' && !gate.slice);
    const metric = failed?.metric;
    const before = metric !== undefined ? view?.baseline?.metrics[metric] : undefined;
    const now = metric !== undefined ? view?.metrics[metric] : undefined;
    if (metric && before !== undefined && now !== undefined)
      return `${metric} ${signedText(now - before)} vs ${view?.baseline?.label}`;
    if (metric && now !== undefined) return `${metric} ${formatNumber(now)}`;
    return '';
  }
  if (report.action === 'build-image' && typeof report.digest === 'string') return `${report.digest.slice(0, 19)}…`;
  if (report.action === 'deploy' && typeof report.decision === 'string') return report.headline.split(':')[0] ?? '';
  if (report.action === 'validate-data') {
    const drift = report.drift as { columns?: { drifted: boolean }[] } | null | undefined;
    const drifted = drift?.columns?.filter((column) => column.drifted).length ?? 0;
    return drifted > 0 ? `${drifted} drifted` : '';
  }
  return '';
}

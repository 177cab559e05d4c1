import { code, details, escapeText, formatNumber, heading, raw, table, xyChart } from '../markdown/index.js';
import { percentText, plural, renderChecks, runLink, type SectionOptions } from '../report/render.js';
import type { Report } from '../report/report.js';
import type { ColumnDistribution } from './distribution.js';
import type { ColumnDrift } from './drift.js';

/** What validate-data's report carries for its section (the report's `drift` field). */
export interface ReportedDrift {
  share: number;
  datasetDrift: boolean;
  /** The share of drifted columns at which the dataset drifts. */
  shareThreshold?: number;
  columns: ColumnDrift[];
  skipped: { column: string; reason: string }[];
}

/**
 * How far past its threshold each column is, on the scale the chart's title names: for a test, −log10 p over
 * −log10 of the p-value threshold; for a distance, distance over threshold. ≥ 1 is drift either way, and a p-value
 * of 1e-40 stands out from one of 0.01 instead of both being cut to the same bar.
 */
export function driftScore(column: { pValue?: number; statistic: number; threshold: number }): number {
  if (column.pValue !== undefined) {
    const limit = -Math.log10(Math.min(Math.max(column.threshold, 1e-300), 0.999999));
    return -Math.log10(Math.max(column.pValue, 1e-300)) / limit;
  }
  return column.threshold > 0 ? column.statistic / column.threshold : column.statistic;
}

/** A byte count as a reader takes it in: 312 B, 48.2 KB, 1.3 MB. */
function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  return bytes < 1e6 ? `${(bytes / 1000).toFixed(1)} KB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * The drift table, chart and distributions under a heading naming the reference (as code), at `level`; a model
 * card, comparing two profiles, says which side `approximate` statistics come from.
 */
export function driftSection(
  drift: ReportedDrift,
  reference: string | undefined,
  options: { level?: 3 | 4; approximateNote?: string } = {},
): string[] {
  const drifted = drift.columns.filter((column) => column.drifted).length;
  const against = reference ? code(reference).text : 'the reference';
  const shareAt = drift.shareThreshold !== undefined ? `, dataset drift at ${formatNumber(drift.shareThreshold)}` : '';
  const parts = [
    heading(
      options.level ?? 4,
      raw(
        `Drift against ${against}: ${drifted} of ${plural(drift.columns.length, 'column')} drifted (share ${formatNumber(drift.share)}${shareAt})`,
      ),
    ),
    table(
      ['Column', 'Method', 'Statistic', 'p-value', 'Threshold', 'Drift'],
      drift.columns.map((column) => [
        column.column,
        raw(`${escapeText(column.method)}${column.approximate ? ' ≈' : ''}`),
        column.statistic,
        column.pValue ?? null,
        column.threshold,
        raw(column.drifted ? '🔴 yes' : '🟢 no'),
      ]),
      { align: ['left', 'left', 'right', 'right', 'right', 'center'] },
    ),
  ];
  const charted = drift.columns.slice(0, 30);
  const tests = charted.some((column) => column.pValue !== undefined);
  const distances = charted.some((column) => column.pValue === undefined);
  // Mermaid cuts titles at 60 characters: the scale is named as briefly as it can be.
  const title = tests
    ? distances
      ? 'Drift ≥ 1: −log10 p ÷ −log10 α, distance ÷ threshold'
      : 'Drift ≥ 1: −log10 p ÷ −log10 of the p threshold'
    : 'Drift ≥ 1: distance ÷ threshold';
  parts.push(
    xyChart({
      title,
      labels: charted.map((column) => column.column),
      yLabel: 'relative to threshold',
      series: [
        { kind: 'bar', values: charted.map(driftScore) },
        { kind: 'line', values: charted.map(() => 1) },
      ],
    }),
  );
  const shown = drift.columns.filter((column) => column.distribution);
  if (shown.length > 0)
    parts.push(
      details(
        `Reference vs current of the ${plural(shown.length, 'drifted column')}`,
        shown.map(distributionTable).join('\n\n'),
      ),
    );
  const bounded = drift.columns.filter((column) => column.bound !== undefined);
  if (drift.columns.some((column) => column.approximate && column.bound === undefined)) {
    parts.push(
      escapeText(
        options.approximateNote ??
          '≈ The reference is a profile without raw values: these statistics use its 0.001 quantile grid (distances within about one grid step of the exact value).',
      ),
    );
  }
  if (bounded.length > 0) {
    parts.push(
      escapeText(
        `≈ Computed by the engine on a grid of counts both sides share, each within a proven bound of the exact statistic: ${bounded.map((column) => `${column.column} ± ${formatNumber(column.bound ?? 0)}`).join(', ')}.`,
      ),
    );
  }
  const leftOut = drift.columns.filter((column) => (column.nonFinite ?? 0) > 0);
  if (leftOut.length > 0) {
    parts.push(
      escapeText(
        `NaN and infinite values are left out of drift tests, as Evidently does: ${leftOut.map((column) => `${column.column} (${plural(column.nonFinite ?? 0, 'value')})`).join(', ')}.`,
      ),
    );
  }
  if (drift.skipped.length > 0)
    parts.push(
      escapeText(`Not tested for drift: ${drift.skipped.map((item) => `${item.column} (${item.reason})`).join('; ')}.`),
    );
  return parts;
}

/** A share as a bar of up to 20 blocks and its percent, so the two sides read as two small histograms. */
function shareCell(share: number) {
  const blocks = Math.round(Math.min(Math.max(share, 0), 1) * 20);
  return raw(`${'█'.repeat(blocks)}${blocks > 0 ? ' ' : ''}${percentText(share, 3)}`);
}

function distributionTable(column: ColumnDrift): string {
  const distribution = column.distribution as ColumnDistribution;
  const labels =
    distribution.kind === 'numeric'
      ? distribution.reference.map(
          (_, index) =>
            `${formatNumber(distribution.edges[index] as number)} – ${formatNumber(distribution.edges[index + 1] as number)}`,
        )
      : distribution.categories;
  return table(
    [column.column, 'reference', 'current'],
    labels.map((label, index) => [
      label,
      shareCell(distribution.reference[index] ?? 0),
      shareCell(distribution.current[index] ?? 0),
    ]),
    { align: ['left', 'left', 'left'] },
  );
}

/**
 * validate-data's section, from its report alone (so a fork's report artifact renders the same): the checks
 * (failed ones with their failing-row samples, passed ones folded), then the drift table and chart.
 */
export function renderDataSection(report: Report, options: SectionOptions = {}): string {
  // The link to the run goes last, after the drift section.
  const { url, ...run } = report.run;
  const parts = [renderChecks('Data validation', { ...report, run }, options)];
  const engine = report.engine as
    | {
        name?: unknown;
        queries?: unknown;
        bytesReceived?: unknown;
        approximateQuantiles?: { columns?: unknown; rankError?: unknown };
      }
    | undefined;
  if (engine && typeof engine.name === 'string' && typeof engine.bytesReceived === 'number') {
    const estimated = engine.approximateQuantiles;
    const columns = Array.isArray(estimated?.columns) ? estimated.columns.map(String) : [];
    parts.push(
      escapeText(
        `Checked where the data lives, on ${engine.name}: ${plural(Number(engine.queries ?? 0), 'query', 'queries')}, ${formatBytes(engine.bytesReceived)} returned.${
          columns.length > 0
            ? ` ≈ The profile's quantiles of ${columns.join(', ')} are the engine's estimates, each within ${formatNumber(Number(estimated?.rankError) * 100)}% of the values in rank.`
            : ''
        }`,
      ),
    );
  }
  const drift = report.drift as ReportedDrift | null | undefined;
  if (drift && drift.columns.length > 0)
    parts.push(...driftSection(drift, typeof report.reference === 'string' ? report.reference : undefined));
  if (url) parts.push(runLink(url));
  return parts.join('\n\n');
}

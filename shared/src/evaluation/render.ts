import { type Cell, code, details, escapeText, formatNumber, heading, raw, table, xyChart } from '../markdown/index.js';
import type { MetricDirection } from '../metrics/index.js';
import type { Report } from '../report/report.js';
import type { ConfusionTable, PerClassRow, SliceEvaluation } from './compute.js';
import type { FlatMetrics } from './metric-files.js';
import type { MetricSignificance } from './significance.js';
import type { ThresholdResult } from './thresholds.js';

export interface RenderedBaseline {
  /** How the reader knows it: the branch (`main`) or the file. */
  label: string;
  metrics: FlatMetrics;
  slices?: SliceEvaluation[];
  /** Where it came from, e.g. the run that saved it. */
  url?: string;
  sha?: string;
}

export interface TestModelView {
  name: string;
  task?: string;
  count?: number;
  threshold?: number;
  metrics: FlatMetrics;
  /** Which file each metric read from a metrics file came from. */
  metricSources?: Record<string, string>;
  confusion?: ConfusionTable;
  perClass?: PerClassRow[];
  baseline?: RenderedBaseline;
  /** Said when there is no baseline (none found, `none`), so the reader knows only absolute tests ran. */
  baselineNote?: string;
  gates: ThresholdResult[];
  significance?: MetricSignificance[];
  significanceNotes?: string[];
  slices?: SliceEvaluation[];
  sliceColumns?: string[];
  sliceMinRows?: number;
  notes: string[];
  /** Which way is better, for the metrics whose direction is known. */
  directions: Record<string, MetricDirection>;
  runUrl?: string;
}

/**
 * The view of test-model's section from its report alone: what test-model writes in its report's fields is all
 * the section needs, so the combined comment (and a fork's report artifact) draws exactly the action's own section.
 */
export function testModelView(report: Report): TestModelView {
  const fields = report as Report & Partial<Omit<TestModelView, 'name' | 'count' | 'baseline'>>;
  const baseline = report.baseline as (RenderedBaseline & { note?: string }) | undefined;
  const hasBaseline = baseline !== undefined && typeof baseline.label === 'string' && baseline.metrics !== undefined;
  return {
    name: typeof report.model === 'string' ? report.model : report.headline,
    ...(typeof fields.task === 'string' ? { task: fields.task } : {}),
    ...(typeof report.examples === 'number' ? { count: report.examples } : {}),
    ...(typeof fields.threshold === 'number' ? { threshold: fields.threshold } : {}),
    metrics: fields.metrics ?? {},
    ...(fields.metricSources ? { metricSources: fields.metricSources } : {}),
    ...(fields.confusion ? { confusion: fields.confusion } : {}),
    ...(fields.perClass ? { perClass: fields.perClass } : {}),
    ...(hasBaseline ? { baseline } : {}),
    ...(!hasBaseline && baseline?.note && baseline.note !== 'none' ? { baselineNote: baseline.note } : {}),
    gates: fields.gates ?? [],
    ...(fields.significance ? { significance: fields.significance } : {}),
    ...(fields.significanceNotes ? { significanceNotes: fields.significanceNotes } : {}),
    ...(fields.slices ? { slices: fields.slices } : {}),
    ...(fields.sliceColumns ? { sliceColumns: fields.sliceColumns } : {}),
    ...(fields.sliceMinRows !== undefined ? { sliceMinRows: fields.sliceMinRows } : {}),
    notes: fields.notes ?? [],
    directions: fields.directions ?? {},
    ...(report.run.url ? { runUrl: report.run.url } : {}),
  };
}

const GATE_ICON = { passed: '✅', failed: '❌', skipped: '➖' } as const;

function signed(value: number): string {
  if (value === 0) return '0';
  return `${value > 0 ? '+' : '−'}${formatNumber(Math.abs(value))}`;
}

/** ▲/▼ with 🟢/🔴 when the direction says which is better; ⚪ when within noise. */
function deltaCell(
  value: number | undefined,
  before: number | undefined,
  direction: MetricDirection | undefined,
  significance: MetricSignificance | undefined,
): Cell {
  if (value === undefined || before === undefined) return '—';
  const delta = value - before;
  if (delta === 0) return raw('= 0');
  const arrow = delta > 0 ? '▲' : '▼';
  // Red and green only for a change tested against the noise: an untested change may be noise.
  let mark = '';
  if (significance?.withinNoise) mark = '⚪ ';
  else if (significance && direction) mark = delta > 0 === (direction === 'higher') ? '🟢 ' : '🔴 ';
  let text = `${mark}${arrow} ${signed(delta)}`;
  if (significance) {
    const level = `${formatNumber(significance.confidence * 100, 3)}%`;
    const interval = `${level} CI ${signed(significance.low)} … ${signed(significance.high)}`;
    const p = significance.pValue !== undefined ? `, McNemar p = ${formatNumber(significance.pValue, 2)}` : '';
    text += `<br><sub>${significance.withinNoise ? 'within noise' : significance.verdict} (${interval}${p})</sub>`;
  }
  return raw(text);
}

function gatesCell(gates: readonly ThresholdResult[]): Cell {
  if (gates.length === 0) return '';
  return raw(
    gates
      .map((gate) => {
        const note = gate.status === 'skipped' && gate.reason ? ` <sub>${escapeText(gate.reason)}</sub>` : '';
        return `${GATE_ICON[gate.status]} ${escapeText(gate.description)}${note}`;
      })
      .join(' · '),
  );
}

function valueCell(value: number | undefined): Cell {
  return value === undefined ? '—' : value;
}

function metricRows(
  names: readonly string[],
  view: TestModelView,
  gatesBy: Map<string, ThresholdResult[]>,
  withTests: boolean,
): Cell[][] {
  const significanceBy = new Map((view.significance ?? []).map((item) => [item.metric, item]));
  return names.map((name) => {
    const row: Cell[] = [code(name)];
    if (view.baseline) row.push(valueCell(view.baseline.metrics[name]));
    row.push(valueCell(view.metrics[name]));
    if (view.baseline) {
      row.push(
        deltaCell(view.metrics[name], view.baseline.metrics[name], view.directions[name], significanceBy.get(name)),
      );
    }
    if (withTests) row.push(gatesCell(gatesBy.get(name) ?? []));
    return row;
  });
}

function metricHeaders(view: TestModelView, withTests: boolean): Cell[] {
  const headers: Cell[] = ['Metric'];
  if (view.baseline) headers.push(view.baseline.label);
  headers.push('this PR');
  if (view.baseline) headers.push('Δ');
  if (withTests) headers.push('Test');
  return headers;
}

function alignment(view: TestModelView, withTests: boolean) {
  return {
    align: [
      'left' as const,
      ...(view.baseline ? (['right', 'right', 'right'] as const) : (['right'] as const)),
      ...(withTests ? (['left'] as const) : []),
    ],
  };
}

function verdictLine(view: TestModelView): string {
  const failed = view.gates.filter((gate) => gate.status === 'failed');
  const counted = view.gates.filter((gate) => gate.status !== 'skipped');
  const skipped = view.gates.length - counted.length;
  const facts: string[] = [];
  if (view.task) facts.push(view.task);
  if (view.count !== undefined) facts.push(`${view.count.toLocaleString('en-US')} examples`);
  if (view.baseline) {
    const sha = view.baseline.sha ? ` (${view.baseline.sha.slice(0, 7)})` : '';
    const label = escapeText(`compared with ${view.baseline.label}${sha}`);
    facts.push(view.baseline.url ? `[${label}](${encodeURI(view.baseline.url)})` : label);
  } else facts.push('no baseline');
  let verdict: string;
  if (view.gates.length === 0) verdict = '**No tests configured**';
  else if (failed.length > 0) {
    const list = failed
      .slice(0, 3)
      .map(
        (gate) =>
          `${gate.slice ? `${gate.slice.column}${gate.slice.value ? `=${gate.slice.value}` : ''} ` : ''}${gate.metric} ${gate.description}`,
      )
      .join(', ');
    verdict = `**${failed.length} of ${counted.length} tests failed**: ${escapeText(list)}${failed.length > 3 ? ', …' : ''}`;
  } else verdict = `**All ${counted.length} tests passed**`;
  if (skipped > 0) verdict += ` · ${skipped} skipped`;
  return `${verdict} · ${facts.join(' · ')}`;
}

function confusionTable(confusion: ConfusionTable): string {
  return table(
    [raw('true ╲ predicted'), ...confusion.labels.map((label) => code(label))],
    confusion.matrix.map((row, index) => [code(confusion.labels[index] ?? String(index)), ...row]),
    { align: ['left', ...confusion.labels.map(() => 'right' as const)] },
  );
}

function sliceSection(view: TestModelView): string {
  const slices = view.slices ?? [];
  const tested = [...new Set(view.gates.filter((gate) => gate.slice).map((gate) => gate.metric))];
  const columns = view.sliceColumns ?? [...new Set(slices.map((slice) => slice.column))];
  const metrics = tested.length > 0 ? tested : Object.keys(slices[0]?.metrics ?? {}).slice(0, 3);
  const parts: string[] = [];
  for (const column of columns) {
    const inColumn = slices.filter((slice) => slice.column === column);
    const baselineBy = new Map(
      (view.baseline?.slices ?? []).filter((slice) => slice.column === column).map((slice) => [slice.value, slice]),
    );
    const rows: Cell[][] = inColumn.map((slice) => {
      const gates = view.gates.filter((gate) => gate.slice?.column === column && gate.slice.value === slice.value);
      const before = baselineBy.get(slice.value);
      return [
        slice.value,
        slice.tooSmall
          ? raw(`${slice.rows} <sub>below min-rows ${view.sliceMinRows ?? ''}, not gated</sub>`)
          : slice.rows,
        ...metrics.map((metric): Cell => {
          const value = slice.metrics[metric];
          if (value === undefined) return '—';
          const old = before?.metrics[metric];
          return old === undefined
            ? value
            : raw(
                `${formatNumber(value)} <sub>(${escapeText(view.baseline!.label)} ${formatNumber(old)}, Δ ${signed(value - old)})</sub>`,
              );
        }),
        gates.some((gate) => gate.status === 'failed')
          ? raw(
              `❌ ${escapeText(
                gates
                  .filter((gate) => gate.status === 'failed')
                  .map((gate) => `${gate.metric} ${gate.description}`)
                  .join(', '),
              )}`,
            )
          : gates.length > 0
            ? raw('✅')
            : '',
      ];
    });
    for (const gate of view.gates.filter((item) => item.kind === 'max-gap' && item.slice?.column === column)) {
      rows.push([
        raw('<b>gap (best − worst)</b>'),
        '',
        ...metrics.map((metric): Cell => (metric === gate.metric && gate.observed !== undefined ? gate.observed : '')),
        gatesCell([gate]),
      ]);
    }
    parts.push(
      table([code(column), 'Rows', ...metrics.map((metric) => code(metric)), 'Test'], rows, {
        align: ['left', 'right', ...metrics.map(() => 'right' as const), 'left'],
      }),
    );
  }
  return parts.join('\n\n');
}

/**
 * The test-model section of the job summary and the PR comment: a verdict line, the tested metrics against the
 * baseline with arrows and ✅/❌, slices, the confusion matrix, a chart of baseline vs this PR, and the rest
 * collapsed.
 */
export function renderTestModel(view: TestModelView, options: { heading?: boolean } = {}): string {
  const failed = view.gates.some((gate) => gate.status === 'failed');
  const title = `${failed ? '❌' : '✅'} Model tests: ${escapeText(view.name)}`;
  const parts: string[] = [...(options.heading !== false ? [heading(3, raw(title))] : []), verdictLine(view)];
  if (view.baselineNote) parts.push(`> [!NOTE]\n> ${escapeText(view.baselineNote)}`);

  const gatesBy = new Map<string, ThresholdResult[]>();
  for (const gate of view.gates.filter((item) => !item.slice)) {
    gatesBy.set(gate.metric, [...(gatesBy.get(gate.metric) ?? []), gate]);
  }
  const tested = [...gatesBy.keys()];
  const untested = Object.keys(view.metrics).filter((name) => !gatesBy.has(name));
  if (tested.length > 0) {
    parts.push(table(metricHeaders(view, true), metricRows(tested, view, gatesBy, true), alignment(view, true)));
  }
  if ((view.slices ?? []).length > 0) parts.push(heading(4, 'Slices'), sliceSection(view));
  if (view.confusion) {
    const threshold = view.threshold !== undefined ? ` at threshold ${formatNumber(view.threshold)}` : '';
    const matrix = confusionTable(view.confusion);
    if (view.confusion.labels.length <= 6) parts.push(heading(4, `Confusion matrix${threshold}`), matrix);
    else parts.push(details(`Confusion matrix (${view.confusion.labels.length} classes)`, matrix));
  }
  if (view.baseline) {
    const charted = tested.filter(
      (name) => view.metrics[name] !== undefined && view.baseline!.metrics[name] !== undefined,
    );
    if (charted.length > 0) {
      // One bar per metric and side: two `bar` series would be drawn on top of each other.
      const label = view.baseline.label;
      const values = charted.flatMap((name) => [view.baseline!.metrics[name]!, view.metrics[name]!]);
      // Bars from zero, so a bar's height compares with the other's; metrics below zero keep Mermaid's fit.
      const top = Math.max(...values);
      const fromZero = values.every((value) => value >= 0) && top > 0;
      parts.push(
        xyChart({
          title: `${label} vs this PR, side by side`,
          labels: charted.flatMap((name) => [`${name} · ${label}`, `${name} · PR`]),
          ...(fromZero ? { yRange: [0, top] as const } : {}),
          series: [{ kind: 'bar', values }],
        }),
      );
    }
  }

  const more: string[] = [];
  if (untested.length > 0) {
    more.push(
      details(
        `All other metrics (${untested.length})`,
        table(metricHeaders(view, false), metricRows(untested, view, gatesBy, false), alignment(view, false)),
      ),
    );
  }
  if (view.perClass && view.perClass.length > 0) {
    more.push(
      details(
        'Per-class precision, recall and F1',
        table(
          ['Class', 'Precision', 'Recall', 'F1', 'Support'],
          view.perClass.map((row) => [code(row.label), row.precision, row.recall, row.f1, row.support]),
          { align: ['left', 'right', 'right', 'right', 'right'] },
        ),
      ),
    );
  }
  const about: string[] = [...view.notes, ...(view.significanceNotes ?? [])];
  if (view.significance && view.significance.length > 0) {
    const first = view.significance[0]!;
    about.push(
      `Significance: paired bootstrap over examples at ${formatNumber(first.confidence * 100, 3)}% confidence ` +
        '(McNemar for accuracy); ⚪ marks a change within the noise.',
    );
  }
  if (view.metricSources && Object.keys(view.metricSources).length > 0) {
    const files = [...new Set(Object.values(view.metricSources))];
    about.push(`Metrics read from ${files.join(', ')}.`);
  }
  if (about.length > 0)
    more.push(details('How these were computed', about.map((line) => `- ${escapeText(line)}`).join('\n')));
  parts.push(...more);
  if (view.runUrl) parts.push(`<sub>[Workflow run](${encodeURI(view.runUrl)})</sub>`);
  return parts.join('\n\n');
}

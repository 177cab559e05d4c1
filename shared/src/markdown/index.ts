/**
 * Markdown for job summaries and PR comments. Text from users, data files or other runs is untrusted: it is
 * escaped so it cannot break a table, inject HTML, start a code span, ping people or link anywhere.
 */

/** Markdown we wrote ourselves, passed through unescaped. */
export class Markdown {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export function raw(text: string): Markdown {
  return new Markdown(text);
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Escapes text for use anywhere in Markdown: HTML, emphasis, links, code spans, @mentions, autolinks. */
export function escapeText(text: string): string {
  return (
    text
      .replace(/[&<>"]/g, (char) => HTML_ENTITIES[char] as string)
      .replace(/[\\`*_[\]|~#]/g, (char) => `\\${char}`)
      // An entity for @ keeps the character but stops GitHub from notifying users and teams.
      .replace(/@/g, '&#64;')
      // GitHub turns bare URLs and www. into links; breaking the scheme separator stops that.
      .replace(/:\/\//g, ':&#47;&#47;')
      .replace(/\bwww\./gi, (match) => `${match.slice(0, 3)}&#46;`)
  );
}

/** Escaped text for a table cell: line breaks become <br> so the row stays one line. */
export function escapeCell(text: string): string {
  return escapeText(text).replace(/\r?\n/g, '<br>');
}

/** Inline code that is safe inside tables: no backtick run in `text` can close it, pipes stay literal. */
export function code(text: string): Markdown {
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const padded = text.startsWith('`') || text.endsWith('`') ? ` ${text} ` : text;
  return raw(`${fence}${padded.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')}${fence}`);
}

/** Compact numbers for reports: integers as they are, others to `digits` significant figures. */
export function formatNumber(value: number, digits = 4): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? '∞' : '−∞';
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e9)) return value.toExponential(digits - 1);
  return String(Number(value.toPrecision(digits)));
}

export type Cell = string | number | boolean | null | undefined | Markdown;

function renderCell(cell: Cell): string {
  if (cell instanceof Markdown) return cell.text.replace(/\r?\n/g, '<br>');
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number') return formatNumber(cell);
  return escapeCell(String(cell));
}

export type Alignment = 'left' | 'center' | 'right';

export interface TableOptions {
  align?: readonly (Alignment | undefined)[];
}

/** A GitHub-flavoured table. Headers and string cells are escaped; Markdown cells are ours and kept. */
export function table(
  headers: readonly Cell[],
  rows: readonly (readonly Cell[])[],
  options: TableOptions = {},
): string {
  const separator = headers.map((_, index) => {
    const align = options.align?.[index];
    return align === 'center' ? ':---:' : align === 'right' ? '---:' : align === 'left' ? ':---' : '---';
  });
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [
    line(headers.map(renderCell)),
    line(separator),
    ...rows.map((row) => line(headers.map((_, index) => renderCell(row[index])))),
  ].join('\n');
}

/** A collapsible section; `summary` is escaped text unless given as Markdown. */
export function details(summary: string | Markdown, body: string, options: { open?: boolean } = {}): string {
  const title = summary instanceof Markdown ? summary.text : escapeText(summary);
  // Blank lines around the body let GitHub render Markdown inside the HTML block.
  return `<details${options.open ? ' open' : ''}>\n<summary>${title}</summary>\n\n${body}\n\n</details>`;
}

export function heading(level: 1 | 2 | 3 | 4, text: string | Markdown): string {
  return `${'#'.repeat(level)} ${text instanceof Markdown ? text.text : escapeText(text)}`;
}

export interface ChartSeries {
  kind: 'bar' | 'line';
  values: readonly number[];
}

export interface XyChart {
  title?: string;
  /** One label per category on the x axis. */
  labels: readonly string[];
  yLabel?: string;
  /** Fixed y range; by default Mermaid fits the data. */
  yRange?: readonly [number, number];
  series: readonly ChartSeries[];
}

/** Mermaid labels are double-quoted strings with no escape syntax: drop what would end or break them. */
function chartLabel(text: string): string {
  return `"${text
    .replace(/["\r\n`]/g, ' ')
    .replace(/[<>]/g, '')
    .slice(0, 60)}"`;
}

function chartNumber(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(6))) : '0';
}

/** A Mermaid `xychart-beta` block: bar and line charts that GitHub renders in comments without images. */
export function xyChart(chart: XyChart): string {
  for (const series of chart.series) {
    if (series.values.length !== chart.labels.length) {
      throw new RangeError(`chart series has ${series.values.length} values for ${chart.labels.length} labels`);
    }
  }
  const lines = ['```mermaid', 'xychart-beta'];
  if (chart.title) lines.push(`    title ${chartLabel(chart.title)}`);
  lines.push(`    x-axis [${chart.labels.map(chartLabel).join(', ')}]`);
  const range = chart.yRange ? ` ${chartNumber(chart.yRange[0])} --> ${chartNumber(chart.yRange[1])}` : '';
  if (chart.yLabel || range) lines.push(`    y-axis ${chartLabel(chart.yLabel ?? '')}${range}`);
  for (const series of chart.series) lines.push(`    ${series.kind} [${series.values.map(chartNumber).join(', ')}]`);
  lines.push('```');
  return lines.join('\n');
}

/** Markdown as a terminal shows it best: HTML wrappers and entities removed, tables and text kept. */
export function markdownToTerminal(markdown: string): string {
  return markdown
    .replace(/<details[^>]*>\n?/g, '')
    .replace(/<\/details>\n?/g, '')
    .replace(/<summary>(.*?)<\/summary>/g, '▸ $1')
    .replace(/<br>/g, ' / ')
    .replace(/<!--[\s\S]*?-->\n?/g, '')
    .replace(/&#64;/g, '@')
    .replace(/&#47;/g, '/')
    .replace(/&#46;/g, '.')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\\([\\`*_[\]|~#])/g, '$1')
    .replace(/\n{3,}/g, '\n\n');
}

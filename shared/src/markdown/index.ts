/**
 * Markdown for job summaries and PR comments. Text from users, data files or other runs is untrusted: every
 * primitive here renders it inert by construction. It is capped, kept on one line, escaped so it cannot open or
 * close any Markdown or HTML construct, and defused so GitHub neither notifies anyone nor links anything in it.
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

/** GitHub refuses comment bodies (and so the Markdown of a comment) longer than this many characters. */
export const COMMENT_LIMIT = 65_536;

/** The longest untrusted string any primitive renders; longer ones are cut with a note saying so. */
export const MAX_UNTRUSTED_TEXT = 5000;

/**
 * Every character some Markdown renderer treats as a line end: CommonMark's \r\n, \r and \n, plus vertical tab,
 * form feed, NEL (U+0085) and the Unicode line and paragraph separators (U+2028, U+2029).
 */
const LINE_BREAK = /\r\n|[\n\r\v\f\u0085\u2028\u2029]/g;
/** Other C0/C1 controls: invisible, and NUL is rewritten by parsers; shown as the replacement character. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u0008\u000e-\u001f\u007f-\u0084\u0086-\u009f]/g;

/**
 * U+2060 WORD JOINER: invisible, not a word character. Put after `@`, `#` and `GH-`, and inside `://` and `www.`,
 * it leaves nothing GitHub's mention, issue-reference or autolink scanners match, in text and in HTML alike.
 */
const WORD_JOINER = '\u2060';

/** Cuts `text` to `limit` characters (never inside a surrogate pair) and says where and why. */
export function capText(text: string, limit = MAX_UNTRUSTED_TEXT): string {
  if (text.length <= limit) return text;
  const end = /[\uD800-\uDBFF]/.test(text.charAt(limit - 1)) ? limit - 1 : limit;
  return `${text.slice(0, end)}… (cut to ${limit.toLocaleString('en-US')} of ${text.length.toLocaleString('en-US')} characters)`;
}

/** Capped, with every line break as `lineBreak` and control characters made visible as U+FFFD. */
function normalize(text: string, lineBreak: string): string {
  return capText(text).replace(LINE_BREAK, lineBreak).replace(CONTROL, '\uFFFD');
}

/** Breaks what GitHub links or notifies after Markdown: @mentions, #123, GH-123, bare URLs and e-mail addresses. */
function defuse(text: string): string {
  return text
    .replace(/[@#]/g, (char) => `${char}${WORD_JOINER}`)
    .replace(/\b(gh)-/gi, `$1-${WORD_JOINER}`)
    .replace(/:\/\//g, `:${WORD_JOINER}//`)
    .replace(/\b(www)\./gi, `$1${WORD_JOINER}.`);
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/**
 * Text for our own inline HTML (`<summary>`, `<sub>`): a Markdown-special character becomes a numeric entity,
 * which is literal text both where Markdown is parsed (a paragraph, a cell) and where it is not (an HTML block),
 * so no backslash shows in either.
 */
export function escapeHtml(text: string): string {
  const entity = (char: string) => HTML_ENTITIES[char] ?? `&#${char.charCodeAt(0)};`;
  return defuse(normalize(text, ' '))
    .replace(/[&<>"\\`*_[\]|~!$]/g, entity)
    .replace(/^[ \t]+/, ' ')
    .replace(/^( ?)([#=+-])/, (_, space: string, mark: string) => `${space}${entity(mark)}`)
    .replace(/^( ?\d{1,9})([.)])/, (_, digits: string, mark: string) => `${digits}${entity(mark)}`);
}

/** Escapes every inline construct: HTML, entities, emphasis, links, images, code spans, pipes, math. */
function escapeInline(text: string, lineBreak: string): string {
  return defuse(
    normalize(text, '\n')
      .replace(/[&<>"]/g, (char) => HTML_ENTITIES[char] as string)
      .replace(/[\\`*_[\]|~#$]/g, (char) => `\\${char}`)
      .replace(/\n/g, lineBreak),
  );
}

/**
 * Escapes text for use anywhere inline in Markdown, on one line: HTML, entities, emphasis, links, images, code
 * spans, table pipes, math, and what would start a block where the text starts a line (a list marker, a number
 * with `.` or `)`, indentation).
 */
export function escapeText(text: string): string {
  // Trimmed: leading spaces would start indented code, and spaces inside `**…**` would undo our emphasis.
  return escapeInline(text, ' ')
    .replace(/^[ \t]+|[ \t]+$/g, '')
    .replace(/^[-+=]/, '\\$&')
    .replace(/^(\d{1,9})([.)])/, '$1\\$2');
}

/** Escaped text for a table cell, where no block can start: line breaks become <br> so the row stays one line. */
export function escapeCell(text: string): string {
  return escapeInline(text, '<br>');
}

/**
 * Inline code that is safe inside tables: no backtick run in `text` can close it, no line break can end it, and
 * pipes stay literal. GitHub neither links nor notifies inside code, so nothing else needs breaking.
 */
export function code(text: string): Markdown {
  // A GFM table splits its rows before parsing code spans, and a pipe ends the cell unless an odd run of
  // backslashes precedes it: `\\|` would close the cell, so each run before a pipe is doubled, plus one.
  const content = normalize(text, ' ').replace(/(\\*)\|/g, (_, slashes: string) => `${slashes}${slashes}\\|`);
  const longestRun = Math.max(0, ...(content.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  // A space on each side keeps a leading or trailing backtick off the fence and an empty span a span.
  const padded =
    content === '' || content.startsWith('`') || content.endsWith('`') || /^ .* $/.test(content)
      ? ` ${content} `
      : content;
  return raw(`${fence}${padded}${fence}`);
}

/** A link we make to a URL we trust the scheme of (http or https); the text is untrusted and escaped. */
export function link(text: string, url: string): Markdown {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new RangeError(`refusing to link to a ${parsed.protocol} URL`);
  }
  // Parentheses, spaces and angle brackets would end the destination early; the URL class leaves them be.
  const destination = parsed.href.replace(/[()<> ]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  return raw(`[${escapeText(text)}](${destination})`);
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
  if (cell instanceof Markdown) return cell.text.replace(LINE_BREAK, '<br>');
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
  // The summary sits inside an HTML block, where Markdown is not parsed: HTML escaping, not backslashes.
  const title = summary instanceof Markdown ? summary.text : escapeHtml(summary);
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
    .replace(LINE_BREAK, ' ')
    .replace(CONTROL, '')
    .replace(/["`]/g, ' ')
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
    .replace(/\u2060/g, '')
    .replace(/&#(\d+);/g, (_, decimal: string) => String.fromCodePoint(Number(decimal)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\\([\\`*_[\]|~#!$+=-])/g, '$1')
    .replace(/\n{3,}/g, '\n\n');
}

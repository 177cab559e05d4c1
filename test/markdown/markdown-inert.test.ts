import { describe, expect, test } from 'vitest';
import {
  capText,
  code,
  details,
  escapeCell,
  escapeHtml,
  escapeText,
  heading,
  link,
  MAX_UNTRUSTED_TEXT,
  raw,
  table,
  xyChart,
} from '../../shared/src/markdown/index.js';
import { HOSTILE_TEXT } from '../fixtures/hostile-text.js';
import { markdownStructure, parseGfm } from '../support/markdown-tree.js';

/** Each primitive where our templates use it; text after it shows whether the construct was left. */
const CONTEXTS: Record<string, (text: string) => string> = {
  'escapeText in a paragraph': (text) => `Result: ${escapeText(text)} (done)`,
  'escapeText at the start of a block': (text) => escapeText(text),
  'escapeText in bold': (text) => `**${escapeText(text)}** · 3 failed · 1 passed`,
  'escapeText in a list item': (text) => `- ${escapeText(text)}\n- second`,
  'escapeText in a quote': (text) => `> [!NOTE]\n> ${escapeText(text)}`,
  heading: (text) => heading(3, text),
  'escapeCell and code in a table': (text) =>
    table(
      ['Check', 'Observed', 'Details'],
      [
        [text, code(text), text],
        ['second', code('x'), raw(`<sub>${escapeHtml(text)}</sub>`)],
      ],
    ),
  'escapeCell in a hand-made row': (text) => `| a | b |\n| --- | --- |\n| ${escapeCell(text)} | x |`,
  'code in a paragraph': (text) => `Observed ${code(text)} here`,
  'details summary': (text) => details(text, 'body'),
  'escapeHtml in <sub>': (text) => `See <sub>${escapeHtml(text)}</sub> below`,
  'link text': (text) => `${link(text, 'https://github.com/o/r/actions/runs/1')} · more`,
  'chart label': (text) =>
    xyChart({ title: text, labels: [text, 'b'], yLabel: text, series: [{ kind: 'bar', values: [1, 2] }] }),
};

const AFTER = '\n\nafter';
const benignFor = (text: string) => (text === '' ? '' : 'benign');

describe('untrusted text is inert in every primitive (CommonMark + GFM parser, GitHub references)', () => {
  for (const [context, render] of Object.entries(CONTEXTS)) {
    test(context, () => {
      const broken: string[] = [];
      for (const text of HOSTILE_TEXT) {
        const hostile = markdownStructure(render(text) + AFTER);
        const benign = markdownStructure(render(benignFor(text)) + AFTER);
        if (JSON.stringify(hostile) !== JSON.stringify(benign)) {
          broken.push(`${JSON.stringify(text.slice(0, 80))}: ${JSON.stringify(hostile).slice(0, 400)}`);
        }
      }
      expect(broken).toEqual([]);
    });
  }

  test('the text still reads as written (entities and escapes undone by the parser)', () => {
    const shown = (markdown: string) => {
      const texts: string[] = [];
      const walk = (node: { type: string; value?: string; children?: unknown[] }) => {
        if (node.type === 'text' || node.type === 'inlineCode') texts.push(node.value ?? '');
        for (const child of node.children ?? []) walk(child as typeof node);
      };
      walk(parseGfm(markdown));
      return texts.join('').replace(/\u2060/g, '');
    };
    expect(shown(escapeText('a <b> & **c** | `d` @e #1 https://f.example'))).toBe(
      'a <b> & **c** | `d` @e #1 https://f.example',
    );
    expect(shown(`x <sub>${escapeHtml('- **c** | `d` @e')}</sub>`)).toBe('x - **c** | `d` @e');
    expect(shown(code('a\r\nb | c').text)).toBe('a b \\| c');
  });
});

describe('every untrusted string is capped, with a stated limit', () => {
  test('100,000 characters become the limit and a note', () => {
    const long = 'x'.repeat(100_000);
    expect(capText(long)).toBe(`${'x'.repeat(MAX_UNTRUSTED_TEXT)}… (cut to 5,000 of 100,000 characters)`);
    expect(escapeText(long)).toBe(capText(long));
    expect(code(long).text).toBe(`\`${capText(long)}\``);
    expect(escapeCell(long).length).toBeLessThan(5100);
  });

  test('a cut never splits a surrogate pair', () => {
    expect(capText(`${'x'.repeat(4)}😀😀`, 5)).toBe('xxxx… (cut to 5 of 8 characters)');
  });
});

describe('mentions, references and URLs are broken with a word joiner, not an entity', () => {
  test.each([
    ['@octocat', '@\u2060octocat'],
    ['#123', '\\#\u2060123'],
    ['GH-123', 'GH-\u2060123'],
    ['https://x.example', 'https:\u2060//x.example'],
    ['www.x.example', 'www\u2060.x.example'],
  ])('%j → %j', (text, expected) => {
    expect(escapeText(text)).toBe(expected);
  });
});

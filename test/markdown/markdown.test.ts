import { describe, expect, test } from 'vitest';
import {
  code,
  details,
  escapeCell,
  escapeText,
  formatNumber,
  heading,
  markdownToTerminal,
  raw,
  table,
  xyChart,
} from '../../shared/src/index.js';

describe('escapeText', () => {
  test.each([
    ['a|b', 'a\\|b'],
    ['<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
    ['`rm -rf`', '\\`rm -rf\\`'],
    ['ping @octocat and @org/team', 'ping @\u2060octocat and @\u2060org/team'],
    ['[click](javascript:alert(1))', '\\[click\\](javascript:alert(1))'],
    ['see https://evil.example/x', 'see https:\u2060//evil.example/x'],
    ['www.evil.example', 'www\u2060.evil.example'],
    ['**bold** _it_ ~~s~~ #1', '\\*\\*bold\\*\\* \\_it\\_ \\~\\~s\\~\\~ \\#\u20601'],
    ['a & b "q"', 'a &amp; b &quot;q&quot;'],
    ['back\\slash', 'back\\\\slash'],
  ])('%j → %j', (text, expected) => {
    expect(escapeText(text)).toBe(expected);
  });

  test('no text escapes into an active mention, tag or link', () => {
    const hostile = '@everyone <script>x</script> [a](http://b) `c` | d';
    const escaped = escapeText(hostile);
    expect(escaped).not.toMatch(/@\w/);
    expect(escaped).not.toMatch(/<\/?script/);
    expect(escaped).not.toMatch(/(^|[^\\])\[/);
    expect(escaped).not.toMatch(/(^|[^\\])\|/);
  });

  test('cells keep to one line', () => {
    expect(escapeCell('line 1\nline 2\r\nline 3')).toBe('line 1<br>line 2<br>line 3');
  });
});

describe('code', () => {
  test.each([
    ['plain', '`plain`'],
    ['a`b', '``a`b``'],
    ['`edge`', '`` `edge` ``'],
    ['x | y', '`x \\| y`'],
    ['two\nlines', '`two lines`'],
  ])('%j → %j', (text, expected) => {
    expect(code(text).text).toBe(expected);
  });
});

describe('table', () => {
  test('escapes strings, keeps Markdown cells, formats numbers, aligns', () => {
    const markdown = table(
      ['Metric', 'main', 'PR', 'Δ'],
      [
        ['f1 | macro', 0.912345678, 0.9, raw('**−0.012**')],
        ['@team', 12, null, undefined],
      ],
      { align: ['left', 'right', 'right', 'center'] },
    );
    expect(markdown).toBe(
      [
        '| Metric | main | PR | Δ |',
        '| :--- | ---: | ---: | :---: |',
        '| f1 \\| macro | 0.9123 | 0.9 | **−0.012** |',
        '| @\u2060team | 12 |  |  |',
      ].join('\n'),
    );
  });

  test('short rows are padded to the header width', () => {
    expect(table(['a', 'b'], [['1']]).split('\n')[2]).toBe('| 1 |  |');
  });
});

describe('formatNumber', () => {
  test.each([
    [3, '3'],
    [0.123456, '0.1235'],
    [1234.5678, '1235'],
    [0.00001234, '1.234e-5'],
    [12345678901.5, '1.235e+10'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, '∞'],
    [-0.5, '-0.5'],
  ])('%d → %s', (value, text) => {
    expect(formatNumber(value)).toBe(text);
  });
});

describe('details and heading', () => {
  test('details wraps a body that GitHub still renders as Markdown', () => {
    expect(details('3 passed <checks>', '| a |')).toBe(
      '<details>\n<summary>3 passed &lt;checks&gt;</summary>\n\n| a |\n\n</details>',
    );
    expect(details(raw('<b>x</b>'), 'y', { open: true })).toBe(
      '<details open>\n<summary><b>x</b></summary>\n\ny\n\n</details>',
    );
  });
  test('heading escapes text', () => {
    expect(heading(3, 'Data #1 @me')).toBe('### Data \\#\u20601 @\u2060me');
  });
});

describe('xyChart', () => {
  test('renders a Mermaid xychart-beta with bars and a line', () => {
    expect(
      xyChart({
        title: 'Drift "score"',
        labels: ['age', 'plan', 'a"b'],
        yLabel: 'score',
        yRange: [0, 1],
        series: [
          { kind: 'bar', values: [0.12, 0.5, 0.3333333333] },
          { kind: 'line', values: [0.1, 0.1, 0.1] },
        ],
      }),
    ).toBe(
      [
        '```mermaid',
        'xychart-beta',
        '    title "Drift  score "',
        '    x-axis ["age", "plan", "a b"]',
        '    y-axis "score" 0 --> 1',
        '    bar [0.12, 0.5, 0.333333]',
        '    line [0.1, 0.1, 0.1]',
        '```',
      ].join('\n'),
    );
  });

  test('a series with the wrong length is a bug, caught early', () => {
    expect(() => xyChart({ labels: ['a'], series: [{ kind: 'bar', values: [1, 2] }] })).toThrow(RangeError);
  });
});

describe('markdownToTerminal', () => {
  test('drops HTML wrappers and entities', () => {
    const markdown = `${heading(3, '@me & you')}\n\n${details('more', 'x<br>y')}`;
    expect(markdownToTerminal(markdown)).toBe('### @me & you\n\n▸ more\n\nx / y\n\n');
  });
});

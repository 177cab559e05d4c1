import { describe, expect, test } from 'vitest';
import { commandArguments, deriveTestCommand, splitCommandLine } from '../../shared/src/index.js';

describe('command lines without a shell', () => {
  test.each([
    ['nginx -s reload', ['nginx', '-s', 'reload']],
    ['  a   b\tc ', ['a', 'b', 'c']],
    [`set-weight --note 'two words' "say \\"hi\\""`, ['set-weight', '--note', 'two words', 'say "hi"']],
    ['echo $HOME;rm -rf x | y', ['echo', '$HOME;rm', '-rf', 'x', '|', 'y']],
    ["a '' b", ['a', '', 'b']],
    ['a\\ b', ['a b']],
  ])('%s', (text, expected) => {
    expect(splitCommandLine(text)).toEqual(expected);
  });

  test('an unclosed quote is an error', () => {
    expect(() => splitCommandLine("a 'b")).toThrow(/unclosed ' quote/);
  });

  test('placeholders are replaced inside arguments, never interpreted', () => {
    expect(
      commandArguments(['--weight={weight}', '{baseline}={baseline-weight}', '{candidate}'], 25, {
        baseline: 'v1',
        candidate: 'v2; rm -rf /',
      }),
    ).toEqual(['--weight=25', 'v1=75', 'v2; rm -rf /']);
  });

  test.each([
    [
      ['nginx', '-p', '/srv', '-c', 'n.conf', '-s', 'reload'],
      ['nginx', '-p', '/srv', '-c', 'n.conf', '-t'],
    ],
    [
      ['systemctl', 'reload', 'nginx'],
      ['nginx', '-t'],
    ],
  ])('test command for %j', (reload, expected) => {
    expect(deriveTestCommand(reload)).toEqual(expected);
  });
});

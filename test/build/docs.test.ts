import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { repositoryRoot } from '../support/run-action.js';

// @ts-expect-error: plain .mjs scripts without types
const { renderReadme, actionTables } = await import('../../scripts/docs.mjs');
// @ts-expect-error: plain .mjs scripts without types
const { listActions } = await import('../../scripts/build.mjs');

describe('README', () => {
  test("every action's input/output tables are current with its action.yml", async () => {
    const readme = await readFile(join(repositoryRoot, 'README.md'), 'utf8');
    expect(await renderReadme(readme)).toBe(readme);
    for (const { name } of await listActions()) {
      expect(readme, `README has a section for ${name}`).toContain(`<!-- action-docs:${name} -->`);
    }
  });

  test('a stale table is detected', async () => {
    const readme = await readFile(join(repositoryRoot, 'README.md'), 'utf8');
    const stale = readme.replace(/\| `fail-on` \|[^\n]*\n/, '');
    expect(stale).not.toBe(readme);
    expect(await renderReadme(stale)).toBe(readme);
  });

  test('tables escape pipes and fold line breaks', () => {
    const text = actionTables('x', {
      inputs: { a: { description: 'one | two\nthree', required: true, default: 'x|y' } },
      outputs: { b: { description: 'out' } },
    });
    expect(text).toContain('| `a` | yes | `x\\|y` | one \\| two three |');
    expect(text).toContain('| `b` | out |');
  });

  test('shows the two commands CI and a new user run', async () => {
    const readme = await readFile(join(repositoryRoot, 'README.md'), 'utf8');
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('npm test');
  });
});

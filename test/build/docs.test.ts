import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { repositoryRoot } from '../support/run-action.js';

// @ts-expect-error: plain .mjs scripts without types
const docs = await import('../../scripts/docs.mjs');
const { renderReadme, actionTables, renderAll, renderActionReadme, GENERATED_END } = docs;
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

describe('actions/<name>/README.md', () => {
  test('every action has one, current with its action.yml and the main README', async () => {
    const files: Map<string, [string | undefined, string]> = await renderAll();
    const actions = await listActions();
    for (const { name } of actions) {
      const path = join(repositoryRoot, 'actions', name, 'README.md');
      const [current, fresh] = files.get(path)!;
      expect(current, `${path} exists and is current (npm run docs)`).toBe(fresh);
    }
    expect(files.size).toBe(actions.length + 1);
  });

  test('says what the action does, its uses: step, its tables and where to read on', async () => {
    const readme = await readFile(join(repositoryRoot, 'actions', 'deploy', 'README.md'), 'utf8');
    expect(readme).toMatch(/^<!-- .*npm run docs.* -->\n# deploy\n\nGated A\/B rollout of a model server/);
    expect(readme).toContain(
      '```yaml\n- uses: mlops-actions/mlops-actions/actions/deploy@v1\n  with:\n    provider: nginx\n',
    );
    expect(readme).toContain('| `gate` | yes |  | ');
    expect(readme).toContain('| `decision` | promoted, rolled-back or inconclusive. |');
    expect(readme).toContain('[the main README](../../README.md#deploy)');
  });

  test('a changed action.yml makes it stale; hand-written notes after the marker are kept', async () => {
    const main = await readFile(join(repositoryRoot, 'README.md'), 'utf8');
    const { metadata } = (await listActions()).find(({ name }: { name: string }) => name === 'test-model');
    const current = await readFile(join(repositoryRoot, 'actions', 'test-model', 'README.md'), 'utf8');
    expect(renderActionReadme('test-model', metadata, main, current)).toBe(current);
    const changed = structuredClone(metadata);
    changed.inputs.tests.description = 'A new description.';
    const fresh = renderActionReadme('test-model', changed, main, current);
    expect(fresh).toContain('| `tests` |  |  | A new description. |');
    expect(fresh.slice(fresh.indexOf(GENERATED_END))).toBe(current.slice(current.indexOf(GENERATED_END)));
    expect(current.slice(current.indexOf(GENERATED_END))).toContain('## Tests file');
  });
});

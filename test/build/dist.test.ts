import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { CLI_OPTIONS } from '../../shared/src/index.js';
import { repositoryRoot } from '../support/run-action.js';

// @ts-expect-error: a plain .mjs script without types
const { compareDist, distFiles } = await import('../../scripts/check-dist.mjs');

const actionNames = (await readdir(join(repositoryRoot, 'actions'), { withFileTypes: true }))
  .filter((entry) => entry.isDirectory() && existsSync(join(repositoryRoot, 'actions', entry.name, 'action.yml')))
  .map((entry) => entry.name);

describe('action metadata', () => {
  test.each(actionNames)('%s declares node24 and runs its dist/index.js', async (name) => {
    const metadata = parse(await readFile(join(repositoryRoot, 'actions', name, 'action.yml'), 'utf8'));
    expect(metadata.runs.using).toBe('node24');
    expect(metadata.runs.main).toBe('dist/index.js');
    if (metadata.runs.post) expect(metadata.runs.post).toBe('dist/index.js');
    expect(metadata.description).toBeTruthy();
    for (const [input, spec] of Object.entries<Record<string, unknown>>(metadata.inputs ?? {})) {
      expect(input, 'input names are kebab-case').toMatch(/^[a-z][a-z0-9-]*$/);
      expect(spec.description, `${name}.${input} has a description`).toBeTruthy();
      expect(Object.keys(CLI_OPTIONS), `${input} collides with a CLI option`).not.toContain(input);
    }
    expect(Object.keys(metadata.outputs ?? {})).toContain('report');
  });

  test('each action is src/main.ts exporting its definition; the entry is generated, so no src/index.ts', async () => {
    for (const name of actionNames) {
      const main = await readFile(join(repositoryRoot, 'actions', name, 'src', 'main.ts'), 'utf8');
      expect(main).toMatch(/^export const action = defineAction\(\{\n {2}name: '[a-z-]+',$/m);
      expect(main).not.toMatch(/@actions\//);
      expect(existsSync(join(repositoryRoot, 'actions', name, 'src', 'index.ts'))).toBe(false);
    }
  });
});

describe('check-dist', () => {
  test('the committed tree has the shared bundle and one entry per action', async () => {
    const files: string[] = await distFiles(repositoryRoot);
    expect(files).toContain('shared/dist/index.js');
    expect(files).toContain('shared/dist/licenses.txt');
    for (const name of actionNames) expect(files).toContain(`actions/${name}/dist/index.js`);
    const bundle = await readFile(join(repositoryRoot, 'shared', 'dist', 'index.js'), 'utf8');
    expect(bundle.split('\n').length, 'the bundle is not minified').toBeGreaterThan(1000);
  });

  test('a stale, missing or extra bundle file is caught', async () => {
    const copy = async () => {
      const dir = await mkdtemp(join(tmpdir(), 'dist-copy-'));
      await cp(join(repositoryRoot, 'shared', 'dist'), join(dir, 'shared', 'dist'), { recursive: true });
      for (const name of actionNames) {
        await cp(join(repositoryRoot, 'actions', name, 'dist'), join(dir, 'actions', name, 'dist'), {
          recursive: true,
        });
      }
      return dir;
    };
    const fresh = await copy();
    expect(await compareDist(fresh, await copy())).toEqual([]);

    const stale = await copy();
    const entry = join(stale, 'actions', actionNames[0] as string, 'dist', 'index.js');
    await writeFile(entry, `${await readFile(entry, 'utf8')}// edited by hand\n`);
    await writeFile(join(stale, 'shared', 'dist', 'extra.js'), '');
    const problems: string[] = await compareDist(fresh, stale);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^actions\/.+\/dist\/index\.js: differs from a fresh build at line \d+:/);
    expect(problems[1]).toBe('shared/dist/extra.js: not produced by the build');

    const missing = await copy();
    const { rm } = await import('node:fs/promises');
    await rm(join(missing, 'shared', 'dist', 'licenses.txt'));
    expect(await compareDist(fresh, missing)).toEqual(['shared/dist/licenses.txt: missing from the commit']);
  });
});

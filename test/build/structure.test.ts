import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { repositoryRoot } from '../support/run-action.js';

// The structure issue 20 set, kept so it cannot come back: the import graph of shared/src and actions/*/src (read
// from the TypeScript sources: the Go tsc has no JS API) has no circle; the library never imports the runner; each
// library folder has one index.ts face, and the library's face re-exports faces only.

/** Every module specifier a TypeScript file names: imports (type ones too), re-exports, dynamic imports. */
function moduleSpecifiers(source: string): string[] {
  // Comments may quote imports; strings in code never hold `import … from '…'` here.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found: string[] = [];
  const patterns = [
    /^\s*(?:import|export)\s+(?:type\s+)?[^'";]*?\sfrom\s*['"]([^'"]+)['"]/gm,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of code.matchAll(pattern)) found.push(match[1] as string);
  return found;
}

/** The first circle in `graph` as a path that ends where it starts, or undefined. */
function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of [...graph.keys()].sort()) {
    if (state.has(node)) continue;
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

async function typeScriptFiles(dir: string): Promise<string[]> {
  const entries = await readdir(join(repositoryRoot, dir), { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => relative(repositoryRoot, join(entry.parentPath, entry.name)))
    .sort();
}

interface Module {
  file: string;
  /** Files of the graph it imports (repository-relative). */
  local: string[];
  /** Package specifiers (`@actions/core`, `node:fs`, …). */
  packages: string[];
}

async function readModules(): Promise<Module[]> {
  const actions = (await readdir(join(repositoryRoot, 'actions'))).map((name) => `actions/${name}/src`);
  const files = (
    await Promise.all(
      ['shared/src', ...actions].filter((dir) => existsSync(join(repositoryRoot, dir))).map(typeScriptFiles),
    )
  ).flat();
  return Promise.all(
    files.map(async (file) => {
      const specifiers = moduleSpecifiers(await readFile(join(repositoryRoot, file), 'utf8'));
      const local: string[] = [];
      const packages: string[] = [];
      for (const specifier of specifiers) {
        if (specifier === '@mlops-actions/core') local.push('shared/src/index.ts');
        else if (specifier.startsWith('.')) {
          if (specifier.endsWith('.js')) local.push(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
        } else packages.push(specifier);
      }
      return { file, local, packages };
    }),
  );
}

const modules = await readModules();
const library = modules.filter((module) => module.file.startsWith('shared/src/'));
const folderOf = (file: string) => file.split('/')[2] as string;
const RUNNER_SIDE = ['runner', 'cli'];

describe('the import graph of shared/src and actions/*/src', () => {
  test('the parser reads imports, type imports, re-exports and dynamic imports, not comments', () => {
    const source = [
      "import { a } from './a.js';",
      "import type { B } from '../b/index.js';",
      'import {',
      '  c,',
      '  type D,',
      "} from './c.js';",
      "export * from './e.js';",
      "export { f } from './f.js';",
      "export type { G } from './g.js';",
      "import './side-effect.js';",
      "const lazy = await import('@actions/artifact');",
      "// import { no } from './commented.js';",
      "/* export * from './blocked.js'; */",
    ].join('\n');
    expect(moduleSpecifiers(source)).toEqual([
      './a.js',
      '../b/index.js',
      './c.js',
      './e.js',
      './f.js',
      './g.js',
      './side-effect.js',
      '@actions/artifact',
    ]);
  });

  test('findCycle names the circle it finds, and none in a tree', () => {
    const circle = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
    ]);
    expect(findCycle(circle)).toEqual(['a', 'b', 'c', 'a']);
    expect(
      findCycle(
        new Map([
          ['a', ['b', 'c']],
          ['b', ['c']],
          ['c', []],
        ]),
      ),
    ).toBeUndefined();
  });

  test('every import of a source file resolves to a file', () => {
    const missing = modules.flatMap((module) =>
      module.local.filter((file) => !existsSync(join(repositoryRoot, file))).map((file) => `${module.file} → ${file}`),
    );
    expect(missing).toEqual([]);
    expect(library.length).toBeGreaterThan(100);
  });

  test('no import circle (type-only imports count)', () => {
    const graph = new Map(modules.map((module) => [module.file, module.local]));
    const cycle = findCycle(graph);
    expect(cycle?.join(' → '), 'an import circle').toBeUndefined();
  });

  test('outside runner/ and cli/, the library imports neither runner/ nor any @actions package', () => {
    const offending = library
      // The package's face (shared/src/index.ts) re-exports runner/ for the actions; the library itself never uses it.
      .filter((module) => module.file !== 'shared/src/index.ts' && !RUNNER_SIDE.includes(folderOf(module.file)))
      .flatMap((module) => [
        ...module.local
          .filter((file) => RUNNER_SIDE.includes(folderOf(file)))
          .map((file) => `${module.file} → ${file}`),
        ...module.packages.filter((name) => name.startsWith('@actions/')).map((name) => `${module.file} → ${name}`),
      ]);
    expect(offending).toEqual([]);
  });

  test('actions reach the library through @mlops-actions/core only, and never the runner directly', () => {
    const offending = modules
      .filter((module) => module.file.startsWith('actions/'))
      .flatMap((module) => [
        ...module.local
          .filter((file) => !file.startsWith(dirname(module.file)) && file !== 'shared/src/index.ts')
          .map((file) => `${module.file} → ${file}`),
        ...module.packages.filter((name) => name.startsWith('@actions/')).map((name) => `${module.file} → ${name}`),
      ]);
    expect(offending).toEqual([]);
  });

  test('every library folder has an index.ts face, and shared/src/index.ts re-exports faces only', async () => {
    const folders = (await readdir(join(repositoryRoot, 'shared/src'), { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    // engines/ arrives with its face from issue 22's branches; until then it holds one file and no face.
    const faceless = folders.filter(
      (folder) => !existsSync(join(repositoryRoot, 'shared/src', folder, 'index.ts')) && folder !== 'engines',
    );
    expect(faceless).toEqual([]);
    const face = library.find((module) => module.file === 'shared/src/index.ts');
    expect(face?.local.filter((file) => !/^shared\/src\/[\w-]+\/index\.ts$/.test(file))).toEqual([]);
    expect(face?.packages).toEqual([]);
  });

  test('tests import the library one way: shared/src/index.ts, or a folder face for what it keeps off the top', async () => {
    // statistics/special.ts's logGamma is private to its folder on purpose (metrics exports its own); its test reads it.
    const exceptions = ['test/statistics/special.test.ts → shared/src/statistics/special.ts'];
    const testFiles = await typeScriptFiles('test');
    const offending: string[] = [];
    for (const file of testFiles) {
      for (const specifier of moduleSpecifiers(await readFile(join(repositoryRoot, file), 'utf8'))) {
        if (specifier === '@mlops-actions/core') offending.push(`${file} → ${specifier}`);
        if (!specifier.startsWith('.')) continue;
        const target = join(dirname(file), specifier.replace(/\.js$/, '.ts'));
        if (!target.startsWith('shared/src/') || /^shared\/src\/([\w-]+\/)?index\.ts$/.test(target)) continue;
        if (!exceptions.includes(`${file} → ${target}`)) offending.push(`${file} → ${target}`);
      }
    }
    expect(offending).toEqual([]);
  });
});

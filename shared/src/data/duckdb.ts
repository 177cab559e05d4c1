import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runTool } from '../exec/index.js';
import type { Logger } from '../log/index.js';
import runtime from './duckdb-runtime.json' with { type: 'json' };

/** The pinned DuckDB Node API; its native library is installed at run time, never shipped in dist/. */
export const DUCKDB_VERSION: string = runtime.version;

type DuckDBModule = typeof import('@duckdb/node-api');

export interface LoadDuckDBOptions {
  log: Logger;
  /** The runner's tool cache (RUNNER_TOOL_CACHE); DuckDB is installed under it once per runner. */
  toolCache: string;
  /** Skip the copy next to the bundle (tests of the tool-cache path). */
  preferToolCache?: boolean;
}

function isModuleNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/** Where the tool cache keeps this DuckDB for this platform (the native binding differs per OS and CPU). */
export function duckdbCacheDirectory(toolCache: string): string {
  return join(toolCache, 'mlops-actions-duckdb', DUCKDB_VERSION, `${process.platform}-${process.arch}`);
}

/**
 * Loads DuckDB: from the workspace when the action runs from a checkout with node_modules (development, tests),
 * else from the runner's tool cache, installing it there on first use with `npm ci` against a lockfile that pins
 * every platform's package and integrity hash.
 */
export async function loadDuckDB(options: LoadDuckDBOptions): Promise<DuckDBModule> {
  if (!options.preferToolCache) {
    try {
      // Left to Node at run time (never bundled): on a runner the action's checkout has no node_modules.
      return (await import(/* webpackIgnore: true */ '@duckdb/node-api')) as DuckDBModule;
    } catch (error) {
      if (!isModuleNotFound(error)) throw error;
    }
  }
  const directory = duckdbCacheDirectory(options.toolCache);
  const entry = join(directory, 'node_modules', '@duckdb', 'node-api', 'package.json');
  if (!existsSync(entry)) {
    await options.log.group(`Install DuckDB ${DUCKDB_VERSION} into the tool cache`, async () => {
      await mkdir(directory, { recursive: true });
      await writeFile(join(directory, 'package.json'), JSON.stringify(runtime.packageJson));
      await writeFile(join(directory, 'package-lock.json'), JSON.stringify(runtime.lock));
      try {
        await runTool('npm', ['ci', '--no-audit', '--no-fund', '--omit=dev', '--loglevel=error'], {
          cwd: directory,
          logger: options.log,
          timeoutMs: 10 * 60_000,
        });
      } catch (error) {
        throw new Error(
          `Could not install DuckDB ${DUCKDB_VERSION} (${process.platform}-${process.arch}) into ${directory}: ` +
            `${(error as Error).message}. The data actions need npm and the npm registry on the runner.`,
        );
      }
    });
  }
  const main = join(directory, 'node_modules', '@duckdb', 'node-api', 'lib', 'index.js');
  return (await import(/* webpackIgnore: true */ pathToFileURL(main).href)) as DuckDBModule;
}

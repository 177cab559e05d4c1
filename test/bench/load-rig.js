// Not a benchmark itself (run.mjs runs the .mjs files only): lets a benchmark import the rig (test/services) and
// the compiled library. The rig is TypeScript with `.js` import specifiers: Node strips the types; the hook maps
// the names.
import { register } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

register(
  `data:text/javascript,${encodeURIComponent(
    "export async function resolve(s, c, next) { try { return await next(s, c); } catch (e) { if (s.startsWith('.') && s.endsWith('.js')) return next(s.slice(0, -3) + '.ts', c); throw e; } }",
  )}`,
);

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Imports a file of the repository by its path from the root. */
export const load = (path) => import(pathToFileURL(join(root, path)).href);

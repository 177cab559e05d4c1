import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';

/** The input that lets an action read paths outside the workspace and RUNNER_TEMP. */
export const ALLOW_OUTSIDE_WORKSPACE_INPUT = 'allow-paths-outside-workspace';

/**
 * Where input paths may lead. On a runner, a pull request controls the checkout: a `data.csv` that is a link to
 * a credentials file would put that file's lines in the PR comment as failing rows. So a path is followed through
 * every symlink and `..` and must end inside the workspace or RUNNER_TEMP (where earlier steps leave files).
 */
export interface WorkspaceBoundary {
  /** False for the CLI on a developer's machine: the paths given there are the user's own choice. */
  enforced: boolean;
  /** RUNNER_TEMP, when set. */
  runnerTemp?: string;
}

/** The path with every symlink followed; for a path that does not exist yet, its nearest existing ancestor's. */
export function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realPath(parent), basename(path));
  }
}

function isWithin(path: string, root: string): boolean {
  const inside = relative(root, path);
  return inside === '' || (!inside.startsWith('..') && !isAbsolute(inside));
}

/**
 * Where `path` really is when that is outside every one of `roots` (each followed through its own symlinks too),
 * undefined when it is inside one.
 */
export function escapedPath(path: string, roots: readonly string[]): string | undefined {
  const real = realPath(resolve(path));
  return roots.some((root) => isWithin(real, realPath(resolve(root)))) ? undefined : real;
}

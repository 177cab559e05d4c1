import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runAllowingFailure } from '../services/process.js';
import { repositoryRoot } from './run-action.js';

/** The venv with numpy, scipy and scikit-learn that `scripts/setup` creates (scripts/requirements-reference.txt). */
export const referencePython = join(repositoryRoot, '.cache', 'venv-reference', 'bin', 'python');

/**
 * Runs a Python snippet in the reference venv. `input` arrives as the JSON variable `data`; whatever the snippet
 * assigns to `result` comes back parsed from JSON. Reference values are computed in the same run, never pasted.
 */
export async function runReference<T = unknown>(code: string, input: unknown = null): Promise<T> {
  if (!existsSync(referencePython)) {
    throw new Error(`${referencePython} is missing: run scripts/setup (npm test does)`);
  }
  const program = `import json, sys\ndata = json.load(sys.stdin)\nresult = None\n${code}\njson.dump(result, sys.stdout)\n`;
  const {
    code: exitCode,
    stdout,
    stderr,
  } = await runAllowingFailure(referencePython, ['-c', program], {
    input: JSON.stringify(input),
    timeoutMs: 600_000,
  });
  if (exitCode !== 0) throw new Error(`reference python exited with ${exitCode}: ${stderr.trim().split('\n').at(-1)}`);
  return JSON.parse(stdout) as T;
}

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
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
  return new Promise<T>((resolve, reject) => {
    const child = spawn(referencePython, ['-c', program], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`reference python exited with ${code}: ${stderr.trim().split('\n').at(-1)}`));
      else resolve(JSON.parse(stdout) as T);
    });
    child.stdin.end(JSON.stringify(input));
  });
}

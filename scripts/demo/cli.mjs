// Runs one `mlops <action>` of the demo as scripts/demo.mjs runs its first stages: output echoed, outputs parsed
// from the `  name=value` lines the CLI ends with, the result in the shape the demo's summary prints.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** This process's environment without the GitHub runner's variables (event, token, commit, workspace). */
export function demoEnvironment() {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(GITHUB|RUNNER|ACTIONS)_/.test(name)));
}

/**
 * `mlops <stage> …args --out-dir <work>/<stage>`, from the repository root, with `env` added to a copy of this
 * process's environment from which the GitHub runner's variables are removed: a demo run inside a workflow must
 * not read that workflow's event, token or commit.
 */
export function runCliStage(context, stage, args, env = {}) {
  const outDir = join(context.work, stage);
  const clean = demoEnvironment();
  const run = spawnSync(process.execPath, [context.mlops, stage, ...args, '--out-dir', outDir], {
    cwd: context.root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...clean, ...env },
  });
  if (run.error) throw run.error;
  process.stdout.write(run.stdout);
  const outputs = Object.fromEntries(
    [...run.stdout.matchAll(/^ {2}([\w-]+)=(.*)$/gm)].map((match) => [match[1], match[2]]),
  );
  return { stage, exitCode: run.status, outputs, comment: join(outDir, 'comment.md'), outDir };
}

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
  return stageResult(stage, run.status ?? run.signal, run.stdout, outDir);
}

/**
 * A stage's result for the demo's summary, from what `mlops` printed: the outputs from the `  name=value` lines
 * it ends with, and `reason`, its last `error:` line (what to show when the stage failed without a report).
 */
export function stageResult(stage, exitCode, stdout, outDir) {
  const outputs = Object.fromEntries(
    [...stdout.matchAll(/^ {2}([\w-]+)=(.*)$/gm)].map((match) => [match[1], match[2]]),
  );
  const reason = [...stdout.matchAll(/^error: (.*)$/gm)].at(-1)?.[1];
  return { stage, exitCode, outputs, comment: join(outDir, 'comment.md'), outDir, reason };
}

#!/usr/bin/env node
// The `mlops` command: runs an action's main outside GitHub, from the same bundle the actions run.
import { actions, runCli } from '../dist/index.js';

process.exitCode = await runCli(process.argv.slice(2), actions, {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
});

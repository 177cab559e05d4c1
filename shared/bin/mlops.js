#!/usr/bin/env node
// The `mlops` command: runs an action's main outside GitHub, from the same bundle the actions run. On a Node older
// than 24 it runs itself again under the pinned Node 24 (node24.js) before the bundle is loaded.
import { readFileSync } from 'node:fs';
import { continueOnNode24 } from './node24.js';

if (continueOnNode24(import.meta.url)) {
  // Output piped into `head`, which stops reading: later lines are dropped without a word, and the action still
  // finishes (a deploy's rollback must not die with the pager).
  const closed = new Set();
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error) => {
      if (error.code !== 'EPIPE') throw error;
      closed.add(stream);
    });
  }
  const writeTo = (stream) => (text) => {
    if (!closed.has(stream)) stream.write(text);
  };
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const { actions, runCli } = await import('../dist/index.js');
  process.exitCode = await runCli(process.argv.slice(2), actions, {
    stdout: writeTo(process.stdout),
    stderr: writeTo(process.stderr),
    env: process.env,
    cwd: process.cwd(),
    version,
  });
}

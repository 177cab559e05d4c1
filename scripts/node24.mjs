#!/usr/bin/env node
// `node scripts/node24.mjs <script> [args]`: what the npm scripts call. Runs <script> under Node 24, the pinned
// node-linux-<arch> when the running node is older (see shared/bin/node24.js and the README's quick start).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { continueOnNode24 } from '../shared/bin/node24.js';

const [script] = process.argv.slice(2);
if (script === undefined) {
  process.stderr.write('usage: node scripts/node24.mjs <script> [args...]\n');
  process.exitCode = 2;
} else if (continueOnNode24(import.meta.url)) {
  // The script sees the command line it would have seen when run directly: [node, script, ...args].
  process.argv.splice(1, 2, resolve(script));
  await import(pathToFileURL(resolve(script)).href);
}

#!/usr/bin/env node
// Regenerates the input/output tables of README.md from each action.yml, between the markers
// <!-- action-docs:NAME --> and <!-- /action-docs:NAME -->.
//   node scripts/docs.mjs          rewrite README.md
//   node scripts/docs.mjs --check  exit 1 when README.md is stale (CI runs this through a test)
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listActions } from './build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readmePath = join(root, 'README.md');

const cell = (text) =>
  String(text ?? '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\|/g, '\\|');

export function actionTables(name, metadata) {
  const lines = [`| Input | Required | Default | Description |`, '| --- | :---: | --- | --- |'];
  for (const [input, spec] of Object.entries(metadata.inputs ?? {})) {
    const fallback = spec.default === undefined || spec.default === '' ? '' : `\`${cell(spec.default)}\``;
    lines.push(`| \`${input}\` | ${spec.required ? 'yes' : ''} | ${fallback} | ${cell(spec.description)} |`);
  }
  lines.push('', '| Output | Description |', '| --- | --- |');
  for (const [output, spec] of Object.entries(metadata.outputs ?? {}))
    lines.push(`| \`${output}\` | ${cell(spec.description)} |`);
  return lines.join('\n');
}

/** README with every marked section regenerated; unknown markers are left alone. */
export async function renderReadme(text) {
  let result = text;
  for (const { name, metadata } of await listActions()) {
    const pattern = new RegExp(`(<!-- action-docs:${name} -->\\n)[\\s\\S]*?(<!-- /action-docs:${name} -->)`);
    result = result.replace(pattern, (_, open, close) => `${open}${actionTables(name, metadata)}\n${close}`);
  }
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const current = await readFile(readmePath, 'utf8');
  const fresh = await renderReadme(current);
  if (process.argv.includes('--check')) {
    if (fresh !== current) {
      console.error("README.md's action tables are stale: run 'node scripts/docs.mjs' and commit.");
      process.exitCode = 1;
    } else console.log('README.md action tables match every action.yml.');
  } else if (fresh !== current) {
    await writeFile(readmePath, fresh);
    console.log('README.md action tables regenerated.');
  }
}

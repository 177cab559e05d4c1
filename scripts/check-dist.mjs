#!/usr/bin/env node
// Fails when the committed bundles differ from a fresh build: builds into a temporary directory and compares
// every file under shared/dist and actions/*/dist. The differences also go to the job summary on GitHub.
import { appendFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

async function filesUnder(base, folder) {
  const files = [];
  let entries;
  try {
    entries = await readdir(join(base, folder), { withFileTypes: true, recursive: true });
  } catch {
    return files;
  }
  for (const entry of entries) {
    if (entry.isFile()) files.push(relative(base, join(entry.parentPath, entry.name)));
  }
  return files;
}

/** The dist folders of a tree: the shared bundle and each action's entry. */
export async function distFiles(base) {
  const actions = (await readdir(join(base, 'actions'), { withFileTypes: true })).filter((entry) =>
    entry.isDirectory(),
  );
  const lists = await Promise.all([
    filesUnder(base, join('shared', 'dist')),
    ...actions.map((entry) => filesUnder(base, join('actions', entry.name, 'dist'))),
  ]);
  return lists.flat().sort();
}

function firstDifference(expected, actual) {
  const a = expected.split('\n');
  const b = actual.split('\n');
  for (let index = 0; index < Math.max(a.length, b.length); index += 1) {
    if (a[index] !== b[index]) {
      return `line ${index + 1}:\n  fresh:     ${(a[index] ?? '<end of file>').slice(0, 200)}\n  committed: ${(b[index] ?? '<end of file>').slice(0, 200)}`;
    }
  }
  return 'same lines, different bytes';
}

/** Lists every difference between a fresh build (`fresh`) and the committed tree (`committed`). */
export async function compareDist(fresh, committed) {
  const [freshFiles, committedFiles] = await Promise.all([distFiles(fresh), distFiles(committed)]);
  const problems = [];
  for (const file of freshFiles) {
    if (!committedFiles.includes(file)) {
      problems.push(`${file}: missing from the commit`);
      continue;
    }
    const [expected, actual] = await Promise.all([
      readFile(join(fresh, file), 'utf8'),
      readFile(join(committed, file), 'utf8'),
    ]);
    if (expected !== actual)
      problems.push(`${file}: differs from a fresh build at ${firstDifference(expected, actual)}`);
  }
  for (const file of committedFiles)
    if (!freshFiles.includes(file)) problems.push(`${file}: not produced by the build`);
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { build } = await import('./build.mjs');
  const out = await mkdtemp(join(tmpdir(), 'mlops-check-dist-'));
  try {
    // The build writes only dist folders under --out; the action folders must exist there to list them.
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(out, 'actions'), { recursive: true });
    await build({ outRoot: out });
    const problems = await compareDist(out, root);
    if (problems.length > 0) {
      const text = `dist/ is stale: run 'npm run build' and commit the result.\n${problems.map((p) => `- ${p}`).join('\n')}`;
      console.error(text);
      if (process.env.GITHUB_STEP_SUMMARY)
        appendFileSync(process.env.GITHUB_STEP_SUMMARY, `### check-dist\n\n\`\`\`\n${text}\n\`\`\`\n`);
      process.exitCode = 1;
    } else {
      console.log(`check-dist: ${(await distFiles(root)).length} committed dist files match a fresh build.`);
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, expect, test } from 'vitest';
import { repositoryRoot } from '../support/run-action.js';
import { examplePython } from '../workflows/tools.js';

const run = promisify(execFile);

/**
 * examples/README.md followed to the letter in a copy of the repository's lint and git setup: a .venv inside the
 * example (its own `lib64 -> lib` link included), train.py writing build/, and the two mlops commands. The pinned
 * requirements come from the cached venv of .cache/venv-examples through a .pth file instead of a second pip
 * install: what lint and git see of the .venv is the same.
 */
let copy: string;
let penguins: string;
let validate: { stdout: string };
let testModel: { stdout: string };
beforeAll(async () => {
  copy = await mkdtemp(join(tmpdir(), 'mlops-examples-'));
  for (const part of ['biome.json', '.gitignore', 'examples/penguins'])
    await cp(join(repositoryRoot, part), join(copy, part), { recursive: true });
  penguins = join(copy, 'examples', 'penguins');
  const git = (...args: string[]) => run('git', args, { cwd: copy });
  await git('init', '-q');
  await git('add', '-A');

  const cached = await examplePython();
  await run('python3', ['-m', 'venv', '.venv'], { cwd: penguins, timeout: 120_000 });
  const purelib = async (python: string) =>
    (await run(python, ['-c', "import sysconfig; print(sysconfig.get_paths()['purelib'])"])).stdout.trim();
  await writeFile(
    join(await purelib(join(penguins, '.venv', 'bin', 'python')), 'examples-requirements.pth'),
    `${await purelib(join(cached, 'python'))}\n`,
  );
  await run(join(penguins, '.venv', 'bin', 'python'), ['train.py', '--out', 'build'], {
    cwd: penguins,
    timeout: 300_000,
  });
  const mlops = (...args: string[]) =>
    run(process.execPath, [join(repositoryRoot, 'shared', 'bin', 'mlops.js'), ...args], {
      cwd: penguins,
      env: { PATH: process.env.PATH },
      maxBuffer: 16 * 1024 * 1024,
    });
  validate = await mlops('validate-data', '--data', 'data/penguins.json', '--suite', 'ml/suite.yml');
  testModel = await mlops(
    'test-model',
    ...['--predictions', 'build/predictions.csv', '--tests', 'ml/tests.yml', '--baseline', 'none'],
  );
}, 900_000);

test("the example's commands work: the data passes its suite and the model scores what examples/README.md says", async () => {
  expect(validate.stdout).toContain('  passed=true');
  const metrics = JSON.parse(testModel.stdout.match(/^ {2}metrics=(.*)$/m)![1]!);
  expect([metrics.accuracy, metrics.f1, metrics.roc_auc].map((value: number) => value.toFixed(3))).toEqual([
    '0.896',
    '0.899',
    '0.967',
  ]);
  expect(await readFile(join(penguins, 'build', 'metrics.json'), 'utf8')).toContain('accuracy');
});

test('what the example had people create is ignored by git and by Biome, and lint stays green', async () => {
  // Nothing new that git would offer to commit; what is new is ignored, as whole directories.
  const untracked = await run('git', ['ls-files', '--others', '--exclude-standard'], { cwd: copy });
  expect(untracked.stdout).toBe('');
  const ignored = await run('git', ['ls-files', '--others', '--ignored', '--exclude-standard', '--directory'], {
    cwd: copy,
  });
  expect(ignored.stdout.split('\n').filter(Boolean).sort()).toEqual([
    'examples/penguins/.mlops/',
    'examples/penguins/.venv/',
    'examples/penguins/build/',
  ]);
  const lint = await run(join(repositoryRoot, 'node_modules', '.bin', 'biome'), ['check', '.'], { cwd: copy }).catch(
    (error: { stdout: string; stderr: string }) => error,
  );
  expect(`${lint.stdout}${lint.stderr}`).toMatch(/Checked \d+ files? in/);
  expect(`${lint.stdout}${lint.stderr}`).not.toMatch(/error|\.venv|build\//i);
});

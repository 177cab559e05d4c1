import { execFile } from 'node:child_process';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';
import { repositoryRoot } from '../support/run-action.js';
import { goTool } from './tools.js';

const run = promisify(execFile);
let actionlint: string;

beforeAll(async () => {
  actionlint = await goTool('actionlint');
}, 660_000);

async function lint(files: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(actionlint, ['-no-color', ...files], {
      cwd: repositoryRoot,
      timeout: 120_000,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: (failed.stdout ?? '') + (failed.stderr ?? '') };
  }
}

const yamlFiles = async (folder: string) =>
  (await readdir(join(repositoryRoot, folder)))
    .filter((name) => name.endsWith('.yml'))
    .map((name) => `${folder}/${name}`);

describe('actionlint', () => {
  test('finds a broken workflow (the linter is live)', async () => {
    const broken = join(await mkdtemp(join(tmpdir(), 'actionlint-')), 'broken.yml');
    await writeFile(
      broken,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a JavaScript one
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.evnt.number }}\n',
    );
    const result = await lint([broken]);
    expect(result.code).toBe(1);
    expect(result.output).toContain('property "evnt" is not defined in object type');
  });

  test('passes on every template and on .github/workflows', async () => {
    const files = [...(await yamlFiles('workflows')), ...(await yamlFiles('.github/workflows'))];
    expect(files).toEqual(
      expect.arrayContaining([
        'workflows/ml-pull-request.yml',
        'workflows/ml-main.yml',
        'workflows/ml-release.yml',
        'workflows/ml-release-kubernetes.yml',
        'workflows/comment-on-pr.yml',
        '.github/workflows/example-project.yml',
      ]),
    );
    const result = await lint(files);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });
});

import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
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

  test('both release templates write the same model card before promote, and promote requires its record', async () => {
    const load = async (file: string) => parse(await readFile(join(repositoryRoot, 'workflows', file), 'utf8'));
    const [release, kubernetes] = await Promise.all([load('ml-release.yml'), load('ml-release-kubernetes.yml')]);
    expect(kubernetes.jobs['model-card']).toEqual(release.jobs['model-card']);
    expect(kubernetes.jobs['model-card'].environment.name).toBe('release');
    for (const template of [release, kubernetes]) {
      expect(Object.keys(template.jobs).slice(0, 2)).toEqual(['model-card', 'promote']);
      expect(template.jobs.promote.needs).toBe('model-card');
      const promote = template.jobs.promote.steps.find((step: { id?: string }) => step.id === 'promote');
      expect(promote.with).toMatchObject({
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a JavaScript one
        'require-record': "${{ vars.RELEASE_RECORD_PUBLIC_KEY != '' }}",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a JavaScript one
        'record-public-key': '${{ vars.RELEASE_RECORD_PUBLIC_KEY }}',
      });
    }
  });

  test("ml-release-kubernetes.yml's commented KServe job passes too, once uncommented", async () => {
    const template = await readFile(join(repositoryRoot, 'workflows', 'ml-release-kubernetes.yml'), 'utf8');
    const lines = template.split('\n');
    const start = lines.indexOf('  # deploy-kserve:');
    expect(start).toBeGreaterThan(0);
    // The block as a user would uncomment it: `  # ` off every line from the job's name on.
    const uncommented = [...lines.slice(0, start), ...lines.slice(start).map((line) => line.replace(/^ {2}# ?/, '  '))];
    const file = join(await mkdtemp(join(tmpdir(), 'actionlint-')), 'ml-release-kserve.yml');
    await writeFile(file, uncommented.join('\n'));
    const job = parse(uncommented.join('\n')).jobs['deploy-kserve'];
    expect(job.needs).toBe('promote');
    expect(job.steps.find((step: { id?: string }) => step.id === 'deploy')?.with).toMatchObject({
      provider: 'kserve',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a JavaScript one
      'inference-service': '${{ env.MODEL_NAME }}',
    });
    const result = await lint([file]);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });
});

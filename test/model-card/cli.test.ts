import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import {
  type ModelCard,
  OciLayoutStore,
  pushImage,
  readVerifyingKey,
  verifyAttachedRecord,
} from '../../shared/src/index.js';
import { makeTestImage } from '../oci/support.js';
import { keyPairPem } from '../release-record/support.js';
import { repositoryRoot } from '../support/run-action.js';

const bin = join(repositoryRoot, 'shared', 'bin', 'mlops.js');

test('mlops model-card on a laptop: an OCI layout image, local data, no GitHub or MLflow — the card says what is missing and the signed record is refused for it', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'mlops-card-'));
  const commit = '5a'.repeat(20);
  const image = await makeTestImage({ randomBytes: 2048, files: 1 });
  const store = new OciLayoutStore(cwd);
  try {
    await pushImage(store, 'build/image', { ...image, tags: [`sha-${commit.slice(0, 7)}`] });
  } finally {
    await rm(image.dir, { recursive: true, force: true });
  }
  await writeFile(join(cwd, 'train.csv'), 'a,b\n1,x\n2,y\n');
  await writeFile(join(cwd, 'model-card.yml'), 'intended-use: Demo only.\nlimitations: [Three rows of data]\n');
  const keys = keyPairPem();
  const run = spawnSync(
    process.execPath,
    // The PEM as the next argument, as a shell passes "$(cat key.pem)": it starts with dashes and is still the value.
    [bin, 'model-card', '--image', 'oci:build/image', '--signing-key', keys.privatePem, '--data', 'train.csv'],
    { cwd, encoding: 'utf8', env: { PATH: process.env.PATH, GITHUB_SHA: commit } },
  );
  expect(run.status, run.stdout + run.stderr).toBe(0);
  const folder = join(cwd, '.mlops', 'model-card', 'model-card');
  const card = JSON.parse(await readFile(join(folder, 'model-card.json'), 'utf8')) as ModelCard;
  expect(card.model.image?.digest).toBe(image.digest);
  expect(card.model.image?.labels).toEqual({ test: 'oci' });
  expect(card.data.files).toEqual([
    { name: 'train.csv', digest: `sha256:${createHash('sha256').update('a,b\n1,x\n2,y\n').digest('hex')}` },
  ]);
  expect(card.missingEvidence).toEqual([
    `the main-branch run of ${commit.slice(0, 7)}`,
    'the MLflow model version of the release commit',
    `the pull request that merged ${commit.slice(0, 7)}`,
  ]);
  const markdown = await readFile(join(folder, 'model-card.md'), 'utf8');
  expect(markdown).toContain('Demo only.');
  expect(markdown).toContain('- Three rows of data');
  expect(run.stdout).toContain('Model card: unknown model');
  expect(run.stdout).not.toContain(keys.privatePem.split('\n')[1]);

  const verified = await verifyAttachedRecord(
    store,
    'build/image',
    image.digest,
    readVerifyingKey(keys.publicPem, 'key'),
  );
  expect(verified.admitted).toBe(false);
  expect(verified.problems.join('\n')).toContain(`missing evidence: the main-branch run of ${commit.slice(0, 7)}`);
  expect(verified.problems.join('\n')).toContain('no test result');
  expect(verified.problems.join('\n')).not.toContain('signature');
}, 60_000);

import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, test } from 'vitest';
import { buildModelLayers, OWN_LAYER_BYTES, planModelLayers, scanDirectory } from '../../shared/src/index.js';
import { run } from '../services/process.js';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), 'layers-test-'));
  dirs.push(dir);
  return dir;
}

async function modelDir(root: string) {
  await mkdir(join(root, 'tokenizer'), { recursive: true });
  await writeFile(join(root, 'weights.bin'), randomBytes(5 << 20));
  await writeFile(join(root, 'tokenizer', 'vocab.txt'), 'token\n'.repeat(200_000));
  await writeFile(join(root, 'serve.sh'), '#!/bin/sh\necho serving\n', { mode: 0o755 });
  return root;
}

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

describe('deterministic model layers', () => {
  test('same content in another checkout (other mtimes, modes, path) gives the same digests', async () => {
    const first = await modelDir(join(await tempDir(), 'model'));
    const second = join(await tempDir(), 'elsewhere', 'model');
    await cp(first, second, { recursive: true });
    await utimes(join(second, 'weights.bin'), new Date(0), new Date(0));
    const build = async (path: string) =>
      buildModelLayers({
        modelPath: path,
        modelDest: 'opt/ml/model',
        epochSeconds: 1_700_000_000,
        workDir: await tempDir(),
      });
    const [a, b] = [await build(first), await build(second)];
    expect(b.map((layer) => layer.digest)).toEqual(a.map((layer) => layer.digest));
    // Digests are of the bytes on disk, and diff_id of the gunzipped tar: checked independently here.
    const bytes = await readFile(a[0]!.path);
    expect(sha256(bytes)).toBe(a[0]!.digest);
    expect(sha256(gunzipSync(bytes))).toBe(a[0]!.diffId);
    // The weights do not compress: their segments are stored, the text ones deflated.
    expect(a[0]!.storedSegments).toBeGreaterThan(0);
    expect(a[0]!.storedSegments).toBeLessThan(a[0]!.segments);
  });

  test('GNU tar reads the layer back: fixed owners, times and modes; files intact', async () => {
    const model = await modelDir(join(await tempDir(), 'model'));
    const [layer] = await buildModelLayers({
      modelPath: model,
      modelDest: 'opt/ml/model',
      epochSeconds: 86_400,
      workDir: await tempDir(),
    });
    const listing = (await run('tar', ['-tvzf', layer!.path, '--numeric-owner', '--full-time'])).stdout
      .trim()
      .split('\n');
    expect(listing[0]).toMatch(/^drwxr-xr-x 0\/0 +0 1970-01-02 00:00:00 opt\/$/);
    expect(listing.find((line) => line.endsWith('serve.sh'))).toMatch(/^-rwxr-xr-x 0\/0 /);
    expect(listing.find((line) => line.endsWith('weights.bin'))).toMatch(/^-rw-r--r-- 0\/0 +5242880 1970-01-02/);
    const out = await tempDir();
    await run('tar', ['-xzf', layer!.path, '-C', out]);
    for (const file of ['weights.bin', 'tokenizer/vocab.txt', 'serve.sh']) {
      expect((await readFile(join(out, 'opt/ml/model', file))).equals(await readFile(join(model, file)))).toBe(true);
    }
  });

  test('large files get their own layer; the plan depends on sizes and paths only', async () => {
    const entries = await scanDirectory(await modelDir(join(await tempDir(), 'model')), 'models');
    const big = {
      path: 'models/big.safetensors',
      type: 'file' as const,
      mode: 0o644,
      size: OWN_LAYER_BYTES,
      source: '/dev/null',
    };
    const plans = planModelLayers([...entries, big]);
    expect(plans).toHaveLength(2);
    expect(plans[1]!.entries.map((entry) => entry.path)).toEqual(['models', 'models/big.safetensors']);
    expect(plans[0]!.entries.some((entry) => entry.path === big.path)).toBe(false);
  });
});

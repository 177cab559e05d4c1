import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { type ImageIndex, type ImageManifest, REF_NAME_ANNOTATION, sha256Digest } from '../../shared/src/index.js';
import { actionDir, runAction } from '../support/run-action.js';

const buildImage = actionDir('build-image');
const promoteAction = actionDir('promote');
const COMMIT = 'c0ffee'.padEnd(40, '0');
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

/** A workspace with a model directory and no git: timestamps come from SOURCE_DATE_EPOCH. */
async function workspace() {
  const dir = await mkdtemp(join(tmpdir(), 'build-image-layout-'));
  dirs.push(dir);
  await mkdir(join(dir, 'model'));
  await writeFile(join(dir, 'model', 'model.json'), '{"weights":[0.5,-1.25]}');
  return dir;
}

const env = { GITHUB_SHA: COMMIT, SOURCE_DATE_EPOCH: '1700000000' };
const errorsOf = (run: Awaited<ReturnType<typeof runAction>>) =>
  run.annotations.filter((annotation) => annotation.level === 'error').map((annotation) => annotation.message);

describe('build-image and promote with no registry: base-image scratch into oci:DIR', () => {
  test('the layout holds the digest the step reports, under its tag; promote retags it by digest', async () => {
    const dir = await workspace();
    const built = await runAction(buildImage, {
      workspace: dir,
      event: 'push',
      env,
      inputs: {
        image: 'oci:out/rain',
        tags: 'sha-c0ffee0',
        builder: 'layers',
        'base-image': 'scratch',
        'model-path': 'model',
        platforms: 'linux/arm64',
      },
    });
    expect(built.exitCode, built.stdout).toBe(0);
    const index = JSON.parse(await readFile(join(dir, 'out', 'rain', 'index.json'), 'utf8')) as ImageIndex;
    expect(index.manifests.map((entry) => [entry.annotations?.[REF_NAME_ANNOTATION], entry.digest])).toEqual([
      ['sha-c0ffee0', built.outputs.digest],
    ]);
    const manifestBytes = await readFile(join(dir, 'out', 'rain', 'blobs', 'sha256', built.outputs.digest!.slice(7)));
    expect(sha256Digest(manifestBytes)).toBe(built.outputs.digest);
    const manifest = JSON.parse(manifestBytes.toString()) as ImageManifest;
    // Scratch: the model layer is the only layer, and there is no base to name.
    expect(manifest.layers).toHaveLength(1);
    expect(manifest.annotations?.['org.opencontainers.image.base.name']).toBeUndefined();
    expect(JSON.parse(built.outputs.tags!)).toEqual(['oci:out/rain:sha-c0ffee0']);

    const promoted = await runAction(promoteAction, {
      workspace: dir,
      event: 'push',
      env: { ...env, GITHUB_REF: 'refs/tags/v1.0.0' },
      inputs: { image: 'oci:out/rain', source: 'oci:out/rain:sha-c0ffee0', targets: ':production\noci:out/prod:v1' },
    });
    expect(promoted.exitCode, promoted.stdout).toBe(0);
    expect(promoted.outputs.digest).toBe(built.outputs.digest);
    const prod = JSON.parse(await readFile(join(dir, 'out', 'prod', 'index.json'), 'utf8')) as ImageIndex;
    expect(prod.manifests.map((entry) => entry.digest)).toEqual([built.outputs.digest]);
    // ':production' is a tag in the source's own layout, next to the build's tag.
    const rain = JSON.parse(await readFile(join(dir, 'out', 'rain', 'index.json'), 'utf8')) as ImageIndex;
    expect(
      Object.fromEntries(rain.manifests.map((entry) => [entry.annotations?.[REF_NAME_ANNOTATION], entry.digest])),
    ).toEqual({ 'sha-c0ffee0': built.outputs.digest, production: built.outputs.digest });
  });

  test.each([
    [{ 'base-image': 'scratch', platforms: 'linux' }, "Input 'platforms': 'linux' is not a platform"],
    [{ 'base-image': 'scratch', platforms: 'linux/amd64,linux/amd64' }, "Input 'platforms' names linux/amd64 twice"],
    [{ 'base-image': 'scratch', image: 'oci:out/rain:v1' }, "Input 'image': write the repository only"],
    [{ 'base-image': 'scratch', image: 'oci:' }, "Input 'image': 'oci:' is not a valid image reference"],
  ])('%j fails before any work: %s', async (inputs, message) => {
    const dir = await workspace();
    const run = await runAction(buildImage, {
      workspace: dir,
      event: 'push',
      env,
      inputs: { image: 'oci:out/rain', tags: 'v1', builder: 'layers', 'model-path': 'model', ...inputs },
    });
    expect(run.exitCode).toBe(1);
    expect(errorsOf(run).join('\n')).toContain(message);
  });
});

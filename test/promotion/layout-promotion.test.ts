import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  type ImageIndex,
  type ImageManifest,
  type ImageStore,
  layoutBlobPath,
  OciLayoutStore,
  type PromotionOptions,
  promote,
  pushImage,
  REF_NAME_ANNOTATION,
  RegistryClient,
  restoreTag,
} from '../../shared/src/index.js';
import { makeTestImage } from '../oci/support.js';
import { type RegistryHandle, startRegistry } from '../services/registry.js';
import { requireService } from '../services/require-service.js';
import { stopAll } from '../services/rig.js';
import { promotionOptions } from './support.js';

const COMMIT = 'a1b2'.padEnd(40, '0');
const dirs: string[] = [];
const registries: RegistryHandle[] = [];
afterAll(async () => {
  await stopAll(registries);
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), 'layout-promotion-'));
  dirs.push(dir);
  return dir;
}

/** A small image pushed into `store` under `tag`; returns its digest. */
async function pushTestImage(store: ImageStore, repository: string, tag: string): Promise<string> {
  const image = await makeTestImage({ randomBytes: 48 << 10, files: 2 });
  dirs.push(image.dir);
  return (await pushImage(store, repository, { ...image, tags: [tag] })).digest;
}

const at = (client: ImageStore, repository: string) => ({ client, registry: client.registry, repository });

function options(
  overrides: Partial<PromotionOptions> & Pick<PromotionOptions, 'source' | 'targets'>,
): PromotionOptions {
  return promotionOptions(COMMIT, 'v1.0.0', overrides);
}

async function layoutTags(directory: string): Promise<Record<string, string>> {
  const index = JSON.parse(await readFile(join(directory, 'index.json'), 'utf8')) as ImageIndex;
  return Object.fromEntries(index.manifests.map((entry) => [entry.annotations?.[REF_NAME_ANNOTATION], entry.digest]));
}

describe('promotion between OCI image layouts', () => {
  test('tags in the same layout and another one get the digest; the rerun changes nothing', async () => {
    const root = await tempDir();
    const layouts = new OciLayoutStore(root);
    const digest = await pushTestImage(layouts, 'candidate', 'sha-a1b2000');
    const record = await promote(
      options({
        source: { ...at(layouts, 'candidate'), reference: 'sha-a1b2000' },
        targets: [
          { name: 'production', tag: 'production', at: at(layouts, 'candidate') },
          { name: 'oci:prod:live', tag: 'live', at: at(layouts, 'prod') },
        ],
      }),
    );
    expect(record.outcome).toBe('promoted');
    expect(record.source).toBe('oci:candidate:sha-a1b2000');
    expect(record.targets.map((target) => [target.ref, target.change])).toEqual([
      ['oci:candidate:production', 'create'],
      ['oci:prod:live', 'create'],
    ]);
    expect(await layoutTags(join(root, 'candidate'))).toEqual({ 'sha-a1b2000': digest, production: digest });
    expect(await layoutTags(join(root, 'prod'))).toEqual({ live: digest });
    // The other layout got its blobs by file copy ("mounted"), none through a stream, and holds every one.
    expect(record.targets[1]?.blobs).toMatchObject({ uploaded: 0 });
    expect(record.targets[1]?.blobs?.mounted).toBeGreaterThan(0);
    const manifest = JSON.parse((await layouts.getManifest('prod', digest)).bytes.toString()) as ImageManifest;
    for (const blob of [manifest.config, ...manifest.layers])
      expect((await stat(layoutBlobPath(join(root, 'prod'), blob.digest))).size, blob.digest).toBe(blob.size);

    const rerun = await promote(
      options({
        source: { ...at(layouts, 'candidate'), reference: digest },
        targets: [{ name: 'oci:prod:live', tag: 'live', at: at(layouts, 'prod') }],
      }),
    );
    expect(rerun.outcome).toBe('unchanged');
  });

  test('a rollback puts a layout tag back as it was, or removes one that was new', async () => {
    const layouts = new OciLayoutStore(await tempDir());
    const old = await pushTestImage(layouts, 'app', 'production');
    const fresh = await pushTestImage(layouts, 'app', 'candidate');
    const previous = await layouts.getManifest('app', 'production');
    await layouts.putManifest('app', 'production', (await layouts.getManifest('app', fresh)).bytes, previous.mediaType);
    await restoreTag(at(layouts, 'app'), 'production', previous, fresh, true);
    expect((await layouts.resolve('app', 'production'))?.digest).toBe(old);
    await restoreTag(at(layouts, 'app'), 'candidate', undefined, fresh, true);
    expect(await layouts.resolve('app', 'candidate')).toBeUndefined();
  });

  test('a missing source tag fails the plan with the input to fix', async () => {
    const layouts = new OciLayoutStore(await tempDir());
    await pushTestImage(layouts, 'app', 'other');
    const error = await promote(
      options({
        source: { ...at(layouts, 'app'), reference: 'sha-missing' },
        targets: [{ name: 'production', tag: 'production', at: at(layouts, 'app') }],
      }),
    ).catch((thrown: unknown) => thrown);
    expect((error as Error).message).toMatch(/^Input 'source': 'oci:app:sha-missing' was not found/);
  });

  test.skipIf(!requireService('registry'))(
    'from a layout into a registry and back, the digest never changes',
    async () => {
      const registry = await startRegistry({ mode: 'none' });
      registries.push(registry);
      const root = await tempDir();
      const layouts = new OciLayoutStore(root);
      const client = new RegistryClient({ registry: registry.host });
      const digest = await pushTestImage(layouts, 'built', 'sha-a1b2000');

      const up = await promote(
        options({
          source: { ...at(layouts, 'built'), reference: 'sha-a1b2000' },
          targets: [{ name: 'production', tag: 'production', at: at(client, 'models/rain') }],
        }),
      );
      expect(up.outcome).toBe('promoted');
      // Read straight from the registry's API, not through the promotion's own check.
      const answer = await fetch(`${registry.url}/v2/models/rain/manifests/production`, {
        method: 'HEAD',
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      expect(answer.headers.get('docker-content-digest')).toBe(digest);

      const down = await promote(
        options({
          source: { ...at(client, 'models/rain'), reference: 'production' },
          targets: [{ name: 'oci:mirror:production', tag: 'production', at: at(layouts, 'mirror') }],
        }),
      );
      expect(down.outcome).toBe('promoted');
      expect(await layoutTags(join(root, 'mirror'))).toEqual({ production: digest });
    },
  );
});

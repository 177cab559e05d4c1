#!/usr/bin/env node
// promote: a 1 GiB image (4 incompressible 256 MiB layers + config) promoted by digest, in the same run as
// `skopeo copy` of the same image:
//   - same registry (another repository): ours mounts every blob; goal 0 blob bytes sent and < 1 s
//   - across registries (no auth → htpasswd Basic): ours streams blobs by ranges; goal ≤ 1.0× skopeo's time,
//     as the ratio of medians of PROMOTE_RUNS (default 5) rounds each, for the 1 GiB image, an image of 10 layers
//     of 16 MiB and an index of two platforms (skopeo copy --all), the digest checked at the destination
// then 100 promotions of a small image through the rig's fault proxy failing 20% of requests (500/503/429/resets):
// every run must complete or leave every target as it was (zero partial states).
// Run `npx tsc -b` first: this imports the compiled shared/lib. Needs docker-registry, htpasswd and skopeo.
import { randomBytes } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { load } from './load-rig.js';

const core = {
  ...(await load('shared/lib/oci/index.js')),
  ...(await load('shared/lib/promotion/index.js')),
  ...(await load('shared/lib/log/index.js')),
};
const { startRegistry } = await load('test/services/registry.ts');
const { startFaultProxy } = await load('test/services/fault-proxy.ts');
const { createContainerTools } = await load('test/services/containers.ts');
const { makeWorkDir } = await load('test/services/process.ts');
const { MediaType, RegistryClient, fileBlobSource, pushImage, promote, sha256Digest, silentLogger } = core;

const MiB = 1024 * 1024;
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

/** A random file of `size` bytes written in 16 MiB pieces, and its digest. */
async function randomFile(path, size) {
  const handle = await open(path, 'w');
  const { createHash } = await import('node:crypto');
  const hash = createHash('sha256');
  try {
    for (let written = 0; written < size; written += 16 * MiB) {
      const piece = randomBytes(Math.min(16 * MiB, size - written));
      hash.update(piece);
      await handle.write(piece);
    }
  } finally {
    await handle.close();
  }
  return `sha256:${hash.digest('hex')}`;
}

/** An image from layer files: blobs (config + layers) and one manifest. */
async function imageFromLayers(layers, architecture = 'amd64') {
  const config = Buffer.from(
    JSON.stringify({
      architecture,
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.digest) },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: sha256Digest(config), size: config.length },
      layers: layers.map((layer) => ({ mediaType: MediaType.ociLayer, digest: layer.digest, size: layer.size })),
    }),
  );
  return {
    blobs: [
      {
        source: { digest: sha256Digest(config), size: config.length, read: async (o, l) => config.subarray(o, o + l) },
      },
      ...layers.map((layer) => ({ source: fileBlobSource(layer.path, layer.digest, layer.size) })),
    ],
    manifests: [{ bytes: manifest, mediaType: MediaType.ociManifest, digest: sha256Digest(manifest) }],
  };
}

function options(source, targets) {
  return {
    commit: 'b'.repeat(40),
    release: 'v0.0.0-bench',
    source,
    targets,
    requiredChecks: [],
    github: undefined,
    model: undefined,
    dryRun: false,
    promotedBy: 'bench',
    runUrl: undefined,
    log: silentLogger,
  };
}

const at = (client, repository) => ({ client, registry: client.registry, repository });

const user = { username: 'bench', password: 'bench-secret' };
const services = [];
const work = await makeWorkDir('bench-promote');
try {
  const [plain, basic, tools] = await Promise.all([
    startRegistry({ mode: 'none' }),
    startRegistry({ mode: 'htpasswd', users: { [user.username]: user.password } }),
    createContainerTools(),
  ]);
  services.push(plain, basic, { stop: () => tools.remove() });

  // ---- the 1 GiB image -----------------------------------------------------------------------------------
  const layers = [];
  for (let i = 0; i < 4; i++) {
    const path = join(work, `layer-${i}`);
    layers.push({ path, size: 256 * MiB, digest: await randomFile(path, 256 * MiB) });
  }
  const image = await imageFromLayers(layers);
  const source = new RegistryClient({ registry: plain.host });
  const pushStarted = performance.now();
  const pushed = await pushImage(source, 'models/churn', { ...image, tags: ['sha-bench'] });
  console.log(`setup: 1 GiB image ${pushed.digest.slice(0, 19)} pushed in ${seconds(performance.now() - pushStarted)}`);
  for (const layer of layers) await rm(layer.path);

  // ---- same registry -------------------------------------------------------------------------------------
  const sameClient = new RegistryClient({ registry: plain.host });
  let started = performance.now();
  const same = await promote(
    options({ ...at(sameClient, 'models/churn'), reference: 'sha-bench' }, [
      { name: 'production', tag: 'production', at: at(sameClient, 'models/churn') },
      { name: 'prod/churn:live', tag: 'live', at: at(sameClient, 'prod/churn') },
    ]),
  );
  const sameMs = performance.now() - started;
  const sameBytes = same.targets.reduce((sum, target) => sum + (target.uploadedBytes ?? 0), 0);
  started = performance.now();
  const skopeoSame = await tools.copy(
    `docker://${plain.host}/models/churn:sha-bench`,
    `docker://${plain.host}/skopeo/churn:live`,
  );
  const skopeoSameMs = performance.now() - started;
  if (skopeoSame.code !== 0) throw new Error(`skopeo copy failed: ${skopeoSame.stderr}`);
  console.log(
    `same registry:  ours ${seconds(sameMs)} (${same.outcome}, ${sameBytes} blob bytes sent, ${sameClient.requestCounts.PATCH ?? 0} PATCH) · skopeo copy ${seconds(skopeoSameMs)} · ratio ${(sameMs / skopeoSameMs).toFixed(3)}× · goal 0 bytes and < 1 s: ${sameBytes === 0 && sameMs < 1000 ? 'met' : 'MISSED'}`,
  );

  // ---- across registries: the 1 GiB image, a 10-layer image, an index of two platforms ---------------------
  // Each round a fresh destination registry (skopeo's blob-info cache would otherwise mount what an earlier round
  // sent), who goes first alternating; medians of the rounds, both sides in this run.
  const runs = Number(process.env.PROMOTE_RUNS ?? 5);
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  };
  const crossRegistry = async (name, repository, reference, index) => {
    const ours = [];
    const theirs = [];
    for (let round = 0; round < runs; round++) {
      const target = await startRegistry({ mode: 'htpasswd', users: { [user.username]: user.password } });
      try {
        const targetAuth = await tools.writeAuthFile({ [target.host]: user });
        const runOurs = async () => {
          const destination = new RegistryClient({ registry: target.host, credentials: user });
          const began = performance.now();
          const result = await promote(
            options({ ...at(new RegistryClient({ registry: plain.host }), repository), reference }, [
              { name: 'prod', tag: 'prod', at: at(destination, `ours-${round}/churn`) },
            ]),
          );
          const ms = performance.now() - began;
          if (result.outcome !== 'promoted') throw new Error(`cross-registry promotion: ${result.outcome}`);
          // The digest is kept: the destination serves the very manifest (or index) promoted.
          const landed = await destination.resolve(`ours-${round}/churn`, 'prod');
          const wanted = await new RegistryClient({ registry: plain.host }).resolve(repository, reference);
          if (landed?.digest !== wanted?.digest)
            throw new Error(`digest changed: ${landed?.digest} ≠ ${wanted?.digest}`);
          ours.push(ms);
        };
        const runSkopeo = async () => {
          const began = performance.now();
          const copied = await tools.skopeoAllowingFailure([
            'copy',
            ...(index ? ['--all'] : []),
            '--src-tls-verify=false',
            '--dest-tls-verify=false',
            '--authfile',
            targetAuth,
            `docker://${plain.host}/${repository}:${reference}`,
            `docker://${target.host}/skopeo-${round}/churn:prod`,
          ]);
          if (copied.code !== 0) throw new Error(`skopeo copy failed: ${copied.stderr}`);
          theirs.push(performance.now() - began);
        };
        if (round % 2 === 0) {
          await runOurs();
          await runSkopeo();
        } else {
          await runSkopeo();
          await runOurs();
        }
      } finally {
        await target.stop();
      }
    }
    const ratio = median(ours) / median(theirs);
    console.log(
      `cross registry, ${name}: ours median ${seconds(median(ours))} (${ours.map(seconds).join(', ')}) · skopeo copy median ${seconds(median(theirs))} (${theirs.map(seconds).join(', ')}) · ratio of medians ${ratio.toFixed(3)}× · goal ≤ 1.0×: ${ratio <= 1 ? 'met' : 'MISSED'}`,
    );
  };
  await crossRegistry('1 GiB (4 layers)', 'models/churn', 'sha-bench', false);

  const tenLayers = [];
  for (let i = 0; i < 10; i++) {
    const path = join(work, `ten-${i}`);
    tenLayers.push({ path, size: 16 * MiB, digest: await randomFile(path, 16 * MiB) });
  }
  await pushImage(source, 'models/ten', { ...(await imageFromLayers(tenLayers)), tags: ['sha-bench'] });
  await crossRegistry('10 layers of 16 MiB', 'models/ten', 'sha-bench', false);

  const platforms = [];
  for (const [architecture, seed] of [
    ['amd64', 0],
    ['arm64', 1],
  ]) {
    const platformLayers = [];
    for (let i = 0; i < 2; i++) {
      const path = join(work, `platform-${seed}-${i}`);
      platformLayers.push({ path, size: 64 * MiB, digest: await randomFile(path, 64 * MiB) });
    }
    platforms.push({ architecture, image: await imageFromLayers(platformLayers, architecture) });
  }
  const indexBytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: platforms.map(({ architecture, image }) => ({
        mediaType: MediaType.ociManifest,
        digest: image.manifests[0].digest,
        size: image.manifests[0].bytes.length,
        platform: { architecture, os: 'linux' },
      })),
    }),
  );
  await pushImage(source, 'models/multi', {
    blobs: platforms.flatMap(({ image }) => image.blobs),
    manifests: [
      ...platforms.flatMap(({ image }) => image.manifests),
      { bytes: indexBytes, mediaType: MediaType.ociIndex, digest: sha256Digest(indexBytes) },
    ],
    tags: ['sha-bench'],
  });
  await crossRegistry('index of 2 platforms (2 × 2 layers of 64 MiB)', 'models/multi', 'sha-bench', true);

  // ---- 100 promotions with 20% injected faults ------------------------------------------------------------
  const proxy = await startFaultProxy({ target: plain.url, failureRate: 0, retryAfterSeconds: 0, seed: 20 });
  services.push(proxy);
  const faulty = new RegistryClient({
    registry: `127.0.0.1:${proxy.port}`,
    retry: { baseDelayMs: 20, maxDelayMs: 200 },
  });
  const small = [];
  for (let i = 0; i < 2; i++) {
    const path = join(work, `small-${i}`);
    const digest = await randomFile(path, MiB);
    const smallImage = await imageFromLayers([{ path, size: MiB, digest }]);
    small.push((await pushImage(faulty, 'faults/churn', { ...smallImage, tags: [`sha-${i}`] })).digest);
  }
  const crossClient = new RegistryClient({ registry: basic.host, credentials: user });
  const targets = [
    { name: 'production', tag: 'production', at: at(faulty, 'faults/churn') },
    { name: 'live', tag: 'live', at: at(faulty, 'faults/prod') },
    { name: 'cross', tag: 'prod', at: at(crossClient, 'faults/churn') },
  ];
  proxy.setFailureRate(0.2);
  const before = proxy.log.length;
  let completed = 0;
  let failedClean = 0;
  let partial = 0;
  const loopStarted = performance.now();
  for (let run = 0; run < 100; run++) {
    const wanted = small[run % 2];
    const previous = await Promise.all(
      targets.map((target) => target.at.client.resolve(target.at.repository, target.tag)),
    );
    let ok = true;
    try {
      await promote(options({ ...at(faulty, 'faults/churn'), reference: `sha-${run % 2}` }, targets));
    } catch {
      ok = false;
    }
    proxy.setFailureRate(0);
    const now = await Promise.all(targets.map((target) => target.at.client.resolve(target.at.repository, target.tag)));
    proxy.setFailureRate(0.2);
    if (ok && now.every((found) => found?.digest === wanted)) completed += 1;
    else if (!ok && now.every((found, i) => found?.digest === previous[i]?.digest)) failedClean += 1;
    else partial += 1;
  }
  proxy.setFailureRate(0);
  const faults = proxy.log.slice(before).filter((entry) => entry.fault !== undefined).length;
  console.log(
    `20% faults:     100 runs in ${seconds(performance.now() - loopStarted)}: ${completed} completed, ${failedClean} failed and rolled back cleanly, ${partial} partial states (${faults} faults injected in ${proxy.log.length - before} requests) · goal 100 completed, 0 partial: ${completed === 100 && partial === 0 ? 'met' : 'MISSED'}`,
  );
} finally {
  for (const service of services.reverse()) await service.stop().catch(() => undefined);
  await rm(work, { recursive: true, force: true });
}

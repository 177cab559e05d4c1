#!/usr/bin/env node
// build-image: a 1 GiB model directory (640 MiB random weights, incompressible; 384 MiB of CSV-like text,
// compressible) put onto the same small base image and pushed to the same local registry, in the same run:
//   - layers: our daemonless builder (deterministic tar.gz layers, parallel segments, chunked push)
//   - buildah: `buildah bud` with `COPY model/ /opt/ml/model/` (vfs storage, chroot) + `buildah push`
// Prints both wall-clock times and the ratio (goal: layers >= 2x faster). One run each, cold registry each.
// Run `npx tsc -b` first: this imports the compiled shared/lib. Needs docker-registry, buildah and busybox.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const core = await import(pathToFileURL(join(root, 'shared', 'lib', 'image', 'index.js')).href);
const { buildWithLayers, RegistryClient } = core;
const MiB = 1024 * 1024;

function run(command, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`)),
    );
  });
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** 64-bit-ish seeded generator for the text files (xorshift32: cheap, repeatable). */
function textChunk(state, bytes) {
  const lines = [];
  let size = 0;
  let s = state.value;
  while (size < bytes) {
    const values = [];
    for (let i = 0; i < 8; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      values.push(((s >>> 0) / 4294967296).toFixed(6));
    }
    const line = `${values.join(',')}\n`;
    lines.push(line);
    size += line.length;
  }
  state.value = s;
  return Buffer.from(lines.join('')).subarray(0, bytes);
}

async function writeFileInChunks(path, totalBytes, makeChunk) {
  const handle = await open(path, 'w');
  try {
    for (let written = 0; written < totalBytes; written += 16 * MiB) {
      await handle.write(makeChunk(Math.min(16 * MiB, totalBytes - written)));
    }
  } finally {
    await handle.close();
  }
}

const work = await mkdtemp(join(tmpdir(), 'bench-build-image-'));
let registry;
try {
  // The model: two weight files (one over the own-layer threshold), text shards, a small config.
  const model = join(work, 'context', 'model');
  await mkdir(join(model, 'data'), { recursive: true });
  await writeFileInChunks(join(model, 'weights-0.bin'), 512 * MiB, (n) => randomBytes(n));
  await writeFileInChunks(join(model, 'weights-1.bin'), 128 * MiB, (n) => randomBytes(n));
  const state = { value: 2463534242 };
  for (let shard = 0; shard < 6; shard++) {
    await writeFileInChunks(join(model, 'data', `shard-${shard}.csv`), 64 * MiB, (n) => textChunk(state, n));
  }
  await writeFile(join(model, 'config.json'), '{"threshold": 0.5}\n');

  // A registry of our own (no auth), and buildah confined to this directory (vfs, chroot).
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  await mkdir(join(work, 'registry'));
  await writeFile(
    join(work, 'registry.yml'),
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(work, 'registry')}\nhttp:\n  addr: ${host}\n`,
  );
  registry = spawn('docker-registry', ['serve', join(work, 'registry.yml')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`http://${host}/v2/`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const dir of ['storage', 'run', 'tmp']) await mkdir(join(work, dir));
  await writeFile(
    join(work, 'storage.conf'),
    `[storage]\ndriver = "vfs"\ngraphroot = "${join(work, 'storage')}"\nrunroot = "${join(work, 'run')}"\n`,
  );
  await writeFile(join(work, 'registries.conf'), 'unqualified-search-registries = []\nshort-name-mode = "disabled"\n');
  const env = {
    ...process.env,
    CONTAINERS_STORAGE_CONF: join(work, 'storage.conf'),
    CONTAINERS_REGISTRIES_CONF: join(work, 'registries.conf'),
    TMPDIR: join(work, 'tmp'),
  };
  const buildah = (args) =>
    run(
      'buildah',
      ['--root', join(work, 'storage'), '--runroot', join(work, 'run'), '--storage-driver', 'vfs', ...args],
      env,
    );

  // The base: static busybox only, pushed once for both builders.
  const baseContext = join(work, 'base');
  await mkdir(join(baseContext, 'bin'), { recursive: true });
  await run('cp', ['/usr/bin/busybox', join(baseContext, 'bin', 'busybox')]);
  await writeFile(join(baseContext, 'Containerfile'), 'FROM scratch\nCOPY bin/ /bin/\nCMD ["/bin/busybox", "sh"]\n');
  await buildah([
    'bud',
    '--isolation',
    'chroot',
    '-f',
    join(baseContext, 'Containerfile'),
    '-t',
    'localhost/bench/base',
    baseContext,
  ]);
  await buildah(['push', '--tls-verify=false', 'localhost/bench/base', `docker://${host}/bench/base:1`]);

  // Peer: buildah bud COPY + push.
  const context = join(work, 'context');
  await writeFile(join(context, 'Containerfile'), `FROM ${host}/bench/base:1\nCOPY model/ /opt/ml/model/\n`);
  const peerStarted = performance.now();
  await buildah([
    'bud',
    '--isolation',
    'chroot',
    '--layers=false',
    '--tls-verify=false',
    '--timestamp',
    '1700000000',
    '-f',
    join(context, 'Containerfile'),
    '-t',
    'localhost/bench/model',
    context,
  ]);
  const peerBuilt = performance.now();
  await buildah(['push', '--tls-verify=false', 'localhost/bench/model', `docker://${host}/bench/buildah:1`]);
  const peerMs = performance.now() - peerStarted;

  // Ours: layers onto the same base, pushed to another repository of the same registry.
  const client = new RegistryClient({ registry: host });
  const phases = [];
  const log = {
    debug() {},
    info() {},
    notice() {},
    warning() {},
    error() {},
    group: async (name, work) => {
      const started = performance.now();
      try {
        return await work();
      } finally {
        phases.push(`${name.split(' ')[0].toLowerCase()} ${((performance.now() - started) / 1000).toFixed(1)} s`);
      }
    },
  };
  const oursStarted = performance.now();
  const result = await buildWithLayers({
    base: { client, repository: 'bench/base', reference: '1', name: `${host}/bench/base:1` },
    target: { client, repository: 'bench/layers' },
    modelPath: model,
    changes: {
      created: new Date(1_700_000_000_000).toISOString(),
      labels: {},
      annotations: {},
      env: [],
      modelDest: 'opt/ml/model',
    },
    epochSeconds: 1_700_000_000,
    workDir: join(work, 'layers'),
    pushTags: ['1'],
    log,
  });
  const oursMs = performance.now() - oursStarted;

  const compressed = result.image.layers.reduce((sum, layer) => sum + layer.size, 0);
  console.log(
    `model: 1024 MiB (640 MiB random, 384 MiB text), ${result.image.layers.length} layer(s), ${(compressed / MiB).toFixed(0)} MiB compressed`,
  );
  console.log(
    `buildah bud COPY + push: ${(peerMs / 1000).toFixed(1)} s (bud ${((peerBuilt - peerStarted) / 1000).toFixed(1)} s, push ${((peerStarted + peerMs - peerBuilt) / 1000).toFixed(1)} s)`,
  );
  console.log(
    `layers build + push:     ${(oursMs / 1000).toFixed(1)} s (${phases.join(', ')}; uploaded ${(result.pushed.uploadedBytes / MiB).toFixed(0)} MiB)`,
  );
  console.log(`ratio buildah / layers:  ${(peerMs / oursMs).toFixed(2)}x (goal >= 2x)`);
} finally {
  registry?.kill('SIGTERM');
  await rm(work, { recursive: true, force: true });
}

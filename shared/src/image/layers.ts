import { mkdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Logger } from '../log/index.js';
import { bufferBlobSource, fileBlobSource } from '../oci/blob-source.js';
import { type BlobToPush, type ManifestToPush, type PushResult, pushImage } from '../oci/copy.js';
import { sha256Digest } from '../oci/digest.js';
import {
  type Descriptor,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  isIndexMediaType,
  MediaType,
  type Platform,
  platformName,
} from '../oci/media-types.js';
import type { ImageStore } from '../oci/store.js';
import { writeDeterministicGzip } from './gzip.js';
import { type LayerEntry, parentDirectories, scanDirectory, tarStream } from './tar.js';

/** Files at least this large get a layer of their own, so a change elsewhere does not re-upload them. */
export const OWN_LAYER_BYTES = 64 * 1024 * 1024;
/** At most this many files get their own layer (the largest); the rest share one. */
export const MAX_OWN_LAYERS = 8;

export interface ModelLayerPlan {
  entries: LayerEntry[];
  /** Model bytes in the layer. */
  bytes: number;
}

/**
 * How the model directory is cut into layers: every directory, link and small file in one layer, and each of
 * the (at most MAX_OWN_LAYERS) largest files of OWN_LAYER_BYTES or more in a layer of its own, in path order.
 * The cut depends only on paths and sizes, so it is the same on every machine.
 */
export function planModelLayers(entries: readonly LayerEntry[]): ModelLayerPlan[] {
  const large = entries
    .filter((entry) => entry.type === 'file' && entry.size >= OWN_LAYER_BYTES)
    .sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1))
    .slice(0, MAX_OWN_LAYERS);
  const own = new Set(large.map((entry) => entry.path));
  const shared = entries.filter((entry) => !own.has(entry.path));
  const plans: ModelLayerPlan[] = [
    { entries: shared, bytes: shared.reduce((sum, entry) => sum + (entry.type === 'file' ? entry.size : 0), 0) },
  ];
  for (const entry of entries.filter((candidate) => own.has(candidate.path))) {
    plans.push({ entries: [...parentDirectories(posix.dirname(entry.path)), entry], bytes: entry.size });
  }
  return plans;
}

export interface ModelLayer {
  digest: string;
  size: number;
  diffId: string;
  path: string;
  files: number;
  modelBytes: number;
  storedSegments: number;
  segments: number;
}

/** Writes the model directory as deterministic tar.gz layers under `workDir`. */
export async function buildModelLayers(options: {
  modelPath: string;
  modelDest: string;
  epochSeconds: number;
  workDir: string;
}): Promise<ModelLayer[]> {
  await mkdir(options.workDir, { recursive: true });
  const entries = await scanDirectory(options.modelPath, options.modelDest);
  const layers: ModelLayer[] = [];
  for (const [index, plan] of planModelLayers(entries).entries()) {
    const path = join(options.workDir, `model-layer-${index}.tar.gz`);
    const result = await writeDeterministicGzip(tarStream(plan.entries, options.epochSeconds), path);
    layers.push({
      digest: result.digest,
      size: result.size,
      diffId: result.diffId,
      path,
      files: plan.entries.filter((entry) => entry.type === 'file').length,
      modelBytes: plan.bytes,
      storedSegments: result.storedSegments,
      segments: result.segments,
    });
  }
  return layers;
}

/** A base image read from a store (a registry or an OCI layout). */
export interface StoredBaseImage {
  client: ImageStore;
  repository: string;
  reference: string;
  /** As the user wrote it, for the base-name annotation. */
  name: string;
}

/** No base at all, like `FROM scratch`: the image is the model layers only, one manifest per platform. */
export interface ScratchBaseImage {
  scratch: true;
  name: 'scratch';
  /** The platforms the image claims; more than one gives an index over identical images. */
  platforms: Platform[];
}

export type BaseImage = StoredBaseImage | ScratchBaseImage;

/** What the `base-image` input calls the empty base. */
export const SCRATCH_BASE = 'scratch';

export function scratchBase(platforms: readonly Platform[]): ScratchBaseImage {
  if (platforms.length === 0) throw new Error('scratchBase: name at least one platform');
  return { scratch: true, name: SCRATCH_BASE, platforms: [...platforms] };
}

export function isScratchBase(base: BaseImage): base is ScratchBaseImage {
  return 'scratch' in base;
}

export interface ImageChanges {
  /** ISO time written into the config, history and the created label. */
  created: string;
  labels: Record<string, string>;
  /** Manifest (and index) annotations; OCI manifests only, Docker's format has none. */
  annotations: Record<string, string>;
  /** `KEY=value` entries that replace the base's of the same key. */
  env: string[];
  cmd?: string[];
  modelDest: string;
}

export interface PlatformImage {
  platform: string;
  digest: string;
  configDigest: string;
}

export interface LayeredImage {
  digest: string;
  mediaType: string;
  platforms: PlatformImage[];
  layers: ModelLayer[];
  /** Compressed size of every layer and config of the (first) platform image. */
  size: number;
  /** The base's manifest (or index) digest; undefined on scratch. */
  baseDigest: string | undefined;
  plan: { blobs: BlobToPush[]; manifests: ManifestToPush[] };
}

function mergeEnv(base: readonly string[], added: readonly string[]): string[] {
  const key = (entry: string) => entry.split('=', 1)[0];
  const replaced = new Set(added.map(key));
  return [...base.filter((entry) => !replaced.has(key(entry))), ...added];
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/** A docker attestation manifest (`unknown/unknown`) refers to a manifest we replace: it cannot carry over. */
function isAttestation(descriptor: Descriptor): boolean {
  return (
    descriptor.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' ||
    (descriptor.platform?.os === 'unknown' && descriptor.platform?.architecture === 'unknown')
  );
}

/**
 * The base image with the model layers added: per platform a new config (labels, env, cmd, diff_ids, history,
 * created) and manifest, and for a multi-platform base a new index over them. Pure composition: nothing is
 * pushed; the plan lists every blob (base layers mount from the base's repository in the same store, or are
 * read by ranges from another) and every manifest, children first. A scratch base adds nothing but a minimal
 * config (platform, the changes) under OCI media types.
 */
export async function composeLayeredImage(
  base: BaseImage,
  target: { client: ImageStore; repository: string },
  layers: readonly ModelLayer[],
  changes: ImageChanges,
): Promise<LayeredImage> {
  const blobs: BlobToPush[] = layers.map((layer) => ({ source: fileBlobSource(layer.path, layer.digest, layer.size) }));
  const manifests: ManifestToPush[] = [];
  const platforms: PlatformImage[] = [];
  const sizes: number[] = [];

  /** One platform's image on the base's layers, config and annotations (the base's blobs are in `blobs`). */
  const extend = (
    manifest: Pick<ImageManifest, 'layers' | 'annotations'> & { config: Pick<Descriptor, 'mediaType'> },
    config: ImageConfig,
    mediaType: string,
    platform?: Descriptor['platform'],
  ): Descriptor => {
    const docker = mediaType === MediaType.dockerManifest;
    const runConfig = config.config ?? {};
    const newConfig: ImageConfig = {
      ...config,
      created: changes.created,
      config: {
        ...runConfig,
        Env: mergeEnv(runConfig.Env ?? [], changes.env),
        ...(changes.cmd ? { Cmd: changes.cmd } : {}),
        Labels: { ...(runConfig.Labels ?? {}), ...changes.labels },
      },
      rootfs: { type: 'layers', diff_ids: [...config.rootfs.diff_ids, ...layers.map((layer) => layer.diffId)] },
      history: [
        ...(config.history ?? []),
        ...layers.map((layer, index) => ({
          created: changes.created,
          created_by: `mlops-actions build-image: model files in /${changes.modelDest} (layer ${index + 1} of ${layers.length}, ${layer.files} files)`,
        })),
      ],
    };
    const configBytes = json(newConfig);
    const configDescriptor: Descriptor = {
      mediaType: manifest.config.mediaType,
      digest: sha256Digest(configBytes),
      size: configBytes.length,
    };
    blobs.push({ source: bufferBlobSource(configBytes, configDescriptor.digest) });
    const layerType = docker ? MediaType.dockerLayerGzip : MediaType.ociLayerGzip;
    const newManifest: ImageManifest = {
      schemaVersion: 2,
      mediaType,
      config: configDescriptor,
      layers: [
        ...manifest.layers,
        ...layers.map((layer) => ({ mediaType: layerType, digest: layer.digest, size: layer.size })),
      ],
      ...(docker ? {} : { annotations: { ...(manifest.annotations ?? {}), ...changes.annotations } }),
    };
    const bytes = json(newManifest);
    const digest = sha256Digest(bytes);
    manifests.push({ bytes, mediaType, digest });
    platforms.push({
      platform: platformName(
        platform ?? {
          os: newConfig.os,
          architecture: newConfig.architecture,
          ...(newConfig.variant ? { variant: newConfig.variant } : {}),
        },
      ),
      digest,
      configDigest: configDescriptor.digest,
    });
    sizes.push(configBytes.length + newManifest.layers.reduce((sum, layer) => sum + layer.size, 0));
    return { mediaType, digest, size: bytes.length, ...(platform ? { platform } : {}) };
  };

  /** The new index over the platform images, keeping the base index's annotations. */
  const indexOver = (children: Descriptor[], mediaType: string, baseAnnotations: Record<string, string> = {}) => {
    const docker = mediaType === MediaType.dockerManifestList;
    const newIndex: ImageIndex = {
      schemaVersion: 2,
      mediaType,
      manifests: children,
      ...(docker ? {} : { annotations: { ...baseAnnotations, ...changes.annotations } }),
    };
    const bytes = json(newIndex);
    const digest = sha256Digest(bytes);
    manifests.push({ bytes, mediaType, digest });
    return { digest, mediaType };
  };

  let root: { digest: string; mediaType: string };
  let baseDigest: string | undefined;
  if (isScratchBase(base)) {
    const children = base.platforms.map((platform) =>
      extend(
        { config: { mediaType: MediaType.ociConfig }, layers: [] },
        { ...platform, config: {}, rootfs: { type: 'layers', diff_ids: [] } },
        MediaType.ociManifest,
        base.platforms.length > 1 ? platform : undefined,
      ),
    );
    root = children.length > 1 ? indexOver(children, MediaType.ociIndex) : (children[0] as Descriptor);
  } else {
    const fetched = await base.client.getManifest(base.repository, base.reference);
    baseDigest = fetched.digest;
    const sameStore = base.client.baseUrl === target.client.baseUrl;
    const extendStored = async (manifestBytes: Buffer, mediaType: string, platform?: Descriptor['platform']) => {
      const manifest = JSON.parse(manifestBytes.toString('utf8')) as ImageManifest;
      const config = JSON.parse(
        (await base.client.getBlob(base.repository, manifest.config.digest)).toString('utf8'),
      ) as ImageConfig;
      for (const layer of manifest.layers) {
        blobs.push(
          sameStore
            ? { source: base.client.blobSource(base.repository, layer), mountFrom: base.repository }
            : { source: base.client.blobSource(base.repository, layer) },
        );
      }
      return extend(manifest, config, mediaType, platform);
    };
    if (isIndexMediaType(fetched.mediaType)) {
      const index = fetched.json as unknown as ImageIndex;
      const children: Descriptor[] = [];
      for (const child of index.manifests.filter((descriptor) => !isAttestation(descriptor))) {
        const platformManifest = await base.client.getManifest(base.repository, child.digest);
        children.push(await extendStored(platformManifest.bytes, platformManifest.mediaType, child.platform));
      }
      root = indexOver(children, fetched.mediaType, index.annotations);
    } else {
      root = await extendStored(fetched.bytes, fetched.mediaType);
    }
  }
  return {
    digest: root.digest,
    mediaType: root.mediaType,
    platforms,
    layers: [...layers],
    size: sizes[0] ?? 0,
    baseDigest,
    plan: { blobs, manifests },
  };
}

export interface LayersBuildOptions {
  base: BaseImage;
  target: { client: ImageStore; repository: string };
  modelPath: string;
  changes: ImageChanges;
  epochSeconds: number;
  workDir: string;
  /** Tags to put after everything else is pushed; undefined means do not push at all. */
  pushTags?: readonly string[];
  log: Logger;
}

export interface LayersBuildResult {
  image: LayeredImage;
  pushed?: PushResult;
}

/** The `layers` builder: model layers onto the base image, no daemon and no Dockerfile. */
export async function buildWithLayers(options: LayersBuildOptions): Promise<LayersBuildResult> {
  const layers = await options.log.group('Build model layers', async () => {
    const built = await buildModelLayers({
      modelPath: options.modelPath,
      modelDest: options.changes.modelDest,
      epochSeconds: options.epochSeconds,
      workDir: options.workDir,
    });
    for (const layer of built) {
      options.log.info(
        `${layer.digest}: ${layer.files} file(s), ${layer.modelBytes} bytes → ${layer.size} bytes compressed (${layer.storedSegments}/${layer.segments} segments stored)`,
      );
    }
    return built;
  });
  const image = await options.log.group(`Compose onto ${options.base.name}`, () =>
    composeLayeredImage(options.base, options.target, layers, options.changes),
  );
  if (options.pushTags === undefined) return { image };
  const tags = options.pushTags;
  const pushed = await options.log.group(`Push ${image.digest}`, () =>
    pushImage(options.target.client, options.target.repository, { ...image.plan, tags }),
  );
  options.log.info(
    `Blobs: ${pushed.blobs.uploaded} uploaded (${pushed.uploadedBytes} bytes), ${pushed.blobs.mounted} mounted, ${pushed.blobs.exists} already there.`,
  );
  return { image, pushed };
}

import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from '../log/index.js';
import type { RegistryCredentials } from './auth.js';
import { type BlobSource, fileBlobSource } from './blob-source.js';
import { RegistryClient } from './client.js';
import { isDigest, sha256Digest, sha256FileDigest } from './digest.js';
import { RegistryError } from './errors.js';
import { type Descriptor, type ImageIndex, MediaType } from './media-types.js';
import { type ImageReference, OCI_LAYOUT } from './reference.js';
import type { FetchedManifest, ImageStore, RegistryAccess, UploadOutcome } from './store.js';

/** The annotation that names a tag in a layout's index.json (what `oci:DIR:TAG` refers to). */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
/** Blobs are copied into a layout in pieces this large, so a big model layer never sits in memory whole. */
const COPY_CHUNK_BYTES = 8 * 1024 * 1024;

export function layoutBlobPath(layout: string, digest: string): string {
  // A digest from a manifest names a file: anything but sha256:<64 hex> could point outside blobs/.
  if (!isDigest(digest)) {
    throw new RegistryError('protocol', `'${digest}' is not a sha256 digest; refusing it as a blob path`, {
      registry: OCI_LAYOUT,
    });
  }
  const [algorithm, hex] = digest.split(':');
  return join(layout, 'blobs', algorithm as string, hex as string);
}

/**
 * What a blob found by digest is: its own `mediaType`, else an index when it lists `manifests`, else a manifest;
 * a blob that is not JSON (a layer) is plain bytes.
 */
async function contentMediaType(path: string): Promise<string> {
  let parsed: { mediaType?: unknown; manifests?: unknown };
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return 'application/octet-stream';
  }
  if (typeof parsed?.mediaType === 'string') return parsed.mediaType;
  return Array.isArray(parsed?.manifests) ? MediaType.ociIndex : MediaType.ociManifest;
}

async function sizeOf(path: string): Promise<number | undefined> {
  return stat(path).then(
    (stats) => stats.size,
    () => undefined,
  );
}

/** Writes through a temporary name and renames, so a reader never sees half a file. */
async function writeAtomically(path: string, data: Uint8Array | string): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, path);
}

/**
 * OCI image layout directories (image-spec image-layout.md, what `skopeo copy … oci:DIR:TAG` writes) as an image
 * store: each repository is a directory (relative to `root`), tags are the `org.opencontainers.image.ref.name`
 * annotations of its index.json, and every blob is a file checked against its digest. Blobs "mount" between
 * layouts by copying the file. Layouts keep no referrers: a signature stays with the registry it was made in.
 */
export class OciLayoutStore implements ImageStore {
  readonly registry = OCI_LAYOUT;
  readonly baseUrl: string;
  readonly keepsReferrers = false;
  readonly root: string;
  /** index.json is rewritten whole: one rewrite at a time per store. */
  #indexWrites: Promise<unknown> = Promise.resolve();

  constructor(root: string) {
    this.root = resolve(root);
    this.baseUrl = pathToFileURL(this.root).href;
  }

  directory(repository: string): string {
    return resolve(this.root, repository);
  }

  #notFound(repository: string, what: string): RegistryError {
    return new RegistryError('not-found', `${what} is not in the OCI image layout ${this.directory(repository)}`, {
      registry: this.registry,
    });
  }

  async #readIndex(repository: string): Promise<ImageIndex | undefined> {
    const text = await readFile(join(this.directory(repository), 'index.json'), 'utf8').catch((error) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    });
    if (text === undefined) return undefined;
    const index = JSON.parse(text) as ImageIndex;
    return { ...index, manifests: index.manifests ?? [] };
  }

  async #initialise(repository: string): Promise<void> {
    const directory = this.directory(repository);
    await mkdir(join(directory, 'blobs', 'sha256'), { recursive: true });
    if ((await sizeOf(join(directory, 'oci-layout'))) === undefined) {
      await writeAtomically(join(directory, 'oci-layout'), `${JSON.stringify({ imageLayoutVersion: '1.0.0' })}\n`);
    }
    // The spec requires index.json: a layout whose first build or copy fails stays a valid, empty layout.
    if ((await sizeOf(join(directory, 'index.json'))) === undefined) {
      const empty: ImageIndex = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
      await writeAtomically(join(directory, 'index.json'), `${JSON.stringify(empty)}\n`);
    }
  }

  async #updateIndex(repository: string, change: (manifests: Descriptor[]) => Descriptor[]): Promise<void> {
    const update = this.#indexWrites.then(async () => {
      await this.#initialise(repository);
      const index = (await this.#readIndex(repository)) ?? { schemaVersion: 2, manifests: [] };
      const { schemaVersion, mediaType, manifests, ...rest } = index;
      const updated: ImageIndex = {
        schemaVersion: 2,
        mediaType: MediaType.ociIndex,
        ...rest,
        manifests: change(manifests),
      };
      await writeAtomically(join(this.directory(repository), 'index.json'), `${JSON.stringify(updated, null, 2)}\n`);
    });
    this.#indexWrites = update.catch(() => undefined);
    return update;
  }

  async checkAccess(repository: string, access: RegistryAccess): Promise<void> {
    if (access === 'pull,push') {
      await this.#initialise(repository);
      return;
    }
    if (!(await this.#readIndex(repository))) throw this.#notFound(repository, 'index.json');
  }

  /** The digest of the layout's only image, as skopeo reads `oci:DIR` without a tag; undefined with 0 or 2+. */
  async soleImage(repository: string): Promise<string | undefined> {
    const manifests = (await this.#readIndex(repository))?.manifests ?? [];
    return manifests.length === 1 ? manifests[0]?.digest : undefined;
  }

  async resolve(repository: string, reference: string): Promise<Descriptor | undefined> {
    if (isDigest(reference)) {
      const path = layoutBlobPath(this.directory(repository), reference);
      const size = await sizeOf(path);
      if (size === undefined) return undefined;
      return { mediaType: await contentMediaType(path), digest: reference, size };
    }
    const index = await this.#readIndex(repository);
    return index?.manifests.find((descriptor) => descriptor.annotations?.[REF_NAME_ANNOTATION] === reference);
  }

  async getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    const descriptor = await this.resolve(repository, reference);
    if (!descriptor) throw this.#notFound(repository, isDigest(reference) ? reference : `The tag '${reference}'`);
    const bytes = await this.getBlob(repository, descriptor.digest);
    const json = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    const mediaType = typeof json.mediaType === 'string' ? json.mediaType : descriptor.mediaType;
    return { digest: descriptor.digest, mediaType, bytes, json };
  }

  async putManifest(repository: string, reference: string, bytes: Uint8Array, mediaType: string): Promise<string> {
    const digest = sha256Digest(bytes);
    if (isDigest(reference) && reference !== digest) {
      throw new Error(`putManifest: the bytes hash to ${digest}, not to the reference ${reference}`);
    }
    await this.#initialise(repository);
    const path = layoutBlobPath(this.directory(repository), digest);
    if ((await sizeOf(path)) !== bytes.byteLength) await writeAtomically(path, bytes);
    if (!isDigest(reference)) {
      const tagged: Descriptor = {
        mediaType,
        digest,
        size: bytes.byteLength,
        annotations: { [REF_NAME_ANNOTATION]: reference },
      };
      await this.#updateIndex(repository, (manifests) => [
        ...manifests.filter((descriptor) => descriptor.annotations?.[REF_NAME_ANNOTATION] !== reference),
        tagged,
      ]);
    }
    return digest;
  }

  async deleteManifest(repository: string, reference: string): Promise<'deleted' | 'absent' | 'unsupported'> {
    const byDigest = isDigest(reference);
    const named = (descriptor: Descriptor) =>
      byDigest ? descriptor.digest === reference : descriptor.annotations?.[REF_NAME_ANNOTATION] === reference;
    const index = await this.#readIndex(repository);
    const listed = index?.manifests.some(named) ?? false;
    if (listed) await this.#updateIndex(repository, (manifests) => manifests.filter((entry) => !named(entry)));
    if (byDigest) {
      const path = layoutBlobPath(this.directory(repository), reference);
      if ((await sizeOf(path)) === undefined) return listed ? 'deleted' : 'absent';
      await rm(path);
      return 'deleted';
    }
    return listed ? 'deleted' : 'absent';
  }

  async referrers(): Promise<Descriptor[]> {
    return [];
  }

  async hasReferrersApi(): Promise<boolean> {
    // Nothing to find under a fallback tag either: referrers are not kept in layouts.
    return true;
  }

  async getBlob(repository: string, digest: string): Promise<Buffer> {
    const bytes = await readFile(layoutBlobPath(this.directory(repository), digest)).catch((error) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw this.#notFound(repository, `Blob ${digest}`);
      throw error;
    });
    const actual = sha256Digest(bytes);
    if (actual !== digest) {
      throw new RegistryError('protocol', `Blob ${digest} in ${this.directory(repository)} is corrupt (${actual}).`, {
        registry: this.registry,
      });
    }
    return bytes;
  }

  blobSource(repository: string, descriptor: Pick<Descriptor, 'digest' | 'size'>): BlobSource {
    return fileBlobSource(
      layoutBlobPath(this.directory(repository), descriptor.digest),
      descriptor.digest,
      descriptor.size,
    );
  }

  async uploadBlob(
    repository: string,
    source: BlobSource,
    options: { mountFrom?: string } = {},
  ): Promise<UploadOutcome> {
    const path = layoutBlobPath(this.directory(repository), source.digest);
    if ((await sizeOf(path)) === source.size) return 'exists';
    await this.#initialise(repository);
    const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const mountable =
        options.mountFrom === undefined ? undefined : layoutBlobPath(this.directory(options.mountFrom), source.digest);
      const mounted = mountable !== undefined && (await sizeOf(mountable)) === source.size;
      if (mounted) {
        await copyFile(mountable, temporary);
      } else {
        const file = await open(temporary, 'w');
        try {
          for (let offset = 0; offset < source.size; offset += COPY_CHUNK_BYTES) {
            await file.write(await source.read(offset, Math.min(COPY_CHUNK_BYTES, source.size - offset)));
          }
        } finally {
          await file.close();
        }
      }
      // Check what landed, not what was sent: the digest is the blob's name.
      const actual = await sha256FileDigest(temporary);
      if (actual !== source.digest) {
        throw new RegistryError(
          'protocol',
          `Blob ${source.digest} arrived in ${this.directory(repository)} as ${actual}.`,
          {
            registry: this.registry,
          },
        );
      }
      await rename(temporary, path);
      return mounted ? 'mounted' : 'uploaded';
    } finally {
      await rm(temporary, { force: true });
    }
  }
}

/** The store an image reference names: an OCI layout directory under the workspace, or a registry. */
export function openImageStore(
  registry: string,
  options: { workspace: string; credentials?: RegistryCredentials | undefined; logger?: Logger },
): ImageStore {
  if (registry === OCI_LAYOUT) return new OciLayoutStore(options.workspace);
  return new RegistryClient({
    registry,
    credentials: options.credentials,
    ...(options.logger ? { logger: options.logger } : {}),
  });
}

/**
 * What an image reference without a tag or digest points at: `latest` on a registry (docker's rule), and in a
 * layout its only image when it holds one (skopeo's rule for `oci:DIR`), else `latest` there too.
 */
export async function referenceOrDefault(store: ImageStore, reference: ImageReference): Promise<string> {
  const given = reference.digest ?? reference.tag;
  if (given !== undefined) return given;
  const sole = store instanceof OciLayoutStore ? await store.soleImage(reference.repository) : undefined;
  return sole ?? 'latest';
}

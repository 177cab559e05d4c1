import { copyImage, copyReferrers, type ManifestToPush, mapLimit } from '../oci/copy.js';
import { isDigest } from '../oci/digest.js';
import type { Descriptor } from '../oci/media-types.js';
import { formatImageReference } from '../oci/reference.js';
import type { ImageStore, UploadOutcome } from '../oci/store.js';
import type { Transaction } from './transaction.js';

/** A repository of one registry, with the client that speaks to it. */
export interface RepositoryEndpoint {
  client: ImageStore;
  /** `127.0.0.1:5000`, `ghcr.io`: as the reference names it. */
  registry: string;
  repository: string;
}

export interface ImageTarget {
  /** How the user named it (`:production`, `other.registry/team/churn:prod`); also the deployment environment. */
  name: string;
  at: RepositoryEndpoint;
  tag: string;
}

export interface PreviousManifest {
  digest: string;
  bytes: Uint8Array;
  mediaType: string;
}

export type TargetChange = 'unchanged' | 'move' | 'create';

export interface PlannedTarget extends ImageTarget {
  /** `registry/repository:tag`. */
  ref: string;
  /** What the tag pointed at before, with the bytes to put back. */
  previous: PreviousManifest | undefined;
  change: TargetChange;
  /** The promoted manifest was in the target repository already (then its blobs are too). */
  contentPresent: boolean;
  sameRepositoryAsSource: boolean;
}

export interface ImagePlan {
  source: RepositoryEndpoint & { reference: string; ref: string };
  /** The digest every target gets: the source resolved once. */
  digest: string;
  root: ManifestToPush;
  /** Referrers of the digest in the source repository (signatures, SBOMs, attestations). */
  referrers: Descriptor[];
  targets: PlannedTarget[];
}

/** `registry/repository:tag`, or `oci:DIR:tag` for a layout. */
export function endpointRef(at: Pick<RepositoryEndpoint, 'registry' | 'repository'>, tag: string): string {
  return formatImageReference({ registry: at.registry, repository: at.repository, tag });
}

/** The source as the user named it: by tag or `@digest`. */
export function sourceRef(source: Pick<RepositoryEndpoint, 'registry' | 'repository'> & { reference: string }): string {
  const { registry, repository, reference } = source;
  return formatImageReference(
    isDigest(reference) ? { registry, repository, digest: reference } : { registry, repository, tag: reference },
  );
}

function sameRepository(a: RepositoryEndpoint, b: RepositoryEndpoint): boolean {
  return a.client.baseUrl === b.client.baseUrl && a.repository === b.repository;
}

/** What `tag` of a repository points at now, with the manifest bytes (to restore it exactly), or undefined. */
export async function readTag(at: RepositoryEndpoint, tag: string): Promise<PreviousManifest | undefined> {
  const found = await at.client.resolve(at.repository, tag);
  if (!found) return undefined;
  const manifest = await at.client.getManifest(at.repository, found.digest);
  return { digest: manifest.digest, bytes: manifest.bytes, mediaType: manifest.mediaType };
}

/**
 * Resolves the source to a digest once and reads what every target points at now. Reads only: nothing changes.
 */
export async function planImagePromotion(
  source: RepositoryEndpoint & { reference: string },
  targets: readonly ImageTarget[],
): Promise<ImagePlan> {
  const fetched = await source.client.getManifest(source.repository, source.reference);
  const digest = fetched.digest;
  const referrers = await source.client.referrers(source.repository, digest);
  const planned = await mapLimit(targets, 4, async (target): Promise<PlannedTarget> => {
    const previous = await readTag(target.at, target.tag);
    const same = sameRepository(source, target.at);
    const contentPresent =
      same ||
      previous?.digest === digest ||
      (await target.at.client.resolve(target.at.repository, digest)) !== undefined;
    return {
      ...target,
      ref: endpointRef(target.at, target.tag),
      previous,
      change: previous === undefined ? 'create' : previous.digest === digest ? 'unchanged' : 'move',
      contentPresent,
      sameRepositoryAsSource: same,
    };
  });
  return {
    source: { ...source, ref: sourceRef(source) },
    digest,
    root: { bytes: fetched.bytes, mediaType: fetched.mediaType, digest },
    referrers,
    targets: planned,
  };
}

export interface TargetContent {
  ref: string;
  blobs: Record<UploadOutcome, number>;
  /** Blob bytes sent to the target registry (0 within one registry: blobs are mounted). */
  uploadedBytes: number;
  referrersCopied: string[];
  /** The fallback referrers index to tag, on registries without the referrers API. */
  fallback?: { tag: string; manifest: ManifestToPush };
}

/**
 * Copies what each target repository lacks, by digest and without any tag: blobs (mounted within a registry,
 * streamed and digest-checked between registries), manifests children first, then the referrers. Invisible to
 * users of the tags, so a failure here leaves nothing to undo. Each target repository is filled once.
 */
export async function copyPromotionContent(plan: ImagePlan): Promise<Map<string, TargetContent>> {
  const results = new Map<string, TargetContent>();
  const repositories = new Map<string, PlannedTarget>();
  for (const target of plan.targets) {
    const key = `${target.at.client.baseUrl}/${target.at.repository}`;
    if (!repositories.has(key)) repositories.set(key, target);
  }
  const byRepository = new Map<string, TargetContent>();
  for (const [key, target] of repositories) {
    const content: TargetContent = {
      ref: target.ref,
      blobs: { exists: 0, mounted: 0, uploaded: 0 },
      uploadedBytes: 0,
      referrersCopied: [],
    };
    if (!target.sameRepositoryAsSource) {
      if (!target.contentPresent) {
        const copied = await copyImage({ ...plan.source, reference: plan.digest }, target.at, []);
        content.blobs = copied.blobs;
        content.uploadedBytes = copied.uploadedBytes;
      }
      if (plan.referrers.length > 0) {
        const referrers = await copyReferrers(plan.source, target.at, plan.digest);
        content.referrersCopied = referrers.copied.map((descriptor) => descriptor.digest);
        if (referrers.fallback) content.fallback = referrers.fallback;
      }
    }
    byRepository.set(key, content);
  }
  for (const target of plan.targets) {
    const content = byRepository.get(`${target.at.client.baseUrl}/${target.at.repository}`) as TargetContent;
    results.set(target.ref, content);
  }
  return results;
}

/**
 * Puts `tag` back as it was: the previous manifest's exact bytes, or no tag at all. Registries that cannot delete
 * a tag (the distribution registry before 3.0) lose the manifest by digest instead, which is exact only when the
 * digest was not in that repository before; otherwise the tag cannot be removed and this says so.
 */
export async function restoreTag(
  at: RepositoryEndpoint,
  tag: string,
  previous: PreviousManifest | undefined,
  digest: string,
  digestWasPresent: boolean,
): Promise<string | undefined> {
  const ref = endpointRef(at, tag);
  if (previous) {
    await at.client.putManifest(at.repository, tag, previous.bytes, previous.mediaType);
    return `${ref} back to ${previous.digest}`;
  }
  const outcome = await at.client.deleteManifest(at.repository, tag);
  if (outcome === 'deleted') return `${ref} removed (it did not exist before)`;
  if (outcome === 'absent') return undefined;
  if (digestWasPresent) {
    throw new Error(
      `${at.registry} cannot delete tags and ${digest} was in ${at.repository} before, so ${ref} (new) still points at it`,
    );
  }
  await at.client.deleteManifest(at.repository, digest);
  return `${ref} removed (with ${digest}, new in ${at.repository})`;
}

export interface TagMove {
  ref: string;
  from: string | undefined;
  to: string;
}

/**
 * Points every target at the digest (and puts the fallback referrers index where needed), each move registered
 * in the transaction with its undo first. Targets already at the digest are left alone.
 */
export async function moveTags(
  plan: ImagePlan,
  content: Map<string, TargetContent>,
  transaction: Transaction,
  which: (target: PlannedTarget) => boolean = () => true,
): Promise<TagMove[]> {
  const moves: TagMove[] = [];
  const fallbacksDone = new Set<string>();
  for (const target of plan.targets.filter(which)) {
    const fallback = content.get(target.ref)?.fallback;
    const fallbackKey = `${target.at.client.baseUrl}/${target.at.repository}/${fallback?.tag}`;
    if (fallback && !fallbacksDone.has(fallbackKey)) {
      fallbacksDone.add(fallbackKey);
      const previous = await readTag(target.at, fallback.tag);
      await transaction.step(
        `referrers index ${endpointRef(target.at, fallback.tag)}`,
        () => restoreTag(target.at, fallback.tag, previous, fallback.manifest.digest, previous !== undefined),
        () =>
          target.at.client.putManifest(
            target.at.repository,
            fallback.tag,
            fallback.manifest.bytes,
            fallback.manifest.mediaType,
          ),
      );
    }
    if (target.change === 'unchanged') continue;
    await transaction.step(
      `${target.ref} → ${plan.digest}`,
      () => restoreTag(target.at, target.tag, target.previous, plan.digest, target.contentPresent),
      () => target.at.client.putManifest(target.at.repository, target.tag, plan.root.bytes, plan.root.mediaType),
    );
    moves.push({ ref: target.ref, from: target.previous?.digest, to: plan.digest });
  }
  return moves;
}

/**
 * A new tag in a repository that already had the digest can only be undone by deleting the tag, which some
 * registries refuse (the distribution registry before 3.0): such tags go last, after every undoable step.
 */
export function undoableEverywhere(target: PlannedTarget): boolean {
  return target.change !== 'create' || !target.contentPresent;
}

/** Reads every target back: each must name exactly the promoted digest. */
export async function verifyTargets(plan: ImagePlan): Promise<void> {
  const wrong: string[] = [];
  await mapLimit(plan.targets, 4, async (target) => {
    const found = await target.at.client.resolve(target.at.repository, target.tag);
    if (found?.digest !== plan.digest) wrong.push(`${target.ref} is ${found?.digest ?? 'missing'}`);
  });
  if (wrong.length > 0) {
    throw new Error(`After the promotion, ${wrong.join(', ')} instead of ${plan.digest}.`);
  }
}

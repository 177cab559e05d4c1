import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { describeGitHubFailure, type GitHubClient } from '../github/client.js';
import type { RepositoryRef } from '../github/pull-request.js';
import { UnzipLimitError, unzipWithin, writeEntries } from './unzip.js';

export { UnzipLimitError, unzipWithin, type ZipEntry } from './unzip.js';

export interface RunQuery {
  /** The workflow file name (e.g. `ml.yml`) or its numeric id. */
  workflow: string;
  branch: string;
  /** Only runs triggered by this event, e.g. `push`. */
  event?: string;
}

export interface FoundRun {
  id: number;
  headSha: string;
  createdAt: string;
  url: string;
}

/** The newest successful run of a workflow on a branch ("main's last green run"), if any. */
export async function findLatestSuccessfulRun(
  client: GitHubClient,
  repository: RepositoryRef,
  query: RunQuery,
): Promise<FoundRun | undefined> {
  try {
    const { data } = await client.rest.actions.listWorkflowRuns({
      ...repository,
      workflow_id: query.workflow,
      branch: query.branch,
      status: 'success',
      ...(query.event ? { event: query.event } : {}),
      per_page: 1,
    });
    const run = data.workflow_runs[0];
    return run ? { id: run.id, headSha: run.head_sha, createdAt: run.created_at, url: run.html_url } : undefined;
  } catch (error) {
    throw describeGitHubFailure(error, `Finding the last successful run of ${query.workflow} on ${query.branch}`);
  }
}

export interface DownloadedArtifact {
  id: number;
  name: string;
  digest: string;
  path: string;
  runId: number;
}

/** One artifact as the run's listing shows it: the size is GitHub's record of the upload, known before download. */
export interface ListedArtifact {
  id: number;
  name: string;
  sizeInBytes: number;
  digest: string | null | undefined;
}

type ArtifactListing = Awaited<ReturnType<GitHubClient['rest']['actions']['listWorkflowRunArtifacts']>>['data'];

function listed(artifact: ArtifactListing['artifacts'][number]): ListedArtifact {
  return { id: artifact.id, name: artifact.name, sizeInBytes: artifact.size_in_bytes, digest: artifact.digest };
}

/**
 * Downloads one listed artifact into `destination` and checks the bytes against the digest GitHub recorded at
 * upload: a mismatch (a tampered or truncated blob) is an error, never a silently wrong baseline.
 */
async function downloadListedArtifact(
  client: GitHubClient,
  repository: RepositoryRef,
  runId: number,
  artifact: ListedArtifact,
  destination: string,
  maxUnzippedBytes?: number,
): Promise<DownloadedArtifact & { unzippedBytes?: number }> {
  const { name, digest } = artifact;
  if (!digest) {
    throw new Error(`Artifact '${name}' of run ${runId} has no recorded digest, so its content cannot be verified.`);
  }
  const zip = await fetchArtifactZip(client, repository, runId, artifact);
  // sha256 of the zip as stored, the digest GitHub recorded when it was uploaded.
  const actual = `sha256:${createHash('sha256').update(zip).digest('hex')}`;
  if (actual !== digest) {
    throw new Error(
      `Artifact '${name}' (id ${artifact.id}) of run ${runId} does not match its recorded digest ${digest}: ` +
        'the stored blob was altered or truncated; refusing to use it.',
    );
  }
  // Unzipped here, within the caller's budget (another run's artifact may be a zip bomb).
  const entries = unzipWithin(zip, maxUnzippedBytes ?? Number.POSITIVE_INFINITY);
  await mkdir(destination, { recursive: true });
  await writeEntries(entries, destination);
  const unzippedBytes = entries.reduce((sum, entry) => sum + entry.content.length, 0);
  return { id: artifact.id, name, digest, path: destination, runId, unzippedBytes };
}

/** GitHub answers the artifact's zip route with a redirect to a signed blob URL, fetched without our token. */
async function fetchArtifactZip(
  client: GitHubClient,
  repository: RepositoryRef,
  runId: number,
  artifact: ListedArtifact,
): Promise<Buffer> {
  let location: string | undefined;
  try {
    const { headers } = await client.rest.actions.downloadArtifact({
      ...repository,
      artifact_id: artifact.id,
      archive_format: 'zip',
      request: { redirect: 'manual' },
    });
    location = headers.location;
  } catch (error) {
    throw describeGitHubFailure(error, `Downloading artifact '${artifact.name}' of run ${runId}`);
  }
  if (!location) throw new Error(`GitHub gave no download address for artifact '${artifact.name}' of run ${runId}.`);
  for (let attempt = 1; ; attempt += 1) {
    try {
      const response = await fetch(location);
      if (response.ok) return Buffer.from(await response.arrayBuffer());
      if (response.status < 500 || attempt >= BLOB_ATTEMPTS) {
        throw new Error(`the blob store answered ${response.status} ${response.statusText}`);
      }
    } catch (error) {
      if (attempt >= BLOB_ATTEMPTS) {
        throw new Error(`Downloading artifact '${artifact.name}' of run ${runId} failed: ${(error as Error).message}.`);
      }
    }
  }
}

/** Tries of a blob download that failed on the network or with a server error. */
const BLOB_ATTEMPTS = 3;

/** Downloads a run's artifact by name into `destination`, verified against its recorded digest. */
export async function downloadRunArtifact(
  client: GitHubClient,
  repository: RepositoryRef,
  runId: number,
  name: string,
  destination: string,
): Promise<DownloadedArtifact | undefined> {
  let artifacts: ArtifactListing['artifacts'];
  try {
    ({
      data: { artifacts },
    } = await client.rest.actions.listWorkflowRunArtifacts({ ...repository, run_id: runId, name, per_page: 100 }));
  } catch (error) {
    throw describeGitHubFailure(error, `Listing artifacts of run ${runId}`);
  }
  const artifact = artifacts.filter((candidate) => !candidate.expired).at(-1);
  return artifact ? downloadListedArtifact(client, repository, runId, listed(artifact), destination) : undefined;
}

/** The artifact `name` from the latest successful run of `query`: baselines such as main's metrics. */
export async function downloadLatestArtifact(
  client: GitHubClient,
  repository: RepositoryRef,
  query: RunQuery,
  name: string,
  destination: string,
): Promise<(DownloadedArtifact & { run: FoundRun }) | undefined> {
  const run = await findLatestSuccessfulRun(client, repository, query);
  if (!run) return undefined;
  const downloaded = await downloadRunArtifact(client, repository, run.id, name, destination);
  return downloaded ? { ...downloaded, run } : undefined;
}

interface PrefixListing {
  /** Unexpired artifacts named `prefix`…, the newest of each name, in listing order. */
  artifacts: ListedArtifact[];
  /** How many artifacts the run has in all, whatever their names. */
  totalCount: number;
  /** True when listing stopped at `stopAfter` matches: more may exist. */
  truncated: boolean;
}

/** Lists a run's artifacts named `prefix`…, page by page, stopping once more than `stopAfter` have been seen. */
async function listArtifactsByPrefix(
  client: GitHubClient,
  repository: RepositoryRef,
  runId: number,
  prefix: string,
  stopAfter = Number.POSITIVE_INFINITY,
): Promise<PrefixListing> {
  const byName = new Map<string, ListedArtifact>();
  let totalCount = 0;
  let truncated = false;
  try {
    await client.paginate(
      client.rest.actions.listWorkflowRunArtifacts,
      { ...repository, run_id: runId, per_page: 100 },
      (response, done) => {
        // paginate hands each page's items as the data array, with total_count kept on it.
        totalCount = (response.data as { total_count?: number }).total_count ?? totalCount;
        for (const artifact of response.data) {
          if (!artifact.name.startsWith(prefix) || artifact.expired) continue;
          const known = byName.get(artifact.name);
          if (!known || known.id < artifact.id) byName.set(artifact.name, listed(artifact));
        }
        if (byName.size > stopAfter) {
          truncated = true;
          done();
        }
        return [];
      },
    );
  } catch (error) {
    throw describeGitHubFailure(error, `Listing artifacts of run ${runId}`);
  }
  return { artifacts: [...byName.values()], totalCount, truncated };
}

const folderFor = (destination: string, name: string) => `${destination}/${name.replace(/[^\w.-]+/g, '_')}`;

/**
 * Downloads every artifact of a run whose name starts with `prefix` into its own folder under `destination`
 * (this run's own shards). Returns the folders.
 */
export async function downloadRunArtifactsByPrefix(
  client: GitHubClient,
  repository: RepositoryRef,
  runId: number,
  prefix: string,
  destination: string,
): Promise<DownloadedArtifact[]> {
  const { artifacts } = await listArtifactsByPrefix(client, repository, runId, prefix);
  const downloaded: DownloadedArtifact[] = [];
  for (const artifact of artifacts.sort((a, b) => a.name.localeCompare(b.name))) {
    downloaded.push(
      await downloadListedArtifact(client, repository, runId, artifact, folderFor(destination, artifact.name)),
    );
  }
  return downloaded;
}

export interface ArtifactLimits {
  /** At most this many artifacts are downloaded. */
  maxCount: number;
  /** Their listed sizes together stay within this many bytes, and so do their unzipped contents. */
  maxTotalBytes: number;
}

/** An artifact left out, or the run's listing cut, and why: one warning each. */
export interface ArtifactWarning {
  /** The artifact's name, or the run's when the listing was cut. */
  subject: string;
  message: string;
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${bytes} bytes` : `${Number(value.toPrecision(3))} ${units[unit]}`;
}

/**
 * Which listed artifacts fit the limits, in listing order, and a warning for each one that does not (and one for
 * a listing with more than `maxCount`). Pure: decided from GitHub's listing, before any byte is downloaded.
 */
export function planArtifactDownloads(
  listing: {
    runId: number;
    prefix: string;
    artifacts: readonly ListedArtifact[];
    totalCount: number;
    truncated: boolean;
  },
  limits: ArtifactLimits,
): { chosen: ListedArtifact[]; warnings: ArtifactWarning[] } {
  const warnings: ArtifactWarning[] = [];
  if (listing.artifacts.length > limits.maxCount) {
    const count = listing.truncated ? `more than ${limits.maxCount}` : String(listing.artifacts.length);
    warnings.push({
      subject: `run ${listing.runId}`,
      message:
        `Run ${listing.runId} has ${count} '${listing.prefix}*' artifacts (${listing.totalCount.toLocaleString('en-US')} artifacts in all), ` +
        `over max-artifacts (${limits.maxCount}): only the first ${limits.maxCount} listed were downloaded.`,
    });
  }
  const chosen: ListedArtifact[] = [];
  let remaining = limits.maxTotalBytes;
  for (const artifact of listing.artifacts.slice(0, limits.maxCount)) {
    if (artifact.sizeInBytes > remaining) {
      warnings.push({
        subject: artifact.name,
        message:
          `Artifact '${artifact.name}' (${formatBytes(artifact.sizeInBytes)}) was not downloaded: it is over the ` +
          `${formatBytes(remaining)} left of max-artifacts-size (${formatBytes(limits.maxTotalBytes)}).`,
      });
      continue;
    }
    remaining -= artifact.sizeInBytes;
    chosen.push(artifact);
  }
  return { chosen, warnings };
}

/**
 * Downloads a run's artifacts named `prefix`… within `limits`, which are checked against GitHub's listing before
 * any download (another run's artifacts, a fork's, are untrusted). An artifact that cannot be downloaded or
 * verified is left out with a warning; the others are still returned.
 */
export async function downloadArtifactsWithinLimits(
  client: GitHubClient,
  repository: RepositoryRef,
  runId: number,
  prefix: string,
  destination: string,
  limits: ArtifactLimits,
): Promise<{ downloaded: DownloadedArtifact[]; warnings: ArtifactWarning[] }> {
  const listing = await listArtifactsByPrefix(client, repository, runId, prefix, limits.maxCount);
  const { chosen, warnings } = planArtifactDownloads({ runId, prefix, ...listing }, limits);
  const downloaded: DownloadedArtifact[] = [];
  // Unzipped bytes left: a zip's listed size says nothing of what it inflates to (a zip bomb).
  let unzippedLeft = limits.maxTotalBytes;
  for (const artifact of chosen) {
    const folder = folderFor(destination, artifact.name);
    try {
      const { unzippedBytes = 0, ...fetched } = await downloadListedArtifact(
        client,
        repository,
        runId,
        artifact,
        folder,
        unzippedLeft,
      );
      unzippedLeft -= unzippedBytes;
      downloaded.push(fetched);
    } catch (error) {
      if (error instanceof UnzipLimitError) {
        await rm(folder, { recursive: true, force: true });
        warnings.push({
          subject: artifact.name,
          message:
            `Artifact '${artifact.name}' (${formatBytes(artifact.sizeInBytes)} zipped) was left out: it unzips to more than the ` +
            `${formatBytes(unzippedLeft)} left of max-artifacts-size (${formatBytes(limits.maxTotalBytes)}).`,
        });
        continue;
      }
      const reason = (error as Error).message.split('\n')[0] as string;
      const named = reason.includes(`'${artifact.name}'`);
      warnings.push({ subject: artifact.name, message: named ? reason : `Artifact '${artifact.name}': ${reason}` });
    }
  }
  return { downloaded, warnings };
}

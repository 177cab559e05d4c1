import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { downloadRunArtifact, downloadRunArtifactsByPrefix } from '../artifacts/index.js';
import type { GitHubClient } from '../github/client.js';
import type { RepositoryRef } from '../github/pull-request.js';
import type { Logger } from '../log/index.js';
import { isMlflowError, type MlflowClient, type MlflowRun, type ModelVersion, versionTags } from '../mlflow/index.js';
import type { ImageManifest } from '../oci/media-types.js';
import type { ImageStore } from '../oci/store.js';
import type { DigestedFile } from '../release-record/index.js';
import { loadUntrustedReport, MAX_REPORT_BYTES } from '../report/combine.js';
import type { Report } from '../report/index.js';
import type { DataProfile } from '../validation/profile.js';
import type { CardImage, CardPreviousVersion } from './card.js';
import { findRunOfCommit } from './github.js';

export const DATA_PROFILE_ARTIFACT = 'mlops-data-profile';
export const REPORT_ARTIFACT_PREFIX = 'mlops-report-';

/** sha256 of each file, streamed, named as shown to the reader. */
export async function digestFiles(files: readonly { path: string; display: string }[]): Promise<DigestedFile[]> {
  const digested: DigestedFile[] = [];
  for (const file of files) {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(file.path)) hash.update(chunk as Buffer);
    digested.push({ name: file.display, digest: `sha256:${hash.digest('hex')}` });
  }
  return digested;
}

async function jsonFilesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

async function readProfile(folder: string): Promise<DataProfile | undefined> {
  for (const path of await jsonFilesUnder(folder)) {
    if ((await stat(path)).size > 4 * MAX_REPORT_BYTES) continue;
    try {
      const value = JSON.parse(await readFile(path, 'utf8')) as DataProfile;
      if (value?.kind === 'mlops-actions/data-profile' && Array.isArray(value.columns)) return value;
    } catch {
      // Not a profile: the card says the profile is missing.
    }
  }
  return undefined;
}

export interface MainRunEvidence {
  run?: { id: number; url: string };
  dataReport?: Report;
  testReport?: Report;
  profile?: DataProfile;
}

/**
 * What the main-branch run of `commit` left: its validate-data and test-model reports (untrusted, schema-checked)
 * and the data profile. Whatever is not there stays undefined.
 */
export async function mainRunEvidence(
  github: { client: GitHubClient; token: string; repository: RepositoryRef; log: Logger },
  query: { workflow: string; branch: string; commit: string },
  folder: string,
): Promise<MainRunEvidence> {
  const run = await findRunOfCommit(github.client, github.repository, query);
  if (!run) return {};
  const evidence: MainRunEvidence = { run };
  const profile = await downloadRunArtifact(
    github.client,
    github.repository,
    run.id,
    DATA_PROFILE_ARTIFACT,
    join(folder, `profile-${run.id}`),
  );
  if (profile) evidence.profile = await readProfile(profile.path);
  const reports = await downloadRunArtifactsByPrefix(
    github.client,
    github.repository,
    run.id,
    REPORT_ARTIFACT_PREFIX,
    join(folder, `reports-${run.id}`),
  );
  const runPrefix = run.url.replace(/\d+$/, '');
  for (const artifact of reports) {
    for (const path of await jsonFilesUnder(artifact.path)) {
      const loaded = await loadUntrustedReport(path, artifact.name, runPrefix);
      if (!('report' in loaded)) {
        github.log.warning(`${artifact.name}: ignored, ${loaded.reason}.`);
        continue;
      }
      if (loaded.report.action === 'validate-data') evidence.dataReport = loaded.report;
      if (loaded.report.action === 'test-model') evidence.testReport = loaded.report;
    }
  }
  return evidence;
}

/** The image's config labels and its layers (what the model ships in) by digest. */
export async function imageEvidence(
  store: ImageStore,
  name: string,
  repository: string,
  reference: string,
): Promise<(CardImage & { layers: DigestedFile[] }) | undefined> {
  const found = await store.resolve(repository, reference);
  if (!found) return undefined;
  const manifest = await store.getManifest(repository, found.digest);
  const json = manifest.json as unknown as ImageManifest;
  if (!json.config || !Array.isArray(json.layers)) return { name, digest: found.digest, labels: {}, layers: [] };
  const config = JSON.parse((await store.getBlob(repository, json.config.digest)).toString('utf8')) as {
    config?: { Labels?: Record<string, string> | null };
  };
  return {
    name,
    digest: found.digest,
    labels: config.config?.Labels ?? {},
    layers: json.layers.map((layer, index) => ({ name: `image layer ${index + 1}`, digest: layer.digest })),
  };
}

function pairs(list: { key: string; value: string }[] | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).map((pair) => [pair.key, pair.value]));
}

function runMetrics(run: MlflowRun | undefined): Record<string, number> {
  return Object.fromEntries((run?.data.metrics ?? []).map((metric) => [metric.key, metric.value]));
}

export interface ModelEvidence {
  version: ModelVersion;
  run: MlflowRun | undefined;
  params: Record<string, string>;
  tags: Record<string, string>;
}

/** The version of `model` (given, or the newest whose git_sha tag is the commit), with its run when it has one. */
export async function modelEvidence(
  mlflow: MlflowClient,
  model: string,
  version: string | undefined,
  commit: string,
): Promise<ModelEvidence | undefined> {
  const found = version
    ? await mlflow.getModelVersion(model, version)
    : (await mlflow.findVersionsByTag(model, 'git_sha', commit))[0];
  if (!found) return undefined;
  const run = found.run_id ? await mlflow.getRun(found.run_id) : undefined;
  return {
    version: found,
    run,
    params: pairs(run?.data.params),
    tags: {
      ...versionTags(found),
      ...Object.fromEntries(Object.entries(pairs(run?.data.tags)).filter(([key]) => !key.startsWith('mlflow.'))),
    },
  };
}

/** The tag promote writes on each version it promotes: when it went to production. */
export const PROMOTED_AT_TAG = 'promoted_at';

export interface FoundVersion {
  version: ModelVersion;
  metrics: Record<string, number>;
  runId?: string;
}

async function withRunMetrics(mlflow: MlflowClient, version: ModelVersion): Promise<FoundVersion> {
  const run = version.run_id ? await mlflow.getRun(version.run_id) : undefined;
  return { version, metrics: runMetrics(run), ...(version.run_id ? { runId: version.run_id } : {}) };
}

/**
 * The production version before this release: the one `alias` names now (the card is made before promote moves
 * it), unless that is this very version. Its metrics come from its run; its data from its commit's main run.
 */
export async function previousVersion(
  mlflow: MlflowClient,
  model: string,
  alias: string,
  current: string | undefined,
): Promise<FoundVersion | undefined> {
  let version: ModelVersion | undefined;
  try {
    version = await mlflow.getAlias(model, alias);
  } catch (error) {
    if (isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST')) return undefined;
    throw error;
  }
  if (!version || version.version === current) return undefined;
  return withRunMetrics(mlflow, version);
}

/**
 * The production versions before `previous` (the alias's), newest first, at most `limit` in all with it. MLflow
 * keeps no history of an alias; promote tags every version it promotes with promoted_at, so the versions holding
 * that tag, by its time, are the ones that went to production (a version promoted again keeps its first time).
 */
export async function earlierProductionVersions(
  mlflow: MlflowClient,
  model: string,
  exclude: readonly (string | undefined)[],
  limit: number,
): Promise<FoundVersion[]> {
  if (limit <= 0) return [];
  const promoted = (await mlflow.listVersions(model))
    .filter((version) => versionTags(version)[PROMOTED_AT_TAG] && !exclude.includes(version.version))
    .sort((a, b) =>
      (versionTags(b)[PROMOTED_AT_TAG] as string).localeCompare(versionTags(a)[PROMOTED_AT_TAG] as string),
    )
    .slice(0, limit);
  const found: FoundVersion[] = [];
  for (const version of promoted) found.push(await withRunMetrics(mlflow, version));
  return found;
}

/** When a version went to production (promote's tag), else when it was registered. */
function versionDate(version: ModelVersion): string | undefined {
  const promoted = versionTags(version)[PROMOTED_AT_TAG];
  if (promoted) return promoted;
  const created = Number(version.creation_timestamp);
  return version.creation_timestamp !== undefined && Number.isFinite(created)
    ? new Date(created).toISOString()
    : undefined;
}

/** The previous version as the card shows it, with its training data's columns and rows when known. */
export function previousOf(found: FoundVersion, profile: DataProfile | undefined): CardPreviousVersion {
  const commit = versionTags(found.version).git_sha;
  const date = versionDate(found.version);
  return {
    version: found.version.version,
    ...(date ? { date } : {}),
    ...(found.runId ? { runId: found.runId } : {}),
    ...(commit ? { commit } : {}),
    metrics: found.metrics,
    ...(profile ? { columns: profile.columns.map((column) => column.name), rows: profile.rows } : {}),
  };
}

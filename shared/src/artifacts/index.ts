import { mkdir } from 'node:fs/promises';
import { describeGitHubFailure, type GitHubClient } from '../github/client.js';
import type { RepositoryRef } from '../github/pull-request.js';

/** Loaded on first use: most steps never touch artifacts, and the client (Azure storage) is large to parse. */
async function artifactClient() {
  const { DefaultArtifactClient } = await import('@actions/artifact');
  return new DefaultArtifactClient();
}

export interface UploadedArtifact {
  id: number;
  size: number;
  digest: string | undefined;
}

/** Uploads files of this run as one named artifact (the Actions results service, as upload-artifact v4 does). */
export async function uploadRunArtifact(
  name: string,
  files: readonly string[],
  rootDirectory: string,
  retentionDays?: number,
): Promise<UploadedArtifact> {
  const client = await artifactClient();
  const result = await client.uploadArtifact(name, [...files], rootDirectory, retentionDays ? { retentionDays } : {});
  if (result.id === undefined) throw new Error(`Uploading artifact '${name}' returned no artifact id.`);
  return { id: result.id, size: result.size ?? 0, digest: result.digest };
}

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

/**
 * Downloads a run's artifact by name into `destination` and checks the bytes against the digest GitHub recorded
 * at upload: a mismatch (a tampered or truncated blob) is an error, never a silently wrong baseline.
 */
export async function downloadRunArtifact(
  client: GitHubClient,
  token: string,
  repository: RepositoryRef,
  runId: number,
  name: string,
  destination: string,
): Promise<DownloadedArtifact | undefined> {
  let artifacts: Awaited<ReturnType<GitHubClient['rest']['actions']['listWorkflowRunArtifacts']>>['data']['artifacts'];
  try {
    ({
      data: { artifacts },
    } = await client.rest.actions.listWorkflowRunArtifacts({ ...repository, run_id: runId, name, per_page: 100 }));
  } catch (error) {
    throw describeGitHubFailure(error, `Listing artifacts of run ${runId}`);
  }
  const artifact = artifacts.filter((candidate) => !candidate.expired).at(-1);
  if (!artifact) return undefined;
  if (!artifact.digest) {
    throw new Error(`Artifact '${name}' of run ${runId} has no recorded digest, so its content cannot be verified.`);
  }
  await mkdir(destination, { recursive: true });
  const { digestMismatch } = await (await artifactClient()).downloadArtifact(artifact.id, {
    path: destination,
    expectedHash: artifact.digest,
    findBy: { token, workflowRunId: runId, repositoryOwner: repository.owner, repositoryName: repository.repo },
  });
  if (digestMismatch) {
    throw new Error(
      `Artifact '${name}' (id ${artifact.id}) of run ${runId} does not match its recorded digest ${artifact.digest}: ` +
        'the stored blob was altered or truncated; refusing to use it.',
    );
  }
  return { id: artifact.id, name, digest: artifact.digest, path: destination, runId };
}

/** The artifact `name` from the latest successful run of `query`: baselines such as main's metrics. */
export async function downloadLatestArtifact(
  client: GitHubClient,
  token: string,
  repository: RepositoryRef,
  query: RunQuery,
  name: string,
  destination: string,
): Promise<(DownloadedArtifact & { run: FoundRun }) | undefined> {
  const run = await findLatestSuccessfulRun(client, repository, query);
  if (!run) return undefined;
  const downloaded = await downloadRunArtifact(client, token, repository, run.id, name, destination);
  return downloaded ? { ...downloaded, run } : undefined;
}

/**
 * Downloads every artifact of a run whose name starts with `prefix` into its own folder under `destination`
 * (the reports a fork's run handed on). Returns the folders.
 */
export async function downloadRunArtifactsByPrefix(
  client: GitHubClient,
  token: string,
  repository: RepositoryRef,
  runId: number,
  prefix: string,
  destination: string,
): Promise<DownloadedArtifact[]> {
  let names: string[];
  try {
    const artifacts = await client.paginate(client.rest.actions.listWorkflowRunArtifacts, {
      ...repository,
      run_id: runId,
      per_page: 100,
    });
    names = [
      ...new Set(
        artifacts
          .filter((artifact) => artifact.name.startsWith(prefix) && !artifact.expired)
          .map((artifact) => artifact.name),
      ),
    ];
  } catch (error) {
    throw describeGitHubFailure(error, `Listing artifacts of run ${runId}`);
  }
  const downloaded: DownloadedArtifact[] = [];
  for (const name of names.sort()) {
    const folder = `${destination}/${name.replace(/[^\w.-]+/g, '_')}`;
    const artifact = await downloadRunArtifact(client, token, repository, runId, name, folder);
    if (artifact) downloaded.push(artifact);
  }
  return downloaded;
}

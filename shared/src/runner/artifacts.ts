// Uploading to the run's artifacts is the runner's service (@actions/artifact, the results service's token), so it
// lives here; finding and reading artifacts through the GitHub API is library work (shared/src/artifacts).

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

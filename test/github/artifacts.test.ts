import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlockBlobClient } from '@azure/storage-blob';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import {
  downloadLatestArtifact,
  downloadRunArtifact,
  findLatestSuccessfulRun,
  uploadRunArtifact,
} from '../../shared/src/index.js';
import { type GitHubSandbox, REPOSITORY, startGitHubSandbox } from '../support/github/sandbox.js';

/**
 * @actions/github fixes its API base URL from GITHUB_API_URL when first imported (as on a runner, where the
 * variable is set before the step starts), and @actions/artifact's cross-run download uses that client. So the
 * emulator's port is chosen, and the variable set, before any import runs.
 */
const apiPort = vi.hoisted(() => {
  const { execFileSync } = process.getBuiltinModule('node:child_process');
  const script =
    "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})";
  const port = Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim());
  process.env.GITHUB_API_URL = `http://127.0.0.1:${port}`;
  return port;
});

const repository = { owner: 'acme', repo: 'churn-model' };
let sandbox: GitHubSandbox;
let workspace: string;

beforeAll(async () => {
  sandbox = await startGitHubSandbox({ artifacts: true, port: apiPort });
  workspace = await mkdtemp(join(tmpdir(), 'artifacts-ws-'));
  // @actions/artifact reads the runner's variables at call time, as on a runner.
  Object.assign(process.env, {
    ACTIONS_RESULTS_URL: sandbox.emulator.resultsUrl,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_WORKSPACE: workspace,
  });
});
afterEach(() => sandbox.emulator.assertContractClean());
afterAll(() => sandbox.stop());

/** A run of `ml.yml` on main that uploads `metrics.json` as the artifact `name`. */
async function mainRunUploading(name: string, metrics: unknown, conclusion: 'success' | 'failure' = 'success') {
  const run = sandbox.emulator.addWorkflowRun(REPOSITORY, { workflow: 'ml.yml', branch: 'main', conclusion });
  process.env.ACTIONS_RUNTIME_TOKEN = sandbox.emulator.runtimeTokenFor(REPOSITORY, run.id);
  const file = join(workspace, 'metrics.json');
  await writeFile(file, JSON.stringify(metrics));
  const uploaded = await uploadRunArtifact(name, [file], workspace);
  return { run, uploaded };
}

describe('artifacts through the results service (Twirp) and Azurite', () => {
  test('uploaded in one run, downloaded by name from another with the digest checked', async () => {
    const { run, uploaded } = await mainRunUploading('mlops-metrics-churn', { f1: 0.91 });
    expect(uploaded.digest).toMatch(/^[0-9a-f]{64}$/);
    const stored = sandbox.emulator.repository(REPOSITORY).artifacts.find((artifact) => artifact.id === uploaded.id);
    expect(stored?.digest).toBe(`sha256:${uploaded.digest}`);
    await mainRunUploading('mlops-metrics-churn', { f1: 0.5 }, 'failure');

    const { client } = sandbox.client();
    const latest = await findLatestSuccessfulRun(client, repository, { workflow: 'ml.yml', branch: 'main' });
    expect(latest?.id).toBe(run.id);
    const destination = await mkdtemp(join(tmpdir(), 'baseline-'));
    const downloaded = await downloadLatestArtifact(
      client,
      repository,
      { workflow: 'ml.yml', branch: 'main' },
      'mlops-metrics-churn',
      destination,
    );
    expect(downloaded).toMatchObject({ id: uploaded.id, runId: run.id, digest: `sha256:${uploaded.digest}` });
    expect(JSON.parse(await readFile(join(destination, 'metrics.json'), 'utf8'))).toEqual({ f1: 0.91 });
    const redirect = sandbox.emulator.requests.find((request) => request.operationId === 'actions/download-artifact');
    expect(redirect?.status).toBe(302);
  });

  test('no successful run or no such artifact: undefined, not an error', async () => {
    const { client } = sandbox.client();
    const destination = await mkdtemp(join(tmpdir(), 'none-'));
    expect(
      await downloadLatestArtifact(client, repository, { workflow: 'other.yml', branch: 'main' }, 'x', destination),
    ).toBeUndefined();
    const { run } = await mainRunUploading('mlops-metrics-a', { a: 1 });
    expect(await downloadRunArtifact(client, repository, run.id, 'mlops-metrics-b', destination)).toBeUndefined();
  });

  test('a blob that no longer matches its recorded digest fails clearly', async () => {
    const { run, uploaded } = await mainRunUploading('mlops-metrics-tampered', { f1: 0.8 });
    const stored = sandbox.emulator.repository(REPOSITORY).artifacts.find((artifact) => artifact.id === uploaded.id)!;
    // Overwrite the stored zip behind GitHub's back.
    const url = await sandbox.blobs!.uploadUrl(stored.blob);
    const original = await sandbox.blobs!.read(stored.blob);
    const tampered = Buffer.from(original);
    tampered[tampered.length - 30] = (tampered[tampered.length - 30] as number) ^ 0xff;
    await new BlockBlobClient(url).uploadData(tampered, { blobHTTPHeaders: { blobContentType: 'application/zip' } });

    const destination = await mkdtemp(join(tmpdir(), 'tampered-'));
    await expect(
      downloadRunArtifact(sandbox.client().client, repository, run.id, 'mlops-metrics-tampered', destination),
    ).rejects.toThrow(
      `Artifact 'mlops-metrics-tampered' (id ${uploaded.id}) of run ${run.id} does not match its recorded digest sha256:${uploaded.digest}`,
    );
  });
});

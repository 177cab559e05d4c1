import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BlobSASPermissions,
  BlobServiceClient,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { freePort } from '../../services/process.js';
import { repositoryRoot } from '../run-action.js';
import type { ArtifactBlobStore } from './emulator.js';

// Azurite's documented development account; it exists only inside the local emulator.
const ACCOUNT = 'devstoreaccount1';
const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const CONTAINER = 'actions-results';

export interface AzuriteBlobs extends ArtifactBlobStore {
  url: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

/** A real Azurite blob server on loopback holding artifact zips, with SAS URLs as the results service hands out. */
export async function startAzurite(): Promise<AzuriteBlobs> {
  const location = await mkdtemp(join(tmpdir(), 'azurite-'));
  const port = await freePort();
  const child: ChildProcess = spawn(
    join(repositoryRoot, 'node_modules', '.bin', 'azurite-blob'),
    [
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--location',
      location,
      '--silent',
      '--skipApiVersionCheck',
      '--loose',
      '--disableTelemetry',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const url = `http://127.0.0.1:${port}/${ACCOUNT}`;
  const credential = new StorageSharedKeyCredential(ACCOUNT, ACCOUNT_KEY);
  const service = new BlobServiceClient(url, credential);
  const container = service.getContainerClient(CONTAINER);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await container.createIfNotExists();
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`azurite did not start: ${(error as Error).message}\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const signed = (name: string, permissions: string) => {
    const sas = generateBlobSASQueryParameters(
      {
        containerName: CONTAINER,
        blobName: name,
        permissions: BlobSASPermissions.parse(permissions),
        startsOn: new Date(Date.now() - 60_000),
        expiresOn: new Date(Date.now() + 3_600_000),
      },
      credential,
    );
    return `${container.getBlockBlobClient(name).url}?${sas.toString()}`;
  };

  return {
    url,
    pid: child.pid,
    uploadUrl: async (name) => signed(name, 'cw'),
    downloadUrl: async (name) => signed(name, 'r'),
    read: async (name) => container.getBlockBlobClient(name).downloadToBuffer(),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(location, { recursive: true, force: true });
    },
  };
}

// The files validate-data reads, each confined to the workspace: the data, the suite and the drift reference.
import { open } from 'node:fs/promises';
import { basename, isAbsolute } from 'node:path';
import {
  type ActionHost,
  type DataFile,
  type ReferenceInput,
  readSuite,
  resolveDataFiles,
  type Suite,
} from '@mlops-actions/core';
import type { Inputs } from './inputs.js';

export async function dataFiles(host: ActionHost, inputs: Inputs): Promise<DataFile[]> {
  return host.inputs.confinedFiles('data', await resolveDataFiles(inputs.data, host.github.workspace, 'data'));
}

export async function readSuiteFile(host: ActionHost, suite: string): Promise<Suite> {
  return readSuite(await host.inputs.configFile('suite', suite));
}

export interface ResolvedReference {
  reference: ReferenceInput;
  /** How the report names the reference. */
  name: string;
}

/** The drift reference: data files, or a single profile JSON written by an earlier run. */
export async function resolveReference(host: ActionHost, patterns: string[]): Promise<ResolvedReference | undefined> {
  if (patterns.length === 0) return undefined;
  const referenceFiles = host.inputs.confinedFiles(
    'reference',
    await resolveDataFiles(patterns, host.github.workspace, 'reference'),
  );
  // A single .json file may be a profile from an earlier run rather than data.
  const single = referenceFiles.length === 1 ? referenceFiles[0] : undefined;
  const isProfile = single?.format === 'json' && (await looksLikeProfile(single.path));
  const reference: ReferenceInput =
    isProfile && single ? { profilePath: single.path, display: single.display } : { files: referenceFiles };
  // A file outside the workspace (a downloaded baseline in the runner's temp) is named by its file name: the
  // runner's temp path means nothing to a reader and differs between runs.
  const name = referenceFiles
    .map((file) => (isAbsolute(file.display) ? basename(file.display) : file.display))
    .join(', ');
  return { reference, name };
}

async function looksLikeProfile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(200), 0, 200, 0);
    return buffer.subarray(0, bytesRead).toString('utf8').includes('"mlops-actions/data-profile"');
  } finally {
    await handle.close();
  }
}

import type { KeyObject } from 'node:crypto';
import {
  ConfigurationError,
  type ImageReference,
  type InputReader,
  parseImageReference,
  type RegistryCredentials,
  readMlflowVersionInputs,
  readSigningKey,
} from '@mlops-actions/core';

export interface Inputs {
  image: ImageReference;
  /** undefined: `<image>:sha-<7>` of the commit. */
  source: ImageReference | undefined;
  data: string[];
  /** The path as written, and whether it was the default (a missing default file is no error). */
  config: { path: string; isDefault: boolean };
  mainWorkflow: string;
  mainBranch: string;
  requireChecks: string[];
  mlflow: { trackingUri: string; model: string; version: string | undefined; alias: string } | undefined;
  /** How many production versions before this release the card's history lists. */
  historyVersions: number;
  signingKey: KeyObject | undefined;
  /** The key's PEM text, to mask. */
  signingKeyText: string | undefined;
  /** `registry-username` and `registry-password`: for the `image` input's registry only. */
  registryCredentials: RegistryCredentials | undefined;
  githubToken: string | undefined;
}

const DEFAULT_CONFIG = 'model-card.yml';

function readMlflow(reader: InputReader, env: NodeJS.ProcessEnv): Inputs['mlflow'] {
  const model = reader.optional('mlflow-model');
  if (model === undefined) {
    if (reader.optional('mlflow-version') !== undefined) {
      throw new ConfigurationError("Input 'mlflow-version' needs 'mlflow-model': the registered model.", {
        input: 'mlflow-version',
      });
    }
    return undefined;
  }
  const { trackingUri, version } = readMlflowVersionInputs(reader, env);
  return { trackingUri, model, version, alias: reader.optional('mlflow-alias') ?? 'champion' };
}

/** Reads and checks every input once, before any work. */
export function getInputs(reader: InputReader, env: NodeJS.ProcessEnv): Inputs {
  const image = parseImageReference(reader.required('image'), 'image');
  if (image.tag !== undefined || image.digest !== undefined) {
    throw new ConfigurationError(
      "Input 'image': write the repository only (e.g. ghcr.io/acme/churn-model); a tag or digest goes in 'source'.",
      { input: 'image' },
    );
  }
  const sourceText = reader.optional('source');
  const source = sourceText === undefined ? undefined : parseImageReference(sourceText, 'source');
  if (source && source.tag === undefined && source.digest === undefined) {
    throw new ConfigurationError(
      `Input 'source': '${sourceText}' names no tag or digest, e.g. ${sourceText}:sha-1a2b3c4.`,
      {
        input: 'source',
      },
    );
  }
  const signingPem = reader.optional('signing-key');
  const config = reader.optional('config') ?? DEFAULT_CONFIG;
  return {
    image,
    source,
    data: reader.list('data'),
    config: { path: config, isDefault: config === DEFAULT_CONFIG },
    mainWorkflow: reader.optional('main-workflow') ?? 'ml-main.yml',
    mainBranch: reader.optional('main-branch') ?? 'main',
    requireChecks: [...new Set(reader.list('require-checks'))],
    mlflow: readMlflow(reader, env),
    historyVersions: reader.integer('history-versions', 5, { min: 1, max: 50 }),
    signingKey: signingPem === undefined ? undefined : readSigningKey(signingPem, 'signing-key'),
    signingKeyText: signingPem,
    registryCredentials: reader.userAndPassword('registry-username', 'registry-password'),
    githubToken: reader.optional('github-token'),
  };
}

import type { KeyObject } from 'node:crypto';
import {
  ConfigurationError,
  type ImageReference,
  type InputReader,
  parseImageReference,
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
  signingKey: KeyObject | undefined;
  /** The key's PEM text, to mask. */
  signingKeyText: string | undefined;
  registryUsername: string | undefined;
  registryPassword: string | undefined;
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
  const trackingUri = reader.optional('mlflow-tracking-uri') ?? env.MLFLOW_TRACKING_URI;
  if (trackingUri === undefined || !/^https?:\/\/[^\s/]+/.test(trackingUri)) {
    throw new ConfigurationError(
      `Input 'mlflow-tracking-uri' must be the tracking server's http(s) URL (or set MLFLOW_TRACKING_URI), e.g. http://mlflow:5000${trackingUri === undefined ? '' : `, got "${trackingUri}"`}.`,
      { input: 'mlflow-tracking-uri' },
    );
  }
  const version = reader.optional('mlflow-version');
  if (version !== undefined && !/^[1-9]\d*$/.test(version)) {
    throw new ConfigurationError(`Input 'mlflow-version' must be a version number such as 3, got "${version}".`, {
      input: 'mlflow-version',
    });
  }
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
  const registryUsername = reader.optional('registry-username');
  const registryPassword = reader.optional('registry-password');
  if ((registryUsername === undefined) !== (registryPassword === undefined)) {
    throw new ConfigurationError(
      "Inputs 'registry-username' and 'registry-password' go together: give both or neither.",
      {
        input: registryUsername === undefined ? 'registry-username' : 'registry-password',
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
    signingKey: signingPem === undefined ? undefined : readSigningKey(signingPem, 'signing-key'),
    signingKeyText: signingPem,
    registryUsername,
    registryPassword,
    githubToken: reader.optional('github-token'),
  };
}

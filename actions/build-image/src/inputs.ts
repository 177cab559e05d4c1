import {
  BUILDERS,
  type BuilderChoice,
  ConfigurationError,
  type ImageReference,
  type InputReader,
  imagePath,
  parseImageReference,
  parseKeyValues,
} from '@mlops-actions/core';

export interface Inputs {
  image: ImageReference;
  tags: string[];
  builder: BuilderChoice;
  context: string;
  dockerfile: string | undefined;
  buildArgs: Record<string, string>;
  platforms: string[];
  baseImage: { text: string; reference: ImageReference } | undefined;
  modelPath: string | undefined;
  modelDest: string;
  /** undefined: decide from the event (false on pull requests from forks). */
  push: boolean | undefined;
  registryUsername: string | undefined;
  registryPassword: string | undefined;
  githubToken: string | undefined;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  env: string[];
  cmd: string[] | undefined;
  modelName: string | undefined;
  modelVersion: string | undefined;
  metricsFile: string | undefined;
  reproducible: boolean;
}

function readCmd(reader: InputReader): string[] | undefined {
  const text = reader.optional('cmd');
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((item) => typeof item === 'string')) {
    throw new ConfigurationError(
      `Input 'cmd' must be a JSON array of strings such as ["python", "serve.py"], got ${JSON.stringify(text)}.`,
      {
        input: 'cmd',
      },
    );
  }
  return parsed as string[];
}

/** Reads and checks every input once, before any work. */
export function getInputs(reader: InputReader): Inputs {
  const image = parseImageReference(reader.required('image'), 'image');
  if (image.tag !== undefined || image.digest !== undefined) {
    throw new ConfigurationError(
      `Input 'image': write the repository only (e.g. ghcr.io/acme/churn-model) and give tags in 'tags'.`,
      { input: 'image' },
    );
  }
  const baseText = reader.optional('base-image');
  const env = reader.list('env');
  for (const entry of env) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(entry)) {
      throw new ConfigurationError(`Input 'env': '${entry}' must be written NAME=value.`, { input: 'env' });
    }
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
  const pushText = reader.optional('push');
  return {
    image,
    tags: reader.list('tags'),
    builder: reader.enum('builder', BUILDERS, 'auto'),
    context: reader.path('context') ?? reader.resolvePath('.'),
    dockerfile: reader.path('dockerfile'),
    buildArgs: parseKeyValues(reader.list('build-args'), 'build-args'),
    platforms: reader.list('platforms'),
    baseImage:
      baseText === undefined ? undefined : { text: baseText, reference: parseImageReference(baseText, 'base-image') },
    modelPath: reader.path('model-path'),
    modelDest: imagePath(reader.optional('model-dest') ?? '/opt/ml/model', 'model-dest'),
    push: pushText === undefined || pushText === 'auto' ? undefined : reader.boolean('push', true),
    registryUsername,
    registryPassword,
    githubToken: reader.optional('github-token'),
    labels: parseKeyValues(reader.list('labels'), 'labels'),
    annotations: parseKeyValues(reader.list('annotations'), 'annotations'),
    env,
    cmd: readCmd(reader),
    modelName: reader.optional('model-name'),
    modelVersion: reader.optional('model-version'),
    metricsFile: reader.path('metrics-file'),
    reproducible: reader.boolean('reproducible', true),
  };
}

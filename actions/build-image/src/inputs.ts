import {
  BUILDERS,
  type BuilderChoice,
  ConfigurationError,
  type ImageReference,
  type InputReader,
  imagePath,
  type Platform,
  parseImageReference,
  parseKeyValues,
  parsePlatform,
  platformName,
  type RegistryCredentials,
  SCRATCH_BASE,
} from '@mlops-actions/core';

/** The platform a scratch image claims when 'platforms' names none: the most common serving runtime. */
const SCRATCH_DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

export interface Inputs {
  image: ImageReference;
  tags: string[];
  builder: BuilderChoice;
  context: string;
  dockerfile: string | undefined;
  buildArgs: Record<string, string>;
  platforms: string[];
  /** SCRATCH_BASE for an image of the model layers only. */
  baseImage: { text: string; reference: ImageReference } | typeof SCRATCH_BASE | undefined;
  /** With a scratch base: the platforms it claims. */
  scratchPlatforms: Platform[];
  modelPath: string | undefined;
  modelDest: string;
  /** undefined: decide from the event (false on pull requests from forks). */
  push: boolean | undefined;
  /** `registry-username` and `registry-password`: for the `image` input's registry only. */
  registryCredentials: RegistryCredentials | undefined;
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

/** The platforms a scratch image claims: each once, linux/amd64 when none is named. */
function scratchPlatforms(texts: readonly string[]): Platform[] {
  if (texts.length === 0) return [SCRATCH_DEFAULT_PLATFORM];
  const seen = new Set<string>();
  return texts.map((text) => {
    const platform = parsePlatform(text, 'platforms');
    const name = platformName(platform);
    if (seen.has(name)) {
      throw new ConfigurationError(`Input 'platforms' names ${name} twice.`, { input: 'platforms' });
    }
    seen.add(name);
    return platform;
  });
}

/** Reads and checks every input once, before any work. */
export function getInputs(reader: InputReader): Inputs {
  const image = parseImageReference(reader.required('image'), 'image');
  if (image.tag !== undefined || image.digest !== undefined) {
    throw new ConfigurationError(
      `Input 'image': write the repository only (e.g. ghcr.io/acme/churn-model or oci:build/churn-image) and give tags in 'tags'.`,
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
  const registryCredentials = reader.userAndPassword('registry-username', 'registry-password');
  const pushText = reader.optional('push');
  const platforms = reader.list('platforms');
  const scratch = baseText === SCRATCH_BASE;
  return {
    image,
    tags: reader.list('tags'),
    builder: reader.enum('builder', BUILDERS, 'auto'),
    context: reader.path('context') ?? reader.resolvePath('.'),
    dockerfile: reader.path('dockerfile'),
    buildArgs: parseKeyValues(reader.list('build-args'), 'build-args'),
    platforms,
    baseImage: scratch
      ? SCRATCH_BASE
      : baseText === undefined
        ? undefined
        : { text: baseText, reference: parseImageReference(baseText, 'base-image') },
    scratchPlatforms: scratch ? scratchPlatforms(platforms) : [],
    modelPath: reader.path('model-path'),
    modelDest: imagePath(reader.optional('model-dest') ?? '/opt/ml/model', 'model-dest'),
    push: pushText === undefined || pushText === 'auto' ? undefined : reader.boolean('push', true),
    registryCredentials,
    githubToken: reader.optional('github-token'),
    labels: parseKeyValues(reader.list('labels'), 'labels'),
    annotations: parseKeyValues(reader.list('annotations'), 'annotations'),
    env,
    cmd: readCmd(reader),
    modelName: reader.optional('model-name'),
    modelVersion: reader.optional('model-version'),
    metricsFile: reader.confinedPath('metrics-file'),
    reproducible: reader.boolean('reproducible', true),
  };
}

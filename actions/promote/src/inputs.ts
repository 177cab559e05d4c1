import type { KeyObject } from 'node:crypto';
import {
  ConfigurationError,
  formatImageReference,
  type ImageReference,
  type InputReader,
  parseImageReference,
  type RegistryCredentials,
  readVerifyingKey,
} from '@mlops-actions/core';

export interface TargetInput {
  /** As written, without a leading ':' (the deployment environment). */
  name: string;
  reference: ImageReference & { tag: string };
}

export interface MlflowInputs {
  trackingUri: string;
  model: string;
  version: string | undefined;
  alias: string | undefined;
  targetModel: string | undefined;
}

export interface Inputs {
  /** The repository the source defaults into and `:tag` targets live in. */
  image: ImageReference;
  /** undefined: `<image>:sha-<7>` of the commit. */
  source: ImageReference | undefined;
  targets: TargetInput[];
  requireChecks: string[];
  mlflow: MlflowInputs | undefined;
  /** `registry-username` and `registry-password`: for the `image` input's registry only. */
  registryCredentials: RegistryCredentials | undefined;
  dryRun: boolean;
  githubToken: string | undefined;
  /** With require-record: the key the release record must be signed with. */
  recordPublicKey: KeyObject | undefined;
}

function readTargets(reader: InputReader, image: ImageReference): TargetInput[] {
  const texts = reader.requiredList('targets');
  const targets: TargetInput[] = [];
  for (const text of texts) {
    const reference = text.startsWith(':')
      ? parseImageReference(`${formatImageReference(image)}${text}`, 'targets')
      : parseImageReference(text, 'targets');
    if (reference.tag === undefined || reference.digest !== undefined) {
      throw new ConfigurationError(
        `Input 'targets': '${text}' must name a tag (':production', 'registry/team/model:prod'); a digest cannot be moved.`,
        { input: 'targets' },
      );
    }
    targets.push({ name: text.replace(/^:/, ''), reference: reference as ImageReference & { tag: string } });
  }
  const seen = new Set<string>();
  for (const target of targets) {
    const key = `${target.reference.registry}/${target.reference.repository}:${target.reference.tag}`;
    if (seen.has(key)) {
      throw new ConfigurationError(`Input 'targets' names ${key} twice.`, { input: 'targets' });
    }
    seen.add(key);
  }
  return targets;
}

/** MLflow's alias rule: letters, digits, '_' and '-', not 'latest', not a version-like 'v<number>'. */
function checkAlias(alias: string): string {
  if (!/^[\w-]{1,255}$/.test(alias) || alias.toLowerCase() === 'latest' || /^v\d+$/i.test(alias)) {
    throw new ConfigurationError(
      `Input 'mlflow-alias': '${alias}' is not a valid MLflow alias (letters, digits, '_' and '-'; not 'latest' or 'v<number>'), e.g. champion.`,
      { input: 'mlflow-alias' },
    );
  }
  return alias;
}

function readMlflow(reader: InputReader, env: NodeJS.ProcessEnv): MlflowInputs | undefined {
  const model = reader.optional('mlflow-model');
  const dependent = ['mlflow-version', 'mlflow-alias', 'mlflow-target-model'] as const;
  if (model === undefined) {
    for (const name of dependent) {
      if (reader.optional(name) !== undefined) {
        throw new ConfigurationError(`Input '${name}' needs 'mlflow-model': the registered model to promote.`, {
          input: name,
        });
      }
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
  const alias = reader.optional('mlflow-alias');
  const targetModel = reader.optional('mlflow-target-model');
  if (targetModel === model) {
    throw new ConfigurationError(`Input 'mlflow-target-model' is the same model as 'mlflow-model' (${model}).`, {
      input: 'mlflow-target-model',
    });
  }
  return {
    trackingUri,
    model,
    version,
    alias: alias === undefined ? undefined : checkAlias(alias),
    targetModel,
  };
}

function readRecordKey(reader: InputReader): KeyObject | undefined {
  const required = reader.boolean('require-record', false);
  const pem = reader.optional('record-public-key');
  if (required && pem === undefined) {
    throw new ConfigurationError(
      "Input 'require-record' is true but 'record-public-key' is empty: give the PEM public key (cosign.pub) the release record is signed with.",
      { input: 'record-public-key' },
    );
  }
  if (!required && pem !== undefined) {
    throw new ConfigurationError(
      "Input 'record-public-key' is given but 'require-record' is not true: set require-record: true to verify the record, or drop the key.",
      { input: 'require-record' },
    );
  }
  return pem === undefined ? undefined : readVerifyingKey(pem, 'record-public-key');
}

/** Reads and checks every input once, before any work. */
export function getInputs(reader: InputReader, env: NodeJS.ProcessEnv): Inputs {
  const sourceText = reader.optional('source');
  const source = sourceText === undefined ? undefined : parseImageReference(sourceText, 'source');
  if (source && source.tag === undefined && source.digest === undefined) {
    throw new ConfigurationError(
      `Input 'source': '${sourceText}' names no tag or digest; write e.g. ${sourceText}:sha-1a2b3c4 or ${sourceText}@sha256:….`,
      { input: 'source' },
    );
  }
  const imageText = reader.optional('image');
  if (imageText === undefined && source === undefined) {
    throw new ConfigurationError("Input 'image' is required (the repository, e.g. ghcr.io/acme/churn-model).", {
      input: 'image',
    });
  }
  const image =
    imageText === undefined
      ? { registry: (source as ImageReference).registry, repository: (source as ImageReference).repository }
      : parseImageReference(imageText, 'image');
  if (image.tag !== undefined || image.digest !== undefined) {
    throw new ConfigurationError(
      "Input 'image': write the repository only (e.g. ghcr.io/acme/churn-model); the image to promote goes in 'source'.",
      { input: 'image' },
    );
  }
  const registryCredentials = reader.userAndPassword('registry-username', 'registry-password');
  return {
    image,
    source,
    targets: readTargets(reader, image),
    requireChecks: [...new Set(reader.list('require-checks'))],
    mlflow: readMlflow(reader, env),
    registryCredentials,
    dryRun: reader.boolean('dry-run', false),
    githubToken: reader.optional('github-token'),
    recordPublicKey: readRecordKey(reader),
  };
}

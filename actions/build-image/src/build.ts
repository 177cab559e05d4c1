// build-image's side effects: which builder this machine can run, the credentials for each registry, and the two
// kinds of build (a Dockerfile with docker or buildah, or model layers on a base image), each pushed when asked.
import { access, stat } from 'node:fs/promises';
import {
  type ActionHost,
  type BaseImage,
  type Builder,
  buildDockerfileToLayout,
  buildWithLayers,
  ConfigurationError,
  chooseBuilder,
  dockerDaemonAnswers,
  explainRegistryError,
  givenCredentials,
  type ImageReference,
  type ImageStore,
  isScratchBase,
  openImageStore,
  type PushResult,
  pushImage,
  type RegistryCredentials,
  referenceOrDefault,
  requireDockerfile,
  resolveRegistryCredentials,
  SCRATCH_BASE,
  scratchBase,
  toolAnswers,
} from '@mlops-actions/core';
import { type BuildFacts, dockerfileBuildOf, layerAnnotations, layerChangesOf } from './args.js';
import type { Inputs } from './inputs.js';

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** The builder to run (`auto` probes docker and buildah), with the inputs it needs checked before any network. */
export async function decideBuilder(host: ActionHost, inputs: Inputs, dockerfile: string): Promise<Builder> {
  const hasDockerfile = inputs.dockerfile !== undefined || (await exists(dockerfile));
  const builder: Builder =
    inputs.builder === 'auto'
      ? chooseBuilder('auto', {
          hasDockerfile,
          hasModelPath: inputs.modelPath !== undefined,
          available: {
            dockerDaemon: hasDockerfile && (await dockerDaemonAnswers()),
            buildah: hasDockerfile && (await toolAnswers('buildah')),
          },
        })
      : inputs.builder;
  if (builder !== 'layers') {
    await requireDockerfile(dockerfile, host.inputs.display(dockerfile));
    return builder;
  }
  if (!inputs.baseImage) {
    throw new ConfigurationError(
      "Input 'base-image' is required by the layers builder (e.g. python:3.12-slim, or scratch for the model files alone).",
      {
        input: 'base-image',
      },
    );
  }
  if (!inputs.modelPath) {
    throw new ConfigurationError("Input 'model-path' is required by the layers builder: the model directory.", {
      input: 'model-path',
    });
  }
  const modelStats = await stat(inputs.modelPath).catch(() => undefined);
  if (!modelStats?.isDirectory()) {
    throw new ConfigurationError(
      `Input 'model-path': '${host.inputs.display(inputs.modelPath)}' ${modelStats ? 'is not a directory' : 'does not exist'}.`,
      { input: 'model-path' },
    );
  }
  return builder;
}

/** The credentials for `registry` by the one rule (chooseRegistryCredentials); none for an OCI layout directory. */
export async function credentialsFor(
  registry: string,
  inputs: Inputs,
  host: ActionHost,
): Promise<RegistryCredentials | undefined> {
  const credentials = await resolveRegistryCredentials(registry, givenCredentials(inputs, host.github.actor), host.env);
  host.setSecret(credentials?.password);
  return credentials;
}

/** The store the image goes to, with its credentials; the rethrow explains a registry's refusal in user terms. */
export interface Target {
  client: ImageStore;
  credentials: RegistryCredentials | undefined;
  name: string;
  storeOptions: { workspace: string; logger: ActionHost['log'] };
}

export function explainAs(input: string, reference: string, username: string | undefined) {
  return (error: unknown): never => {
    throw explainRegistryError(error, { input, reference, username });
  };
}

export interface Built {
  digest: string;
  pushed: PushResult | undefined;
  metadata: Record<string, unknown>;
}

/** The model directory as layers on the base image (or scratch), pushed with the tags when `tags` is given. */
export async function buildLayers(
  host: ActionHost,
  inputs: Inputs,
  target: Target,
  facts: { created: string; labels: Record<string, string>; epochSeconds: number; sha: string | undefined },
  workDir: string,
  tags: string[] | undefined,
): Promise<Built> {
  let base: BaseImage;
  let baseCredentials: RegistryCredentials | undefined;
  if (inputs.baseImage === SCRATCH_BASE) {
    base = scratchBase(inputs.scratchPlatforms);
  } else {
    const { text, reference } = inputs.baseImage as { text: string; reference: ImageReference };
    const sameRegistry = reference.registry === inputs.image.registry;
    baseCredentials = sameRegistry ? target.credentials : await credentialsFor(reference.registry, inputs, host);
    const baseClient = sameRegistry
      ? target.client
      : openImageStore(reference.registry, { ...target.storeOptions, credentials: baseCredentials });
    base = {
      client: baseClient,
      repository: reference.repository,
      reference: await referenceOrDefault(baseClient, reference),
      name: text,
    };
  }
  // A scratch image has no base to name.
  const annotations = layerAnnotations(inputs, {
    created: facts.created,
    baseName: isScratchBase(base) ? undefined : base.name,
    sha: facts.sha,
  });
  const result = await buildWithLayers({
    base,
    target: { client: target.client, repository: inputs.image.repository },
    modelPath: inputs.modelPath as string,
    changes: layerChangesOf(inputs, facts, annotations),
    epochSeconds: facts.epochSeconds,
    workDir,
    ...(tags ? { pushTags: tags } : {}),
    log: host.log,
  }).catch(explainAs('base-image', base.name, baseCredentials?.username));
  return {
    digest: result.image.digest,
    pushed: result.pushed,
    metadata: {
      labels: facts.labels,
      annotations,
      size: result.image.size,
      baseDigest: result.image.baseDigest,
      platforms: result.image.platforms,
      layers: result.image.layers.map(({ digest, size, diffId, files, modelBytes }) => ({
        digest,
        size,
        diffId,
        files,
        modelBytes,
      })),
    },
  };
}

/**
 * A Dockerfile built with docker or buildah into an OCI layout, then pushed by our client when `tags` is given. FROM
 * pulls get the image registry's credentials only (scoped to that registry in the auth file).
 */
export async function buildDockerfile(
  host: ActionHost,
  inputs: Inputs,
  builder: 'docker' | 'buildah',
  target: Target,
  facts: BuildFacts,
  workDir: string,
  tags: string[] | undefined,
): Promise<Built> {
  const build = dockerfileBuildOf(inputs, facts);
  const built = await host.log.group(`Build ${host.inputs.display(facts.dockerfile)} with ${builder}`, () =>
    buildDockerfileToLayout({
      builder,
      build,
      workDir,
      ...(target.credentials
        ? { registryAuth: { registry: inputs.image.registry, credentials: target.credentials } }
        : {}),
      log: host.log,
      secrets: host.secrets,
    }),
  );
  let pushed: PushResult | undefined;
  if (tags) {
    pushed = await host.log
      .group(`Push ${built.digest}`, () =>
        pushImage(target.client, inputs.image.repository, { blobs: built.blobs, manifests: built.manifests, tags }),
      )
      .catch(explainAs('image', target.name, target.credentials?.username));
  }
  return {
    digest: built.digest,
    pushed,
    metadata: {
      labels: facts.labels,
      annotations: inputs.annotations,
      size: built.blobs.reduce((sum, blob) => sum + blob.source.size, 0),
      layers: built.blobs.slice(1).map((blob) => ({ digest: blob.source.digest, size: blob.source.size })),
    },
  };
}

import { access, mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ActionHost,
  type BaseImage,
  type Builder,
  buildDockerfileToLayout,
  buildReport,
  buildWithLayers,
  ConfigurationError,
  chooseBuilder,
  defineAction,
  dockerDaemonAnswers,
  explainRegistryError,
  formatImageReference,
  type ImageReference,
  imageLabels,
  isLoopbackRegistry,
  isOciLayout,
  isScratchBase,
  type ModelMetadata,
  openImageStore,
  type PushResult,
  pushImage,
  type RegistryCredentials,
  type ReportCheck,
  readEventPayload,
  readMetricsFile,
  readStoredCredentials,
  referenceOrDefault,
  renderStage,
  reportRun,
  requireDockerfile,
  resolveSourceDate,
  resolveTags,
  SCRATCH_BASE,
  scratchBase,
  tagContext,
  toolAnswers,
} from '@mlops-actions/core';
import { getInputs, type Inputs } from './inputs.js';

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Credentials for `registry`: the inputs, else github-token for ghcr.io, else what `docker login` stored. */
async function credentialsFor(
  registry: string,
  inputs: Inputs,
  host: ActionHost,
): Promise<RegistryCredentials | undefined> {
  if (inputs.registryUsername && inputs.registryPassword) {
    return { username: inputs.registryUsername, password: inputs.registryPassword };
  }
  if (registry === 'ghcr.io' && inputs.githubToken) {
    return { username: host.github.actor ?? 'x-access-token', password: inputs.githubToken };
  }
  const stored = await readStoredCredentials(registry, host.env);
  host.setSecret(stored?.password);
  return stored;
}

/**
 * Builds a model-serving image with docker, buildah or (no daemon, no Dockerfile) by adding the model as
 * deterministic layers to a base image, and pushes it with tags only after every blob and the manifest are up.
 */
export const action = defineAction({
  name: 'build-image',
  async main(host) {
    const inputs = getInputs(host.inputs);
    host.setSecret(inputs.registryPassword);
    host.setSecret(inputs.githubToken);
    const { github } = host;
    const payload = await readEventPayload(github);
    const context = tagContext(github, payload);
    const tags = resolveTags(inputs.tags, context);
    if (tags.length === 0) {
      throw new ConfigurationError("Input 'tags': none given and none derive from this event; name at least one.", {
        input: 'tags',
      });
    }
    const fromFork = Boolean(
      payload?.pull_request?.head?.repo &&
        payload.pull_request.head.repo.full_name !== payload.pull_request.base?.repo?.full_name,
    );
    const push = inputs.push ?? !fromFork;

    // Decide the builder and check its inputs before anything talks to a registry.
    const dockerfile = inputs.dockerfile ?? join(inputs.context, 'Dockerfile');
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
    if (builder === 'layers') {
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
    } else {
      await requireDockerfile(dockerfile, host.inputs.display(dockerfile));
    }

    const sourceDate = await resolveSourceDate({
      reproducible: inputs.reproducible,
      env: host.env,
      workspace: github.workspace,
      ...(context.sha ? { sha: context.sha } : {}),
      ...(payload?.head_commit?.timestamp ? { eventCommitTime: payload.head_commit.timestamp as string } : {}),
    });
    if (sourceDate.origin === 'epoch') {
      host.log.warning(
        'No commit time found (no git checkout, no SOURCE_DATE_EPOCH): image timestamps are 1970-01-01 so the digest stays reproducible.',
      );
    }
    const created = new Date(sourceDate.epochSeconds * 1000).toISOString();
    const model: ModelMetadata = {
      ...(inputs.modelName ? { name: inputs.modelName } : {}),
      ...(inputs.modelVersion ? { version: inputs.modelVersion } : {}),
      ...(inputs.metricsFile ? await readMetricsFile(inputs.metricsFile, host.inputs.display(inputs.metricsFile)) : {}),
    };
    const labels = imageLabels(
      {
        ...(github.repository ? { source: `${github.serverUrl}/${github.repository}` } : {}),
        ...(context.sha ? { revision: context.sha } : {}),
        created,
        ...(tags[0] ? { version: tags[0] } : {}),
        ...(github.repo ? { title: github.repo } : {}),
        model,
      },
      inputs.labels,
    );

    // A layout directory (oci:DIR) needs no credentials; a registry gets the inputs' or the stored ones.
    const credentials = isOciLayout(inputs.image)
      ? undefined
      : await credentialsFor(inputs.image.registry, inputs, host);
    const imageName = formatImageReference(inputs.image);
    const storeOptions = { workspace: github.workspace, logger: host.log };
    const client = openImageStore(inputs.image.registry, { ...storeOptions, credentials });
    const explain = (input: string, reference: string, username: string | undefined) => (error: unknown) => {
      throw explainRegistryError(error, { input, reference, username });
    };
    if (push) {
      await client
        .checkAccess(inputs.image.repository, 'pull,push')
        .catch(explain('image', imageName, credentials?.username));
    }

    const workDir = await mkdtemp(join(github.runnerTemp, 'mlops-build-image-'));
    try {
      let digest: string;
      let pushed: PushResult | undefined;
      let metadata: Record<string, unknown>;
      if (builder === 'layers') {
        let base: BaseImage;
        let baseCredentials: RegistryCredentials | undefined;
        if (inputs.baseImage === SCRATCH_BASE) {
          base = scratchBase(inputs.scratchPlatforms);
        } else {
          const { text, reference } = inputs.baseImage as { text: string; reference: ImageReference };
          const sameRegistry = reference.registry === inputs.image.registry;
          baseCredentials = isOciLayout(reference)
            ? undefined
            : sameRegistry
              ? credentials
              : await credentialsFor(reference.registry, inputs, host);
          const baseClient = sameRegistry
            ? client
            : openImageStore(reference.registry, { ...storeOptions, credentials: baseCredentials });
          base = {
            client: baseClient,
            repository: reference.repository,
            reference: await referenceOrDefault(baseClient, reference),
            name: text,
          };
        }
        const annotations = {
          'org.opencontainers.image.created': created,
          // A scratch image has no base to name.
          ...(isScratchBase(base) ? {} : { 'org.opencontainers.image.base.name': base.name }),
          ...(context.sha ? { 'org.opencontainers.image.revision': context.sha } : {}),
          ...inputs.annotations,
        };
        const result = await buildWithLayers({
          base,
          target: { client, repository: inputs.image.repository },
          modelPath: inputs.modelPath as string,
          changes: {
            created,
            labels,
            annotations,
            env: inputs.env,
            ...(inputs.cmd ? { cmd: inputs.cmd } : {}),
            modelDest: inputs.modelDest,
          },
          epochSeconds: sourceDate.epochSeconds,
          workDir,
          ...(push ? { pushTags: tags } : {}),
          log: host.log,
        }).catch(explain('base-image', base.name, baseCredentials?.username));
        digest = result.image.digest;
        pushed = result.pushed;
        metadata = {
          labels,
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
        };
      } else {
        const built = await host.log.group(`Build ${host.inputs.display(dockerfile)} with ${builder}`, () =>
          buildDockerfileToLayout({
            builder: builder as 'docker' | 'buildah',
            build: {
              context: inputs.context,
              dockerfile,
              buildArgs: inputs.buildArgs,
              labels,
              annotations: inputs.annotations,
              platforms: inputs.platforms,
              epochSeconds: sourceDate.epochSeconds,
              insecureRegistries: isLoopbackRegistry(inputs.image.registry),
            },
            workDir,
            ...(credentials ? { registryAuth: { registry: inputs.image.registry, credentials } } : {}),
            log: host.log,
            secrets: host.secrets,
          }),
        );
        digest = built.digest;
        if (push) {
          pushed = await host.log
            .group(`Push ${digest}`, () =>
              pushImage(client, inputs.image.repository, { blobs: built.blobs, manifests: built.manifests, tags }),
            )
            .catch(explain('image', imageName, credentials?.username));
        }
        metadata = {
          labels,
          annotations: inputs.annotations,
          size: built.blobs.reduce((sum, blob) => sum + blob.source.size, 0),
          layers: built.blobs.slice(1).map((blob) => ({ digest: blob.source.digest, size: blob.source.size })),
        };
      }

      const references = tags.map((tag) => `${imageName}:${tag}`);
      const imageRef = `${imageName}@${digest}`;
      metadata = { builder, pushed: push, created, createdFrom: sourceDate.origin, ...metadata };
      const checks: ReportCheck[] = [
        {
          id: 'image.built',
          title: `Image built with ${builder}`,
          status: 'passed',
          severity: 'error',
          observed: { digest, size: metadata.size },
        },
        push
          ? {
              id: 'image.pushed',
              title: `Pushed ${imageName} with ${tags.length} tag(s)`,
              status: 'passed',
              severity: 'error',
              observed: pushed ? { tags, blobs: pushed.blobs, uploadedBytes: pushed.uploadedBytes } : { tags },
            }
          : {
              id: 'image.pushed',
              title: 'Not pushed',
              status: 'passed',
              severity: 'info',
              details: fromFork ? 'A pull request from a fork cannot push.' : "Input 'push' is false.",
            },
      ];
      const report = buildReport({
        action: host.action,
        headline: push ? `${imageRef} pushed as ${tags.join(', ')}` : `${digest} built, not pushed`,
        checks,
        run: reportRun(github),
        fields: { image: imageName, digest, imageRef, tags: references, metadata },
      });
      await host.publish({ report, markdown: renderStage(report) });
      host.setOutput('digest', digest);
      host.setOutput('image-ref', imageRef);
      host.setOutput('tags', references);
      host.setOutput('metadata', metadata);
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  },
});

import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  buildReport,
  ConfigurationError,
  defineAction,
  formatImageReference,
  imageLabels,
  isLoopbackRegistry,
  type ModelMetadata,
  openImageStore,
  type ReportCheck,
  readEventPayload,
  readMetricsFile,
  renderStage,
  reportRun,
  resolveSourceDate,
  resolveTags,
  tagContext,
} from '@mlops-actions/core';
import {
  type Built,
  buildDockerfile,
  buildLayers,
  credentialsFor,
  decideBuilder,
  explainAs,
  type Target,
} from './build.js';
import { getInputs } from './inputs.js';

/**
 * Builds a model-serving image with docker, buildah or (no daemon, no Dockerfile) by adding the model as
 * deterministic layers to a base image, and pushes it with tags only after every blob and the manifest are up.
 */
export const action = defineAction({
  name: 'build-image',
  async main(host) {
    const inputs = getInputs(host.inputs);
    host.setSecret(inputs.registryCredentials?.password);
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
    const builder = await decideBuilder(host, inputs, dockerfile);

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

    // A layout directory (oci:DIR) needs no credentials; a registry gets them by the one rule.
    const credentials = await credentialsFor(inputs.image.registry, inputs, host);
    const imageName = formatImageReference(inputs.image);
    const storeOptions = { workspace: github.workspace, logger: host.log };
    const target: Target = {
      client: openImageStore(inputs.image.registry, { ...storeOptions, credentials }),
      credentials,
      name: imageName,
      storeOptions,
    };
    if (push) {
      await target.client
        .checkAccess(inputs.image.repository, 'pull,push')
        .catch(explainAs('image', imageName, credentials?.username));
    }

    const workDir = await mkdtemp(join(github.runnerTemp, 'mlops-build-image-'));
    try {
      const pushTags = push ? tags : undefined;
      const facts = { created, labels, epochSeconds: sourceDate.epochSeconds };
      const built: Built =
        builder === 'layers'
          ? await buildLayers(host, inputs, target, { ...facts, sha: context.sha }, workDir, pushTags)
          : await buildDockerfile(
              host,
              inputs,
              builder,
              target,
              { ...facts, dockerfile, insecureRegistries: isLoopbackRegistry(inputs.image.registry) },
              workDir,
              pushTags,
            );
      const { digest, pushed } = built;
      const references = tags.map((tag) => `${imageName}:${tag}`);
      const imageRef = `${imageName}@${digest}`;
      const metadata: Record<string, unknown> = {
        builder,
        pushed: push,
        created,
        createdFrom: sourceDate.origin,
        ...built.metadata,
      };
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

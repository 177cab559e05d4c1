// build-image's pure step: from the checked inputs and what the run found out (builder, labels, source date) to
// the arguments of the build, as docker/build-push-action's getArgs. Table-tested in test/image/build-image-args.
import type { DockerfileBuild, ImageChanges } from '@mlops-actions/core';
import type { Inputs } from './inputs.js';

/** What the run decided before building, besides the inputs. */
export interface BuildFacts {
  dockerfile: string;
  labels: Record<string, string>;
  /** SOURCE_DATE_EPOCH of the image: timestamps and `created`. */
  epochSeconds: number;
  /** The image's registry is on loopback: plain HTTP for it, also in FROM. */
  insecureRegistries: boolean;
}

/** The Dockerfile build docker buildx and buildah run (their arguments: dockerBuildArgs, buildahBudArgs). */
export function dockerfileBuildOf(inputs: Inputs, facts: BuildFacts): DockerfileBuild {
  return {
    context: inputs.context,
    dockerfile: facts.dockerfile,
    buildArgs: inputs.buildArgs,
    labels: facts.labels,
    annotations: inputs.annotations,
    platforms: inputs.platforms,
    epochSeconds: facts.epochSeconds,
    insecureRegistries: facts.insecureRegistries,
  };
}

/** The manifest annotations of a layers build: created, the base's name (none for scratch), revision, the inputs'. */
export function layerAnnotations(
  inputs: Inputs,
  facts: { created: string; baseName: string | undefined; sha: string | undefined },
): Record<string, string> {
  return {
    'org.opencontainers.image.created': facts.created,
    ...(facts.baseName !== undefined ? { 'org.opencontainers.image.base.name': facts.baseName } : {}),
    ...(facts.sha ? { 'org.opencontainers.image.revision': facts.sha } : {}),
    ...inputs.annotations,
  };
}

/** What the layers builder changes in the base image's config. */
export function layerChangesOf(
  inputs: Inputs,
  facts: { created: string; labels: Record<string, string> },
  annotations: Record<string, string>,
): ImageChanges {
  return {
    created: facts.created,
    labels: facts.labels,
    annotations,
    env: inputs.env,
    ...(inputs.cmd ? { cmd: inputs.cmd } : {}),
    modelDest: inputs.modelDest,
  };
}

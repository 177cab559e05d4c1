import { ConfigurationError } from '../errors/index.js';
import { type MlflowClient, type ModelVersion, versionTags } from '../mlflow/client.js';
import type { Transaction } from './transaction.js';

/** The version tag that ties a model version to the commit it was trained and tested at. */
export const GIT_SHA_TAG = 'git_sha';

export interface ModelPromotionRequest {
  model: string;
  /** An explicit version; else the one whose `git_sha` tag is the commit. */
  version?: string | undefined;
  commit: string;
  alias?: string | undefined;
  /** Copy the version into this registered model (created when missing) and move the alias there. */
  targetModel?: string | undefined;
  /** Tags to write on the version (and its copy): release, image_digest, promoted_by, promoted_at, run_url. */
  tags: Record<string, string>;
  /** Tags that identify the promotion; when they already hold these values, the rest are not rewritten. */
  identityTags: readonly string[];
}

export interface TagChange {
  key: string;
  from: string | undefined;
  to: string;
}

export interface ModelPlan {
  request: ModelPromotionRequest;
  version: ModelVersion;
  tagChanges: TagChange[];
  /** The model the alias lives on: the target model when copying, else the model itself. */
  aliasModel: string;
  /** The version the alias named before, if it was set. */
  previousAlias: string | undefined;
  targetModelExists: boolean;
  /** Versions of the target model that are already copies of this version (a rerun's earlier copy). */
  existingCopies: ModelVersion[];
  /** Nothing to write: tags, copy and alias are already as the promotion would leave them. */
  noop: boolean;
}

export interface ModelOutcome {
  model: string;
  version: string;
  tags: TagChange[];
  copy?: { model: string; version: string; createdModel: boolean; createdVersion: boolean; tags: TagChange[] };
  alias?: { model: string; alias: string; from: string | undefined; to: string; moved: boolean };
}

/** Tags to write for `desired`: none when the identity tags already match (a rerun keeps the first timestamps). */
export function tagChanges(
  current: Record<string, string>,
  desired: Record<string, string>,
  identity: readonly string[],
): TagChange[] {
  if (identity.length > 0 && identity.every((key) => current[key] === desired[key])) return [];
  return Object.entries(desired)
    .filter(([key, value]) => current[key] !== value)
    .map(([key, to]) => ({ key, from: current[key], to }));
}

/** Finds the version to promote and reads the alias's current version. Reads only. */
export async function planModelPromotion(client: MlflowClient, request: ModelPromotionRequest): Promise<ModelPlan> {
  let version: ModelVersion;
  if (request.version !== undefined) {
    const found = await client.getModelVersion(request.model, request.version);
    if (!found) {
      throw new ConfigurationError(
        `Input 'mlflow-version': ${request.model} has no version ${request.version} at ${client.trackingUri}.`,
        { input: 'mlflow-version' },
      );
    }
    const sha = versionTags(found)[GIT_SHA_TAG];
    if (sha !== undefined && sha !== request.commit) {
      throw new ConfigurationError(
        `Input 'mlflow-version': ${request.model} version ${request.version} has ${GIT_SHA_TAG}=${sha}, not the released commit ${request.commit}: it is not the model that was tested with this release.`,
        { input: 'mlflow-version' },
      );
    }
    version = found;
  } else {
    if ((await client.getRegisteredModel(request.model)) === undefined) {
      throw new ConfigurationError(
        `Input 'mlflow-model': there is no registered model '${request.model}' at ${client.trackingUri}.`,
        {
          input: 'mlflow-model',
        },
      );
    }
    const matches = await client.findVersionsByTag(request.model, GIT_SHA_TAG, request.commit);
    if (matches.length === 0) {
      throw new ConfigurationError(
        `Input 'mlflow-version': no version of ${request.model} has the tag ${GIT_SHA_TAG}=${request.commit}; tag the version at registration or name it in 'mlflow-version'.`,
        { input: 'mlflow-version' },
      );
    }
    if (matches.length > 1) {
      throw new ConfigurationError(
        `Input 'mlflow-version': versions ${matches.map((match) => match.version).join(', ')} of ${request.model} all have ${GIT_SHA_TAG}=${request.commit}; name the one to promote.`,
        { input: 'mlflow-version' },
      );
    }
    version = matches[0] as ModelVersion;
  }
  const aliasModel = request.targetModel ?? request.model;
  const targetModelExists =
    request.targetModel === undefined || (await client.getRegisteredModel(request.targetModel)) !== undefined;
  const previousAlias =
    request.alias !== undefined && targetModelExists
      ? (await client.getAlias(aliasModel, request.alias))?.version
      : undefined;
  const existingCopies =
    request.targetModel !== undefined && targetModelExists ? await client.copiesOf(version, request.targetModel) : [];
  const desired = { [GIT_SHA_TAG]: request.commit, ...request.tags };
  const changes = tagChanges(versionTags(version), desired, request.identityTags);
  const copy = existingCopies[0];
  const aliasTarget = request.targetModel === undefined ? version.version : copy?.version;
  const noop =
    changes.length === 0 &&
    (request.targetModel === undefined ||
      (copy !== undefined && tagChanges(versionTags(copy), desired, request.identityTags).length === 0)) &&
    (request.alias === undefined || (aliasTarget !== undefined && previousAlias === aliasTarget));
  return {
    request,
    version,
    tagChanges: changes,
    aliasModel,
    previousAlias,
    targetModelExists,
    existingCopies,
    noop,
  };
}

async function writeTags(
  client: MlflowClient,
  transaction: Transaction,
  name: string,
  version: string,
  changes: readonly TagChange[],
): Promise<void> {
  for (const change of changes) {
    await transaction.step(
      `tag ${change.key} on ${name}/${version}`,
      async () => {
        if (change.from === undefined) await client.deleteModelVersionTag(name, version, change.key);
        else await client.setModelVersionTag(name, version, change.key, change.from);
        return `${name}/${version} tag ${change.key} ${change.from === undefined ? 'removed' : `back to ${change.from}`}`;
      },
      () => client.setModelVersionTag(name, version, change.key, change.to),
    );
  }
}

/** Tags the version, copies it into the target model, moves the alias: each step undone on a later failure. */
export async function executeModelPromotion(
  client: MlflowClient,
  plan: ModelPlan,
  transaction: Transaction,
): Promise<ModelOutcome> {
  const { request, version } = plan;
  await writeTags(client, transaction, version.name, version.version, plan.tagChanges);
  const outcome: ModelOutcome = { model: version.name, version: version.version, tags: plan.tagChanges };
  let aliasVersion = version.version;
  if (request.targetModel !== undefined) {
    const target = request.targetModel;
    const before = new Set(plan.existingCopies.map((copy) => copy.version));
    const copied = await transaction.step(
      `copy ${version.name}/${version.version} into ${target}`,
      async () => {
        if (!plan.targetModelExists) {
          if ((await client.getRegisteredModel(target)) === undefined) return undefined;
          await client.deleteRegisteredModel(target);
          return `${target} deleted (created by this promotion)`;
        }
        // Found by source, not by the answer: a copy whose answer was lost is removed too.
        const created = (await client.copiesOf(version, target)).filter((copy) => !before.has(copy.version));
        for (const copy of created) await client.deleteModelVersion(target, copy.version);
        return created.length > 0
          ? `${target} version ${created.map((copy) => copy.version).join(', ')} deleted (copied by this promotion)`
          : undefined;
      },
      () => client.copyModelVersion(version, target),
    );
    const copyTags = tagChanges(
      versionTags(copied.version),
      { [GIT_SHA_TAG]: request.commit, ...request.tags },
      copied.createdVersion ? [] : request.identityTags,
    );
    await writeTags(client, transaction, target, copied.version.version, copyTags);
    outcome.copy = {
      model: target,
      version: copied.version.version,
      createdModel: copied.createdModel,
      createdVersion: copied.createdVersion,
      tags: copyTags,
    };
    aliasVersion = copied.version.version;
  }
  if (request.alias !== undefined) {
    const alias = request.alias;
    const moved = plan.previousAlias !== aliasVersion;
    if (moved) {
      await transaction.step(
        `alias ${alias} of ${plan.aliasModel} → ${aliasVersion}`,
        async () => {
          if (plan.previousAlias === undefined) {
            if (!plan.targetModelExists) return undefined; // the model goes, and the alias with it
            await client.deleteAlias(plan.aliasModel, alias);
            return `alias ${alias} of ${plan.aliasModel} removed (it was not set before)`;
          }
          await client.setAlias(plan.aliasModel, alias, plan.previousAlias);
          return `alias ${alias} of ${plan.aliasModel} back to version ${plan.previousAlias}`;
        },
        () => client.setAlias(plan.aliasModel, alias, aliasVersion),
      );
    }
    outcome.alias = { model: plan.aliasModel, alias, from: plan.previousAlias, to: aliasVersion, moved };
  }
  return outcome;
}

import { ConfigurationError, describeThrown } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import { isMlflowError, type MlflowClient } from '../mlflow/client.js';
import { explainRegistryError } from '../oci/registry-problems.js';
import type { PromotionRecord, TargetRecord } from './audit.js';
import {
  copyPromotionContent,
  type ImagePlan,
  type ImageTarget,
  moveTags,
  planImagePromotion,
  type RepositoryEndpoint,
  sourceRef,
  type TargetContent,
  undoableEverywhere,
  verifyTargets,
} from './image.js';
import { executeModelPromotion, type ModelOutcome, type ModelPlan, planModelPromotion } from './model.js';
import {
  appendToReleaseNotes,
  findRelease,
  finishDeployments,
  type GitHubRecords,
  startDeployments,
} from './records.js';
import { evaluateRequiredChecks, type RequiredCheck } from './required-checks.js';
import { type RollbackResult, Transaction } from './transaction.js';

export interface ModelPromotionOptions {
  client: MlflowClient;
  model: string;
  version: string | undefined;
  alias: string | undefined;
  targetModel: string | undefined;
}

export interface PromotionOptions {
  commit: string;
  /** The release tag (v1.4.0) when the run is about one. */
  release: string | undefined;
  source: RepositoryEndpoint & { reference: string };
  targets: readonly ImageTarget[];
  requiredChecks: readonly string[];
  /** Where the gate reads checks and the audit goes (deployments, release notes); none outside GitHub. */
  github: GitHubRecords | undefined;
  model: ModelPromotionOptions | undefined;
  dryRun: boolean;
  promotedBy: string | undefined;
  runUrl: string | undefined;
  log: Logger;
  /** Credentials' user names per registry, to explain refusals. */
  usernames?: Record<string, string | undefined>;
  /**
   * A further gate on the resolved digest, read in the source repository before anything is written (the signed
   * release record): its check joins the required checks, and a failed one blocks the promotion.
   */
  admitDigest?: (source: RepositoryEndpoint, digest: string) => Promise<RequiredCheck>;
}

/** The version tags a promotion writes besides git_sha; the identity ones decide whether a rerun is a no-op. */
function promotionTags(options: PromotionOptions, digest: string, at: string): Record<string, string> {
  return {
    ...(options.release ? { release: options.release } : {}),
    image_digest: digest,
    promoted_by: options.promotedBy ?? 'unknown',
    promoted_at: at,
    ...(options.runUrl ? { run_url: options.runUrl } : {}),
  };
}

function explainPlanError(error: unknown, input: string, reference: string, username: string | undefined): unknown {
  if (isMlflowError(error, 'UNREACHABLE')) {
    return new ConfigurationError(`Input 'mlflow-tracking-uri': ${error.message}`, { input: 'mlflow-tracking-uri' });
  }
  return explainRegistryError(error, { input, reference, username });
}

function targetRecords(plan: ImagePlan, content?: Map<string, TargetContent>): TargetRecord[] {
  return plan.targets.map((target) => {
    const copied = content?.get(target.ref);
    return {
      name: target.name,
      ref: target.ref,
      previous: target.previous?.digest,
      digest: plan.digest,
      change: target.change,
      ...(copied
        ? { uploadedBytes: copied.uploadedBytes, blobs: copied.blobs, referrersCopied: copied.referrersCopied }
        : {}),
    };
  });
}

function modelPlanSummary(plan: ModelPlan): NonNullable<PromotionRecord['modelPlan']> {
  return {
    model: plan.version.name,
    version: plan.version.version,
    ...(plan.request.alias ? { alias: plan.request.alias } : {}),
    ...(plan.previousAlias ? { aliasFrom: plan.previousAlias } : {}),
    ...(plan.request.targetModel ? { targetModel: plan.request.targetModel } : {}),
  };
}

/**
 * Promotes the tested image and model version of a release as one step that is applied in full or not at all:
 *
 * 1. gate: every required check succeeded on the commit, else nothing happens;
 * 2. plan (reads only): the source resolved to one digest, what every target and the alias point at now, the
 *    model version by its git_sha tag; a plan that changes nothing ends here and says so;
 * 3. content by digest into every target repository (invisible until tagged, so nothing to undo);
 * 4. the tags, the version's tags, its copy and the alias, each with its undo registered first; new tags that
 *    only a tag deletion could undo go last; then every target is read back. A failure anywhere undoes what was
 *    done and names it.
 *
 * The audit record goes to deployments (one per target environment) and the release notes.
 */
export async function promote(options: PromotionOptions): Promise<PromotionRecord> {
  const { log } = options;
  const startedAt = new Date().toISOString();
  const record: PromotionRecord = {
    outcome: 'promoted',
    commit: options.commit,
    release: options.release,
    source: undefined,
    digest: undefined,
    targets: [],
    model: undefined,
    checks: [],
    promotedBy: options.promotedBy,
    promotedAt: startedAt,
    runUrl: options.runUrl,
  };

  if (options.requiredChecks.length > 0) {
    if (!options.github) {
      throw new ConfigurationError(
        "Input 'require-checks' needs 'github-token' and a repository (GITHUB_REPOSITORY) to read the checks.",
        { input: 'github-token' },
      );
    }
    const gate = await evaluateRequiredChecks(
      options.github.client,
      options.github.repository,
      options.commit,
      options.requiredChecks,
    );
    record.checks = gate.checks;
    if (!gate.passed) {
      record.outcome = 'blocked';
      return record;
    }
    log.info(`Required checks passed on ${options.commit.slice(0, 7)}: ${options.requiredChecks.join(', ')}.`);
  }

  const sourceText = sourceRef(options.source);
  const imagePlan = await planImagePromotion(options.source, options.targets).catch((error) => {
    throw explainPlanError(error, 'source', sourceText, options.usernames?.[options.source.registry]);
  });
  record.source = imagePlan.source.ref;
  record.digest = imagePlan.digest;
  record.targets = targetRecords(imagePlan);
  log.info(
    `${imagePlan.source.ref} is ${imagePlan.digest}${imagePlan.referrers.length ? ` with ${imagePlan.referrers.length} referrer(s)` : ''}.`,
  );
  if (options.admitDigest) {
    const admission = await options.admitDigest(options.source, imagePlan.digest);
    record.checks.push(admission);
    if (!admission.passed) {
      record.outcome = 'blocked';
      return record;
    }
  }

  let modelPlan: ModelPlan | undefined;
  if (options.model) {
    const model = options.model;
    modelPlan = await planModelPromotion(model.client, {
      model: model.model,
      version: model.version,
      commit: options.commit,
      alias: model.alias,
      targetModel: model.targetModel,
      tags: promotionTags(options, imagePlan.digest, startedAt),
      identityTags: ['git_sha', 'release', 'image_digest'],
    }).catch((error) => {
      throw explainPlanError(error, 'mlflow-model', model.model, undefined);
    });
    record.modelPlan = modelPlanSummary(modelPlan);
  }

  const missingReferrers = await Promise.all(
    imagePlan.targets
      .filter((target) => !target.sameRepositoryAsSource && imagePlan.referrers.length > 0)
      .map(async (target) => {
        const present = new Set(
          (await target.at.client.referrers(target.at.repository, imagePlan.digest)).map((entry) => entry.digest),
        );
        return imagePlan.referrers.some((referrer) => !present.has(referrer.digest));
      }),
  );
  const imageNoop =
    imagePlan.targets.every((target) => target.change === 'unchanged') && !missingReferrers.some(Boolean);
  if (imageNoop && (modelPlan === undefined || modelPlan.noop)) {
    record.outcome = 'unchanged';
    log.info(
      `Nothing to do: every target already is ${imagePlan.digest}${modelPlan ? ' and MLflow already records this promotion' : ''}.`,
    );
    return record;
  }
  if (options.dryRun) {
    record.outcome = 'dry-run';
    for (const target of imagePlan.targets) {
      log.info(
        `Would ${target.change === 'unchanged' ? 'keep' : 'point'} ${target.ref} (now ${target.previous?.digest ?? 'absent'}) at ${imagePlan.digest}.`,
      );
    }
    return record;
  }

  // Preflight of the audit trail: a token that may not write deployments fails here, before anything moved.
  const release = options.github && options.release ? await findRelease(options.github, options.release) : undefined;
  const deployments = options.github
    ? await startDeployments(
        options.github,
        options.commit,
        imagePlan.targets.map((target) => target.name),
        {
          digest: imagePlan.digest,
          source: imagePlan.source.ref,
          ...(modelPlan ? { model: modelPlan.version.name, version: modelPlan.version.version } : {}),
        },
      )
    : new Map<string, number>();

  const transaction = new Transaction();
  let content: Map<string, TargetContent> | undefined;
  let modelOutcome: ModelOutcome | undefined;
  try {
    content = await log.group(`Copy ${imagePlan.digest} into the target repositories`, () =>
      copyPromotionContent(imagePlan),
    );
    record.targets = targetRecords(imagePlan, content);
    const moves = await moveTags(imagePlan, content, transaction, undoableEverywhere);
    if (options.model && modelPlan) {
      modelOutcome = await executeModelPromotion(options.model.client, modelPlan, transaction);
      record.model = modelOutcome;
    }
    moves.push(...(await moveTags(imagePlan, content, transaction, (target) => !undoableEverywhere(target))));
    for (const move of moves) log.info(`${move.ref}: ${move.from ?? 'new'} → ${move.to}`);
    await verifyTargets(imagePlan);
    if (options.github) {
      if (release) await appendToReleaseNotes(options.github, release, record);
      await finishDeployments(options.github, deployments, 'success', `Promoted ${imagePlan.digest.slice(0, 19)}`);
    }
  } catch (error) {
    const rollback = await transaction.rollback();
    record.outcome = 'rolled-back';
    record.failure = describeThrown(error);
    record.rollback = rollback;
    for (const line of rollback.undone) log.warning(`Undone: ${line}`);
    for (const entry of rollback.failed) log.warning(`NOT undone: ${entry.step}: ${entry.error}`);
    if (options.github && deployments.size > 0) {
      await finishDeployments(
        options.github,
        deployments,
        'failure',
        rollback.failed.length === 0 ? 'Failed; every change was undone' : 'Failed; some changes could not be undone',
      ).catch((statusError) => log.warning(`Could not mark the deployments failed: ${describeThrown(statusError)}`));
    }
    throw new PromotionFailure(error, rollback, record);
  }
  return record;
}

/** A promotion that failed after changing things: what failed, and what the rollback did about it. */
export class PromotionFailure extends Error {
  readonly rollback: RollbackResult;
  readonly failure: unknown;
  /** The audit record of the failed promotion, for the report. */
  readonly record: PromotionRecord | undefined;

  constructor(failure: unknown, rollback: RollbackResult, record?: PromotionRecord) {
    const undone = rollback.undone.length > 0 ? ` Undone: ${rollback.undone.join('; ')}.` : ' Nothing had changed yet.';
    const left =
      rollback.failed.length > 0
        ? ` NOT undone (fix by hand): ${rollback.failed.map((entry) => `${entry.step}: ${entry.error}`).join('; ')}.`
        : '';
    super(`Promotion failed: ${describeThrown(failure)}${undone}${left}`);
    this.name = 'PromotionFailure';
    this.failure = failure;
    this.rollback = rollback;
    this.record = record;
  }
}

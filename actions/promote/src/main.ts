import type { KeyObject } from 'node:crypto';
import {
  type ActionHost,
  buildReport,
  ConfigurationError,
  carryCosignTag,
  createGitHubClient,
  defineAction,
  describeThrown,
  GateFailure,
  type GitHubRecords,
  givenCredentials,
  type ImageReference,
  type ImageStore,
  MlflowClient,
  mlflowAuthFromEnv,
  openImageStore,
  PromotionFailure,
  type PromotionRecord,
  promote,
  promotionHeadline,
  type RegistryCredentials,
  type ReportCheck,
  type RepositoryAt,
  readEventPayload,
  releaseRecordCheck,
  renderStage,
  reportRun,
  resolveRegistryCredentials,
} from '@mlops-actions/core';
import { getInputs, type Inputs } from './inputs.js';

/**
 * One store per registry (one for all OCI layout directories), each logged in by the one credentials rule
 * (chooseRegistryCredentials): the inputs for the image's registry only, else the stored login, else github-token
 * for ghcr.io.
 */
function registryClients(inputs: Inputs, host: ActionHost) {
  const clients = new Map<string, Promise<{ client: ImageStore; username: string | undefined }>>();
  const credentialsFor = async (registry: string): Promise<RegistryCredentials | undefined> => {
    const credentials = await resolveRegistryCredentials(
      registry,
      givenCredentials(inputs, host.github.actor),
      host.env,
    );
    host.setSecret(credentials?.password);
    return credentials;
  };
  return async (registry: string) => {
    let entry = clients.get(registry);
    if (!entry) {
      entry = credentialsFor(registry).then((credentials) => ({
        client: openImageStore(registry, { workspace: host.github.workspace, credentials, logger: host.log }),
        username: credentials?.username,
      }));
      clients.set(registry, entry);
    }
    return entry;
  };
}

/**
 * cosign's `.att` tag into every other target repository, so `cosign verify-attestation` finds the release record
 * there too (promote copied the record itself, as a referrer). The promotion is done by now: a failure warns.
 */
async function carryCosignTags(
  host: ActionHost,
  source: RepositoryAt,
  targets: readonly { at: RepositoryAt & { registry: string } }[],
  digest: string,
) {
  for (const target of targets) {
    if (target.at.client.baseUrl === source.client.baseUrl && target.at.repository === source.repository) continue;
    const where = `${target.at.registry}/${target.at.repository}`;
    try {
      if (await carryCosignTag(source, target.at, digest)) host.log.info(`${where}: cosign's attestation tag added.`);
    } catch (error) {
      host.log.warning(`${where}: could not add cosign's attestation tag (${describeThrown(error)}).`);
    }
  }
}

function reportChecks(record: PromotionRecord): ReportCheck[] {
  const checks: ReportCheck[] = record.checks.map((check) => ({
    id: `gate.${check.name}`,
    title: `Required check ${check.name}`,
    status: check.passed ? 'passed' : 'failed',
    severity: 'error',
    observed: { source: check.source, state: check.state },
    expected: 'success',
  }));
  const failed = record.outcome === 'rolled-back';
  for (const target of record.targets) {
    checks.push({
      id: `image.${target.ref}`,
      title: `${target.ref} → ${target.digest.slice(0, 19)}`,
      status: failed ? 'failed' : 'passed',
      severity: record.outcome === 'dry-run' ? 'info' : 'error',
      observed: { previous: target.previous ?? null, change: target.change, uploadedBytes: target.uploadedBytes ?? 0 },
      expected: target.digest,
    });
  }
  if (record.model ?? record.modelPlan) {
    const model = record.model;
    checks.push({
      id: 'mlflow',
      title: model
        ? `MLflow ${model.model} version ${model.version}${model.alias ? ` as ${model.alias.alias}` : ''}`
        : `MLflow ${record.modelPlan?.model} version ${record.modelPlan?.version}`,
      status: failed ? 'failed' : 'passed',
      severity: model ? 'error' : 'info',
      observed: model ?? record.modelPlan,
    });
  }
  return checks;
}

/**
 * Promotes the tested image (by digest, to every target) and model version (tags, copy, alias) of a release,
 * all or nothing, behind the required checks; the audit goes to the report, deployments and the release notes.
 */
export const action = defineAction({
  name: 'promote',
  async main(host) {
    const inputs = getInputs(host.inputs, host.env);
    host.setSecret(inputs.registryCredentials?.password);
    host.setSecret(inputs.githubToken);
    const mlflowAuth = mlflowAuthFromEnv(host.env);
    host.setSecret(mlflowAuth && 'token' in mlflowAuth ? mlflowAuth.token : mlflowAuth?.password);
    const { github } = host;
    const commit = github.sha;
    if (!commit || !/^[0-9a-f]{40}$/.test(commit)) {
      throw new ConfigurationError(
        'No commit to promote: GITHUB_SHA is missing. Run on a release (published) or a v* tag push.',
      );
    }
    const payload = await readEventPayload(github);
    const release: string | undefined =
      github.eventName === 'release'
        ? payload?.release?.tag_name
        : github.ref?.startsWith('refs/tags/')
          ? github.ref.slice('refs/tags/'.length)
          : undefined;
    if (release === undefined) {
      host.log.warning(
        `promote runs on ${github.eventName ?? 'no event'}, not on a release or tag push: no release notes to append to.`,
      );
    }

    const source: ImageReference = inputs.source ?? { ...inputs.image, tag: `sha-${commit.slice(0, 7)}` };
    const clientFor = registryClients(inputs, host);
    const sourceClient = await clientFor(source.registry);
    const targets = await Promise.all(
      inputs.targets.map(async (target) => ({
        name: target.name,
        tag: target.reference.tag,
        at: {
          client: (await clientFor(target.reference.registry)).client,
          registry: target.reference.registry,
          repository: target.reference.repository,
        },
      })),
    );
    const usernames: Record<string, string | undefined> = {};
    for (const registry of new Set([source.registry, ...inputs.targets.map((target) => target.reference.registry)])) {
      usernames[registry] = (await clientFor(registry)).username;
    }

    const { owner, repo } = github;
    const records: GitHubRecords | undefined =
      inputs.githubToken && owner && repo
        ? {
            client: createGitHubClient({ token: inputs.githubToken, apiUrl: github.apiUrl, log: host.log }),
            repository: { owner, repo },
            runUrl: github.runUrl,
          }
        : undefined;

    let record: PromotionRecord;
    let failure: PromotionFailure | undefined;
    try {
      record = await promote({
        commit,
        release,
        source: {
          client: sourceClient.client,
          registry: source.registry,
          repository: source.repository,
          reference: source.digest ?? (source.tag as string),
        },
        targets,
        requiredChecks: inputs.requireChecks,
        github: records,
        model: inputs.mlflow
          ? {
              client: new MlflowClient({
                trackingUri: inputs.mlflow.trackingUri,
                ...(mlflowAuth ? { auth: mlflowAuth } : {}),
                logger: host.log,
              }),
              model: inputs.mlflow.model,
              version: inputs.mlflow.version,
              alias: inputs.mlflow.alias,
              targetModel: inputs.mlflow.targetModel,
            }
          : undefined,
        dryRun: inputs.dryRun,
        promotedBy: github.actor,
        runUrl: github.runUrl,
        log: host.log,
        usernames,
        admitDigest: inputs.recordPublicKey
          ? (at, digest) => releaseRecordCheck(at, digest, inputs.recordPublicKey as KeyObject)
          : undefined,
      });
    } catch (error) {
      if (!(error instanceof PromotionFailure) || !error.record) throw error;
      failure = error;
      record = error.record;
    }

    if (record.digest && (record.outcome === 'promoted' || record.outcome === 'unchanged')) {
      await carryCosignTags(
        host,
        { client: sourceClient.client, repository: source.repository },
        targets,
        record.digest,
      );
    }

    const headline = promotionHeadline(record);
    const report = buildReport({
      action: 'promote',
      headline,
      checks: reportChecks(record),
      run: reportRun(github),
      fields: { promotion: record },
    });
    await host.publish({ report, markdown: renderStage(report) });
    if (record.digest) host.setOutput('digest', record.digest);
    const promoted = record.outcome === 'promoted' || record.outcome === 'unchanged';
    host.setOutput('promoted', promoted ? record.targets.map((target) => target.ref) : []);
    const version = record.model?.copy?.version ?? record.model?.version ?? record.modelPlan?.version;
    if (version) host.setOutput('mlflow-version', version);
    const previous: Record<string, string | null> = {};
    for (const target of record.targets) previous[target.ref] = target.previous ?? null;
    const alias = record.model?.alias;
    if (alias) previous[`models:/${alias.model}@${alias.alias}`] = alias.from ?? null;
    host.setOutput('previous', previous);

    if (failure) throw failure;
    if (record.outcome === 'blocked') throw new GateFailure(`Nothing promoted. ${headline}.`);
  },
});

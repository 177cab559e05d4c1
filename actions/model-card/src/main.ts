import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ActionHost,
  artifactsWritable,
  assembleCard,
  attachRecord,
  buildReport,
  type CardDestination,
  type CardEvidence,
  type CardPreviousVersion,
  ConfigurationError,
  createGitHubClient,
  defineAction,
  describeGitHubFailure,
  digestFiles,
  earlierProductionVersions,
  evaluateRequiredChecks,
  type FoundVersion,
  findMergingPullRequest,
  formatImageReference,
  type GitHubClient,
  givenCredentials,
  imageEvidence,
  isGitHubRequestError,
  type MainRunEvidence,
  MlflowClient,
  type ModelCard,
  type ModelCardConfig,
  mainRunEvidence,
  mlflowAuthFromEnv,
  mlflowAuthSecret,
  mlflowDescription,
  modelEvidence,
  openImageStore,
  parseConfig,
  previousOf,
  previousVersion,
  publishCard,
  type ReportCheck,
  type RepositoryRef,
  readEventPayload,
  readModelCardConfig,
  releaseStatement,
  renderModelCard,
  reportRun,
  resolveDataFiles,
  resolveRegistryCredentials,
  runApprovals,
  signStatement,
  updateReleaseNotes,
  uploadReleaseAsset,
  withModelCardSection,
} from '@mlops-actions/core';
import { getInputs, type Inputs } from './inputs.js';

async function readHumanParts(host: ActionHost, inputs: Inputs): Promise<ModelCardConfig> {
  const path = host.inputs.resolveConfined('config', inputs.config.path);
  if (!existsSync(path) && inputs.config.isDefault) {
    host.log.info(`No ${inputs.config.path}: intended use, limitations and owners say they were not written.`);
    return readModelCardConfig(parseConfig('', inputs.config.path));
  }
  return readModelCardConfig(await host.inputs.configFile('config', inputs.config.path));
}

interface GitHubAccess {
  client: GitHubClient;
  token: string;
  repository: RepositoryRef;
}

/** The release's tag and its release (id, upload URL) when the event is a release or a tag push. */
async function findRelease(host: ActionHost, github: GitHubAccess | undefined) {
  const payload = await readEventPayload(host.github);
  const tag: string | undefined =
    host.github.eventName === 'release'
      ? payload?.release?.tag_name
      : host.github.ref?.startsWith('refs/tags/')
        ? host.github.ref.slice('refs/tags/'.length)
        : undefined;
  if (!tag || !github) return { tag, release: undefined };
  try {
    const { data } = await github.client.rest.repos.getReleaseByTag({ ...github.repository, tag });
    return { tag, release: { id: data.id, uploadUrl: data.upload_url } };
  } catch (error) {
    if (isGitHubRequestError(error) && error.status === 404) return { tag, release: undefined };
    throw describeGitHubFailure(error, `Reading the release of ${tag}`);
  }
}

async function gatherEvidence(
  host: ActionHost,
  inputs: Inputs,
  commit: string,
  github: GitHubAccess | undefined,
  mlflow: MlflowClient | undefined,
  tag: string | undefined,
) {
  const { log } = host;
  const human = await readHumanParts(host, inputs);
  const dataFiles =
    inputs.data.length === 0
      ? []
      : await digestFiles(
          host.inputs.confinedFiles('data', await resolveDataFiles(inputs.data, host.github.workspace, 'data')),
        );

  const image = inputs.image;
  const source = inputs.source ?? { ...image, tag: `sha-${commit.slice(0, 7)}` };
  const credentials = await resolveRegistryCredentials(
    source.registry,
    givenCredentials(inputs, host.github.actor),
    host.env,
  );
  host.setSecret(credentials?.password);
  const store = openImageStore(source.registry, { workspace: host.github.workspace, credentials, logger: log });
  const imageName = formatImageReference({ registry: source.registry, repository: source.repository });
  const imageFound = await log.group('The image', () =>
    imageEvidence(store, imageName, source.repository, source.digest ?? (source.tag as string)),
  );

  const folder = await mkdtemp(join(host.github.runnerTemp, 'model-card-'));
  const query = { workflow: inputs.mainWorkflow, branch: inputs.mainBranch };
  const main: MainRunEvidence = github
    ? await log.group(`${inputs.mainWorkflow} run of ${commit.slice(0, 7)}`, () =>
        mainRunEvidence({ ...github, log }, { ...query, commit }, folder),
      )
    : {};

  const model =
    mlflow && inputs.mlflow
      ? await modelEvidence(mlflow, inputs.mlflow.model, inputs.mlflow.version, commit)
      : undefined;
  /** An earlier version as the card shows it, with its training data's profile from its commit's main run. */
  const withMainRun = async (found: FoundVersion) => {
    const commitOf = previousOf(found, undefined).commit;
    const theirs =
      github && commitOf ? await mainRunEvidence({ ...github, log }, { ...query, commit: commitOf }, folder) : {};
    const shown = previousOf(found, theirs.profile);
    // Compare like with like: the earlier release's test-model metrics when its main run still has them.
    const reported = theirs.testReport?.metrics;
    if (reported && typeof reported === 'object')
      shown.metrics = { ...shown.metrics, ...(reported as Record<string, number>) };
    return { shown, profile: theirs.profile };
  };
  let previous: CardEvidence['previous'];
  let previousProfile: CardEvidence['previousProfile'];
  const earlier: CardPreviousVersion[] = [];
  if (mlflow && inputs.mlflow) {
    const { model: name, alias } = inputs.mlflow;
    const found = await previousVersion(mlflow, name, alias, model?.version.version);
    if (found) {
      ({ shown: previous, profile: previousProfile } = await withMainRun(found));
      const before = await earlierProductionVersions(
        mlflow,
        name,
        [model?.version.version, found.version.version],
        inputs.historyVersions - 1,
      );
      for (const version of before) earlier.push((await withMainRun(version)).shown);
    }
  }

  const evidence: CardEvidence = {
    commit,
    createdAt: new Date().toISOString(),
    release: {
      ...(tag ? { tag } : {}),
      ...(host.github.repository ? { repository: host.github.repository } : {}),
      ...(host.github.runUrl ? { runUrl: host.github.runUrl } : {}),
    },
    ...(model
      ? {
          model: {
            name: model.version.name,
            version: model.version.version,
            ...(model.run ? { runId: model.run.info.run_id } : {}),
            params: model.params,
            tags: model.tags,
          },
          modelWithoutRun: model.run === undefined,
        }
      : {}),
    ...(imageFound ? { image: imageFound } : {}),
    dataFiles,
    ...(main.dataReport ? { dataReport: main.dataReport } : {}),
    ...(main.profile ? { profile: main.profile } : {}),
    ...(main.testReport ? { testReport: main.testReport } : {}),
    ...(main.run ? { mainRun: main.run } : {}),
    checks: [],
    approvals: [],
    ...(previous ? { previous } : {}),
    ...(previousProfile ? { previousProfile } : {}),
    earlier,
    human,
  };
  if (github) {
    const pull = await findMergingPullRequest(github.client, github.repository, commit);
    if (pull) evidence.pullRequest = pull;
    evidence.checks = (
      await evaluateRequiredChecks(github.client, github.repository, commit, inputs.requireChecks)
    ).checks.map((check) => ({ name: check.name, state: check.state, passed: check.passed }));
    if (host.github.runId)
      evidence.approvals = await runApprovals(github.client, github.repository, Number(host.github.runId), commit);
  }
  return { evidence, store, source, imageName, model };
}

function reportChecks(card: ModelCard): ReportCheck[] {
  const checks: ReportCheck[] = card.missingEvidence.map((missing, index) => ({
    id: `evidence.${index + 1}`,
    title: `Missing: ${missing}`,
    status: 'warning',
    severity: 'warning',
  }));
  checks.push({
    id: 'tests',
    title: card.tests ? `Tests: ${card.tests.summary}` : 'No test result',
    status: card.tests?.passed ? 'passed' : 'warning',
    severity: 'warning',
  });
  return checks;
}

/**
 * Gathers the evidence of a release, writes the card, signs it into the image's release record and puts it on
 * the release and in MLflow. Runs before promote: promote's require-record then verifies this record.
 */
export const action = defineAction({
  name: 'model-card',
  async main(host) {
    const inputs = getInputs(host.inputs, host.env);
    host.setSecret(inputs.registryCredentials?.password);
    host.setSecret(inputs.githubToken);
    host.setSecret(inputs.signingKeyText);
    const mlflowAuth = mlflowAuthFromEnv(host.env);
    host.setSecret(mlflowAuthSecret(mlflowAuth));
    const commit = host.github.sha;
    if (!commit || !/^[0-9a-f]{40}$/.test(commit)) {
      throw new ConfigurationError(
        'No release commit: GITHUB_SHA is missing. Run on a release (published) or a v* tag push.',
      );
    }
    const { owner, repo } = host.github;
    const github: GitHubAccess | undefined =
      inputs.githubToken && owner && repo
        ? {
            client: createGitHubClient({ token: inputs.githubToken, apiUrl: host.github.apiUrl, log: host.log }),
            token: inputs.githubToken,
            repository: { owner, repo },
          }
        : undefined;
    const mlflow = inputs.mlflow
      ? new MlflowClient({
          trackingUri: inputs.mlflow.trackingUri,
          ...(mlflowAuth ? { auth: mlflowAuth } : {}),
          logger: host.log,
        })
      : undefined;

    const { tag, release } = await findRelease(host, github);
    const { evidence, store, source, imageName, model } = await gatherEvidence(
      host,
      inputs,
      commit,
      github,
      mlflow,
      tag,
    );
    const card = assembleCard(evidence);
    const markdown = renderModelCard(card);
    const json = `${JSON.stringify(card, null, 2)}\n`;
    const folder = join(host.github.runnerTemp, 'model-card');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'model-card.md'), markdown);
    await writeFile(join(folder, 'model-card.json'), json);
    for (const missing of card.missingEvidence) host.log.warning(`Model card: missing evidence: ${missing}.`);

    // Everything is computed before the first write (signed, rendered, cut); then each destination in turn.
    let recordDigest: string | undefined;
    const destinations: CardDestination[] = [];
    if (inputs.signingKey && evidence.image) {
      const subject = evidence.image.digest;
      const envelope = signStatement(releaseStatement(imageName, subject, card), inputs.signingKey);
      destinations.push({
        name: `the signed release record on ${imageName}@${subject}`,
        write: async () => {
          const attached = await attachRecord(store, source.repository, subject, envelope);
          recordDigest = attached.digest;
          for (const stale of attached.stale)
            host.log.warning(
              `The registry refused to delete the earlier release record ${stale} of ${imageName}@${subject}: promote may still read it.`,
            );
        },
      });
    } else if (!inputs.signingKey) {
      host.log.info('No signing-key: the card is not attached to the image as a signed release record.');
    }
    if (github && release) {
      const notes = renderModelCard(card, { headingLevel: 2 });
      destinations.push(
        {
          name: `release ${tag}: assets model-card.md and model-card.json`,
          write: async () => {
            for (const [name, content, type] of [
              ['model-card.md', markdown, 'text/markdown'],
              ['model-card.json', json, 'application/json'],
            ] as const) {
              await uploadReleaseAsset(github.client, github.repository, release, {
                name,
                contentType: type,
                content: Buffer.from(content),
              });
            }
          },
        },
        {
          name: `release ${tag}: the notes' model card section`,
          write: () =>
            updateReleaseNotes(github.client, github.repository, release.id, (body) =>
              withModelCardSection(body, notes),
            ),
        },
      );
    }
    if (mlflow && model) {
      const { name, version } = model.version;
      const run = model.run;
      if (run && artifactsWritable(run)) {
        destinations.push({
          name: `MLflow run ${run.info.run_id}: artifacts model-card/model-card.md and model-card.json`,
          write: async () => {
            await mlflow.logRunArtifact(run, 'model-card/model-card.md', Buffer.from(markdown), 'text/markdown');
            await mlflow.logRunArtifact(run, 'model-card/model-card.json', Buffer.from(json), 'application/json');
          },
        });
      } else if (run) {
        host.log.warning(
          `MLflow run ${run.info.run_id} keeps its artifacts at ${run.info.artifact_uri}, which the tracking server does not proxy: the card is in the version's description only.`,
        );
      }
      const description = mlflowDescription(markdown);
      destinations.push({
        name: `MLflow ${name} version ${version}: its description`,
        write: () => mlflow.setModelVersionDescription(name, version, description),
      });
    }
    await publishCard(destinations, host.log);

    const report = buildReport({
      action: 'model-card',
      headline:
        card.missingEvidence.length === 0
          ? `model card of ${card.model.name ?? 'the model'} ${card.model.version ?? ''}: complete`.replace(/ +/g, ' ')
          : `model card: ${card.missingEvidence.length} piece(s) of evidence missing`,
      checks: reportChecks(card),
      run: reportRun(host.github),
      fields: { modelCard: { missingEvidence: card.missingEvidence, record: recordDigest ?? null } },
    });
    await host.publish({ report, markdown });
    host.setOutput('markdown', join(folder, 'model-card.md'));
    host.setOutput('json', join(folder, 'model-card.json'));
    host.setOutput('missing-evidence', card.missingEvidence);
    host.setOutput('record', recordDigest ?? '');
  },
});

import {
  type ActionHost,
  buildReport,
  checkGateQueries,
  createDeployment,
  createGitHubClient,
  createPrometheusClient,
  createProvider,
  defineAction,
  deployChecks,
  deployHeadline,
  GateEvaluator,
  GateFailure,
  isDiagnosable,
  observeGate,
  readGate,
  renderStage,
  reportRun,
  runRollout,
  setDeploymentStatus,
} from '@mlops-actions/core';
import { getInputs, type Inputs } from './inputs.js';

/** State main leaves for the post step: whether traffic may have moved, whether main finished, the deployment. */
const STATE = { started: 'deploy-started', finished: 'deploy-finished', deployment: 'deploy-deployment-id' } as const;

function github(host: ActionHost, inputs: Inputs) {
  const { owner, repo } = host.github;
  if (!inputs.environment || !inputs.githubToken || !owner || !repo) return undefined;
  return {
    client: createGitHubClient({ token: inputs.githubToken, apiUrl: host.github.apiUrl, log: host.log }),
    repository: { owner, repo },
    environment: inputs.environment,
  };
}

/**
 * A gated A/B rollout. Everything that can be wrong with the inputs, the gate file, the provider or Prometheus is
 * checked before the first weight change; the post step puts all traffic back on the baseline if main did not
 * finish (cancelled, timed out, killed).
 */
export const action = defineAction({
  name: 'deploy',
  async main(host) {
    const inputs = getInputs(host.inputs);
    host.setSecret(inputs.githubToken);
    const gate = readGate(await host.inputs.configFile('gate', inputs.gate));
    const provider = await createProvider(inputs.provider, {
      logger: host.log,
      secrets: host.secrets,
      setSecret: (value) => host.setSecret(value),
    });
    await provider.preflight();
    const prometheus = createPrometheusClient({ url: inputs.prometheusUrl, retries: 2 });
    await checkGateQueries(prometheus, gate, { prometheus: 'prometheus-url', gate: 'gate' });

    const gh = github(host, inputs);
    if (inputs.environment && !gh) {
      host.log.warning(
        `No deployment recorded for '${inputs.environment}': github-token or GITHUB_REPOSITORY is missing.`,
      );
    }
    let deploymentId: number | undefined;
    const ref = host.github.sha ?? host.github.ref;
    if (gh && ref) {
      deploymentId = await createDeployment(gh.client, gh.repository, {
        ref,
        environment: gh.environment,
        description: `A/B rollout ${inputs.steps.join('→')}% by mlops-actions/deploy`,
        payload: { steps: inputs.steps, provider: inputs.provider.kind },
      });
      host.saveState(STATE.deployment, String(deploymentId));
      host.setOutput('deployment-id', deploymentId);
      await setDeploymentStatus(gh.client, gh.repository, deploymentId, {
        state: 'in_progress',
        description: `Rolling out: ${inputs.steps.join('→')}%`,
        logUrl: host.github.runUrl,
      });
    }

    const evaluator = new GateEvaluator(gate);
    const result = await runRollout({
      steps: inputs.steps,
      intervalMs: inputs.intervalMs,
      maxDurationMs: inputs.maxDurationMs,
      pollMs: inputs.pollMs,
      onNoData: inputs.onNoData,
      evaluator,
      provider,
      observe: (windowSeconds) => observeGate(prometheus, gate, windowSeconds),
      log: host.log,
      beforeWeightChange: () => host.saveState(STATE.started, 'true'),
    });
    host.saveState(STATE.finished, 'true');
    // A candidate that failed is explained by its pods: status, restarts, events and logs (Kubernetes providers).
    const diagnostics =
      result.decision === 'rolled-back' && isDiagnosable(provider) ? await provider.diagnose() : undefined;

    const headline = deployHeadline(result);
    host.setOutput('decision', result.decision);
    host.setOutput('final-weight', result.finalWeight);
    if (gh && deploymentId !== undefined) {
      await setDeploymentStatus(gh.client, gh.repository, deploymentId, {
        state: result.decision === 'promoted' ? 'success' : 'failure',
        description: headline,
        logUrl: host.github.runUrl,
      });
    }
    const report = buildReport({
      action: 'deploy',
      headline,
      checks: deployChecks(result),
      run: reportRun(host.github),
      fields: {
        decision: result.decision,
        finalWeight: result.finalWeight,
        reason: result.reason,
        candidate: candidateName(inputs.provider),
        provider: { kind: provider.kind, target: provider.target },
        gate: { alpha: gate.alpha, metricAlpha: evaluator.alpha, minSamples: gate.minSamples },
        steps: result.steps,
        looks: result.looks.length,
        durationMs: Math.round(result.durationMs),
        ...(deploymentId !== undefined ? { deploymentId } : {}),
        ...(diagnostics ? { candidatePods: diagnostics } : {}),
      },
    });
    await host.publish({ report, markdown: renderStage(report) });
    if (result.decision !== 'promoted') throw new GateFailure(`Deploy ${headline}`);
  },

  async post(host) {
    if (host.getState(STATE.started) !== 'true') return host.log.info('No traffic was moved: nothing to restore.');
    if (host.getState(STATE.finished) === 'true') return host.log.info('The rollout finished: nothing to restore.');
    const inputs = getInputs(host.inputs);
    host.setSecret(inputs.githubToken);
    const provider = await createProvider(inputs.provider, {
      logger: host.log,
      secrets: host.secrets,
      setSecret: (value) => host.setSecret(value),
    });
    host.log.warning('The rollout did not finish (cancelled, timed out or killed): restoring 100% baseline.');
    await provider.setCandidateWeight(0);
    host.log.info(`Restored: candidate 0%, baseline 100% (${provider.kind} ${provider.target}).`);
    const deploymentId = Number(host.getState(STATE.deployment));
    const gh = github(host, inputs);
    if (gh && Number.isInteger(deploymentId) && deploymentId > 0) {
      await setDeploymentStatus(gh.client, gh.repository, deploymentId, {
        state: 'failure',
        description: 'Rollout interrupted; all traffic restored to the baseline',
        logUrl: host.github.runUrl,
      });
    }
  },
});

/** How the reader knows the candidate: the command provider's name, nginx's candidate servers, the candidate
 * Service (gateway-api) or storageUri (kserve). */
function candidateName(provider: ReturnType<typeof getInputs>['provider']): string {
  if (provider.kind === 'command') return provider.candidate;
  if (provider.kind === 'nginx') return provider.split.candidate.join(', ');
  return provider.split.candidate;
}

import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import {
  buildReport,
  type CheckRunFacts,
  ConfigurationError,
  checkRunSummary,
  checkRunVerdict,
  combineReports,
  createCompletedCheckRun,
  createGitHubClient,
  defineAction,
  downloadArtifactsWithinLimits,
  type LoadedReport,
  loadUntrustedReport,
  type RejectedReport,
  type ReportCheck,
  readEventPayload,
  reportRun,
  resolveDataFiles,
  resolvePullRequest,
  STAGES,
} from '@mlops-actions/core';
import { getInputs } from './inputs.js';

const REPORT_ARTIFACT_PREFIX = 'mlops-report-';

/**
 * Combines the reports of this job (or, under workflow_run, of the triggering run's artifacts) into one sticky
 * comment. Reports are untrusted input: capped, schema-checked and escaped before anything is rendered.
 */
export const action = defineAction({
  name: 'report',
  async main(host) {
    const inputs = getInputs(host.inputs);
    host.setSecret(inputs.comment.token);
    const { github } = host;
    const files: { path: string; source: string }[] = [];
    const payload = await readEventPayload(github);

    if (inputs.fromArtifacts) {
      const runId = payload?.workflow_run?.id as number | undefined;
      if (!runId) {
        throw new ConfigurationError(
          "Input 'from-artifacts' needs a workflow_run event: it reads the triggering run's artifacts.",
          {
            input: 'from-artifacts',
          },
        );
      }
      if (!inputs.comment.token || !github.owner || !github.repo) {
        throw new ConfigurationError("Input 'from-artifacts' needs 'github-token' with actions: read.", {
          input: 'github-token',
        });
      }
      const client = createGitHubClient({ token: inputs.comment.token, apiUrl: github.apiUrl, log: host.log });
      const destination = await mkdtemp(join(github.runnerTemp, 'mlops-report-artifacts-'));
      const { downloaded, warnings } = await host.log.group(`Download report artifacts of run ${runId}`, () =>
        downloadArtifactsWithinLimits(
          client,
          { owner: github.owner!, repo: github.repo! },
          runId,
          REPORT_ARTIFACT_PREFIX,
          destination,
          { maxCount: inputs.maxArtifacts, maxTotalBytes: inputs.maxArtifactsBytes },
        ),
      );
      for (const warning of warnings) host.log.warning(warning.message);
      for (const artifact of downloaded) {
        const found = await resolveDataFiles([`${artifact.path}/*.json`], github.workspace, 'from-artifacts').catch(
          () => [],
        );
        if (found.length === 0) host.log.warning(`Artifact '${artifact.name}' holds no report (no .json file).`);
        for (const file of found)
          files.push({ path: file.path, source: `${artifact.name}/${file.path.split('/').at(-1)}` });
      }
    } else {
      const patterns =
        inputs.reports.length > 0 ? inputs.reports : [join(github.runnerTemp, 'mlops-reports', '*.json')];
      const found = await resolveDataFiles(patterns, github.workspace, 'reports').catch((error: unknown) => {
        // No reports at all is worth a warning, not a failure: the stages may all have been skipped.
        if (inputs.reports.length === 0) return [];
        throw error;
      });
      for (const file of found) files.push({ path: file.path, source: file.display });
    }

    const trustedRunPrefix = github.repository ? `${github.serverUrl}/${github.repository}/actions/runs/` : undefined;
    const loaded: LoadedReport[] = [];
    const rejected: RejectedReport[] = [];
    for (const file of files) {
      const result = await loadUntrustedReport(file.path, file.source, trustedRunPrefix);
      if ('report' in result) {
        if (result.report.action !== 'report') loaded.push(result);
      } else {
        rejected.push(result);
        host.log.warning(`Report ${result.source} ignored: ${result.reason}.`);
      }
    }
    if (loaded.length === 0) host.log.warning('No mlops-actions reports were found to combine.');

    const combined = combineReports(
      loaded.map((item) => item.report),
      github.runUrl,
    );
    const checks: ReportCheck[] = [
      ...STAGES.flatMap((stage) =>
        loaded
          .filter((item) => item.report.action === stage.action)
          .map((item) => ({
            id: `stage.${stage.label}`,
            title: `${stage.label}: ${item.report.headline}`.slice(0, 500),
            status: item.report.status,
            severity: 'error' as const,
            details: item.source,
          })),
      ),
      ...rejected.map((item, index) => ({
        id: `rejected.${index + 1}`,
        title: `Report ${item.source} ignored`.slice(0, 500),
        status: 'warning' as const,
        severity: 'warning' as const,
        details: item.reason,
      })),
    ];
    const report = buildReport({
      action: 'report',
      headline: `${loaded.length} report(s) combined${rejected.length ? `, ${rejected.length} ignored` : ''}`,
      checks,
      run: reportRun(github),
      fields: { combinedStatus: combined.status, shortened: combined.shortened },
    });
    const published = await host.publish({
      report,
      markdown: combined.full,
      commentMarkdown: combined.comment,
      comment: inputs.comment,
    });
    host.setOutput('status', combined.status);
    host.setOutput('comment-url', published.comment?.state === 'posted' ? (published.comment.url ?? '') : '');

    if (inputs.checkRun && inputs.comment.token && github.owner && github.repo) {
      const client = createGitHubClient({ token: inputs.comment.token, apiUrl: github.apiUrl, log: host.log });
      const repository = { owner: github.owner, repo: github.repo };
      const pull = await resolvePullRequest(client, repository, github, payload);
      const triggering = payload?.workflow_run as
        | { name?: string; conclusion?: string | null; head_sha?: string; head_repository?: { full_name?: string } }
        | undefined;
      const headSha = pull?.headSha ?? triggering?.head_sha ?? github.sha;
      if (headSha) {
        const verdict = checkRunVerdict(checkRunFacts(loaded, rejected.length, inputs.expectedStages, triggering));
        const headRepository = triggering?.head_repository?.full_name;
        const check = await createCompletedCheckRun(client, repository, {
          name: 'mlops-actions',
          headSha,
          conclusion: verdict.conclusion,
          title: verdict.title,
          summary: checkRunSummary(verdict, combined.comment, {
            fromFork: headRepository !== undefined && headRepository !== github.repository,
          }),
          ...(github.runUrl ? { detailsUrl: github.runUrl } : {}),
        });
        host.log.info(`Check run created (${verdict.conclusion}: ${verdict.title}): ${check.url}`);
      }
    }
  },
});

/** What the check run is decided from: stage reports, what is missing or ignored, the triggering run. */
function checkRunFacts(
  loaded: readonly LoadedReport[],
  ignoredReports: number,
  expectedStages: readonly string[],
  triggering: { name?: string; conclusion?: string | null } | undefined,
): CheckRunFacts {
  const reports = STAGES.flatMap((stage) =>
    loaded
      .filter((item) => item.report.action === stage.action)
      .map((item) => ({ stage: stage.label, status: item.report.status })),
  );
  return {
    reports,
    missingStages: expectedStages.filter((stage) => !reports.some((report) => report.stage === stage)),
    ignoredReports,
    ...(triggering
      ? { triggeringRun: { name: triggering.name ?? 'the triggering run', conclusion: triggering.conclusion } }
      : {}),
  };
}

import type { DigestedFile, ReleaseRecord } from '../release-record/index.js';
import type { Report } from '../report/index.js';
import { DEFAULT_DRIFT } from '../validation/dataset.js';
import type { DataProfile } from '../validation/profile.js';
import { profileDrift } from '../validation/profile-drift.js';
import type { ReportedDrift } from '../validation/render.js';
import type { ModelCardConfig } from './config.js';

export const MODEL_CARD_KIND = 'mlops-actions/model-card';

export interface CardImage {
  /** Repository without tag or digest, e.g. ghcr.io/acme/churn. */
  name: string;
  digest: string;
  labels: Record<string, string>;
}

export interface CardCheck {
  id: string;
  title: string;
  status: string;
}

export interface CardPullRequest {
  number: number;
  title: string;
  url: string;
  author: string;
  /** Reviewers whose latest review approved, with when. */
  approvers: { login: string; at: string | null }[];
}

export interface CardApproval {
  login: string;
  environments: string[];
  state: string;
  at: string | null;
  comment: string;
}

export interface CardPreviousVersion {
  version: string;
  /** When it went to production (promote's promoted_at tag), else when it was registered. */
  date?: string;
  runId?: string;
  commit?: string;
  metrics: Record<string, number>;
  /** Column names of its training data, when its main run's profile was found. */
  columns?: string[];
  rows?: number;
}

/** The model card: the release record's checked fields plus everything a reviewer reads. */
export interface ModelCard extends ReleaseRecord {
  kind: typeof MODEL_CARD_KIND;
  createdAt: string;
  release: { tag?: string; repository?: string; runUrl?: string };
  model: ReleaseRecord['model'] & {
    params: Record<string, string>;
    tags: Record<string, string>;
    image?: CardImage;
  };
  data: ReleaseRecord['data'] & {
    rows?: number;
    columns?: { name: string; type: string }[];
    suite?: { status: string; headline: string; checks: CardCheck[] };
    drift?: { share: number; datasetDrift: boolean; drifted: string[]; reference?: string };
    /**
     * This release's training data against the training data of the production version before it, profile
     * against profile (both from their main runs' validate-data).
     */
    driftFromPrevious?: ReportedDrift & { version: string; commit?: string };
  };
  evaluation?: {
    headline: string;
    status: string;
    metrics: Record<string, number>;
    tests: CardCheck[];
    slices: { column: string; value: string; rows: number; metrics: Record<string, number> }[];
    significance: { metric: string; delta: number; low: number; high: number; verdict: string }[];
  };
  process: {
    pullRequest?: CardPullRequest;
    checks: { name: string; state: string; passed: boolean }[];
    approvals: CardApproval[];
  };
  history: {
    previous?: CardPreviousVersion;
    metricDeltas: { metric: string; previous: number; current: number; delta: number }[];
    featuresAdded: string[];
    featuresRemoved: string[];
    rows?: { previous: number; current: number; change: number };
    /**
     * The production versions before this release, newest first (the previous one, then those promote promoted
     * before it), each with what changed from the one before it.
     */
    versions?: (CardPreviousVersion & { changes?: VersionChanges })[];
  };
  human: ModelCardConfig;
}

/** What changed from one version to the next: metric deltas, features added or removed, rows. */
export type VersionChanges = Omit<ModelCard['history'], 'previous' | 'versions'>;

/** What was found about a release; `undefined` means not found, and the card names it as missing evidence. */
export interface CardEvidence {
  commit: string;
  createdAt: string;
  release: ModelCard['release'];
  model?: {
    name: string;
    version: string;
    runId?: string;
    params: Record<string, string>;
    tags: Record<string, string>;
  };
  /** Set when the model version was found but has no run. */
  modelWithoutRun?: boolean;
  image?: CardImage & { layers: DigestedFile[] };
  dataFiles: DigestedFile[];
  dataReport?: Report;
  profile?: DataProfile;
  testReport?: Report;
  mainRun?: { id: number; url: string };
  pullRequest?: CardPullRequest;
  checks: ModelCard['process']['checks'];
  approvals: CardApproval[];
  previous?: CardPreviousVersion;
  /** Production versions before `previous`, newest first. */
  earlier?: CardPreviousVersion[];
  /** The data profile of the previous version's training data (its commit's main run). */
  previousProfile?: DataProfile;
  human: ModelCardConfig;
}

type Json = Record<string, any>;

function numbers(value: unknown): Record<string, number> {
  const result: Record<string, number> = {};
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value as Json)) if (typeof item === 'number') result[key] = item;
  }
  return result;
}

function reportChecks(report: Report): CardCheck[] {
  return report.checks.map((check) => ({ id: check.id, title: check.title, status: check.status }));
}

function evaluationOf(report: Report): NonNullable<ModelCard['evaluation']> {
  const slices = Array.isArray(report.slices) ? (report.slices as Json[]) : [];
  const significance = Array.isArray(report.significance) ? (report.significance as Json[]) : [];
  return {
    headline: report.headline,
    status: report.status,
    metrics: numbers(report.metrics),
    tests: reportChecks(report),
    slices: slices.map((slice) => ({
      column: String(slice.column),
      value: String(slice.value),
      rows: Number(slice.rows),
      metrics: numbers(slice.metrics),
    })),
    significance: significance.map((result) => ({
      metric: String(result.metric),
      delta: Number(result.delta),
      low: Number(result.low),
      high: Number(result.high),
      verdict: String(result.verdict),
    })),
  };
}

function driftOf(report: Report): ModelCard['data']['drift'] {
  const drift = report.drift as Json | null | undefined;
  if (!drift || typeof drift !== 'object') return undefined;
  const columns = Array.isArray(drift.columns) ? (drift.columns as Json[]) : [];
  return {
    share: Number(drift.share),
    datasetDrift: drift.datasetDrift === true,
    drifted: columns.filter((column) => column.drifted === true).map((column) => String(column.column)),
    ...(typeof report.reference === 'string' ? { reference: report.reference } : {}),
  };
}

/**
 * Drift of this release's training data against the previous production version's, from the two profiles; when
 * there is a previous version but its profile was not found, that is named as missing evidence.
 */
function driftFromPrevious(evidence: CardEvidence, missing: string[]): ModelCard['data']['driftFromPrevious'] {
  const { previous, previousProfile, profile } = evidence;
  if (!previous) return undefined;
  if (!previousProfile) {
    const where = previous.commit
      ? `the main-branch run of ${previous.commit.slice(0, 7)}`
      : 'its MLflow version has no git_sha tag';
    missing.push(`the training data profile of the previous production version ${previous.version} (${where})`);
    return undefined;
  }
  if (!profile) return undefined;
  const drift = profileDrift(previousProfile, profile, { settings: DEFAULT_DRIFT });
  return {
    version: previous.version,
    ...(previous.commit ? { commit: previous.commit } : {}),
    share: drift.share,
    datasetDrift: drift.datasetDrift,
    shareThreshold: drift.settings.share,
    columns: drift.columns,
    skipped: drift.skipped,
  };
}

/** Metric deltas, features added or removed and the change in rows against the previous production version. */
export function historyOf(
  current: { metrics: Record<string, number>; columns?: string[]; rows?: number },
  previous: CardPreviousVersion | undefined,
): ModelCard['history'] {
  if (!previous) return { metricDeltas: [], featuresAdded: [], featuresRemoved: [] };
  const metricDeltas = Object.keys(current.metrics)
    .filter((metric) => previous.metrics[metric] !== undefined)
    .sort()
    .map((metric) => {
      const now = current.metrics[metric] as number;
      const before = previous.metrics[metric] as number;
      return { metric, previous: before, current: now, delta: now - before };
    });
  const history: ModelCard['history'] = { previous, metricDeltas, featuresAdded: [], featuresRemoved: [] };
  if (current.columns && previous.columns) {
    const before = new Set(previous.columns);
    const now = new Set(current.columns);
    history.featuresAdded = current.columns.filter((column) => !before.has(column));
    history.featuresRemoved = previous.columns.filter((column) => !now.has(column));
  }
  if (current.rows !== undefined && previous.rows !== undefined) {
    history.rows = { previous: previous.rows, current: current.rows, change: current.rows - previous.rows };
  }
  return history;
}

/** The previous version and the earlier ones, newest first, each with its changes from the one before it. */
export function productionHistory(
  previous: CardPreviousVersion | undefined,
  earlier: readonly CardPreviousVersion[],
): NonNullable<ModelCard['history']['versions']> {
  if (!previous) return [];
  const versions = [previous, ...earlier];
  return versions.map((version, index) => {
    const before = versions[index + 1];
    if (!before) return version;
    const { previous: _, ...changes } = historyOf(version, before);
    return { ...version, changes };
  });
}

/**
 * The card from what was found, pure. Whatever is missing is named in `missingEvidence` (the record then does
 * not admit the release: promote's require-record refuses it), and the tests pass only when the test-model
 * report of the main run says so.
 */
export function assembleCard(evidence: CardEvidence): ModelCard {
  const missing: string[] = [];
  if (!evidence.mainRun) missing.push(`the main-branch run of ${evidence.commit.slice(0, 7)}`);
  else {
    if (!evidence.dataReport) missing.push(`the validate-data report of run ${evidence.mainRun.id}`);
    if (!evidence.profile) missing.push(`the data profile (mlops-data-profile) of run ${evidence.mainRun.id}`);
    if (!evidence.testReport) missing.push(`the test-model report of run ${evidence.mainRun.id}`);
  }
  if (!evidence.model) missing.push('the MLflow model version of the release commit');
  else if (evidence.modelWithoutRun)
    missing.push(`the MLflow run of ${evidence.model.name} version ${evidence.model.version}`);
  if (!evidence.image) missing.push('the image by digest');
  if (evidence.dataFiles.length === 0) missing.push('the training data files (their digests)');
  if (!evidence.pullRequest) missing.push(`the pull request that merged ${evidence.commit.slice(0, 7)}`);
  else if (evidence.pullRequest.approvers.length === 0)
    missing.push(`an approving review of #${evidence.pullRequest.number}`);

  const evaluation = evidence.testReport ? evaluationOf(evidence.testReport) : undefined;
  const columns = evidence.profile?.columns.map((column) => ({ name: column.name, type: column.type }));
  const rows =
    evidence.profile?.rows ?? (typeof evidence.dataReport?.rows === 'number' ? evidence.dataReport.rows : undefined);
  const dataReport = evidence.dataReport;
  const failedTests = evaluation?.tests.filter((test) => test.status === 'failed').length ?? 0;
  const previousDrift = driftFromPrevious(evidence, missing);
  return {
    schemaVersion: 1,
    kind: MODEL_CARD_KIND,
    commit: evidence.commit,
    createdAt: evidence.createdAt,
    release: evidence.release,
    model: {
      ...(evidence.model
        ? {
            name: evidence.model.name,
            version: evidence.model.version,
            ...(evidence.model.runId ? { runId: evidence.model.runId } : {}),
          }
        : {}),
      files: evidence.image?.layers ?? [],
      params: evidence.model?.params ?? {},
      tags: evidence.model?.tags ?? {},
      ...(evidence.image
        ? { image: { name: evidence.image.name, digest: evidence.image.digest, labels: evidence.image.labels } }
        : {}),
    },
    data: {
      files: evidence.dataFiles,
      ...(rows !== undefined ? { rows } : {}),
      ...(columns ? { columns } : {}),
      ...(dataReport
        ? { suite: { status: dataReport.status, headline: dataReport.headline, checks: reportChecks(dataReport) } }
        : {}),
      ...(dataReport && driftOf(dataReport) ? { drift: driftOf(dataReport) } : {}),
      ...(previousDrift ? { driftFromPrevious: previousDrift } : {}),
    },
    ...(evaluation ? { evaluation } : {}),
    tests: evaluation
      ? {
          passed: evaluation.status !== 'failed' && failedTests === 0,
          summary: evaluation.headline,
        }
      : undefined,
    process: {
      ...(evidence.pullRequest ? { pullRequest: evidence.pullRequest } : {}),
      checks: evidence.checks,
      approvals: evidence.approvals,
    },
    history: {
      ...historyOf(
        {
          metrics: evaluation?.metrics ?? {},
          ...(columns ? { columns: columns.map((column) => column.name) } : {}),
          ...(rows !== undefined ? { rows } : {}),
        },
        evidence.previous,
      ),
      versions: productionHistory(evidence.previous, evidence.earlier ?? []),
    },
    human: evidence.human,
    missingEvidence: missing,
  };
}

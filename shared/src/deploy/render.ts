// The verdict table: per step and metric, what was measured, how sure we are, and why the gate decided so.

import { type CandidateDiagnostics, renderCandidateDiagnostics } from '../kubernetes/index.js';
import { code, details, escapeText, formatNumber, heading, raw, table } from '../markdown/index.js';
import type { Report, ReportCheck } from '../report/report.js';
import type { MetricVerdict } from './evaluate.js';
import type { RolloutResult, StepRecord } from './rollout.js';

const DECISION_ICON: Record<MetricVerdict['decision'], string> = {
  harm: '❌',
  breach: '❌',
  'no-harm-shown': '✅',
  'non-inferior': '✅',
  within: '✅',
  'not-yet-non-inferior': '⏳',
  'too-few-samples': '⏳',
  'no-data': '⚠️',
};

const OUTCOME_TEXT: Record<StepRecord['outcome'], string> = {
  advanced: 'advanced',
  promoted: 'promoted',
  'rolled-back': 'rolled back',
  held: 'held at max-duration',
  interrupted: 'interrupted',
};

function percent(value: number | undefined): string {
  return value === undefined ? '' : `${formatNumber(value * 100, 3)}%`;
}

function estimateCell(metric: MetricVerdict): string {
  const { baseline, candidate, difference } = metric.estimate;
  if (metric.kind === 'threshold') {
    return [
      baseline !== undefined ? `baseline ${formatNumber(baseline)}` : '',
      candidate !== undefined ? `candidate ${formatNumber(candidate)}` : '',
    ]
      .filter(Boolean)
      .join(' / ');
  }
  if (baseline === undefined || candidate === undefined || difference === undefined) return '';
  const sign = difference >= 0 ? '+' : '−';
  return `${percent(baseline)} → ${percent(candidate)} (${sign}${formatNumber(Math.abs(difference) * 100, 3)} pp)`;
}

function confidenceCell(metric: MetricVerdict): string {
  if (!metric.confidence || !metric.alpha) return '';
  const level = formatNumber((1 - metric.alpha) * 100, 4);
  return `${level}%: [${formatNumber(metric.confidence.lower * 100, 3)}, ${formatNumber(metric.confidence.upper * 100, 3)}] pp`;
}

function statisticCell(metric: MetricVerdict): string {
  if (metric.statistic === undefined || metric.threshold === undefined) return '';
  const compare = metric.statistic >= metric.threshold ? '≥' : '<';
  return `Λ ${formatNumber(metric.statistic, 3)} ${compare} ${formatNumber(metric.threshold, 4)}`;
}

/** One row per step and metric, from the step's last look. */
export function verdictRows(result: Pick<RolloutResult, 'steps'>) {
  return result.steps.flatMap((step) => (step.last?.metrics ?? []).map((metric) => ({ step, metric })));
}

export function renderVerdictTable(result: Pick<RolloutResult, 'steps'>): string {
  const rows = verdictRows(result).map(({ step, metric }) => [
    `${step.weight}%`,
    code(metric.metric),
    metric.role,
    metric.samples ? `${metric.samples.baseline} / ${metric.samples.candidate}` : '',
    estimateCell(metric),
    confidenceCell(metric),
    statisticCell(metric),
    raw(`${DECISION_ICON[metric.decision]} ${escapeText(metric.decision)}`),
    metric.why,
  ]);
  return table(
    [
      'Step',
      'Metric',
      'Role',
      'Samples (baseline / candidate)',
      'Estimate',
      'Confidence sequence',
      'Statistic vs threshold',
      'Decision',
      'Why',
    ],
    rows,
  );
}

export function renderStepsTable(result: Pick<RolloutResult, 'steps'>): string {
  return table(
    ['Step', 'Looks', 'Baked', 'Outcome', 'Gate'],
    result.steps.map((step) => [
      `${step.weight}%`,
      step.looks,
      step.endedAt !== undefined ? `${formatNumber((step.endedAt - step.startedAt) / 1000, 3)} s` : '',
      OUTCOME_TEXT[step.outcome],
      step.last ? `${step.last.decision}: ${step.last.why}` : '',
    ]),
    { align: ['right', 'right', 'right'] },
  );
}

/** What deploy's report carries for its section (the report's fields). */
export interface DeploySummaryInput {
  result: Pick<RolloutResult, 'decision' | 'finalWeight' | 'reason' | 'steps'>;
  alpha: number;
  metricAlpha: number;
  minSamples: number;
  /** The candidate: its image or the name the provider knows it by. */
  candidate?: string | undefined;
  runUrl?: string | undefined;
  diagnostics?: CandidateDiagnostics | undefined;
}

const HEADLINE_ICON = { promoted: '✅', 'rolled-back': '❌', inconclusive: '⚠️' } as const;
const DECISION_TEXT = { promoted: 'promoted', 'rolled-back': 'rolled back', inconclusive: 'inconclusive' } as const;

/** The weight the decision was taken at: a rollback ends at 0%, but it is the step it rolled back from that counts. */
export function decisionWeight(result: Pick<RolloutResult, 'decision' | 'finalWeight' | 'steps'>): number {
  if (result.decision !== 'rolled-back') return result.finalWeight;
  const step = [...result.steps].reverse().find((item) => item.outcome === 'rolled-back') ?? result.steps.at(-1);
  return step?.weight ?? result.finalWeight;
}

/** "rolled back at 5%: p95 latency harm shown", the reason said once. */
export function deployHeadline(result: Pick<RolloutResult, 'decision' | 'finalWeight' | 'reason' | 'steps'>): string {
  return `${DECISION_TEXT[result.decision]} at ${decisionWeight(result)}%: ${result.reason}`.slice(0, 300);
}

export function renderDeploySummary(input: DeploySummaryInput, options: { heading?: boolean } = {}): string {
  const { result } = input;
  const parts: string[] = [];
  if (options.heading !== false)
    parts.push(heading(3, raw(`${HEADLINE_ICON[result.decision]} ${escapeText('Deploy')}`)));
  const facts = [
    `**${escapeText(deployHeadline(result))}**`,
    `final candidate weight ${result.finalWeight}%`,
    ...(input.candidate ? [`candidate ${code(input.candidate).text}`] : []),
  ];
  parts.push(
    facts.join(' · '),
    escapeText(
      `Always-valid mixture SPRT per metric at α = ${formatNumber(input.metricAlpha, 4)} (gate α ${formatNumber(input.alpha, 4)}, Bonferroni), at least ${input.minSamples} requests per arm before any decision. Λ ≥ 1/α rejects: a guardrail's harm rolls back, a primary's non-inferiority allows promotion.`,
    ),
    renderVerdictTable(result),
    details('Steps', renderStepsTable(result)),
  );
  if (input.diagnostics) parts.push(renderCandidateDiagnostics(input.diagnostics));
  if (input.runUrl) parts.push(`<sub>[Workflow run](${encodeURI(input.runUrl)})</sub>`);
  return parts.join('\n\n');
}

/** deploy's section from its report alone, as the combined comment draws it. */
export function renderDeploySection(report: Report, options: { heading?: boolean } = {}): string {
  const gate = (report.gate ?? {}) as { alpha?: number; metricAlpha?: number; minSamples?: number };
  return renderDeploySummary(
    {
      result: {
        decision: report.decision as RolloutResult['decision'],
        finalWeight: report.finalWeight as number,
        reason: typeof report.reason === 'string' ? report.reason : report.headline,
        steps: (report.steps ?? []) as StepRecord[],
      },
      alpha: gate.alpha ?? 0,
      metricAlpha: gate.metricAlpha ?? 0,
      minSamples: gate.minSamples ?? 0,
      ...(typeof report.candidate === 'string' ? { candidate: report.candidate } : {}),
      ...(report.run.url ? { runUrl: report.run.url } : {}),
      // Shape checked by the report schema (deploy.candidatePods) before an untrusted report gets here.
      ...(report.candidatePods ? { diagnostics: report.candidatePods as CandidateDiagnostics } : {}),
    },
    options,
  );
}

/** The report's checks: one per metric from the last look, and the rollout's own outcome. */
export function deployChecks(result: RolloutResult): ReportCheck[] {
  const last = [...result.steps].reverse().find((step) => step.last && step.last.metrics.length > 0)?.last;
  const metrics: ReportCheck[] = (last?.metrics ?? []).map((metric) => ({
    id: `gate.${metric.metric}`,
    title: `${metric.metric} (${metric.role})`,
    status:
      metric.decision === 'harm' || metric.decision === 'breach'
        ? 'failed'
        : ['no-harm-shown', 'non-inferior', 'within'].includes(metric.decision)
          ? 'passed'
          : 'warning',
    severity: 'error',
    observed: {
      ...metric.estimate,
      ...(metric.samples ? { samples: metric.samples } : {}),
      ...(metric.statistic !== undefined ? { statistic: metric.statistic } : {}),
    },
    ...(metric.threshold !== undefined ? { expected: { threshold: metric.threshold } } : {}),
    details: `${metric.decision}: ${metric.why}`,
  }));
  return [
    ...metrics,
    {
      id: 'rollout',
      title: `Rollout ${DECISION_TEXT[result.decision]} at ${decisionWeight(result)}%`,
      status: result.decision === 'promoted' ? 'passed' : result.decision === 'rolled-back' ? 'failed' : 'warning',
      severity: 'error',
      observed: { decision: result.decision, finalWeight: result.finalWeight },
      details: result.reason,
    },
  ];
}

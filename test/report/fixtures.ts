import { buildReport, type Report } from '../../shared/src/index.js';

/** Reports as each action writes them (fields included): the combined comment and each action's section read them. */
const run = { repository: 'acme/churn', runId: '42', url: 'https://github.com/acme/churn/actions/runs/42' };

export function dataReport(): Report {
  return buildReport({
    action: 'validate-data',
    headline: '1 failed, 0 warnings of 3 checks on 120 rows',
    run,
    checks: [
      {
        id: 'column.age.max',
        title: 'age ≤ 120',
        status: 'failed',
        severity: 'error',
        observed: { failingRows: 4 },
        expected: { max: 120 },
        details: 'row 3: 130, row 9: 150, row 11: 999, row 40: 121',
      },
      {
        id: 'column.age.nulls',
        title: 'age nulls',
        status: 'passed',
        severity: 'error',
        observed: { nullFraction: 0.00047 },
        expected: { maxNullFraction: 0.01 },
      },
      {
        id: 'table.rows',
        title: 'row count',
        status: 'passed',
        severity: 'error',
        observed: 120,
        expected: { min: 12 },
      },
    ],
    fields: {
      rows: 120,
      reference: 'main profile',
      drift: {
        share: 0.5,
        shareThreshold: 0.5,
        datasetDrift: false,
        columns: [
          {
            column: 'age',
            kind: 'numeric',
            method: 'ks',
            statistic: 0.61,
            pValue: 1e-40,
            threshold: 0.05,
            drifted: true,
            approximate: false,
            distribution: { kind: 'numeric', edges: [18, 40, 62], reference: [0.75, 0.25], current: [0.2, 0.8] },
          },
          {
            column: 'income',
            kind: 'categorical',
            method: 'chisquare',
            statistic: 9.2,
            pValue: 0.01,
            threshold: 0.05,
            drifted: true,
            approximate: false,
            distribution: {
              kind: 'categorical',
              categories: ['low', '<b>high</b>', '(other)'],
              reference: [0.5, 0.3, 0.2],
              current: [0.1, 0.6, 0.3],
            },
          },
          {
            column: 'region',
            kind: 'categorical',
            method: 'psi',
            statistic: 0.05,
            threshold: 0.1,
            drifted: false,
            approximate: false,
          },
          {
            column: 'plan',
            kind: 'categorical',
            method: 'chisquare',
            statistic: 3,
            pValue: 0.4,
            threshold: 0.05,
            drifted: false,
            approximate: false,
          },
        ],
        skipped: [],
      },
    },
  });
}

export function modelReport(failed = true): Report {
  return buildReport({
    action: 'test-model',
    headline: failed ? 'churn: 1 of 2 tests failed' : 'churn: all 2 tests passed',
    run,
    checks: [
      { id: 'f1.max-drop', title: 'f1 drop ≤ 0.01', status: failed ? 'failed' : 'passed', severity: 'error' },
      { id: 'accuracy.min', title: 'accuracy ≥ 0.8', status: 'passed', severity: 'error' },
    ],
    fields: {
      model: 'churn',
      task: 'binary',
      examples: 500,
      metrics: { f1: failed ? 0.81 : 0.86, accuracy: 0.9, roc_auc: 0.93 },
      directions: { f1: 'higher', accuracy: 'higher', roc_auc: 'higher' },
      baseline: {
        label: 'main',
        metrics: { f1: 0.84, accuracy: 0.88, roc_auc: 0.93 },
        slices: [{ column: 'region', value: 'EU', rows: 200, metrics: { f1: 0.85 }, tooSmall: false }],
      },
      gates: [
        {
          id: 'f1.max-drop',
          metric: 'f1',
          kind: 'max-drop',
          limit: 0.01,
          observed: failed ? 0.03 : -0.02,
          status: failed ? 'failed' : 'passed',
          description: 'drop ≤ 0.01',
        },
        {
          id: 'accuracy.min',
          metric: 'accuracy',
          kind: 'min',
          limit: 0.8,
          observed: 0.9,
          status: 'passed',
          description: '≥ 0.8',
        },
      ],
      significance: [
        {
          metric: 'f1',
          delta: -0.03,
          low: -0.05,
          high: -0.01,
          confidence: 0.95,
          method: 'paired bootstrap',
          withinNoise: false,
          verdict: 'worse',
        },
      ],
      slices: [{ column: 'region', value: 'EU', rows: 200, metrics: { f1: 0.8 }, tooSmall: false }],
      sliceColumns: ['region'],
      sliceMinRows: 30,
      confusion: {
        labels: ['no', 'yes'],
        matrix: [
          [300, 20],
          [30, 150],
        ],
      },
      notes: [],
    },
  });
}

export const DIGEST = `sha256:1a2b${'c'.repeat(60)}`;

export function imageReport(): Report {
  return buildReport({
    action: 'build-image',
    headline: `ghcr.io/acme/churn@${DIGEST} pushed as pr-5`,
    run,
    checks: [{ id: 'image.built', title: 'Image built with layers', status: 'passed', severity: 'error' }],
    fields: {
      image: 'ghcr.io/acme/churn',
      digest: DIGEST,
      imageRef: `ghcr.io/acme/churn@${DIGEST}`,
      tags: ['ghcr.io/acme/churn:pr-5'],
      metadata: {
        builder: 'layers',
        pushed: true,
        size: 52_428_800,
        labels: {
          'ai.mlops.model.name': 'churn',
          'ai.mlops.model.version': '3f2a',
          'org.opencontainers.image.revision': 'abc123',
          'org.opencontainers.image.created': '2026-12-06T00:00:00Z',
        },
      },
    },
  });
}

export function deployReport(): Report {
  return buildReport({
    action: 'deploy',
    headline: 'rolled back at 5%: p95 latency harm shown',
    run,
    checks: [{ id: 'rollout', title: 'Rollout rolled back at 5%', status: 'failed', severity: 'error' }],
    fields: {
      decision: 'rolled-back',
      finalWeight: 0,
      reason: 'p95 latency harm shown',
      candidate: 'churn-canary',
      gate: { alpha: 0.05, metricAlpha: 0.025, minSamples: 100 },
      steps: [
        {
          weight: 5,
          startedAt: 0,
          endedAt: 60_000,
          looks: 3,
          outcome: 'rolled-back',
          last: {
            decision: 'rollback',
            why: 'harm',
            metrics: [
              {
                metric: 'latency_p95',
                kind: 'proportion',
                role: 'guardrail',
                samples: { baseline: 900, candidate: 120 },
                estimate: { baseline: 0.01, candidate: 0.05, difference: 0.04 },
                statistic: 80,
                threshold: 40,
                alpha: 0.025,
                decision: 'harm',
                why: 'Λ crossed 1/α',
              },
            ],
          },
        },
      ],
    },
  });
}

export function promoteReport(): Report {
  return buildReport({
    action: 'promote',
    headline: 'Promoted to production',
    run,
    checks: [],
    fields: {
      promotion: {
        outcome: 'promoted',
        commit: 'abc123',
        release: undefined,
        source: 'ghcr.io/acme/churn:pr-5',
        digest: DIGEST,
        targets: [
          {
            name: 'production',
            ref: 'ghcr.io/acme/churn:production',
            previous: `sha256:9f${'0'.repeat(62)}`,
            digest: DIGEST,
            change: 'move',
            uploadedBytes: 0,
          },
        ],
        model: {
          model: 'churn',
          version: '7',
          tags: [],
          alias: { model: 'churn', alias: 'champion', from: '6', to: '7', moved: true },
        },
        checks: [],
        promotedBy: 'octo',
        promotedAt: '2026-12-06T00:00:00Z',
        runUrl: undefined,
      },
    },
  });
}

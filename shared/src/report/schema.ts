/**
 * The JSON Schema of every action's report. `schemas/report.schema.json` is generated from it for editors and
 * other tools (`npm run schemas`), and a test keeps the two equal.
 */
const text = { type: 'string' } as const;
const number = { type: 'number' } as const;
const count = { type: 'integer', minimum: 0 } as const;
/** `schema` holds for the reports of `action` (JSON Schema's if/then, written as "not that action, or this"). */
const forStage = <T extends object>(action: string, schema: T) =>
  ({
    anyOf: [{ not: { type: 'object', required: ['action'], properties: { action: { const: action } } } }, schema],
  }) as const;

export const REPORT_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://mlops-actions.dev/schemas/report.schema.json',
  title: 'mlops-actions report',
  description:
    'The JSON report every mlops-actions action writes under RUNNER_TEMP/mlops-reports and names in its `report` output. Action-specific fields sit beside the common ones.',
  type: 'object',
  required: ['schemaVersion', 'action', 'status', 'headline', 'createdAt', 'run', 'checks'],
  properties: {
    schemaVersion: { const: 1 },
    action: { type: 'string', enum: ['validate-data', 'test-model', 'build-image', 'promote', 'deploy', 'report'] },
    status: { $ref: '#/$defs/status' },
    headline: { type: 'string', maxLength: 1000 },
    createdAt: { type: 'string', format: 'date-time' },
    run: {
      type: 'object',
      properties: {
        repository: { type: 'string' },
        sha: { type: 'string' },
        ref: { type: 'string' },
        runId: { type: 'string' },
        runAttempt: { type: 'string' },
        job: { type: 'string' },
        url: { type: 'string', format: 'uri' },
      },
      additionalProperties: false,
    },
    checks: {
      type: 'array',
      maxItems: 10000,
      items: {
        type: 'object',
        required: ['id', 'title', 'status', 'severity'],
        properties: {
          id: { type: 'string', minLength: 1, maxLength: 200 },
          title: { type: 'string', maxLength: 500 },
          status: { $ref: '#/$defs/status' },
          severity: { enum: ['error', 'warning', 'info'] },
          observed: {},
          expected: {},
          details: { type: 'string' },
        },
        additionalProperties: false,
      },
    },
  },
  // What each stage's section is drawn from: typed here so that a report artifact from another run (a fork's pull
  // request) renders only what its types allow. Extra fields stay allowed.
  allOf: [
    forStage('validate-data', {
      type: 'object',
      properties: { reference: text, drift: { $ref: '#/$defs/drift' }, engine: { $ref: '#/$defs/engine' } },
    }),
    forStage('test-model', { $ref: '#/$defs/testModel' }),
    forStage('build-image', { $ref: '#/$defs/image' }),
    forStage('deploy', { $ref: '#/$defs/deploy' }),
    forStage('promote', { type: 'object', properties: { promotion: { $ref: '#/$defs/promotion' } } }),
  ],
  $defs: {
    status: { enum: ['passed', 'warning', 'failed'] },
    numbers: { type: 'object', additionalProperties: number },
    // Which engine validate-data ran on; a remote one also says how many queries it sent and the bytes it returned.
    engine: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { enum: ['duckdb', 'spark', 'postgres'] },
        queries: count,
        bytesReceived: count,
        approximateQuantiles: {
          description:
            "Columns whose profile quantiles are the engine's estimates (past exact-rows), each point's rank within rankError × the column's finite count of its q's.",
          type: 'object',
          required: ['columns', 'rankError'],
          properties: {
            columns: { type: 'array', items: { type: 'string' } },
            rankError: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
          },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
    drift: {
      type: ['object', 'null'],
      required: ['share', 'columns', 'skipped'],
      properties: {
        share: number,
        shareThreshold: number,
        datasetDrift: { type: 'boolean' },
        columns: {
          type: 'array',
          maxItems: 10000,
          items: {
            type: 'object',
            required: ['column', 'method', 'statistic', 'threshold', 'drifted'],
            properties: {
              column: text,
              kind: { enum: ['numeric', 'categorical'] },
              method: text,
              statistic: number,
              pValue: number,
              threshold: number,
              drifted: { type: 'boolean' },
              approximate: { type: 'boolean' },
              bound: number,
              nonFinite: count,
              distribution: {
                type: 'object',
                required: ['kind', 'reference', 'current'],
                properties: {
                  kind: { enum: ['numeric', 'categorical'] },
                  edges: { type: 'array', maxItems: 101, items: number },
                  categories: { type: 'array', maxItems: 100, items: text },
                  reference: { type: 'array', maxItems: 100, items: number },
                  current: { type: 'array', maxItems: 100, items: number },
                },
              },
            },
          },
        },
        skipped: {
          type: 'array',
          items: { type: 'object', required: ['column', 'reason'], properties: { column: text, reason: text } },
        },
      },
    },
    testModel: {
      type: 'object',
      properties: {
        model: text,
        task: text,
        examples: count,
        threshold: number,
        metrics: { $ref: '#/$defs/numbers' },
        metricSources: { type: 'object', additionalProperties: text },
        directions: { type: 'object', additionalProperties: { enum: ['higher', 'lower'] } },
        baseline: {
          type: 'object',
          properties: {
            label: text,
            metrics: { $ref: '#/$defs/numbers' },
            url: text,
            sha: text,
            note: text,
            slices: { $ref: '#/$defs/slices' },
          },
        },
        gates: {
          type: 'array',
          maxItems: 10000,
          items: {
            type: 'object',
            required: ['id', 'metric', 'kind', 'limit', 'status', 'description'],
            properties: {
              id: text,
              metric: text,
              kind: { enum: ['min', 'max', 'max-drop', 'max-relative-drop', 'max-rise', 'max-gap'] },
              limit: number,
              observed: number,
              status: { enum: ['passed', 'failed', 'skipped'] },
              description: text,
              reason: text,
              slice: { type: 'object', required: ['column'], properties: { column: text, value: text } },
            },
          },
        },
        confusion: {
          type: 'object',
          required: ['labels', 'matrix'],
          properties: {
            labels: { type: 'array', maxItems: 1000, items: text },
            matrix: { type: 'array', maxItems: 1000, items: { type: 'array', items: count } },
          },
        },
        perClass: {
          type: 'array',
          items: {
            type: 'object',
            required: ['label'],
            properties: { label: text, precision: number, recall: number, f1: number, support: count },
          },
        },
        significance: {
          type: 'array',
          items: {
            type: 'object',
            required: ['metric', 'delta', 'low', 'high', 'confidence', 'withinNoise', 'verdict'],
            properties: {
              metric: text,
              delta: number,
              low: number,
              high: number,
              confidence: number,
              pValue: number,
              method: text,
              withinNoise: { type: 'boolean' },
              verdict: { enum: ['within noise', 'better', 'worse', 'higher', 'lower'] },
            },
          },
        },
        significanceNotes: { type: 'array', items: text },
        slices: { $ref: '#/$defs/slices' },
        sliceColumns: { type: 'array', items: text },
        sliceMinRows: count,
        notes: { type: 'array', items: text },
      },
    },
    slices: {
      type: 'array',
      maxItems: 10000,
      items: {
        type: 'object',
        required: ['column', 'value', 'rows', 'metrics'],
        properties: {
          column: text,
          value: text,
          rows: count,
          metrics: { $ref: '#/$defs/numbers' },
          tooSmall: { type: 'boolean' },
        },
      },
    },
    image: {
      type: 'object',
      properties: {
        image: text,
        digest: { type: 'string', pattern: '^[a-z0-9]+:[a-f0-9]{32,128}$' },
        imageRef: text,
        tags: { type: 'array', maxItems: 1000, items: text },
        metadata: {
          type: 'object',
          properties: {
            builder: text,
            pushed: { type: 'boolean' },
            size: count,
            labels: { type: 'object', additionalProperties: text },
          },
        },
      },
    },
    deploy: {
      type: 'object',
      properties: {
        decision: { enum: ['promoted', 'rolled-back', 'inconclusive'] },
        finalWeight: number,
        reason: text,
        candidate: text,
        gate: { type: 'object', properties: { alpha: number, metricAlpha: number, minSamples: count } },
        // Kubernetes providers on rollback: the candidate's pods (shared/src/kubernetes CandidateDiagnostics).
        candidatePods: {
          type: 'object',
          required: ['owner', 'pods'],
          properties: {
            owner: text,
            error: text,
            pods: {
              type: 'array',
              maxItems: 100,
              items: {
                type: 'object',
                required: ['name', 'phase', 'ready', 'containers', 'events'],
                properties: {
                  name: text,
                  phase: text,
                  ready: { type: 'boolean' },
                  containers: {
                    type: 'array',
                    maxItems: 100,
                    items: {
                      type: 'object',
                      required: ['name', 'ready', 'restarts', 'state', 'log', 'logAvailable'],
                      properties: {
                        name: text,
                        ready: { type: 'boolean' },
                        restarts: count,
                        state: text,
                        log: text,
                        logAvailable: { type: 'boolean' },
                      },
                    },
                  },
                  events: {
                    type: 'array',
                    maxItems: 100,
                    items: {
                      type: 'object',
                      required: ['type', 'reason', 'message', 'count'],
                      properties: { type: text, reason: text, message: text, count: number },
                    },
                  },
                },
              },
            },
          },
        },
        steps: {
          type: 'array',
          maxItems: 1000,
          items: {
            type: 'object',
            required: ['weight', 'startedAt', 'looks', 'outcome'],
            properties: {
              weight: number,
              startedAt: number,
              endedAt: number,
              looks: count,
              outcome: { enum: ['advanced', 'promoted', 'rolled-back', 'held', 'interrupted'] },
              last: {
                type: 'object',
                required: ['decision', 'why', 'metrics'],
                properties: {
                  decision: text,
                  why: text,
                  metrics: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['metric', 'role', 'estimate', 'decision', 'why'],
                      properties: {
                        metric: text,
                        role: text,
                        samples: {
                          type: 'object',
                          required: ['baseline', 'candidate'],
                          properties: { baseline: count, candidate: count },
                        },
                        estimate: {
                          type: 'object',
                          properties: { baseline: number, candidate: number, difference: number },
                        },
                        confidence: { type: 'object', properties: { lower: number, upper: number } },
                        statistic: number,
                        threshold: number,
                        alpha: number,
                        decision: {
                          enum: [
                            'harm',
                            'no-harm-shown',
                            'non-inferior',
                            'not-yet-non-inferior',
                            'within',
                            'breach',
                            'too-few-samples',
                            'no-data',
                          ],
                        },
                        why: text,
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
    promotion: {
      type: 'object',
      required: ['outcome', 'commit', 'targets', 'checks', 'promotedAt'],
      properties: {
        outcome: { enum: ['promoted', 'unchanged', 'dry-run', 'blocked', 'rolled-back'] },
        commit: text,
        release: text,
        source: text,
        digest: text,
        promotedBy: text,
        promotedAt: text,
        runUrl: text,
        failure: text,
        targets: {
          type: 'array',
          maxItems: 1000,
          items: {
            type: 'object',
            required: ['ref', 'digest', 'change'],
            properties: {
              ref: text,
              previous: text,
              digest: text,
              change: { enum: ['unchanged', 'move', 'create'] },
              uploadedBytes: count,
            },
          },
        },
        checks: { type: 'array' },
      },
    },
  },
} as const;

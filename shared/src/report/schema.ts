/**
 * The JSON Schema of every action's report. `schemas/report.schema.json` is generated from it for editors and
 * other tools (`npm run schemas`), and a test keeps the two equal.
 */
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
  $defs: {
    status: { enum: ['passed', 'warning', 'failed'] },
  },
} as const;

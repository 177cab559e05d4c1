import { describe, expect, test } from 'vitest';
import {
  baselineBranchOf,
  metricsArtifactName,
  parseSavedMetrics,
  partialArtifactPrefix,
  shouldSaveBaseline,
  workflowFileOf,
} from '../../shared/src/index.js';
import { exampleEvent } from '../support/events.js';

describe('baseline plumbing', () => {
  test.each([
    ['acme/churn/.github/workflows/ml.yml@refs/heads/main', 'ml.yml'],
    ['acme/churn/.github/workflows/nightly-eval.yaml@refs/pull/7/merge', 'nightly-eval.yaml'],
    ['', undefined],
    [undefined, undefined],
  ])('the workflow file of %s is %s', (ref, file) => {
    expect(workflowFileOf(ref)).toBe(file);
  });

  test('the baseline branch is the base of a pull request, else the default branch', () => {
    const pull = exampleEvent('pull_request', 'opened').payload;
    pull.pull_request.base.ref = 'release-2';
    expect(baselineBranchOf('pull_request', pull)).toBe('release-2');
    expect(baselineBranchOf('pull_request_target', pull)).toBe('release-2');
    const push = exampleEvent('push').payload;
    expect(baselineBranchOf('push', push)).toBe(push.repository.default_branch);
    expect(baselineBranchOf('push', undefined)).toBeUndefined();
  });

  test.each<[string, 'auto' | 'true' | 'false', string, string, boolean]>([
    ['auto saves on a push to the default branch', 'auto', 'push', 'master', true],
    ['auto does not save on a push to another branch', 'auto', 'push', 'feature', false],
    ['auto does not save on a pull request', 'auto', 'pull_request', 'master', false],
    ['true always saves', 'true', 'pull_request', '31/merge', true],
    ['false never saves', 'false', 'push', 'master', false],
  ])('%s', (_name, mode, eventName, refName, expected) => {
    const payload = { repository: { default_branch: 'master' } };
    expect(shouldSaveBaseline(mode, eventName, refName, payload)).toBe(expected);
  });

  test('artifact names keep to the characters artifacts allow', () => {
    expect(metricsArtifactName('churn model/v2')).toBe('mlops-metrics-churn-model-v2');
    expect(partialArtifactPrefix('Hello-World')).toBe('mlops-partial-Hello-World-');
  });

  test.each([
    ['not JSON', '{"mlopsMetrics": 1,', 'is not JSON'],
    ['not a saved metrics file', '{"accuracy": 0.9}', 'is not a metrics file saved by test-model'],
    [
      'a metric that is not a number',
      '{"mlopsMetrics": 1, "metrics": {"f1": "0.9"}}',
      "metric 'f1' is not a finite number",
    ],
  ])('a downloaded baseline that is %s is refused', (_name, text, message) => {
    expect(() => parseSavedMetrics(text, 'artifact', 'baseline')).toThrow(message);
  });
});

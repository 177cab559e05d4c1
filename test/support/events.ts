import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * Real webhook payloads from @octokit/webhooks-examples, and the GITHUB_* variables the runner derives from
 * each kind of event, so actions see what they would see on GitHub.
 */
interface ExampleGroup {
  name: string;
  actions: string[];
  examples: Record<string, unknown>[];
}

let examples: ExampleGroup[] | undefined;

function allExamples(): ExampleGroup[] {
  if (!examples) {
    const require = createRequire(import.meta.url);
    const path = require.resolve('@octokit/webhooks-examples/api.github.com/index.json');
    examples = JSON.parse(readFileSync(path, 'utf8')) as ExampleGroup[];
  }
  return examples;
}

export type EventName = 'pull_request' | 'pull_request_target' | 'push' | 'release' | 'workflow_run';

export interface WebhookEvent {
  name: EventName;
  payload: Record<string, any>;
}

/**
 * The first example payload of `name` (with `action` when given). pull_request_target uses the pull_request
 * payload, which GitHub sends for both.
 */
export function exampleEvent(name: EventName, action?: string): WebhookEvent {
  const source = name === 'pull_request_target' ? 'pull_request' : name;
  const group = allExamples().find((candidate) => candidate.name === source);
  const payload = group?.examples.find((example) => action === undefined || example.action === action);
  if (!payload) throw new Error(`no ${source}${action ? `.${action}` : ''} payload in @octokit/webhooks-examples`);
  return { name, payload: structuredClone(payload) as Record<string, any> };
}

/** The variables the runner sets for this event (GITHUB_SHA and GITHUB_REF differ by event kind). */
export function eventEnvironment(event: WebhookEvent): Record<string, string> {
  const { payload } = event;
  const repository: string = payload.repository?.full_name ?? 'octo-org/octo-repo';
  const env: Record<string, string> = { GITHUB_EVENT_NAME: event.name, GITHUB_REPOSITORY: repository };
  if (payload.repository?.owner?.login) env.GITHUB_REPOSITORY_OWNER = payload.repository.owner.login;
  const branchRef = (branch: string) => `refs/heads/${branch}`;
  switch (event.name) {
    case 'pull_request': {
      const number = payload.pull_request.number;
      env.GITHUB_REF = `refs/pull/${number}/merge`;
      env.GITHUB_REF_NAME = `${number}/merge`;
      env.GITHUB_SHA = payload.pull_request.merge_commit_sha ?? payload.pull_request.head.sha;
      env.GITHUB_HEAD_REF = payload.pull_request.head.ref;
      env.GITHUB_BASE_REF = payload.pull_request.base.ref;
      break;
    }
    case 'pull_request_target': {
      env.GITHUB_REF = branchRef(payload.pull_request.base.ref);
      env.GITHUB_REF_NAME = payload.pull_request.base.ref;
      env.GITHUB_SHA = payload.pull_request.base.sha;
      env.GITHUB_HEAD_REF = payload.pull_request.head.ref;
      env.GITHUB_BASE_REF = payload.pull_request.base.ref;
      break;
    }
    case 'push':
      env.GITHUB_REF = payload.ref;
      env.GITHUB_REF_NAME = String(payload.ref).replace(/^refs\/(heads|tags)\//, '');
      env.GITHUB_SHA = payload.after;
      break;
    case 'release':
      env.GITHUB_REF = `refs/tags/${payload.release.tag_name}`;
      env.GITHUB_REF_NAME = payload.release.tag_name;
      // The runner resolves the tag to its commit; the payload only names the target branch or SHA.
      env.GITHUB_SHA = /^[0-9a-f]{40}$/.test(payload.release.target_commitish)
        ? payload.release.target_commitish
        : '0000000000000000000000000000000000000001';
      break;
    case 'workflow_run':
      env.GITHUB_REF = branchRef(payload.repository.default_branch);
      env.GITHUB_REF_NAME = payload.repository.default_branch;
      env.GITHUB_SHA = payload.workflow_run.head_sha;
      break;
  }
  return env;
}

import * as core from '@actions/core';
import { createActionsHost } from './actions-host.js';
import { describeFailure, isDebugEnabled } from './failure.js';
import type { ActionDefinition } from './host.js';
import { publishFailureReport } from './publish.js';

/** Saved by main so that the `post:` run of the same entry point knows it is the post step (as actions/cache). */
export const POST_STATE = 'isPost';

/**
 * Runs one action as the runner invokes it. Failures set exit code 1 and never escape as an unhandled
 * rejection; the process is not force-exited, so cleanup in `finally` blocks always runs.
 */
export async function runAction(definition: ActionDefinition, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const host = createActionsHost(definition.name, env);
  const isPost = host.getState(POST_STATE) === 'true';
  let published = false;
  const publish = host.publish;
  host.publish = (publication) => {
    published = true;
    return publish(publication);
  };
  try {
    if (isPost) {
      if (definition.post) await definition.post(host);
      return;
    }
    if (definition.post) host.saveState(POST_STATE, 'true');
    await definition.main(host);
  } catch (error) {
    const failure = describeFailure(definition.name, error, isDebugEnabled(env));
    host.log.error(failure.message, failure.where);
    if (failure.stack) core.info(host.secrets.redact(failure.stack));
    process.exitCode = 1;
    // A stage that failed before its report still reaches the combined comment, as failed and why.
    if (!isPost && !published && definition.name !== 'report') {
      await publishFailureReport(host, definition.name, failure.message).catch((problem: unknown) =>
        host.log.debug(`No failure report: ${(problem as Error).message}`),
      );
    }
  }
}

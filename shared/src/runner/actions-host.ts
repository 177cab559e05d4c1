import * as core from '@actions/core';
import { readGithubEnvironment } from '../context/index.js';
import { environmentInputSource, InputReader } from '../inputs/index.js';
import type { AnnotationPosition, Logger } from '../log/index.js';
import { SecretMask } from '../secrets/index.js';
import { handOnReport, publishComment } from './comment.js';
import type { ActionHost } from './host.js';
import { outputText } from './host.js';
import { appendSummaryFile, writePublishedReport } from './publish.js';

function annotation(where: AnnotationPosition | undefined): core.AnnotationProperties {
  if (!where) return {};
  const properties: core.AnnotationProperties = {};
  if (where.title) properties.title = where.title;
  if (where.file) properties.file = where.file;
  if (where.line !== undefined) properties.startLine = where.line;
  if (where.column !== undefined) properties.startColumn = where.column;
  return properties;
}

/** A Logger that speaks the runner's workflow commands: groups, debug lines and file annotations. */
export function createActionsLogger(secrets: SecretMask): Logger {
  const clean = (text: string) => secrets.redact(text);
  return {
    debug: (message) => core.debug(clean(message)),
    info: (message) => core.info(clean(message)),
    notice: (message, where) => core.notice(clean(message), annotation(where)),
    warning: (message, where) => core.warning(clean(message), annotation(where)),
    error: (message, where) => core.error(clean(message), annotation(where)),
    group: (name, work) => core.group(clean(name), work),
  };
}

/** The host for a step on a GitHub runner: INPUT_* in, workflow command files out. */
export function createActionsHost(action: string, env: NodeJS.ProcessEnv = process.env): ActionHost {
  const secrets = new SecretMask();
  const github = readGithubEnvironment(env);
  const log = createActionsLogger(secrets);
  return {
    action,
    inputs: new InputReader(environmentInputSource(env), {
      workspace: github.workspace,
      boundary: { enforced: true, runnerTemp: env.RUNNER_TEMP },
    }),
    log,
    github,
    env,
    secrets,
    setSecret(value) {
      if (!value) return;
      core.setSecret(value);
      secrets.add(value);
    },
    setOutput(name, value) {
      core.setOutput(name, secrets.redact(outputText(value)));
    },
    async publish(publication) {
      const path = await writePublishedReport(github, secrets, publication);
      core.setOutput('report', path);
      const summaryPath = env.GITHUB_STEP_SUMMARY;
      if (summaryPath) await appendSummaryFile(summaryPath, publication.markdown, secrets);
      else log.debug('GITHUB_STEP_SUMMARY is not set: no job summary written.');
      const markdown = secrets.redact(publication.commentMarkdown ?? publication.markdown);
      if (!publication.comment) {
        // An action without a comment of its own (build-image, promote, deploy) hands its report on.
        const handed = await handOnReport(
          { markdown, report: publication.report, reportPath: path, github, log, env },
          'no comment of its own',
        );
        return { reportPath: path, ...(handed.state === 'handed-on' ? { comment: handed } : {}) };
      }
      const request = publication.comment;
      const comment = await log.group('PR comment', () =>
        publishComment(request, { markdown, report: publication.report, reportPath: path, github, log, env }),
      );
      return { reportPath: path, comment };
    },
    saveState: (name, value) => core.saveState(name, secrets.redact(value)),
    getState: (name) => core.getState(name) || undefined,
  };
}

import { describeThrown, GateFailure, isConfigurationError } from '../errors/index.js';
import type { AnnotationPosition } from '../log/index.js';

export interface FailureReport {
  message: string;
  where?: AnnotationPosition;
  /** Printed only when the step runs with debug logging. */
  stack?: string;
}

/**
 * How a thrown value is told to the user: the user's own mistakes and failed gates as one annotation that
 * points at the input or file; our bugs with a hint and, under debug logging only, the stack.
 */
export function describeFailure(action: string, error: unknown, debug: boolean): FailureReport {
  if (isConfigurationError(error)) {
    const { file, line, column, input } = error.location;
    const where: AnnotationPosition = { title: input ? `${action}: input '${input}'` : `${action}: configuration` };
    if (file) where.file = file;
    if (line !== undefined) where.line = line;
    if (column !== undefined) where.column = column;
    return { message: error.message, where };
  }
  if (error instanceof GateFailure) {
    return { message: error.message, where: { title: `${action}: checks failed` } };
  }
  const message =
    error instanceof Error
      ? `${error.message}`
      : `${action} failed with a thrown ${typeof error} (not an Error): ${describeThrown(error)}`;
  const hint = debug ? '' : ' (re-run with debug logging for the stack trace)';
  const report: FailureReport = { message: `${message}${hint}`, where: { title: `${action} failed` } };
  if (debug && error instanceof Error && error.stack) report.stack = error.stack;
  return report;
}

export function isDebugEnabled(env: NodeJS.ProcessEnv): boolean {
  return env.RUNNER_DEBUG === '1' || env.ACTIONS_STEP_DEBUG?.toLowerCase() === 'true';
}

/** Where in the user's configuration a mistake sits, so the annotation can point at it. */
export interface ConfigurationLocation {
  /** The action input that carried the mistake, e.g. `fail-on`. */
  input?: string;
  /** A configuration file, relative to the workspace where possible. */
  file?: string;
  line?: number;
  column?: number;
}

/**
 * A mistake in what the user gave us (an input, a config file, a data file). It is reported as one
 * `::error::` annotation without a stack trace; anything else that is thrown is treated as our bug.
 */
export class ConfigurationError extends Error {
  readonly location: ConfigurationLocation;

  constructor(message: string, location: ConfigurationLocation = {}) {
    super(message);
    this.name = 'ConfigurationError';
    this.location = location;
  }
}

/**
 * A check the user configured did not pass (a data check, a metric threshold, a deploy gate). The step fails, but
 * this is the action doing its job, so it is reported as one line like a configuration error, never with a stack.
 */
export class GateFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GateFailure';
  }
}

export function isConfigurationError(error: unknown): error is ConfigurationError {
  return error instanceof ConfigurationError;
}

/** Renders a thrown value that may not be an Error (a string, an object from a rejected promise). */
export function describeThrown(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

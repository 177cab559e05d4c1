/** Where an annotation points; GitHub shows it on that line of the file in the PR's diff. */
export interface AnnotationPosition {
  title?: string;
  file?: string;
  line?: number;
  column?: number;
}

/** What the core logs through. The runner's implementation emits workflow commands; tests use the others. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  notice(message: string, where?: AnnotationPosition): void;
  warning(message: string, where?: AnnotationPosition): void;
  error(message: string, where?: AnnotationPosition): void;
  /** Runs `work` inside a collapsible group (on the runner) or a timed progress block (in the CLI). */
  group<T>(name: string, work: () => Promise<T>): Promise<T>;
}

export type LogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error';

export interface LogEntry {
  level: LogLevel;
  message: string;
  where?: AnnotationPosition;
  /** Names of the enclosing groups, outermost first. */
  groups: string[];
}

/** Keeps every entry in memory, for tests that assert on what was logged. */
export class MemoryLogger implements Logger {
  readonly entries: LogEntry[] = [];
  readonly #groups: string[] = [];

  #push(level: LogLevel, message: string, where?: AnnotationPosition): void {
    this.entries.push({ level, message, ...(where ? { where } : {}), groups: [...this.#groups] });
  }

  debug(message: string): void {
    this.#push('debug', message);
  }
  info(message: string): void {
    this.#push('info', message);
  }
  notice(message: string, where?: AnnotationPosition): void {
    this.#push('notice', message, where);
  }
  warning(message: string, where?: AnnotationPosition): void {
    this.#push('warning', message, where);
  }
  error(message: string, where?: AnnotationPosition): void {
    this.#push('error', message, where);
  }
  async group<T>(name: string, work: () => Promise<T>): Promise<T> {
    this.#groups.push(name);
    try {
      return await work();
    } finally {
      this.#groups.pop();
    }
  }

  messages(level?: LogLevel): string[] {
    return this.entries.filter((entry) => !level || entry.level === level).map((entry) => entry.message);
  }
}

/** Logs nothing. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  notice() {},
  warning() {},
  error() {},
  group: (_name, work) => work(),
};

import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { type ConfigDocument, loadConfigFile } from '../config/index.js';
import { ConfigurationError } from '../errors/index.js';
import {
  type NumberBounds,
  parseBoolean,
  parseDuration,
  parseEnum,
  parseInteger,
  parseList,
  parseNumber,
} from './parsers.js';
import { ALLOW_OUTSIDE_WORKSPACE_INPUT, escapedPath, type WorkspaceBoundary } from './workspace.js';

/** Where raw input text comes from: the runner's INPUT_* variables, or the CLI's flags. */
export type InputSource = (name: string) => string | undefined;

/** The runner's convention: `INPUT_` + the name upper-cased with spaces as underscores; hyphens are kept. */
export function inputVariableName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

export function environmentInputSource(env: NodeJS.ProcessEnv): InputSource {
  return (name) => env[inputVariableName(name)];
}

export interface InputReaderOptions {
  /** Relative paths in inputs are resolved against this directory (the runner's GITHUB_WORKSPACE). */
  workspace: string;
  /** Whether and where paths read from inputs may lead; default not enforced. */
  boundary?: WorkspaceBoundary;
}

/** Typed readers over one input source. An empty input counts as not given, as on the runner. */
export class InputReader {
  readonly #source: InputSource;
  readonly #workspace: string;
  readonly #boundary: WorkspaceBoundary;

  constructor(source: InputSource, options: InputReaderOptions) {
    this.#source = source;
    this.#workspace = options.workspace;
    this.#boundary = options.boundary ?? { enforced: false };
  }

  optional(name: string): string | undefined {
    const value = this.#source(name)?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  required(name: string): string {
    const value = this.optional(name);
    if (value === undefined) {
      throw new ConfigurationError(`Input '${name}' is required but was not given.`, { input: name });
    }
    return value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.optional(name);
    return value === undefined ? fallback : parseBoolean(value, name);
  }

  integer(name: string, fallback: number, bounds?: NumberBounds): number;
  integer(name: string, fallback?: undefined, bounds?: NumberBounds): number | undefined;
  integer(name: string, fallback?: number, bounds: NumberBounds = {}): number | undefined {
    const value = this.optional(name);
    return value === undefined ? fallback : parseInteger(value, name, bounds);
  }

  number(name: string, fallback: number, bounds?: NumberBounds): number;
  number(name: string, fallback?: undefined, bounds?: NumberBounds): number | undefined;
  number(name: string, fallback?: number, bounds: NumberBounds = {}): number | undefined {
    const value = this.optional(name);
    return value === undefined ? fallback : parseNumber(value, name, bounds);
  }

  /** A duration in milliseconds; the fallback is written the way a user would (`60s`). */
  duration(name: string, fallback: string, bounds?: NumberBounds): number;
  duration(name: string, fallback?: undefined, bounds?: NumberBounds): number | undefined;
  duration(name: string, fallback?: string, bounds: NumberBounds = {}): number | undefined {
    const value = this.optional(name) ?? fallback;
    return value === undefined ? undefined : parseDuration(value, name, bounds);
  }

  list(name: string): string[] {
    const value = this.optional(name);
    return value === undefined ? [] : parseList(value);
  }

  requiredList(name: string): string[] {
    const items = this.list(name);
    if (items.length === 0) {
      throw new ConfigurationError(`Input '${name}' is required: give one or more items, comma or newline separated.`, {
        input: name,
      });
    }
    return items;
  }

  /** A user name and password given together (e.g. `registry-username`, `registry-password`), or neither. */
  userAndPassword(userInput: string, passwordInput: string): { username: string; password: string } | undefined {
    const username = this.optional(userInput);
    const password = this.optional(passwordInput);
    if ((username === undefined) !== (password === undefined)) {
      throw new ConfigurationError(`Inputs '${userInput}' and '${passwordInput}' go together: give both or neither.`, {
        input: username === undefined ? userInput : passwordInput,
      });
    }
    return username !== undefined && password !== undefined ? { username, password } : undefined;
  }

  enum<const T extends string>(name: string, allowed: readonly T[], fallback: T): T;
  enum<const T extends string>(name: string, allowed: readonly T[]): T | undefined;
  enum<const T extends string>(name: string, allowed: readonly T[], fallback?: T): T | undefined {
    const value = this.optional(name);
    return value === undefined ? fallback : parseEnum(value, name, allowed);
  }

  /** An absolute path resolved against the workspace, as the user wrote it relative to the repository. */
  path(name: string): string | undefined {
    const value = this.optional(name);
    return value === undefined ? undefined : this.resolvePath(value);
  }

  /** `path(name)`, `confined` to the workspace. */
  confinedPath(name: string): string | undefined {
    const path = this.path(name);
    return path === undefined ? undefined : this.confined(name, path);
  }

  /** A path that must exist; `kind` narrows it to a file or a directory. */
  async existingPath(name: string, kind: 'file' | 'directory' | 'any' = 'any'): Promise<string | undefined> {
    const path = this.path(name);
    if (path === undefined) return undefined;
    let stats: Awaited<ReturnType<typeof stat>>;
    try {
      stats = await stat(path);
    } catch {
      throw new ConfigurationError(`Input '${name}': '${this.display(path)}' does not exist.`, { input: name });
    }
    if (kind === 'file' && !stats.isFile()) {
      throw new ConfigurationError(`Input '${name}': '${this.display(path)}' is not a file.`, { input: name });
    }
    if (kind === 'directory' && !stats.isDirectory()) {
      throw new ConfigurationError(`Input '${name}': '${this.display(path)}' is not a directory.`, { input: name });
    }
    return path;
  }

  /**
   * The YAML or JSON file input `name` names (`path`: its value with defaults applied; the input itself, required,
   * when not given), confined like every input path and parsed with positions so later checks can name the line.
   */
  async configFile(name: string, path: string = this.required(name)): Promise<ConfigDocument> {
    const resolved = this.resolveConfined(name, path);
    return loadConfigFile(resolved, this.display(resolved), name);
  }

  /**
   * `path` (absolute, from input `name`) when it stays inside the workspace or RUNNER_TEMP after every symlink and
   * `..` is followed, or the boundary is not enforced, or the input allow-paths-outside-workspace is true.
   */
  confined(name: string, path: string): string {
    if (!this.#boundary.enforced) return path;
    const roots = [this.#workspace, ...(this.#boundary.runnerTemp ? [this.#boundary.runnerTemp] : [])];
    const escaped = escapedPath(path, roots);
    if (escaped === undefined || this.boolean(ALLOW_OUTSIDE_WORKSPACE_INPUT, false)) return path;
    const through = escaped === path ? '' : ` resolves to '${escaped}', which`;
    const temp = this.#boundary.runnerTemp ? ' and RUNNER_TEMP' : '';
    throw new ConfigurationError(
      `Input '${name}': '${this.display(path)}'${through} is outside the workspace (${this.#workspace})${temp}. ` +
        `Set '${ALLOW_OUTSIDE_WORKSPACE_INPUT}: true' to read it anyway.`,
      { input: name },
    );
  }

  /** Files found for input `name` (globs matched), each `confined`. */
  confinedFiles<T extends { path: string }>(name: string, files: readonly T[]): T[] {
    for (const file of files) this.confined(name, file.path);
    return [...files];
  }

  /** An input's path resolved against the workspace and `confined`. */
  resolveConfined(name: string, path: string): string {
    return this.confined(name, this.resolvePath(path));
  }

  resolvePath(path: string): string {
    return isAbsolute(path) ? path : resolve(this.#workspace, path);
  }

  /** How a path is shown to the user: relative to the workspace when inside it. */
  display(path: string): string {
    const inside = relative(this.#workspace, path);
    return inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside : path;
  }
}

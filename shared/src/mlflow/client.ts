import { type Logger, silentLogger } from '../log/index.js';
import {
  DEFAULT_RETRY,
  isRetryableStatus,
  parseRetryAfter,
  type RetryPolicy,
  retryDelayMs,
  sleep,
} from '../oci/retry.js';

/** Why an MLflow call failed: MLflow's own `error_code` when it answered, `UNREACHABLE` when it did not. */
export class MlflowError extends Error {
  readonly code: string;
  readonly status: number | undefined;

  constructor(code: string, message: string, status?: number) {
    super(message);
    this.name = 'MlflowError';
    this.code = code;
    this.status = status;
  }
}

export function isMlflowError(error: unknown, code?: string): error is MlflowError {
  return error instanceof MlflowError && (code === undefined || error.code === code);
}

export interface MlflowTag {
  key: string;
  value: string;
}

export interface ModelVersion {
  name: string;
  version: string;
  source: string;
  run_id?: string;
  run_link?: string;
  description?: string;
  status?: string;
  aliases?: string[];
  tags?: MlflowTag[];
  /** Milliseconds since the epoch. */
  creation_timestamp?: number | string;
}

/** A run as `runs/get` answers: its parameters, metrics and tags as lists of key/value pairs. */
export interface MlflowRun {
  info: { run_id: string; experiment_id: string; artifact_uri?: string; status?: string };
  data: {
    params?: { key: string; value: string }[];
    metrics?: { key: string; value: number; step?: number; timestamp?: number }[];
    tags?: MlflowTag[];
  };
}

export interface RegisteredModel {
  name: string;
  aliases?: { alias: string; version: string }[];
}

/** The credentials the MLflow clients read: MLFLOW_TRACKING_TOKEN (Bearer) or USERNAME/PASSWORD (Basic). */
export type MlflowAuth = { token: string } | { username: string; password: string };

export function mlflowAuthFromEnv(env: NodeJS.ProcessEnv): MlflowAuth | undefined {
  if (env.MLFLOW_TRACKING_TOKEN) return { token: env.MLFLOW_TRACKING_TOKEN };
  if (env.MLFLOW_TRACKING_USERNAME && env.MLFLOW_TRACKING_PASSWORD) {
    return { username: env.MLFLOW_TRACKING_USERNAME, password: env.MLFLOW_TRACKING_PASSWORD };
  }
  return undefined;
}

/** A run's artifact URI the tracking server proxies (`mlflow-artifacts:/<experiment>/<run>/artifacts`). */
const PROXIED_ARTIFACTS = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.*)$/;

/** Whether the run's artifacts can be written over REST (the server proxies its artifact store). */
export function artifactsWritable(run: MlflowRun): boolean {
  return PROXIED_ARTIFACTS.test(run.info.artifact_uri ?? '');
}

/** The secret part of the credentials (token or password), for the caller to mask. */
export function mlflowAuthSecret(auth: MlflowAuth | undefined): string | undefined {
  return auth && 'token' in auth ? auth.token : auth?.password;
}

export interface MlflowClientOptions {
  /** The tracking server, e.g. http://mlflow:5000 (the REST API lives under /api/2.0/mlflow/). */
  trackingUri: string;
  auth?: MlflowAuth;
  retry?: Partial<RetryPolicy>;
  requestTimeoutMs?: number;
  /** Versions per search page; default 200. */
  pageSize?: number;
  logger?: Logger;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** The tag keys a version carries, as a map. */
export function versionTags(version: Pick<ModelVersion, 'tags'>): Record<string, string> {
  return Object.fromEntries((version.tags ?? []).map((tag) => [tag.key, tag.value]));
}

/** A single-quoted string in MLflow's search filter grammar. */
function filterString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * A small client of the MLflow Model Registry REST API 2.0: versions, tags, aliases, and `copyModelVersion` as
 * the Python client's `copy_model_version` does it. Retries 429/5xx and broken connections; an answer MLflow
 * refused becomes an MlflowError carrying its `error_code` (an unknown alias is 400 INVALID_PARAMETER_VALUE).
 */
export class MlflowClient {
  readonly trackingUri: string;
  readonly #auth: MlflowAuth | undefined;
  readonly #policy: RetryPolicy;
  readonly #timeoutMs: number;
  readonly #log: Logger;
  readonly #pageSize: number;

  constructor(options: MlflowClientOptions) {
    this.#pageSize = options.pageSize ?? 200;
    this.trackingUri = options.trackingUri.replace(/\/+$/, '');
    this.#auth = options.auth;
    this.#policy = { ...DEFAULT_RETRY, attempts: 5, ...options.retry };
    this.#timeoutMs = options.requestTimeoutMs ?? 60_000;
    this.#log = options.logger ?? silentLogger;
  }

  #headers(): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'mlops-actions' };
    if (this.#auth && 'token' in this.#auth) headers.authorization = `Bearer ${this.#auth.token}`;
    else if (this.#auth) {
      headers.authorization = `Basic ${Buffer.from(`${this.#auth.username}:${this.#auth.password}`).toString('base64')}`;
    }
    return headers;
  }

  /** One REST call; GET parameters go in the query, others in a JSON body. */
  async call<T>(method: Method, path: string, parameters: Record<string, unknown> = {}): Promise<T> {
    let url = `${this.trackingUri}/api/2.0/mlflow/${path}`;
    if (method === 'GET') {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(parameters)) if (value !== undefined) query.set(key, String(value));
      if ([...query].length > 0) url += `?${query}`;
    }
    const what = `MLflow ${method} ${path}`;
    for (let attempt = 1; ; attempt++) {
      let status: number | undefined;
      let text = '';
      let retryAfter: number | undefined;
      let why: string;
      try {
        const response = await fetch(url, {
          method,
          headers: this.#headers(),
          ...(method === 'GET' ? {} : { body: JSON.stringify(parameters) }),
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
        status = response.status;
        text = await response.text();
        retryAfter = parseRetryAfter(response.headers.get('retry-after'));
        if (response.ok) return (text === '' ? {} : JSON.parse(text)) as T;
        why = `answered ${status}`;
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause;
        why = cause?.code ?? (error as Error).message;
      }
      const retryable = status === undefined || isRetryableStatus(status);
      if (!retryable || attempt >= this.#policy.attempts) {
        if (status === undefined) {
          throw new MlflowError(
            'UNREACHABLE',
            `${what}: ${this.trackingUri} could not be reached after ${attempt} attempt(s) (${why}).`,
          );
        }
        let parsed: { error_code?: string; message?: string } = {};
        try {
          parsed = JSON.parse(text) as typeof parsed;
        } catch {
          parsed = {};
        }
        const code = parsed.error_code ?? `HTTP_${status}`;
        const message = parsed.message ?? (text.slice(0, 200) || `status ${status}`);
        throw new MlflowError(code, `${what} answered ${status} ${code}: ${message}`, status);
      }
      const delay = retryDelayMs(attempt, this.#policy, retryAfter);
      this.#log.debug(`${what}: ${why}; retry ${attempt} in ${Math.round(delay)} ms`);
      await sleep(delay);
    }
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel | undefined> {
    try {
      return (await this.call<{ registered_model: RegisteredModel }>('GET', 'registered-models/get', { name }))
        .registered_model;
    } catch (error) {
      if (isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST')) return undefined;
      throw error;
    }
  }

  /** Creates the registered model; false when it already existed (as `copy_model_version` tolerates). */
  async createRegisteredModel(name: string): Promise<boolean> {
    try {
      await this.call('POST', 'registered-models/create', { name });
      return true;
    } catch (error) {
      if (isMlflowError(error, 'RESOURCE_ALREADY_EXISTS')) return false;
      throw error;
    }
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.call('DELETE', 'registered-models/delete', { name });
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion | undefined> {
    try {
      return (await this.call<{ model_version: ModelVersion }>('GET', 'model-versions/get', { name, version }))
        .model_version;
    } catch (error) {
      if (isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST')) return undefined;
      throw error;
    }
  }

  /** Every version matching an MLflow search filter, following page tokens. */
  async searchModelVersions(filter: string): Promise<ModelVersion[]> {
    const found: ModelVersion[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.call<{ model_versions?: ModelVersion[]; next_page_token?: string }>(
        'GET',
        'model-versions/search',
        { filter, max_results: this.#pageSize, page_token: pageToken },
      );
      found.push(...(page.model_versions ?? []));
      pageToken = page.next_page_token || undefined;
    } while (pageToken);
    return found;
  }

  /** Versions of `name` whose tag `key` is `value`, newest (highest number) first. */
  async findVersionsByTag(name: string, key: string, value: string): Promise<ModelVersion[]> {
    if (!/^[\w.-]+$/.test(key)) throw new Error(`findVersionsByTag: unsupported tag key '${key}'`);
    const versions = await this.searchModelVersions(
      `name = ${filterString(name)} and tags.${key} = ${filterString(value)}`,
    );
    return versions.sort((a, b) => Number(b.version) - Number(a.version));
  }

  /** Every version of `name`, newest (highest number) first. */
  async listVersions(name: string): Promise<ModelVersion[]> {
    const versions = await this.searchModelVersions(`name = ${filterString(name)}`);
    return versions.sort((a, b) => Number(b.version) - Number(a.version));
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    await this.call('POST', 'model-versions/set-tag', { name, version, key, value });
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    await this.call('DELETE', 'model-versions/delete-tag', { name, version, key });
  }

  async createModelVersion(version: {
    name: string;
    source: string;
    runId?: string | undefined;
    runLink?: string | undefined;
    description?: string | undefined;
    tags?: readonly MlflowTag[];
  }): Promise<ModelVersion> {
    const { model_version } = await this.call<{ model_version: ModelVersion }>('POST', 'model-versions/create', {
      name: version.name,
      source: version.source,
      ...(version.runId ? { run_id: version.runId } : {}),
      ...(version.runLink ? { run_link: version.runLink } : {}),
      ...(version.description ? { description: version.description } : {}),
      ...(version.tags && version.tags.length > 0 ? { tags: version.tags } : {}),
    });
    return model_version;
  }

  async deleteModelVersion(name: string, version: string): Promise<void> {
    await this.call('DELETE', 'model-versions/delete', { name, version });
  }

  /** The version an alias names, or undefined when the alias is not set (MLflow answers 400, not 404). */
  async getAlias(name: string, alias: string): Promise<ModelVersion | undefined> {
    try {
      return (await this.call<{ model_version: ModelVersion }>('GET', 'registered-models/alias', { name, alias }))
        .model_version;
    } catch (error) {
      if (isMlflowError(error, 'INVALID_PARAMETER_VALUE') && /alias .* not found/i.test(error.message))
        return undefined;
      if (isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST') && /alias/i.test(error.message)) return undefined;
      throw error;
    }
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.call('POST', 'registered-models/alias', { name, alias, version });
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.call('DELETE', 'registered-models/alias', { name, alias });
  }

  /** The run, or undefined when MLflow has none of that id (a version registered from a deleted or foreign run). */
  async getRun(runId: string): Promise<MlflowRun | undefined> {
    try {
      return (await this.call<{ run: MlflowRun }>('GET', 'runs/get', { run_id: runId })).run;
    } catch (error) {
      if (isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST')) return undefined;
      throw error;
    }
  }

  async setModelVersionDescription(name: string, version: string, description: string): Promise<void> {
    await this.call('PATCH', 'model-versions/update', { name, version, description });
  }

  /**
   * Uploads `content` as the artifact `path` of the run, through the tracking server's artifact proxy
   * (`mlflow server --serve-artifacts`, the default): the run's artifact URI must be `mlflow-artifacts:`. A store
   * the server does not proxy (s3:, gs:, a local path) cannot be written over REST, and that is an error.
   */
  async logRunArtifact(run: MlflowRun, path: string, content: Buffer, contentType: string): Promise<void> {
    const uri = run.info.artifact_uri ?? '';
    const proxied = PROXIED_ARTIFACTS.exec(uri);
    if (!proxied) {
      throw new MlflowError(
        'UNSUPPORTED_ARTIFACT_STORE',
        `MLflow run ${run.info.run_id} stores artifacts at ${uri || 'an unknown URI'}, which the tracking server does not proxy; start it with --serve-artifacts to log the model card there.`,
      );
    }
    const location = [...(proxied[1] as string).split('/'), ...path.split('/')]
      .filter((part) => part !== '')
      .map(encodeURIComponent)
      .join('/');
    const url = `${this.trackingUri}/api/2.0/mlflow-artifacts/artifacts/${location}`;
    const response = await fetch(url, {
      method: 'PUT',
      headers: { ...this.#headers(), 'content-type': contentType },
      body: content,
      signal: AbortSignal.timeout(this.#timeoutMs),
    }).catch((error: unknown) => {
      throw new MlflowError('UNREACHABLE', `MLflow PUT artifact ${path}: ${(error as Error).message}`);
    });
    if (!response.ok) {
      const text = await response.text();
      throw new MlflowError(
        `HTTP_${response.status}`,
        `MLflow PUT artifact ${path} answered ${response.status}: ${text.slice(0, 200)}`,
        response.status,
      );
    }
  }

  /** The run's artifacts directly under `path` (the root when empty). */
  async listRunArtifacts(runId: string, path = ''): Promise<{ path: string; is_dir: boolean; file_size?: number }[]> {
    const answer = await this.call<{ files?: { path: string; is_dir: boolean; file_size?: number }[] }>(
      'GET',
      'artifacts/list',
      { run_id: runId, ...(path ? { path } : {}) },
    );
    return answer.files ?? [];
  }

  /** Waits until a new version leaves PENDING_REGISTRATION; a FAILED_REGISTRATION is an error. */
  async waitUntilReady(name: string, version: string, timeoutMs = 60_000): Promise<ModelVersion> {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
      const current = await this.getModelVersion(name, version);
      if (!current) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Model version ${name}/${version} vanished.`);
      if (current.status === undefined || current.status === 'READY') return current;
      if (current.status === 'FAILED_REGISTRATION') {
        throw new MlflowError('FAILED_REGISTRATION', `MLflow failed to register ${name}/${version}.`);
      }
      if (Date.now() > deadline) {
        throw new MlflowError('TIMEOUT', `${name}/${version} was still ${current.status} after ${timeoutMs / 1000}s.`);
      }
      await sleep(delay);
    }
  }

  /**
   * Copies a version into the registered model `target`, creating the model when it is missing, the way the
   * Python client's `copy_model_version` does: source `models:/<name>/<version>`, the same run, run link,
   * description and tags. An earlier copy of the same version (same source) is reused, so a rerun adds nothing.
   */
  /** Versions of `target` copied from `source` (their source is `models:/<name>/<version>`), oldest first. */
  async copiesOf(source: Pick<ModelVersion, 'name' | 'version'>, target: string): Promise<ModelVersion[]> {
    const uri = `models:/${source.name}/${source.version}`;
    return (await this.searchModelVersions(`name = ${filterString(target)}`))
      .filter((version) => version.source === uri)
      .sort((a, b) => Number(a.version) - Number(b.version));
  }

  async copyModelVersion(
    source: ModelVersion,
    target: string,
  ): Promise<{ version: ModelVersion; createdModel: boolean; createdVersion: boolean }> {
    const uri = `models:/${source.name}/${source.version}`;
    const createdModel = await this.createRegisteredModel(target);
    if (!createdModel) {
      const existing = (await this.copiesOf(source, target))[0];
      if (existing) return { version: existing, createdModel, createdVersion: false };
    }
    const created = await this.createModelVersion({
      name: target,
      source: uri,
      runId: source.run_id,
      runLink: source.run_link,
      description: source.description,
      tags: source.tags ?? [],
    });
    return { version: await this.waitUntilReady(target, created.version), createdModel, createdVersion: true };
  }
}

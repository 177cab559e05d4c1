// A small client for the Prometheus HTTP API (instant queries only), with retries. It tells a query the server
// refused (a PromQL mistake: the user's) from a server that could not answer (down, 5xx, timeout: transient).

/** One series of an instant vector, or the value of a scalar. */
export interface PrometheusSample {
  metric: Record<string, string>;
  /** Prometheus sends values as strings: "NaN", "+Inf" and "-Inf" included. */
  value: number;
}

export type PrometheusFailureKind = 'unreachable' | 'server-error' | 'bad-query' | 'bad-response';

export class PrometheusError extends Error {
  readonly kind: PrometheusFailureKind;
  /** Prometheus's own errorType, e.g. `bad_data` for a parse error. */
  readonly errorType: string | undefined;

  constructor(message: string, kind: PrometheusFailureKind, errorType?: string) {
    super(message);
    this.name = 'PrometheusError';
    this.kind = kind;
    this.errorType = errorType;
  }
}

export interface PrometheusClientOptions {
  /** Base URL, e.g. http://prometheus:9090 (a path prefix such as /prom is kept). */
  url: string;
  /** Attempts after the first one for transient failures; default 3. */
  retries?: number;
  /** Milliseconds before the first retry, doubled each time; default 250. */
  retryDelayMs?: number;
  /** Per-request timeout; default 10 s. */
  timeoutMs?: number;
  /** Headers sent with every request (e.g. Authorization). */
  headers?: Record<string, string>;
  /** Injected for tests; default the global fetch. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

export interface PrometheusClient {
  readonly url: string;
  /** An instant query at the server's now. Throws PrometheusError. */
  query(promql: string): Promise<PrometheusSample[]>;
  /** Resolves when the server answers a trivial query; throws PrometheusError otherwise. */
  checkReachable(): Promise<void>;
}

interface ApiResponse {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function parseValue(text: unknown): number {
  if (typeof text !== 'string') return Number.NaN;
  return Number(text.replace(/^\+?Inf$/, 'Infinity').replace(/^-Inf$/, '-Infinity'));
}

/** Turns the `data` of a query answer into samples: vectors keep their labels, scalars have none. */
export function parseQueryData(data: ApiResponse['data']): PrometheusSample[] {
  const { resultType, result } = data ?? {};
  if (resultType === 'scalar' && Array.isArray(result)) return [{ metric: {}, value: parseValue(result[1]) }];
  if (resultType === 'vector' && Array.isArray(result)) {
    return result.map((item) => {
      const { metric, value } = item as { metric?: Record<string, string>; value?: [number, string] };
      return { metric: metric ?? {}, value: parseValue(value?.[1]) };
    });
  }
  throw new PrometheusError(
    `Prometheus answered a ${resultType ?? 'malformed'} result; an instant query must give a vector or a scalar`,
    'bad-response',
  );
}

export function createPrometheusClient(options: PrometheusClientOptions): PrometheusClient {
  const base = options.url.replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(base);
  } catch {
    throw new TypeError(`'${options.url}' is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`'${options.url}' is not an http(s) URL`);
  }
  const retries = options.retries ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 250;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? defaultSleep;

  const once = async (promql: string): Promise<PrometheusSample[]> => {
    let response: Response;
    try {
      // POST keeps long queries out of URL length limits; Prometheus accepts both.
      response = await doFetch(`${base}/api/v1/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...options.headers },
        body: new URLSearchParams({ query: promql }).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const cause = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : '';
      throw new PrometheusError(`Prometheus at ${base} could not be reached (${cause || 'no answer'})`, 'unreachable');
    }
    const text = await response.text();
    let body: ApiResponse | undefined;
    try {
      body = JSON.parse(text) as ApiResponse;
    } catch {
      body = undefined;
    }
    // 400 bad_data and 422 execution errors are the query's fault; retrying cannot help.
    if ((response.status === 400 || response.status === 422) && body?.status === 'error') {
      throw new PrometheusError(
        `${body.errorType ?? 'error'}: ${body.error ?? 'query refused'}`,
        'bad-query',
        body.errorType,
      );
    }
    if (!response.ok || body?.status !== 'success') {
      const reason = body?.error ?? (text.slice(0, 200) || response.statusText);
      throw new PrometheusError(`Prometheus at ${base} answered ${response.status}: ${reason}`, 'server-error');
    }
    return parseQueryData(body.data);
  };

  const query = async (promql: string): Promise<PrometheusSample[]> => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await once(promql);
      } catch (error) {
        const transient = error instanceof PrometheusError && error.kind !== 'bad-query';
        if (!transient || attempt >= retries) throw error;
        await sleep(retryDelayMs * 2 ** attempt);
      }
    }
  };

  return {
    url: base,
    query,
    async checkReachable() {
      await query('vector(1)');
    },
  };
}

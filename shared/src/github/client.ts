import { Octokit } from '@octokit/core';
import { paginateRest } from '@octokit/plugin-paginate-rest';
import { restEndpointMethods } from '@octokit/plugin-rest-endpoint-methods';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { ProxyAgent, fetch as proxiedFetch } from 'undici';
import type { Logger } from '../log/index.js';

// The same Octokit @actions/github builds (REST methods, pagination), plus retries and GitHub's pacing; made here
// so that the library needs nothing of the runner's packages.
const GitHubOctokit = Octokit.plugin(restEndpointMethods, paginateRest, retry, throttling);
export type GitHubClient = InstanceType<typeof GitHubOctokit>;

export interface GitHubClientOptions {
  token: string;
  /** GITHUB_API_URL: api.github.com, a GHES host, or the test emulator. */
  apiUrl: string;
  log: Logger;
  /** Retries of 5xx and 429 answers (exponential back-off); default 3. */
  retries?: number;
  /** Retries after a primary or secondary rate limit, waiting as GitHub says; default 2. */
  rateLimitRetries?: number;
  /**
   * Replaces the throttling plugin's request groups (`write`, `notifications`, …: Bottleneck groups). GitHub asks
   * for a second between writes and three between notifying ones; tests against the emulator pass faster groups.
   */
  pacing?: Record<string, unknown>;
  /** Where the proxy variables are read (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/**
 * An Octokit with GitHub's pagination, retry of server errors, and the throttling GitHub asks integrations to use
 * (writes spaced a second apart, waiting out `retry-after` on rate limits instead of failing the job).
 */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const { log } = options;
  const rateLimitRetries = options.rateLimitRetries ?? 2;
  const onLimit =
    (kind: string) =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      const again = retryCount < rateLimitRetries;
      log.warning(
        `GitHub ${kind} rate limit on ${request.method} ${request.url}; ${again ? `retrying in ${retryAfter}s` : 'giving up'}.`,
      );
      return again;
    };
  const fetchThroughProxy = proxyFetch(options.apiUrl, options.env ?? process.env);
  return new GitHubOctokit({
    auth: options.token,
    baseUrl: options.apiUrl.replace(/\/+$/, ''),
    log: {
      debug: (message: string) => log.debug(message),
      info: (message: string) => log.debug(message),
      warn: (message: string) => log.warning(message),
      error: (message: string) => log.debug(message),
    },
    retry: { retries: options.retries ?? 3 },
    throttle: { onRateLimit: onLimit('primary'), onSecondaryRateLimit: onLimit('secondary'), ...options.pacing },
    ...(fetchThroughProxy ? { request: { fetch: fetchThroughProxy } } : {}),
  });
}

/**
 * Self-hosted runners behind a proxy set HTTPS_PROXY/HTTP_PROXY and NO_PROXY, which @actions/github honours: the
 * API's host decides once (NO_PROXY: comma-separated hosts or domain suffixes, `*` for all), then every request goes
 * through undici's proxy agent; with no proxy for the host, Node's own fetch.
 */
export function proxyFetch(apiUrl: string, env: NodeJS.ProcessEnv): typeof fetch | undefined {
  const target = new URL(apiUrl);
  const proxy =
    target.protocol === 'https:'
      ? (env.https_proxy ?? env.HTTPS_PROXY ?? env.http_proxy ?? env.HTTP_PROXY)
      : (env.http_proxy ?? env.HTTP_PROXY);
  if (!proxy || bypassesProxy(target.hostname, env.no_proxy ?? env.NO_PROXY ?? '')) return undefined;
  const dispatcher = new ProxyAgent(proxy);
  return ((url: string | URL, init?: Record<string, unknown>) =>
    proxiedFetch(url, { ...init, dispatcher } as Parameters<typeof proxiedFetch>[1])) as unknown as typeof fetch;
}

function bypassesProxy(host: string, noProxy: string): boolean {
  return noProxy
    .split(',')
    .map((entry) =>
      entry
        .trim()
        .toLowerCase()
        .replace(/:\d+$/, '')
        .replace(/^\*?\./, ''),
    )
    .filter((entry) => entry !== '')
    .some((entry) => entry === '*' || host === entry || host.endsWith(`.${entry}`));
}

/** The shape of an Octokit RequestError, without importing its class (bundles may hold two copies). */
export interface GitHubRequestError {
  status: number;
  message: string;
  request?: { method?: string; url?: string };
}

export function isGitHubRequestError(error: unknown): error is GitHubRequestError {
  return typeof error === 'object' && error !== null && typeof (error as { status?: unknown }).status === 'number';
}

/** True for the 403 a read-only token (a fork's pull_request token) gets on every write. */
export function isReadOnlyTokenError(error: unknown): boolean {
  return isGitHubRequestError(error) && error.status === 403 && /not accessible by integration/i.test(error.message);
}

/**
 * Rewrites an Octokit failure into a message that names what we were doing and which resource, e.g.
 * "Reading pull request #9 of acme/churn failed: GitHub answered 404 Not Found (GET /repos/acme/churn/pulls/9)".
 */
export function describeGitHubFailure(error: unknown, doing: string): Error {
  if (!isGitHubRequestError(error)) return error instanceof Error ? error : new Error(String(error));
  const request = error.request?.url
    ? ` (${error.request.method ?? 'GET'} ${new URL(error.request.url).pathname})`
    : '';
  const hint =
    error.status === 404
      ? ' — check the repository, number or name, and that the token can see it'
      : error.status === 401
        ? ' — the token is missing or invalid'
        : isReadOnlyTokenError(error)
          ? ' — the token is read-only (pull requests from forks get such a token)'
          : '';
  return new Error(`${doing} failed: GitHub answered ${error.status} ${firstLine(error.message)}${request}${hint}.`);
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ - https:\/\/docs\.github\.com\S*/, '').trim();
}

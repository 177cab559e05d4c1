import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ContractViolation, type GitHubContract, githubContract, type Operation } from './contract.js';

/**
 * A stateful GitHub REST (plus a sliver of GraphQL and the Actions results service) on 127.0.0.1. Every request
 * and response is checked against GitHub's OpenAPI description; a request that breaks the contract is answered
 * 400 and recorded, so the test that made it fails on `assertContractClean()`.
 */

type Json = Record<string, any>;

export interface TokenIdentity {
  login: string;
  id: number;
  type: 'User' | 'Bot';
  /** A read-only token (a fork's pull_request token) gets 403 on every write. */
  write: boolean;
}

export interface Fault {
  method?: string;
  /** Matched against the request path (without query). */
  path?: RegExp;
  status: number;
  headers?: Record<string, string>;
  message?: string;
  /** How many matching requests fail; default 1. */
  times?: number;
  /** Reset the connection instead of answering. */
  reset?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  operationId?: string;
  status: number;
  login?: string;
  body?: unknown;
}

export interface PullRequestSeed {
  number: number;
  headSha: string;
  headRef?: string;
  baseRef?: string;
  baseSha?: string;
  state?: 'open' | 'closed';
  /** A pull request from a fork: its head lives in another repository. */
  fromFork?: string;
  title?: string;
  /** The author's login (default octocat). */
  author?: string;
  /** Merged into the base as this commit (closed, merged_at set). */
  mergeCommitSha?: string;
}

export interface ReviewSeed {
  login: string;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED';
  body?: string;
  submittedAt?: string;
}

export interface RunApprovalSeed {
  login: string;
  environments: string[];
  state?: 'approved' | 'rejected' | 'pending';
  comment?: string;
}

export interface WorkflowRunSeed {
  workflow: string;
  branch: string;
  headSha?: string;
  event?: string;
  status?: 'completed' | 'in_progress' | 'queued';
  conclusion?: 'success' | 'failure' | 'cancelled' | null;
  createdAt?: string;
}

export interface ArtifactBlobStore {
  /** A URL the client can PUT the artifact zip to (for the Actions results service). */
  uploadUrl(name: string): Promise<string>;
  /** A URL that serves the stored zip, as GitHub's 302 target. */
  downloadUrl(name: string): Promise<string>;
  read(name: string): Promise<Buffer>;
}

interface RepositoryState {
  owner: string;
  name: string;
  id: number;
  defaultBranch: string;
  issueComments: Json[];
  commitComments: Json[];
  pulls: Map<number, Json>;
  checkRuns: Json[];
  statuses: Json[];
  deployments: Json[];
  deploymentStatuses: Map<number, Json[]>;
  releases: Json[];
  runs: Json[];
  artifacts: Json[];
  reviews: Map<number, Json[]>;
  runApprovals: Map<number, Json[]>;
  /** Release assets with their bytes (`content`, not part of the REST shape). */
  releaseAssets: Json[];
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const DOCS = 'https://docs.github.com/rest';

export class GitHubEmulator {
  readonly contract: GitHubContract;
  readonly violations: ContractViolation[] = [];
  readonly requests: RecordedRequest[] = [];
  readonly tokens = new Map<string, TokenIdentity>();
  readonly faults: Fault[] = [];
  readonly repositories = new Map<string, RepositoryState>();
  url = '';
  #server: Server | undefined;
  #nextId = 1000;
  #blobs: ArtifactBlobStore | undefined;
  /** Actions results service: run/job backend ids → repository and run, from the runtime token. */
  readonly #runtimeScopes = new Map<string, { repository: string; runId: number }>();

  constructor(blobs?: ArtifactBlobStore) {
    this.contract = githubContract();
    this.#blobs = blobs;
  }

  get apiUrl(): string {
    return this.url;
  }
  get graphqlUrl(): string {
    return `${this.url}/graphql`;
  }
  /** ACTIONS_RESULTS_URL for @actions/artifact. */
  get resultsUrl(): string {
    return `${this.url}/`;
  }

  /** Listens on 127.0.0.1:`port` (0: any free port). */
  async start(port = 0): Promise<this> {
    this.#server = createServer((request, response) => {
      this.#handle(request, response).catch((error: unknown) => {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ message: `emulator bug: ${(error as Error).stack ?? error}` }));
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server?.close(() => resolve());
      this.#server?.closeAllConnections();
    });
  }

  nextId(): number {
    this.#nextId += 1;
    return this.#nextId;
  }

  addToken(token: string, identity: Partial<TokenIdentity> & { login: string }): string {
    this.tokens.set(token, { id: this.nextId(), type: 'User', write: true, ...identity });
    return token;
  }

  injectFault(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** Fails the calling test when any request or response broke GitHub's contract. */
  assertContractClean(): void {
    if (this.violations.length > 0) {
      const text = this.violations
        .map((v) => `${v.kind} ${v.method} ${v.path} (${v.operationId ?? 'no operation'}): ${v.problems.join('; ')}`)
        .join('\n');
      // Reported once: the next test starts clean.
      this.violations.length = 0;
      throw new Error(`GitHub contract violations:\n${text}`);
    }
  }

  addRepository(fullName: string, defaultBranch = 'main'): RepositoryState {
    const [owner, name] = fullName.split('/') as [string, string];
    const state: RepositoryState = {
      owner,
      name,
      id: this.nextId(),
      defaultBranch,
      issueComments: [],
      commitComments: [],
      pulls: new Map(),
      checkRuns: [],
      statuses: [],
      deployments: [],
      deploymentStatuses: new Map(),
      releases: [],
      runs: [],
      artifacts: [],
      reviews: new Map(),
      runApprovals: new Map(),
      releaseAssets: [],
    };
    this.repositories.set(fullName, state);
    return state;
  }

  repository(fullName: string): RepositoryState {
    const repository = this.repositories.get(fullName);
    if (!repository) throw new Error(`emulator has no repository ${fullName}`);
    return repository;
  }

  #user(identity: TokenIdentity): Json {
    const user = this.contract.example<Json[]>('simple-user-items')[0] as Json;
    return {
      ...user,
      login: identity.login,
      id: identity.id,
      node_id: Buffer.from(`04:User${identity.id}`).toString('base64'),
      type: identity.type,
      html_url: `https://github.com/${encodeURIComponent(identity.login)}`,
      url: `https://api.github.com/users/${encodeURIComponent(identity.login)}`,
    };
  }

  #repositoryUrl(repository: RepositoryState): string {
    return `https://api.github.com/repos/${repository.owner}/${repository.name}`;
  }

  addPullRequest(fullName: string, seed: PullRequestSeed): Json {
    const repository = this.repository(fullName);
    const pull = this.contract.example<Json>('pull-request');
    const repoUrl = this.#repositoryUrl(repository);
    const headRepo = seed.fromFork ?? fullName;
    Object.assign(pull, {
      id: this.nextId(),
      number: seed.number,
      state: seed.state ?? 'open',
      title: seed.title ?? `Pull request ${seed.number}`,
      url: `${repoUrl}/pulls/${seed.number}`,
      html_url: `https://github.com/${fullName}/pull/${seed.number}`,
      issue_url: `${repoUrl}/issues/${seed.number}`,
      requested_teams: [],
      merge_commit_sha:
        seed.mergeCommitSha ?? createHash('sha1').update(`merge-${fullName}-${seed.number}`).digest('hex'),
      ...(seed.mergeCommitSha
        ? { state: 'closed', merged: true, merged_at: '2026-12-01T10:00:00Z', closed_at: '2026-12-01T10:00:00Z' }
        : {}),
    });
    if (seed.author) pull.user = { ...pull.user, login: seed.author, html_url: `https://github.com/${seed.author}` };
    pull.head = {
      ...pull.head,
      sha: seed.headSha,
      ref: seed.headRef ?? `feature-${seed.number}`,
      label: `${headRepo.split('/')[0]}:${seed.headRef ?? `feature-${seed.number}`}`,
      repo: { ...pull.head.repo, full_name: headRepo, name: headRepo.split('/')[1], fork: Boolean(seed.fromFork) },
    };
    pull.base = {
      ...pull.base,
      sha: seed.baseSha ?? createHash('sha1').update(`base-${fullName}`).digest('hex'),
      ref: seed.baseRef ?? repository.defaultBranch,
      repo: { ...pull.base.repo, full_name: fullName, name: repository.name, id: repository.id },
    };
    repository.pulls.set(seed.number, pull);
    return pull;
  }

  /** A review of pull request `number` as if `seed.login` had submitted it. */
  addReview(fullName: string, number: number, seed: ReviewSeed): Json {
    const repository = this.repository(fullName);
    const pull = repository.pulls.get(number);
    if (!pull) throw new Error(`emulator has no pull request #${number} in ${fullName}`);
    const id = this.nextId();
    const review: Json = {
      ...this.contract.example<Json>('pull-request-review'),
      id,
      node_id: Buffer.from(`017:PullRequestReview${id}`).toString('base64'),
      user: this.#user({ login: seed.login, id: this.nextId(), type: 'User', write: true }),
      body: seed.body ?? '',
      state: seed.state,
      commit_id: pull.head.sha,
      submitted_at: seed.submittedAt ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      html_url: `https://github.com/${fullName}/pull/${number}#pullrequestreview-${id}`,
      pull_request_url: `${this.#repositoryUrl(repository)}/pulls/${number}`,
    };
    review._links = {
      html: { href: review.html_url },
      pull_request: { href: review.pull_request_url },
    };
    const list = repository.reviews.get(number) ?? [];
    list.push(review);
    repository.reviews.set(number, list);
    return review;
  }

  /** An environment approval (or rejection) of run `runId`'s deployments, as its review history shows it. */
  addRunApproval(fullName: string, runId: number, seed: RunApprovalSeed): Json {
    const repository = this.repository(fullName);
    const example = this.contract.example<Json[]>('environment-approvals-items')[0] as Json;
    const environment = example.environments[0] as Json;
    const approval = {
      state: seed.state ?? 'approved',
      comment: seed.comment ?? '',
      environments: seed.environments.map((name) => ({
        ...environment,
        id: this.nextId(),
        name,
        url: `${this.#repositoryUrl(repository)}/environments/${encodeURIComponent(name)}`,
        html_url: `https://github.com/${fullName}/deployments/activity_log?environments_filter=${encodeURIComponent(name)}`,
      })),
      user: this.#user({ login: seed.login, id: this.nextId(), type: 'User', write: true }),
    };
    const list = repository.runApprovals.get(runId) ?? [];
    list.push(approval);
    repository.runApprovals.set(runId, list);
    return approval;
  }

  /** A published release of `tag`, its upload_url on this emulator (GitHub's points at its uploads host). */
  addRelease(fullName: string, seed: { tag: string; body?: string; commit?: string }): Json {
    const repository = this.repository(fullName);
    const id = this.nextId();
    const release = {
      ...this.contract.example<Json>('release'),
      id,
      node_id: Buffer.from(`07:Release${id}`).toString('base64'),
      tag_name: seed.tag,
      name: seed.tag,
      body: seed.body ?? '',
      target_commitish: seed.commit ?? repository.defaultBranch,
      url: `${this.#repositoryUrl(repository)}/releases/${id}`,
      assets_url: `${this.#repositoryUrl(repository)}/releases/${id}/assets`,
      upload_url: `${this.url}/repos/${fullName}/releases/${id}/assets{?name,label}`,
      html_url: `https://github.com/${fullName}/releases/tag/${seed.tag}`,
      assets: [],
    };
    repository.releases.push(release);
    return release;
  }

  addWorkflowRun(fullName: string, seed: WorkflowRunSeed): Json {
    const repository = this.repository(fullName);
    const run = this.contract.example<Json>('workflow-run');
    const id = this.nextId();
    Object.assign(run, {
      id,
      name: seed.workflow,
      head_branch: seed.branch,
      head_sha: seed.headSha ?? createHash('sha1').update(`run-${id}`).digest('hex'),
      path: `.github/workflows/${seed.workflow}`,
      event: seed.event ?? 'push',
      status: seed.status ?? 'completed',
      conclusion: seed.conclusion === undefined ? 'success' : seed.conclusion,
      created_at: seed.createdAt ?? new Date(Date.now() - (10_000 - repository.runs.length) * 1000).toISOString(),
      url: `${this.#repositoryUrl(repository)}/actions/runs/${id}`,
      html_url: `https://github.com/${fullName}/actions/runs/${id}`,
      artifacts_url: `${this.#repositoryUrl(repository)}/actions/runs/${id}/artifacts`,
      pull_requests: [],
    });
    run.updated_at = run.created_at;
    run.run_started_at = run.created_at;
    repository.runs.push(run);
    return run;
  }

  /**
   * Lists an artifact in run `runId` without uploading it (bad-input tests: 10,000 artifacts, a 1 GB one). With
   * `sameBlobAs`, it serves that artifact's stored zip and digest; without, only its listing exists.
   */
  seedArtifact(fullName: string, runId: number, seed: { name: string; sizeInBytes: number; sameBlobAs?: Json }): Json {
    const repository = this.repository(fullName);
    const id = this.nextId();
    const apiBase = `${this.#repositoryUrl(repository)}/actions/artifacts/${id}`;
    const created = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const artifact = {
      ...this.contract.example('artifact'),
      id,
      node_id: Buffer.from(`08:Artifact${id}`).toString('base64'),
      name: seed.name,
      size_in_bytes: seed.sizeInBytes,
      url: apiBase,
      archive_download_url: `${apiBase}/zip`,
      expired: false,
      created_at: created,
      updated_at: created,
      expires_at: new Date(Date.now() + 90 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      digest: seed.sameBlobAs?.digest ?? `sha256:${createHash('sha256').update(seed.name).digest('hex')}`,
      workflow_run: {
        id: runId,
        repository_id: repository.id,
        head_repository_id: repository.id,
        head_branch: repository.defaultBranch,
        head_sha: '0'.repeat(40),
      },
      blob: seed.sameBlobAs?.blob ?? `${fullName}/${runId}/${seed.name}.zip`,
      finalized: true,
    };
    repository.artifacts.push(artifact);
    return artifact;
  }

  /**
   * An ACTIONS_RUNTIME_TOKEN for a run: a JWT whose `scp` names the run and job backend ids, as the real service
   * issues; uploads through the results service land in that run's artifacts.
   */
  runtimeTokenFor(fullName: string, runId: number): string {
    const runBackendId = randomUUID();
    const jobBackendId = randomUUID();
    this.#runtimeScopes.set(`${runBackendId}:${jobBackendId}`, { repository: fullName, runId });
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const claims = { scp: `Actions.ExampleScope Actions.Results:${runBackendId}:${jobBackendId}`, exp: 4102444800 };
    return `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}.${encode({ signature: 'emulated' })}`;
  }

  /**
   * What a step of run `runId` sees of GitHub on a runner: the API, its run id, and the results service with a
   * runtime token scoped to that run (uploads land in its artifacts).
   */
  runnerEnvironment(fullName: string, runId: number): Record<string, string> {
    return {
      GITHUB_API_URL: this.apiUrl,
      GITHUB_RUN_ID: String(runId),
      ACTIONS_RESULTS_URL: this.resultsUrl,
      ACTIONS_RUNTIME_TOKEN: this.runtimeTokenFor(fullName, runId),
    };
  }

  // ---------------------------------------------------------------------------------------------------------
  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url);
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks);
    const text = rawBody.toString('utf8');
    let body: unknown;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const method = request.method ?? 'GET';
    const recorded: RecordedRequest = { method, path: url.pathname, query: url.search, status: 0, body };
    this.requests.push(recorded);

    const fault = this.faults.find(
      (candidate) =>
        (candidate.times ?? 1) > 0 &&
        (!candidate.method || candidate.method === method) &&
        (!candidate.path || candidate.path.test(url.pathname)),
    );
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      recorded.status = fault.status;
      if (fault.reset) {
        request.socket.destroy();
        return;
      }
      this.#send(
        response,
        fault.status,
        { message: fault.message ?? 'Server Error', documentation_url: DOCS },
        fault.headers,
      );
      return;
    }

    if (url.pathname.startsWith('/twirp/')) {
      await this.#twirp(url.pathname, body as Json, response, recorded);
      return;
    }
    const identity = this.#identity(request);
    if (identity) recorded.login = identity.login;
    if (url.pathname === '/graphql' && method === 'POST') {
      this.#graphql(identity, body as Json, response, recorded);
      return;
    }

    const matched = this.contract.match(method, url.pathname);
    if (!matched) {
      this.violations.push({
        kind: 'request',
        method,
        path: url.pathname,
        problems: ['no such operation in the OpenAPI description'],
      });
      recorded.status = 404;
      this.#send(response, 404, { message: 'Not Found', documentation_url: DOCS });
      return;
    }
    const { operation, params } = matched;
    recorded.operationId = operation.operationId;
    const problems = this.contract.checkRequest(
      operation,
      params,
      url.searchParams,
      body,
      request.headers['content-type'],
    );
    if (problems.length > 0) {
      this.violations.push({
        kind: 'request',
        method,
        path: url.pathname,
        operationId: operation.operationId,
        problems,
      });
      recorded.status = 400;
      this.#send(response, 400, { message: `Contract violation: ${problems.join('; ')}`, documentation_url: DOCS });
      return;
    }
    let status: number;
    let payload: unknown;
    let headers: Record<string, string> = {};
    try {
      if (!identity) throw new HttpError(401, 'Requires authentication');
      const isWrite = method !== 'GET' && method !== 'HEAD';
      if (isWrite && !identity.write) throw new HttpError(403, 'Resource not accessible by integration');
      ({
        status,
        body: payload,
        headers = {},
      } = await this.#route(operation, params, url.searchParams, body as Json, identity, {
        bytes: rawBody,
        contentType: request.headers['content-type'],
      }));
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      status = error.status;
      payload = { message: error.message, documentation_url: DOCS, status: String(error.status) };
      headers = error.headers;
      recorded.status = status;
      // Errors GitHub sends on every route (401, 403, 404) are not always listed per operation; only check listed ones.
      if (operation.spec.responses?.[String(status)])
        this.#checkResponse(operation, method, url.pathname, status, payload);
      this.#send(response, status, payload, headers);
      return;
    }
    recorded.status = status;
    this.#checkResponse(operation, method, url.pathname, status, payload);
    this.#send(response, status, payload, headers);
  }

  #checkResponse(operation: Operation, method: string, path: string, status: number, payload: unknown): void {
    const problems = this.contract.checkResponse(operation, status, payload);
    if (problems.length > 0) {
      this.violations.push({ kind: 'response', method, path, operationId: operation.operationId, problems });
    }
  }

  #identity(request: IncomingMessage): TokenIdentity | undefined {
    const header = request.headers.authorization ?? '';
    const token = header.replace(/^(token|bearer)\s+/i, '');
    return this.tokens.get(token);
  }

  #send(response: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
    const rate = {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-ratelimit-used': '1',
      'x-ratelimit-resource': 'core',
    };
    if (payload === undefined || status === 204 || status === 302) {
      response.writeHead(status, { ...rate, ...headers });
      response.end();
      return;
    }
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...rate, ...headers });
    response.end(JSON.stringify(payload));
  }

  #repo(params: Record<string, string>): RepositoryState {
    const repository = this.repositories.get(`${params.owner}/${params.repo}`);
    if (!repository) throw new HttpError(404, 'Not Found');
    return repository;
  }

  /** page/per_page with GitHub's Link header (rel next/last). */
  #page(items: Json[], query: URLSearchParams, path: string): { body: Json[]; headers: Record<string, string> } {
    const perPage = Math.min(Number(query.get('per_page') ?? 30), 100);
    const page = Number(query.get('page') ?? 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const links: string[] = [];
    const link = (number: number, rel: string) => {
      const next = new URLSearchParams(query);
      next.set('page', String(number));
      next.set('per_page', String(perPage));
      links.push(`<${this.url}${path}?${next}>; rel="${rel}"`);
    };
    if (page < last) {
      link(page + 1, 'next');
      link(last, 'last');
    }
    if (page > 1) {
      link(1, 'first');
      link(page - 1, 'prev');
    }
    return {
      body: items.slice((page - 1) * perPage, page * perPage),
      headers: links.length ? { link: links.join(', ') } : {},
    };
  }

  async #route(
    operation: Operation,
    params: Record<string, string>,
    query: URLSearchParams,
    body: Json,
    identity: TokenIdentity,
    raw: { bytes: Buffer; contentType: string | undefined } = { bytes: Buffer.alloc(0), contentType: undefined },
  ): Promise<{ status: number; body?: unknown; headers?: Record<string, string> }> {
    const path = operation.template.replace(/\{([^}]+)\}/g, (_, name: string) =>
      encodeURIComponent(params[name] ?? ''),
    );
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    switch (operation.operationId) {
      case 'users/get-authenticated': {
        // Installation tokens (GITHUB_TOKEN) cannot read /user.
        if (identity.type === 'Bot') throw new HttpError(403, 'Resource not accessible by integration');
        return { status: 200, body: { ...this.contract.example<Json>('private-user'), ...this.#user(identity) } };
      }
      case 'issues/list-comments': {
        const repository = this.#repo(params);
        const number = Number(params.issue_number);
        const comments = repository.issueComments.filter((comment) => comment.issue_number === number);
        const { body: page, headers } = this.#page(comments, query, path);
        return { status: 200, body: page.map(publicComment), headers };
      }
      case 'issues/create-comment': {
        const repository = this.#repo(params);
        const number = Number(params.issue_number);
        if (!repository.pulls.has(number)) throw new HttpError(404, 'Not Found');
        const comment = this.seedIssueComment(`${repository.owner}/${repository.name}`, number, body.body, identity);
        return { status: 201, body: publicComment(comment), headers: { location: comment.url } };
      }
      case 'issues/get-comment':
      case 'issues/update-comment':
      case 'issues/delete-comment': {
        const repository = this.#repo(params);
        const index = repository.issueComments.findIndex((comment) => comment.id === Number(params.comment_id));
        if (index < 0) throw new HttpError(404, 'Not Found');
        const comment = repository.issueComments[index] as Json;
        if (operation.operationId === 'issues/get-comment') return { status: 200, body: publicComment(comment) };
        if (comment.user.login !== identity.login) throw new HttpError(403, 'Resource not accessible by integration');
        if (operation.operationId === 'issues/delete-comment') {
          repository.issueComments.splice(index, 1);
          return { status: 204 };
        }
        Object.assign(comment, { body: body.body, updated_at: now });
        return { status: 200, body: publicComment(comment) };
      }
      case 'pulls/get': {
        const pull = this.#repo(params).pulls.get(Number(params.pull_number));
        if (!pull) throw new HttpError(404, 'Not Found');
        return { status: 200, body: pull };
      }
      case 'pulls/list': {
        const repository = this.#repo(params);
        const state = query.get('state') ?? 'open';
        const pulls = [...repository.pulls.values()].filter((pull) => state === 'all' || pull.state === state);
        const { body: page, headers } = this.#page(pulls, query, path);
        return { status: 200, body: page.map(simplePull), headers };
      }
      case 'repos/list-pull-requests-associated-with-commit': {
        const repository = this.#repo(params);
        // A commit's open pull requests by head, and the merged one whose merge commit it is.
        const pulls = [...repository.pulls.values()].filter(
          (pull) =>
            (pull.head.sha === params.commit_sha && !pull.head.repo.fork) ||
            (pull.merged === true && pull.merge_commit_sha === params.commit_sha),
        );
        return { status: 200, body: pulls.map(simplePull) };
      }
      case 'repos/create-commit-comment': {
        const repository = this.#repo(params);
        const comment: Json = {
          ...this.contract.example('commit-comment'),
          id: this.nextId(),
          body: body.body,
          commit_id: params.commit_sha,
          path: null,
          position: null,
          line: null,
          user: this.#user(identity),
          created_at: now,
          updated_at: now,
        };
        comment.url = `${this.#repositoryUrl(repository)}/comments/${comment.id}`;
        comment.html_url = `https://github.com/${repository.owner}/${repository.name}/commit/${params.commit_sha}#commitcomment-${comment.id}`;
        comment.node_id = Buffer.from(`013:CommitComment${comment.id}`).toString('base64');
        repository.commitComments.push(comment);
        return { status: 201, body: comment };
      }
      case 'repos/list-comments-for-commit': {
        const repository = this.#repo(params);
        const comments = repository.commitComments.filter((comment) => comment.commit_id === params.commit_sha);
        const { body: page, headers } = this.#page(comments, query, path);
        return { status: 200, body: page, headers };
      }
      case 'repos/update-commit-comment': {
        const comment = this.#repo(params).commitComments.find(
          (candidate) => candidate.id === Number(params.comment_id),
        );
        if (!comment) throw new HttpError(404, 'Not Found');
        if (comment.user.login !== identity.login) throw new HttpError(403, 'Resource not accessible by integration');
        Object.assign(comment, { body: body.body, updated_at: now });
        return { status: 200, body: comment };
      }
      case 'checks/create': {
        const repository = this.#repo(params);
        const check = {
          ...this.contract.example('check-run'),
          id: this.nextId(),
          name: body.name,
          head_sha: body.head_sha,
          status: body.status ?? (body.conclusion ? 'completed' : 'queued'),
          conclusion: body.conclusion ?? null,
          started_at: body.started_at ?? now,
          completed_at: body.conclusion ? (body.completed_at ?? now) : null,
          output: {
            title: body.output?.title ?? null,
            summary: body.output?.summary ?? null,
            text: body.output?.text ?? null,
            annotations_count: 0,
            annotations_url: `${this.#repositoryUrl(repository)}/check-runs/0/annotations`,
          },
          details_url: body.details_url ?? null,
          pull_requests: [],
        };
        repository.checkRuns.push(check);
        return { status: 201, body: check };
      }
      case 'checks/update': {
        const check = this.#repo(params).checkRuns.find((candidate) => candidate.id === Number(params.check_run_id));
        if (!check) throw new HttpError(404, 'Not Found');
        if (body.status) check.status = body.status;
        if (body.conclusion)
          Object.assign(check, { conclusion: body.conclusion, status: 'completed', completed_at: now });
        if (body.output) Object.assign(check.output, body.output);
        return { status: 200, body: check };
      }
      case 'checks/list-for-ref': {
        const runs = this.#repo(params).checkRuns.filter(
          (check) =>
            check.head_sha === params.ref && (!query.get('check_name') || check.name === query.get('check_name')),
        );
        const { body: page, headers } = this.#page(runs, query, path);
        return { status: 200, body: { total_count: runs.length, check_runs: page }, headers };
      }
      case 'repos/create-commit-status': {
        const repository = this.#repo(params);
        const status = {
          ...this.contract.example('status'),
          id: this.nextId(),
          state: body.state,
          context: body.context ?? 'default',
          description: body.description ?? null,
          target_url: body.target_url ?? null,
          sha: params.sha,
          created_at: now,
          updated_at: now,
          creator: this.#user(identity),
        };
        repository.statuses.push(status);
        const { sha: _sha, ...publicStatus } = status;
        return { status: 201, body: publicStatus };
      }
      case 'repos/get-combined-status-for-ref': {
        const repository = this.#repo(params);
        const latest = new Map<string, Json>();
        for (const status of repository.statuses.filter((candidate) => candidate.sha === params.ref)) {
          latest.set(status.context, status);
        }
        const statuses = [...latest.values()].map(({ sha: _sha, creator: _creator, ...rest }) => rest);
        const states = statuses.map((status) => status.state);
        const state =
          states.includes('failure') || states.includes('error')
            ? 'failure'
            : states.includes('pending') || states.length === 0
              ? 'pending'
              : 'success';
        const example = this.contract.example<Json>('combined-commit-status');
        return {
          status: 200,
          body: {
            ...example,
            state,
            statuses,
            sha: params.ref,
            total_count: statuses.length,
            commit_url: `${this.#repositoryUrl(repository)}/commits/${params.ref}`,
          },
        };
      }
      case 'repos/create-deployment': {
        const repository = this.#repo(params);
        const deployment: Json = {
          ...this.contract.example('deployment'),
          id: this.nextId(),
          ref: body.ref,
          sha: /^[0-9a-f]{40}$/.test(body.ref) ? body.ref : createHash('sha1').update(body.ref).digest('hex'),
          environment: body.environment ?? 'production',
          original_environment: body.environment ?? 'production',
          description: body.description ?? null,
          payload: body.payload ?? {},
          task: body.task ?? 'deploy',
          creator: this.#user(identity),
          created_at: now,
          updated_at: now,
          transient_environment: body.transient_environment ?? false,
          production_environment: body.production_environment ?? (body.environment ?? 'production') === 'production',
        };
        deployment.url = `${this.#repositoryUrl(repository)}/deployments/${deployment.id}`;
        deployment.statuses_url = `${deployment.url}/statuses`;
        repository.deployments.push(deployment);
        return { status: 201, body: deployment };
      }
      case 'repos/list-deployments': {
        const deployments = this.#repo(params)
          .deployments.filter(
            (deployment) => !query.get('environment') || deployment.environment === query.get('environment'),
          )
          .filter((deployment) => !query.get('sha') || deployment.sha === query.get('sha'));
        const { body: page, headers } = this.#page([...deployments].reverse(), query, path);
        return { status: 200, body: page, headers };
      }
      case 'repos/create-deployment-status': {
        const repository = this.#repo(params);
        const deployment = repository.deployments.find((candidate) => candidate.id === Number(params.deployment_id));
        if (!deployment) throw new HttpError(404, 'Not Found');
        const status: Json = {
          ...this.contract.example('deployment-status'),
          id: this.nextId(),
          state: body.state,
          description: body.description ?? '',
          environment: body.environment ?? deployment.environment,
          target_url: body.log_url ?? body.target_url ?? deployment.url,
          creator: this.#user(identity),
          deployment_url: deployment.url,
          repository_url: this.#repositoryUrl(repository),
          created_at: now,
          updated_at: now,
        };
        // Optional URLs are absent unless given (an empty string would not be a URI).
        if (body.log_url) status.log_url = body.log_url;
        else delete status.log_url;
        if (body.environment_url) status.environment_url = body.environment_url;
        else delete status.environment_url;
        const list = repository.deploymentStatuses.get(deployment.id) ?? [];
        list.unshift(status);
        repository.deploymentStatuses.set(deployment.id, list);
        return { status: 201, body: status };
      }
      case 'repos/list-deployment-statuses': {
        const statuses = this.#repo(params).deploymentStatuses.get(Number(params.deployment_id)) ?? [];
        const { body: page, headers } = this.#page(statuses, query, path);
        return { status: 200, body: page, headers };
      }
      case 'repos/get-release-by-tag': {
        const release = this.#repo(params).releases.find((candidate) => candidate.tag_name === params.tag);
        if (!release) throw new HttpError(404, 'Not Found');
        return { status: 200, body: release };
      }
      case 'repos/get-release': {
        const release = this.#repo(params).releases.find((candidate) => candidate.id === Number(params.release_id));
        if (!release) throw new HttpError(404, 'Not Found');
        return { status: 200, body: release };
      }
      case 'repos/update-release': {
        const release = this.#repo(params).releases.find((candidate) => candidate.id === Number(params.release_id));
        if (!release) throw new HttpError(404, 'Not Found');
        for (const key of ['body', 'name', 'draft', 'prerelease', 'tag_name'] as const) {
          if (body[key] !== undefined) release[key] = body[key];
        }
        return { status: 200, body: release };
      }
      case 'pulls/list-reviews': {
        const repository = this.#repo(params);
        const number = Number(params.pull_number);
        if (!repository.pulls.has(number)) throw new HttpError(404, 'Not Found');
        const { body: page, headers } = this.#page(repository.reviews.get(number) ?? [], query, path);
        return { status: 200, body: page, headers };
      }
      case 'actions/get-reviews-for-run': {
        const repository = this.#repo(params);
        const runId = Number(params.run_id);
        if (!repository.runs.some((run) => run.id === runId)) throw new HttpError(404, 'Not Found');
        return { status: 200, body: repository.runApprovals.get(runId) ?? [] };
      }
      case 'actions/get-workflow-run': {
        const run = this.#repo(params).runs.find((candidate) => candidate.id === Number(params.run_id));
        if (!run) throw new HttpError(404, 'Not Found');
        return { status: 200, body: run };
      }
      case 'repos/list-release-assets': {
        const repository = this.#repo(params);
        const releaseId = Number(params.release_id);
        if (!repository.releases.some((release) => release.id === releaseId)) throw new HttpError(404, 'Not Found');
        const assets = repository.releaseAssets.filter((asset) => asset.release_id === releaseId).map(publicAsset);
        const { body: page, headers } = this.#page(assets, query, path);
        return { status: 200, body: page, headers };
      }
      case 'repos/delete-release-asset': {
        const repository = this.#repo(params);
        const index = repository.releaseAssets.findIndex((asset) => asset.id === Number(params.asset_id));
        if (index < 0) throw new HttpError(404, 'Not Found');
        repository.releaseAssets.splice(index, 1);
        return { status: 204 };
      }
      case 'repos/upload-release-asset': {
        const repository = this.#repo(params);
        const release = repository.releases.find((candidate) => candidate.id === Number(params.release_id));
        if (!release) throw new HttpError(404, 'Not Found');
        const name = query.get('name') as string;
        // GitHub refuses a second asset of one name (the old one must be deleted first), with no body.
        const taken = repository.releaseAssets.some((asset) => asset.release_id === release.id && asset.name === name);
        if (!raw.contentType || taken) return { status: 422 };
        const id = this.nextId();
        const asset = {
          ...this.contract.example<Json>('release-asset'),
          id,
          node_id: Buffer.from(`012:ReleaseAsset${id}`).toString('base64'),
          name,
          label: query.get('label') ?? '',
          content_type: raw.contentType,
          size: raw.bytes.length,
          digest: `sha256:${createHash('sha256').update(raw.bytes).digest('hex')}`,
          state: 'uploaded',
          url: `${this.#repositoryUrl(repository)}/releases/assets/${id}`,
          browser_download_url: `https://github.com/${repository.owner}/${repository.name}/releases/download/${release.tag_name}/${encodeURIComponent(name)}`,
          uploader: this.#user(identity),
          created_at: now,
          updated_at: now,
          download_count: 0,
          release_id: release.id,
          content: raw.bytes,
        };
        repository.releaseAssets.push(asset);
        return { status: 201, body: publicAsset(asset) };
      }
      case 'actions/list-workflow-runs': {
        const repository = this.#repo(params);
        const runs = repository.runs
          .filter(
            (run) =>
              run.path === `.github/workflows/${params.workflow_id}` || String(run.workflow_id) === params.workflow_id,
          )
          .filter((run) => !query.get('branch') || run.head_branch === query.get('branch'))
          .filter((run) => !query.get('event') || run.event === query.get('event'))
          .filter((run) => !query.get('head_sha') || run.head_sha === query.get('head_sha'))
          .filter((run) => {
            const wanted = query.get('status');
            return !wanted || run.status === wanted || run.conclusion === wanted;
          })
          .sort((a, b) => b.created_at.localeCompare(a.created_at));
        const { body: page, headers } = this.#page(runs, query, path);
        return { status: 200, body: { total_count: runs.length, workflow_runs: page }, headers };
      }
      case 'actions/list-workflow-run-artifacts': {
        const repository = this.#repo(params);
        const artifacts = repository.artifacts
          .filter((artifact) => artifact.workflow_run.id === Number(params.run_id))
          .filter((artifact) => !query.get('name') || artifact.name === query.get('name'));
        const { body: page, headers } = this.#page(artifacts, query, path);
        return { status: 200, body: { total_count: artifacts.length, artifacts: page }, headers };
      }
      case 'actions/get-artifact': {
        const artifact = this.#repo(params).artifacts.find((candidate) => candidate.id === Number(params.artifact_id));
        if (!artifact) throw new HttpError(404, 'Not Found');
        return { status: 200, body: artifact };
      }
      case 'actions/download-artifact': {
        const artifact = this.#repo(params).artifacts.find((candidate) => candidate.id === Number(params.artifact_id));
        if (!artifact) throw new HttpError(404, 'Not Found');
        if (artifact.expired) throw new HttpError(410, 'Artifact has expired');
        if (!this.#blobs) throw new Error('the emulator was started without a blob store');
        // GitHub answers with a short-lived blob URL; the client follows it without the token.
        return { status: 302, headers: { location: await this.#blobs.downloadUrl(artifact.blob) } };
      }
      default:
        throw new HttpError(501, `the emulator does not implement ${operation.operationId}`);
    }
  }

  /** Adds a comment as if `identity` had written it (test setup: someone else's comment, 250 old ones). */
  seedIssueComment(fullName: string, issueNumber: number, body: string, identity: TokenIdentity): Json {
    const repository = this.repository(fullName);
    const id = this.nextId();
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const comment = {
      ...this.contract.example('issue-comment'),
      id,
      node_id: Buffer.from(`012:IssueComment${id}`).toString('base64'),
      body,
      user: this.#user(identity),
      url: `${this.#repositoryUrl(repository)}/issues/comments/${id}`,
      html_url: `https://github.com/${fullName}/pull/${issueNumber}#issuecomment-${id}`,
      issue_url: `${this.#repositoryUrl(repository)}/issues/${issueNumber}`,
      created_at: now,
      updated_at: now,
      performed_via_github_app: null,
      issue_number: issueNumber,
      minimized: false,
    };
    repository.issueComments.push(comment);
    return comment;
  }

  #graphql(identity: TokenIdentity | undefined, body: Json, response: ServerResponse, recorded: RecordedRequest): void {
    recorded.operationId = 'graphql';
    const query = String(body?.query ?? '');
    const variables = (body?.variables ?? {}) as Json;
    if (!identity) {
      recorded.status = 401;
      this.#send(response, 401, { message: 'Requires authentication', documentation_url: DOCS });
      return;
    }
    const mutation =
      /mutation[^{]*\{\s*minimizeComment\s*\(\s*input\s*:\s*\{\s*subjectId\s*:\s*\$(\w+)\s*,\s*classifier\s*:\s*(\w+)\s*\}\s*\)/.exec(
        query,
      );
    if (!mutation) {
      this.violations.push({
        kind: 'request',
        method: 'POST',
        path: '/graphql',
        operationId: 'graphql',
        problems: [`unsupported query: ${query.slice(0, 200)}`],
      });
      recorded.status = 200;
      this.#send(response, 200, { errors: [{ message: 'the emulator supports only minimizeComment' }] });
      return;
    }
    const classifier = mutation[2] as string;
    if (!['SPAM', 'ABUSE', 'OFF_TOPIC', 'OUTDATED', 'DUPLICATE', 'RESOLVED'].includes(classifier)) {
      this.violations.push({
        kind: 'request',
        method: 'POST',
        path: '/graphql',
        operationId: 'graphql',
        problems: [`bad classifier ${classifier}`],
      });
    }
    const subjectId = variables[mutation[1] as string];
    const comment = [...this.repositories.values()]
      .flatMap((repository) => repository.issueComments)
      .find((candidate) => candidate.node_id === subjectId);
    recorded.status = 200;
    if (!identity.write) {
      this.#send(response, 200, {
        data: { minimizeComment: null },
        errors: [{ type: 'FORBIDDEN', message: 'Resource not accessible by integration' }],
      });
      return;
    }
    if (!comment) {
      this.#send(response, 200, {
        data: { minimizeComment: null },
        errors: [{ type: 'NOT_FOUND', message: `Could not resolve to a node with the global id of '${subjectId}'` }],
      });
      return;
    }
    comment.minimized = true;
    comment.minimized_reason = classifier;
    this.#send(response, 200, {
      data: { minimizeComment: { minimizedComment: { isMinimized: true, minimizedReason: classifier.toLowerCase() } } },
    });
  }

  // --- Actions results service (Twirp, JSON): what @actions/artifact speaks for in-run uploads -------------
  async #twirp(path: string, body: Json, response: ServerResponse, recorded: RecordedRequest): Promise<void> {
    const method = path.replace('/twirp/github.actions.results.api.v1.ArtifactService/', '');
    recorded.operationId = `twirp/${method}`;
    const reply = (status: number, payload: Json) => {
      recorded.status = status;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(payload));
    };
    const scope = this.#runtimeScopes.get(`${body?.workflow_run_backend_id}:${body?.workflow_job_run_backend_id}`);
    if (!scope || !this.#blobs) {
      reply(scope ? 500 : 401, {
        code: scope ? 'internal' : 'unauthenticated',
        msg: scope ? 'no blob store' : 'unknown run',
      });
      return;
    }
    const repository = this.repository(scope.repository);
    const blobName = (name: string) => `${scope.repository}/${scope.runId}/${name}.zip`;
    const inRun = () => repository.artifacts.filter((artifact) => artifact.workflow_run.id === scope.runId);
    switch (method) {
      case 'CreateArtifact': {
        if (inRun().some((artifact) => artifact.name === body.name && artifact.finalized)) {
          reply(409, { code: 'already_exists', msg: `an artifact named ${body.name} exists in this run` });
          return;
        }
        reply(200, { ok: true, signed_upload_url: await this.#blobs.uploadUrl(blobName(body.name)) });
        return;
      }
      case 'FinalizeArtifact': {
        const stored = await this.#blobs.read(blobName(body.name));
        const digest = `sha256:${createHash('sha256').update(stored).digest('hex')}`;
        if (body.hash && body.hash !== digest) {
          reply(400, {
            code: 'invalid_argument',
            msg: `hash ${body.hash} does not match the uploaded blob (${digest})`,
          });
          return;
        }
        const id = this.nextId();
        const run = repository.runs.find((candidate) => candidate.id === scope.runId);
        const created = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
        const apiBase = `${this.#repositoryUrl(repository)}/actions/artifacts/${id}`;
        repository.artifacts.push({
          ...this.contract.example('artifact'),
          id,
          node_id: Buffer.from(`08:Artifact${id}`).toString('base64'),
          name: body.name,
          size_in_bytes: Number(body.size),
          url: apiBase,
          archive_download_url: `${apiBase}/zip`,
          expired: false,
          created_at: created,
          updated_at: created,
          expires_at: new Date(Date.now() + 90 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          digest,
          workflow_run: {
            id: scope.runId,
            repository_id: repository.id,
            head_repository_id: repository.id,
            head_branch: run?.head_branch ?? repository.defaultBranch,
            head_sha: run?.head_sha ?? '0'.repeat(40),
          },
          blob: blobName(body.name),
          finalized: true,
        });
        reply(200, { ok: true, artifact_id: String(id) });
        return;
      }
      case 'ListArtifacts': {
        const artifacts = inRun()
          .filter((artifact) => !body.name_filter || artifact.name === body.name_filter)
          .filter((artifact) => !body.id_filter || String(artifact.id) === String(body.id_filter))
          .map((artifact) => ({
            workflow_run_backend_id: body.workflow_run_backend_id,
            workflow_job_run_backend_id: body.workflow_job_run_backend_id,
            database_id: String(artifact.id),
            name: artifact.name,
            size: String(artifact.size_in_bytes),
            created_at: artifact.created_at,
            digest: artifact.digest,
          }));
        reply(200, { artifacts });
        return;
      }
      case 'GetSignedArtifactURL': {
        reply(200, { signed_url: await this.#blobs.downloadUrl(blobName(body.name)) });
        return;
      }
      default:
        reply(404, { code: 'bad_route', msg: `no method ${method}` });
    }
  }
}

/** What the REST API shows of a stored comment (our bookkeeping fields stripped). */
function publicComment(comment: Json): Json {
  const { issue_number: _issue, minimized: _minimized, minimized_reason: _reason, ...rest } = comment;
  return rest;
}

/** What the REST API shows of a stored release asset (its bytes and release kept apart). */
function publicAsset(asset: Json): Json {
  const { content: _content, release_id: _release, ...rest } = asset;
  return rest;
}

function simplePull(pull: Json): Json {
  const {
    merged: _merged,
    mergeable: _mergeable,
    rebaseable: _rebaseable,
    mergeable_state: _state,
    merged_by: _mergedBy,
    comments: _comments,
    review_comments: _reviewComments,
    maintainer_can_modify: _modify,
    commits: _commits,
    additions: _additions,
    deletions: _deletions,
    changed_files: _changed,
    ...rest
  } = pull;
  return rest;
}

export async function startGitHubEmulator(blobs?: ArtifactBlobStore, port = 0): Promise<GitHubEmulator> {
  return new GitHubEmulator(blobs).start(port);
}

import { createHash } from 'node:crypto';
import { type Logger, silentLogger } from '../log/index.js';
import { type AuthChallenge, basicAuthorization, parseAuthChallenge, type RegistryCredentials } from './auth.js';
import type { BlobSource } from './blob-source.js';
import { isDigest, referrersFallbackTag, sha256Digest } from './digest.js';
import { RegistryError, type RegistryErrorKind, registryErrorDetail } from './errors.js';
import { type Descriptor, type ImageIndex, MANIFEST_ACCEPT, MediaType } from './media-types.js';
import { isLoopbackRegistry, registryApiHost } from './reference.js';
import { DEFAULT_RETRY, isRetryableStatus, parseRetryAfter, type RetryPolicy, retryDelayMs, sleep } from './retry.js';
import type { FetchedManifest, ImageStore, RegistryAccess, UploadOutcome } from './store.js';

export interface RegistryClientOptions {
  /** `ghcr.io`, `127.0.0.1:5000`, `docker.io` (as in image references). */
  registry: string;
  credentials?: RegistryCredentials;
  /** Speak HTTP instead of HTTPS; default only for loopback registries. */
  plainHttp?: boolean;
  retry?: Partial<RetryPolicy>;
  /** Uploads larger than this go up in PATCH chunks of this size; default 32 MiB. */
  chunkSize?: number;
  /** Per-request limit; default 5 minutes (a chunk on a slow link). */
  requestTimeoutMs?: number;
  logger?: Logger;
  userAgent?: string;
}

interface RequestSpec {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** `/v2/...` or an absolute URL (upload locations). */
  path: string;
  repository: string;
  access: RegistryAccess;
  /** Another repository read in the same request (cross-repository mount). */
  alsoPull?: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Statuses handed back to the caller instead of thrown; 2xx always are. */
  accept?: readonly number[];
  /** Retry 429/5xx and broken connections here; upload steps turn this off and recover at their own level. */
  retry?: boolean;
  /** Overrides the policy's attempts (a reachability check should not wait a minute). */
  attempts?: number;
}

export interface RegistryAnswer {
  status: number;
  headers: Headers;
  body: Buffer;
  url: string;
}

interface CachedToken {
  value: string;
  expiresAt: number;
}

/** A connection that broke or never opened: worth another try, unlike a name that does not resolve. */
function networkFailure(error: unknown): { retryable: boolean; why: string } {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (error as { code?: string }).code;
  const name = (error as { name?: string }).name;
  if (name === 'TimeoutError' || name === 'AbortError') return { retryable: true, why: 'timed out' };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { retryable: false, why: `host not found (${code})` };
  if (code?.startsWith('ERR_TLS') || code?.includes('CERT')) return { retryable: false, why: `TLS failed (${code})` };
  const message = cause?.message ?? (error instanceof Error ? error.message : String(error));
  return { retryable: true, why: code ? `${code}: ${message}` : message };
}

/** The bytes read for a blob are not the blob its digest names: nothing more is sent, whatever the retries. */
class BlobDigestMismatch extends RegistryError {}

/**
 * The source's reads, hashed as they first cover each byte (uploads read in order; a resumed or restarted upload
 * re-reads what is hashed already): the last byte's read fails when the bytes do not hash to the digest, before
 * it is sent, so a corrupt blob is never finished (a copy between registries checks the source's bytes too).
 */
function verifyingReads(source: BlobSource, registry: string): Pick<BlobSource, 'read'> {
  const hash = createHash('sha256');
  let hashed = 0;
  return {
    read: async (offset, length) => {
      const bytes = await source.read(offset, length);
      if (offset <= hashed && offset + bytes.byteLength > hashed) {
        hash.update(bytes.subarray(hashed - offset));
        hashed = offset + bytes.byteLength;
        if (hashed >= source.size) {
          const actual = `sha256:${hash.digest('hex')}`;
          if (actual !== source.digest) {
            throw new BlobDigestMismatch(
              'protocol',
              `Blob ${source.digest} read for upload hashes to ${actual}: its source is corrupt or not that blob.`,
              { registry },
            );
          }
        }
      }
      return bytes;
    },
  };
}

/**
 * A client of the OCI distribution API (the Docker registry v2 protocol): manifests with the right Accept headers,
 * blob existence, cross-repository mount, chunked uploads that restart cleanly after a lost answer, ranged blob
 * reads for copies between registries, Basic auth and the Bearer token flow, and retries with backoff on
 * 429/5xx and broken connections that honour Retry-After. It knows nothing of actions; errors are RegistryErrors.
 */
export class RegistryClient implements ImageStore {
  readonly registry: string;
  readonly baseUrl: string;
  readonly keepsReferrers = true;
  readonly #credentials: RegistryCredentials | undefined;
  readonly #policy: RetryPolicy;
  readonly #chunkSize: number;
  readonly #timeoutMs: number;
  readonly #log: Logger;
  readonly #userAgent: string;
  #challenge: AuthChallenge | undefined;
  readonly #tokens = new Map<string, CachedToken>();
  /** Requests that reached the registry, by method, for logs and reports. */
  readonly requestCounts: Record<string, number> = {};

  constructor(options: RegistryClientOptions) {
    this.registry = options.registry;
    const plainHttp = options.plainHttp ?? isLoopbackRegistry(options.registry);
    this.baseUrl = `${plainHttp ? 'http' : 'https'}://${registryApiHost(options.registry)}`;
    this.#credentials = options.credentials;
    this.#policy = { ...DEFAULT_RETRY, ...options.retry };
    this.#chunkSize = options.chunkSize ?? 32 * 1024 * 1024;
    this.#timeoutMs = options.requestTimeoutMs ?? 5 * 60_000;
    this.#log = options.logger ?? silentLogger;
    this.#userAgent = options.userAgent ?? 'mlops-actions';
  }

  // ---- requests, auth and retries ----------------------------------------------------------------------------

  #error(kind: RegistryErrorKind, message: string, status?: number): RegistryError {
    return new RegistryError(kind, message, { registry: this.registry, ...(status !== undefined ? { status } : {}) });
  }

  #scope(spec: RequestSpec): string {
    const scopes = [`repository:${spec.repository}:${spec.access}`];
    if (spec.alsoPull) scopes.push(`repository:${spec.alsoPull}:pull`);
    return scopes.join(' ');
  }

  async #authorization(scope: string): Promise<string | undefined> {
    if (this.#challenge?.scheme === 'basic') {
      return this.#credentials ? basicAuthorization(this.#credentials) : undefined;
    }
    if (this.#challenge?.scheme === 'bearer') {
      const cached = this.#tokens.get(scope);
      if (cached && cached.expiresAt > Date.now()) return `Bearer ${cached.value}`;
      // The realm is known: ask for this scope's token now rather than after a 401.
      await this.#fetchToken(scope, this.#challenge);
      return `Bearer ${(this.#tokens.get(scope) as CachedToken).value}`;
    }
    return undefined;
  }

  /** The Docker token flow: GET realm?service=…&scope=… with Basic credentials (or anonymously). */
  async #fetchToken(scope: string, challenge: AuthChallenge): Promise<void> {
    const realm = challenge.params.realm;
    if (!realm) throw this.#error('protocol', `${this.registry} asked for a Bearer token without naming a realm.`);
    const url = new URL(realm);
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    for (const part of scope.split(' ')) url.searchParams.append('scope', part);
    const headers: Record<string, string> = { 'user-agent': this.#userAgent };
    if (this.#credentials) headers.authorization = basicAuthorization(this.#credentials);
    const answer = await this.#send({ method: 'GET', url: url.toString(), headers, attempts: this.#policy.attempts });
    if (answer.status === 401 || answer.status === 403) {
      throw this.#error(
        'unauthorized',
        this.#credentials
          ? `${this.registry} refused the user name or password (its token service answered ${answer.status}).`
          : `${this.registry} needs credentials: its token service refused an anonymous request.`,
        answer.status,
      );
    }
    if (answer.status !== 200) {
      throw this.#error('protocol', `The token service of ${this.registry} answered ${answer.status}.`, answer.status);
    }
    const parsed = JSON.parse(answer.body.toString('utf8')) as {
      token?: string;
      access_token?: string;
      expires_in?: number;
    };
    const value = parsed.token ?? parsed.access_token;
    if (!value) throw this.#error('protocol', `The token service of ${this.registry} answered without a token.`);
    // Renew a little early; the spec's default lifetime is 60 s when none is given.
    const lifetimeMs = Math.max(10, (parsed.expires_in ?? 60) - 10) * 1000;
    this.#tokens.set(scope, { value, expiresAt: Date.now() + lifetimeMs });
  }

  /** One HTTP exchange with retries on broken connections and retryable statuses; the body is read in full. */
  async #send(request: {
    method: string;
    url: string;
    headers: Record<string, string>;
    body?: Uint8Array;
    attempts: number;
    retryStatuses?: boolean;
  }): Promise<RegistryAnswer> {
    const retryStatuses = request.retryStatuses ?? true;
    for (let attempt = 1; ; attempt++) {
      let answer: RegistryAnswer | undefined;
      let failure: { retryable: boolean; why: string } | undefined;
      try {
        const response = await fetch(request.url, {
          method: request.method,
          headers: request.headers,
          ...(request.body !== undefined ? { body: request.body } : {}),
          redirect: 'follow',
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
        const body = Buffer.from(await response.arrayBuffer());
        answer = { status: response.status, headers: response.headers, body, url: response.url || request.url };
        this.requestCounts[request.method] = (this.requestCounts[request.method] ?? 0) + 1;
      } catch (error) {
        failure = networkFailure(error);
      }
      const canRetry = attempt < request.attempts;
      if (answer && !(retryStatuses && isRetryableStatus(answer.status) && canRetry)) return answer;
      if (failure && (!failure.retryable || !canRetry)) {
        throw this.#error(
          'unreachable',
          `${request.method} ${this.#display(request.url)} failed after ${attempt} attempt(s): ${failure.why}.`,
        );
      }
      const retryAfter = answer ? parseRetryAfter(answer.headers.get('retry-after')) : undefined;
      const delay = retryDelayMs(attempt, this.#policy, retryAfter);
      this.#log.debug(
        `${request.method} ${this.#display(request.url)}: ${answer ? answer.status : failure?.why}; retry ${attempt} in ${Math.round(delay)} ms`,
      );
      await sleep(delay);
    }
  }

  /** URLs as logged: upload locations carry state tokens that are noise to a reader. */
  #display(url: string): string {
    return url.replace(/\?.*$/, '');
  }

  #url(path: string): string {
    return /^https?:\/\//.test(path) ? path : new URL(path, this.baseUrl).toString();
  }

  /**
   * A registry request with authentication: on 401 it answers the challenge (Basic, or a Bearer token for the
   * request's scope) once and tries again. Statuses outside 2xx and `accept` become RegistryErrors.
   */
  async request(spec: RequestSpec): Promise<RegistryAnswer> {
    const scope = this.#scope(spec);
    const url = this.#url(spec.path);
    let authenticated = false;
    for (;;) {
      const headers: Record<string, string> = { 'user-agent': this.#userAgent, ...spec.headers };
      const authorization = await this.#authorization(scope);
      if (authorization) headers.authorization = authorization;
      const answer = await this.#send({
        method: spec.method,
        url,
        headers,
        ...(spec.body !== undefined ? { body: spec.body } : {}),
        attempts: spec.retry === false ? 1 : (spec.attempts ?? this.#policy.attempts),
      });
      if (answer.status === 401 && !authenticated) {
        const challenge = parseAuthChallenge(answer.headers.get('www-authenticate'));
        if (!challenge)
          throw this.#error('unauthorized', `${this.registry} answered 401 without a usable challenge.`, 401);
        this.#challenge = challenge;
        authenticated = true;
        if (challenge.scheme === 'basic') {
          if (!this.#credentials) {
            throw this.#error('unauthorized', `${this.registry} needs a user name and password (HTTP Basic).`, 401);
          }
        } else {
          await this.#fetchToken(scope, challenge);
        }
        continue;
      }
      if ((answer.status >= 200 && answer.status < 300) || spec.accept?.includes(answer.status)) return answer;
      throw this.#statusError(spec, answer);
    }
  }

  #statusError(spec: RequestSpec, answer: RegistryAnswer): RegistryError {
    const detail = registryErrorDetail(answer.body);
    const what = `${spec.method} ${this.#display(this.#url(spec.path))}`;
    const suffix = detail ? ` (${detail})` : '';
    if (answer.status === 401) {
      const challenge = parseAuthChallenge(answer.headers.get('www-authenticate'));
      if (challenge?.params.error === 'insufficient_scope' || this.#challenge?.scheme === 'bearer') {
        return this.#error(
          'denied',
          `${this.registry} denied ${spec.access === 'pull' ? 'reading' : 'pushing to'} ${spec.repository}: the credentials lack that access${suffix}.`,
          401,
        );
      }
      return this.#error('unauthorized', `${this.registry} refused the credentials for ${what}${suffix}.`, 401);
    }
    if (answer.status === 403) {
      return this.#error('denied', `${this.registry} denied ${what}${suffix}.`, 403);
    }
    if (answer.status === 404) return this.#error('not-found', `${what}: not found${suffix}.`, 404);
    if (isRetryableStatus(answer.status)) {
      return this.#error(
        'unavailable',
        `${what} still answered ${answer.status} after retries${suffix}.`,
        answer.status,
      );
    }
    return this.#error('protocol', `${what} answered ${answer.status}${suffix}.`, answer.status);
  }

  // ---- registry and manifests ---------------------------------------------------------------------------------

  /**
   * Checks that the registry answers and that the credentials give `access` to `repository`, before any work
   * that would be wasted (a build) starts. A few tries only: an unreachable registry should fail fast.
   */
  async checkAccess(repository: string, access: RegistryAccess, attempts = 5): Promise<void> {
    await this.request({ method: 'GET', path: '/v2/', repository, access, attempts });
    if (this.#challenge?.scheme === 'bearer') {
      // The token for the scope is in the cache now; a pull-only grant shows as missing actions only on use,
      // so probe an upload session cheaply: POST then DELETE it.
      if (access === 'pull,push') {
        const started = await this.request({
          method: 'POST',
          path: `/v2/${repository}/blobs/uploads/`,
          repository,
          access,
          attempts,
        });
        const location = started.headers.get('location');
        if (location) {
          await this.request({
            method: 'DELETE',
            path: new URL(location, this.baseUrl).toString(),
            repository,
            access,
            accept: [404, 405],
            attempts,
          }).catch(() => undefined);
        }
      }
    }
  }

  /** The descriptor a tag or digest points at, from a HEAD; undefined when there is none. */
  async resolve(repository: string, reference: string): Promise<Descriptor | undefined> {
    const answer = await this.request({
      method: 'HEAD',
      path: `/v2/${repository}/manifests/${reference}`,
      repository,
      access: 'pull',
      headers: { accept: MANIFEST_ACCEPT.join(', ') },
      accept: [404],
    });
    if (answer.status === 404) return undefined;
    const digest = answer.headers.get('docker-content-digest') ?? (isDigest(reference) ? reference : undefined);
    if (!digest) {
      // Some registries omit the header on HEAD: fall back to the body.
      const fetched = await this.getManifest(repository, reference);
      return { mediaType: fetched.mediaType, digest: fetched.digest, size: fetched.bytes.length };
    }
    return {
      mediaType: (answer.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '',
      digest,
      size: Number(answer.headers.get('content-length') ?? 0),
    };
  }

  /** A manifest or index by tag or digest, its bytes checked against the digest. */
  async getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    const answer = await this.request({
      method: 'GET',
      path: `/v2/${repository}/manifests/${reference}`,
      repository,
      access: 'pull',
      headers: { accept: MANIFEST_ACCEPT.join(', ') },
    });
    const digest = sha256Digest(answer.body);
    const expected = isDigest(reference) ? reference : answer.headers.get('docker-content-digest');
    if (expected && expected !== digest) {
      throw this.#error('protocol', `${repository}:${reference}: the manifest's digest is ${digest}, not ${expected}.`);
    }
    const json = JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>;
    const mediaType =
      (typeof json.mediaType === 'string' ? json.mediaType : undefined) ??
      (answer.headers.get('content-type') ?? '').split(';')[0]?.trim() ??
      MediaType.ociManifest;
    return { digest, mediaType, bytes: answer.body, json };
  }

  /** Puts a manifest under a tag or its digest; returns the digest, checked against what the registry says. */
  async putManifest(repository: string, reference: string, bytes: Uint8Array, mediaType: string): Promise<string> {
    const digest = sha256Digest(bytes);
    if (isDigest(reference) && reference !== digest) {
      throw new Error(`putManifest: the bytes hash to ${digest}, not to the reference ${reference}`);
    }
    const answer = await this.request({
      method: 'PUT',
      path: `/v2/${repository}/manifests/${reference}`,
      repository,
      access: 'pull,push',
      headers: { 'content-type': mediaType },
      body: bytes,
    });
    const reported = answer.headers.get('docker-content-digest');
    if (reported && reported !== digest) {
      throw this.#error('protocol', `${this.registry} stored the manifest as ${reported}; we sent ${digest}.`);
    }
    return digest;
  }

  /** Every tag of a repository, following `Link` pagination. */
  async listTags(repository: string): Promise<string[]> {
    const tags: string[] = [];
    let path: string | undefined = `/v2/${repository}/tags/list`;
    while (path) {
      const answer = await this.request({ method: 'GET', path, repository, access: 'pull', accept: [404] });
      if (answer.status === 404) return [];
      const parsed = JSON.parse(answer.body.toString('utf8')) as { tags?: string[] | null };
      tags.push(...(parsed.tags ?? []));
      const next = /<([^>]+)>;\s*rel="?next"?/.exec(answer.headers.get('link') ?? '');
      path = next?.[1];
    }
    return tags;
  }

  /**
   * Removes a tag (or, given a digest, the manifest and every tag on it). 'unsupported' when the registry
   * refuses to delete by tag (the distribution registry before 3.0 answers 400 UNSUPPORTED) or at all (405).
   */
  async deleteManifest(repository: string, reference: string): Promise<'deleted' | 'absent' | 'unsupported'> {
    const answer = await this.request({
      method: 'DELETE',
      path: `/v2/${repository}/manifests/${reference}`,
      repository,
      access: 'pull,push',
      accept: [400, 404, 405],
    });
    if (answer.status === 404) return 'absent';
    if (answer.status === 400 || answer.status === 405) return 'unsupported';
    return 'deleted';
  }

  /** Whether the registry serves the OCI 1.1 referrers API (else referrers live under the fallback tag). */
  async hasReferrersApi(repository: string, digest: string): Promise<boolean> {
    return (await this.#referrersApi(repository, digest)) !== undefined;
  }

  async #referrersApi(repository: string, digest: string): Promise<Descriptor[] | undefined> {
    const answer = await this.request({
      method: 'GET',
      path: `/v2/${repository}/referrers/${digest}`,
      repository,
      access: 'pull',
      headers: { accept: MediaType.ociIndex },
      accept: [404, 405, 400],
    });
    if (answer.status === 200 && (answer.headers.get('content-type') ?? '').startsWith(MediaType.ociIndex)) {
      return (JSON.parse(answer.body.toString('utf8')) as ImageIndex).manifests ?? [];
    }
    return undefined;
  }

  /**
   * Manifests that refer to `digest` (signatures, SBOMs): the referrers API, or the referrers tag schema's
   * fallback tag `sha256-<hex>` on registries without it (such as the distribution registry).
   */
  async referrers(repository: string, digest: string): Promise<Descriptor[]> {
    const viaApi = await this.#referrersApi(repository, digest);
    if (viaApi) return viaApi;
    const fallback = await this.resolve(repository, referrersFallbackTag(digest));
    if (!fallback) return [];
    const index = await this.getManifest(repository, fallback.digest);
    return ((index.json as unknown as ImageIndex).manifests ?? []).filter(Boolean);
  }

  // ---- blobs --------------------------------------------------------------------------------------------------

  /** The blob's size when the repository has it. */
  async blobExists(repository: string, digest: string): Promise<number | undefined> {
    const answer = await this.request({
      method: 'HEAD',
      path: `/v2/${repository}/blobs/${digest}`,
      repository,
      access: 'pull',
      accept: [404],
    });
    return answer.status === 404 ? undefined : Number(answer.headers.get('content-length') ?? 0);
  }

  /** A whole blob, checked against its digest; for configs and other small blobs. */
  async getBlob(repository: string, digest: string): Promise<Buffer> {
    const answer = await this.request({
      method: 'GET',
      path: `/v2/${repository}/blobs/${digest}`,
      repository,
      access: 'pull',
    });
    const actual = sha256Digest(answer.body);
    if (actual !== digest) throw this.#error('protocol', `Blob ${digest} of ${repository} arrived as ${actual}.`);
    return answer.body;
  }

  /** A byte range of a blob (`Range` GET); the pieces of a copy between registries. */
  async readBlobRange(repository: string, digest: string, offset: number, length: number): Promise<Buffer> {
    const answer = await this.request({
      method: 'GET',
      path: `/v2/${repository}/blobs/${digest}`,
      repository,
      access: 'pull',
      headers: { range: `bytes=${offset}-${offset + length - 1}` },
    });
    if (answer.status === 206) return answer.body;
    // A registry that ignores Range sends the whole blob.
    return answer.body.subarray(offset, offset + length);
  }

  /**
   * A BlobSource reading `descriptor` from this registry by ranges, to upload it to another without a temp file.
   * Reads are sequential in an upload, so the next range is fetched while the current one is sent.
   */
  blobSource(repository: string, descriptor: Pick<Descriptor, 'digest' | 'size'>): BlobSource {
    let ahead: { offset: number; length: number; bytes: Promise<Buffer> } | undefined;
    const fetchRange = (offset: number, length: number) => {
      const bytes = this.readBlobRange(repository, descriptor.digest, offset, length);
      bytes.catch(() => undefined); // a prefetch nobody asks for must not become an unhandled rejection
      return bytes;
    };
    return {
      digest: descriptor.digest,
      size: descriptor.size,
      read: async (offset, length) => {
        const current = ahead?.offset === offset && ahead.length === length ? ahead.bytes : fetchRange(offset, length);
        const next = offset + length;
        const nextLength = Math.min(length, descriptor.size - next);
        ahead = nextLength > 0 ? { offset: next, length: nextLength, bytes: fetchRange(next, nextLength) } : undefined;
        return current;
      },
    };
  }

  /** Links a blob from another repository of the same registry; false when the registry started an upload instead. */
  async mountBlob(repository: string, digest: string, from: string): Promise<boolean> {
    const answer = await this.request({
      method: 'POST',
      path: `/v2/${repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`,
      repository,
      access: 'pull,push',
      alsoPull: from,
    });
    if (answer.status === 201) return true;
    const location = answer.headers.get('location');
    if (location) {
      await this.request({
        method: 'DELETE',
        path: this.#resolveLocation(location),
        repository,
        access: 'pull,push',
        accept: [404, 405],
      }).catch(() => undefined);
    }
    return false;
  }

  #resolveLocation(location: string): string {
    return new URL(location, this.baseUrl).toString();
  }

  async #startUpload(repository: string): Promise<string> {
    const answer = await this.request({
      method: 'POST',
      path: `/v2/${repository}/blobs/uploads/`,
      repository,
      access: 'pull,push',
    });
    const location = answer.headers.get('location');
    if (!location) throw this.#error('protocol', `${this.registry} started an upload without a Location header.`);
    return this.#resolveLocation(location);
  }

  /** Where an upload session stands: the next offset, or undefined when the session is gone. */
  async #uploadOffset(repository: string, location: string): Promise<number | undefined> {
    const answer = await this.request({
      method: 'GET',
      path: location,
      repository,
      access: 'pull,push',
      accept: [400, 404, 416],
    });
    if (answer.status !== 204) return undefined;
    const range = /^(?:bytes=)?0-(\d+)$/.exec(answer.headers.get('range') ?? '');
    return range ? Number(range[1]) + 1 : 0;
  }

  /**
   * Uploads a blob unless the repository has it (or can mount it from `mountFrom`). Small blobs go in one PUT;
   * large ones in PATCH chunks. A step that fails (a 5xx, a cut connection, a lost answer) is recovered by asking
   * whether the blob arrived after all, then where the session stands; a session the registry dropped (the
   * distribution registry cancels one resumed from stale state) restarts from the first byte.
   */
  async uploadBlob(
    repository: string,
    source: BlobSource,
    options: { mountFrom?: string } = {},
  ): Promise<UploadOutcome> {
    if ((await this.blobExists(repository, source.digest)) !== undefined) return 'exists';
    if (options.mountFrom && options.mountFrom !== repository) {
      if (await this.mountBlob(repository, source.digest, options.mountFrom)) return 'mounted';
    }
    let failures = 0;
    const recover = async (step: string, error: unknown): Promise<void> => {
      failures += 1;
      if (
        error instanceof RegistryError &&
        error.kind !== 'unavailable' &&
        error.kind !== 'unreachable' &&
        error.kind !== 'protocol'
      ) {
        throw error;
      }
      if (failures >= this.#policy.attempts * 2) {
        throw this.#error(
          'unavailable',
          `Uploading ${source.digest} to ${repository} failed ${failures} times; last at ${step}: ${(error as Error).message}`,
        );
      }
      this.#log.debug(`upload ${source.digest.slice(7, 19)} ${step} failed (${(error as Error).message}); recovering`);
      await sleep(retryDelayMs(failures, this.#policy));
    };
    const verified = verifyingReads(source, this.registry);
    let location: string | undefined;
    let offset = 0;
    for (;;) {
      try {
        if (location === undefined) {
          location = await this.#startUpload(repository);
          offset = 0;
        }
        if (offset === 0 && source.size <= this.#chunkSize) {
          await this.#finishUpload(repository, location, source.digest, await verified.read(0, source.size));
          return 'uploaded';
        }
        while (offset < source.size) {
          const length = Math.min(this.#chunkSize, source.size - offset);
          const chunk = await verified.read(offset, length);
          const answer = await this.request({
            method: 'PATCH',
            path: location,
            repository,
            access: 'pull,push',
            headers: {
              'content-type': 'application/octet-stream',
              'content-range': `${offset}-${offset + length - 1}`,
            },
            body: chunk,
            retry: false,
          });
          const next = answer.headers.get('location');
          if (next) location = this.#resolveLocation(next);
          offset += length;
        }
        await this.#finishUpload(repository, location, source.digest);
        return 'uploaded';
      } catch (error) {
        if (error instanceof BlobDigestMismatch) throw error;
        await recover(location === undefined ? 'start' : `offset ${offset}`, error);
        if ((await this.blobExists(repository, source.digest)) !== undefined) return 'uploaded';
        // The registry checked the session's bytes against the digest and refused them (a chunk whose answer was
        // lost can leave a session that no offset can mend): only a new session from the first byte can finish.
        if (error instanceof RegistryError && error.status === 400 && /DIGEST_INVALID/.test(error.message)) {
          location = undefined;
        } else if (location !== undefined) {
          const at = await this.#uploadOffset(repository, location).catch(() => undefined);
          if (at === undefined || at > source.size) {
            location = undefined;
          } else {
            offset = at;
          }
        }
      }
    }
  }

  async #finishUpload(repository: string, location: string, digest: string, body?: Uint8Array): Promise<void> {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    await this.request({
      method: 'PUT',
      path: url.toString(),
      repository,
      access: 'pull,push',
      headers: { 'content-type': 'application/octet-stream' },
      body: body ?? new Uint8Array(0),
      retry: false,
    });
  }
}

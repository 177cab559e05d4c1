import { createPrivateKey, createSign, randomUUID, timingSafeEqual, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { type InProcessServer, listenOnLoopback } from './in-process-server.js';
import { run } from './process.js';
import { executable } from './require-service.js';

export type RegistryAction = 'pull' | 'push' | 'delete' | '*';

export interface TokenUser {
  password: string;
  /** Repository pattern → allowed actions. A pattern is an exact name, `prefix/*`, or `*` for every repository. */
  grants: Record<string, RegistryAction[]>;
}

export interface TokenServerOptions {
  /** Read at every request, so a test may change passwords or grants while the server runs. */
  users: Record<string, TokenUser>;
  /** What a request without credentials may do; default nothing. */
  anonymousGrants?: Record<string, RegistryAction[]>;
  service: string;
  issuer: string;
  /** Where the signing certificate and key are written (the registry reads the certificate). */
  dir: string;
  tokenLifetimeSeconds?: number;
}

export interface AccessClaim {
  type: string;
  name: string;
  actions: string[];
}

export interface IssuedToken {
  account: string | undefined;
  access: AccessClaim[];
}

export interface TokenServer extends InProcessServer {
  readonly realm: string;
  /** PEM certificate whose key signs the tokens: the registry's `auth.token.rootcertbundle`. */
  readonly certificatePath: string;
  /** Every token handed out, in order (refusals are not tokens and are not listed). */
  readonly issued: IssuedToken[];
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** Parses `repository:name:pull,push` (names never contain ':' but a registry host in a name could, so split at the ends). */
export function parseScope(scope: string): AccessClaim | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last === first) return undefined;
  const actions = scope
    .slice(last + 1)
    .split(',')
    .filter(Boolean);
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions };
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('/*')) return name.startsWith(pattern.slice(0, -1));
  return pattern === name;
}

/** The requested actions that the grants allow, per requested scope (empty actions when nothing is allowed). */
export function grantedAccess(requested: AccessClaim[], grants: Record<string, RegistryAction[]>): AccessClaim[] {
  return requested.map((claim) => {
    const allowed = new Set<string>();
    if (claim.type === 'repository') {
      for (const [pattern, actions] of Object.entries(grants)) {
        if (patternMatches(pattern, claim.name)) for (const action of actions) allowed.add(action);
      }
    }
    const actions = claim.actions.filter((action) => allowed.has(action) || allowed.has('*'));
    return { ...claim, actions };
  });
}

function passwordMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The Docker token protocol as the distribution registry's `auth.token` expects it: HTTP Basic credentials in,
 * an RS256 JWT out whose `x5c` header carries the signing certificate and whose `access` claim lists, per
 * requested repository, the actions the user's grants allow. Wrong credentials get 401.
 */
export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const keyPath = join(options.dir, 'token-signing.key');
  const certificatePath = join(options.dir, 'token-signing.crt');
  await run(executable('openssl'), [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    certificatePath,
    '-days',
    '2',
    '-subj',
    `/CN=${options.issuer}`,
  ]);
  const privateKey = createPrivateKey(await readFile(keyPath));
  const certificate = new X509Certificate(await readFile(certificatePath));
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', x5c: [certificate.raw.toString('base64')] }));
  const issued: IssuedToken[] = [];

  const sign = (account: string | undefined, access: AccessClaim[]) => {
    const now = Math.floor(Date.now() / 1000);
    const lifetime = options.tokenLifetimeSeconds ?? 300;
    const claims = {
      iss: options.issuer,
      sub: account ?? '',
      aud: options.service,
      exp: now + lifetime,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const signingInput = `${header}.${base64url(JSON.stringify(claims))}`;
    const signature = createSign('RSA-SHA256').update(signingInput).sign(privateKey);
    return { token: `${signingInput}.${base64url(signature)}`, lifetime, issuedAt: new Date(now * 1000) };
  };

  const server = createServer((request, response) => {
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    const url = new URL(request.url ?? '/', 'http://token.invalid');
    if (request.method !== 'GET' || url.pathname !== '/token') return reply(404, { error: 'not found' });
    if (url.searchParams.get('service') !== options.service) {
      return reply(400, { error: `service must be ${options.service}` });
    }
    let account: string | undefined;
    let grants = options.anonymousGrants ?? {};
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const [scheme, encoded] = authorization.split(' ');
      const decoded = scheme?.toLowerCase() === 'basic' ? Buffer.from(encoded ?? '', 'base64').toString() : '';
      const separator = decoded.indexOf(':');
      const user = separator > 0 ? options.users[decoded.slice(0, separator)] : undefined;
      if (user === undefined || !passwordMatches(user.password, decoded.slice(separator + 1))) {
        return reply(
          401,
          { errors: [{ code: 'UNAUTHORIZED', message: 'wrong user name or password' }] },
          {
            'www-authenticate': 'Basic realm="rig token server"',
          },
        );
      }
      account = decoded.slice(0, separator);
      grants = user.grants;
    }
    const requested = url.searchParams
      .getAll('scope')
      .flatMap((scope) => scope.split(' '))
      .map(parseScope)
      .filter((claim): claim is AccessClaim => claim !== undefined);
    const access = grantedAccess(requested, grants);
    issued.push({ account, access });
    const { token, lifetime, issuedAt } = sign(account, access);
    reply(200, { token, access_token: token, expires_in: lifetime, issued_at: issuedAt.toISOString() });
  });
  const listening = await listenOnLoopback(server);
  return { ...listening, realm: `${listening.url}/token`, certificatePath, issued };
}

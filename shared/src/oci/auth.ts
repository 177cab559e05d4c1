import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isOciLayout } from './reference.js';

export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface AuthChallenge {
  scheme: 'basic' | 'bearer';
  /** Lower-cased parameter names: realm, service, scope. */
  params: Record<string, string>;
}

/** Parses the first challenge of a WWW-Authenticate header (`Bearer realm="…",service="…",scope="…"`). */
export function parseAuthChallenge(header: string | null): AuthChallenge | undefined {
  if (!header) return undefined;
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const scheme = (match[1] as string).toLowerCase();
  if (scheme !== 'basic' && scheme !== 'bearer') return undefined;
  const params: Record<string, string> = {};
  const pattern = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))\s*,?\s*/gy;
  const text = match[2] ?? '';
  let found: RegExpExecArray | null = pattern.exec(text);
  while (found !== null) {
    params[(found[1] as string).toLowerCase()] =
      found[2] !== undefined ? found[2].replace(/\\(.)/g, '$1') : (found[3] ?? '');
    found = pattern.exec(text);
  }
  return { scheme, params };
}

export function basicAuthorization(credentials: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

interface AuthFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
}

/** How an auth file may spell a registry: bare host, with scheme, or Docker Hub's legacy v1 URL. */
function authKeys(registry: string): string[] {
  const keys = [
    registry,
    `https://${registry}`,
    `http://${registry}`,
    `https://${registry}/v1/`,
    `https://${registry}/v2/`,
  ];
  if (registry === 'docker.io' || registry === 'registry-1.docker.io' || registry === 'index.docker.io') {
    keys.push('https://index.docker.io/v1/', 'index.docker.io', 'docker.io');
  }
  return keys;
}

/** Credentials for `registry` from one docker config.json / containers auth.json text, if it has them. */
export function credentialsFromAuthFile(text: string, registry: string): RegistryCredentials | undefined {
  let parsed: AuthFile;
  try {
    parsed = JSON.parse(text) as AuthFile;
  } catch {
    return undefined;
  }
  for (const key of authKeys(registry)) {
    const entry = parsed.auths?.[key];
    if (!entry) continue;
    if (entry.username && entry.password) return { username: entry.username, password: entry.password };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const separator = decoded.indexOf(':');
      if (separator > 0) return { username: decoded.slice(0, separator), password: decoded.slice(separator + 1) };
    }
    if (entry.identitytoken) return { username: '<token>', password: entry.identitytoken };
  }
  return undefined;
}

/** The auth files docker, podman, buildah and skopeo read, in the order they read them. */
export function authFileCandidates(env: NodeJS.ProcessEnv): string[] {
  const files: string[] = [];
  if (env.REGISTRY_AUTH_FILE) files.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) files.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  files.push(join(env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), '.docker'), 'config.json'));
  return files;
}

/**
 * Credentials left by `docker login` (or `podman login`, `skopeo login`) for `registry`. Credential helpers
 * (`credsStore`, `credHelpers`) are not run: only credentials stored in the file itself are read.
 */
export async function readStoredCredentials(
  registry: string,
  env: NodeJS.ProcessEnv,
): Promise<RegistryCredentials | undefined> {
  for (const file of authFileCandidates(env)) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const found = credentialsFromAuthFile(text, registry);
    if (found) return found;
  }
  return undefined;
}

/** What a workflow gave an action to log in to registries with. */
export interface GivenCredentials {
  /** The registry `registry-username`/`registry-password` are for: the one the `image` input names. */
  inputsRegistry: string;
  inputs?: RegistryCredentials | undefined;
  /** `github-token`: the password for ghcr.io, with the workflow's actor as the user name. */
  githubToken?: string | undefined;
  actor?: string | undefined;
}

/** What an action's inputs give: `registry-username`/`registry-password` for the `image` input's registry, `github-token`. */
export function givenCredentials(
  inputs: {
    image: { registry: string };
    registryCredentials: RegistryCredentials | undefined;
    githubToken: string | undefined;
  },
  actor: string | undefined,
): GivenCredentials {
  return {
    inputsRegistry: inputs.image.registry,
    inputs: inputs.registryCredentials,
    githubToken: inputs.githubToken,
    actor,
  };
}

export type CredentialsSource = 'inputs' | 'stored' | 'github-token';

/**
 * The one rule build-image and promote log in by. For `registry`, in this order: the inputs, when `registry` is the
 * image's (the inputs are never sent anywhere else, so a base image on another registry gets none of them); else
 * what `docker login` stored for `registry` (`stored`, read by the caller); else, for ghcr.io only, github-token.
 * A stored login wins over github-token because it was made for that registry on purpose, while github-token is
 * every workflow's default and often lacks `packages: write`.
 */
export function chooseRegistryCredentials(
  registry: string,
  given: GivenCredentials,
  stored: RegistryCredentials | undefined,
): { source: CredentialsSource; credentials: RegistryCredentials } | undefined {
  if (registry === given.inputsRegistry && given.inputs) return { source: 'inputs', credentials: given.inputs };
  if (stored) return { source: 'stored', credentials: stored };
  if (registry === 'ghcr.io' && given.githubToken) {
    return {
      source: 'github-token',
      credentials: { username: given.actor ?? 'x-access-token', password: given.githubToken },
    };
  }
  return undefined;
}

/** chooseRegistryCredentials with the stored login read from DOCKER_CONFIG / REGISTRY_AUTH_FILE; none for oci:DIR. */
export async function resolveRegistryCredentials(
  registry: string,
  given: GivenCredentials,
  env: NodeJS.ProcessEnv,
): Promise<RegistryCredentials | undefined> {
  if (isOciLayout({ registry })) return undefined;
  const stored = await readStoredCredentials(registry, env);
  return chooseRegistryCredentials(registry, given, stored)?.credentials;
}

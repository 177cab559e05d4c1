import { ConfigurationError } from '../errors/index.js';
import { isDigest } from './digest.js';

/** A parsed image reference: where the registry is, which repository, and optionally a tag and/or digest. */
export interface ImageReference {
  /** As written or normalised for Docker Hub: `ghcr.io`, `127.0.0.1:5000`, `docker.io`; OCI_LAYOUT for `oci:DIR`. */
  registry: string;
  /**
   * Lower-case path inside the registry, e.g. `acme/churn-model` (`library/busybox` on Docker Hub); for an OCI
   * image layout, its directory as written (relative to the workspace).
   */
  repository: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DOMAIN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\d+)?$|^\[[0-9a-fA-F:.]+\](?::\d+)?$/;
const DOCKER_HUB = 'docker.io';

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

/** The `registry` of references to OCI image layout directories, written `oci:DIR[:TAG]` as skopeo does. */
export const OCI_LAYOUT = 'oci';
const LAYOUT_PREFIX = `${OCI_LAYOUT}:`;

export function isOciLayout(reference: Pick<ImageReference, 'registry'>): boolean {
  return reference.registry === OCI_LAYOUT;
}

/** The text before the '@' at `at` and the digest after it (checked); all of it when `at` is -1. */
function splitDigest(text: string, at: number, fail: (why: string) => never): { rest: string; digest?: string } {
  if (at < 0) return { rest: text };
  const digest = text.slice(at + 1);
  if (!isDigest(digest)) fail(`the digest must be sha256: followed by 64 lower-case hex digits, got '${digest}'`);
  return { rest: text.slice(0, at), digest };
}

/** `oci:DIR`, `oci:DIR:TAG` or `oci:DIR@sha256:…`: the directory ends at the first ':' as in skopeo. */
function parseLayoutReference(text: string, fail: (why: string) => never): ImageReference {
  const body = text.slice(LAYOUT_PREFIX.length);
  const { rest, digest } = splitDigest(body, body.lastIndexOf('@'), fail);
  const colon = rest.indexOf(':');
  const directory = colon >= 0 ? rest.slice(0, colon) : rest;
  const tag = colon >= 0 ? rest.slice(colon + 1) : undefined;
  if (directory === '') fail("name the layout directory after 'oci:', e.g. oci:build/model-image:latest");
  if (tag !== undefined && !isValidTag(tag)) {
    fail(`the tag '${tag}' must be 1-128 of letters, digits, '_', '.', '-', not starting with '.' or '-'`);
  }
  return {
    registry: OCI_LAYOUT,
    repository: directory,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/**
 * Parses `[registry/]repository[:tag][@digest]` by the distribution reference grammar. The first path part is the
 * registry when it has a dot or a port or is `localhost`, as docker decides it. Mistakes name the input.
 */
export function parseImageReference(text: string, input = 'image'): ImageReference {
  const fail = (why: string): never => {
    throw new ConfigurationError(`Input '${input}': '${text}' is not a valid image reference: ${why}.`, { input });
  };
  const trimmed = text.trim();
  if (trimmed === '') fail('it is empty');
  if (/^[a-z]+:\/\//i.test(trimmed)) fail('write it without a scheme, e.g. ghcr.io/acme/model');
  if (trimmed.startsWith(LAYOUT_PREFIX)) return parseLayoutReference(trimmed, fail);
  const split = splitDigest(trimmed, trimmed.indexOf('@'), fail);
  let rest = split.rest;
  const digest = split.digest;
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isValidTag(tag))
      fail(`the tag '${tag}' must be 1-128 of letters, digits, '_', '.', '-', not starting with '.' or '-'`);
  }
  const parts = rest.split('/');
  let registry = DOCKER_HUB;
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    parts.shift();
    if (!DOMAIN.test(registry)) fail(`'${registry}' is not a registry host name`);
  }
  if (parts.length === 0 || parts.some((part) => part === '')) fail('the repository path has an empty part');
  for (const part of parts) {
    if (part !== part.toLowerCase()) {
      fail(`repository names must be lower case ('${part}' → '${part.toLowerCase()}')`);
    }
    if (!COMPONENT.test(part)) {
      fail(`'${part}' may only hold a-z, 0-9 and single '.', '_', '__' or '-' separators between them`);
    }
  }
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  const repository = parts.join('/');
  if (repository.length > 255) fail('the repository path is longer than 255 characters');
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

export function formatImageReference(reference: ImageReference): string {
  const base = isOciLayout(reference)
    ? `${LAYOUT_PREFIX}${reference.repository}`
    : `${reference.registry}/${reference.repository}`;
  if (reference.digest) return `${base}@${reference.digest}`;
  return reference.tag ? `${base}:${reference.tag}` : base;
}

/** The host the API answers on: Docker Hub's API is not at docker.io. */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB || registry === 'index.docker.io' ? 'registry-1.docker.io' : registry;
}

/** Loopback registries speak plain HTTP, as docker and skopeo allow for them without configuration. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

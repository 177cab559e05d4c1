import type { GithubEnvironment, WebhookPayload } from '../context/index.js';
import { ConfigurationError } from '../errors/index.js';
import { isValidTag } from '../oci/reference.js';

/** What tags depend on, taken from the event: the docker/metadata-action inputs, minus its templates. */
export interface TagContext {
  eventName: string | undefined;
  /** `refs/heads/main`, `refs/tags/v1.2.3`, `refs/pull/12/merge`. */
  ref: string | undefined;
  /** The commit the image is of: the pull request's head on pull requests, not the merge commit. */
  sha: string | undefined;
  pullRequest?: number;
}

export function tagContext(github: GithubEnvironment, payload: WebhookPayload | undefined): TagContext {
  const pull = payload?.pull_request as { number?: number; head?: { sha?: string } } | undefined;
  const isPull = github.eventName === 'pull_request' || github.eventName === 'pull_request_target';
  if (isPull && pull?.number !== undefined) {
    return {
      eventName: github.eventName,
      ref: github.ref,
      sha: pull.head?.sha ?? github.sha,
      pullRequest: pull.number,
    };
  }
  if (github.eventName === 'release' && payload?.release?.tag_name) {
    return { eventName: github.eventName, ref: `refs/tags/${payload.release.tag_name}`, sha: github.sha };
  }
  return { eventName: github.eventName, ref: github.ref, sha: github.sha };
}

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  prerelease?: string;
  build?: string;
}

const SEMVER =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export function parseSemVer(text: string): SemVer | undefined {
  const match = SEMVER.exec(text);
  if (!match) return undefined;
  return {
    major: Number(match[1]),
    minor: Number(match[2]),
    patch: Number(match[3]),
    ...(match[4] !== undefined ? { prerelease: match[4] } : {}),
    ...(match[5] !== undefined ? { build: match[5] } : {}),
  };
}

/** A git ref name made into a valid tag: invalid characters become '-', at most 128, no leading '.' or '-'. */
export function sanitizeTag(name: string): string {
  return name
    .replace(/[^\w.-]/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 128);
}

/**
 * The default tags, as docker/metadata-action computes them: `sha-<7>` always; the branch name on branch pushes;
 * `pr-<n>` on pull requests (whose sha is the head's); for a tag `v1.2.3`, `1.2.3`, `1.2`, `1` and `latest`;
 * for a pre-release tag `v1.2.3-rc.1`, only `1.2.3-rc.1`; for another tag, its name. A major of 0 gets no tag
 * of its own: `0` would promise a stability that 0.x versions do not have.
 */
export function defaultTags(context: TagContext): string[] {
  const tags: string[] = [];
  const ref = context.ref ?? '';
  if (context.pullRequest !== undefined) {
    tags.push(`pr-${context.pullRequest}`);
  } else if (ref.startsWith('refs/heads/')) {
    tags.push(sanitizeTag(ref.slice('refs/heads/'.length)));
  } else if (ref.startsWith('refs/tags/')) {
    const name = ref.slice('refs/tags/'.length);
    const version = parseSemVer(name);
    if (!version) {
      tags.push(sanitizeTag(name));
    } else {
      const { major, minor, patch, prerelease, build } = version;
      const full = `${major}.${minor}.${patch}${prerelease ? `-${prerelease}` : ''}${build ? `-${build}` : ''}`;
      tags.push(sanitizeTag(full));
      if (!prerelease) {
        tags.push(`${major}.${minor}`);
        if (major > 0) tags.push(String(major));
        tags.push('latest');
      }
    }
  }
  if (context.sha && /^[0-9a-f]{7,}$/.test(context.sha)) tags.push(`sha-${context.sha.slice(0, 7)}`);
  return [...new Set(tags.filter(Boolean))];
}

/** Explicit tags from the `tags` input, each checked, or the defaults when none are given. */
export function resolveTags(explicit: readonly string[], context: TagContext, input = 'tags'): string[] {
  if (explicit.length === 0) return defaultTags(context);
  for (const tag of explicit) {
    if (!isValidTag(tag)) {
      throw new ConfigurationError(
        `Input '${input}': '${tag}' is not a valid tag: 1-128 of letters, digits, '_', '.', '-', not starting with '.' or '-'.`,
        { input },
      );
    }
  }
  return [...new Set(explicit)];
}

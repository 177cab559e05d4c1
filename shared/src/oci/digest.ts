import { createHash } from 'node:crypto';

const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;

export function isDigest(text: string): boolean {
  return DIGEST_PATTERN.test(text);
}

export function sha256Digest(data: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** The referrers tag schema's fallback tag for a subject digest: `sha256-<hex>`. */
export function referrersFallbackTag(digest: string): string {
  return digest.replace(':', '-');
}

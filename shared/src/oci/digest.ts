import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;

export function isDigest(text: string): boolean {
  return DIGEST_PATTERN.test(text);
}

export function sha256Digest(data: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** A file's digest, read as a stream (model layers can be gigabytes). */
export async function sha256FileDigest(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** The referrers tag schema's fallback tag for a subject digest: `sha256-<hex>`. */
export function referrersFallbackTag(digest: string): string {
  return digest.replace(':', '-');
}

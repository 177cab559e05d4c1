import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { RegistryError } from './errors.js';

/** The bytes read for a blob are not the blob its digest names: nothing more is sent, whatever the retries. */
export class BlobDigestMismatch extends RegistryError {}

/**
 * The sha256 of a blob's bytes as an upload first covers each of them, whether they pass in ranged reads or in one
 * stream, and in whatever mix a resumed or restarted upload makes (bytes hashed already are skipped). The bytes
 * that reach the blob's size are refused before they are sent when the whole does not hash to the digest, so a
 * corrupt blob is never finished (a copy between registries checks the source's bytes too).
 */
export class BlobHasher {
  readonly #hash = createHash('sha256');
  readonly #digest: string;
  readonly #size: number;
  readonly #registry: string;
  #hashed = 0;
  /** Set once the bytes are known not to be the blob; an upload that sees it stops for good. */
  mismatch: BlobDigestMismatch | undefined;

  constructor(digest: string, size: number, registry: string) {
    this.#digest = digest;
    this.#size = size;
    this.#registry = registry;
  }

  /** Bytes hashed so far, from the first: how far a stream got. */
  get hashed(): number {
    return this.#hashed;
  }

  /** Takes the bytes at `offset`; throws (and keeps) a BlobDigestMismatch when they complete a wrong blob. */
  consume(offset: number, bytes: Uint8Array): void {
    if (this.mismatch) throw this.mismatch;
    if (offset > this.#hashed || offset + bytes.byteLength <= this.#hashed) return;
    this.#hash.update(bytes.subarray(this.#hashed - offset));
    this.#hashed = offset + bytes.byteLength;
    if (this.#hashed < this.#size) return;
    const actual = `sha256:${this.#hash.digest('hex')}`;
    if (actual === this.#digest && this.#hashed === this.#size) return;
    this.mismatch = new BlobDigestMismatch(
      'protocol',
      this.#hashed === this.#size
        ? `Blob ${this.#digest} read for upload hashes to ${actual}: its source is corrupt or not that blob.`
        : `Blob ${this.#digest} read for upload is longer than its ${this.#size} bytes: its source is not that blob.`,
      { registry: this.#registry },
    );
    throw this.mismatch;
  }

  /** A stream of the bytes from `offset` on, passed through `consume` before they go further. */
  passing(offset: number): Transform {
    let at = offset;
    return new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        try {
          this.consume(at, chunk);
        } catch (error) {
          done(error as Error);
          return;
        }
        at += chunk.byteLength;
        done(null, chunk);
      },
    });
  }
}

import { open } from 'node:fs/promises';

/**
 * Where the bytes of a blob come from, by range, so an upload can resume or restart at any offset without
 * holding the blob in memory: a buffer, a file, or another registry (ranged GETs, for copies).
 */
export interface BlobSource {
  digest: string;
  size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  /** The bytes from `offset` to the end as one stream, when the source can do better than ranged reads. */
  stream?(offset: number): Promise<AsyncIterable<Uint8Array>>;
}

export function bufferBlobSource(data: Uint8Array, digest: string): BlobSource {
  return {
    digest,
    size: data.byteLength,
    read: async (offset, length) => data.subarray(offset, offset + length),
  };
}

export function fileBlobSource(path: string, digest: string, size: number): BlobSource {
  return {
    digest,
    size,
    read: async (offset, length) => {
      const handle = await open(path, 'r');
      try {
        const buffer = Buffer.allocUnsafe(Math.min(length, size - offset));
        let filled = 0;
        while (filled < buffer.length) {
          const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, offset + filled);
          if (bytesRead === 0) throw new Error(`${path} is shorter than the ${size} bytes expected`);
          filled += bytesRead;
        }
        return buffer;
      } finally {
        await handle.close();
      }
    },
  };
}

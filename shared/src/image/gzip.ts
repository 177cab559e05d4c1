import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { constants, crc32, deflateRaw } from 'node:zlib';

const deflateRawAsync = promisify(deflateRaw);

/**
 * Fixed compression settings. Changing any of them changes every layer digest, so they are constants, not
 * options: level 1 (zlib's fastest: on model files, weights barely compress at any level and text such as CSV
 * shards comes out about 10% larger than at level 6 but three times faster), a 32 KiB window, memLevel 8,
 * default strategy, 4 MiB segments.
 */
export const GZIP_SETTINGS = {
  level: 1,
  windowBits: 15,
  memLevel: 8,
  strategy: constants.Z_DEFAULT_STRATEGY,
  segmentBytes: 4 * 1024 * 1024,
  /** A segment is stored rather than deflated when a level-1 probe of its samples saves less than this share. */
  minSaving: 0.03,
  sampleBytes: 16 * 1024,
} as const;

export interface GzipResult {
  /** sha256 of the compressed bytes: the layer's digest. */
  digest: string;
  size: number;
  /** sha256 of the uncompressed tar: the config's diff_id. */
  diffId: string;
  uncompressedSize: number;
  /** Segments stored without compression (incompressible data such as weights). */
  storedSegments: number;
  segments: number;
}

/** Deflate "stored" blocks (at most 65535 bytes each, never final) for data that does not compress. */
function storedBlocks(data: Buffer): Buffer {
  const blocks = Math.max(1, Math.ceil(data.length / 65535));
  const out = Buffer.allocUnsafe(data.length + blocks * 5);
  let written = 0;
  for (let offset = 0; offset < data.length || written === 0; offset += 65535) {
    const length = Math.min(65535, data.length - offset);
    out[written] = 0;
    out.writeUInt16LE(length, written + 1);
    out.writeUInt16LE(~length & 0xffff, written + 3);
    data.copy(out, written + 5, offset, offset + length);
    written += 5 + length;
    if (data.length === 0) break;
  }
  return out.subarray(0, written);
}

function samples(segment: Buffer): Buffer {
  const size = GZIP_SETTINGS.sampleBytes;
  if (segment.length <= size * 4) return segment;
  const step = Math.floor(segment.length / 4);
  return Buffer.concat([0, 1, 2, 3].map((index) => segment.subarray(index * step, index * step + size)));
}

/**
 * One segment as a piece of a deflate stream that ends byte-aligned and not final: deflated with a sync flush,
 * or stored when a probe says it would not shrink. Segments are independent, so they compress in parallel on
 * the thread pool (as pigz does), and the choice depends only on the bytes, so the output is deterministic.
 */
async function compressSegment(segment: Buffer): Promise<{ bytes: Buffer; stored: boolean }> {
  const sample = samples(segment);
  const probe = await deflateRawAsync(sample, { level: 1 });
  if (probe.length >= sample.length * (1 - GZIP_SETTINGS.minSaving))
    return { bytes: storedBlocks(segment), stored: true };
  const bytes = await deflateRawAsync(segment, {
    level: GZIP_SETTINGS.level,
    windowBits: GZIP_SETTINGS.windowBits,
    memLevel: GZIP_SETTINGS.memLevel,
    strategy: GZIP_SETTINGS.strategy,
    finishFlush: constants.Z_SYNC_FLUSH,
  });
  return { bytes, stored: false };
}

/** Magic, deflate, no flags, mtime 0, no extra flags, OS "unknown": nothing about the machine or the time. */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);
/** An empty final stored block closes the deflate stream. */
const FINAL_BLOCK = Buffer.from([0x01, 0x00, 0x00, 0xff, 0xff]);

/**
 * Compresses a byte stream into a gzip file at `outPath` deterministically: the input is cut into fixed-size
 * segments whatever sizes the chunks arrive in, each segment compressed on its own and in parallel, and the
 * gzip header carries no time or OS. Returns both digests an image needs.
 */
export async function writeDeterministicGzip(
  input: AsyncIterable<Uint8Array>,
  outPath: string,
  concurrency = Math.max(2, availableParallelism()),
): Promise<GzipResult> {
  const handle = await open(outPath, 'w');
  const compressedHash = createHash('sha256');
  const tarHash = createHash('sha256');
  let crc = 0;
  let uncompressedSize = 0;
  let size = 0;
  let storedSegments = 0;
  let segments = 0;
  const inFlight: Promise<{ bytes: Buffer; stored: boolean }>[] = [];
  const write = async (bytes: Buffer) => {
    compressedHash.update(bytes);
    size += bytes.length;
    let offset = 0;
    while (offset < bytes.length) offset += (await handle.write(bytes, offset)).bytesWritten;
  };
  const drainOne = async () => {
    const done = await (inFlight.shift() as Promise<{ bytes: Buffer; stored: boolean }>);
    if (done.stored) storedSegments += 1;
    await write(done.bytes);
  };
  const dispatch = async (segment: Buffer) => {
    tarHash.update(segment);
    crc = crc32(segment, crc);
    uncompressedSize += segment.length;
    segments += 1;
    inFlight.push(compressSegment(segment));
    if (inFlight.length >= concurrency) await drainOne();
  };
  try {
    await write(GZIP_HEADER);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    for await (const chunk of input) {
      let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      while (data.length > 0) {
        const room = GZIP_SETTINGS.segmentBytes - pendingBytes;
        const part = data.subarray(0, room);
        // Copy: the producer may reuse its buffers, and the segment outlives this turn of the loop.
        pending.push(Buffer.from(part));
        pendingBytes += part.length;
        data = data.subarray(part.length);
        if (pendingBytes === GZIP_SETTINGS.segmentBytes) {
          await dispatch(Buffer.concat(pending, pendingBytes));
          pending = [];
          pendingBytes = 0;
        }
      }
    }
    if (pendingBytes > 0) await dispatch(Buffer.concat(pending, pendingBytes));
    while (inFlight.length > 0) await drainOne();
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc >>> 0, 0);
    trailer.writeUInt32LE(uncompressedSize % 2 ** 32, 4);
    await write(Buffer.concat([FINAL_BLOCK, trailer]));
  } finally {
    // Settle whatever is still compressing before the file closes, even after a failure.
    await Promise.allSettled(inFlight);
    await handle.close();
  }
  return {
    digest: `sha256:${compressedHash.digest('hex')}`,
    size,
    diffId: `sha256:${tarHash.digest('hex')}`,
    uncompressedSize,
    storedSegments,
    segments,
  };
}

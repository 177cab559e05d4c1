import { constants } from 'node:buffer';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

/** A zip that would unzip to more than it may: nothing of it is kept. */
export class UnzipLimitError extends Error {
  constructor(readonly maxBytes: number) {
    super(`it unzips to more than ${maxBytes} bytes`);
    this.name = 'UnzipLimitError';
  }
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;
const STORED = 0;
const DEFLATED = 8;

export interface ZipEntry {
  /** The entry's path inside the zip, `/`-separated, never absolute nor climbing out with `..`. */
  name: string;
  content: Buffer;
}

function endOfCentralDirectory(zip: Buffer): number {
  // The record is 22 bytes plus a comment of up to 65,535: search backwards from the end, no further.
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at--) {
    if (zip.readUInt32LE(at) === END_OF_CENTRAL_DIRECTORY) return at;
  }
  throw new Error('not a zip file (no end of central directory record)');
}

function safeName(name: string): string {
  const parts = name.split('/');
  if (name.startsWith('/') || name.includes('\\') || parts.includes('..') || /^[a-zA-Z]:/.test(name)) {
    throw new Error(`the zip holds an entry outside its folder: ${JSON.stringify(name)}`);
  }
  return name;
}

/**
 * The files of a zip held in memory, inflated with every byte counted: the sizes a zip declares are the zip's
 * claims, so the cap is on what inflation produces (zlib stops at `maxBytes`, it never allocates more).
 * Stored and deflated entries only (what artifact uploads make); Zip64 and encryption are refused.
 */
export function unzipWithin(zip: Buffer, maxBytes: number): ZipEntry[] {
  const end = endOfCentralDirectory(zip);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  if (count === 0xffff || at === 0xffffffff) throw new Error('Zip64 archives are not read');
  const entries: ZipEntry[] = [];
  let remaining = maxBytes;
  for (let index = 0; index < count; index++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== CENTRAL_DIRECTORY_ENTRY) {
      throw new Error('the zip central directory is damaged');
    }
    const flags = zip.readUInt16LE(at + 8);
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const name = safeName(zip.toString('utf8', at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
    if (flags & 1) throw new Error(`the zip entry ${JSON.stringify(name)} is encrypted`);
    if (compressedSize === 0xffffffff || localHeader === 0xffffffff) throw new Error('Zip64 archives are not read');
    if (name.endsWith('/')) continue;
    if (localHeader + 30 > zip.length || zip.readUInt32LE(localHeader) !== LOCAL_FILE_HEADER) {
      throw new Error(`the zip entry ${JSON.stringify(name)} has no local header`);
    }
    const start = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const data = zip.subarray(start, start + compressedSize);
    let content: Buffer;
    if (method === STORED) {
      if (data.length > remaining) throw new UnzipLimitError(maxBytes);
      content = Buffer.from(data);
    } else if (method === DEFLATED) {
      try {
        // One byte over what is left tells "exactly the rest" from "more than the rest".
        content = inflateRawSync(data, { maxOutputLength: Math.min(remaining + 1, constants.MAX_LENGTH) });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new UnzipLimitError(maxBytes);
        throw error;
      }
      if (content.length > remaining) throw new UnzipLimitError(maxBytes);
    } else {
      throw new Error(`the zip entry ${JSON.stringify(name)} uses compression method ${method}, not stored or deflate`);
    }
    remaining -= content.length;
    entries.push({ name, content });
  }
  return entries;
}

/** Writes unzipped entries under `directory`, their folders created. */
export async function writeEntries(entries: readonly ZipEntry[], directory: string): Promise<void> {
  for (const entry of entries) {
    const path = join(directory, entry.name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, entry.content);
  }
}

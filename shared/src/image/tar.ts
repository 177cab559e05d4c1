import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { ConfigurationError } from '../errors/index.js';

/** One entry of a layer, already normalised: what goes into the tar is decided here, not by the file system. */
export interface LayerEntry {
  /** Path inside the image, relative to `/`, POSIX separators, no trailing slash. */
  path: string;
  type: 'file' | 'directory' | 'symlink';
  /** 0o755 for directories and executables, 0o644 for other files, 0o777 for links. */
  mode: number;
  size: number;
  /** The file to read for `file` entries. */
  source?: string;
  linkTarget?: string;
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** `opt/ml/model` → directory entries `opt`, `opt/ml`, `opt/ml/model`. */
export function parentDirectories(path: string): LayerEntry[] {
  const parts = path.split('/').filter(Boolean);
  return parts.map((_, index) => ({
    path: parts.slice(0, index + 1).join('/'),
    type: 'directory' as const,
    mode: 0o755,
    size: 0,
  }));
}

/** Normalises an image path such as `/opt/ml/model/` to `opt/ml/model`; refuses `..`. */
export function imagePath(text: string, input: string): string {
  const normalised = posix.normalize(`/${text.trim()}`).replace(/^\/+|\/+$/g, '');
  if (normalised.split('/').includes('..') || text.includes('\0')) {
    throw new ConfigurationError(`Input '${input}': '${text}' must be an absolute path inside the image.`, { input });
  }
  return normalised;
}

/**
 * Every entry under `root`, placed under `destination` in the image, sorted by path bytes (so the order never
 * depends on the file system), with the destination's parent directories first. Owners, times and permission
 * bits beyond "executable or not" are dropped on purpose: they differ between checkouts.
 */
export async function scanDirectory(root: string, destination: string): Promise<LayerEntry[]> {
  const entries: LayerEntry[] = parentDirectories(destination);
  const walk = async (dir: string, inImage: string): Promise<void> => {
    const names = (await readdir(dir)).sort(compareBytes);
    for (const name of names) {
      const source = join(dir, name);
      const path = inImage ? `${inImage}/${name}` : name;
      const stats = await lstat(source);
      if (stats.isDirectory()) {
        entries.push({ path, type: 'directory', mode: 0o755, size: 0 });
        await walk(source, path);
      } else if (stats.isFile()) {
        entries.push({ path, type: 'file', mode: stats.mode & 0o111 ? 0o755 : 0o644, size: stats.size, source });
      } else if (stats.isSymbolicLink()) {
        entries.push({ path, type: 'symlink', mode: 0o777, size: 0, linkTarget: await readlink(source) });
      }
      // Sockets, FIFOs and devices have no place in a model directory and are left out.
    }
  };
  await walk(root, destination);
  return entries.sort((a, b) => compareBytes(a.path, b.path));
}

const BLOCK = 512;

function writeString(header: Buffer, text: string, offset: number, length: number): void {
  header.write(text, offset, Math.min(length, Buffer.byteLength(text)), 'utf8');
}

function writeOctal(header: Buffer, value: number, offset: number, length: number): void {
  header.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'ascii');
}

/** A PAX record `LEN key=value\n`, whose length counts its own digits. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length += 1;
  return `${length}${body}`;
}

function ustarHeader(fields: {
  name: string;
  mode: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname?: string;
}): Buffer {
  const header = Buffer.alloc(BLOCK);
  writeString(header, fields.name, 0, 100);
  writeOctal(header, fields.mode, 100, 8);
  writeOctal(header, 0, 108, 8);
  writeOctal(header, 0, 116, 8);
  writeOctal(header, fields.size, 124, 12);
  writeOctal(header, fields.mtime, 136, 12);
  header.fill(' ', 148, 156);
  header.write(fields.typeflag, 156, 1, 'ascii');
  writeString(header, fields.linkname ?? '', 157, 100);
  header.write('ustar\0', 257, 6, 'ascii');
  header.write('00', 263, 2, 'ascii');
  writeString(header, 'root', 265, 32);
  writeString(header, 'root', 297, 32);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return header;
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

const MAX_OCTAL_SIZE = 8 ** 11 - 1;

/** The header block(s) of one entry: a PAX header first when a name or size does not fit USTAR. */
export function entryHeader(entry: LayerEntry, mtime: number): Buffer {
  const name = entry.type === 'directory' ? `${entry.path}/` : entry.path;
  const pax: string[] = [];
  if (Buffer.byteLength(name) > 100) pax.push(paxRecord('path', name));
  if (entry.linkTarget !== undefined && Buffer.byteLength(entry.linkTarget) > 100) {
    pax.push(paxRecord('linkpath', entry.linkTarget));
  }
  if (entry.size > MAX_OCTAL_SIZE) pax.push(paxRecord('size', String(entry.size)));
  const typeflag = entry.type === 'file' ? '0' : entry.type === 'directory' ? '5' : '2';
  const main = ustarHeader({
    name: Buffer.byteLength(name) > 100 ? Buffer.from(name).subarray(0, 100).toString('latin1') : name,
    mode: entry.mode,
    size: entry.type === 'file' ? Math.min(entry.size, MAX_OCTAL_SIZE) : 0,
    mtime,
    typeflag,
    ...(entry.linkTarget !== undefined ? { linkname: entry.linkTarget.slice(0, 100) } : {}),
  });
  if (pax.length === 0) return main;
  const body = Buffer.from(pax.join(''));
  const paxHeader = ustarHeader({ name: 'PaxHeader', mode: 0o644, size: body.length, mtime, typeflag: 'x' });
  return Buffer.concat([paxHeader, body, padding(body.length), main]);
}

/**
 * The tar stream of `entries` with every header field fixed (uid/gid 0, owner root, mtime `mtime`): the same
 * entries and file contents give the same bytes on any machine. A file that changes size while read is an error.
 */
export async function* tarStream(
  entries: readonly LayerEntry[],
  mtime: number,
  readBytes = 1 << 20,
): AsyncGenerator<Buffer> {
  for (const entry of entries) {
    yield entryHeader(entry, mtime);
    if (entry.type !== 'file' || entry.size === 0) continue;
    const handle = await open(entry.source as string, 'r');
    try {
      let offset = 0;
      while (offset < entry.size) {
        const buffer = Buffer.allocUnsafe(Math.min(readBytes, entry.size - offset));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
        if (bytesRead === 0) throw new Error(`${entry.source} shrank while it was being read`);
        offset += bytesRead;
        yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
      }
      if ((await handle.stat()).size !== entry.size) throw new Error(`${entry.source} changed while it was being read`);
    } finally {
      await handle.close();
    }
    yield padding(entry.size);
  }
  yield Buffer.alloc(BLOCK * 2);
}

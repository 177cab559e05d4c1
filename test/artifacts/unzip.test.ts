import { crc32, deflateRawSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { UnzipLimitError, unzipWithin } from '../../shared/src/index.js';

/** A zip in memory, as a zip writer lays it out: local headers and data, the central directory, its end record. */
function zip(files: readonly { name: string; content: Buffer; method?: 0 | 8 }[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const { name, content, method = 8 } of files) {
    const data = method === 8 ? deflateRawSync(content) : content;
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc32(content), 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(content.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(method, 10);
    entry.writeUInt32LE(crc32(content), 16);
    entry.writeUInt32LE(data.length, 20);
    entry.writeUInt32LE(content.length, 24);
    entry.writeUInt16LE(nameBytes.length, 28);
    entry.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    central.push(entry, nameBytes);
    offset += local.length + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const report = Buffer.from('{"schemaVersion":1}');

describe('unzipWithin: what a zip inflates to is counted, not what it declares', () => {
  test('stored and deflated entries, folders skipped, up to exactly the cap', () => {
    const archive = zip([
      { name: 'report.json', content: report },
      { name: 'dir/', content: Buffer.alloc(0), method: 0 },
      { name: 'dir/notes.txt', content: Buffer.from('plain'), method: 0 },
    ]);
    const entries = unzipWithin(archive, report.length + 5);
    expect(entries.map((entry) => [entry.name, entry.content.toString()])).toEqual([
      ['report.json', '{"schemaVersion":1}'],
      ['dir/notes.txt', 'plain'],
    ]);
  });

  test.each([
    ['a deflated entry one byte over', [{ name: 'a.json', content: Buffer.alloc(1001) }], 1000],
    ['a stored entry one byte over', [{ name: 'a.json', content: Buffer.alloc(1001), method: 0 as const }], 1000],
    [
      'two entries over together',
      [
        { name: 'a.json', content: Buffer.alloc(600) },
        { name: 'b.json', content: Buffer.alloc(600) },
      ],
      1000,
    ],
    ['50 MB of zeros in a 50 KB zip', [{ name: 'bomb.json', content: Buffer.alloc(50_000_000) }], 1_000_000],
  ])('%s: refused', (_, files, cap) => {
    expect(() => unzipWithin(zip(files), cap)).toThrow(UnzipLimitError);
  });

  test.each([
    ['../escape.json', /outside its folder/],
    ['/etc/passwd', /outside its folder/],
    ['a/../../b.json', /outside its folder/],
    ['a\\b.json', /outside its folder/],
  ])('an entry named %s is refused', (name, message) => {
    expect(() => unzipWithin(zip([{ name, content: report }]), 1_000)).toThrow(message);
  });

  test('not a zip', () => {
    expect(() => unzipWithin(Buffer.from('{"schemaVersion":1}'), 1_000)).toThrow(/not a zip file/);
  });
});

/**
 * The zip container's bytes, apart from what zip.ts decides about them: the entries a central directory
 * lists (each with its compressed bytes, found through its local header), and a zip stream of chosen
 * entries whose local headers all declare their sizes, which exceljs's streaming reader needs. Only
 * what an .xlsx uses: no ZIP64, no encryption, no data descriptors written.
 */
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';

/** One part of the zip as its central directory lists it, with its compressed bytes. */
export interface Entry {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  data: Buffer;
}

/** The entries listed in the central directory, each with its compressed bytes; null if malformed. */
export function listEntries(buf: Buffer): Entry[] | null {
  let eocd = -1;
  for (let p = buf.length - 22; p >= Math.max(0, buf.length - 22 - 0xffff); p--)
    if (buf.readUInt32LE(p) === 0x06054b50) {
      eocd = p;
      break;
    }
  if (eocd < 0) return null;
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) return null;
    const nameLength = buf.readUInt16LE(p + 28);
    const local = buf.readUInt32LE(p + 42);
    const compressedSize = buf.readUInt32LE(p + 20);
    const entry = {
      name: buf.toString('utf8', p + 46, p + 46 + nameLength),
      flags: buf.readUInt16LE(p + 8),
      method: buf.readUInt16LE(p + 10),
      crc: buf.readUInt32LE(p + 16),
      compressedSize,
      size: buf.readUInt32LE(p + 24),
    };
    p += 46 + nameLength + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== 0x04034b50) return null;
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (start + compressedSize > buf.length) return null;
    entries.push({ ...entry, data: buf.subarray(start, start + compressedSize) });
  }
  return entries;
}

/** An entry stored uncompressed, for a part the upload lacks. */
export function stored(name: string, content: string): Entry {
  const data = Buffer.from(content, 'utf8');
  return {
    name,
    flags: 0,
    method: 0,
    crc: crc32(data),
    compressedSize: data.length,
    size: data.length,
    data,
  };
}

/** A zip stream of the given entries with sizes in every local header (no data descriptors). */
export function rebuild(entries: Entry[]): Readable {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(e.flags & 0x0800, 6);
    header.writeUInt16LE(e.method, 8);
    header.writeUInt32LE(e.crc, 14);
    header.writeUInt32LE(e.compressedSize, 18);
    header.writeUInt32LE(e.size, 22);
    header.writeUInt16LE(name.length, 26);
    parts.push(header, name, e.data);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  parts.push(end);
  return Readable.from(parts, { objectMode: false });
}

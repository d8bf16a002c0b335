// A small reader of zip files for the tests, independent of the zip code that exceljs and SheetJS use: the
// central directory gives each entry's name, DOS date and local header; the data is stored or deflated.
import { inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  /** The entry's DOS modification time, read as UTC. */
  modified: Date;
  data: Buffer;
}

export function readZip(zip: Buffer): Map<string, ZipEntry> {
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end--;
  if (end < 0) throw new Error('not a zip: no end of central directory');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries = new Map<string, ZipEntry>();
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`no central header at ${at}`);
    const method = zip.readUInt16LE(at + 10);
    const time = zip.readUInt16LE(at + 12);
    const day = zip.readUInt16LE(at + 14);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const local = zip.readUInt32LE(at + 42);
    const localTime = zip.readUInt16LE(local + 10);
    const localDay = zip.readUInt16LE(local + 12);
    if (localTime !== time || localDay !== day) throw new Error(`${name}: local and central dates differ`);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + compressed);
    const data = method === 0 ? Buffer.from(raw) : method === 8 ? inflateRawSync(raw) : undefined;
    if (data === undefined) throw new Error(`${name}: compression method ${method}`);
    const modified = new Date(
      Date.UTC(
        1980 + (day >> 9),
        ((day >> 5) & 15) - 1,
        day & 31,
        time >> 11,
        (time >> 5) & 63,
        (time & 31) * 2,
      ),
    );
    entries.set(name, { name, modified, data });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

export function zipText(entries: Map<string, ZipEntry>, name: string): string {
  const entry = entries.get(name);
  if (!entry) throw new Error(`${name} not in the zip (has ${[...entries.keys()].join(', ')})`);
  return entry.data.toString('utf8');
}

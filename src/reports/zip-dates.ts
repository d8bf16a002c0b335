// exceljs zips the workbook with JSZip, which stamps every entry with the time of writing. The same report
// must give the same bytes (an archive's sha256 manifest, a golden comparison), so the entries' DOS dates
// are rewritten to the report's own time after the zip is made. Only the two date fields of each header
// change; sizes and CRCs do not depend on them.

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

/** Sets the modification time of every entry of the zip in `zip` (changed in place) to `date`, in UTC. */
export function setZipEntryDates(zip: Buffer, date: Date): Buffer {
  const { time, day } = dosDateTime(date);
  const end = findEndOfCentralDirectory(zip);
  const entries = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < entries; i++) {
    if (zip.readUInt32LE(at) !== CENTRAL_FILE_HEADER) throw new Error(`zip: no central header at ${at}`);
    zip.writeUInt16LE(time, at + 12);
    zip.writeUInt16LE(day, at + 14);
    const local = zip.readUInt32LE(at + 42);
    if (zip.readUInt32LE(local) !== LOCAL_FILE_HEADER) throw new Error(`zip: no local header at ${local}`);
    zip.writeUInt16LE(time, local + 10);
    zip.writeUInt16LE(day, local + 12);
    at += 46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return zip;
}

function findEndOfCentralDirectory(zip: Buffer): number {
  // The record is 22 bytes plus a comment of at most 65535.
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at--) {
    if (zip.readUInt32LE(at) === END_OF_CENTRAL_DIRECTORY) return at;
  }
  throw new Error('zip: end of central directory not found');
}

/** MS-DOS date and time, which start in 1980 and count seconds in twos. */
export function dosDateTime(date: Date): { time: number; day: number } {
  if (date.getUTCFullYear() < 1980) return { time: 0, day: (1 << 5) | 1 };
  const time = (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | (date.getUTCSeconds() >> 1);
  const day = ((date.getUTCFullYear() - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate();
  return { time, day };
}

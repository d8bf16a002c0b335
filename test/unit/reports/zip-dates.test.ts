import assert from 'node:assert/strict';
import { renderMismatchXlsx } from '../../../src/reports/index.ts';
import { dosDateTime, setZipEntryDates } from '../../../src/reports/zip-dates.ts';
import { REPORT } from './fixture.ts';
import { readZip } from './zip-reader.ts';

describe('setZipEntryDates', () => {
  it('encodes a time as MS-DOS date and time fields, in UTC, seconds in twos', () => {
    // 2026-12-06 10:00:59: ((2026-1980) << 9 | 12 << 5 | 6), (10 << 11 | 0 << 5 | 59 >> 1)
    assert.deepEqual(dosDateTime(new Date('2026-12-06T10:00:59Z')), {
      day: (46 << 9) | (12 << 5) | 6,
      time: (10 << 11) | 29,
    });
  });

  it('uses 1980-01-01 00:00, the earliest DOS date, for anything before it', () => {
    assert.deepEqual(dosDateTime(new Date('1970-01-01T00:00:00Z')), { day: (1 << 5) | 1, time: 0 });
  });

  it('sets every entry of a zip, local and central headers alike, and leaves the contents readable', async () => {
    const zip = await renderMismatchXlsx(REPORT);
    const before = readZip(zip);
    setZipEntryDates(zip, new Date('2031-02-03T04:05:07Z'));
    const after = readZip(zip);
    assert.deepEqual([...after.keys()], [...before.keys()]);
    for (const [name, entry] of after) {
      assert.equal(entry.modified.toISOString(), '2031-02-03T04:05:06.000Z', name);
      assert.ok(entry.data.equals(before.get(name)?.data ?? Buffer.alloc(1)), name);
    }
  });

  it('refuses a buffer that is not a zip', () => {
    assert.throws(
      () => setZipEntryDates(Buffer.from('not a zip at all, just some text'), new Date()),
      /end of central directory/,
    );
  });
});

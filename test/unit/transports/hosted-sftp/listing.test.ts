import assert from 'node:assert/strict';
import type { Stats } from 'node:fs';
import { attributesOf, longName } from '../../../../src/transports/hosted-sftp/listing.ts';

function stats(kind: 'file' | 'dir', size: number, mtime: string): Stats {
  const ms = Date.parse(mtime);
  return { isDirectory: () => kind === 'dir', size, mtimeMs: ms, atimeMs: ms } as Stats;
}

describe('hosted SFTP listing', () => {
  it('shows outbound files as read-only and inbound ones as writable, whatever the host permissions', () => {
    assert.equal(attributesOf(stats('file', 10, '2026-11-26T12:00:00Z'), 'outbound').mode, 0o100444);
    assert.equal(attributesOf(stats('dir', 4096, '2026-11-26T12:00:00Z'), 'outbound').mode, 0o040555);
    assert.equal(attributesOf(stats('file', 10, '2026-11-26T12:00:00Z'), 'inbound').mode, 0o100644);
    assert.equal(attributesOf(stats('dir', 4096, '2026-11-26T12:00:00Z'), 'inbound').mode, 0o040755);
  });

  it('reports sizes and times in whole seconds, with no host owner', () => {
    const attrs = attributesOf(stats('file', 225, '2026-11-26T12:00:00.900Z'), 'outbound');
    assert.deepEqual(attrs, {
      mode: 0o100444,
      uid: 0,
      gid: 0,
      size: 225,
      atime: 1795694400,
      mtime: 1795694400,
    });
  });

  it('writes ls -l lines with the time for recent entries and the year for old ones', () => {
    const now = Date.parse('2026-11-26T12:00:00Z') / 1000;
    const recent = {
      name: '997.x12',
      attrs: attributesOf(stats('file', 225, '2026-11-26T09:05:00Z'), 'outbound'),
    };
    const old = { name: 'old', attrs: attributesOf(stats('dir', 0, '2025-01-02T00:00:00Z'), 'inbound') };
    assert.equal(
      longName(recent, 'acme', now),
      '-r--r--r--    1 acme     acme          225 Nov 26 09:05 997.x12',
    );
    assert.equal(longName(old, 'acme', now), 'drwxr-xr-x    1 acme     acme            0 Jan  2  2025 old');
  });
});

import assert from 'node:assert/strict';
import { posix } from 'node:path';
import fc from 'fast-check';
import {
  isInboundEntry,
  isTemporaryName,
  MAX_INBOUND_DEPTH,
  resolveClientPath,
  type VirtualPath,
} from '../../../../src/transports/hosted-sftp/paths.ts';

function resolved(raw: string): VirtualPath {
  const r = resolveClientPath(raw);
  if (r.refused !== undefined) assert.fail(`${raw} was refused: ${r.message}`);
  return r;
}

function refusal(raw: string): string | undefined {
  return resolveClientPath(raw).refused;
}

describe('resolveClientPath', () => {
  it('takes the empty path, `.` and `/` as the partner root', () => {
    for (const raw of ['', '.', '/', '//', './', '/./.']) {
      assert.deepEqual(resolved(raw), { path: '/', area: 'root', rest: [] }, raw);
    }
  });

  it('resolves relative paths against the root, as SFTP has no server-side working directory', () => {
    assert.deepEqual(resolved('inbound/asn.edi'), {
      path: '/inbound/asn.edi',
      area: 'inbound',
      rest: ['asn.edi'],
    });
    assert.deepEqual(resolved('outbound'), { path: '/outbound', area: 'outbound', rest: [] });
  });

  it('normalises `.`, `..` and repeated slashes that stay inside the root', () => {
    assert.deepEqual(resolved('/inbound/../outbound//./997.x12'), {
      path: '/outbound/997.x12',
      area: 'outbound',
      rest: ['997.x12'],
    });
    assert.equal(resolved('/inbound/856/..').path, '/inbound');
  });

  it('reads an absolute host path as a name inside the partner tree, where it does not exist', () => {
    assert.deepEqual(resolved('/etc/passwd'), {
      path: '/etc/passwd',
      area: 'absent',
      rest: ['etc', 'passwd'],
    });
  });

  it('refuses a path that climbs out of the partner root', () => {
    for (const raw of [
      '..',
      '/..',
      '../..',
      '/inbound/../..',
      '/inbound/../../escape',
      'outbound/../../../etc',
    ]) {
      assert.equal(refusal(raw), 'outside-root', raw);
    }
  });

  it('refuses a path that climbs above the root even if it comes back down', () => {
    assert.equal(refusal('/../inbound/x'), 'outside-root');
    assert.equal(refusal('/inbound/../../inbound/x'), 'outside-root');
  });

  it('refuses NUL bytes, other control characters and backslashes', () => {
    for (const raw of [
      '/inbound/a\0.edi',
      '/inbound/a\n.edi',
      '/inbound/\x7f',
      '..\\..\\etc\\passwd',
      'inbound\\x',
    ]) {
      assert.equal(refusal(raw), 'invalid-name', JSON.stringify(raw));
    }
  });

  it('refuses names and paths longer than file systems allow', () => {
    assert.equal(refusal(`/inbound/${'a'.repeat(256)}`), 'invalid-name');
    assert.equal(resolved(`/inbound/${'a'.repeat(255)}`).rest[0]?.length, 255);
    assert.equal(refusal(`/inbound/${'a/'.repeat(2100)}`), 'invalid-name');
  });

  it('never yields a path outside the root, nor one with `.` or `..` in it', () => {
    const segment = fc.oneof(
      fc.constantFrom('..', '.', '', 'inbound', 'outbound', 'a', 'x.part'),
      fc.string({ minLength: 1, maxLength: 4 }),
    );
    fc.assert(
      fc.property(fc.boolean(), fc.array(segment, { maxLength: 12 }), (absolute, segments) => {
        const raw = (absolute ? '/' : '') + segments.join('/');
        const r = resolveClientPath(raw);
        if (r.refused !== undefined) return;
        assert.ok(r.path.startsWith('/'));
        const names = r.path.split('/').slice(1);
        assert.ok(!names.includes('..') && !names.includes('.'), r.path);
        assert.ok(!r.path.includes('//'));
        // The same answer as the host's own resolution of the path under a root, and still under it.
        const host = posix.resolve('/srv/root', `.${posix.normalize(`/${raw}`)}`);
        assert.ok(host === '/srv/root' || host.startsWith('/srv/root/'), host);
        assert.equal(posix.join('/srv/root', r.path).replace(/\/$/, ''), host);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('isInboundEntry', () => {
  it('accepts a file or folder below inbound/ up to the nesting limit', () => {
    assert.equal(isInboundEntry(resolved('/inbound/a.edi')), true);
    assert.equal(isInboundEntry(resolved(`/inbound/${'d/'.repeat(MAX_INBOUND_DEPTH - 1)}a.edi`)), true);
    assert.equal(isInboundEntry(resolved(`/inbound/${'d/'.repeat(MAX_INBOUND_DEPTH)}a.edi`)), false);
  });

  it('refuses inbound/ itself and anything elsewhere', () => {
    for (const raw of ['/inbound', '/', '/outbound/a', '/a.edi'])
      assert.equal(isInboundEntry(resolved(raw)), false, raw);
  });
});

describe('isTemporaryName', () => {
  it('knows the names clients upload under before renaming', () => {
    for (const name of ['a.edi.part', 'a.filepart', 'a.tmp', '.a.edi', 'a.partial', 'A.PART']) {
      assert.equal(isTemporaryName(name), true, name);
    }
    for (const name of ['a.edi', 'part', 'a.part.edi', '997_000000041.x12']) {
      assert.equal(isTemporaryName(name), false, name);
    }
  });
});

import assert from 'node:assert/strict';
import { GatewayError } from '../../../src/errors.ts';
import { arrivalKey, idempotencyKey, type ArrivalMetadata } from '../../../src/intake/idempotency.ts';

const SHA = 'ab'.repeat(32);
const OTHER_SHA = 'cd'.repeat(32);
const mtime = new Date('2026-11-26T10:30:00Z');

function usage(pattern: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof GatewayError, String(e));
    assert.equal(e.code, 'usage');
    assert.equal(e.retryable, false);
    assert.match(e.message, pattern);
    return true;
  };
}

describe('idempotencyKey', () => {
  describe('for polled channels', () => {
    const polled = (overrides: Partial<ArrivalMetadata> = {}): ArrivalMetadata => ({
      channel: { kind: 'sftp-poll', id: 'acme/sftp' },
      partnerId: 'acme',
      host: 'sftp.acme.example',
      remotePath: '/outbound/po-1.edi',
      size: 1234,
      mtime,
      ...overrides,
    });

    it('gives the same key for the same file seen again, whatever its bytes', () => {
      assert.equal(idempotencyKey(polled(), SHA), idempotencyKey(polled(), OTHER_SHA));
    });

    it('gives a new key when the path, size, modification time or host changes', () => {
      const base = idempotencyKey(polled(), SHA);
      for (const changed of [
        polled({ remotePath: '/outbound/po-2.edi' }),
        polled({ size: 1235 }),
        polled({ mtime: new Date(mtime.getTime() + 1000) }),
        polled({ host: 'sftp2.acme.example' }),
      ]) {
        assert.notEqual(idempotencyKey(changed, SHA), base);
      }
    });

    it("keeps two channels' files with the same path, size and time apart", () => {
      const acme = polled();
      const globex = polled({ channel: { kind: 'sftp-poll', id: 'globex/sftp' }, partnerId: 'globex' });
      assert.notEqual(idempotencyKey(acme, SHA), idempotencyKey(globex, SHA));
    });

    it('names a local folder without a host', () => {
      const key = idempotencyKey(
        {
          channel: { kind: 'folder', id: 'acme/drop' },
          partnerId: 'acme',
          remotePath: '/in/x',
          size: 1,
          mtime,
        },
        SHA,
      );
      assert.match(key, /:local:\/in\/x:1:2026-11-26T10:30:00\.000Z$/);
    });

    for (const kind of ['folder', 'sftp-poll', 'ftp-poll'] as const) {
      it(`refuses a ${kind} arrival without path, size or modification time`, () => {
        for (const missing of ['remotePath', 'size', 'mtime'] as const) {
          const meta = { ...polled({ channel: { kind, id: 'c' } }), [missing]: undefined };
          assert.throws(
            () => idempotencyKey(meta, SHA),
            usage(/needs its remote path, size and modification time/),
          );
        }
      });
    }
  });

  describe('for AS2', () => {
    const as2 = (messageId?: string, partnerId: string | null = 'acme'): ArrivalMetadata => ({
      channel: { kind: 'as2', id: 'acme/as2' },
      partnerId,
      ...(messageId !== undefined ? { messageId } : {}),
    });

    it('keys a message by partner and Message-ID, not by its bytes', () => {
      assert.equal(idempotencyKey(as2('<m1@acme>'), SHA), idempotencyKey(as2('<m1@acme>'), OTHER_SHA));
      assert.notEqual(idempotencyKey(as2('<m1@acme>'), SHA), idempotencyKey(as2('<m2@acme>'), SHA));
      assert.notEqual(idempotencyKey(as2('<m1@acme>'), SHA), idempotencyKey(as2('<m1@acme>', 'globex'), SHA));
    });

    it('refuses an arrival without a Message-ID', () => {
      assert.throws(() => idempotencyKey(as2(), SHA), usage(/Message-ID/));
      assert.throws(() => idempotencyKey(as2(''), SHA), usage(/Message-ID/));
    });
  });

  describe('for pushed and command-line files', () => {
    for (const kind of ['cli', 'upload', 'hosted-sftp'] as const) {
      it(`keys a ${kind} arrival by partner and sha256`, () => {
        const meta = (partnerId: string | null): ArrivalMetadata => ({
          channel: { kind, id: kind },
          partnerId,
        });
        assert.equal(idempotencyKey(meta('acme'), SHA), idempotencyKey(meta('acme'), SHA));
        assert.notEqual(idempotencyKey(meta('acme'), SHA), idempotencyKey(meta('acme'), OTHER_SHA));
        assert.notEqual(idempotencyKey(meta('acme'), SHA), idempotencyKey(meta('globex'), SHA));
        assert.notEqual(idempotencyKey(meta(null), SHA), idempotencyKey(meta('acme'), SHA));
      });
    }
  });

  describe('for replays', () => {
    it('keys a replay by the receipt replayed and its nonce', () => {
      const replay = (of: number, nonce: string): ArrivalMetadata => ({
        channel: { kind: 'replay', id: 'replay/x' },
        partnerId: 'acme',
        replay: { of, nonce },
      });
      assert.equal(idempotencyKey(replay(7, 'n1'), SHA), idempotencyKey(replay(7, 'n1'), OTHER_SHA));
      assert.notEqual(idempotencyKey(replay(7, 'n1'), SHA), idempotencyKey(replay(7, 'n2'), SHA));
      assert.notEqual(idempotencyKey(replay(7, 'n1'), SHA), idempotencyKey(replay(8, 'n1'), SHA));
    });

    it('refuses a replay that does not say what it replays', () => {
      assert.throws(
        () => idempotencyKey({ channel: { kind: 'replay', id: 'r' }, partnerId: 'acme' }, SHA),
        usage(/replay needs the receipt/),
      );
    });
  });

  describe('arrivalKey', () => {
    it('refuses incomplete metadata before any sha256 is known', () => {
      assert.throws(
        () => arrivalKey({ channel: { kind: 'as2', id: 'a' }, partnerId: 'acme' }),
        usage(/Message-ID/),
      );
    });

    it('gives the same key as idempotencyKey once given the sha256', () => {
      const meta: ArrivalMetadata = { channel: { kind: 'upload', id: 'u' }, partnerId: 'acme' };
      assert.equal(arrivalKey(meta)(SHA), idempotencyKey(meta, SHA));
    });
  });
});

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { GatewayError } from '../../../../src/errors.ts';
import { silentLogger } from '../../../../src/log.ts';
import type { Queryable } from '../../../../src/store/db.ts';
import { as2Name, sendAs2, urlLabel } from '../../../../src/transports/as2/outbound.ts';
import { As2PartnerServer, as2Channel, as2Settings } from './as2-partner.ts';
import { OpensslPeer, SAMPLE_850, type PeerIdentity } from './openssl-peer.ts';

/** Sync MDNs need no store: a query would mean a sync send wrote something. */
const NO_DB: Queryable = {
  query: () => Promise.reject(new Error('a synchronous AS2 send touched the store')),
  exec: () => Promise.reject(new Error('a synchronous AS2 send touched the store')),
};
const context = { db: NO_DB, log: silentLogger(), ackId: 7, host: 'gateway.test' };

function rejectsWith(retryable: boolean, message: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof GatewayError, String(e));
    assert.equal(e.retryable, retryable, e.message);
    assert.match(e.message, message);
    return true;
  };
}

describe('sendAs2 (synchronous MDN)', function () {
  this.timeout(60_000);
  let peer: OpensslPeer;
  let ours: PeerIdentity;
  let partner: PeerIdentity;
  let server: As2PartnerServer;
  let url: string;

  before(async () => {
    peer = new OpensslPeer();
    ours = peer.identity('dockside');
    partner = peer.identity('acme');
    server = new As2PartnerServer(peer, ours, partner, peer.identity('intruder'));
    url = await server.start();
  });
  after(async () => {
    await server.stop();
    peer.cleanup();
  });
  beforeEach(() => {
    server.behaviour = 'processed';
    server.received.length = 0;
  });

  it('is delivered when the signed MDN verifies and its MIC is the one openssl computed on its side', async () => {
    const partnerAcme = { id: 'acme', as2: as2Settings(ours, partner) };
    const result = await sendAs2(partnerAcme, as2Channel(url), '997_000000001.x12', SAMPLE_850, context);
    assert.equal(result.status, 'delivered');
    assert.equal(server.received.length, 1);
    const seen = server.received[0]!;
    assert.equal(result.mic.digest, seen.mic.digest, 'our MIC is the partner’s');
    assert.equal(seen.mic.algorithm, 'sha-256');
    assert.ok(seen.signedEntity.toString('latin1').endsWith(`\r\n\r\n${SAMPLE_850}`));
    assert.match(seen.signedEntity.toString('latin1'), /filename="?997_000000001\.x12"?/);
    assert.equal(result.status === 'delivered' && result.mdn?.signed, true);
    assert.match(result.messageId, /^<dockside-[0-9a-f-]{36}@gateway\.test>$/);
    assert.equal(seen.headers['message-id'], result.messageId);
    assert.equal(seen.headers['as2-version'], '1.2');
    assert.equal(seen.headers['as2-from'], '"DOCKSIDE AS2"');
    assert.equal(seen.headers['as2-to'], 'ACME-AS2');
    assert.ok(seen.headers['disposition-notification-to']);
    assert.match(String(seen.headers['disposition-notification-options']), /pkcs7-signature.*sha-256/);
    assert.equal(seen.headers['receipt-delivery-option'], undefined);
    assert.match(String(seen.headers.subject), /997_000000001\.x12/);
  });

  it('signs with the digest configured and the MDN returns the MIC in it (SHA-512, 3DES, OAEP)', async () => {
    const channel = as2Channel(url, { sign: 'sha512', encrypt: 'des-ede3-cbc', keyTransport: 'rsa-oaep' });
    const result = await sendAs2(
      { id: 'acme', as2: as2Settings(ours, partner) },
      channel,
      'a.x12',
      SAMPLE_850,
      context,
    );
    assert.equal(result.status, 'delivered');
    assert.equal(server.received[0]!.mic.algorithm, 'sha-512');
    assert.equal(result.status === 'delivered' && result.mic.digest, server.received[0]!.mic.digest);
  });

  it('fails, not to be retried, when the MDN refuses the message', async () => {
    server.behaviour = 'refuses';
    await assert.rejects(
      sendAs2({ id: 'acme', as2: as2Settings(ours, partner) }, as2Channel(url), 'a.x12', SAMPLE_850, context),
      rejectsWith(false, /refused a\.x12 .* in its MDN: processed\/error: authentication-failed/),
    );
  });

  it('fails, not to be retried, when the MDN is signed by another key', async () => {
    server.behaviour = 'forges';
    await assert.rejects(
      sendAs2({ id: 'acme', as2: as2Settings(ours, partner) }, as2Channel(url), 'a.x12', SAMPLE_850, context),
      rejectsWith(false, /does not prove delivery \(authentication-failed\)/),
    );
    assert.equal(server.received.length, 1, 'the partner did get the message; only the MDN is not its');
  });

  it('fails, not to be retried, when the MDN returns another MIC', async () => {
    server.behaviour = 'wrong-mic';
    await assert.rejects(
      sendAs2({ id: 'acme', as2: as2Settings(ours, partner) }, as2Channel(url), 'a.x12', SAMPLE_850, context),
      rejectsWith(false, /integrity-check-failed/),
    );
  });

  it('compresses before signing when asked, and the MIC still covers what the partner verified', async () => {
    const result = await sendAs2(
      { id: 'acme', as2: as2Settings(ours, partner) },
      as2Channel(url, { compress: true }),
      'a.x12',
      SAMPLE_850,
      context,
    );
    assert.equal(result.status, 'delivered');
    const seen = server.received[0]!;
    assert.match(
      seen.signedEntity.toString('latin1'),
      /^Content-Type: application\/pkcs7-mime; smime-type=compressed-data/,
    );
    assert.equal(result.status === 'delivered' && result.mic.digest, seen.mic.digest);
  });

  it('may be retried after an HTTP 500', async () => {
    server.behaviour = 'http-500';
    await assert.rejects(
      sendAs2({ id: 'acme', as2: as2Settings(ours, partner) }, as2Channel(url), 'a.x12', SAMPLE_850, context),
      rejectsWith(true, /HTTP 500 for a\.x12.*internal error/),
    );
  });

  it('may be retried when the request times out', async () => {
    server.behaviour = 'hangs';
    const started = Date.now();
    await assert.rejects(
      sendAs2(
        { id: 'acme', as2: as2Settings(ours, partner) },
        as2Channel(url, { timeoutMs: 500 }),
        'a.x12',
        SAMPLE_850,
        context,
      ),
      rejectsWith(true, /no complete response within 500 ms/),
    );
    assert.ok(Date.now() - started < 5000);
  });

  it('may be retried when the connection is refused', async () => {
    const closed = await unusedPort();
    await assert.rejects(
      sendAs2(
        { id: 'acme', as2: as2Settings(ours, partner) },
        as2Channel(`http://127.0.0.1:${closed}/as2`),
        'a.x12',
        SAMPLE_850,
        context,
      ),
      rejectsWith(true, /ECONNREFUSED/),
    );
  });

  it('may be retried when the connection closes in the middle of the response', async () => {
    const cutter = createServer((socket) => {
      socket.once('data', () => {
        socket.end('HTTP/1.1 200 OK\r\nContent-Type: multipart/report\r\nContent-Length: 5000\r\n\r\n--part');
      });
    });
    await new Promise<void>((r) => cutter.listen(0, '127.0.0.1', r));
    const port = (cutter.address() as { port: number }).port;
    try {
      await assert.rejects(
        sendAs2(
          { id: 'acme', as2: as2Settings(ours, partner) },
          as2Channel(`http://127.0.0.1:${port}/as2`),
          'a.x12',
          SAMPLE_850,
          context,
        ),
        rejectsWith(true, /cannot send a\.x12/),
      );
    } finally {
      cutter.close();
    }
  });

  it('is delivered on HTTP 200 alone when no MDN is asked for, and asks for none', async () => {
    const result = await sendAs2(
      { id: 'acme', as2: as2Settings(ours, partner) },
      as2Channel(url, { mdn: 'none' }),
      'a.x12',
      SAMPLE_850,
      context,
    );
    assert.equal(result.status, 'delivered');
    assert.equal(server.received[0]!.headers['disposition-notification-to'], undefined);
  });

  it('refuses, as a configuration error, a partner without AS2 settings', async () => {
    await assert.rejects(
      sendAs2({ id: 'acme' }, as2Channel(url), 'a.x12', SAMPLE_850, context),
      (e: unknown) => e instanceof GatewayError && e.code === 'config-invalid' && !e.retryable,
    );
    assert.equal(server.received.length, 0);
  });
});

describe('as2Name and urlLabel', () => {
  it('quotes an AS2 name with a space and leaves an atom alone', () => {
    assert.equal(as2Name('ACME-AS2'), 'ACME-AS2');
    assert.equal(as2Name('DOCKSIDE AS2'), '"DOCKSIDE AS2"');
    assert.equal(as2Name('a"b'), '"a\\"b"');
  });

  it('shows a URL without its credentials or query', () => {
    assert.equal(
      urlLabel('https://user:secret@as2.acme.example:4080/in?token=x'),
      'https://as2.acme.example:4080/in',
    );
  });
});

async function unusedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

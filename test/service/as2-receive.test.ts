import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayError } from '../../src/errors.ts';
import { createIntake } from '../../src/intake/receive.ts';
import { silentLogger } from '../../src/log.ts';
import type { As2Certificate, As2Settings, Partner } from '../../src/partners/partner.ts';
import { FileBlobStore } from '../../src/store/blobs.ts';
import type { Db } from '../../src/store/db.ts';
import { getAs2Message, recordAs2Message } from '../../src/store/queries/as2-messages.ts';
import { getReceipt } from '../../src/store/queries/receipts.ts';
import { startAs2Server, type As2Server, type As2ServerOptions } from '../../src/transports/as2/server.ts';
import { RecordingQueue, testPartner } from '../helpers/pipeline.ts';
import { engines } from '../helpers/store.ts';
import {
  OpensslPeer,
  SAMPLE_850,
  ediEntity,
  type PeerIdentity,
} from '../unit/transports/as2/openssl-peer.ts';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const ENVELOPED = 'application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"';
const SIGNED_MDN =
  'signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, sha-256';

function certificate(identity: PeerIdentity): As2Certificate {
  return {
    pem: identity.certPem,
    ref: `file:${identity.certPath}`,
    notBefore: new Date(0),
    notAfter: new Date(Date.now() + 86_400_000),
    subject: identity.name,
  };
}

/** POSTs with node's http client; `body` may be written in pieces, with pauses, to play a slow sender. */
function post(
  port: number,
  headers: Record<string, string>,
  body: Buffer | { pieces: Buffer[]; pauseMs: number },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/as2', method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    if (Buffer.isBuffer(body)) {
      req.end(body);
      return;
    }
    let i = 0;
    const next = () => {
      if (req.destroyed) return;
      if (i === body.pieces.length) {
        req.end();
        return;
      }
      req.write(body.pieces[i++]);
      setTimeout(next, body.pauseMs);
    };
    next();
  });
}

/** A partner's server taking asynchronous MDNs: answers with `status()` and keeps every request. */
async function mdnListener(status: () => number = () => 200): Promise<{
  url: string;
  received: { headers: IncomingHttpHeaders; body: Buffer }[];
  status: () => number;
  close(): Promise<void>;
}> {
  const received: { headers: IncomingHttpHeaders; body: Buffer }[] = [];
  const listener = {
    url: '',
    received,
    status,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.statusCode = listener.status();
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  listener.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mdn`;
  return listener;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function disposition(report: string): string | undefined {
  return /\r\nDisposition: ([^\r\n]*)/.exec(report)?.[1];
}

for (const engine of engines()) {
  describe(`AS2 endpoint on ${engine.name}`, () => {
    let db: Db;
    let dir: string;
    let peer: OpensslPeer;
    let ours: PeerIdentity;
    let theirs: PeerIdentity;
    let forger: PeerIdentity;
    let partners: Partner[];
    let server: As2Server;
    let mdnsReceived: { headers: Record<string, string>; body: Buffer }[];
    /** Where ACME takes asynchronous MDNs: the one URL its settings list. */
    let acmeMdns: Awaited<ReturnType<typeof mdnListener>>;
    let serial = 0;
    const entity = ediEntity(SAMPLE_850);

    function settings(as2Id: string, overrides: Partial<As2Settings> = {}): As2Settings {
      return {
        as2Id,
        ourAs2Id: 'DOCKSIDE',
        certificate: certificate(theirs),
        identities: [
          {
            certificate: certificate(ours),
            privateKeyPem: ours.keyPem,
            privateKeyRef: `file:${ours.keyPath}`,
          },
        ],
        requireSigned: true,
        requireEncrypted: true,
        maxConcurrent: 4,
        ...overrides,
      };
    }

    async function start(overrides: Partial<As2ServerOptions> = {}): Promise<As2Server> {
      const blobs = new FileBlobStore(join(dir, `blobs-${++serial}`));
      const log = silentLogger();
      return startAs2Server({
        host: '127.0.0.1',
        port: 0,
        intake: createIntake({ db, blobs, queue: new RecordingQueue(), log }),
        db,
        log,
        lookup: (from, to) => {
          const partner = partners.find((p) => p.as2?.as2Id === from && p.as2.ourAs2Id === to);
          return partner ? { partner } : undefined;
        },
        limits: { maxMessageBytes: 64 * 1024, requestTimeoutMs: 1500 },
        onAsyncMdn: (headers, body) => {
          mdnsReceived.push({ headers, body });
          return headers['message-id'] === '<mdn-unknown@acme.example>'
            ? { httpStatus: 400, reason: 'not an MDN for a message we sent' }
            : undefined;
        },
        mdnRetry: { firstDelayMs: 50, maxAttempts: 3, timeoutMs: 2000 },
        ...overrides,
      });
    }

    before(async function () {
      this.timeout(120_000);
      db = await engine.open();
      dir = mkdtempSync(join(tmpdir(), 'dockside-as2-receive-'));
      peer = new OpensslPeer();
      ours = peer.identity('dockside');
      theirs = peer.identity('acme');
      // Same subject and serial as the partner's certificate, another key: what libas2 was fooled by.
      forger = peer.identity('forger', {
        subject: '/O=Dockside tests/CN=acme',
        serial: Buffer.from('acme').toString('hex'),
      });
      acmeMdns = await mdnListener();
      partners = [
        testPartner('acme', 'ACME', dir, {
          as2: settings('ACME AS2', { asyncMdnUrls: [acmeMdns.url] }),
        }),
        testPartner('plain', 'PLAIN', dir, { as2: settings('PLAIN', { requireEncrypted: false }) }),
        testPartner('single', 'SINGLE', dir, { as2: settings('SINGLE', { maxConcurrent: 1 }) }),
      ];
      server = await start();
    });

    beforeEach(() => {
      mdnsReceived = [];
      acmeMdns.received.length = 0;
      acmeMdns.status = () => 200;
    });

    after(async () => {
      await server?.close();
      await acmeMdns?.close();
      peer?.cleanup();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    /** A message openssl signs (as `signer`) and encrypts for us, with AS2 headers asking for a signed sync MDN. */
    function message(
      messageId: string,
      options: { signer?: PeerIdentity; from?: string; headers?: Record<string, string> } = {},
    ): { headers: Record<string, string>; body: Buffer } {
      const signed = peer.sign(entity, options.signer ?? theirs);
      return {
        headers: {
          'AS2-From': options.from ?? '"ACME AS2"',
          'AS2-To': 'DOCKSIDE',
          'AS2-Version': '1.2',
          'Message-ID': messageId,
          'Content-Type': ENVELOPED,
          'Disposition-Notification-To': 'edi@acme.example',
          'Disposition-Notification-Options': SIGNED_MDN,
          ...options.headers,
        },
        body: peer.encrypt(signed, ours),
      };
    }

    /** Verifies a signed MDN with openssl against our certificate; the report it signed. */
    function verifiedReport(answer: Answer): string {
      const smime = Buffer.concat([
        Buffer.from(`Content-Type: ${String(answer.headers['content-type'])}\r\n\r\n`),
        answer.body,
      ]);
      return peer.verifySmime(smime, ours).toString('latin1');
    }

    async function receiptsOf(channel: string): Promise<number> {
      const [row] = await db.query<{ n: number }>(
        'select count(*)::int as n from receipts where channel_id = $1',
        [channel],
      );
      return row!.n;
    }

    it('accepts a signed and encrypted message, stores its receipt, and answers with a signed MDN whose MIC matches', async () => {
      const sent = message('<m1@acme.example>');
      const answer = await post(server.port, sent.headers, sent.body);
      assert.equal(answer.status, 200, answer.body.toString());
      assert.match(String(answer.headers['content-type']), /^multipart\/signed/);
      assert.equal(answer.headers['as2-from'], 'DOCKSIDE');
      assert.equal(answer.headers['as2-to'], '"ACME AS2"');
      const report = verifiedReport(answer);
      assert.equal(disposition(report), 'automatic-action/MDN-sent-automatically; processed');
      assert.ok(report.includes('\r\nOriginal-Message-ID: <m1@acme.example>\r\n'));
      assert.ok(
        report.includes(`\r\nReceived-Content-MIC: ${peer.digestBase64(entity, 'sha256')}, sha-256\r\n`),
      );

      const row = await getAs2Message(db, 'acme', '<m1@acme.example>');
      assert.equal(row?.status, 'processed');
      const receipt = await getReceipt(db, row.receiptId!);
      assert.equal(receipt?.channelKind, 'as2');
      assert.equal(receipt.partnerId, 'acme');
      assert.equal(receipt.fileName, 'po.edi');
      assert.equal(receipt.sha256, createHash('sha256').update(SAMPLE_850).digest('hex'));
    });

    it('answers a repeated Message-ID with the same MDN bytes and stores one receipt', async () => {
      const first = message('<m2@acme.example>');
      const a = await post(server.port, first.headers, first.body);
      // A new encryption of the same message: only the Message-ID makes it the same.
      const again = message('<m2@acme.example>');
      const b = await post(server.port, again.headers, again.body);
      assert.equal(a.status, 200);
      assert.equal(b.status, 200);
      assert.ok(a.body.equals(b.body));
      assert.equal(a.headers['content-type'], b.headers['content-type']);
      assert.equal(a.headers['message-id'], b.headers['message-id']);
      assert.equal(await receiptsOf('acme/as2'), 2, 'one receipt for m1, one for m2');
      const row = await getAs2Message(db, 'acme', '<m2@acme.example>');
      assert.equal(row?.attempts, 1);
    });

    it('answers a signer whose certificate copies the partner issuer and serial with authentication-failed and stores nothing', async () => {
      const before = await receiptsOf('acme/as2');
      const sent = message('<forged@acme.example>', { signer: forger });
      const answer = await post(server.port, sent.headers, sent.body);
      assert.equal(answer.status, 200);
      assert.equal(
        disposition(verifiedReport(answer)),
        'automatic-action/MDN-sent-automatically; processed/Error: authentication-failed',
      );
      assert.equal(await receiptsOf('acme/as2'), before);
      const row = await getAs2Message(db, 'acme', '<forged@acme.example>');
      assert.equal(row?.status, 'failed');
      assert.equal(row.failureCode, 'authentication-failed');
      assert.equal(row.receiptId, null);
    });

    it('answers a payload changed under a genuine signature with integrity-check-failed and stores nothing', async () => {
      const before = await receiptsOf('acme/as2');
      const signed = peer.sign(entity, theirs);
      const at = signed.indexOf('PO-4711');
      assert.ok(at > 0);
      const tampered = Buffer.concat([
        signed.subarray(0, at),
        Buffer.from('PO-4712'),
        signed.subarray(at + 7),
      ]);
      const sent = message('<tampered@acme.example>');
      const answer = await post(server.port, sent.headers, peer.encrypt(tampered, ours));
      assert.equal(answer.status, 200);
      const report = verifiedReport(answer);
      assert.equal(
        disposition(report),
        'automatic-action/MDN-sent-automatically; processed/Error: integrity-check-failed',
      );
      // The MIC of what arrived, so that the sender can compare it with its own.
      const arrived = ediEntity(SAMPLE_850.replace('PO-4711', 'PO-4712'));
      assert.ok(report.includes(`Received-Content-MIC: ${peer.digestBase64(arrived, 'sha256')}, sha-256`));
      assert.equal(await receiptsOf('acme/as2'), before);
    });

    it('refuses an unknown AS2-From with 403 and records nothing', async () => {
      const sent = message('<stranger@x.example>', { from: 'STRANGER' });
      const answer = await post(server.port, sent.headers, sent.body);
      assert.equal(answer.status, 403);
      assert.match(answer.body.toString(), /no partner sends as AS2-From "STRANGER" to AS2-To "DOCKSIDE"/);
      const [row] = await db.query<{ n: number }>(
        `select count(*)::int as n from as2_messages where message_id = '<stranger@x.example>'`,
      );
      assert.equal(row!.n, 0);
    });

    it('refuses an AS2-To that is not ours for that partner with 403', async () => {
      const sent = message('<wrong-to@acme.example>', { headers: { 'AS2-To': 'SOMEONE-ELSE' } });
      const answer = await post(server.port, sent.headers, sent.body);
      assert.equal(answer.status, 403);
    });

    it('answers an unsigned message to a partner that requires signing with insufficient-message-security', async () => {
      const before = await receiptsOf('plain/as2');
      const answer = await post(
        server.port,
        {
          'AS2-From': 'PLAIN',
          'AS2-To': 'DOCKSIDE',
          'Message-ID': '<unsigned@plain.example>',
          'Content-Type': 'application/edi-x12',
          'Disposition-Notification-To': 'edi@plain.example',
          'Disposition-Notification-Options': SIGNED_MDN,
        },
        Buffer.from(SAMPLE_850),
      );
      assert.equal(answer.status, 200);
      assert.equal(
        disposition(verifiedReport(answer)),
        'automatic-action/MDN-sent-automatically; processed/Error: insufficient-message-security',
      );
      assert.equal(await receiptsOf('plain/as2'), before);
    });

    it('answers an unsigned MDN when the sender did not ask for a signed one', async () => {
      const sent = message('<unsigned-mdn@acme.example>', {
        headers: { 'Disposition-Notification-Options': '' },
      });
      delete sent.headers['Disposition-Notification-Options'];
      const answer = await post(server.port, sent.headers, sent.body);
      assert.equal(answer.status, 200);
      assert.match(String(answer.headers['content-type']), /^multipart\/report/);
      assert.equal(
        disposition(answer.body.toString('latin1')),
        'automatic-action/MDN-sent-automatically; processed',
      );
    });

    it('refuses a message over the size limit with 413, by Content-Length and while reading, and stores nothing', async () => {
      const before = await receiptsOf('plain/as2');
      const big = Buffer.alloc(100 * 1024, 'A');
      const headers = {
        'AS2-From': 'PLAIN',
        'AS2-To': 'DOCKSIDE',
        'Message-ID': '<big@plain.example>',
        'Content-Type': 'application/edi-x12',
      };
      const byLength = await post(server.port, headers, big);
      assert.equal(byLength.status, 413);
      assert.match(byLength.body.toString(), /at most 65536 are accepted/);
      const chunked = await post(
        server.port,
        { ...headers, 'Transfer-Encoding': 'chunked' },
        { pieces: [big.subarray(0, 50_000), big.subarray(50_000)], pauseMs: 10 },
      ).catch((e: NodeJS.ErrnoException) => ({ status: -1, error: e.code }));
      // The server answers and closes at the limit; the client may see the answer or the reset.
      assert.ok(chunked.status === 413 || chunked.status === -1, JSON.stringify(chunked));
      assert.equal(await receiptsOf('plain/as2'), before);
      assert.equal(await getAs2Message(db, 'plain', '<big@plain.example>'), undefined);
    });

    it('refuses a sender too slow to finish within the request timeout with 408', async function () {
      this.timeout(10_000);
      const sent = message('<slow@acme.example>');
      const pieces = [sent.body.subarray(0, 10), sent.body.subarray(10, 20), sent.body.subarray(20)];
      const answer = await post(server.port, sent.headers, { pieces, pauseMs: 1000 }).catch(
        (e: NodeJS.ErrnoException) => ({ status: -1, error: e.code }),
      );
      assert.ok(answer.status === 408 || answer.status === -1, JSON.stringify(answer));
      if ('body' in answer) assert.match(answer.body.toString(), /did not arrive within 1500 ms/);
      assert.equal(await getAs2Message(db, 'acme', '<slow@acme.example>'), undefined);
    });

    it('refuses a message beyond the partner concurrency limit with 503 and Retry-After', async function () {
      this.timeout(10_000);
      const slow = message('<first@single.example>', { from: 'SINGLE' });
      const firstDone = post(server.port, slow.headers, {
        pieces: [slow.body.subarray(0, 100), slow.body.subarray(100)],
        pauseMs: 500,
      });
      await new Promise((r) => setTimeout(r, 200));
      const second = message('<second@single.example>', { from: 'SINGLE' });
      const refused = await post(server.port, second.headers, second.body);
      assert.equal(refused.status, 503);
      assert.equal(refused.headers['retry-after'], '5');
      assert.equal((await firstDone).status, 200);
      const later = await post(server.port, second.headers, second.body);
      assert.equal(later.status, 200);
    });

    it('posts an asynchronous MDN to the Receipt-Delivery-Option URL the partner file lists after answering 200, retrying a failure', async function () {
      this.timeout(10_000);
      let calls = 0;
      // The first attempt meets a server error: the MDN is tried again after the backoff.
      acmeMdns.status = () => (++calls === 1 ? 500 : 200);
      const posted = acmeMdns.received;
      const receiptsBefore = await receiptsOf('acme/as2');
      const sent = message('<async@acme.example>', {
        headers: { 'Receipt-Delivery-Option': acmeMdns.url },
      });
      const answer = await post(server.port, sent.headers, sent.body);
      assert.equal(answer.status, 200);
      assert.match(answer.body.toString(), /MDN follows asynchronously/);
      for (let i = 0; i < 100 && posted.length < 2; i++) await sleep(50);
      assert.equal(posted.length, 2, 'the failed attempt and the one after it');
      const mdn = posted[1]!;
      assert.equal(mdn.headers['as2-from'], 'DOCKSIDE');
      assert.equal(mdn.headers['as2-to'], '"ACME AS2"');
      const report = verifiedReport({ status: 200, headers: mdn.headers, body: mdn.body });
      assert.equal(disposition(report), 'automatic-action/MDN-sent-automatically; processed');
      assert.ok(report.includes(`Received-Content-MIC: ${peer.digestBase64(entity, 'sha256')}, sha-256`));
      let row = await getAs2Message(db, 'acme', '<async@acme.example>');
      for (let i = 0; i < 20 && row?.mdnStatus !== 'sent'; i++) {
        await sleep(50);
        row = await getAs2Message(db, 'acme', '<async@acme.example>');
      }
      assert.equal(row?.mdnStatus, 'sent');
      assert.equal(row.mdnAttempts, 2);
      assert.ok(row.receiptId);

      // The sender repeats the message: it has not got the MDN, so the same MDN is posted again.
      const again = await post(server.port, sent.headers, sent.body);
      assert.equal(again.status, 200);
      for (let i = 0; i < 100 && posted.length === 2; i++) await sleep(50);
      assert.equal(posted.length, 3);
      assert.ok(posted[2]!.body.equals(mdn.body));
      assert.equal(posted[2]!.headers['message-id'], mdn.headers['message-id']);
      assert.equal(await receiptsOf('acme/as2'), receiptsBefore + 1);
    });

    it('answers a message that fails authentication and asks for an asynchronous MDN with 400, and never calls the URL', async () => {
      const before = await receiptsOf('acme/as2');
      // Even the partner's own listed URL: a forger could otherwise make us post to it at will.
      const sent = message('<forged-async@acme.example>', {
        signer: forger,
        headers: { 'Receipt-Delivery-Option': acmeMdns.url },
      });
      const answer = await post(server.port, sent.headers, sent.body);
      assert.equal(answer.status, 400);
      assert.match(String(answer.headers['content-type']), /^text\/plain/);
      assert.match(
        answer.body.toString(),
        /^the message was refused \(authentication-failed\): .*; no asynchronous MDN is posted for it\r\n$/,
      );
      await sleep(300);
      assert.equal(acmeMdns.received.length, 0);
      assert.equal(await receiptsOf('acme/as2'), before);
      const row = await getAs2Message(db, 'acme', '<forged-async@acme.example>');
      assert.equal(row?.status, 'failed');
      assert.equal(row.failureCode, 'authentication-failed');
      assert.equal(row.mdnStatus, 'refused');
      assert.equal(row.mdnUrl, acmeMdns.url);
      assert.match(
        row.mdnLastError ?? '',
        /refused \(authentication-failed\), so it does not speak for the partner/,
      );
    });

    it('receives a message from the partner asking for an MDN at an unlisted URL, records why, and posts nothing there', async () => {
      const elsewhere = await mdnListener();
      try {
        const before = await receiptsOf('acme/as2');
        const sent = message('<unlisted@acme.example>', {
          headers: { 'Receipt-Delivery-Option': elsewhere.url },
        });
        const answer = await post(server.port, sent.headers, sent.body);
        assert.equal(answer.status, 200);
        assert.equal(
          answer.body.toString(),
          'received; no MDN is posted: the partner file does not allow the Receipt-Delivery-Option URL\r\n',
        );
        await sleep(300);
        assert.equal(elsewhere.received.length, 0);
        assert.equal(acmeMdns.received.length, 0);
        assert.equal(await receiptsOf('acme/as2'), before + 1);
        const row = await getAs2Message(db, 'acme', '<unlisted@acme.example>');
        assert.equal(row?.status, 'processed');
        assert.equal(row.mdnStatus, 'refused');
        assert.equal(row.mdnAttempts, 0);
        assert.equal(row.mdnUrl, elsewhere.url);
        assert.equal(
          row.mdnLastError,
          `Receipt-Delivery-Option "${elsewhere.url}" is not under any of the partner file's as2.asyncMdnUrls (${acmeMdns.url})`,
        );
      } finally {
        await elsewhere.close();
      }
    });

    it('refuses, when it resumes pending MDNs, one recorded for a URL the partner file does not allow', async () => {
      const elsewhere = await mdnListener();
      // As a version before the check recorded it: pending, to whatever URL the sender named.
      await recordAs2Message(db, {
        partnerId: 'acme',
        messageId: '<recorded-before@acme.example>',
        as2From: 'ACME AS2',
        as2To: 'DOCKSIDE',
        status: 'failed',
        receiptId: null,
        failureCode: 'authentication-failed',
        failureMessage: 'not the partner',
        mic: null,
        mdnMode: 'async',
        disposition: 'automatic-action/MDN-sent-automatically; processed/Error: authentication-failed',
        mdnHeaders: [['Content-Type', 'multipart/report; boundary="b"']],
        mdnBody: Buffer.from('--b--\r\n'),
        mdnUrl: elsewhere.url,
        mdnStatus: 'pending',
      });
      const restarted = await start();
      try {
        let row = await getAs2Message(db, 'acme', '<recorded-before@acme.example>');
        for (let i = 0; i < 40 && row?.mdnStatus === 'pending'; i++) {
          await sleep(50);
          row = await getAs2Message(db, 'acme', '<recorded-before@acme.example>');
        }
        assert.equal(row?.mdnStatus, 'refused');
        assert.match(row.mdnLastError ?? '', /is not under any of the partner file's as2.asyncMdnUrls/);
        assert.equal(elsewhere.received.length, 0);
      } finally {
        await restarted.close();
        await elsewhere.close();
      }
    });

    it('answers 503 with Retry-After and sends no MDN when the intake cannot store the message', async () => {
      const broken = await start({
        intake: {
          receive: () => Promise.reject(new GatewayError('store-unavailable', 'database down', true)),
        },
      });
      try {
        const sent = message('<store-down@acme.example>');
        const answer = await post(broken.port, sent.headers, sent.body);
        assert.equal(answer.status, 503);
        assert.equal(answer.headers['retry-after'], '5');
        assert.match(answer.body.toString(), /no MDN was sent, please send it again later/);
        assert.equal(await getAs2Message(db, 'acme', '<store-down@acme.example>'), undefined);
      } finally {
        await broken.close();
      }
    });

    it('refuses a request without a Message-ID with 400', async () => {
      const sent = message('<unused@acme.example>');
      delete sent.headers['Message-ID'];
      const answer = await post(server.port, sent.headers, sent.body);
      assert.equal(answer.status, 400);
      assert.match(answer.body.toString(), /Message-ID is required/);
    });

    it('routes a posted MDN to the asynchronous MDN handler, answering with its status, and refuses it without one', async () => {
      const report = Buffer.from(
        [
          '--b',
          'Content-Type: text/plain',
          '',
          'hello',
          '--b',
          'Content-Type: message/disposition-notification',
          '',
          'Original-Message-ID: <ours@dockside>',
          'Disposition: automatic-action/MDN-sent-automatically; processed',
          '--b--',
          '',
        ].join('\r\n'),
      );
      const headers = {
        'AS2-From': '"ACME AS2"',
        'AS2-To': 'DOCKSIDE',
        'Message-ID': '<mdn-1@acme.example>',
        'Content-Type': 'multipart/report; report-type=disposition-notification; boundary="b"',
      };
      const answer = await post(server.port, headers, report);
      assert.equal(answer.status, 200);
      assert.equal(mdnsReceived.length, 1);
      assert.ok(mdnsReceived[0]!.body.equals(report));
      assert.equal(mdnsReceived[0]!.headers['message-id'], '<mdn-1@acme.example>');

      const unknown = await post(
        server.port,
        { ...headers, 'Message-ID': '<mdn-unknown@acme.example>' },
        report,
      );
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.toString(), 'not an MDN for a message we sent\n');

      const without = await start({ onAsyncMdn: undefined });
      try {
        const refused = await post(without.port, headers, report);
        assert.equal(refused.status, 400);
      } finally {
        await without.close();
      }
      assert.equal(await getAs2Message(db, 'acme', '<mdn-1@acme.example>'), undefined);
    });
  });
}

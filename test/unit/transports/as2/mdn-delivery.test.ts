import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '../../../../src/log.ts';
import type { Partner } from '../../../../src/partners/partner.ts';
import type { Db } from '../../../../src/store/db.ts';
import {
  getAs2Message,
  markMdnAttemptFailed,
  recordAs2Message,
} from '../../../../src/store/queries/as2-messages.ts';
import { MdnDeliverer, resendPendingMdns } from '../../../../src/transports/as2/mdn-delivery.ts';
import { testPartner } from '../../../helpers/pipeline.ts';
import { engines } from '../../../helpers/store.ts';

/** A partner's server that receives MDNs: answers with `status()` and keeps what it was sent. */
async function listener(status: () => number): Promise<{
  url: string;
  received: { headers: IncomingHttpHeaders; body: Buffer }[];
  close(): Promise<void>;
}> {
  const received: { headers: IncomingHttpHeaders; body: Buffer }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.statusCode = status();
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/as2/mdn`,
    received,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const MDN_BODY = Buffer.from('--b\r\nContent-Type: text/plain\r\n\r\nreceipt \xff\r\n--b--\r\n', 'latin1');

for (const engine of engines()) {
  describe(`asynchronous MDN delivery on ${engine.name}`, () => {
    let db: Db;
    let n = 0;
    const log = silentLogger();

    before(async () => {
      db = await engine.open();
    });

    async function pending(url: string): Promise<string> {
      const messageId = `<async-${++n}@acme.example>`;
      await recordAs2Message(db, {
        partnerId: 'acme',
        messageId,
        as2From: 'ACME',
        as2To: 'DOCKSIDE',
        status: 'processed',
        receiptId: null,
        failureCode: null,
        failureMessage: null,
        mic: 'AAAA, sha-256',
        mdnMode: 'async',
        disposition: 'automatic-action/MDN-sent-automatically; processed',
        mdnHeaders: [
          ['Content-Type', 'multipart/report; report-type=disposition-notification; boundary="b"'],
          ['AS2-From', 'DOCKSIDE'],
          ['AS2-To', 'ACME'],
        ],
        mdnBody: MDN_BODY,
        mdnUrl: url,
        mdnStatus: 'pending',
      });
      return messageId;
    }

    it('posts an MDN recorded before a restart, with its stored headers and body, once', async () => {
      const partner = await listener(() => 200);
      try {
        const id = await pending(partner.url);
        // Two sweepers at once (two processes): the claim lets only one of them post it.
        const [a, b] = await Promise.all([resendPendingMdns({ db, log }), resendPendingMdns({ db, log })]);
        assert.equal(a.sent + b.sent, 1);
        assert.equal(partner.received.length, 1);
        const got = partner.received[0]!;
        assert.ok(got.body.equals(MDN_BODY));
        assert.equal(got.headers['as2-from'], 'DOCKSIDE');
        assert.match(String(got.headers['content-type']), /^multipart\/report/);
        const row = await getAs2Message(db, 'acme', id);
        assert.equal(row?.mdnStatus, 'sent');
        assert.equal(row.mdnAttempts, 1);
        assert.ok(row.mdnSentAt instanceof Date);
        assert.deepEqual(await resendPendingMdns({ db, log }), {
          sent: 0,
          retrying: 0,
          failed: 0,
          refused: 0,
        });
      } finally {
        await partner.close();
      }
    });

    it('backs off after a refused delivery and gives up after the last attempt, keeping the error', async () => {
      const partner = await listener(() => 503);
      try {
        const id = await pending(partner.url);
        const retry = { maxAttempts: 2, firstDelayMs: 200, timeoutMs: 2000 };
        assert.deepEqual(await resendPendingMdns({ db, log, retry }), {
          sent: 0,
          retrying: 1,
          failed: 0,
          refused: 0,
        });
        // Not due yet: the backoff holds it back.
        assert.deepEqual(await resendPendingMdns({ db, log, retry }), {
          sent: 0,
          retrying: 0,
          failed: 0,
          refused: 0,
        });
        let row = await getAs2Message(db, 'acme', id);
        assert.equal(row?.mdnStatus, 'pending');
        assert.equal(row.mdnLastError, 'HTTP 503');
        await new Promise((r) => setTimeout(r, 250));
        assert.deepEqual(await resendPendingMdns({ db, log, retry }), {
          sent: 0,
          retrying: 0,
          failed: 1,
          refused: 0,
        });
        row = await getAs2Message(db, 'acme', id);
        assert.equal(row?.mdnStatus, 'failed');
        assert.equal(row.mdnAttempts, 2);
        assert.equal(partner.received.length, 2);
      } finally {
        await partner.close();
      }
    });

    it('fails at once an MDN whose Receipt-Delivery-Option is not an http(s) URL', async () => {
      const id = await pending('mailto:edi@acme.example');
      assert.deepEqual(await resendPendingMdns({ db, log }), { sent: 0, retrying: 0, failed: 1, refused: 0 });
      const row = await getAs2Message(db, 'acme', id);
      assert.equal(row?.mdnStatus, 'failed');
      assert.match(row.mdnLastError ?? '', /is not an http\(s\) URL/);
    });

    it('refuses, without posting, an MDN whose URL the partner file no longer allows', async () => {
      const partner = await listener(() => 200);
      try {
        const id = await pending(partner.url);
        const acme = (asyncMdnUrls: string[]): Partner =>
          testPartner('acme', 'ACME', '/srv/dockside', {
            as2: { asyncMdnUrls } as Partner['as2'],
          });
        const summary = await resendPendingMdns({
          db,
          log,
          partnerOf: () => acme(['https://as2.acme.example/mdn']),
        });
        assert.deepEqual(summary, { sent: 0, retrying: 0, failed: 0, refused: 1 });
        assert.equal(partner.received.length, 0);
        const row = await getAs2Message(db, 'acme', id);
        assert.equal(row?.mdnStatus, 'refused');
        assert.equal(row.mdnAttempts, 0);
        assert.match(row.mdnLastError ?? '', /is not under any of the partner file's as2.asyncMdnUrls/);
        // Refused is final for the sweeper: nothing is due any more.
        assert.deepEqual(await resendPendingMdns({ db, log, partnerOf: () => acme([partner.url]) }), {
          sent: 0,
          retrying: 0,
          failed: 0,
          refused: 0,
        });
        assert.equal(partner.received.length, 0);
      } finally {
        await partner.close();
      }
    });

    it('refuses an MDN for a partner no longer known, and posts one whose URL is listed', async () => {
      const partner = await listener(() => 200);
      try {
        const gone = await pending(partner.url);
        assert.equal((await resendPendingMdns({ db, log, partnerOf: () => undefined })).refused, 1);
        assert.match(
          (await getAs2Message(db, 'acme', gone))?.mdnLastError ?? '',
          /partner acme is no longer known by these AS2 names/,
        );
        const listed = await pending(partner.url);
        const acme = testPartner('acme', 'ACME', '/srv/dockside', {
          as2: { asyncMdnUrls: [partner.url.replace(/\/mdn$/, '')] } as Partner['as2'],
        });
        assert.equal((await resendPendingMdns({ db, log, partnerOf: () => acme })).sent, 1);
        assert.equal(partner.received.length, 1);
        assert.equal((await getAs2Message(db, 'acme', listed))?.mdnStatus, 'sent');
      } finally {
        await partner.close();
      }
    });

    it('resumes after a restart every MDN still to be posted, each when its backoff ends', async () => {
      const partner = await listener(() => 200);
      const deliverer = new MdnDeliverer({ db, log });
      try {
        const due = await pending(partner.url);
        const later = await pending(partner.url);
        await markMdnAttemptFailed(db, 'acme', later, 'HTTP 503', 300);
        assert.equal(await deliverer.resume(), 2);
        await new Promise((r) => setTimeout(r, 150));
        assert.equal((await getAs2Message(db, 'acme', due))?.mdnStatus, 'sent');
        assert.equal((await getAs2Message(db, 'acme', later))?.mdnStatus, 'pending');
        let row = await getAs2Message(db, 'acme', later);
        for (let i = 0; i < 40 && row?.mdnStatus !== 'sent'; i++) {
          await new Promise((r) => setTimeout(r, 50));
          row = await getAs2Message(db, 'acme', later);
        }
        assert.equal(row?.mdnStatus, 'sent');
        assert.equal(partner.received.length, 2);
      } finally {
        await deliverer.close();
        await partner.close();
      }
    });

    it('retries on its own timers in the process that recorded the MDN', async () => {
      let calls = 0;
      const partner = await listener(() => (++calls === 1 ? 500 : 200));
      const deliverer = new MdnDeliverer({ db, log, retry: { firstDelayMs: 50 } });
      try {
        const id = await pending(partner.url);
        deliverer.schedule('acme', id);
        let row = await getAs2Message(db, 'acme', id);
        for (let i = 0; i < 60 && row?.mdnStatus !== 'sent'; i++) {
          await new Promise((r) => setTimeout(r, 50));
          row = await getAs2Message(db, 'acme', id);
        }
        assert.equal(row?.mdnStatus, 'sent');
        assert.equal(row.mdnAttempts, 2);
      } finally {
        await deliverer.close();
        await partner.close();
      }
    });
  });
}

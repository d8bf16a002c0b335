import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayError } from '../../../../src/errors.ts';
import { createIntake, type Intake } from '../../../../src/intake/receive.ts';
import { silentLogger } from '../../../../src/log.ts';
import type { As2Certificate, As2Settings } from '../../../../src/partners/partner.ts';
import { FileBlobStore } from '../../../../src/store/blobs.ts';
import type { Db } from '../../../../src/store/db.ts';
import { getAs2Message } from '../../../../src/store/queries/as2-messages.ts';
import {
  handleInbound,
  mdnMode,
  partnerKeys,
  type As2Partner,
  type As2RequestHeaders,
} from '../../../../src/transports/as2/inbound.ts';
import { isMdn } from '../../../../src/transports/as2/server.ts';
import { RecordingQueue, testPartner } from '../../../helpers/pipeline.ts';
import { engines } from '../../../helpers/store.ts';
import { OpensslPeer, SAMPLE_850, ediEntity, splitSmime, type PeerIdentity } from './openssl-peer.ts';

function certificate(identity: PeerIdentity): As2Certificate {
  return {
    pem: identity.certPem,
    ref: `file:${identity.certPath}`,
    notBefore: new Date(0),
    notAfter: new Date(Date.now() + 86_400_000),
    subject: identity.name,
  };
}

const DISPOSITION = /\r\nDisposition: ([^\r\n]*)/;

describe('mdnMode', () => {
  const base: As2RequestHeaders = { as2From: 'A', as2To: 'B', messageId: '<m>', contentType: 'x/y' };

  it('asks for no MDN without Disposition-Notification-To', () => {
    assert.equal(mdnMode(base), 'none');
    assert.equal(mdnMode({ ...base, receiptDeliveryOption: 'http://x/' }), 'none');
  });

  it('answers synchronously without Receipt-Delivery-Option and asynchronously with it', () => {
    assert.equal(mdnMode({ ...base, dispositionNotificationTo: 'x@y' }), 'sync');
    assert.equal(
      mdnMode({ ...base, dispositionNotificationTo: 'x@y', receiptDeliveryOption: 'http://x/' }),
      'async',
    );
  });
});

describe('isMdn', () => {
  const report = 'multipart/report; report-type=disposition-notification; boundary="r"';

  it('recognises a multipart/report and a multipart/signed whose signed part is one', () => {
    assert.ok(isMdn(report, Buffer.alloc(0)));
    const signed = Buffer.from(
      `--s\r\nContent-Type: ${report}\r\n\r\n--r--\r\n--s\r\nContent-Type: application/pkcs7-signature\r\n\r\nAA==\r\n--s--\r\n`,
    );
    assert.ok(isMdn('multipart/signed; protocol="application/pkcs7-signature"; boundary="s"', signed));
  });

  it('takes a signed EDI message, or an unreadable multipart/signed, for a message', () => {
    const signed = Buffer.from(
      '--s\r\nContent-Type: application/edi-x12\r\n\r\nISA~\r\n--s\r\nContent-Type: application/pkcs7-signature\r\n\r\nAA==\r\n--s--\r\n',
    );
    const type = 'multipart/signed; protocol="application/pkcs7-signature"; boundary="s"';
    assert.equal(isMdn(type, signed), false);
    assert.equal(isMdn(type, Buffer.from('no boundary here')), false);
    assert.equal(isMdn('application/pkcs7-mime; smime-type=enveloped-data', Buffer.alloc(10)), false);
  });
});

for (const engine of engines()) {
  describe(`handleInbound on ${engine.name}`, () => {
    let db: Db;
    let dir: string;
    let peer: OpensslPeer;
    let ours: PeerIdentity;
    let theirs: PeerIdentity;
    let partner: As2Partner;
    let intake: Intake;
    let n = 0;
    const entity = ediEntity(SAMPLE_850);
    const log = silentLogger();

    function settings(overrides: Partial<As2Settings> = {}): As2Settings {
      return {
        as2Id: 'ACME',
        ourAs2Id: 'DOCKSIDE',
        certificate: certificate(theirs),
        identities: [
          { certificate: certificate(ours), privateKeyPem: ours.keyPem, privateKeyRef: 'file:ours.key' },
        ],
        requireSigned: true,
        requireEncrypted: false,
        maxConcurrent: 4,
        ...overrides,
      };
    }

    before(async function () {
      this.timeout(60_000);
      db = await engine.open();
      dir = mkdtempSync(join(tmpdir(), 'dockside-as2-inbound-'));
      peer = new OpensslPeer();
      ours = peer.identity('dockside');
      theirs = peer.identity('acme');
      partner = testPartner('acme', 'ACME', dir, { as2: settings() }) as As2Partner;
      intake = createIntake({
        db,
        blobs: new FileBlobStore(join(dir, 'blobs')),
        queue: new RecordingQueue(),
        log,
      });
    });

    after(() => {
      peer?.cleanup();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    function signedRequest(extra: Partial<As2RequestHeaders> = {}): {
      headers: As2RequestHeaders;
      body: Buffer;
    } {
      const { contentType, body } = splitSmime(peer.sign(entity, theirs));
      return {
        headers: {
          as2From: 'ACME',
          as2To: 'DOCKSIDE',
          messageId: `<inbound-${engine.name}-${++n}@acme.example>`,
          contentType,
          dispositionNotificationTo: 'edi@acme.example',
          ...extra,
        },
        body,
      };
    }

    async function receipts(): Promise<number> {
      const [row] = await db.query<{ n: number }>(
        `select count(*)::int as n from receipts where channel_id = 'acme/as2'`,
      );
      return row!.n;
    }

    it('loads the partner keys once per settings object', () => {
      const s = settings();
      assert.equal(partnerKeys(s), partnerKeys(s));
      assert.notEqual(partnerKeys(s), partnerKeys(settings()));
    });

    it('sends no MDN and records nothing when the intake fails, so that the sender tries again', async () => {
      const broken: Intake = {
        receive: () => Promise.reject(new GatewayError('store-unavailable', 'database down', true)),
      };
      const { headers, body } = signedRequest();
      await assert.rejects(
        handleInbound({ db, intake: broken, log }, partner, headers, body),
        (e: unknown) => e instanceof GatewayError && e.code === 'store-unavailable',
      );
      assert.equal(await getAs2Message(db, 'acme', headers.messageId), undefined);
      // The same message again, with the database back: received and answered.
      const answer = await handleInbound({ db, intake, log }, partner, headers, body);
      assert.equal(answer.outcome, 'processed');
    });

    it('processes a message that failed before when it comes again with the same Message-ID, counting attempts', async () => {
      const { headers, body } = signedRequest();
      const strict = { ...partner, as2: settings({ requireEncrypted: true }) };
      const refused = await handleInbound({ db, intake, log }, strict, headers, body);
      assert.equal(refused.outcome, 'failed');
      assert.match(refused.body.toString('latin1'), /processed\/Error: insufficient-message-security/);
      const before = await receipts();
      const accepted = await handleInbound({ db, intake, log }, partner, headers, body);
      assert.equal(accepted.outcome, 'processed');
      assert.equal(
        DISPOSITION.exec(accepted.body.toString('latin1'))?.[1],
        'automatic-action/MDN-sent-automatically; processed',
      );
      assert.equal(await receipts(), before + 1);
      const row = await getAs2Message(db, 'acme', headers.messageId);
      assert.equal(row?.status, 'processed');
      assert.equal(row.attempts, 2);
      assert.equal(row.failureCode, null);
    });

    it('answers two copies of one message arriving together with the same MDN and one receipt', async () => {
      const first = signedRequest();
      // Signed again: other bytes (and another MIME boundary), the same Message-ID.
      const again = splitSmime(peer.sign(entity, theirs));
      const second = { headers: { ...first.headers, contentType: again.contentType }, body: again.body };
      const [a, b] = await Promise.all([
        handleInbound({ db, intake, log }, partner, first.headers, first.body),
        handleInbound({ db, intake, log }, partner, second.headers, second.body),
      ]);
      assert.ok(a.body.equals(b.body));
      assert.deepEqual(a.headers, b.headers);
      // The intake keys AS2 arrivals by partner and Message-ID: a second copy is a duplicate, not processed.
      const rows = await db.query<{ duplicateOf: number | null }>(
        'select duplicate_of as "duplicateOf" from receipts where idempotency_key = $1',
        [`acme:${first.headers.messageId}`],
      );
      assert.equal(rows.filter((r) => r.duplicateOf === null).length, 1);
    });

    it('fails a message whose sender requires a receipt protocol other than pkcs7-signature, storing nothing', async () => {
      const before = await receipts();
      const { headers, body } = signedRequest({
        dispositionNotificationOptions: 'signed-receipt-protocol=required, pgp-signature',
      });
      const answer = await handleInbound({ db, intake, log }, partner, headers, body);
      assert.equal(answer.outcome, 'failed');
      assert.equal(
        DISPOSITION.exec(answer.body.toString('latin1'))?.[1],
        'automatic-action/MDN-sent-automatically; failed/Failure: unsupported format',
      );
      assert.equal(await receipts(), before);
      assert.equal((await getAs2Message(db, 'acme', headers.messageId))?.failureCode, 'unsupported-format');
    });

    it('answers a message that fails authentication with 400 when it asks for an asynchronous MDN, and posts nothing', async () => {
      const stranger = peer.identity('stranger');
      const { contentType, body } = splitSmime(peer.sign(entity, stranger));
      const { headers } = signedRequest({
        contentType,
        receiptDeliveryOption: 'http://169.254.169.254/latest/meta-data',
      });
      const listed = {
        ...partner,
        as2: settings({ asyncMdnUrls: ['http://169.254.169.254/'] }),
      } as As2Partner;
      const answer = await handleInbound({ db, intake, log }, listed, headers, body);
      assert.equal(answer.status, 400);
      assert.equal(answer.outcome, 'failed');
      assert.equal(answer.asyncMdnPending, undefined);
      assert.match(
        answer.body.toString(),
        /^the message was refused \(authentication-failed\): .*; no asynchronous MDN is posted for it\r\n$/,
      );
      const row = await getAs2Message(db, 'acme', headers.messageId);
      assert.equal(row?.status, 'failed');
      assert.equal(row.mdnMode, 'async');
      assert.equal(row.mdnStatus, 'refused');
      assert.equal(row.mdnUrl, 'http://169.254.169.254/latest/meta-data');
      assert.equal(row.mdnBody, null);
      assert.match(
        row.mdnLastError ?? '',
        /refused \(authentication-failed\), so it does not speak for the partner/,
      );
    });

    it('processes a message asking for an MDN at a URL the partner file does not allow, recording why it is not posted', async () => {
      const before = await receipts();
      const { headers, body } = signedRequest({ receiptDeliveryOption: 'http://10.0.0.7:8080/internal' });
      const answer = await handleInbound({ db, intake, log }, partner, headers, body);
      assert.equal(answer.status, 200);
      assert.equal(answer.outcome, 'processed');
      assert.equal(answer.asyncMdnPending, undefined);
      assert.equal(
        answer.body.toString(),
        'received; no MDN is posted: the partner file does not allow the Receipt-Delivery-Option URL\r\n',
      );
      assert.equal(await receipts(), before + 1);
      const row = await getAs2Message(db, 'acme', headers.messageId);
      assert.equal(row?.status, 'processed');
      assert.equal(row.mdnStatus, 'refused');
      assert.equal(row.mdnUrl, 'http://10.0.0.7:8080/internal');
      assert.match(row.mdnLastError ?? '', /lists no as2.asyncMdnUrls and has no as2 outbound channel/);
      assert.match(DISPOSITION.exec(row.mdnBody?.toString('latin1') ?? '')?.[1] ?? '', /; processed$/);

      // Repeated while the file still does not allow it: the same answer, still refused.
      const again = await handleInbound({ db, intake, log }, partner, headers, body);
      assert.equal(again.outcome, 'repeat');
      assert.equal(again.asyncMdnPending, undefined);
      assert.ok(again.body.equals(answer.body));

      // Repeated once the partner file lists the URL: the MDN recorded the first time is queued.
      const listed = {
        ...partner,
        as2: settings({ asyncMdnUrls: ['http://10.0.0.7:8080/'] }),
      } as As2Partner;
      const released = await handleInbound({ db, intake, log }, listed, headers, body);
      assert.equal(released.outcome, 'repeat');
      assert.equal(released.asyncMdnPending, true);
      assert.equal(released.body.toString(), 'received; the MDN follows asynchronously\r\n');
      const queued = await getAs2Message(db, 'acme', headers.messageId);
      assert.equal(queued?.mdnStatus, 'pending');
      assert.equal(queued.mdnLastError, null);
      assert.equal(await receipts(), before + 1);
      // Out of the way of other tests' sweeps: nothing listens at 10.0.0.7.
      await db.query(`update as2_messages set mdn_status = 'sent' where message_id = $1`, [
        headers.messageId,
      ]);
    });

    it('queues an asynchronous MDN to a URL the partner file lists', async () => {
      const listed = {
        ...partner,
        as2: settings({ asyncMdnUrls: ['https://as2.acme.example/mdn'] }),
      } as As2Partner;
      const { headers, body } = signedRequest({ receiptDeliveryOption: 'https://as2.acme.example/mdn/in' });
      const answer = await handleInbound({ db, intake, log }, listed, headers, body);
      assert.equal(answer.status, 200);
      assert.equal(answer.asyncMdnPending, true);
      const row = await getAs2Message(db, 'acme', headers.messageId);
      assert.equal(row?.mdnStatus, 'pending');
      assert.equal(row.mdnLastError, null);
      // Out of the way of other tests' sweeps: nothing listens at as2.acme.example.
      await db.query(`update as2_messages set mdn_status = 'sent' where message_id = $1`, [
        headers.messageId,
      ]);
    });

    it('answers 200 without an MDN when none was asked for, and records the message', async () => {
      const { headers, body } = signedRequest();
      delete headers.dispositionNotificationTo;
      const answer = await handleInbound({ db, intake, log }, partner, headers, body);
      assert.equal(answer.status, 200);
      assert.equal(answer.body.toString(), 'received\r\n');
      const row = await getAs2Message(db, 'acme', headers.messageId);
      assert.equal(row?.mdnMode, 'none');
      assert.equal(row.mdnStatus, 'none');
      assert.ok(row.receiptId);
      assert.match(row.mic ?? '', /, sha-256$/);
    });
  });
}

// Acknowledgments delivered over AS2, through the real pipeline and store: an 856 arrives, its 997 is sent by
// deliverAcks to a partner server that opens it with the openssl CLI (test/unit/transports/as2/as2-partner.ts),
// and the MDN, synchronous or asynchronous, decides the ack's delivery status.
import assert from 'node:assert/strict';
import type { As2Outbound } from '../../src/partners/partner.ts';
import { deliverAcks } from '../../src/pipeline/deliver-outbound.ts';
import { processReceipt } from '../../src/pipeline/process-receipt.ts';
import {
  acknowledgmentsOfReceipt,
  getAcknowledgment,
  pendingDeliveries,
  type Acknowledgment,
} from '../../src/store/queries/acknowledgments.ts';
import { getAs2Sent } from '../../src/store/queries/as2-sent.ts';
import { acceptAsyncMdn, expireAsyncMdns } from '../../src/transports/as2/async-mdn.ts';
import { startAs2Server } from '../../src/transports/as2/server.ts';
import { GOLDEN_856, harness, testPartner, withEnvelope, type Harness } from '../helpers/pipeline.ts';
import { engines } from '../helpers/store.ts';
import { As2PartnerServer, as2Channel, as2Settings } from '../unit/transports/as2/as2-partner.ts';
import { OpensslPeer, type PeerIdentity } from '../unit/transports/as2/openssl-peer.ts';

const ASYNC_URL = 'https://gateway.example/as2/mdn';

for (const engine of engines()) {
  describe(`AS2 delivery of acknowledgments on ${engine.name}`, function () {
    this.timeout(120_000);
    let peer: OpensslPeer;
    let ours: PeerIdentity;
    let partner: PeerIdentity;
    let server: As2PartnerServer;
    let url: string;
    let control = 100;

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
      server.asyncMdns.length = 0;
      server.beforeAnswering = undefined;
    });

    /** A pipeline whose partner acme takes acks over AS2, and one stored 997 for an 856 it sent. */
    async function ackToSend(
      channel: Partial<As2Outbound> = {},
    ): Promise<{ h: Harness; ack: Acknowledgment }> {
      const h = harness(await engine.open(), (dir) => [
        testPartner('acme', 'ACMEWIDGET', dir, {
          outbound: as2Channel(url, channel),
          as2: as2Settings(ours, partner),
        }),
      ]);
      const receiptId = await h.arrive('acme', withEnvelope(GOLDEN_856, { control: control++ }));
      await processReceipt(h.deps, receiptId);
      const [ack] = await acknowledgmentsOfReceipt(h.db, receiptId);
      assert.ok(ack, 'the 856 got an ack');
      assert.equal(ack.deliveryStatus, 'pending', 'an AS2 ack is not delivered inline');
      return { h, ack };
    }

    async function reread(h: Harness, ack: Acknowledgment): Promise<Acknowledgment> {
      return (await getAcknowledgment(h.db, ack.id))!;
    }

    it('delivers a 997 that openssl decrypts and verifies, proven by a signed sync MDN with its MIC', async () => {
      const { h, ack } = await ackToSend();
      const [result] = await deliverAcks(h.deps, [{ ack: ack.id, final: false }]);
      assert.equal(result?.ok, true);
      assert.equal(server.received.length, 1);
      const seen = server.received[0]!;
      assert.ok(seen.signedEntity.toString('latin1').endsWith(ack.body), 'the 997 arrives unchanged');
      const after = await reread(h, ack);
      assert.equal(after.deliveryStatus, 'delivered');
      assert.equal(after.channelKind, 'as2');
      assert.equal(after.deliveredTo, `${url} ${String(seen.headers['message-id'])}`);
      assert.equal(after.lastError, null);
    });

    it('fails the ack for good at the first attempt when the MDN refuses the message', async () => {
      const { h, ack } = await ackToSend();
      server.behaviour = 'refuses';
      const [result] = await deliverAcks(h.deps, [{ ack: ack.id, final: false }]);
      assert.equal(result?.ok, false);
      const after = await reread(h, ack);
      assert.equal(after.deliveryStatus, 'failed');
      assert.match(
        after.lastError ?? '',
        /refused 997_\d+\.x12 .* in its MDN: processed\/error: authentication-failed/,
      );
    });

    it('fails the ack for good when the MDN is signed by another key', async () => {
      const { h, ack } = await ackToSend();
      server.behaviour = 'forges';
      await deliverAcks(h.deps, [{ ack: ack.id, final: false }]);
      const after = await reread(h, ack);
      assert.equal(after.deliveryStatus, 'failed');
      assert.match(after.lastError ?? '', /does not prove delivery \(authentication-failed\)/);
    });

    it('keeps the ack pending after an HTTP 500 and delivers it on the next attempt', async () => {
      const { h, ack } = await ackToSend();
      server.behaviour = 'http-500';
      const [first] = await deliverAcks(h.deps, [{ ack: ack.id, final: false }]);
      assert.equal(first?.ok, false);
      let after = await reread(h, ack);
      assert.equal(after.deliveryStatus, 'pending');
      assert.match(after.lastError ?? '', /HTTP 500/);
      server.behaviour = 'processed';
      await deliverAcks(h.deps, [{ ack: ack.id, final: false }]);
      after = await reread(h, ack);
      assert.equal(after.deliveryStatus, 'delivered');
      assert.equal(after.attempts, 2);
    });

    it('keeps the ack pending while its async MDN is awaited, without sending it twice or re-queuing it', async () => {
      const { h, ack } = await ackToSend({ mdn: 'async', asyncMdnUrl: ASYNC_URL });
      server.behaviour = 'async';
      const [result] = await deliverAcks(h.deps, [{ ack: ack.id, final: false }]);
      assert.equal(result?.ok, true);
      assert.equal(server.received.length, 1);
      assert.equal(server.received[0]!.headers['receipt-delivery-option'], ASYNC_URL);
      const messageId = String(server.received[0]!.headers['message-id']);
      const sent = await getAs2Sent(h.db, messageId);
      assert.equal(sent?.status, 'awaiting-mdn');
      assert.equal(sent?.ackId, ack.id);
      assert.equal(sent?.micDigest, server.received[0]!.mic.digest, 'the recorded MIC is the partner’s');
      assert.equal((await reread(h, ack)).deliveryStatus, 'pending');
      assert.deepEqual(await pendingDeliveries(h.db, 0, 10), [], 'the sweeper leaves it to its MDN');

      await deliverAcks(h.deps, [{ ack: ack.id, final: false }]);
      assert.equal(server.received.length, 1, 'a second attempt does not send another message');
    });

    it('delivers the ack when its signed async MDN arrives, and ignores the same MDN sent again', async () => {
      const { h, ack } = await ackToSend({ mdn: 'async', asyncMdnUrl: ASYNC_URL });
      server.behaviour = 'async';
      await deliverAcks(h.deps, [{ ack: ack.id, final: false }]);
      const { headers, mdn } = server.asyncMdns[0]!;
      const outcome = await acceptAsyncMdn(h.deps, headers, mdn.body);
      assert.equal(outcome.status, 'delivered', JSON.stringify(outcome));
      assert.equal(outcome.httpStatus, 200);
      const after = await reread(h, ack);
      assert.equal(after.deliveryStatus, 'delivered');
      assert.equal(after.channelKind, 'as2');
      assert.match(after.deliveredTo ?? '', /<dockside-.*>$/);
      const again = await acceptAsyncMdn(h.deps, headers, mdn.body);
      assert.deepEqual([again.status, again.httpStatus], ['already-settled', 200]);
    });

    it('takes an async MDN that arrives before the POST has returned, and the ack stays delivered', async () => {
      const { h, ack } = await ackToSend({ mdn: 'async', asyncMdnUrl: ASYNC_URL });
      server.behaviour = 'async';
      const outcomes: string[] = [];
      server.beforeAnswering = async ({ headers, mdn }) => {
        outcomes.push((await acceptAsyncMdn(h.deps, headers, mdn.body)).status);
      };
      const [result] = await deliverAcks(h.deps, [{ ack: ack.id, final: false }]);
      assert.equal(result?.ok, true);
      assert.deepEqual(outcomes, ['delivered']);
      const messageId = String(server.received[0]!.headers['message-id']);
      assert.equal((await getAs2Sent(h.db, messageId))?.status, 'delivered');
      const after = await reread(h, ack);
      assert.equal(
        after.deliveryStatus,
        'delivered',
        'the POST returning later does not make it pending again',
      );
      assert.equal(after.attempts, 1);
    });

    it('settles the ack from the async MDN the partner posts to the gateway’s AS2 endpoint, and answers a forged one with 400', async () => {
      const { h, ack } = await ackToSend({ mdn: 'async', asyncMdnUrl: ASYNC_URL });
      const outcomes: string[] = [];
      const endpoint = await startAs2Server({
        host: '127.0.0.1',
        port: 0,
        intake: h.intake,
        db: h.db,
        log: h.deps.log,
        lookup: (from, to) => {
          const found = h.partners.all().find((p) => p.as2?.as2Id === from && p.as2.ourAs2Id === to);
          return found ? { partner: found } : undefined;
        },
        onAsyncMdn: async (headers, body) => {
          const outcome = await acceptAsyncMdn(h.deps, headers, body);
          outcomes.push(outcome.status);
          return outcome;
        },
      });
      try {
        server.behaviour = 'async';
        await deliverAcks(h.deps, [{ ack: ack.id, final: false }]);
        const to = `http://127.0.0.1:${endpoint.port}/as2`;
        const genuine = server.asyncMdns[0]!;
        const forged = { headers: genuine.headers, mdn: server.mdnFor(server.received[0]!, 'forges') };
        assert.equal(await server.postMdn(to, forged), 400);
        assert.equal((await reread(h, ack)).deliveryStatus, 'pending');
        assert.equal(await server.postMdn(to, genuine), 200);
        assert.deepEqual(outcomes, ['rejected', 'delivered']);
        assert.equal((await reread(h, ack)).deliveryStatus, 'delivered');
      } finally {
        await endpoint.close();
      }
    });

    it('refuses an async MDN signed by another key without settling anything, then takes the genuine one', async () => {
      const { h, ack } = await ackToSend({ mdn: 'async', asyncMdnUrl: ASYNC_URL });
      server.behaviour = 'async';
      await deliverAcks(h.deps, [{ ack: ack.id, final: false }]);
      const genuine = server.asyncMdns[0]!;
      const forged = server.mdnFor(server.received[0]!, 'forges');
      const outcome = await acceptAsyncMdn(
        h.deps,
        { ...genuine.headers, 'content-type': forged.contentType },
        forged.body,
      );
      assert.equal(outcome.status, 'rejected');
      assert.equal(outcome.httpStatus, 400);
      assert.equal((await reread(h, ack)).deliveryStatus, 'pending');
      const real = await acceptAsyncMdn(h.deps, genuine.headers, genuine.mdn.body);
      assert.equal(real.status, 'delivered');
    });

    it('fails the ack when an authentic async MDN refuses the message', async () => {
      const { h, ack } = await ackToSend({ mdn: 'async', asyncMdnUrl: ASYNC_URL });
      server.behaviour = 'async';
      await deliverAcks(h.deps, [{ ack: ack.id, final: false }]);
      const refusal = server.mdnFor(server.received[0]!, 'refuses');
      const outcome = await acceptAsyncMdn(
        h.deps,
        { 'as2-from': 'ACME-AS2', 'content-type': refusal.contentType },
        refusal.body,
      );
      assert.equal(outcome.status, 'failed');
      const after = await reread(h, ack);
      assert.equal(after.deliveryStatus, 'failed');
      assert.match(after.lastError ?? '', /refused .* in its MDN/);
    });

    it('answers an MDN for a message it never sent as unmatched', async () => {
      const { h, ack } = await ackToSend({ mdn: 'async', asyncMdnUrl: ASYNC_URL });
      server.behaviour = 'async';
      await deliverAcks(h.deps, [{ ack: ack.id, final: false }]);
      const { headers, mdn } = server.asyncMdns[0]!;
      const other = mdn.body.toString('latin1').replace(/<dockside-[^>]+>/g, '<someone-else@elsewhere>');
      const outcome = await acceptAsyncMdn(h.deps, headers, Buffer.from(other, 'latin1'));
      assert.deepEqual([outcome.status, outcome.httpStatus], ['unmatched', 400]);
      const garbage = await acceptAsyncMdn(h.deps, { 'content-type': 'text/plain' }, Buffer.from('hello'));
      assert.equal(garbage.status, 'unmatched');
    });

    it('fails the ack, visibly, when no async MDN arrives before the deadline', async () => {
      const { h, ack } = await ackToSend({ mdn: 'async', asyncMdnUrl: ASYNC_URL, mdnTimeoutMs: 3_600_000 });
      server.behaviour = 'async';
      await deliverAcks(h.deps, [{ ack: ack.id, final: false }]);
      assert.equal(await expireAsyncMdns(h.deps, new Date(Date.now() + 60_000)), 0, 'not yet');
      assert.equal(await expireAsyncMdns(h.deps, new Date(Date.now() + 3_601_000)), 1);
      const after = await reread(h, ack);
      assert.equal(after.deliveryStatus, 'failed');
      assert.match(after.lastError ?? '', /^no MDN within 1 h for 997_\d+\.x12 \(<dockside-.*>, sent .*\)$/);
      const late = await acceptAsyncMdn(h.deps, server.asyncMdns[0]!.headers, server.asyncMdns[0]!.mdn.body);
      assert.deepEqual([late.status, late.httpStatus], ['already-settled', 200]);
      assert.equal((await reread(h, ack)).deliveryStatus, 'failed', 'a late MDN does not revive it');
    });
  });
}

import assert from 'node:assert/strict';
import { duration, originalMessageId } from '../../../../src/transports/as2/async-mdn.ts';
import { loadIdentity } from '../../../../src/transports/as2/certificates.ts';
import { buildMdn } from '../../../../src/transports/as2/mdn.ts';
import { parseNotificationOptions } from '../../../../src/transports/as2/notification-options.ts';
import { OpensslPeer } from './openssl-peer.ts';

const MESSAGE_ID = '<dockside-6f1c@gateway.example>';

describe('originalMessageId', () => {
  let peer: OpensslPeer;
  before(() => {
    peer = new OpensslPeer();
  });
  after(() => peer.cleanup());

  it('reads the Original-Message-ID of a signed MDN, before its signature is checked', () => {
    const partner = peer.identity('acme');
    const mdn = buildMdn({
      originalMessageId: MESSAGE_ID,
      ourAs2Id: 'ACME',
      options: parseNotificationOptions('signed-receipt-protocol=optional, pkcs7-signature'),
      mic: { digest: 'AAAA', algorithm: 'sha-256' },
      identity: loadIdentity(partner.certPem, partner.keyPem),
    });
    assert.equal(mdn.signed, true);
    assert.equal(originalMessageId(mdn.contentType, mdn.body), MESSAGE_ID);
  });

  it('reads it from an unsigned MDN', () => {
    const mdn = buildMdn({ originalMessageId: MESSAGE_ID, ourAs2Id: 'ACME', options: {} });
    assert.equal(mdn.signed, false);
    assert.equal(originalMessageId(mdn.contentType, mdn.body), MESSAGE_ID);
  });

  it('finds none in what is not a multipart/report', () => {
    assert.equal(originalMessageId('application/edi-x12', Buffer.from('ISA*00~')), undefined);
  });
});

describe('duration', () => {
  it('writes a timeout the way it was likely configured', () => {
    assert.equal(duration(3_600_000), '1 h');
    assert.equal(duration(5_400_000), '90 min');
    assert.equal(duration(45_000), '45 s');
    assert.equal(duration(250), '250 ms');
  });
});

import assert from 'node:assert/strict';
import {
  loadCertificate,
  loadIdentity,
  type LoadedCertificate,
  type LoadedIdentity,
} from '../../../../src/transports/as2/certificates.ts';
import { receiveMessage } from '../../../../src/transports/as2/receive.ts';
import { packMessage } from '../../../../src/transports/as2/send.ts';
import { OpensslPeer, SAMPLE_850, type PeerIdentity } from './openssl-peer.ts';

describe('packMessage', () => {
  let peer: OpensslPeer;
  let ours: PeerIdentity;
  let partner: PeerIdentity;
  let identity: LoadedIdentity;
  let partnerCert: LoadedCertificate;

  before(() => {
    peer = new OpensslPeer();
    ours = peer.identity('dockside');
    partner = peer.identity('partner');
    identity = loadIdentity(ours.certPem, ours.keyPem);
    partnerCert = loadCertificate(partner.certPem);
  });
  after(() => peer.cleanup());

  /** What the partner does with our message: openssl decrypts it with its key, then verifies our signature
   * with our certificate as the only trust anchor. Returns the signed entity openssl hands out. */
  function opensslOpens(body: Buffer): Buffer {
    return peer.verifySmime(peer.decrypt(body, partner), ours);
  }

  const cases = [
    { cipher: 'aes-256-cbc', keyTransport: 'rsa-pkcs1', digest: 'sha256' },
    { cipher: 'aes-128-cbc', keyTransport: 'rsa-oaep', digest: 'sha1' },
    { cipher: 'aes-192-cbc', keyTransport: 'rsa-pkcs1', digest: 'sha384' },
    { cipher: 'des-ede3-cbc', keyTransport: 'rsa-pkcs1', digest: 'sha512' },
  ] as const;
  for (const { cipher, keyTransport, digest } of cases) {
    it(`signs with ${digest} and encrypts with ${cipher}/${keyTransport} so that openssl decrypts and verifies it, with the MIC openssl computes`, () => {
      const packed = packMessage({
        payload: Buffer.from(SAMPLE_850),
        payloadType: 'application/edi-x12',
        filename: 'po 4711.edi',
        sign: { identity, digest },
        encrypt: { partner: partnerCert, cipher, keyTransport },
        signedReceipt: true,
      });
      assert.match(packed.contentType, /^application\/pkcs7-mime; smime-type=enveloped-data/);
      const signedEntity = opensslOpens(packed.body);
      const text = signedEntity.toString('latin1');
      assert.ok(
        text.endsWith('\r\n\r\n' + SAMPLE_850),
        'the payload comes out unchanged after the entity headers',
      );
      assert.match(text, /^Content-Type: application\/edi-x12\r\n/);
      assert.match(text, /Content-Disposition: attachment; filename="po 4711.edi"\r\n/);
      assert.equal(packed.mic.digest, peer.digestBase64(signedEntity, digest));
      assert.match(
        packed.dispositionNotificationOptions ?? '',
        new RegExp(`signed-receipt-micalg=optional, sha-${digest.slice(3)}$`),
      );
    });
  }

  it('with SHA-256 OAEP, openssl decrypts it too', () => {
    const packed = packMessage({
      payload: Buffer.from(SAMPLE_850),
      payloadType: 'application/edi-x12',
      sign: { identity, digest: 'sha256' },
      encrypt: { partner: partnerCert, keyTransport: 'rsa-oaep', oaepHash: 'sha256' },
    });
    assert.ok(opensslOpens(packed.body).toString('latin1').endsWith(SAMPLE_850));
  });

  it('is refused by openssl when one byte of the encrypted body is changed', () => {
    const packed = packMessage({
      payload: Buffer.from(SAMPLE_850),
      payloadType: 'application/edi-x12',
      sign: { identity, digest: 'sha256' },
      encrypt: { partner: partnerCert },
    });
    const body = Buffer.from(packed.body);
    body[body.length - 1] = body[body.length - 1]! ^ 0xff;
    assert.throws(() => peer.decrypt(body, partner), /Command failed/);
  });

  it('produces a signed-only multipart/signed that openssl verifies against our certificate', () => {
    const packed = packMessage({
      payload: Buffer.from(SAMPLE_850),
      payloadType: 'application/edi-x12',
      sign: { identity, digest: 'sha256' },
    });
    assert.match(
      packed.contentType,
      /^multipart\/signed; protocol="application\/pkcs7-signature"; micalg=sha-256; boundary=/,
    );
    const smime = Buffer.concat([Buffer.from(`Content-Type: ${packed.contentType}\r\n\r\n`), packed.body]);
    const content = peer.verifySmime(smime, ours);
    assert.equal(packed.mic.digest, peer.digestBase64(content, 'sha256'));
  });

  for (const compress of ['before-signing', 'after-signing'] as const) {
    it(`round-trips through our own receiver with compression ${compress}, both sides computing the same MIC`, () => {
      const packed = packMessage({
        payload: Buffer.from(SAMPLE_850),
        payloadType: 'application/edi-x12',
        sign: { identity, digest: 'sha256' },
        encrypt: { partner: partnerCert },
        compress,
      });
      const received = receiveMessage({
        contentType: packed.contentType,
        body: packed.body,
        partner: { certificate: identity.certificate, requireSigned: true, requireEncrypted: true },
        identities: [loadIdentity(partner.certPem, partner.keyPem)],
      });
      assert.ok(received.ok, JSON.stringify(!received.ok && received.failure));
      assert.equal(received.message.payload.toString(), SAMPLE_850);
      assert.equal(received.message.compressed, true);
      assert.deepEqual(received.message.mic, packed.mic);
    });
  }

  it('computes the MIC over the entity it encrypts when it does not sign, as the receiver does', () => {
    const packed = packMessage({
      payload: Buffer.from(SAMPLE_850),
      payloadType: 'application/edi-x12',
      encrypt: { partner: partnerCert },
    });
    const entity = peer.decrypt(packed.body, partner);
    assert.equal(packed.mic.digest, peer.digestBase64(entity, 'sha256'));
    const received = receiveMessage({
      contentType: packed.contentType,
      body: packed.body,
      partner: { certificate: identity.certificate, requireSigned: false, requireEncrypted: true },
      identities: [loadIdentity(partner.certPem, partner.keyPem)],
    });
    assert.ok(received.ok);
    assert.deepEqual(received.message.mic, packed.mic);
  });
});

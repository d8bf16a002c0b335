import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import {
  loadCertificate,
  loadIdentity,
  type LoadedCertificate,
  type LoadedIdentity,
} from '../../../../src/transports/as2/certificates.ts';
import { receiveMessage, type ReceiveRequest } from '../../../../src/transports/as2/receive.ts';
import { OpensslPeer, SAMPLE_850, ediEntity, splitSmime, type PeerIdentity } from './openssl-peer.ts';

describe('receiveMessage', () => {
  let peer: OpensslPeer;
  let ours: PeerIdentity;
  let partner: PeerIdentity;
  let identity: LoadedIdentity;
  let partnerCert: LoadedCertificate;
  const entity = ediEntity(SAMPLE_850);

  before(() => {
    peer = new OpensslPeer();
    ours = peer.identity('dockside');
    partner = peer.identity('partner');
    identity = loadIdentity(ours.certPem, ours.keyPem);
    partnerCert = loadCertificate(partner.certPem);
  });
  after(() => peer.cleanup());

  const sign = (content: Buffer, md = 'sha256', signer = partner, extra: string[] = []): Buffer =>
    peer.sign(content, signer, md, extra);
  const encrypt = (
    content: Buffer,
    cipher = 'aes-256-cbc',
    keyopts: string[] = [],
    recipient = ours,
  ): Buffer => peer.encrypt(content, recipient, cipher, keyopts);

  function request(
    contentType: string,
    body: Buffer,
    overrides: Partial<ReceiveRequest> = {},
  ): ReceiveRequest {
    return {
      contentType,
      body,
      partner: { certificate: partnerCert, requireSigned: true, requireEncrypted: false },
      identities: [identity],
      ...overrides,
    };
  }

  const ENVELOPED = 'application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"';

  for (const md of ['sha1', 'sha256', 'sha384', 'sha512']) {
    it(`verifies a message openssl signed with ${md} and returns the payload and the MIC of the signed entity`, () => {
      const { contentType, body } = splitSmime(sign(entity, md));
      const result = receiveMessage(request(contentType, body));
      assert.ok(result.ok, JSON.stringify(!result.ok && result.failure));
      assert.equal(result.message.payload.toString(), SAMPLE_850);
      assert.deepEqual(result.message.layers, ['multipart/signed']);
      assert.equal(result.message.signature?.digest, md);
      assert.equal(result.message.mic.digest, peer.digestBase64(entity, md));
      assert.equal(result.message.mic.algorithm, `sha-${md.slice(3)}`.replace('sha-1', 'sha-1'));
      assert.equal(result.message.payloadHeaders[0]?.value, 'application/edi-x12');
    });
  }

  const ciphers = ['aes-128-cbc', 'aes-192-cbc', 'aes-256-cbc', 'des-ede3-cbc'] as const;
  for (const cipher of ciphers) {
    for (const transport of ['rsa-pkcs1', 'rsa-oaep'] as const) {
      it(`decrypts ${cipher} with ${transport} key transport from openssl and verifies the signature inside`, () => {
        const signed = sign(entity);
        const der = encrypt(signed, cipher, transport === 'rsa-oaep' ? ['rsa_padding_mode:oaep'] : []);
        const result = receiveMessage(
          request(ENVELOPED, der, {
            partner: { certificate: partnerCert, requireSigned: true, requireEncrypted: true },
          }),
        );
        assert.ok(result.ok, JSON.stringify(!result.ok && result.failure));
        assert.equal(result.message.payload.toString(), SAMPLE_850);
        assert.deepEqual(result.message.layers, ['enveloped-data', 'multipart/signed']);
        assert.deepEqual(result.message.encrypted, { cipher, keyTransport: transport });
        assert.equal(result.message.mic.digest, peer.digestBase64(entity, 'sha256'));
      });
    }
  }

  it('decrypts RSA-OAEP with SHA-256 for OAEP and MGF1', () => {
    const der = encrypt(sign(entity), 'aes-128-cbc', [
      'rsa_padding_mode:oaep',
      'rsa_oaep_md:sha256',
      'rsa_mgf1_md:sha256',
    ]);
    const result = receiveMessage(request(ENVELOPED, der));
    assert.ok(result.ok, JSON.stringify(!result.ok && result.failure));
    assert.equal(result.message.payload.toString(), SAMPLE_850);
  });

  it('refuses RSA-OAEP whose MGF1 hash differs from its OAEP hash rather than decrypt it wrongly', () => {
    const der = encrypt(sign(entity), 'aes-128-cbc', [
      'rsa_padding_mode:oaep',
      'rsa_oaep_md:sha256',
      'rsa_mgf1_md:sha1',
    ]);
    const result = receiveMessage(request(ENVELOPED, der));
    assert.ok(!result.ok);
    assert.equal(result.failure.code, 'decryption-failed');
    assert.match(result.failure.message, /MGF1/);
  });

  it('computes the MIC over the decrypted entity, headers included, when the message is only encrypted', () => {
    const der = encrypt(entity, 'aes-128-cbc');
    const result = receiveMessage(
      request(ENVELOPED, der, {
        partner: { certificate: partnerCert, requireSigned: false, requireEncrypted: true },
      }),
    );
    assert.ok(result.ok, JSON.stringify(!result.ok && result.failure));
    assert.equal(result.message.payload.toString(), SAMPLE_850);
    assert.equal(result.message.mic.digest, peer.digestBase64(entity, 'sha256'));
    assert.equal(result.message.signature, undefined);
  });

  it('uses the MIC algorithm the sender asked for, in its spelling', () => {
    const { contentType, body } = splitSmime(sign(entity, 'sha256'));
    const result = receiveMessage(
      request(contentType, body, { micAlgorithm: { digest: 'sha1', name: 'sha1' } }),
    );
    assert.ok(result.ok);
    assert.deepEqual(result.message.mic, { digest: peer.digestBase64(entity, 'sha1'), algorithm: 'sha1' });
  });

  it('verifies a signer named by subject key identifier', () => {
    const { contentType, body } = splitSmime(sign(entity, 'sha256', partner, ['-keyid']));
    const result = receiveMessage(request(contentType, body));
    assert.ok(result.ok, JSON.stringify(!result.ok && result.failure));
  });

  it('verifies an RSASSA-PSS signature and a signature sent without the signer certificate', () => {
    for (const extra of [['-keyopt', 'rsa_padding_mode:pss'], ['-nocerts']]) {
      const { contentType, body } = splitSmime(sign(entity, 'sha256', partner, extra));
      const result = receiveMessage(request(contentType, body));
      assert.ok(result.ok, `${extra.join(' ')}: ${JSON.stringify(!result.ok && result.failure)}`);
    }
  });

  it('verifies an ECDSA signature from a partner with an EC certificate', () => {
    const ec = peer.identity('ec-partner', { key: 'ec' });
    const { contentType, body } = splitSmime(sign(entity, 'sha384', ec));
    const result = receiveMessage(
      request(contentType, body, {
        partner: { certificate: loadCertificate(ec.certPem), requireSigned: true, requireEncrypted: false },
      }),
    );
    assert.ok(result.ok, JSON.stringify(!result.ok && result.failure));
    assert.equal(result.message.signature?.digest, 'sha384');
  });

  it('opens compressed data inside a signature, inside an envelope, and takes the MIC over the signed compressed entity', () => {
    const compressedEntity = Buffer.concat([
      Buffer.from(
        'Content-Type: application/pkcs7-mime; smime-type=compressed-data; name="smime.p7z"\r\nContent-Transfer-Encoding: binary\r\n\r\n',
      ),
      compressedDataDer(entity),
    ]);
    const der = encrypt(sign(compressedEntity));
    const result = receiveMessage(request(ENVELOPED, der));
    assert.ok(result.ok, JSON.stringify(!result.ok && result.failure));
    assert.deepEqual(result.message.layers, ['enveloped-data', 'multipart/signed', 'compressed-data']);
    assert.equal(result.message.compressed, true);
    assert.equal(result.message.payload.toString(), SAMPLE_850);
    assert.equal(result.message.mic.digest, peer.digestBase64(compressedEntity, 'sha256'));
  });

  it('opens a signed message that was compressed after signing, with the MIC over the signed entity', () => {
    const smime = sign(entity);
    const compressed = compressedDataDer(smime);
    const result = receiveMessage(request('application/pkcs7-mime; smime-type=compressed-data', compressed));
    assert.ok(result.ok, JSON.stringify(!result.ok && result.failure));
    assert.deepEqual(result.message.layers, ['compressed-data', 'multipart/signed']);
    assert.equal(result.message.mic.digest, peer.digestBase64(entity, 'sha256'));
  });

  it('reads a base64 pkcs7-mime body when the sender declares the transfer encoding', () => {
    const der = encrypt(sign(entity));
    const body = Buffer.from(der.toString('base64').replace(/(.{64})/g, '$1\r\n'));
    const result = receiveMessage(request(ENVELOPED, body, { contentTransferEncoding: 'base64' }));
    assert.ok(result.ok, JSON.stringify(!result.ok && result.failure));
  });

  it('accepts a message encrypted for either of our certificates during a change-over', () => {
    const next = peer.identity('dockside-2027');
    const der = encrypt(sign(entity), 'aes-256-cbc', [], next);
    const result = receiveMessage(
      request(ENVELOPED, der, { identities: [identity, loadIdentity(next.certPem, next.keyPem)] }),
    );
    assert.ok(result.ok, JSON.stringify(!result.ok && result.failure));
  });

  it('finds our certificate when the sender names the recipient by subject key identifier', () => {
    const der = peer.run([
      'cms',
      '-encrypt',
      '-binary',
      '-outform',
      'DER',
      '-aes-128-cbc',
      '-keyid',
      '-in',
      peer.file(entity),
      ours.certPath,
    ]);
    const result = receiveMessage(
      request(ENVELOPED, der, {
        partner: { certificate: partnerCert, requireSigned: false, requireEncrypted: true },
      }),
    );
    assert.ok(result.ok, JSON.stringify(!result.ok && result.failure));
    assert.equal(result.message.payload.toString(), SAMPLE_850);
  });

  it('accepts a plain payload from a partner that need not sign, with the MIC over its Content-Type and body', () => {
    const result = receiveMessage(
      request('application/edi-x12', Buffer.from(SAMPLE_850), {
        partner: { certificate: partnerCert, requireSigned: false, requireEncrypted: false },
      }),
    );
    assert.ok(result.ok);
    assert.deepEqual(result.message.layers, []);
    const expected = Buffer.concat([
      Buffer.from('Content-Type: application/edi-x12\r\n\r\n'),
      Buffer.from(SAMPLE_850),
    ]);
    assert.equal(result.message.mic.digest, peer.digestBase64(expected, 'sha256'));
  });

  it('opens a 4 MB signed and encrypted payload byte for byte', () => {
    const big = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 131 + (i >> 11)) & 0xff;
    const bigEntity = Buffer.concat([Buffer.from('Content-Type: application/octet-stream\r\n\r\n'), big]);
    const der = encrypt(sign(bigEntity));
    const result = receiveMessage(request(ENVELOPED, der));
    assert.ok(result.ok, JSON.stringify(!result.ok && result.failure));
    assert.ok(result.message.payload.equals(big));
  });

  it('refuses compressed data that inflates past the limit, and a corrupt zlib stream, as decompression-failed', () => {
    const COMPRESSED = 'application/pkcs7-mime; smime-type=compressed-data';
    const bomb = compressedDataDer(
      Buffer.concat([Buffer.from('Content-Type: text/plain\r\n\r\n'), Buffer.alloc(2 * 1024 * 1024)]),
    );
    const tooBig = receiveMessage(request(COMPRESSED, bomb, { maxDecompressedBytes: 1024 * 1024 }));
    assert.ok(!tooBig.ok);
    assert.equal(tooBig.failure.code, 'decompression-failed');
    assert.match(tooBig.failure.message, /inflates past 1048576 bytes/);
    const corrupt = Buffer.from(compressedDataDer(entity));
    corrupt[corrupt.length - 8] = corrupt[corrupt.length - 8]! ^ 0xff;
    const broken = receiveMessage(request(COMPRESSED, corrupt));
    assert.ok(!broken.ok);
    assert.equal(broken.failure.code, 'decompression-failed');
  });

  describe('security', () => {
    it("rejects a signature by a key whose self-made certificate copies the partner certificate's issuer and serial", () => {
      const forged = peer.identity('forged', {
        serial: Buffer.from('partner').toString('hex'),
        subject: '/O=Dockside tests/CN=partner',
      });
      const forgedCert = loadCertificate(forged.certPem);
      assert.ok(
        forgedCert.parsed.issuer.isEqual(partnerCert.parsed.issuer),
        'the forgery names the same issuer',
      );
      assert.ok(
        forgedCert.parsed.serialNumber.isEqual(partnerCert.parsed.serialNumber),
        'the forgery has the same serial',
      );
      for (const extra of [[], ['-nocerts']]) {
        const { contentType, body } = splitSmime(sign(entity, 'sha256', forged, extra));
        const result = receiveMessage(request(contentType, body));
        assert.ok(!result.ok, `accepted a forgery (${extra.join(' ') || 'certificate included'})`);
        assert.equal(result.failure.code, 'authentication-failed');
      }
    });

    it('says the forged certificate is not the configured one when the forgery carries it', () => {
      const forged = peer.identity('forged2', {
        serial: Buffer.from('partner').toString('hex'),
        subject: '/O=Dockside tests/CN=partner',
      });
      const { contentType, body } = splitSmime(sign(entity, 'sha256', forged));
      const result = receiveMessage(request(contentType, body));
      assert.ok(!result.ok);
      assert.match(result.failure.message, /another public key than the configured certificate/);
    });

    it('fails the integrity check when the payload was changed after signing, and still reports the MIC of what arrived', () => {
      const smime = sign(entity);
      const tampered = Buffer.from(smime.toString('latin1').replace('PO1*1*12*EA', 'PO1*1*99*EA'), 'latin1');
      assert.notDeepEqual(tampered, smime);
      const { contentType, body } = splitSmime(tampered);
      const result = receiveMessage(request(contentType, body));
      assert.ok(!result.ok);
      assert.equal(result.failure.code, 'integrity-check-failed');
      assert.equal(result.failure.layer, 'multipart/signed');
      const arrived = Buffer.from(entity.toString('latin1').replace('PO1*1*12*EA', 'PO1*1*99*EA'), 'latin1');
      assert.equal(result.mic?.digest, peer.digestBase64(arrived, 'sha256'));
    });

    it('fails the integrity check when line endings of the signed part were changed in transit', () => {
      const smime = sign(entity);
      const { contentType, body } = splitSmime(smime);
      const text = body.toString('latin1');
      const start = text.indexOf('ISA*');
      const changed = Buffer.from(
        text.slice(0, start) + text.slice(start).replace('~\r\nGS', '~\nGS'),
        'latin1',
      );
      const result = receiveMessage(request(contentType, changed));
      assert.ok(!result.ok);
      assert.equal(result.failure.code, 'integrity-check-failed');
    });

    it('refuses an unsigned message from a partner whose configuration requires signatures', () => {
      const der = encrypt(entity);
      const result = receiveMessage(request(ENVELOPED, der));
      assert.ok(!result.ok);
      assert.equal(result.failure.code, 'insufficient-message-security');
      const plain = receiveMessage(request('application/edi-x12', Buffer.from(SAMPLE_850)));
      assert.ok(!plain.ok);
      assert.equal(plain.failure.code, 'insufficient-message-security');
    });

    it('refuses an unencrypted message from a partner whose configuration requires encryption', () => {
      const { contentType, body } = splitSmime(sign(entity));
      const result = receiveMessage(
        request(contentType, body, {
          partner: { certificate: partnerCert, requireSigned: true, requireEncrypted: true },
        }),
      );
      assert.ok(!result.ok);
      assert.equal(result.failure.code, 'insufficient-message-security');
    });

    it('rejects a message signed by another, genuine partner', () => {
      const other = peer.identity('other-partner');
      const { contentType, body } = splitSmime(sign(entity, 'sha256', other));
      const result = receiveMessage(request(contentType, body));
      assert.ok(!result.ok);
      assert.equal(result.failure.code, 'authentication-failed');
      assert.match(result.failure.message, /not by the partner's certificate/);
    });

    it('refuses an MD5 signature', () => {
      const { contentType, body } = splitSmime(sign(entity, 'md5'));
      const result = receiveMessage(request(contentType, body));
      assert.ok(!result.ok);
      assert.equal(result.failure.code, 'authentication-failed');
      assert.match(result.failure.message, /not accepted/);
    });

    it('reports decryption-failed, naming the recipient, for a message encrypted to another certificate', () => {
      const stranger = peer.identity('stranger');
      const der = encrypt(sign(entity), 'aes-256-cbc', [], stranger);
      const result = receiveMessage(request(ENVELOPED, der));
      assert.ok(!result.ok);
      assert.equal(result.failure.code, 'decryption-failed');
      assert.match(result.failure.message, /not encrypted for our certificate/);
    });

    it('reports decryption-failed for a corrupted PKCS#1 v1.5 key block, as for a ciphertext that does not decrypt', () => {
      const der = encrypt(sign(entity), 'aes-256-cbc');
      const signature = identityKeyBlockOffset(der, identity);
      const corrupted = Buffer.from(der);
      corrupted[signature] = corrupted[signature]! ^ 0x01;
      const result = receiveMessage(request(ENVELOPED, corrupted));
      assert.ok(!result.ok);
      assert.ok(
        ['decryption-failed', 'unexpected-processing-error'].includes(result.failure.code),
        result.failure.code,
      );
      const body = Buffer.from(der);
      body[body.length - 20] = body[body.length - 20]! ^ 0x01;
      const broken = receiveMessage(request(ENVELOPED, body));
      assert.ok(!broken.ok);
    });

    it('turns bytes that are not CMS or not MIME into failure values, never exceptions', () => {
      const cases: [string, Buffer][] = [
        [ENVELOPED, Buffer.from('not der at all')],
        ['application/pkcs7-mime; smime-type=compressed-data', Buffer.from([0x30, 0x03, 0x02, 0x01])],
        [
          'multipart/signed; protocol="application/pkcs7-signature"; boundary=b',
          Buffer.from('--b\r\nno blank line\r\n--b--\r\n'),
        ],
        [
          'multipart/signed; protocol="application/pkcs7-signature"; boundary=b',
          Buffer.from('--b\r\n\r\nx\r\n--b\r\n\r\ny\r\n--b--\r\n'),
        ],
        [
          'multipart/signed; protocol="application/pgp-signature"; boundary=b',
          Buffer.from('--b\r\n\r\nx\r\n--b--\r\n'),
        ],
      ];
      for (const [contentType, body] of cases) {
        const result = receiveMessage(request(contentType, body));
        assert.ok(!result.ok, contentType);
        assert.ok(result.failure.message.length > 0);
        assert.doesNotMatch(result.failure.message, /\n\s+at /);
      }
    });
  });
});

/** The offset of the last byte of the RSA-encrypted key in an EnvelopedData openssl wrote for one recipient:
 * the OCTET STRING of the modulus length that precedes the encrypted content info. */
function identityKeyBlockOffset(der: Buffer, identity: LoadedIdentity): number {
  const size = Math.ceil((identity.privateKey.asymmetricKeyDetails?.modulusLength ?? 2048) / 8);
  const header = Buffer.from([0x04, 0x82, size >> 8, size & 0xff]);
  const at = der.indexOf(header);
  assert.ok(at > 0, 'no key block found');
  return at + header.length + size - 1;
}

/** ContentInfo(CompressedData) built by hand here, so the test does not read back what our encoder wrote. */
function compressedDataDer(content: Buffer): Buffer {
  const tlv = (tag: number, value: Buffer): Buffer => {
    const len = value.length;
    const length =
      len < 0x80
        ? Buffer.of(len)
        : len < 0x100
          ? Buffer.of(0x81, len)
          : len < 0x10000
            ? Buffer.of(0x82, len >> 8, len & 0xff)
            : Buffer.of(0x83, len >> 16, (len >> 8) & 0xff, len & 0xff);
    return Buffer.concat([Buffer.of(tag), length, value]);
  };
  const oid = (hex: string) => tlv(0x06, Buffer.from(hex, 'hex'));
  const idData = oid('2a864886f70d010701');
  const idCompressedData = oid('2a864886f70d0109100109');
  const idZlib = oid('2a864886f70d0109100308');
  const encap = tlv(0x30, Buffer.concat([idData, tlv(0xa0, tlv(0x04, deflateSync(content)))]));
  const compressed = tlv(0x30, Buffer.concat([tlv(0x02, Buffer.of(0)), tlv(0x30, idZlib), encap]));
  return tlv(0x30, Buffer.concat([idCompressedData, tlv(0xa0, compressed)]));
}

import assert from 'node:assert/strict';
import { constants, publicEncrypt, randomBytes } from 'node:crypto';
import { loadIdentity, type LoadedIdentity } from '../../../../src/transports/as2/certificates.ts';
import { pkcs1v15Valid, unwrapPkcs1v15 } from '../../../../src/transports/as2/rsa-pkcs1.ts';
import { OpensslPeer } from './openssl-peer.ts';

describe('unwrapPkcs1v15', () => {
  let peer: OpensslPeer;
  let identity: LoadedIdentity;
  const k = 256;

  before(() => {
    peer = new OpensslPeer();
    const ours = peer.identity('dockside');
    identity = loadIdentity(ours.certPem, ours.keyPem);
  });
  after(() => peer.cleanup());

  /** An encryption block laid out by hand: 00 02 PS 00 M, each field replaceable to break one rule. */
  function block(
    key: Buffer,
    { type = 0x02, zeroInPadding = -1, separator = true, lead = 0x00 } = {},
  ): Buffer {
    const em = Buffer.alloc(k);
    em[0] = lead;
    em[1] = type;
    const psEnd = k - key.length - 1;
    for (let i = 2; i < psEnd; i++) em[i] = 1 + (randomBytes(1)[0]! % 255);
    if (zeroInPadding >= 0) em[2 + zeroInPadding] = 0;
    em[psEnd] = separator ? 0 : 0x5a;
    key.copy(em, psEnd + 1);
    return em;
  }
  const raw = (em: Buffer) =>
    publicEncrypt({ key: identity.certificate.publicKey, padding: constants.RSA_NO_PADDING }, em);

  it('returns the content-encryption key from a block Node padded with PKCS#1 v1.5', () => {
    const key = randomBytes(32);
    const encrypted = publicEncrypt(
      { key: identity.certificate.publicKey, padding: constants.RSA_PKCS1_PADDING },
      key,
    );
    assert.deepEqual(unwrapPkcs1v15(encrypted, identity, 32), key);
  });

  it('returns the key from a hand-made block, also when the ciphertext lost its leading zero bytes', () => {
    const key = randomBytes(24);
    assert.deepEqual(unwrapPkcs1v15(raw(block(key)), identity, 24), key);
    // About one ciphertext in 200 starts with a zero byte; 4000 tries miss one with odds below 1e-8.
    for (let attempt = 0; attempt < 4000; attempt++) {
      const encrypted = raw(block(key));
      if (encrypted[0] !== 0) continue;
      assert.deepEqual(unwrapPkcs1v15(encrypted.subarray(1), identity, 24), key);
      return;
    }
    assert.fail('no ciphertext with a leading zero byte came up');
  });

  const broken: [string, (key: Buffer) => Buffer][] = [
    ['block type 1 instead of 2', (key) => block(key, { type: 0x01 })],
    ['a zero among the first eight padding bytes', (key) => block(key, { zeroInPadding: 5 })],
    ['no zero separator', (key) => block(key, { separator: false })],
    ['a key of the wrong length', (key) => block(Buffer.concat([key, Buffer.of(7)]))],
    ['a key shorter than expected', (key) => block(key.subarray(1))],
  ];
  for (const [what, make] of broken) {
    it(`answers a block with ${what} with a synthetic key of the right length, the same for the same ciphertext`, () => {
      const key = randomBytes(16);
      const encrypted = raw(make(key));
      const first = unwrapPkcs1v15(encrypted, identity, 16);
      assert.equal(first.length, 16);
      assert.notDeepEqual(first, key);
      assert.deepEqual(unwrapPkcs1v15(encrypted, identity, 16), first);
    });
  }

  it('gives different synthetic keys for different bad ciphertexts', () => {
    const a = unwrapPkcs1v15(raw(block(randomBytes(16), { type: 0x01 })), identity, 16);
    const b = unwrapPkcs1v15(raw(block(randomBytes(16), { type: 0x01 })), identity, 16);
    assert.notDeepEqual(a, b);
  });

  it('answers a ciphertext longer than the modulus with a synthetic key instead of throwing', () => {
    assert.equal(unwrapPkcs1v15(Buffer.alloc(k + 1, 0xff), identity, 32).length, 32);
    assert.equal(unwrapPkcs1v15(Buffer.alloc(k, 0xff), identity, 32).length, 32);
  });
});

describe('pkcs1v15Valid', () => {
  const em = (psLength: number, keyLength: number) =>
    Buffer.concat([
      Buffer.of(0, 2),
      Buffer.alloc(psLength, 0xaa),
      Buffer.of(0),
      Buffer.alloc(keyLength, 0x11),
    ]);

  it('accepts exactly eight padding bytes and refuses seven', () => {
    assert.equal(pkcs1v15Valid(em(8, 16), 16), 1);
    assert.equal(pkcs1v15Valid(em(7, 16), 16), 0);
  });

  it('takes the first zero as the separator, so a zero inside the key does not move it', () => {
    const block = em(20, 16);
    block[block.length - 3] = 0;
    assert.equal(pkcs1v15Valid(block, 16), 1);
  });
});

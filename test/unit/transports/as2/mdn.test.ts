import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  loadCertificate,
  loadIdentity,
  type LoadedCertificate,
  type LoadedIdentity,
} from '../../../../src/transports/as2/certificates.ts';
import type { As2FailureCode } from '../../../../src/transports/as2/failures.ts';
import { checkMdn, parseDisposition } from '../../../../src/transports/as2/mdn-read.ts';
import { buildMdn } from '../../../../src/transports/as2/mdn.ts';
import type { Mic } from '../../../../src/transports/as2/mic.ts';
import {
  chooseMicAlgorithm,
  parseNotificationOptions,
  wantsSignedReceipt,
} from '../../../../src/transports/as2/notification-options.ts';
import { OpensslPeer, splitSmime, type PeerIdentity } from './openssl-peer.ts';

const SIGNED_SHA256 =
  'signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, sha-256, sha1';
const MESSAGE_ID = '<20260101120000.4711@partner.example>';

describe('parseNotificationOptions', () => {
  it('reads the protocol, the importance and the MIC algorithms in the order the sender prefers them', () => {
    const options = parseNotificationOptions(SIGNED_SHA256);
    assert.deepEqual(options, {
      signedReceiptProtocol: { importance: 'optional', values: ['pkcs7-signature'] },
      signedReceiptMicalg: { importance: 'optional', values: ['sha-256', 'sha1'] },
    });
    assert.equal(wantsSignedReceipt(options), true);
    assert.deepEqual(chooseMicAlgorithm(options), { digest: 'sha256', name: 'sha-256' });
  });

  it('skips MIC algorithms it does not support and keeps the sender spelling of the one chosen', () => {
    const options = parseNotificationOptions(
      'signed-receipt-protocol=required,pkcs7-signature;signed-receipt-micalg=required, md5, SHA1',
    );
    assert.equal(options.signedReceiptProtocol?.importance, 'required');
    assert.deepEqual(chooseMicAlgorithm(options), { digest: 'sha1', name: 'SHA1' });
  });

  it('asks for no signed receipt when the header is absent or names another protocol', () => {
    assert.equal(wantsSignedReceipt(parseNotificationOptions(undefined)), false);
    assert.equal(
      wantsSignedReceipt(parseNotificationOptions('signed-receipt-protocol=optional, pgp-signature')),
      false,
    );
    assert.equal(chooseMicAlgorithm(parseNotificationOptions('')), undefined);
  });
});

describe('buildMdn and checkMdn', () => {
  let peer: OpensslPeer;
  let ours: PeerIdentity;
  let partner: PeerIdentity;
  let identity: LoadedIdentity;
  let partnerCert: LoadedCertificate;
  const mic: Mic = { digest: 'jeXtm8tHXWIQdpk2cF+XRHCy/hLZJLs3sNpzPrhEg0A=', algorithm: 'sha-256' };

  before(() => {
    peer = new OpensslPeer();
    ours = peer.identity('dockside');
    partner = peer.identity('partner');
    identity = loadIdentity(ours.certPem, ours.keyPem);
    partnerCert = loadCertificate(partner.certPem);
  });
  after(() => peer.cleanup());

  const asSmime = (contentType: string, body: Buffer) =>
    Buffer.concat([Buffer.from(`Content-Type: ${contentType}\r\n\r\n`), body]);

  // The golden files are kept with LF line ends for reading; an MDN has CRLF everywhere.
  const golden = (name: string) =>
    readFileSync(new URL(`golden/${name}`, import.meta.url), 'latin1').replace(/\n/g, '\r\n');

  it('writes an unsigned processed MDN exactly as the golden file', () => {
    const mdn = buildMdn({
      originalMessageId: '<4711@partner.example>',
      ourAs2Id: 'DOCKSIDE',
      options: {},
      mic,
      boundary: 'report-boundary',
    });
    assert.equal(
      mdn.contentType,
      'multipart/report; report-type=disposition-notification; boundary="report-boundary"',
    );
    assert.equal(mdn.body.toString('latin1'), golden('mdn-processed.txt'));
  });

  it('writes a decryption-failed MDN without a MIC exactly as the golden file', () => {
    const mdn = buildMdn({
      originalMessageId: '<4711@partner.example>',
      ourAs2Id: 'DOCKSIDE',
      options: {},
      failure: {
        code: 'decryption-failed',
        message: 'the message is not encrypted for our certificate',
        layer: 'enveloped-data',
      },
      boundary: 'report-boundary',
    });
    assert.equal(mdn.body.toString('latin1'), golden('mdn-decryption-failed.txt'));
  });

  it('keeps a Message-ID with line breaks from adding fields to the MDN', () => {
    const mdn = buildMdn({
      originalMessageId: '<a@b>\r\nDisposition: forged',
      ourAs2Id: 'DOCKSIDE',
      options: {},
      mic,
    });
    assert.equal(mdn.body.toString('latin1').match(/\r\nDisposition:/g)?.length, 1);
  });

  it('signs the MDN so that openssl verifies it with our certificate, with disposition, message id and MIC inside', () => {
    const mdn = buildMdn({
      originalMessageId: MESSAGE_ID,
      ourAs2Id: 'DOCKSIDE',
      options: parseNotificationOptions(SIGNED_SHA256),
      mic,
      identity,
    });
    assert.equal(mdn.signed, true);
    assert.match(
      mdn.contentType,
      /^multipart\/signed; protocol="application\/pkcs7-signature"; micalg=sha-256; boundary=/,
    );
    const report = peer.verifySmime(asSmime(mdn.contentType, mdn.body), ours).toString('latin1');
    assert.match(report, /^Content-Type: multipart\/report; report-type=disposition-notification; boundary=/);
    assert.match(report, /\r\nDisposition: automatic-action\/MDN-sent-automatically; processed\r\n/);
    assert.match(report, new RegExp(`\r\nOriginal-Message-ID: ${MESSAGE_ID}\r\n`));
    assert.match(report, /\r\nFinal-Recipient: rfc822; DOCKSIDE\r\n/);
    assert.ok(report.includes(`\r\nReceived-Content-MIC: ${mic.digest}, sha-256\r\n`));
  });

  it('signs with the first algorithm of the sender list that it supports', () => {
    const options = parseNotificationOptions(
      'signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, md5, sha1',
    );
    const mdn = buildMdn({ originalMessageId: MESSAGE_ID, ourAs2Id: 'DOCKSIDE', options, mic, identity });
    assert.match(mdn.contentType, /micalg=sha1;/);
    const printed = peer
      .run([
        'cms',
        '-cmsout',
        '-print',
        '-inform',
        'SMIME',
        '-in',
        peer.file(asSmime(mdn.contentType, mdn.body)),
      ])
      .toString();
    assert.match(printed, /digestAlgorithm:\s*\n\s*algorithm: sha1 /);
  });

  it('gives an MDN that openssl no longer verifies once its disposition is changed', () => {
    const mdn = buildMdn({
      originalMessageId: MESSAGE_ID,
      ourAs2Id: 'DOCKSIDE',
      options: parseNotificationOptions(SIGNED_SHA256),
      mic,
      identity,
    });
    const forged = Buffer.from(
      mdn.body.toString('latin1').replace('; processed\r\n', '; processed/Error: decryption-failed\r\n'),
      'latin1',
    );
    assert.throws(() => peer.verifySmime(asSmime(mdn.contentType, forged), ours), /Verification failure/);
  });

  it('answers unsigned when the sender did not ask for a signed receipt', () => {
    const mdn = buildMdn({ originalMessageId: MESSAGE_ID, ourAs2Id: 'DOCKSIDE', options: {}, mic, identity });
    assert.equal(mdn.signed, false);
    assert.match(mdn.contentType, /^multipart\/report; report-type=disposition-notification;/);
  });

  it('fails the request as an unsupported format when the sender requires a receipt protocol we do not have', () => {
    const mdn = buildMdn({
      originalMessageId: MESSAGE_ID,
      ourAs2Id: 'DOCKSIDE',
      options: parseNotificationOptions('signed-receipt-protocol=required, pgp-signature'),
      identity,
    });
    assert.equal(
      mdn.disposition,
      'automatic-action/MDN-sent-automatically; failed/Failure: unsupported format',
    );
  });

  const failures: As2FailureCode[] = [
    'decryption-failed',
    'authentication-failed',
    'integrity-check-failed',
    'insufficient-message-security',
    'decompression-failed',
    'unexpected-processing-error',
  ];
  for (const code of failures) {
    it(`says processed/Error: ${code} when the failure is ${code}, and our own reader sees the refusal`, () => {
      const mdn = buildMdn({
        originalMessageId: MESSAGE_ID,
        ourAs2Id: 'DOCKSIDE',
        options: parseNotificationOptions(SIGNED_SHA256),
        failure: { code, message: 'what went wrong', layer: 'message' },
        identity,
      });
      assert.equal(mdn.disposition, `automatic-action/MDN-sent-automatically; processed/Error: ${code}`);
      const verdict = checkMdn({
        contentType: mdn.contentType,
        body: mdn.body,
        partnerCertificate: identity.certificate,
        requireSigned: true,
        messageId: MESSAGE_ID,
        mic,
      });
      assert.equal(verdict.status, 'refused');
      assert.ok(
        verdict.status === 'refused' && verdict.reason === `processed/error: ${code}`,
        JSON.stringify(verdict),
      );
    });
  }

  it('reads back its own signed MDN as a delivery', () => {
    const mdn = buildMdn({
      originalMessageId: MESSAGE_ID,
      ourAs2Id: 'DOCKSIDE',
      options: parseNotificationOptions(SIGNED_SHA256),
      mic,
      identity,
    });
    const verdict = checkMdn({
      contentType: mdn.contentType,
      body: mdn.body,
      partnerCertificate: identity.certificate,
      requireSigned: true,
      messageId: MESSAGE_ID,
      mic,
    });
    assert.equal(verdict.status, 'delivered', JSON.stringify(verdict));
  });

  describe("a partner's MDN made with openssl", () => {
    function partnerMdn(
      fields: { disposition: string; mic?: string; messageId?: string },
      signer: PeerIdentity | null = partner,
    ) {
      const notification = [
        'Reporting-UA: Partner AS2',
        'Original-Recipient: rfc822; PARTNER',
        'Final-Recipient: rfc822; PARTNER',
        `Original-Message-ID: ${fields.messageId ?? MESSAGE_ID}`,
        ...(fields.mic ? [`Received-Content-MIC: ${fields.mic}`] : []),
        `Disposition: ${fields.disposition}`,
      ].join('\r\n');
      const report = [
        'Content-Type: multipart/report; report-type=disposition-notification; boundary="rpt"',
        '',
        '--rpt',
        'Content-Type: text/plain',
        '',
        'Your message was received.',
        '--rpt',
        'Content-Type: message/disposition-notification',
        '',
        notification,
        '',
        '--rpt--',
        '',
      ].join('\r\n');
      if (!signer) {
        const end = report.indexOf('\r\n\r\n');
        return { contentType: report.slice(14, end), body: Buffer.from(report.slice(end + 4)) };
      }
      return splitSmime(peer.sign(Buffer.from(report), signer));
    }
    const check = (mdn: { contentType: string; body: Buffer }, requireSigned = true) =>
      checkMdn({ ...mdn, partnerCertificate: partnerCert, requireSigned, messageId: MESSAGE_ID, mic });

    it('is a delivery when signed by the partner, processed, and its MIC is ours (in another spelling)', () => {
      const verdict = check(
        partnerMdn({
          disposition: 'automatic-action/MDN-sent-automatically; processed',
          mic: `${mic.digest}, sha256`,
        }),
      );
      assert.equal(verdict.status, 'delivered', JSON.stringify(verdict));
      assert.ok(
        verdict.status === 'delivered' &&
          verdict.mdn.signed &&
          verdict.mdn.text === 'Your message was received.',
      );
    });

    it('is a delivery with a warning for processed/warning', () => {
      const verdict = check(
        partnerMdn({
          disposition: 'automatic-action/MDN-sent-automatically; processed/warning: duplicate-document',
          mic: `${mic.digest}, sha-256`,
        }),
      );
      assert.ok(
        verdict.status === 'delivered' && verdict.warning === 'duplicate-document',
        JSON.stringify(verdict),
      );
    });

    it('is a refusal when the partner reports an error', () => {
      const verdict = check(
        partnerMdn({
          disposition: 'automatic-action/MDN-sent-automatically; processed/Error: decryption-failed',
        }),
      );
      assert.ok(
        verdict.status === 'refused' && verdict.reason === 'processed/error: decryption-failed',
        JSON.stringify(verdict),
      );
    });

    it('is invalid when the MIC is not the one of the message we sent', () => {
      const other = Buffer.from(mic.digest, 'base64');
      other[0] = other[0]! ^ 1;
      const verdict = check(
        partnerMdn({
          disposition: 'automatic-action/MDN-sent-automatically; processed',
          mic: `${other.toString('base64')}, sha-256`,
        }),
      );
      assert.ok(
        verdict.status === 'invalid' && verdict.failure.code === 'integrity-check-failed',
        JSON.stringify(verdict),
      );
    });

    it('is invalid when the MIC is right but computed with another algorithm name than it claims', () => {
      const verdict = check(
        partnerMdn({
          disposition: 'automatic-action/MDN-sent-automatically; processed',
          mic: `${mic.digest}, sha-1`,
        }),
      );
      assert.ok(verdict.status === 'invalid' && verdict.failure.code === 'integrity-check-failed');
    });

    it("is invalid when signed by a certificate that copies the partner's issuer and serial", () => {
      const forged = peer.identity('forged', {
        serial: Buffer.from('partner').toString('hex'),
        subject: '/O=Dockside tests/CN=partner',
      });
      const verdict = check(
        partnerMdn(
          {
            disposition: 'automatic-action/MDN-sent-automatically; processed',
            mic: `${mic.digest}, sha-256`,
          },
          forged,
        ),
      );
      assert.ok(
        verdict.status === 'invalid' && verdict.failure.code === 'authentication-failed',
        JSON.stringify(verdict),
      );
    });

    it('is invalid when unsigned though we asked for a signed MDN, and a delivery when we did not', () => {
      const unsigned = partnerMdn(
        { disposition: 'automatic-action/MDN-sent-automatically; processed', mic: `${mic.digest}, sha-256` },
        null,
      );
      const strict = check(unsigned);
      assert.ok(
        strict.status === 'invalid' && strict.failure.code === 'insufficient-message-security',
        JSON.stringify(strict),
      );
      assert.equal(check(unsigned, false).status, 'delivered');
    });

    it('is invalid when it answers another message', () => {
      const verdict = check(
        partnerMdn({
          disposition: 'automatic-action/MDN-sent-automatically; processed',
          mic: `${mic.digest}, sha-256`,
          messageId: '<other@partner.example>',
        }),
      );
      assert.ok(
        verdict.status === 'invalid' && /answers <other@partner.example>/.test(verdict.failure.message),
        JSON.stringify(verdict),
      );
    });
  });
});

describe('parseDisposition', () => {
  it('reads the action and sending modes, the type and the modifier', () => {
    assert.deepEqual(
      parseDisposition('automatic-action/MDN-sent-automatically; processed/Error: authentication-failed'),
      {
        actionMode: 'automatic-action',
        sendingMode: 'MDN-sent-automatically',
        type: 'processed',
        modifierKind: 'error',
        modifierText: 'authentication-failed',
      },
    );
  });

  it('refuses a value that is not a disposition', () => {
    assert.throws(() => parseDisposition('processed'), {
      name: 'As2Error',
      code: 'unexpected-processing-error',
    });
  });
});

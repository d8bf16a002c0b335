import assert from 'node:assert/strict';
import { GatewayError } from '../../../../src/errors.ts';
import {
  identifiesCertificate,
  loadCertificate,
  loadIdentity,
} from '../../../../src/transports/as2/certificates.ts';
import * as pkijs from 'pkijs';
import { OpensslPeer, type PeerIdentity } from './openssl-peer.ts';

describe('AS2 certificates', () => {
  let peer: OpensslPeer;
  let ours: PeerIdentity;
  let other: PeerIdentity;

  before(() => {
    peer = new OpensslPeer();
    ours = peer.identity('dockside');
    other = peer.identity('other');
  });
  after(() => peer.cleanup());

  it('refuses, as a configuration error, a private key that does not belong to the certificate', () => {
    assert.throws(
      () => loadIdentity(ours.certPem, other.keyPem),
      (error: unknown) =>
        error instanceof GatewayError &&
        error.code === 'config-invalid' &&
        !error.retryable &&
        /does not belong/.test(error.message),
    );
  });

  it('refuses text that is not a certificate or not a key as a configuration error', () => {
    assert.throws(() => loadCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), {
      code: 'config-invalid',
    });
    assert.throws(() => loadIdentity(ours.certPem, 'not a key'), { code: 'config-invalid' });
  });

  it('matches an issuer and serial number only to the certificate that has both', () => {
    const cert = loadCertificate(ours.certPem).parsed;
    const otherCert = loadCertificate(other.certPem).parsed;
    const id = new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber });
    assert.equal(identifiesCertificate(id, cert), true);
    assert.equal(identifiesCertificate(id, otherCert), false);
    const sameIssuerOtherSerial = new pkijs.IssuerAndSerialNumber({
      issuer: cert.issuer,
      serialNumber: otherCert.serialNumber,
    });
    assert.equal(identifiesCertificate(sameIssuerOtherSerial, cert), false);
  });
});

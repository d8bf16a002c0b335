import assert from 'node:assert/strict';
import {
  StaticPartnerDirectory,
  identityKey,
  ownsIdentity,
  type Partner,
} from '../../../src/partners/partner.ts';

function partner(id: string, identities: Partner['identities']): Partner {
  return {
    id,
    name: id,
    status: 'active',
    identities,
    acknowledgments: { functional: 'auto', ta1: 'requested-or-errors', ackAcks: false },
    duplicateWindowHours: 720,
    transactionSets: [],
    specOverlays: [],
    reconciliation: { quantityPercent: 0, unitPriceAbsolute: 0, unitPricePercent: 0, invoiceGraceDays: 3 },
    contacts: [],
    inbound: [],
    file: `partners/${id}.yaml`,
  };
}

const ACME = partner('acme-widget', [
  { qualifier: 'ZZ', id: 'ACMEWIDGET' },
  { qualifier: '01', id: '123456789' },
]);
const TCHOME = partner('tchome', [{ qualifier: 'ZZ', id: 'TCHOME' }]);

describe('StaticPartnerDirectory', () => {
  const directory = new StaticPartnerDirectory([ACME, TCHOME]);

  it('finds a partner by id and lists all of them', () => {
    assert.equal(directory.get('tchome'), TCHOME);
    assert.equal(directory.get('nobody'), undefined);
    assert.deepEqual(directory.all(), [ACME, TCHOME]);
  });

  it('finds a partner by any of its ISA identities', () => {
    assert.equal(directory.byIdentity('ZZ', 'ACMEWIDGET'), ACME);
    assert.equal(directory.byIdentity('01', '123456789'), ACME);
    assert.equal(directory.byIdentity('ZZ', 'TCHOME'), TCHOME);
  });

  it('finds a partner by an identity padded as ISA06 and ISA08 are', () => {
    assert.equal(directory.byIdentity('ZZ', 'ACMEWIDGET     '), ACME);
    assert.equal(directory.byIdentity('ZZ ', '  TCHOME       '), TCHOME);
  });

  it('finds nobody for an unknown id or the right id under another qualifier', () => {
    assert.equal(directory.byIdentity('ZZ', 'NOBODY'), undefined);
    assert.equal(directory.byIdentity('01', 'ACMEWIDGET'), undefined);
    assert.equal(directory.byIdentity('ZZ', 'acmewidget'), undefined);
  });
});

describe('ownsIdentity', () => {
  it('says whether the partner claims the identity, ignoring padding', () => {
    assert.equal(ownsIdentity(ACME, 'ZZ', 'ACMEWIDGET     '), true);
    assert.equal(ownsIdentity(ACME, '01', '123456789'), true);
    assert.equal(ownsIdentity(ACME, 'ZZ', 'TCHOME'), false);
    assert.equal(ownsIdentity(ACME, '12', 'ACMEWIDGET'), false);
  });

  it('matches a partner whose own identity was written with spaces', () => {
    const padded = partner('padded', [{ qualifier: 'ZZ', id: ' PADDED ' }]);
    assert.equal(ownsIdentity(padded, 'ZZ', 'PADDED         '), true);
  });
});

describe('identityKey', () => {
  it('joins qualifier and id without their padding', () => {
    assert.equal(identityKey(' ZZ', 'ACME           '), 'ZZ/ACME');
  });
});

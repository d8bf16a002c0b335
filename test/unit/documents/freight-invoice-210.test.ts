import assert from 'node:assert/strict';
import type { FreightInvoice } from '../../../src/documents/index.ts';
import { lineOf, mapBody, positionOf } from './edi.ts';

const INVOICE = [
  'B3**INV-1*SHP-1*PP*L*20261121*216750**20261120*035*MWTL',
  'C3*USD',
  'N9*BM*BOL-1',
  'N9*PO*PO-1',
  'N1*BT*Buyer Co*93*B1',
  'LX*1',
  'L5*1*Paper rolls',
  'L0*1*425*CW*42500*G***1400*CTN**L',
  'L1*1*3.85*PH*163625',
  'N9*PO*PO-2',
  'LX*2',
  'L1*2***53125****FUE***********9.5*USD*53125',
  'N1*CN*Consignee*93*C1',
  'N9*PO*PO-3',
  'L3*42500*G***216750',
];

function invoice(body: string[], version = '004010'): FreightInvoice {
  const result = mapBody('210', body, version);
  assert.deepEqual(result.issues, []);
  assert.ok(result.document?.type === 'freight-invoice');
  return result.document;
}

function issuesOf(body: string[]) {
  return mapBody('210', body).issues.map((i) => [
    i.code,
    i.message,
    i.location.tag,
    i.location.element,
    i.location.line,
  ]);
}

describe('mapFreightInvoice (210)', () => {
  it('maps B3: the invoice number, the shipment, the carrier, the net amount due with its implied decimals', () => {
    const doc = invoice(INVOICE);
    assert.deepEqual(
      [
        doc.invoiceNumber,
        doc.shipmentId,
        doc.scac,
        doc.billingDate,
        doc.netAmountDue,
        doc.deliveryDate,
        doc.currency,
      ],
      ['INV-1', 'SHP-1', 'MWTL', '2026-11-21', '2167.5', '2026-11-20', 'USD'],
    );
    assert.equal(doc.billOfLading, 'BOL-1');
  });

  it('reads L1 rates as sent and its N2 elements with two implied decimals', () => {
    const [first, second] = invoice(INVOICE).lines;
    assert.deepEqual(first!.charges, [
      {
        lineNumber: 1,
        freightRate: '3.85',
        rateQualifier: 'PH',
        charge: '1636.25',
        trace: { line: lineOf(8), position: positionOf(8) },
      },
    ]);
    assert.deepEqual(first!.quantities[0]!.billedQuantity, { value: '425', unit: 'CW' });
    assert.deepEqual(
      second!.charges.map((c) => [c.charge, c.specialChargeCode, c.percent, c.currency, c.amount]),
      [['531.25', 'FUE', '9.5', 'USD', '531.25']],
    );
  });

  it('keeps the references of an N1 loop inside an LX out of the line, but counts its purchase orders', () => {
    const doc = invoice(INVOICE);
    assert.deepEqual(
      doc.lines.map((l) => l.references.map((r) => r.value)),
      [['PO-2'], []],
    );
    assert.deepEqual(doc.poNumbers, ['PO-1', 'PO-2', 'PO-3']);
  });

  it('rejects a charge written with a decimal point, which an N2 element cannot carry, at L104', () => {
    const body = INVOICE.map((s) => (s === 'L1*1*3.85*PH*163625' ? 'L1*1*3.85*PH*1636.25' : s));
    assert.deepEqual(issuesOf(body), [
      [
        'invalid-value',
        'L104 (charge) is "1636.25", which is not a number with 2 implied decimals, without a point',
        'L1',
        4,
        lineOf(8),
      ],
    ]);
  });

  it('rejects an invoice without its number, at B302, and without its amount, at B307', () => {
    const body = ['B3***SHP-1*PP*L*20261121***20261120*035*MWTL', ...INVOICE.slice(1)];
    assert.deepEqual(issuesOf(body), [
      [
        'required-value-missing',
        'B302 (invoice number) is empty; the freight invoice needs it',
        'B3',
        2,
        lineOf(0),
      ],
      [
        'required-value-missing',
        'B307 (net amount due) is empty; the freight invoice needs it',
        'B3',
        7,
        lineOf(0),
      ],
    ]);
  });

  it('rejects a set without B3', () => {
    assert.deepEqual(
      issuesOf(INVOICE.slice(1)).map((i) => i.slice(0, 3)),
      [
        [
          'required-segment-missing',
          'no B3 segment, so no invoice number, date or amount; the freight invoice needs it',
          'ST',
        ],
      ],
    );
  });

  it('reads the L11 references of 005010 like the N9 of 004010', () => {
    const body = INVOICE.map((s) => s.replace(/^N9\*(\w+)\*(.*)$/, 'L11*$2*$1'));
    const doc = invoice(body, '005010');
    assert.deepEqual([doc.billOfLading, doc.poNumbers], ['BOL-1', ['PO-1', 'PO-2', 'PO-3']]);
  });
});

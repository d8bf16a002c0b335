import assert from 'node:assert/strict';
import type { Invoice } from '../../../src/documents/index.ts';
import { lineOf, mapBody, positionOf } from './edi.ts';

const INVOICE = [
  'BIG*20261121*INV-1*20261116*PO-1***DI',
  'CUR*SE*USD',
  'N1*RI*ACME*92*V1',
  'ITD*08*3*2**10**30',
  'IT1*1*24*EA*4.25*PE*UP*012345678905*VN*AW-1001',
  'IT1*2*3*EA*0.3333*PE*VN*AW-1002',
  'SAC*C*D240***150',
  'TDS*11725',
  'TXI*ST*5.47*6.5',
  'SAC*A*C310***1212',
  'CTT*2',
];

function invoice(body: string[]): Invoice {
  const result = mapBody('810', body);
  assert.deepEqual(result.issues, []);
  assert.ok(result.document?.type === 'invoice');
  return result.document;
}

describe('mapInvoice (810)', () => {
  it('maps header, lines, and the charges and taxes where they stand', () => {
    const doc = invoice(INVOICE);
    assert.deepEqual(
      [doc.invoiceNumber, doc.invoiceDate, doc.poNumbers, doc.currency],
      ['INV-1', '2026-11-21', ['PO-1'], 'USD'],
    );
    assert.deepEqual(
      doc.lines.map((l) => [l.lineNumber, l.quantityInvoiced, l.unitPrice, l.lineAmount, l.charges.length]),
      [
        ['1', '24', '4.25', '102', 0],
        ['2', '3', '0.3333', '0.9999', 1],
      ],
    );
    assert.equal(doc.lines[1]!.charges[0]!.amount, '1.5');
    assert.deepEqual(
      doc.charges.map((c) => [c.kind, c.code, c.amount]),
      [['allowance', 'C310', '12.12']],
    );
    assert.deepEqual(doc.taxes[0], {
      typeCode: 'ST',
      amount: '5.47',
      percent: '6.5',
      trace: { line: lineOf(8), position: positionOf(8) },
    });
    assert.deepEqual(doc.totals, {
      totalAmount: '117.25',
      lineCount: 2,
      trace: { line: lineOf(7), position: positionOf(7) },
    });
    assert.deepEqual(doc.terms[0], {
      typeCode: '08',
      basisDateCode: '3',
      discountPercent: '2',
      discountDays: 10,
      netDays: 30,
      trace: { line: lineOf(3), position: positionOf(3) },
    });
  });

  it('rejects an invoice without a purchase order number, at BIG04', () => {
    const body = ['BIG*20261121*INV-1*20261116', ...INVOICE.slice(1)];
    const result = mapBody('810', body);
    assert.equal(result.document, undefined);
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.message, i.location.tag, i.location.element]),
      [
        [
          'required-value-missing',
          'BIG04 (purchase order number) is empty and no line names a purchase order (REF PO); the invoice needs one to be matched',
          'BIG',
          4,
        ],
      ],
    );
  });

  it('takes the purchase orders of an invoice that covers several from its lines', () => {
    const body = [
      'BIG*20261121*INV-1',
      'IT1*1*1*EA*2*PE*VN*A',
      'REF*PO*PO-7',
      'IT1*2*1*EA*3*PE*VN*B',
      'REF*PO*PO-8',
      'IT1*3*1*EA*4*PE*VN*C',
      'REF*PO*PO-7',
      'TDS*900',
    ];
    const doc = invoice(body);
    assert.deepEqual(doc.poNumbers, ['PO-7', 'PO-8']);
    assert.deepEqual(
      doc.lines.map((l) => l.poNumber),
      ['PO-7', 'PO-8', 'PO-7'],
    );
  });

  it('rejects a line without a unit price, naming IT104', () => {
    const result = mapBody(
      '810',
      INVOICE.map((s) => (s.startsWith('IT1*2*') ? 'IT1*2*3*EA**PE*VN*AW-1002' : s)),
    );
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.message, i.location.line]),
      [['required-value-missing', 'IT104 (unit price) is empty; the invoice needs it', lineOf(5)]],
    );
  });

  it('rejects an invoice without a TDS, since it has no total', () => {
    const result = mapBody(
      '810',
      INVOICE.filter((s) => !s.startsWith('TDS')),
    );
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.message, i.location.tag]),
      [['required-segment-missing', 'no TDS segment, so no invoice total; the invoice needs it', 'SE']],
    );
  });

  it('rejects a TDS01 written with a decimal point, which its implied decimals forbid', () => {
    const result = mapBody(
      '810',
      INVOICE.map((s) => (s.startsWith('TDS') ? 'TDS*117.25' : s)),
    );
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.message, i.data]),
      [
        [
          'invalid-value',
          'TDS01 (total invoice amount) is "117.25", which is not a number with 2 implied decimals, without a point',
          '117.25',
        ],
      ],
    );
  });

  it('rejects an invoice date that is not a real date', () => {
    const result = mapBody('810', ['BIG*20260230*INV-1**PO-1', ...INVOICE.slice(1)]);
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.message]),
      [['invalid-value', 'BIG01 (invoice date) is "20260230", which is not a date CCYYMMDD']],
    );
  });

  it('maps a 005010 invoice with the same mapper', () => {
    const result = mapBody('810', INVOICE, '005010');
    assert.ok(result.document?.type === 'invoice');
    assert.equal(result.document.source.kind === 'x12' && result.document.source.version, '005010');
  });
});

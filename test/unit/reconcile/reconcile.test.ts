import assert from 'node:assert/strict';
import type { Mismatch } from '../../../src/reconcile/index.ts';
import { reconcile } from '../../../src/reconcile/index.ts';
import {
  at,
  input,
  invoice,
  invoiceLine,
  PO_NUMBER,
  poLine,
  purchaseOrder,
  received,
  shipNotice,
  shipped,
  T0,
} from './builders.ts';

const PO = purchaseOrder([poLine('1', 'A-1', '100', '4.25'), poLine('2', 'B-2', '50', '10')]);
const FULL_SHIPMENT = shipNotice('S1', [shipped('A-1', '100'), shipped('B-2', '50')]);
const OTHER_PO_SHIPMENT = shipNotice('S9', [], {
  poNumbers: ['PO-999'],
  orders: [{ poNumber: 'PO-999', parties: [], references: [], packs: [], items: [shipped('A-1', '1')] }],
});
const FULL_INVOICE = invoice('INV-1', [
  invoiceLine('1', 'A-1', '100', '4.25'),
  invoiceLine('2', 'B-2', '50', '10'),
]);

/** The parts of a mismatch a test states exactly; documents by id and line only. */
function summary(m: Mismatch) {
  return {
    type: m.type,
    severity: m.severity,
    expected: m.expected,
    actual: m.actual,
    amountAtRisk: m.amountAtRisk,
    currency: m.currency,
    documents: m.documents.map((d) => `${d.documentType}:${d.documentId}:${d.lineNumber ?? d.item ?? ''}`),
  };
}

function run(...args: Parameters<typeof input>) {
  return reconcile(input(...args)).map(summary);
}

describe('reconcile', () => {
  it('finds nothing in a clean three-way match', () => {
    assert.deepEqual(
      run({
        purchaseOrder: PO,
        shipNotices: [received('asn-1', FULL_SHIPMENT)],
        invoices: [received('inv-1', FULL_INVOICE, at(1))],
        now: at(30),
      }),
      [],
    );
  });

  it('reports every document that names a PO the ERP does not know', () => {
    assert.deepEqual(
      run({
        purchaseOrder: undefined,
        shipNotices: [received('asn-1', FULL_SHIPMENT), received('asn-9', OTHER_PO_SHIPMENT)],
        invoices: [received('inv-1', FULL_INVOICE)],
      }),
      [
        {
          type: 'unknown-po',
          severity: 'error',
          expected: 'purchase order PO-100 in the ERP',
          actual: 'not found',
          amountAtRisk: '0',
          currency: undefined,
          documents: ['advance-ship-notice:asn-1:'],
        },
        {
          type: 'unknown-po',
          severity: 'error',
          expected: 'purchase order PO-100 in the ERP',
          actual: 'not found',
          amountAtRisk: '925',
          currency: 'USD',
          documents: ['invoice:inv-1:'],
        },
      ],
    );
  });

  it('reports an item the PO does not order, on the ship notice and on the invoice', () => {
    const asn = shipNotice('S1', [shipped('A-1', '100'), shipped('B-2', '50'), shipped('C-3', '5')]);
    const inv = invoice('INV-1', [...FULL_INVOICE.lines, invoiceLine('3', 'C-3', '5', '3')]);
    assert.deepEqual(
      run({ purchaseOrder: PO, shipNotices: [received('asn-1', asn)], invoices: [received('inv-1', inv)] }),
      [
        {
          type: 'item-not-on-po',
          severity: 'warning',
          expected: 'an item of purchase order PO-100',
          actual: 'VP:C-3',
          amountAtRisk: '0',
          currency: 'USD',
          documents: ['advance-ship-notice:asn-1:VP:C-3'],
        },
        {
          type: 'item-not-on-po',
          severity: 'error',
          expected: 'an item of purchase order PO-100',
          actual: 'VP:C-3',
          amountAtRisk: '15',
          currency: 'USD',
          documents: ['invoice:inv-1:3'],
        },
      ],
    );
  });

  it('accepts a shipment exactly at the quantity tolerance, over or short', () => {
    for (const quantity of ['110', '90']) {
      const asn = shipNotice('S1', [shipped('A-1', quantity), shipped('B-2', '50')]);
      assert.deepEqual(run({ purchaseOrder: PO, shipNotices: [received('asn-1', asn)] }), [], quantity);
    }
  });

  it('reports an over-shipment just beyond the tolerance, summed over the notices, priced at the PO', () => {
    const first = shipNotice('S1', [shipped('A-1', '60'), shipped('B-2', '50')]);
    const second = shipNotice('S2', [shipped('A-1', '51')]);
    assert.deepEqual(
      run({
        purchaseOrder: PO,
        shipNotices: [received('asn-2', second, at(1)), received('asn-1', first)],
      }),
      [
        {
          type: 'over-shipment',
          severity: 'error',
          expected: '100 EA',
          actual: '111 EA',
          amountAtRisk: '46.75',
          currency: 'USD',
          documents: [
            'purchase-order:PO-100:1',
            'advance-ship-notice:asn-1:VP:A-1',
            'advance-ship-notice:asn-2:VP:A-1',
          ],
        },
      ],
    );
  });

  it('reports a short shipment just beyond the tolerance as a warning', () => {
    const asn = shipNotice('S1', [shipped('A-1', '89'), shipped('B-2', '50')]);
    assert.deepEqual(run({ purchaseOrder: PO, shipNotices: [received('asn-1', asn)] }), [
      {
        type: 'short-shipment',
        severity: 'warning',
        expected: '100 EA',
        actual: '89 EA',
        amountAtRisk: '46.75',
        currency: 'USD',
        documents: ['purchase-order:PO-100:1', 'advance-ship-notice:asn-1:VP:A-1'],
      },
    ]);
  });

  it('leaves a line no notice mentions open rather than short', () => {
    const asn = shipNotice('S1', [shipped('A-1', '100')]);
    assert.deepEqual(run({ purchaseOrder: PO, shipNotices: [received('asn-1', asn)] }), []);
  });

  it('reports a unit of measure other than the order’s instead of an over- or short shipment', () => {
    const asn = shipNotice('S1', [shipped('A-1', '10', 'CA'), shipped('B-2', '50')]);
    const inv = invoice('INV-1', [invoiceLine('1', 'A-1', '10', '42.5', 'CA'), FULL_INVOICE.lines[1]!]);
    assert.deepEqual(
      run({ purchaseOrder: PO, shipNotices: [received('asn-1', asn)], invoices: [received('inv-1', inv)] }),
      [
        {
          type: 'uom-mismatch',
          severity: 'error',
          expected: 'EA',
          actual: 'CA',
          amountAtRisk: '0',
          currency: 'USD',
          documents: ['advance-ship-notice:asn-1:VP:A-1', 'purchase-order:PO-100:1'],
        },
        {
          type: 'uom-mismatch',
          severity: 'error',
          expected: 'EA',
          actual: 'CA',
          amountAtRisk: '425',
          currency: 'USD',
          documents: ['invoice:inv-1:1', 'purchase-order:PO-100:1'],
        },
      ],
    );
  });

  it('reports a second notice of the same shipment and does not count it', () => {
    const again = { ...FULL_SHIPMENT, billOfLading: 'OTHER-BOL' };
    assert.deepEqual(
      run({
        purchaseOrder: PO,
        shipNotices: [received('asn-2', again, at(1)), received('asn-1', FULL_SHIPMENT)],
      }),
      [
        {
          type: 'duplicate-asn',
          severity: 'warning',
          expected: 'shipment S1 noticed once',
          actual: 'noticed again after asn-1',
          amountAtRisk: '925',
          currency: 'USD',
          documents: ['advance-ship-notice:asn-2:', 'advance-ship-notice:asn-1:'],
        },
      ],
    );
  });

  it('reports a second notice of the same bill of lading under another shipment id', () => {
    const other = shipNotice('S2', [shipped('A-1', '1')], { billOfLading: 'BOL-S1' });
    const result = run({
      purchaseOrder: PO,
      shipNotices: [received('asn-1', FULL_SHIPMENT), received('asn-2', other, at(1))],
    });
    assert.deepEqual(
      result.map((m) => [m.type, m.expected, m.actual, m.amountAtRisk]),
      [['duplicate-asn', 'bill of lading BOL-S1 noticed once', 'noticed again after asn-1', '4.25']],
    );
  });

  it('takes a replacement notice (purpose 05) in place of the one it replaces, and honours a cancellation', () => {
    const replacement = shipNotice('S1', [shipped('A-1', '100'), shipped('B-2', '50')], {
      purposeCode: '05',
    });
    const wrong = shipNotice('S1', [shipped('A-1', '300'), shipped('B-2', '50')]);
    assert.deepEqual(
      run({
        purchaseOrder: PO,
        shipNotices: [received('asn-1', wrong), received('asn-2', replacement, at(1))],
      }),
      [],
    );
    const cancellation = shipNotice('S1', [], { purposeCode: '01', orders: [] });
    assert.deepEqual(
      run({
        purchaseOrder: PO,
        shipNotices: [received('asn-1', wrong), received('asn-2', cancellation, at(1))],
      }),
      [],
    );
  });

  it('lets a replacement or cancellation that arrives before the notice it settles keep the last word', () => {
    const replacement = shipNotice('S1', [shipped('A-1', '100'), shipped('B-2', '50')], {
      purposeCode: '05',
    });
    const late = shipNotice('S1', [shipped('A-1', '300'), shipped('B-2', '50')]);
    assert.deepEqual(
      run({
        purchaseOrder: PO,
        shipNotices: [received('asn-2', replacement), received('asn-1', late, at(1))],
      }),
      [],
    );
    const cancellation = shipNotice('S1', [], { purposeCode: '01', orders: [] });
    const result = run({
      purchaseOrder: PO,
      shipNotices: [received('asn-2', cancellation), received('asn-1', late, at(1))],
      invoices: [received('inv-1', FULL_INVOICE)],
      now: at(5, 1),
    });
    assert.deepEqual(
      result.map((m) => m.type),
      ['invoice-without-asn'],
    );
  });

  describe('unit price', () => {
    const po = purchaseOrder([poLine('1', 'A-1', '100', '4.25'), poLine('2', 'C-3', '100', '1')]);
    const asn = shipNotice('S1', [shipped('A-1', '100'), shipped('C-3', '100')]);
    const priced = (a: string, c: string) =>
      run({
        purchaseOrder: po,
        shipNotices: [received('asn-1', asn)],
        invoices: [
          received(
            'inv-1',
            invoice('INV-1', [invoiceLine('1', 'A-1', '100', a), invoiceLine('2', 'C-3', '100', c)]),
          ),
        ],
      });

    it('accepts a price exactly at either tolerance: 2% of 4.25 (0.085) or 0.05 absolute on 1', () => {
      assert.deepEqual(priced('4.335', '1.05'), []);
      assert.deepEqual(priced('4.165', '0.95'), []);
    });

    it('reports a price just beyond both tolerances, at risk the overcharge times the quantity', () => {
      assert.deepEqual(priced('4.336', '1.051'), [
        {
          type: 'unit-price-variance',
          severity: 'error',
          expected: '4.25',
          actual: '4.336',
          amountAtRisk: '8.6',
          currency: 'USD',
          documents: ['invoice:inv-1:1', 'purchase-order:PO-100:1'],
        },
        {
          type: 'unit-price-variance',
          severity: 'error',
          expected: '1',
          actual: '1.051',
          amountAtRisk: '5.1',
          currency: 'USD',
          documents: ['invoice:inv-1:2', 'purchase-order:PO-100:2'],
        },
      ]);
    });

    it('reports an undercharge as a warning with nothing at risk', () => {
      assert.deepEqual(
        priced('4', '1').map((m) => [m.type, m.severity, m.expected, m.actual, m.amountAtRisk]),
        [['unit-price-variance', 'warning', '4.25', '4', '0']],
      );
    });
  });

  it('reports an invoiced quantity above the shipped quantity, priced as invoiced', () => {
    const asn = shipNotice('S1', [shipped('A-1', '90'), shipped('B-2', '50')]);
    assert.deepEqual(
      run({
        purchaseOrder: PO,
        shipNotices: [received('asn-1', asn)],
        invoices: [received('inv-1', FULL_INVOICE)],
        now: at(5, 1),
      }),
      [
        {
          type: 'invoiced-over-shipped',
          severity: 'error',
          expected: '90 EA',
          actual: '100 EA',
          amountAtRisk: '42.5',
          currency: 'USD',
          documents: ['purchase-order:PO-100:1', 'invoice:inv-1:1', 'advance-ship-notice:asn-1:VP:A-1'],
        },
      ],
    );
  });

  it('waits out the grace period before an invoice billing two shipments, one not yet noticed, bills too much', () => {
    const first = shipNotice('S1', [shipped('A-1', '60'), shipped('B-2', '50')]);
    const second = shipNotice('S2', [shipped('A-1', '40')]);
    const docs = { purchaseOrder: PO, invoices: [received('inv-1', FULL_INVOICE, T0)] };
    assert.deepEqual(
      run({ ...docs, shipNotices: [received('asn-1', first)], now: at(5) }).map((m) => m.type),
      ['short-shipment'],
    );
    assert.deepEqual(
      run({ ...docs, shipNotices: [received('asn-1', first), received('asn-2', second, at(4))], now: at(5) }),
      [],
    );
    assert.deepEqual(
      run({ ...docs, shipNotices: [received('asn-1', first)], now: at(5, 1) }).map((m) => [
        m.type,
        m.expected,
        m.actual,
        m.amountAtRisk,
      ]),
      [
        ['invoiced-over-shipped', '60 EA', '100 EA', '170'],
        ['short-shipment', '100 EA', '60 EA', '170'],
      ],
    );
  });

  it('counts a credit memo against what was invoiced and expects no ship notice for it', () => {
    const asn = shipNotice('S1', [shipped('A-1', '90'), shipped('B-2', '50')]);
    const credit = invoice('CM-1', [invoiceLine('1', 'A-1', '10', '4')], { transactionTypeCode: 'CR' });
    const docs = { purchaseOrder: PO, shipNotices: [received('asn-1', asn)], now: at(30) };
    assert.deepEqual(
      run({ ...docs, invoices: [received('inv-1', FULL_INVOICE)] }).map((m) => m.type),
      ['invoiced-over-shipped'],
    );
    assert.deepEqual(
      run({ ...docs, invoices: [received('inv-1', FULL_INVOICE), received('cm-1', credit, at(2))] }),
      [],
    );
    assert.deepEqual(run({ purchaseOrder: PO, invoices: [received('cm-1', credit)], now: at(30) }), []);
  });

  it('looks only at the lines of an invoice that bill this PO', () => {
    const other = { ...invoiceLine('3', 'Z-9', '7', '100'), poNumber: 'PO-200', lineAmount: '1' };
    const both = invoice('INV-1', [...FULL_INVOICE.lines, other], { poNumbers: [PO_NUMBER, 'PO-200'] });
    const result = run({
      purchaseOrder: PO,
      shipNotices: [received('asn-1', FULL_SHIPMENT)],
      invoices: [received('inv-1', both)],
    });
    assert.deepEqual(result, []);
    const forOther = run({ poNumber: 'PO-200', invoices: [received('inv-1', both)] });
    assert.deepEqual(
      forOther.map((m) => [m.type, m.documents[0], m.expected, m.actual]),
      [
        ['line-extension', 'invoice:inv-1:3', '700', '1'],
        ['unknown-po', 'invoice:inv-1:', 'purchase order PO-200 in the ERP', 'not found'],
      ],
    );
  });

  describe('an invoice that arrives before its ship notice', () => {
    const early = (now: Date, notices = [] as ReturnType<typeof received<typeof FULL_SHIPMENT>>[]) =>
      run({ purchaseOrder: PO, shipNotices: notices, invoices: [received('inv-1', FULL_INVOICE, T0)], now });

    it('is not a mismatch of any kind within the grace period, to its last millisecond', () => {
      assert.deepEqual(early(at(0)), []);
      assert.deepEqual(early(at(5)), []);
    });

    it('is reported without a ship notice once the grace period has passed', () => {
      assert.deepEqual(early(at(5, 1)), [
        {
          type: 'invoice-without-asn',
          severity: 'error',
          expected: 'a ship notice for purchase order PO-100 within 5 days',
          actual: 'none',
          amountAtRisk: '925',
          currency: 'USD',
          documents: ['invoice:inv-1:'],
        },
      ]);
    });

    it('matches clean once the notice arrives, even after the grace period', () => {
      assert.deepEqual(early(at(3), [received('asn-1', FULL_SHIPMENT, at(2))]), []);
      assert.deepEqual(early(at(20), [received('asn-1', FULL_SHIPMENT, at(9))]), []);
    });

    it('waits for the very shipment it names by bill of lading, not any notice of the PO', () => {
      const named = { ...FULL_INVOICE, billOfLading: 'BOL-S9' };
      const result = run({
        purchaseOrder: PO,
        shipNotices: [received('asn-1', FULL_SHIPMENT)],
        invoices: [received('inv-1', named, T0)],
        now: at(6),
      });
      assert.deepEqual(
        result.map((m) => [m.type, m.expected]),
        [['invoice-without-asn', 'a ship notice for bill of lading BOL-S9 within 5 days']],
      );
    });
  });

  it('reports a line amount that is not quantity × price, beyond rounding to the cent', () => {
    const wrong = { ...invoiceLine('1', 'A-1', '100', '4.25'), lineAmount: '430' };
    const rounded = { ...invoiceLine('2', 'B-2', '3', '0.3333'), lineAmount: '1' };
    const po = purchaseOrder([poLine('1', 'A-1', '100', '4.25'), poLine('2', 'B-2', '3', '0.3333')]);
    const asn = shipNotice('S1', [shipped('A-1', '100'), shipped('B-2', '3')]);
    assert.deepEqual(
      run({
        purchaseOrder: po,
        shipNotices: [received('asn-1', asn)],
        invoices: [received('inv-1', invoice('INV-1', [wrong, rounded]))],
      }),
      [
        {
          type: 'line-extension',
          severity: 'error',
          expected: '425',
          actual: '430',
          amountAtRisk: '5',
          currency: 'USD',
          documents: ['invoice:inv-1:1'],
        },
      ],
    );
  });

  it('reports a total that is not lines + charges − allowances + taxes, leaving out charges settled elsewhere', () => {
    const inv = invoice('INV-1', FULL_INVOICE.lines, {
      charges: [
        { kind: 'charge', code: 'D240', amount: '18.5' },
        { kind: 'allowance', code: 'C310', amount: '12.12' },
        { kind: 'charge', code: 'D240', amount: '99', handlingCode: '05' },
      ],
      taxes: [{ typeCode: 'ST', amount: '14.97' }],
      totals: { totalAmount: '950' },
    });
    assert.deepEqual(
      run({
        purchaseOrder: PO,
        shipNotices: [received('asn-1', FULL_SHIPMENT)],
        invoices: [received('inv-1', inv)],
      }),
      [
        {
          type: 'invoice-total',
          severity: 'error',
          expected: '946.35',
          actual: '950',
          amountAtRisk: '3.65',
          currency: 'USD',
          documents: ['invoice:inv-1:'],
        },
      ],
    );
    const right = { ...inv, totals: { totalAmount: '946.35' } };
    assert.deepEqual(
      run({
        purchaseOrder: PO,
        shipNotices: [received('asn-1', FULL_SHIPMENT)],
        invoices: [received('inv-1', right)],
      }),
      [],
    );
  });

  it('reports a second invoice with the same number from the same partner and does not count its quantities', () => {
    assert.deepEqual(
      run({
        purchaseOrder: PO,
        shipNotices: [received('asn-1', FULL_SHIPMENT)],
        invoices: [received('inv-2', FULL_INVOICE, at(2)), received('inv-1', FULL_INVOICE, at(1))],
      }),
      [
        {
          type: 'duplicate-invoice',
          severity: 'error',
          expected: 'invoice INV-1 billed once',
          actual: 'billed again after inv-1',
          amountAtRisk: '925',
          currency: 'USD',
          documents: ['invoice:inv-2:', 'invoice:inv-1:'],
        },
      ],
    );
  });

  it('does not call the same invoice number from another partner a duplicate', () => {
    const other = { ...FULL_INVOICE, partnerId: 'globex' };
    const result = run({
      purchaseOrder: PO,
      shipNotices: [received('asn-1', FULL_SHIPMENT)],
      invoices: [received('inv-1', FULL_INVOICE), received('inv-2', other, at(1))],
      now: at(30),
    });
    assert.deepEqual(
      result.map((m) => m.type),
      ['invoiced-over-shipped', 'invoiced-over-shipped'],
    );
  });

  it('reports an invoice in another currency than the order, without comparing its prices', () => {
    const inv = { ...FULL_INVOICE, lines: [invoiceLine('1', 'A-1', '100', '3.9'), FULL_INVOICE.lines[1]!] };
    const eur = { ...inv, currency: 'EUR', totals: { totalAmount: '890' } };
    assert.deepEqual(
      run({
        purchaseOrder: PO,
        shipNotices: [received('asn-1', FULL_SHIPMENT)],
        invoices: [received('inv-1', eur)],
      }),
      [
        {
          type: 'currency-mismatch',
          severity: 'error',
          expected: 'USD',
          actual: 'EUR',
          amountAtRisk: '890',
          currency: 'EUR',
          documents: ['invoice:inv-1:', 'purchase-order:PO-100:'],
        },
      ],
    );
  });

  it('reports different payment terms, at risk the discount the order grants and the invoice does not', () => {
    const inv = { ...FULL_INVOICE, terms: [{ discountPercent: '1', discountDays: 10, netDays: 30 }] };
    assert.deepEqual(
      run({
        purchaseOrder: PO,
        shipNotices: [received('asn-1', FULL_SHIPMENT)],
        invoices: [received('inv-1', inv)],
      }),
      [
        {
          type: 'terms-mismatch',
          severity: 'warning',
          expected: '2% 10 net 30',
          actual: '1% 10 net 30',
          amountAtRisk: '9.25',
          currency: 'USD',
          documents: ['invoice:inv-1:', 'purchase-order:PO-100:'],
        },
      ],
    );
    const longer = { ...FULL_INVOICE, terms: [{ discountPercent: '2', discountDays: 10, netDays: 60 }] };
    const result = run({
      purchaseOrder: PO,
      shipNotices: [received('asn-1', FULL_SHIPMENT)],
      invoices: [received('inv-1', longer)],
    });
    assert.deepEqual(
      result.map((m) => [m.type, m.actual, m.amountAtRisk]),
      [['terms-mismatch', '2% 10 net 60', '0']],
    );
  });

  it('gives the same mismatches, in the same order, whatever order the documents come in', () => {
    const asn1 = shipNotice('S1', [shipped('A-1', '120'), shipped('C-3', '1')]);
    const asn2 = shipNotice('S1', [shipped('B-2', '5')], { billOfLading: 'X' });
    const inv1 = invoice('INV-1', [invoiceLine('1', 'A-1', '130', '4.5')]);
    const inv2 = invoice('INV-1', [invoiceLine('2', 'B-2', '1', '10')]);
    const notices = [received('asn-1', asn1), received('asn-2', asn2, at(1))];
    const invoices = [received('inv-1', inv1), received('inv-2', inv2, at(1))];
    const forward = reconcile(input({ purchaseOrder: PO, shipNotices: notices, invoices }));
    const backward = reconcile(
      input({ purchaseOrder: PO, shipNotices: [...notices].reverse(), invoices: [...invoices].reverse() }),
    );
    assert.ok(forward.length >= 5);
    assert.deepEqual(backward, forward);
    assert.deepEqual(
      forward.map((m) => m.key),
      [...forward.map((m) => m.key)].sort(),
    );
    assert.equal(new Set(forward.map((m) => m.key)).size, forward.length);
  });

  it('keeps the key of a mismatch when the ERP data changes and only the values move', () => {
    const inv = invoice('INV-1', [invoiceLine('1', 'A-1', '100', '5'), FULL_INVOICE.lines[1]!]);
    const before = reconcile(
      input({
        purchaseOrder: PO,
        shipNotices: [received('asn-1', FULL_SHIPMENT)],
        invoices: [received('inv-1', inv)],
      }),
    );
    const repriced = purchaseOrder([poLine('1', 'A-1', '100', '4.5'), poLine('2', 'B-2', '50', '10')]);
    const after = reconcile(
      input({
        purchaseOrder: repriced,
        shipNotices: [received('asn-1', FULL_SHIPMENT)],
        invoices: [received('inv-1', inv)],
      }),
    );
    assert.equal(before.length, 1);
    assert.equal(after.length, 1);
    assert.equal(after[0]!.key, before[0]!.key);
    assert.equal(before[0]!.key, `${PO_NUMBER}|unit-price-variance|invoice|inv-1|line%3A1`);
    assert.deepEqual([before[0]!.amountAtRisk, after[0]!.amountAtRisk], ['75', '50']);
  });
});

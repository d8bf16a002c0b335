// Reconciliation of documents the X12 mappers make from the golden files: the 004010 order HM4500123456,
// the ship notice that fills part of it and the invoice that bills that shipment; the 005010 ship notice
// that was sent twice (the out-of-order file repeats shipment TC-ASN-44012).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AdvanceShipNotice, Invoice, PurchaseOrder } from '../../../src/documents/index.ts';
import { defaultMappers } from '../../../src/documents/index.ts';
import { reconcile } from '../../../src/reconcile/index.ts';
import { readTransactionSets } from '../../../src/x12/set-segments.ts';
import { ROOT } from '../../helpers/golden.ts';
import { at, received, T0, TOLERANCES } from './builders.ts';

const DIR = join(ROOT, 'test/golden/documents');

function mapOne<T>(file: string): T {
  const { sets, issues } = readTransactionSets(readFileSync(join(DIR, file)));
  assert.deepEqual(issues, []);
  const mappers = defaultMappers();
  const [result] = sets.map((set) => mappers.map(set, { partnerId: 'golden-partner' }));
  assert.ok(result?.document, `${file} maps to a document`);
  return result.document as T;
}

describe('reconcile golden documents', () => {
  const order = mapOne<PurchaseOrder>('004010/850-dc-replenishment.edi');
  const notice = mapOne<AdvanceShipNotice>('004010/856-shipment-order-pack-item.edi');
  const bill = mapOne<Invoice>('004010/810-charges-allowances-taxes.edi');

  it('reports the lines the first shipment fills only in part, and nothing about the invoice that bills it', () => {
    const result = reconcile({
      poNumber: order.poNumber,
      purchaseOrder: order,
      shipNotices: [received('asn-1', notice)],
      invoices: [received('inv-1', bill, at(1))],
      tolerances: TOLERANCES,
      now: at(30),
    });
    assert.deepEqual(
      result.map((m) => [
        m.type,
        m.documents[0]?.lineNumber,
        m.expected,
        m.actual,
        m.amountAtRisk,
        m.currency,
      ]),
      [
        ['short-shipment', '1', '240 EA', '24 EA', '918', 'USD'],
        ['short-shipment', '2', '120 EA', '12 EA', '842.4', 'USD'],
        ['short-shipment', '4', '360 EA', '24 EA', '655.2', 'USD'],
      ],
    );
  });

  it('matches clean once the order asks for what was shipped, though invoice line 3 bills PO line 4', () => {
    const shippedQuantities: Record<string, string> = { '1': '24', '2': '12', '4': '24' };
    const filled: PurchaseOrder = {
      ...order,
      lines: order.lines.map((l) => ({
        ...l,
        quantityOrdered: shippedQuantities[l.lineNumber ?? ''] ?? l.quantityOrdered,
      })),
    };
    assert.equal(bill.lines[2]?.lineNumber, '3');
    assert.equal(bill.lines[2]?.vendorPartNumber, filled.lines[3]?.vendorPartNumber);
    assert.deepEqual(
      reconcile({
        poNumber: order.poNumber,
        purchaseOrder: filled,
        shipNotices: [received('asn-1', notice)],
        invoices: [received('inv-1', bill, at(1))],
        tolerances: TOLERANCES,
        now: at(30),
      }),
      [],
    );
  });

  it('waits for the shipment the invoice names by bill of lading, then reports the invoice without it', () => {
    const input = {
      poNumber: order.poNumber,
      purchaseOrder: order,
      shipNotices: [],
      invoices: [received('inv-1', bill, T0)],
      tolerances: TOLERANCES,
    };
    assert.deepEqual(reconcile({ ...input, now: at(5) }), []);
    assert.deepEqual(
      reconcile({ ...input, now: at(6) }).map((m) => [m.type, m.expected, m.amountAtRisk]),
      [['invoice-without-asn', 'a ship notice for bill of lading ODFL7781200456 within 5 days', '263.75']],
    );
  });

  it('adds up the 005010 invoice with its line-level allowance, and reports only that its PO is unknown', () => {
    const bill5 = mapOne<Invoice>('005010/810-charges-allowances-taxes.edi');
    const result = reconcile({
      poNumber: 'CBO-2026-04471',
      purchaseOrder: undefined,
      shipNotices: [],
      invoices: [received('inv-5', bill5)],
      tolerances: TOLERANCES,
      now: at(1),
    });
    assert.deepEqual(
      result.map((m) => [m.type, m.amountAtRisk, m.currency, m.documents[0]?.trace]),
      [
        [
          'unknown-po',
          '2958.4',
          'USD',
          { line: bill5.source.kind === 'x12' ? bill5.source.firstLine : 0, position: 1 },
        ],
      ],
    );
    const wrongTotal = { ...bill5, totals: { ...bill5.totals, totalAmount: '2969.1' } };
    assert.deepEqual(
      reconcile({
        poNumber: 'CBO-2026-04471',
        purchaseOrder: undefined,
        shipNotices: [],
        invoices: [received('inv-5', wrongTotal)],
        tolerances: TOLERANCES,
        now: at(1),
      })
        .filter((m) => m.type === 'invoice-total')
        .map((m) => [m.expected, m.actual, m.amountAtRisk]),
      [['2958.4', '2969.1', '10.7']],
    );
  });

  it('counts a ship notice sent twice once', () => {
    const order5 = mapOne<PurchaseOrder>('005010/850-crossdock-store-allocation.edi');
    const first = mapOne<AdvanceShipNotice>('005010/856-shipment-order-tare-pack-item.edi');
    const again = mapOne<AdvanceShipNotice>('005010/856-hl-out-of-order.edi');
    const result = reconcile({
      poNumber: order5.poNumber,
      purchaseOrder: order5,
      shipNotices: [received('asn-2', again, at(1)), received('asn-1', first)],
      invoices: [],
      tolerances: TOLERANCES,
      now: at(2),
    });
    assert.deepEqual(
      result.map((m) => [m.type, m.documents.map((d) => d.documentId), m.expected, m.actual, m.amountAtRisk]),
      [
        [
          'duplicate-asn',
          ['asn-2', 'asn-1'],
          'shipment TC-ASN-44012 noticed once',
          'noticed again after asn-1',
          '500',
        ],
        ['short-shipment', ['PO88120457', 'asn-1'], '96 EA', '12 EA', '1554'],
        ['short-shipment', ['PO88120457', 'asn-1'], '144 EA', '24 EA', '750'],
        ['short-shipment', ['PO88120457', 'asn-1'], '48 EA', '4 EA', '1408'],
      ],
    );
  });
});

// Properties over generated orders: a shipment and invoice that do exactly what the order says are clean
// however the quantities are split over notices, and no order of arrival changes the result.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { addDecimals } from '../../../src/documents/index.ts';
import { mismatchKey, reconcile } from '../../../src/reconcile/index.ts';
import {
  at,
  input,
  invoice,
  invoiceLine,
  poLine,
  purchaseOrder,
  received,
  shipNotice,
  shipped,
} from './builders.ts';

const quantity = fc.integer({ min: 1, max: 5000 }).map(String);
const price = fc
  .tuple(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 9999 }))
  .map(([whole, frac]) => addDecimals(String(whole), `0.${String(frac).padStart(4, '0')}`));
const lines = fc.uniqueArray(fc.record({ part: fc.stringMatching(/^[A-Z]{2}-[0-9]{3}$/), quantity, price }), {
  minLength: 1,
  maxLength: 6,
  selector: (l) => l.part,
});

describe('reconcile properties', () => {
  it('finds nothing when shipments and invoices do exactly what the order says, split any way', () => {
    fc.assert(
      fc.property(lines, fc.integer({ min: 1, max: 3 }), (ordered, parts) => {
        const po = purchaseOrder(ordered.map((l, i) => poLine(String(i + 1), l.part, l.quantity, l.price)));
        const notices = Array.from({ length: parts }, (_, n) =>
          shipNotice(
            `S${n}`,
            ordered.flatMap((l) => {
              const total = Number(l.quantity);
              const share = Math.floor(total / parts) + (n === 0 ? total % parts : 0);
              return share > 0 ? [shipped(l.part, String(share))] : [];
            }),
          ),
        );
        const bill = invoice(
          'INV-1',
          ordered.map((l, i) => invoiceLine(String(i + 1), l.part, l.quantity, l.price)),
        );
        const result = reconcile(
          input({
            purchaseOrder: po,
            shipNotices: notices.map((n, i) => received(`asn-${i}`, n, at(i))),
            invoices: [received('inv-1', bill, at(1))],
            now: at(60),
          }),
        );
        assert.deepEqual(result, []);
      }),
      { numRuns: 60 },
    );
  });

  it('gives the same result for any order of the same documents', () => {
    const po = purchaseOrder([poLine('1', 'A-1', '100', '4.25'), poLine('2', 'B-2', '50', '10')]);
    const docs = {
      notices: [
        received('asn-1', shipNotice('S1', [shipped('A-1', '70'), shipped('C-3', '2')])),
        received('asn-2', shipNotice('S2', [shipped('A-1', '45'), shipped('B-2', '5', 'CA')]), at(1)),
        received('asn-3', shipNotice('S1', [shipped('A-1', '1')]), at(1)),
      ],
      invoices: [
        received('inv-1', invoice('INV-1', [invoiceLine('1', 'A-1', '120', '4.4')])),
        received('inv-2', invoice('INV-1', [invoiceLine('1', 'A-1', '1', '4.25')]), at(1)),
        received('inv-3', invoice('INV-3', [invoiceLine('2', 'B-2', '50', '9')], { currency: 'CAD' }), at(1)),
      ],
    };
    const reference = reconcile(
      input({ purchaseOrder: po, shipNotices: docs.notices, invoices: docs.invoices, now: at(30) }),
    );
    assert.ok(reference.length >= 6, 'the case has something to find');
    fc.assert(
      fc.property(
        fc.shuffledSubarray(docs.notices, { minLength: 3 }),
        fc.shuffledSubarray(docs.invoices, { minLength: 3 }),
        (n, i) => {
          assert.deepEqual(
            reconcile(input({ purchaseOrder: po, shipNotices: n, invoices: i, now: at(30) })),
            reference,
          );
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keeps keys apart when a PO number or id holds the separator', () => {
    const subject = { documentType: 'invoice', documentId: 'b|c' } as const;
    const other = { documentType: 'invoice', documentId: 'c' } as const;
    assert.notEqual(mismatchKey('a', 'invoice-total', subject), mismatchKey('a|b', 'invoice-total', other));
  });
});

import assert from 'node:assert/strict';
import type { AdvanceShipNotice, Invoice } from '../../../src/documents/index.ts';
import { reconcile, type ReceivedDocument } from '../../../src/reconcile/index.ts';
import { alignLines, itemIdsOf, type LineViewInput } from '../../../src/reconcile/line-view.ts';
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
} from './builders.ts';

const PO = purchaseOrder([poLine('1', 'AW-1', '10', '4.25'), poLine('2', 'AW-2', '5', '7.80')]);

function view(parts: Partial<LineViewInput>): ReturnType<typeof alignLines> {
  return alignLines({
    poNumber: PO_NUMBER,
    purchaseOrder: PO,
    erpAnswered: true,
    shipNotices: [],
    invoices: [],
    mismatches: [],
    ...parts,
  });
}

function byKey(lines: ReturnType<typeof alignLines>) {
  return Object.fromEntries(lines.map((l) => [l.key, l]));
}

describe('alignLines', () => {
  it('puts what was shipped and invoiced on the PO lines, with no difference when all agree', () => {
    const lines = view({
      shipNotices: [received('11', shipNotice('S1', [shipped('AW-1', '10'), shipped('AW-2', '5')]))],
      invoices: [
        received(
          '12',
          invoice('I1', [invoiceLine('1', 'AW-1', '10', '4.25'), invoiceLine('2', 'AW-2', '5', '7.80')]),
        ),
      ],
    });
    assert.equal(lines.length, 2);
    const [one, two] = lines;
    assert.equal(one!.key, 'po:1');
    assert.equal(one!.lineNumber, '1');
    assert.deepEqual(one!.itemIds, { VP: 'AW-1' });
    assert.deepEqual(one!.ordered, { quantity: '10', uom: 'EA', unitPrice: '4.25' });
    assert.deepEqual(one!.shipped, [{ documentId: '11', quantity: '10', uom: 'EA', counted: true }]);
    assert.deepEqual(one!.invoiced, [
      { documentId: '12', quantity: '10', uom: 'EA', unitPrice: '4.25', counted: true, credit: false },
    ]);
    assert.deepEqual(one!.differences, []);
    assert.deepEqual(two!.differences, []);
  });

  it('sums one notice’s cartons of a line, and compares quantities as decimals, not floats', () => {
    const po = purchaseOrder([poLine('1', 'AW-1', '0.3', '1')]);
    const lines = view({
      purchaseOrder: po,
      // 0.1 + 0.2 is 0.30000000000000004 in binary floating point.
      shipNotices: [received('11', shipNotice('S1', [shipped('AW-1', '0.1'), shipped('AW-1', '0.2')]))],
    });
    assert.deepEqual(lines[0]!.shipped, [{ documentId: '11', quantity: '0.3', uom: 'EA', counted: true }]);
    assert.deepEqual(lines[0]!.differences, []);
  });

  it('marks quantity, unit of measure and unit price differences', () => {
    const lines = byKey(
      view({
        shipNotices: [received('11', shipNotice('S1', [shipped('AW-1', '12'), shipped('AW-2', '1', 'CA')]))],
        invoices: [
          received(
            '12',
            invoice('I1', [
              invoiceLine('1', 'AW-1', '12', '4.30'),
              invoiceLine('2', 'AW-2', '1', '7.80', 'CA'),
            ]),
          ),
        ],
      }),
    );
    assert.deepEqual(lines['po:1']!.differences, ['quantity', 'unit-price']);
    // Cases against an order in EA: the quantities cannot be compared, only the unit is reported.
    assert.deepEqual(lines['po:2']!.differences, ['uom']);
  });

  it('calls a quantity or price the partner tolerates within tolerance, as reconciliation does', () => {
    const shipNotices = [received('11', shipNotice('S1', [shipped('AW-1', '11')]))];
    const invoices = [received('12', invoice('I1', [invoiceLine('1', 'AW-1', '11', '4.30')]))];
    const tolerances = {
      quantityPercent: 10,
      unitPriceAbsolute: 0.05,
      unitPricePercent: 0,
      invoiceGraceDays: 3,
    };
    const [line] = view({ shipNotices, invoices, tolerances });
    assert.deepEqual(line!.differences, []);
    assert.deepEqual(line!.withinTolerance, ['quantity', 'unit-price']);
    // Reconciliation, given the same tolerances, raises nothing.
    const found = (t: typeof tolerances) =>
      reconcile(input({ purchaseOrder: PO, shipNotices, invoices, tolerances: t, now: at(10) }))
        .map((m) => m.type)
        .sort();
    assert.deepEqual(found(tolerances), []);
    // One percent less and a cent less of tolerance: both are differences again.
    const [strict] = view({
      shipNotices,
      invoices,
      tolerances: { ...tolerances, quantityPercent: 9, unitPriceAbsolute: 0.04 },
    });
    assert.deepEqual(strict!.differences, ['quantity', 'unit-price']);
    assert.deepEqual(strict!.withinTolerance, []);
    assert.deepEqual(found({ ...tolerances, quantityPercent: 9, unitPriceAbsolute: 0.04 }), [
      'over-shipment',
      'unit-price-variance',
    ]);
  });

  it('never tolerates billing more than was shipped, however close to the order', () => {
    const [line] = view({
      shipNotices: [received('11', shipNotice('S1', [shipped('AW-1', '10')]))],
      invoices: [received('12', invoice('I1', [invoiceLine('1', 'AW-1', '11', '4.25')]))],
      tolerances: { quantityPercent: 20, unitPriceAbsolute: 0, unitPricePercent: 0, invoiceGraceDays: 3 },
    });
    assert.deepEqual(line!.differences, ['quantity']);
    assert.deepEqual(line!.withinTolerance, []);
  });

  it('compares exactly when it is not given the partner’s tolerances', () => {
    const [line] = view({
      shipNotices: [received('11', shipNotice('S1', [shipped('AW-1', '10.5')]))],
    });
    assert.deepEqual(line!.differences, ['quantity']);
    assert.deepEqual(line!.withinTolerance, []);
  });

  it('gives an item that is not on the PO a line of its own, shared by the notice and the invoice', () => {
    const lines = view({
      shipNotices: [received('11', shipNotice('S1', [shipped('AW-1', '10'), shipped('ZZ-9', '3')]))],
      invoices: [received('12', invoice('I1', [invoiceLine('7', 'ZZ-9', '3', '2.00')]))],
    });
    const extra = lines.find((l) => l.key === 'item:VP:ZZ-9');
    assert.ok(extra, lines.map((l) => l.key).join(', '));
    assert.equal(extra.ordered, null);
    assert.equal(extra.shipped.length, 1);
    assert.equal(extra.invoiced.length, 1);
    assert.deepEqual(extra.differences, ['not-on-po']);
    const two = lines.find((l) => l.key === 'po:2')!;
    assert.deepEqual(two.differences, ['not-shipped', 'not-invoiced']);
    const one = lines.find((l) => l.key === 'po:1')!;
    assert.deepEqual(one.differences, ['not-invoiced']);
  });

  it('does not call lines unshipped or uninvoiced before any notice or invoice came', () => {
    assert.deepEqual(
      view({}).map((l) => l.differences),
      [[], []],
    );
  });

  it('shows a duplicate notice without counting it, as reconciliation does', () => {
    const lines = view({
      shipNotices: [
        received('11', shipNotice('S1', [shipped('AW-1', '10')]), at(0)),
        received('13', shipNotice('S1', [shipped('AW-1', '10')]), at(1)),
      ],
    });
    assert.deepEqual(
      lines[0]!.shipped.map((s) => [s.documentId, s.counted]),
      [
        ['11', true],
        ['13', false],
      ],
    );
    assert.deepEqual(lines[0]!.differences, []);
  });

  it('takes a credit memo off what was invoiced', () => {
    const lines = view({
      shipNotices: [received('11', shipNotice('S1', [shipped('AW-1', '10')]))],
      invoices: [
        received('12', invoice('I1', [invoiceLine('1', 'AW-1', '12', '4.25')]), at(0)),
        received(
          '13',
          invoice('C1', [invoiceLine('1', 'AW-1', '2', '4.25')], { transactionTypeCode: 'CR' }),
          at(1),
        ),
      ],
    });
    assert.equal(lines[0]!.invoiced[1]!.credit, true);
    // 12 billed less 2 credited is the 10 ordered and shipped.
    assert.deepEqual(lines[0]!.differences, []);
  });

  it('lines up items by their identifiers when the ERP could not be asked, without calling them off the PO', () => {
    const lines = view({
      purchaseOrder: undefined,
      erpAnswered: false,
      shipNotices: [received('11', shipNotice('S1', [shipped('AW-1', '10'), shipped('AW-2', '5')]))],
      invoices: [received('12', invoice('I1', [invoiceLine('9', 'AW-2', '6', '7.80')]))],
    });
    assert.deepEqual(
      lines.map((l) => l.key),
      ['item:VP:AW-1', 'item:VP:AW-2'],
    );
    assert.deepEqual(lines[0]!.differences, ['not-invoiced']);
    assert.deepEqual(lines[1]!.differences, ['quantity']);
    assert.ok(lines.every((l) => l.ordered === null));
  });

  it('calls every item off the PO when the ERP does not know the PO', () => {
    const lines = view({
      purchaseOrder: undefined,
      erpAnswered: true,
      shipNotices: [received('11', shipNotice('S1', [shipped('AW-1', '10')]))],
    });
    assert.deepEqual(lines[0]!.differences, ['not-on-po']);
  });

  it('puts each mismatch reconciliation raised on the lines it is about', () => {
    const shipNotices: ReceivedDocument<AdvanceShipNotice>[] = [
      received('11', shipNotice('S1', [shipped('AW-1', '12'), shipped('AW-2', '5')])),
    ];
    const invoices: ReceivedDocument<Invoice>[] = [
      received(
        '12',
        invoice('I1', [invoiceLine('1', 'AW-1', '12', '4.25'), invoiceLine('2', 'AW-2', '5', '9.99')]),
      ),
    ];
    const found = reconcile(input({ purchaseOrder: PO, shipNotices, invoices }));
    const types = found.map((m) => m.type).sort();
    assert.deepEqual(types, ['over-shipment', 'unit-price-variance']);
    const stored = found.map((m, i) => ({ id: i + 1, documents: m.documents }));
    const lines = byKey(view({ shipNotices, invoices, mismatches: stored }));
    const idOf = (type: string) => found.findIndex((m) => m.type === type) + 1;
    assert.deepEqual(lines['po:1']!.mismatchIds, [idOf('over-shipment')]);
    assert.deepEqual(lines['po:2']!.mismatchIds, [idOf('unit-price-variance')]);
  });
});

describe('itemIdsOf', () => {
  it('names the identifiers by qualifier, keeping others as sent but not repeating a value', () => {
    assert.deepEqual(
      itemIdsOf({
        vendorPartNumber: 'AW-1',
        upc: '012345678905',
        ids: [
          { qualifier: 'VN', value: 'AW-1' },
          { qualifier: 'UP', value: '012345678905' },
          { qualifier: 'CB', value: 'CAT-7' },
        ],
      }),
      { VP: 'AW-1', UP: '012345678905', CB: 'CAT-7' },
    );
  });
});

import assert from 'node:assert/strict';
import { formatCsvIssue } from '../../../src/csv/issues.ts';
import { mapCsvFile, mapCsvStream, type CsvMapResult } from '../../../src/csv/map-file.ts';
import {
  checkCsvMapping,
  selectCsvMapping,
  type CsvMapping,
  type RawCsvMapping,
} from '../../../src/csv/mapping.ts';
import type { AdvanceShipNotice } from '../../../src/documents/advance-ship-notice.ts';
import type { Invoice } from '../../../src/documents/invoice.ts';
import { documentSchemaErrors } from '../../../src/documents/schemas.ts';

/** A mapping as the loader leaves it: the schema's defaults, then the fields given. */
function mapping(overrides: Partial<RawCsvMapping>): CsvMapping {
  const raw: RawCsvMapping = {
    name: 'test',
    produces: 'advance-ship-notice',
    files: ['*'],
    delimiter: ',',
    quote: '"',
    encoding: 'utf-8',
    headerRow: true,
    skipLines: 0,
    dateFormats: ['YYYY-MM-DD'],
    decimalSeparator: '.',
    thousandsSeparator: '',
    groupBy: ['Shipment'],
    documentFields: { shipmentId: 'Shipment' },
    lineFields: { poNumber: 'PO', quantityShipped: 'Qty', unit: { value: 'EA' } },
    ...overrides,
  };
  const { mapping: m, problems } = checkCsvMapping(raw);
  assert.deepEqual(problems, []);
  return m;
}

const ASN = mapping({});

function run(text: string, m: CsvMapping = ASN): CsvMapResult {
  return mapCsvFile(Buffer.from(text, 'utf8'), 'f.csv', m, 'p');
}

const messages = (r: CsvMapResult) => r.issues.map(formatCsvIssue);

describe('mapCsvFile', () => {
  it('groups rows by shipment into ship notices and orders by purchase order, in the order they first appear', () => {
    const r = run('Shipment,PO,Qty\nS2,P1,1\nS1,P9,2\nS2,P2,3\nS2,P1,4\n');
    assert.deepEqual(r.issues, []);
    const notices = r.documents as AdvanceShipNotice[];
    assert.deepEqual(
      notices.map((n) => [
        n.shipmentId,
        n.poNumbers,
        n.orders.map((o) => o.items.map((i) => i.quantityShipped)),
      ]),
      [
        ['S2', ['P1', 'P2'], [['1', '4'], ['3']]],
        ['S1', ['P9'], [['2']]],
      ],
    );
    assert.deepEqual(notices[0]!.source, {
      kind: 'csv',
      fileName: 'f.csv',
      lines: [2, 4, 5],
      mapping: 'test',
    });
    for (const n of notices) assert.deepEqual(documentSchemaErrors(n), []);
  });

  it('finds header columns whatever their case and surrounding spaces', () => {
    const r = run(' SHIPMENT ,po,QTY\nS1,P1,1\n');
    assert.deepEqual(r.issues, []);
    assert.equal(r.documents.length, 1);
  });

  it('reads nothing from a file whose header lacks a mapped column, and says which columns it has', () => {
    const r = run('Shipment,Purchase Order,Qty\nS1,P1,1\n');
    assert.deepEqual(r.documents, []);
    assert.deepEqual(messages(r), [
      'f.csv:1: the header row has no column PO, which the mapping test reads; its columns are: Shipment, ' +
        'Purchase Order, Qty; no row of the file is read',
    ]);
    assert.equal(r.issues[0]!.code, 'header-column-missing');
  });

  it('refuses a header that names a mapped column twice', () => {
    const r = run('Shipment,PO,Qty,PO\nS1,P1,1,P2\n');
    assert.deepEqual(r.documents, []);
    assert.deepEqual(messages(r), [
      'f.csv:1: the header row names PO 2 times (columns 2, 4); no row of the file is read',
    ]);
  });

  it('reports an empty file and a file with a header only', () => {
    assert.deepEqual(messages(run('')), ['f.csv:1: the file has no header row: it is empty']);
    assert.equal(run('').issues[0]!.severity, 'error');
    const headerOnly = run('Shipment,PO,Qty\n');
    assert.deepEqual(messages(headerOnly), ['f.csv:2: the file has no rows']);
    assert.equal(headerOnly.issues[0]!.severity, 'warning');
  });

  it('skips title lines before the header and rows of empty values', () => {
    const m = mapping({ skipLines: 2 });
    const r = run(
      'Shipment export\n"generated 2024-03-01, ""final"""\nShipment,PO,Qty\n,,\nS1,P1,1\n , ,\n',
      m,
    );
    assert.deepEqual(r.issues, []);
    assert.equal(r.rows, 1);
    assert.deepEqual((r.documents[0] as AdvanceShipNotice).source, {
      kind: 'csv',
      fileName: 'f.csv',
      lines: [5],
      mapping: 'test',
    });
  });

  it('passes over title lines as lines, so that a quote in a title cannot swallow the table', () => {
    const r = run('Export "final\nShipment,PO,Qty\nS1,P1,1\nS2,"P2",2\n', mapping({ skipLines: 1 }));
    assert.deepEqual(r.issues, []);
    assert.deepEqual(
      r.documents.map((d) => (d as AdvanceShipNotice).shipmentId),
      ['S1', 'S2'],
    );
  });

  it('keeps the first row of a shipment for its document fields and warns when a later row differs', () => {
    const m = mapping({ documentFields: { shipmentId: 'Shipment', shipDate: 'Shipped' } });
    const r = run('Shipment,Shipped,PO,Qty\nS1,2024-03-01,P1,1\nS1,,P1,2\nS1,2024-03-02,P1,3\n', m);
    assert.equal((r.documents[0] as AdvanceShipNotice).shipment.shipDate, '2024-03-01');
    assert.deepEqual(messages(r), [
      'f.csv:4: column "Shipped": shipDate is 2024-03-02 here but 2024-03-01 on line 2, the first row of ' +
        "ship notice S1; the first row's value is kept",
    ]);
    assert.equal(r.issues[0]!.severity, 'warning');
  });

  it('refuses a weight without its unit in the row that gives it', () => {
    const m = mapping({
      documentFields: { shipmentId: 'Shipment', grossWeight: 'Weight', weightUnit: 'Unit' },
    });
    const r = run('Shipment,Weight,Unit,PO,Qty\nS1,120,,P1,1\n', m);
    assert.deepEqual(r.documents, []);
    assert.deepEqual(messages(r), [
      'f.csv:2: column "Unit" is empty, but grossWeight needs it; the row belongs to ship notice S1, which is ' +
        'not produced without it',
      'f.csv:2: ship notice S1 is not produced: the row on line 2 could not be read',
    ]);
  });

  it('fills an empty cell from the default and a missing column from a constant', () => {
    const m = mapping({
      lineFields: { poNumber: 'PO', quantityShipped: 'Qty', unit: { column: 'UOM', default: 'CA' } },
    });
    const r = run('Shipment,PO,Qty,UOM\nS1,P1,1,\nS1,P1,2,EA\n', m);
    assert.deepEqual(
      (r.documents[0] as AdvanceShipNotice).orders[0]!.items.map((i) => i.unit),
      ['CA', 'EA'],
    );
  });

  it('reads columns by number when there is no header, and refuses a row too short for them', () => {
    const m = mapping({
      headerRow: false,
      groupBy: [1],
      documentFields: { shipmentId: 1 },
      lineFields: { poNumber: 2, quantityShipped: 4, unit: 3 },
    });
    const r = run('S1,P1,EA,5\nS1,P1,EA\n', m);
    assert.deepEqual(messages(r), [
      'f.csv:2: the row has 3 values, the mapping reads column 4; the row belongs to ship notice S1, which is ' +
        'not produced without it',
      'f.csv:1: ship notice S1 is not produced: the row on line 2 could not be read, and the ship notice would ' +
        'be incomplete without it',
    ]);
    assert.equal(r.issues[0]!.location.column, undefined);
  });

  it('withholds every document when a row with broken quoting cannot be placed in one', () => {
    const m = mapping({ groupBy: ['Shipment'] });
    const r = run('PO,Shipment,Qty\nP1,S1,1\n"P"2,S2,1\nP3,S3,1\n', m);
    assert.deepEqual(r.documents, []);
    assert.deepEqual(messages(r), [
      'f.csv:3: column "PO": the quoted value is followed by "2" instead of a delimiter or the end of the line; ' +
        'a quote inside a quoted value is written twice; which ship notice the row belongs to cannot be told, ' +
        'so no ship notice of this file is produced',
      'f.csv:2: ship notice S1 (the row on line 2) is not produced: the row on line 3 could not be placed in ' +
        'any ship notice and may belong to it',
      'f.csv:4: ship notice S3 (the row on line 4) is not produced: the row on line 3 could not be placed in ' +
        'any ship notice and may belong to it',
    ]);
  });

  it('names the line a broken quote is found on when the row started earlier', () => {
    const r = run('Shipment,PO,Qty\nS1,"P\n1"x,1\nS2,P2,1\n');
    assert.equal(
      messages(r)[0],
      'f.csv:2: column "PO": a quoted value opened on line 2 runs to line 3, where it is followed by "x"; it ' +
        'was probably not closed on its own line; reading resumes on line 3; the row belongs to ' +
        'ship notice S1, which is not produced without it',
    );
  });

  it('stops at a header row it cannot read', () => {
    const r = run('Shipment,"PO"x,Qty\nS1,P1,1\n');
    assert.deepEqual(r.documents, []);
    assert.deepEqual(messages(r), [
      'f.csv:1: the header row cannot be read: the quoted value is followed by "x" instead of a delimiter or ' +
        'the end of the line; a quote inside a quoted value is written twice; no row of the file is read',
    ]);
  });

  it('reads UTF-16 with its byte order mark, as spreadsheets save Unicode text', () => {
    const m = mapping({ encoding: 'utf-16', delimiter: '\t' });
    const bytes = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('Shipment\tPO\tQty\r\nSÖ1\tP1\t2\r\n', 'utf16le'),
    ]);
    const r = mapCsvFile(bytes, 'f.txt', m, 'p');
    assert.deepEqual(r.issues, []);
    assert.equal((r.documents[0] as AdvanceShipNotice).shipmentId, 'SÖ1');
  });

  it('reads nothing of a file whose byte order mark says another encoding than the mapping', async () => {
    const utf8 = Buffer.from('\uFEFFShipment,PO,Qty\nS1,P1,1\n', 'utf8');
    const latin1 = mapping({ encoding: 'latin1' });
    for (const chunks of [[utf8], [...utf8].map((b) => Buffer.from([b]))]) {
      const result = await mapCsvStream(chunks, 'f.csv', latin1, 'p');
      assert.deepEqual(result.documents, []);
      assert.deepEqual(messages(result), [
        'f.csv:1: the file starts with the byte order mark of utf-8, but the mapping test reads latin1; set ' +
          'its encoding to utf-8; no row of the file is read',
      ]);
    }
  });

  it('drops a UTF-8 byte order mark before the header', () => {
    const r = mapCsvFile(Buffer.from('\uFEFFShipment,PO,Qty\nS1,P1,1\n', 'utf8'), 'f.csv', ASN, 'p');
    assert.deepEqual(r.issues, []);
    assert.equal(r.documents.length, 1);
  });

  it('computes invoice line amounts and the total exactly, or keeps the total the file gives', () => {
    const m = mapping({
      produces: 'invoice',
      groupBy: ['Invoice'],
      documentFields: { invoiceNumber: 'Invoice', invoiceDate: 'Date' },
      lineFields: { quantityInvoiced: 'Qty', unitPrice: 'Price', unit: { value: 'EA' } },
    });
    const text = 'Invoice,Date,Qty,Price\nI1,2024-03-01,3,0.1\nI1,2024-03-01,7,0.2\n';
    const computed = run(text, m).documents[0] as Invoice;
    assert.deepEqual(
      computed.lines.map((l) => l.lineAmount),
      ['0.3', '1.4'],
    );
    assert.equal(computed.totals.totalAmount, '1.7');
    assert.deepEqual(documentSchemaErrors(computed), []);

    const withTotal = mapping({
      produces: 'invoice',
      groupBy: ['Invoice'],
      documentFields: { invoiceNumber: 'Invoice', invoiceDate: 'Date', totalAmount: 'Total' },
      lineFields: { quantityInvoiced: 'Qty', unitPrice: 'Price', unit: { value: 'EA' } },
    });
    const given = run('Invoice,Date,Qty,Price,Total\nI1,2024-03-01,3,0.1,12.30\n', withTotal)
      .documents[0] as Invoice;
    assert.equal(given.totals.totalAmount, '12.3');
  });

  it('refuses an invoice currency that is not a code', () => {
    const m = mapping({
      produces: 'invoice',
      groupBy: ['Invoice'],
      documentFields: { invoiceNumber: 'Invoice', invoiceDate: 'Date', currency: 'Cur' },
      lineFields: { quantityInvoiced: 'Qty', unitPrice: 'Price', unit: { value: 'EA' } },
    });
    const r = run('Invoice,Date,Cur,Qty,Price\nI1,2024-03-01,euro,1,1\n', m);
    assert.equal(
      messages(r)[0],
      'f.csv:2: column "Cur": "euro" is not a currency code: three capital letters, e.g. EUR; the row belongs ' +
        'to invoice I1, which is not produced without it',
    );
  });
});

describe('selectCsvMapping', () => {
  const asn = mapping({ name: 'asn', files: ['ASN_*.csv', 'asn-[0-9]*.txt'] });
  const any = mapping({ name: 'any', files: ['*.csv'] });

  it('takes the first mapping whose globs match the file name, ignoring case and folders', () => {
    assert.equal(selectCsvMapping([asn, any], 'asn_0301.CSV')?.name, 'asn');
    assert.equal(selectCsvMapping([asn, any], 'in/asn-7.txt')?.name, 'asn');
    assert.equal(selectCsvMapping([asn, any], 'orders.csv')?.name, 'any');
    assert.equal(selectCsvMapping([any, asn], 'ASN_1.csv')?.name, 'any');
  });

  it('finds none for a file no glob matches', () => {
    assert.equal(selectCsvMapping([asn, any], 'asn-x.txt'), undefined);
    assert.equal(selectCsvMapping([], 'a.csv'), undefined);
  });
});

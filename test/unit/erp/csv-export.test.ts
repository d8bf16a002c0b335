import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { documentSchemaErrors } from '../../../src/documents/schemas.ts';
import { GatewayError } from '../../../src/errors.ts';
import { openErpAdapter, type ErpAdapter } from '../../../src/erp/index.ts';
import { demoExportOptions } from './demo-export.ts';

const HEADER =
  'po_number,partner_id,po_date,currency,order_type,ship_to_name,ship_to_id_qualifier,ship_to_id,' +
  'ship_to_address,ship_to_city,ship_to_region,ship_to_postal_code,ship_to_country,terms_discount_percent,' +
  'terms_discount_days,terms_net_days,terms_description\n';
const LINES =
  'po_number,line_number,buyer_part_number,vendor_part_number,upc,gtin,description,quantity,unit,unit_price\n';

async function rejects(promise: Promise<unknown>, retryable: boolean, message: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof GatewayError, String(e));
    assert.equal(e.retryable, retryable, e.message);
    assert.match(e.message, message);
    return true;
  });
}

describe('erp/csv-export', () => {
  describe('on the demo export', () => {
    let erp: ErpAdapter;
    before(() => (erp = openErpAdapter(demoExportOptions())));
    after(() => erp.close());

    it('reads a purchase order with its lines, ship-to, terms and currency', async () => {
      const po = await erp.purchaseOrder('HM4500123456');
      assert.ok(po);
      assert.deepEqual(documentSchemaErrors(po), []);
      assert.equal(po.partnerId, 'acme-widget');
      assert.equal(po.poDate, '2026-11-16');
      assert.equal(po.currency, 'USD');
      assert.equal(po.orderTypeCode, 'SA');
      assert.deepEqual(po.parties, [
        {
          role: 'ship-to',
          code: 'ST',
          name: 'HARBORMART DC 0412',
          idQualifier: '92',
          id: '0412',
          address: {
            lines: ['4500 COMMERCE PKWY'],
            city: 'GROVEPORT',
            region: 'OH',
            postalCode: '43125',
            country: 'US',
          },
          trace: { line: 2 },
        },
      ]);
      assert.deepEqual(po.terms, [
        {
          discountPercent: '2',
          discountDays: 10,
          netDays: 30,
          description: '2% 10 net 30',
          trace: { line: 2 },
        },
      ]);
      assert.deepEqual(po.source, { kind: 'erp', adapter: 'csv-export', name: 'po_headers.csv', line: 2 });
      assert.deepEqual(
        po.lines.map((l) => [
          l.lineNumber,
          l.vendorPartNumber,
          l.upc,
          l.quantityOrdered,
          l.unit,
          l.unitPrice,
          l.lineAmount,
        ]),
        [
          ['1', 'AW-1001', '012345678905', '24', 'EA', '4.25', '102'],
          ['2', 'AW-1002', '012345678912', '12', 'EA', '7.8', '93.6'],
          ['3', 'AW-2001', '012345678936', '24', 'EA', '1.95', '46.8'],
        ],
      );
      assert.deepEqual(po.lines[0]!.ids, [
        { qualifier: 'VP', value: 'AW-1001' },
        { qualifier: 'UP', value: '012345678905' },
      ]);
      assert.deepEqual(po.lines[0]!.trace, { line: 2 });
    });

    it('keeps text outside ASCII and quoted commas as the ERP wrote them', async () => {
      const po = await erp.purchaseOrder('PO-2026-0411');
      assert.ok(po);
      assert.equal(po.parties[0]!.name, 'Harbor Mart DC Göteborg');
      assert.equal(po.lines[0]!.description, 'Skruv M8×40, förzinkad');
      assert.equal(po.lines[2]!.quantityOrdered, '12.5');
      assert.equal(po.lines[2]!.gtin, '7350012340033');
    });

    it('answers undefined for a PO the export does not hold', async () => {
      assert.equal(await erp.purchaseOrder('HM4599999999'), undefined);
    });

    it('reads the goods receipts of a PO, and none for a PO without any', async () => {
      const receipts = await erp.receipts!('HM4500123456');
      assert.deepEqual(
        receipts.map((r) => [
          r.receiptNumber,
          r.lineNumber,
          r.vendorPartNumber,
          r.quantityReceived,
          r.unit,
          r.receivedDate,
        ]),
        [
          ['GR-0412-88710', '1', 'AW-1001', '24', 'EA', '2026-11-24'],
          ['GR-0412-88710', '2', 'AW-1002', '12', 'EA', '2026-11-24'],
          ['GR-0412-88710', '3', 'AW-2001', '24', 'EA', '2026-11-24'],
        ],
      );
      assert.deepEqual(await erp.receipts!('PO88120459'), []);
    });
  });

  describe('on a folder the ERP writes to', () => {
    let dir: string;
    let erp: ErpAdapter | undefined;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'dockside-erp-'));
    });
    afterEach(async () => {
      await erp?.close();
      erp = undefined;
      rmSync(dir, { recursive: true, force: true });
    });
    const open = (overrides: object = {}) => {
      const options = { ...demoExportOptions(dir), receipts: undefined, ...overrides };
      delete options.receipts;
      return (erp = openErpAdapter(options));
    };
    const write = (name: string, text: string) => writeFileSync(join(dir, name), text);

    it('sees a new export at the next lookup', async () => {
      write('po_headers.csv', HEADER + 'PO-1,acme-widget,2026-11-01,USD,,,,,,,,,,,,,\n');
      write('po_lines.csv', LINES + 'PO-1,1,,AW-1,,,,10,EA,2.50\n');
      const a = open();
      assert.equal((await a.purchaseOrder('PO-1'))!.lines[0]!.unitPrice, '2.5');
      assert.equal(await a.purchaseOrder('PO-2'), undefined);
      write('po_lines.csv', LINES + 'PO-1,1,,AW-1,,,,10,EA,2.75\nPO-2,1,,AW-2,,,,1,EA,1\n');
      write(
        'po_headers.csv',
        HEADER +
          'PO-1,acme-widget,2026-11-01,USD,,,,,,,,,,,,,\nPO-2,acme-widget,2026-11-02,USD,,,,,,,,,,,,,\n',
      );
      assert.equal((await a.purchaseOrder('PO-1'))!.lines[0]!.unitPrice, '2.75');
      assert.equal((await a.purchaseOrder('PO-2'))!.poDate, '2026-11-02');
    });

    it('sees a file replaced by one of the same size and an older mtime (an export moved into place)', async () => {
      write('po_headers.csv', HEADER + 'PO-1,acme-widget,2026-11-01,USD,,,,,,,,,,,,,\n');
      write('po_lines.csv', LINES + 'PO-1,1,,AW-1,,,,10,EA,2.50\n');
      const a = open();
      assert.equal((await a.purchaseOrder('PO-1'))!.lines[0]!.unitPrice, '2.5');
      write('next.csv', LINES + 'PO-1,1,,AW-1,,,,10,EA,2.60\n');
      utimesSync(join(dir, 'next.csv'), new Date('2020-01-01'), new Date('2020-01-01'));
      copyFileSync(join(dir, 'next.csv'), join(dir, 'po_lines.csv'));
      utimesSync(join(dir, 'po_lines.csv'), new Date('2020-01-01'), new Date('2020-01-01'));
      assert.equal((await a.purchaseOrder('PO-1'))!.lines[0]!.unitPrice, '2.6');
    });

    it('rejects a price that is not a number, naming the PO, the line, the field, the column and the row', async () => {
      write(
        'po_headers.csv',
        HEADER +
          'PO-1,acme-widget,2026-11-01,USD,,,,,,,,,,,,,\nPO-2,acme-widget,2026-11-01,USD,,,,,,,,,,,,,\n',
      );
      write(
        'po_lines.csv',
        LINES + 'PO-1,1,,AW-1,,,,10,EA,2.50\nPO-1,2,,AW-2,,,,10,EA,2,50\nPO-2,1,,AW-1,,,,3,EA,1\n',
      );
      const a = open();
      await rejects(
        a.purchaseOrder('PO-1'),
        false,
        /^PO PO-1: po_lines\.csv line 3 has 11 values; the header row names 10$/,
      );
      write(
        'po_lines.csv',
        LINES + 'PO-1,1,,AW-1,,,,10,EA,2.50\nPO-1,2,,AW-2,,,,10,EA,two\nPO-2,1,,AW-1,,,,3,EA,1\n',
      );
      await rejects(
        a.purchaseOrder('PO-1'),
        false,
        /^PO PO-1, line 2 \(po_lines\.csv line 3\), field unitPrice \("unit_price"\): "two" is not a number$/,
      );
      assert.equal(
        (await a.purchaseOrder('PO-2'))!.lines[0]!.quantityOrdered,
        '3',
        'other POs stay readable',
      );
    });

    it('rejects a required field left empty and a date that is not one', async () => {
      write(
        'po_headers.csv',
        HEADER +
          'PO-1,acme-widget,01/11/2026,USD,,,,,,,,,,,,,\nPO-2,acme-widget,2026-11-01,USD,,,,,,,,,,,,,\n',
      );
      write('po_lines.csv', LINES + 'PO-2,7,,AW-1,,,,,EA,2.50\n');
      const a = open();
      await rejects(
        a.purchaseOrder('PO-1'),
        false,
        /field poDate \("po_date"\): "01\/11\/2026" is not a date in the form YYYY-MM-DD$/,
      );
      await rejects(
        a.purchaseOrder('PO-2'),
        false,
        /^PO PO-2, line 7 \(po_lines\.csv line 2\), field quantity \("quantity"\) is empty$/,
      );
    });

    it('reads dates and numbers in the formats configured', async () => {
      write(
        'po_headers.csv',
        HEADER.replaceAll(',', ';') + 'PO-1;acme-widget;01.11.2026;SEK;;;;;;;;;;2,5;;;\n',
      );
      write('po_lines.csv', LINES.replaceAll(',', ';') + 'PO-1;1;;AW-1;;;;1.200;ST;1.234,50\n');
      const a = open({
        delimiter: ';',
        decimalSeparator: ',',
        thousandsSeparator: '.',
        dateFormats: ['DD.MM.YYYY'],
      });
      const po = await a.purchaseOrder('PO-1');
      assert.equal(po!.poDate, '2026-11-01');
      assert.equal(po!.terms[0]!.discountPercent, '2.5');
      assert.equal(po!.lines[0]!.quantityOrdered, '1200');
      assert.equal(po!.lines[0]!.unitPrice, '1234.5');
      assert.equal(po!.lines[0]!.lineAmount, '1481400');
    });

    it('rejects every lookup while a mapped column is missing, and names the columns there are', async () => {
      write('po_headers.csv', HEADER + 'PO-1,acme-widget,2026-11-01,USD,,,,,,,,,,,,,\n');
      write('po_lines.csv', 'po_number,line_number,quantity,unit\nPO-1,1,10,EA\n');
      const a = open();
      await rejects(
        a.purchaseOrder('PO-1'),
        false,
        /po_lines\.csv has no column "buyer_part_number" \(field buyerPartNumber\).*; its columns are "po_number", "line_number", "quantity", "unit"$/,
      );
      await rejects(a.purchaseOrder('PO-9'), false, /po_lines\.csv has no column/);
    });

    it('rejects lines whose PO has no header row, and a PO with two', async () => {
      write(
        'po_headers.csv',
        HEADER +
          'PO-1,acme-widget,2026-11-01,USD,,,,,,,,,,,,,\nPO-1,acme-widget,2026-11-02,USD,,,,,,,,,,,,,\n',
      );
      write('po_lines.csv', LINES + 'PO-3,1,,AW-1,,,,10,EA,2.50\n');
      const a = open();
      await rejects(
        a.purchaseOrder('PO-3'),
        false,
        /^PO PO-3: po_lines\.csv has lines for it \(po_lines\.csv line 2\) but po_headers\.csv has no header row$/,
      );
      await rejects(
        a.purchaseOrder('PO-1'),
        false,
        /^PO PO-1: po_headers\.csv has 2 header rows for it \(po_headers\.csv line 2, po_headers\.csv line 3\)$/,
      );
    });

    it('blames a row with broken quoting on its PO, and a row without a PO number on every lookup', async () => {
      write(
        'po_headers.csv',
        HEADER +
          'PO-1,acme-widget,2026-11-01,USD,,,,,,,,,,,,,\nPO-2,acme-widget,2026-11-01,USD,,,,,,,,,,,,,\n',
      );
      write('po_lines.csv', LINES + 'PO-1,1,,AW-1,,,"bad"x,10,EA,2.50\nPO-2,1,,AW-1,,,,1,EA,1\n');
      const a = open();
      await rejects(a.purchaseOrder('PO-1'), false, /^PO PO-1: po_lines\.csv line 2, column 7: /);
      assert.ok(await a.purchaseOrder('PO-2'));
      write('po_lines.csv', LINES + 'PO-1,1,,AW-1,,,,10,EA,2.50\n,1,,AW-1,,,,1,EA,1\n');
      await rejects(
        a.purchaseOrder('PO-1'),
        false,
        /po_lines\.csv line 3: the PO number \("po_number"\) is empty$/,
      );
    });

    it('fails retryably while the export does not exist', async () => {
      write('po_headers.csv', HEADER);
      const a = open();
      await rejects(
        a.purchaseOrder('PO-1'),
        true,
        /po_lines\.csv does not exist \(not exported yet, or the folder is not mounted\)$/,
      );
      write('po_lines.csv', LINES);
      assert.equal(await a.purchaseOrder('PO-1'), undefined);
    });

    it('reads a Windows-1252 export as such, and honours a UTF-8 byte order mark over the setting', async () => {
      writeFileSync(
        join(dir, 'po_headers.csv'),
        Buffer.from(HEADER + 'PO-1,nordic-parts,2026-11-01,SEK,,Göteborg DC,,,,,,,,,,,\n', 'latin1'),
      );
      writeFileSync(
        join(dir, 'po_lines.csv'),
        Buffer.concat([
          Buffer.from([0xef, 0xbb, 0xbf]),
          Buffer.from(LINES + 'PO-1,1,,NP-1,,,Gångjärn,1,ST,1\n'),
        ]),
      );
      const a = open({ encoding: 'windows-1252' });
      const po = await a.purchaseOrder('PO-1');
      assert.equal(po!.parties[0]!.name, 'Göteborg DC');
      assert.equal(po!.lines[0]!.description, 'Gångjärn');
    });
  });
});

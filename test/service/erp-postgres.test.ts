// The postgres ERP adapter against a real server: a database of its own standing in for the ERP's, with the
// kinds of columns ERPs have (numeric prices, date columns, text codes, views), dropped afterwards.
import assert from 'node:assert/strict';
import pg from 'pg';
import { documentSchemaErrors } from '../../src/documents/schemas.ts';
import { GatewayError } from '../../src/errors.ts';
import { openErpAdapter, type ErpAdapter, type PostgresErpOptions } from '../../src/erp/index.ts';
import { PG_URL } from '../helpers/store.ts';

const DATABASE = `dockside_erp_test_${process.pid}`;

const ERP_SCHEMA = `
  create table ekko (ebeln text primary key, lifnr text, bedat date, waers char(3), zterm_days int, werks_name text);
  create table ekpo (ebeln text references ekko, ebelp int, matnr text, idnlf text, menge numeric(13,3),
                     meins text, netpr numeric(11,4), price_text text, primary key (ebeln, ebelp));
  create table mseg (mblnr text, ebeln text, ebelp int, menge numeric(13,3), budat date);
  insert into ekko values
    ('4500123456', 'acme-widget', '2026-11-16', 'USD', 30, 'HARBORMART DC 0412'),
    ('4500123999', 'acme-widget', '2026-11-17', 'USD', 30, 'HARBORMART DC 0412'),
    ('4500124000', 'acme-widget', '2026-11-18', 'USD', 30, 'HARBORMART DC 0412');
  insert into ekpo values
    ('4500123456', 10, 'HM-778812', 'AW-1001', 24.000, 'EA', 4.2500, null),
    ('4500123456', 20, 'HM-778820', 'AW-1002', 12.000, 'EA', 7.8000, null),
    ('4500123999', 10, 'HM-778812', 'AW-1001', 5.000, 'EA', null, 'n/a'),
    ('4500124000', 10, 'HM-778812', 'AW-1001', 5.000, 'EA', 0.0125, null);
  insert into mseg values ('5000000001', '4500123456', 10, 24.000, '2026-11-24'),
                          ('5000000001', '4500123456', 20, 10.000, '2026-11-24');
  create view dockside_po_lines as select ebeln, ebelp, matnr, idnlf, menge, meins, netpr from ekpo;
`;

function options(url: string, overrides: Partial<PostgresErpOptions> = {}): PostgresErpOptions {
  process.env.DOCKSIDE_TEST_ERP_URL = url;
  return {
    kind: 'postgres',
    url: 'env:DOCKSIDE_TEST_ERP_URL',
    headerQuery: 'select ebeln, lifnr, bedat, waers, zterm_days, werks_name from ekko where ebeln = $1',
    linesQuery: 'select * from dockside_po_lines where ebeln = $1 order by ebelp',
    receiptsQuery: 'select mblnr, ebelp, menge, budat from mseg where ebeln = $1 order by mblnr, ebelp',
    fields: {
      header: {
        poNumber: 'ebeln',
        partnerId: 'lifnr',
        poDate: 'bedat',
        currency: 'waers',
        termsNetDays: 'zterm_days',
        shipToName: 'werks_name',
      },
      line: {
        lineNumber: 'ebelp',
        buyerPartNumber: 'matnr',
        vendorPartNumber: 'idnlf',
        quantity: 'menge',
        unit: 'meins',
        unitPrice: 'netpr',
      },
      receipt: { receiptNumber: 'mblnr', lineNumber: 'ebelp', quantity: 'menge', receivedDate: 'budat' },
    },
    ...overrides,
  };
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function rejects(
  promise: Promise<unknown>,
  retryable: boolean,
  message: RegExp,
  code?: string,
): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof GatewayError, String(e));
    assert.equal(e.retryable, retryable, e.message);
    assert.match(e.message, message);
    if (code) assert.equal(e.code, code);
    return true;
  });
}

describe('erp/postgres', function () {
  let url: string;
  let erp: ErpAdapter | undefined;

  before(async function () {
    if (!PG_URL) this.skip();
    await admin(`drop database if exists ${DATABASE} with (force)`);
    await admin(`create database ${DATABASE}`);
    const u = new URL(PG_URL);
    u.pathname = `/${DATABASE}`;
    url = u.toString();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(ERP_SCHEMA);
    await client.end();
  });
  after(async () => {
    delete process.env.DOCKSIDE_TEST_ERP_URL;
    if (PG_URL) await admin(`drop database if exists ${DATABASE} with (force)`);
  });
  afterEach(async () => {
    await erp?.close();
    erp = undefined;
  });
  const open = (overrides: Partial<PostgresErpOptions> = {}) =>
    (erp = openErpAdapter(options(url, overrides)));

  it('reads a purchase order from the ERP tables and a view, numeric and date columns exactly', async () => {
    const po = await open().purchaseOrder('4500123456');
    assert.ok(po);
    assert.deepEqual(documentSchemaErrors(po), []);
    assert.equal(po.partnerId, 'acme-widget');
    assert.equal(po.poDate, '2026-11-16');
    assert.equal(po.currency, 'USD');
    assert.equal(po.terms[0]!.netDays, 30);
    assert.equal(po.parties[0]!.name, 'HARBORMART DC 0412');
    assert.deepEqual(
      po.lines.map((l) => [
        l.lineNumber,
        l.buyerPartNumber,
        l.vendorPartNumber,
        l.quantityOrdered,
        l.unit,
        l.unitPrice,
        l.lineAmount,
      ]),
      [
        ['10', 'HM-778812', 'AW-1001', '24', 'EA', '4.25', '102'],
        ['20', 'HM-778820', 'AW-1002', '12', 'EA', '7.8', '93.6'],
      ],
    );
  });

  it('keeps sub-cent prices exact', async () => {
    const po = await open().purchaseOrder('4500124000');
    assert.equal(po!.lines[0]!.unitPrice, '0.0125');
    assert.equal(po!.lines[0]!.lineAmount, '0.0625');
  });

  it('answers undefined for a PO the ERP does not have', async () => {
    assert.equal(await open().purchaseOrder('4599999999'), undefined);
  });

  it('reads the goods receipts booked against a PO', async () => {
    assert.deepEqual(
      (await open().receipts!('4500123456')).map((r) => [
        r.receiptNumber,
        r.lineNumber,
        r.quantityReceived,
        r.receivedDate,
      ]),
      [
        ['5000000001', '10', '24', '2026-11-24'],
        ['5000000001', '20', '10', '2026-11-24'],
      ],
    );
  });

  it('rejects a price that is not a number, naming the PO, the line and the column', async () => {
    const a = open({
      linesQuery: 'select ebelp, matnr, idnlf, menge, meins, price_text as netpr from ekpo where ebeln = $1',
    });
    await rejects(
      a.purchaseOrder('4500123999'),
      false,
      /^PO 4500123999, line 10 \(row 1 of the lines query\), field unitPrice \("netpr"\): "n\/a" is not a number$/,
      'erp-data-invalid',
    );
  });

  it('rejects a query that does not return a mapped column, naming the columns it does return', async () => {
    await rejects(
      open({
        linesQuery: 'select ebelp, matnr, menge, meins, netpr from ekpo where ebeln = $1',
      }).purchaseOrder('4500123456'),
      false,
      /^the lines query returns no column "idnlf" \(field vendorPartNumber\); it returns "ebelp", "matnr", "menge", "meins", "netpr"$/,
      'config-invalid',
    );
  });

  it('rejects a query the ERP database cannot run, not retryably', async () => {
    await rejects(
      open({ headerQuery: 'select * from no_such_table where x = $1' }).purchaseOrder('4500123456'),
      false,
      /cannot run the header query: relation "no_such_table" does not exist \(42P01\)$/,
      'config-invalid',
    );
  });

  it('rejects a header query that returns several rows for one PO', async () => {
    await rejects(
      open({
        headerQuery: "select ebeln, lifnr, bedat, waers, zterm_days, werks_name from ekko where $1 <> ''",
      }).purchaseOrder('4500123456'),
      false,
      /^PO 4500123456: the header query returns 3 rows; it must return one$/,
    );
  });

  it('fails retryably when a statement runs past the timeout', async () => {
    await rejects(
      open({
        statementTimeoutMs: 200,
        headerQuery:
          'select ebeln, lifnr, bedat, waers, zterm_days, werks_name from ekko, pg_sleep(2) where ebeln = $1',
      }).purchaseOrder('4500123456'),
      true,
      /the header query failed: canceling statement due to statement timeout \(57014\)$/,
      'erp-unavailable',
    );
  });

  it('fails retryably when the ERP database cannot be reached', async () => {
    const down = new URL(url);
    down.port = '1';
    await rejects(
      (erp = openErpAdapter(options(down.toString()))).purchaseOrder('4500123456'),
      true,
      /^ERP database cannot be reached: ECONNREFUSED/,
    );
  });
});

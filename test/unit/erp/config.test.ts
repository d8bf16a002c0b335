import assert from 'node:assert/strict';
import { GatewayError } from '../../../src/errors.ts';
import { openErpAdapter, validateErpOptions } from '../../../src/erp/index.ts';
import { demoExportOptions } from './demo-export.ts';

const postgres = {
  kind: 'postgres',
  url: 'env:ERP_DATABASE_URL',
  partnerId: 'acme-widget',
  headerQuery: 'select * from po_header where po_no = $1',
  linesQuery: 'select * from po_line where po_no = $1 order by line_no',
  fields: { header: { poDate: 'po_date' }, line: { quantity: 'qty', unit: 'uom' } },
};

function problems(value: unknown): string[] {
  try {
    validateErpOptions(value);
  } catch (e) {
    assert.ok(e instanceof GatewayError);
    assert.equal(e.code, 'config-invalid');
    assert.equal(e.retryable, false);
    return e.message.split('\n');
  }
  assert.fail('accepted');
}

describe('erp/config', () => {
  it('accepts each kind as docs/erp.md shows it', () => {
    assert.equal(validateErpOptions(postgres).kind, 'postgres');
    assert.equal(validateErpOptions(demoExportOptions()).kind, 'csv-export');
    assert.equal(
      validateErpOptions({
        kind: 'http',
        url: 'https://erp.example/api/po/{po}',
        partnerId: 'tchome',
        secretHeaders: { Authorization: { secret: 'env:ERP_TOKEN', prefix: 'Bearer ' } },
        linesPath: 'lines',
        fields: postgres.fields,
      }).kind,
      'http',
    );
  });

  it('rejects an unknown kind, naming the ones there are', () => {
    assert.deepEqual(problems({ ...postgres, kind: 'sap' }), [
      'erp.kind: must be one of "postgres", "csv-export", "http"',
    ]);
  });

  it('rejects a connection URL written in the file instead of a secret reference', () => {
    assert.deepEqual(problems({ ...postgres, url: 'postgres://erp:hunter2@db/erp' }), [
      'erp.url: must be a secret reference (env:NAME or file:/absolute/path), not the URL itself',
    ]);
  });

  it('rejects a query without $1, an unknown field and a missing required field, all at once', () => {
    assert.deepEqual(
      problems({
        ...postgres,
        linesQuery: 'select * from po_line',
        fields: { header: { poDate: 'po_date', price: 'x' }, line: { quantity: 'qty' } },
      }),
      [
        'erp.fields.header: unknown property "price"',
        'erp.fields.line: missing "unit"',
        'erp.linesQuery: must use $1 for the PO number',
      ],
    );
  });

  it('rejects an http URL without {po} and a secret header that is a value', () => {
    assert.deepEqual(
      problems({
        kind: 'http',
        url: 'https://erp.example/api/po',
        partnerId: 'tchome',
        secretHeaders: { Authorization: { secret: 'Bearer abc' } },
        linesPath: 'lines',
        fields: postgres.fields,
      }),
      [
        'erp.url: must be an http(s) URL with {po} where the PO number goes',
        'erp.secretHeaders.Authorization.secret: must be a secret reference (env:NAME or file:/absolute/path)',
      ],
    );
  });

  it('rejects an http URL that carries a password, since messages show the URL', () => {
    assert.deepEqual(
      problems({
        kind: 'http',
        url: 'https://erp:hunter2@erp.example/api/po/{po}',
        partnerId: 'tchome',
        linesPath: 'lines',
        fields: postgres.fields,
      }),
      ['erp.url: must not hold credentials (user:password@); put them in secretHeaders'],
    );
  });

  it('rejects a configuration that says nowhere whose purchase orders they are', () => {
    const { partnerId: _, ...rest } = postgres;
    assert.deepEqual(problems(rest), [
      'erp: set partnerId, or map fields.header.partnerId to where the ERP keeps it',
    ]);
  });

  it('rejects a CSV export without the PO number column it is indexed by, and receipts without their fields', () => {
    const options = demoExportOptions();
    const { poNumber: _, ...line } = options.fields.line;
    assert.deepEqual(problems({ ...options, fields: { ...options.fields, line } }), [
      'erp.fields.line: missing "poNumber" (the export is indexed by it)',
    ]);
    assert.deepEqual(problems({ ...options, fields: { ...options.fields, receipt: undefined } }), [
      'erp.fields: missing "receipt" (receipts are configured)',
    ]);
  });

  it('rejects a date format that is not one when the adapter opens', () => {
    assert.throws(
      () => openErpAdapter({ ...demoExportOptions(), dateFormats: ['DD.MM.YYYY', 'MM/DD'] }),
      /erp\.dateFormats: date format "MM\/DD" must hold exactly one year/,
    );
  });

  it('says which environment variable is missing when the postgres adapter opens', () => {
    delete process.env.DOCKSIDE_TEST_ERP_NOT_SET;
    assert.throws(
      () => openErpAdapter({ ...postgres, url: 'env:DOCKSIDE_TEST_ERP_NOT_SET' }),
      /erp\.url: env:DOCKSIDE_TEST_ERP_NOT_SET does not resolve: the environment variable DOCKSIDE_TEST_ERP_NOT_SET is not set/,
    );
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPartners, validatePartnerFiles } from '../../../src/partners/load.ts';

const DATA_DIR = '/srv/dockside/var';

const PARTNER = `id: csv-supplier
name: CSV Supplier
identities:
  - qualifier: ZZ
    id: CSVSUPPLIER
csv:
`;

const ASN = `  - name: asn
    produces: advance-ship-notice
    files: ['ASN_*.csv']
    groupBy: [Shipment]
    documentFields:
      shipmentId: Shipment
    lineFields:
      poNumber: PO
      quantityShipped: Qty
      unit: { column: UOM, default: EA }
`;

describe('partner file: csv mappings', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dockside-csv-mapping-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function errorsOf(text: string): Promise<string[]> {
    await writeFile(join(dir, 'p.yaml'), text);
    return validatePartnerFiles([join(dir, 'p.yaml')], { dataDir: DATA_DIR }).errors.map((e) =>
      e.replace(`${join(dir, 'p.yaml')}:`, ''),
    );
  }

  it('reads a mapping with its defaults and expands the shorthands', async () => {
    await writeFile(join(dir, 'p.yaml'), PARTNER + ASN);
    const p = loadPartners(dir, { dataDir: DATA_DIR }).get('csv-supplier')!;
    assert.deepEqual(p.csv, [
      {
        name: 'asn',
        produces: 'advance-ship-notice',
        files: ['ASN_*.csv'],
        delimiter: ',',
        quote: '"',
        encoding: 'utf-8',
        headerRow: true,
        skipLines: 0,
        dateFormats: ['YYYY-MM-DD'],
        decimalSeparator: '.',
        thousandsSeparator: '',
        groupBy: ['Shipment'],
        documentFields: { shipmentId: { column: 'Shipment' } },
        lineFields: {
          poNumber: { column: 'PO' },
          quantityShipped: { column: 'Qty' },
          unit: { column: 'UOM', default: 'EA' },
        },
      },
    ]);
  });

  it('gives a partner without csv no mappings', async () => {
    await writeFile(join(dir, 'p.yaml'), PARTNER.replace('csv:\n', ''));
    assert.deepEqual(loadPartners(dir, { dataDir: DATA_DIR }).get('csv-supplier')!.csv, []);
  });

  it('refuses an unknown canonical field with the list of valid ones, and one put at the wrong level', async () => {
    const text =
      PARTNER +
      ASN.replace('shipmentId: Shipment\n', 'shipmentId: Shipment\n      shipNo: X\n      poNumber: PO\n');
    const errors = await errorsOf(text);
    assert.equal(errors.length, 2, errors.join('\n'));
    assert.match(
      errors[0]!,
      /^13:7: csv\[0\]\.documentFields\.shipNo is not a document field of a ship notice; the document fields are: shipmentId, purposeCode, noticeDate, .*, shipToCountry$/,
    );
    assert.equal(
      errors[1],
      '14:7: csv[0].documentFields.poNumber is a line field of a ship notice; put it under lineFields',
    );
  });

  it('suggests the field a misspelt name is nearest to', async () => {
    const text = PARTNER + ASN.replace('quantityShipped: Qty', 'quantityShiped: Qty');
    const errors = await errorsOf(text);
    assert.match(
      errors[0]!,
      /^15:7: csv\[0\]\.lineFields\.quantityShiped is not a line field of a ship notice; did you mean quantityShipped\?; the line fields are: poNumber, /,
    );
  });

  it('refuses a mapping that leaves a required field unfilled', async () => {
    const text = PARTNER + ASN.replace('      quantityShipped: Qty\n', '');
    assert.deepEqual(await errorsOf(text), [
      '13:5: csv[0].lineFields must fill quantityShipped: a ship notice cannot do without it',
    ]);
  });

  it('refuses an invoice mapping without its required fields, naming them all', async () => {
    const text = `${PARTNER}  - name: inv\n    produces: invoice\n    files: ['*.csv']\n    groupBy: [Invoice]\n`;
    assert.deepEqual(await errorsOf(text), [
      '7:5: csv[0].documentFields must fill invoiceNumber, invoiceDate: an invoice cannot do without them',
      '7:5: csv[0].lineFields must fill quantityInvoiced, unit, unitPrice: an invoice cannot do without them',
    ]);
  });

  it('refuses column numbers with a header row and column names without one', async () => {
    const withNumber = PARTNER + ASN.replace('groupBy: [Shipment]', 'groupBy: [1]');
    assert.deepEqual(await errorsOf(withNumber), [
      '10:15: csv[0].groupBy[0] is a column number, but headerRow is true: name the column as the header row writes it (quote a name that looks like a number)',
    ]);
    const withoutHeader =
      PARTNER + ASN.replace('    groupBy:', '    headerRow: false\n    groupBy:').replace('Qty', '3');
    const errors = await errorsOf(withoutHeader);
    assert.equal(
      errors[0],
      '11:15: csv[0].groupBy[0] is a column name, but headerRow is false: give the column number, counting from 1',
    );
    const name = 'is a column name, but headerRow is false: give the column number, counting from 1';
    assert.deepEqual(errors.slice(1), [
      `13:19: csv[0].documentFields.shipmentId ${name}`,
      `15:17: csv[0].lineFields.poNumber ${name}`,
      `17:23: csv[0].lineFields.unit.column ${name}`,
    ]);
  });

  it('refuses a date format it cannot read, a constant that is no value of its field, and separators that clash', async () => {
    const text =
      PARTNER +
      ASN.replace(
        '    groupBy:',
        "    dateFormats: [DD.MM.YYYY, YYYY-WW]\n    decimalSeparator: ','\n    thousandsSeparator: ','\n    groupBy:",
      ).replace(
        'shipmentId: Shipment\n',
        'shipmentId: Shipment\n      shipDate: { value: 31.02.2024 }\n      ladingQuantity: { column: Cartons, default: many }\n',
      );
    assert.deepEqual(await errorsOf(text), [
      '12:25: csv[0].thousandsSeparator is the decimal separator too; they must differ',
      '10:31: csv[0].dateFormats[1] has W where a date format may only use YYYY, YY, MM, M, DD, D and separators',
      '16:26: csv[0].documentFields.shipDate.value is not a date in the form DD.MM.YYYY or YYYY-WW',
      '17:51: csv[0].documentFields.ladingQuantity.default is not a number written with "," before the decimals and "," between thousands',
    ]);
  });

  it('refuses a weight without its unit', async () => {
    const text =
      PARTNER + ASN.replace('shipmentId: Shipment\n', 'shipmentId: Shipment\n      grossWeight: Weight\n');
    assert.deepEqual(await errorsOf(text), ['13:7: csv[0].documentFields.grossWeight needs weightUnit too']);
  });

  it('says what a field source may be, and points at a misspelt key', async () => {
    const text =
      PARTNER +
      ASN.replace(
        'shipmentId: Shipment\n',
        'shipmentId: Shipment\n      carrierScac: true\n      proNumber: { column: PRO, defualt: x }\n',
      );
    assert.deepEqual(await errorsOf(text), [
      '13:20: csv[0].documentFields.carrierScac must be a column name, a column number from 1, { column, default } or { value }',
      '14:33: csv[0].documentFields.proNumber.defualt is not a known setting; did you mean default?',
    ]);
  });

  it('refuses two mappings with one name, an unknown document type and a delimiter of two characters', async () => {
    const text =
      PARTNER +
      ASN +
      ASN.replace('produces: advance-ship-notice', 'produces: purchase-order').replace(
        'files:',
        "delimiter: ';;'\n    files:",
      );
    assert.deepEqual(await errorsOf(text), [
      '18:15: csv[1].produces must be equal to one of the allowed values: advance-ship-notice, invoice',
      '19:16: csv[1].delimiter must NOT have more than 1 characters',
    ]);
    const twice = PARTNER + ASN + ASN;
    assert.deepEqual(await errorsOf(twice), [
      '17:11: csv[1].name asn is already the name of csv[0]; each mapping needs its own',
    ]);
  });
});

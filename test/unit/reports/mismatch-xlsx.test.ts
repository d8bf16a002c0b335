// The workbook is written by exceljs and read back here by SheetJS (xlsx) and, for what SheetJS does not
// expose (frozen pane, bold font, entry dates), straight from the zip and its XML with our own reader.
import assert from 'node:assert/strict';
import * as XLSX from 'xlsx';
import type { CellObject, WorkSheet } from 'xlsx';
import { renderMismatchXlsx } from '../../../src/reports/index.ts';
import { AMOUNT_FORMAT, DATE_FORMAT } from '../../../src/reports/mismatch-xlsx.ts';
import { EMPTY_REPORT, REPORT, ROWS } from './fixture.ts';
import { readZip, zipText } from './zip-reader.ts';

const HEADERS = [
  'ID',
  'Partner',
  'PO number',
  'Type',
  'Severity',
  'Status',
  'Expected',
  'Actual',
  'Amount at risk',
  'Currency',
  'Message',
  'Documents',
  'Detected (UTC)',
  'Updated (UTC)',
  'Decided by',
  'Decided (UTC)',
  'Comment',
];

/** Excel's serial day number (days since 1899-12-30, as UTC wall time) as a Date. */
const fromSerial = (serial: number) => new Date(Math.round((serial - 25569) * 86400000));

function cell(sheet: WorkSheet | undefined, address: string): CellObject {
  const c = sheet?.[address] as CellObject | undefined;
  assert.ok(c, `cell ${address} exists`);
  return c;
}

/** The rows of a sheet as arrays of raw values, empty cells as null. */
function rowsOf(sheet: WorkSheet | undefined): unknown[][] {
  assert.ok(sheet);
  return XLSX.utils.sheet_to_json<unknown[]>(sheet, { header: 1, raw: true, defval: null, blankrows: true });
}

describe('renderMismatchXlsx', () => {
  let buffer: Buffer;
  let book: XLSX.WorkBook;
  before(async () => {
    buffer = await renderMismatchXlsx(REPORT);
    book = XLSX.read(buffer, { type: 'buffer', cellNF: true, cellStyles: true });
  });

  it('writes the sheets Mismatches and Summary', () => {
    assert.deepEqual(book.SheetNames, ['Mismatches', 'Summary']);
  });

  it('puts the column headers in row 1 and one row per mismatch below', () => {
    const sheet = book.Sheets.Mismatches;
    assert.deepEqual(rowsOf(sheet)[0], HEADERS);
    assert.equal(sheet?.['!ref'], `A1:Q${ROWS.length + 1}`);
    assert.deepEqual(
      rowsOf(sheet)
        .slice(1)
        .map((r) => r[0]),
      ROWS.map((r) => r.id),
    );
  });

  it('writes text cells as strings, unchanged (no CSV-style prefix is needed in a typed cell)', () => {
    const sheet = book.Sheets.Mismatches;
    assert.deepEqual(
      ['B2', 'C2', 'D2', 'E2', 'F2', 'G2', 'H2', 'J2'].map((a) => cell(sheet, a).v),
      ['acme', 'HM4500123456', 'short-shipment', 'warning', 'open', '240 EA', '200 EA', 'USD'],
    );
    assert.equal(cell(sheet, 'C5').t, 's');
    assert.equal(cell(sheet, 'C5').v, '-5');
    assert.equal(cell(sheet, 'G5').v, '=1+1');
    assert.equal(cell(sheet, 'G5').f, undefined, 'a value starting with = is text, not a formula');
    assert.equal(cell(sheet, 'K4').v, 'Stated total 1025.50\ncomputed 1024.00');
    assert.equal(cell(sheet, 'L2').v, 'purchase-order HM4500123456 line 2; advance-ship-notice 12 line 2');
    assert.equal(cell(sheet, 'Q3').v, 'Supplier quotes the "list price", we disagree');
    assert.equal(cell(sheet, 'O3').v, 'jane.doe');
  });

  it('writes the id and the amount at risk as numbers, the amount with a two-decimal format', () => {
    const sheet = book.Sheets.Mismatches;
    assert.equal(cell(sheet, 'A2').t, 'n');
    assert.equal(cell(sheet, 'A2').v, 1);
    const amounts = ROWS.map((_, i) => cell(sheet, `I${i + 2}`));
    for (const a of amounts) {
      assert.equal(a.t, 'n');
      assert.equal(a.z, AMOUNT_FORMAT);
    }
    assert.deepEqual(
      amounts.map((a) => a.v),
      [170, 36, 1.5, 0, 1234567.891],
    );
    assert.deepEqual(
      amounts.map((a) => a.w),
      ['170.00', '36.00', '1.50', '0.00', '1,234,567.89'],
    );
  });

  it('writes the times as date cells with a date format, in UTC', () => {
    const sheet = book.Sheets.Mismatches;
    const detected = cell(sheet, 'M3');
    assert.equal(detected.t, 'n');
    assert.equal(detected.z, DATE_FORMAT);
    assert.equal(detected.w, '2026-12-01 10:15:42');
    assert.equal(fromSerial(detected.v as number).toISOString(), '2026-12-01T10:15:42.000Z');
    assert.equal(fromSerial(cell(sheet, 'N4').v as number).toISOString(), '2026-12-04T07:01:02.000Z');
    assert.equal(cell(sheet, 'P3').w, '2026-12-02 08:00:00');
    assert.equal(sheet?.P2?.v, undefined, 'an undecided mismatch has no decision time');
  });

  it('freezes the header row', () => {
    const xml = zipText(readZip(buffer), 'xl/worksheets/sheet1.xml');
    const pane = /<pane\b[^>]*\/>/.exec(xml)?.[0] ?? '';
    assert.match(pane, /state="frozen"/);
    assert.match(pane, /ySplit="1"/);
    assert.match(pane, /topLeftCell="A2"/);
    assert.doesNotMatch(pane, /xSplit/);
  });

  it('puts an autofilter over the whole table', () => {
    const ref = `A1:Q${ROWS.length + 1}`;
    assert.deepEqual(book.Sheets.Mismatches?.['!autofilter'], { ref });
    const xml = zipText(readZip(buffer), 'xl/worksheets/sheet1.xml');
    assert.match(xml, new RegExp(`<autoFilter ref="${ref}"/>`));
  });

  /** The cell format (`<xf>` element) and font (`<font>` element) of a cell of the Mismatches sheet. */
  function styleOf(address: string): { xf: string; font: string } {
    const entries = readZip(buffer);
    const sheet = zipText(entries, 'xl/worksheets/sheet1.xml');
    const styles = zipText(entries, 'xl/styles.xml');
    const section = (name: string) =>
      new RegExp(`<${name}[^>]*>([\\s\\S]*?)</${name}>`).exec(styles)?.[1] ?? '';
    const fonts = [...section('fonts').matchAll(/<font\/>|<font>[\s\S]*?<\/font>/g)].map((m) => m[0]);
    const xfs = [...section('cellXfs').matchAll(/<xf\b[^>]*\/>|<xf\b[^>]*>[\s\S]*?<\/xf>/g)].map((m) => m[0]);
    const index = Number(new RegExp(`<c r="${address}"(?: s="(\\d+)")?`).exec(sheet)?.[1] ?? 0);
    const xf = xfs[index] ?? '';
    return { xf, font: fonts[Number(/fontId="(\d+)"/.exec(xf)?.[1] ?? 0)] ?? '' };
  }

  it('makes the header row bold', () => {
    for (const column of ['A', 'I', 'M', 'Q'])
      assert.match(styleOf(`${column}1`).font, /<b\/>/, `${column}1`);
    assert.doesNotMatch(styleOf('A2').font, /<b\/>/);
  });

  it('wraps the message, documents and comment within their columns', () => {
    for (const address of ['K4', 'L2', 'Q3']) assert.match(styleOf(address).xf, /wrapText="1"/, address);
    assert.doesNotMatch(styleOf('C2').xf, /wrapText/);
  });

  it('gives every column a width between 10 and 60, wider for longer content', () => {
    const cols = book.Sheets.Mismatches?.['!cols'] ?? [];
    const widths = HEADERS.map((_, i) => cols[i]?.width);
    for (const [i, w] of widths.entries()) {
      assert.ok(w !== undefined && w >= 10 && w <= 60, `column ${HEADERS[i]} width ${w}`);
    }
    const width = (header: string) => widths[HEADERS.indexOf(header)] ?? 0;
    assert.ok(width('Documents') > width('Partner'));
    assert.ok(width('Message') > width('Currency'));
    assert.ok(width('Detected (UTC)') >= 19, 'a whole date and time fits');
  });

  it('sums the amount at risk exactly by partner and by type, per currency, on the Summary sheet', () => {
    const rows = rowsOf(book.Sheets.Summary);
    const block = (title: string) => {
      const start = rows.findIndex((r) => r[0] === title);
      assert.ok(start >= 0, `${title} block`);
      const end = rows.findIndex((r, i) => i > start && r.every((v) => v === null));
      return rows.slice(start + 2, end < 0 ? rows.length : end).map((r) => r.slice(0, 4));
    };
    assert.deepEqual(rows[rows.findIndex((r) => r[0] === 'By partner') + 1]?.slice(0, 4), [
      'Partner',
      'Currency',
      'Count',
      'Amount at risk',
    ]);
    assert.deepEqual(block('By partner'), [
      ['acme', 'USD', 3, 1234773.891],
      ['globex', null, 1, 0],
      ['globex', 'EUR', 1, 1.5],
    ]);
    assert.deepEqual(block('By type'), [
      ['short-shipment', 'USD', 1, 170],
      ['duplicate-asn', null, 1, 0],
      ['unit-price-variance', 'USD', 2, 1234603.891],
      ['invoice-total', 'EUR', 1, 1.5],
    ]);
    assert.deepEqual(block('Total'), [
      ['All mismatches', null, 1, 0],
      ['All mismatches', 'EUR', 1, 1.5],
      ['All mismatches', 'USD', 3, 1234773.891],
    ]);
  });

  it('writes the Summary totals as numeric cells with the amount format', () => {
    const sheet = book.Sheets.Summary;
    const rows = rowsOf(sheet);
    const first = rows.findIndex((r) => r[0] === 'acme') + 1;
    const total = cell(sheet, `D${first}`);
    assert.equal(total.t, 'n');
    assert.equal(total.z, AMOUNT_FORMAT);
    assert.equal(total.w, '1,234,773.89');
    assert.equal(cell(sheet, `C${first}`).t, 'n');
  });

  it('prints the filter and the generation time on the Summary sheet', () => {
    const sheet = book.Sheets.Summary;
    const rows = rowsOf(sheet);
    const valueOf = (label: string) => rows.find((r) => r[0] === label)?.[1];
    assert.equal(cell(sheet, 'A1').v, 'Mismatch report');
    assert.equal(fromSerial(valueOf('Generated (UTC)') as number).toISOString(), '2026-12-06T10:00:00.000Z');
    assert.equal(cell(sheet, 'B2').z, DATE_FORMAT);
    assert.equal(fromSerial(valueOf('From (UTC)') as number).toISOString(), '2026-12-01T00:00:00.000Z');
    assert.equal(valueOf('To'), 'any time');
    assert.equal(valueOf('Partner'), 'all partners');
    assert.equal(valueOf('Status'), 'open, disputed, accepted, resolved');
    assert.equal(valueOf('Mismatches'), ROWS.length);
  });

  it('is byte-for-byte the same for the same report, its dates taken from the generation time', async () => {
    const again = await renderMismatchXlsx(REPORT);
    assert.ok(again.equals(buffer));
    const entries = readZip(buffer);
    for (const entry of entries.values()) {
      assert.equal(entry.modified.toISOString(), '2026-12-06T10:00:00.000Z', entry.name);
    }
    const core = zipText(entries, 'docProps/core.xml');
    assert.match(core, /<dcterms:created[^>]*>2026-12-06T10:00:00Z</);
    assert.match(core, /<dcterms:modified[^>]*>2026-12-06T10:00:00Z</);
  });

  it('writes a valid workbook with only the header for an empty report', async () => {
    const empty = XLSX.read(await renderMismatchXlsx(EMPTY_REPORT), { type: 'buffer' });
    const rows = rowsOf(empty.Sheets.Mismatches);
    assert.deepEqual(rows, [HEADERS]);
    const summary = rowsOf(empty.Sheets.Summary);
    assert.deepEqual(summary.find((r) => r[0] === 'Partner')?.slice(0, 2), ['Partner', 'initech']);
    assert.deepEqual(summary.find((r) => r[0] === 'Mismatches')?.slice(0, 2), ['Mismatches', 0]);
    assert.deepEqual(summary.find((r) => r[0] === 'Status')?.slice(0, 2), ['Status', 'open']);
  });
});

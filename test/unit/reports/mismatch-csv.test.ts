import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderMismatchCsv } from '../../../src/reports/index.ts';
import type { MismatchReportRow } from '../../../src/reports/index.ts';
import { EMPTY_REPORT, REPORT, ROWS } from './fixture.ts';

const GOLDEN = new URL('../../golden/reports/mismatches.csv', import.meta.url);
const base = ROWS[0] as MismatchReportRow;

/** The CSV of a one-row report, split into its header and record fields (a field must not contain a comma). */
function oneRow(changes: Partial<MismatchReportRow>): Record<string, string> {
  const csv = renderMismatchCsv({ ...REPORT, rows: [{ ...base, ...changes }] });
  const [header = '', record = ''] = csv.split('\r\n');
  const names = header.split(',');
  const values = record.split(',');
  assert.equal(values.length, names.length, `record has as many fields as the header: ${record}`);
  return Object.fromEntries(names.map((n, i) => [n, values[i] ?? '']));
}

describe('renderMismatchCsv', () => {
  it('renders the fixed report exactly as the golden file', () => {
    assert.equal(renderMismatchCsv(REPORT), readFileSync(GOLDEN, 'utf8'));
  });

  it('ends every record, the last included, with CRLF and has one record per mismatch', () => {
    const csv = renderMismatchCsv({ ...REPORT, rows: ROWS.slice(0, 2) });
    assert.ok(csv.endsWith('\r\n'));
    assert.equal(csv.split('\r\n').length, 4);
    assert.equal(csv.replaceAll('\r\n', '').includes('\n'), false);
  });

  it('writes only the header for an empty report', () => {
    assert.equal(
      renderMismatchCsv(EMPTY_REPORT),
      'id,partner,po_number,type,severity,status,expected,actual,amount_at_risk,currency,message,documents,' +
        'detected_at,updated_at,decided_by,decided_at,comment\r\n',
    );
  });

  it('quotes a field with a comma, a quote or a line break and doubles its quotes', () => {
    const csv = renderMismatchCsv({
      ...REPORT,
      rows: [{ ...base, expected: 'a,b', actual: 'say "hi"', message: 'two\r\nlines', comment: 'cr\ronly' }],
    });
    const record = csv.split('\r\n').slice(1).join('\r\n');
    assert.ok(record.includes(',"a,b","say ""hi""",'));
    assert.ok(record.includes(',"two\r\nlines",'));
    assert.ok(record.endsWith(',"cr\ronly"\r\n'));
  });

  it('leaves plain fields unquoted', () => {
    assert.equal(oneRow({}).po_number, 'HM4500123456');
  });

  for (const start of ['=', '+', '-', '@', '\t', '\r']) {
    it(`prefixes a text cell that starts with ${JSON.stringify(start)} with an apostrophe`, () => {
      const csv = renderMismatchCsv({ ...REPORT, rows: [{ ...base, poNumber: `${start}HYPERLINK(1)` }] });
      const record = csv.split('\r\n')[1] ?? '';
      const expected = start === '\r' ? `"'\rHYPERLINK(1)"` : `'${start}HYPERLINK(1)`;
      assert.ok(record.startsWith(`1,acme,${expected},`), record);
    });
  }

  it('neutralises formulas in every text column, the documents and the comment included', () => {
    const row = oneRow({
      partnerId: '=cmd',
      expected: '+1',
      actual: '-2',
      message: '@x',
      comment: '=y',
      decidedBy: '+z',
      documents: [{ documentType: 'invoice', documentId: '1' }],
    });
    assert.equal(row.partner, "'=cmd");
    assert.equal(row.expected, "'+1");
    assert.equal(row.actual, "'-2");
    assert.equal(row.message, "'@x");
    assert.equal(row.comment, "'=y");
    assert.equal(row.decided_by, "'+z");
  });

  it('writes the amount as a plain decimal with at least two places, never prefixed or rounded', () => {
    assert.equal(oneRow({ amountAtRisk: '170' }).amount_at_risk, '170.00');
    assert.equal(oneRow({ amountAtRisk: '0.125' }).amount_at_risk, '0.125');
    assert.equal(oneRow({ amountAtRisk: '1234567.5' }).amount_at_risk, '1234567.50');
    assert.equal(oneRow({ amountAtRisk: '007.10' }).amount_at_risk, '7.10');
  });

  it('refuses an amount that is not a non-negative decimal', () => {
    for (const amountAtRisk of ['-1', '1e3', '=1', '', '1,5']) {
      assert.throws(
        () => renderMismatchCsv({ ...REPORT, rows: [{ ...base, amountAtRisk }] }),
        /amount at risk is not a non-negative decimal/,
        amountAtRisk,
      );
    }
  });

  it('writes times as ISO 8601 UTC and leaves absent ones empty', () => {
    const row = oneRow({ detectedAt: new Date('2026-01-02T03:04:05.678Z') });
    assert.equal(row.detected_at, '2026-01-02T03:04:05.678Z');
    assert.equal(row.decided_at, '');
    assert.equal(row.decided_by, '');
  });

  it('lists the documents readably, the one the mismatch is about first', () => {
    const row = oneRow({
      documents: [
        { documentType: 'advance-ship-notice', documentId: '12', lineNumber: '2' },
        { documentType: 'purchase-order', documentId: 'HM45', lineNumber: '2' },
        { documentType: 'invoice', documentId: '7', item: 'GTIN:00012345678905', ordinal: 3 },
      ],
    });
    assert.equal(
      row.documents,
      'advance-ship-notice 12 line 2; purchase-order HM45 line 2; invoice 7 item GTIN:00012345678905 #3',
    );
  });
});

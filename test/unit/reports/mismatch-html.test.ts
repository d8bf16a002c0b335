import assert from 'node:assert/strict';
import { renderMismatchHtml } from '../../../src/reports/index.ts';
import type { MismatchReportRow } from '../../../src/reports/index.ts';
import { EMPTY_REPORT, REPORT, ROWS } from './fixture.ts';

const base = ROWS[0] as MismatchReportRow;

const between = (html: string, start: string, end: string) => {
  const from = html.indexOf(start);
  assert.ok(from >= 0, `${start} present`);
  const to = html.indexOf(end, from);
  assert.ok(to >= 0, `${end} after ${start}`);
  return html.slice(from, to + end.length);
};
const count = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].length;
const tbody = (html: string) => between(html, '<tbody>', '</tbody>');
const chart = (html: string, name: string) =>
  between(html, `<figure class="chart" data-chart="${name}">`, '</figure>');
const bars = (svg: string) =>
  [
    ...svg.matchAll(/<rect class="bar"[^>]*\bwidth="(\d+)"[^>]*data-key="([^"]*)" data-currency="([^"]*)"/g),
  ].map((m) => ({ width: Number(m[1]), key: m[2], currency: m[3] }));

describe('renderMismatchHtml', () => {
  const html = renderMismatchHtml(REPORT);

  it('is one standalone page: no script, no external stylesheet, image, font or frame', () => {
    assert.ok(html.startsWith('<!doctype html>'));
    assert.doesNotMatch(html, /<script|<link|<img|<iframe|<object|@import|url\(/i);
    assert.doesNotMatch(html, /\b(src|href)=/i);
    const urls = [...html.matchAll(/https?:\/\/[^\s"']+/g)].map((m) => m[0]);
    assert.deepEqual(
      [...new Set(urls)],
      ['http://www.w3.org/2000/svg'],
      'only the SVG namespace, never fetched',
    );
    assert.match(
      html,
      /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">/,
    );
  });

  it('escapes every value, so a PO number "<script>" is text', () => {
    assert.ok(html.includes('<td class="po">&lt;script&gt;alert(1)&lt;/script&gt;</td>'));
    assert.ok(html.includes('<td>10.50 &amp; more</td>'));
    assert.ok(html.includes('Price &quot;&lt;b&gt;&quot; differs'));
    assert.ok(html.includes('<q>Supplier quotes the &quot;list price&quot;, we disagree</q>'));
  });

  it('escapes a partner id in the table, the chart labels, titles and attributes', () => {
    const page = renderMismatchHtml({ ...REPORT, rows: [{ ...base, partnerId: `"><svg onload=x>'` }] });
    assert.doesNotMatch(page, /<svg onload/);
    assert.doesNotMatch(page, /"><svg/);
    assert.ok(page.includes('data-key="&quot;&gt;&lt;svg onload=x&gt;&#39;"'));
    assert.ok(page.includes('<td>&quot;&gt;&lt;svg onload=x&gt;&#39;</td>'));
  });

  it('prints the filter, the generation time, the count and the totals in the header', () => {
    const header = between(html, '<header>', '</header>');
    assert.ok(header.includes('<dt>Generated</dt><dd>2026-12-06T10:00:00.000Z</dd>'));
    assert.ok(header.includes('<dt>From</dt><dd>2026-12-01T00:00:00.000Z</dd>'));
    assert.ok(header.includes('<dt>To</dt><dd>any time</dd>'));
    assert.ok(header.includes('<dt>Partner</dt><dd>all partners</dd>'));
    assert.ok(header.includes('<dt>Status</dt><dd>open, disputed, accepted, resolved</dd>'));
    assert.ok(header.includes('<dt>Mismatches</dt><dd>5</dd>'));
    assert.ok(
      header.includes('<dt>Amount at risk</dt><dd>0.00 (no currency); 1.50 EUR; 1,234,773.891 USD</dd>'),
      header,
    );
  });

  it('has one table row per mismatch with its severity and status visible', () => {
    const body = tbody(html);
    assert.equal(count(body, /<tr\b/g), ROWS.length);
    for (const row of ROWS) {
      assert.ok(body.includes(`<td class="id">${row.id}</td>`));
    }
    assert.equal(count(body, /<span class="badge severity-error">error<\/span>/g), 3);
    assert.equal(count(body, /<span class="badge severity-warning">warning<\/span>/g), 2);
    for (const status of ['open', 'accepted', 'disputed', 'resolved']) {
      assert.match(body, new RegExp(`<span class="badge status-${status}">${status}</span>`));
    }
  });

  it('shows amounts with at least two decimals, grouped, never rounded', () => {
    const body = tbody(html);
    assert.ok(body.includes('<td class="amount">170.00 USD</td>'));
    assert.ok(body.includes('<td class="amount">1,234,567.891 USD</td>'));
    assert.ok(body.includes('<td class="amount">0.00</td>'));
  });

  it('totals the amount at risk per currency in the table footer', () => {
    const foot = between(html, '<tfoot>', '</tfoot>');
    assert.equal(count(foot, /<tr>/g), 3);
    assert.ok(foot.includes('Total, USD (3)</th><td class="amount">1,234,773.891 USD</td>'));
    assert.ok(foot.includes('Total, EUR (1)</th><td class="amount">1.50 EUR</td>'));
    assert.ok(foot.includes('Total, no currency (1)</th><td class="amount">0.00</td>'));
  });

  it('draws one bar per partner and one per type, in one currency', () => {
    const usd = { ...REPORT, rows: ROWS.filter((r) => r.currency === 'USD') };
    const page = renderMismatchHtml(usd);
    assert.deepEqual(
      bars(chart(page, 'partner')).map((b) => b.key),
      ['acme'],
    );
    const more = renderMismatchHtml({
      ...REPORT,
      rows: [
        { ...base, id: 1, partnerId: 'acme', type: 'short-shipment', amountAtRisk: '100' },
        { ...base, id: 2, partnerId: 'globex', type: 'short-shipment', amountAtRisk: '50' },
        { ...base, id: 3, partnerId: 'initech', type: 'terms-mismatch', amountAtRisk: '25' },
        { ...base, id: 4, partnerId: 'acme', type: 'unknown-po', amountAtRisk: '0' },
      ],
    });
    assert.deepEqual(
      bars(chart(more, 'partner')).map((b) => [b.key, b.width]),
      [
        ['acme', 240],
        ['globex', 120],
        ['initech', 60],
      ],
    );
    assert.deepEqual(
      bars(chart(more, 'type')).map((b) => [b.key, b.width]),
      [
        ['unknown-po', 2],
        ['short-shipment', 240],
        ['terms-mismatch', 40],
      ],
      'types in the order of MISMATCH_TYPES; a zero amount still has a visible sliver',
    );
    assert.ok(chart(more, 'partner').includes('>100.00 USD (2)</text>'), 'acme: 100 + 0, two mismatches');
  });

  it('keeps currencies apart in the chart, each bar scaled within its own currency', () => {
    const partner = bars(chart(html, 'partner'));
    assert.deepEqual(
      partner.map((b) => [b.key, b.currency, b.width]),
      [
        ['acme', 'USD', 240],
        ['globex', '', 2],
        ['globex', 'EUR', 240],
      ],
    );
    assert.ok(chart(html, 'partner').includes('>globex (EUR)</text>'));
    assert.equal(bars(chart(html, 'type')).length, 4);
  });

  it('explains an empty report instead of drawing an empty table or chart', () => {
    const page = renderMismatchHtml(EMPTY_REPORT);
    assert.ok(tbody(page).includes('No mismatches match this filter.'));
    assert.doesNotMatch(page, /<svg|<tfoot/);
    assert.ok(page.includes('<dt>Partner</dt><dd>initech</dd>'));
    assert.ok(page.includes('<dt>Amount at risk</dt><dd>0.00</dd>'));
  });

  it('has print styles', () => {
    assert.match(html, /@media print \{/);
    assert.match(html, /thead \{ display: table-header-group; \}/);
  });
});

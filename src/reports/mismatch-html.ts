// The mismatch report as one standalone HTML page: the filter, a bar chart of the amount at risk by partner
// and by type (inline SVG, drawn here), and the table. No script, no external resource — the page's own
// Content-Security-Policy forbids both — so it can be mailed, archived and printed as it is. Every value
// from the data goes through `escape`: PO numbers and messages come from partners' files.
import type { MismatchReport, MismatchReportRow, SummaryGroup } from './mismatch-report.ts';
import { amountOf, documentText, filterLines, plainAmount, summarize } from './mismatch-report.ts';

// Two charts side by side on a laptop screen (1366 px less the margins).
const CHART_WIDTH = 600;
const LABEL_WIDTH = 200;
const VALUE_WIDTH = 160;
const ROW_HEIGHT = 26;
const BAR_HEIGHT = 18;
const CHART_PADDING = 8;
/** How a total of rows that name no currency is labelled: its amounts are not added to any currency's. */
const NO_CURRENCY = 'no currency';
/** A zero amount still gets a sliver of a bar, so every group is visible; its label says 0.00. */
const MIN_BAR = 2;

export function renderMismatchHtml(report: MismatchReport): string {
  const summary = summarize(report.rows);
  const generated = report.generatedAt.toISOString();
  const total =
    summary.totals.length > 0
      ? summary.totals
          .map((t) =>
            t.currency ? money(t.amountAtRisk, t.currency) : `${money(t.amountAtRisk, '')} (${NO_CURRENCY})`,
          )
          .join('; ')
      : '0.00';
  const header = [
    { label: 'Generated', value: generated },
    ...filterLines(report.filter),
    { label: 'Mismatches', value: String(report.rows.length) },
    { label: 'Amount at risk', value: total },
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Dockside">
<title>Mismatch report ${escapeHtml(generated)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Mismatch report</h1>
<dl class="filter">
${header.map((h) => `<div><dt>${escapeHtml(h.label)}</dt><dd>${escapeHtml(h.value)}</dd></div>`).join('\n')}
</dl>
</header>
<section class="charts">
<h2>Amount at risk</h2>
${chart('partner', 'By partner', summary.byPartner)}
${chart('type', 'By type', summary.byType)}
</section>
<section>
<h2>Mismatches</h2>
${table(report.rows, summary.totals)}
</section>
</body>
</html>
`;
}

const COLUMNS = [
  'ID',
  'Partner',
  'PO number',
  'Type',
  'Severity, status',
  'Expected',
  'Actual',
  'Amount at risk',
  'Message',
  'Documents',
  'Detected (UTC)',
  'Decision',
];

function table(rows: readonly MismatchReportRow[], totals: ReturnType<typeof summarize>['totals']): string {
  const head = `<thead><tr>${COLUMNS.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join('')}</tr></thead>`;
  const body =
    rows.length > 0
      ? rows.map(tableRow).join('\n')
      : `<tr class="empty"><td colspan="${COLUMNS.length}">No mismatches match this filter.</td></tr>`;
  const foot = totals
    .map(
      (t) =>
        `<tr><th scope="row" colspan="7">Total, ${escapeHtml(t.currency || NO_CURRENCY)} (${t.count})</th>` +
        `<td class="amount">${escapeHtml(money(t.amountAtRisk, t.currency))}</td><td colspan="4"></td></tr>`,
    )
    .join('\n');
  return `<table class="mismatches">
${head}
<tbody>
${body}
</tbody>${foot ? `\n<tfoot>\n${foot}\n</tfoot>` : ''}
</table>`;
}

function tableRow(row: MismatchReportRow): string {
  const cells = [
    `<td class="id">${row.id}</td>`,
    `<td>${escapeHtml(row.partnerId)}</td>`,
    `<td class="po">${escapeHtml(row.poNumber)}</td>`,
    `<td class="type">${escapeHtml(row.type)}</td>`,
    `<td class="state"><span class="badge severity-${escapeHtml(row.severity)}">${escapeHtml(row.severity)}</span> ` +
      `<span class="badge status-${escapeHtml(row.status)}">${escapeHtml(row.status)}</span></td>`,
    `<td>${escapeHtml(row.expected)}</td>`,
    `<td>${escapeHtml(row.actual)}</td>`,
    `<td class="amount">${escapeHtml(money(amountOf(row), row.currency ?? ''))}</td>`,
    `<td class="message">${escapeHtml(row.message)}</td>`,
    `<td class="documents">${row.documents.map((d) => escapeHtml(documentText(d))).join('<br>')}</td>`,
    `<td>${time(row.detectedAt)}</td>`,
    `<td class="decision">${decision(row)}</td>`,
  ];
  return `<tr class="severity-${escapeHtml(row.severity)}">${cells.join('')}</tr>`;
}

function decision(row: MismatchReportRow): string {
  const parts: string[] = [];
  if (row.decidedBy !== undefined) parts.push(`by ${escapeHtml(row.decidedBy)}`);
  if (row.decidedAt !== undefined) parts.push(time(row.decidedAt));
  const who = parts.join(', ');
  const comment = row.comment !== undefined ? `<q>${escapeHtml(row.comment)}</q>` : '';
  return [who, comment].filter((p) => p !== '').join('<br>');
}

function time(date: Date): string {
  const iso = date.toISOString();
  // Date and time may go on two lines, each whole: a narrow column must not break a date at its hyphens.
  return `<time datetime="${iso}"><span>${iso.slice(0, 10)}</span> <span>${iso.slice(11, 16)}</span></time>`;
}

/**
 * A horizontal bar chart, one bar per group. Bars are scaled to the largest amount of the same currency:
 * amounts in different currencies are never compared or added.
 */
function chart(name: string, caption: string, groups: readonly SummaryGroup[]): string {
  if (groups.length === 0) {
    return `<figure class="chart" data-chart="${name}"><figcaption>${escapeHtml(caption)}</figcaption><p class="empty">No mismatches.</p></figure>`;
  }
  const currencies = new Set(groups.map((g) => g.currency));
  const largest = new Map<string, number>();
  for (const g of groups)
    largest.set(g.currency, Math.max(largest.get(g.currency) ?? 0, Number(g.amountAtRisk)));
  const barSpace = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const height = groups.length * ROW_HEIGHT + 2 * CHART_PADDING;
  const bars = groups.map((g, i) => {
    const max = largest.get(g.currency) ?? 0;
    const width =
      max > 0 ? Math.max(MIN_BAR, Math.round((Number(g.amountAtRisk) / max) * barSpace)) : MIN_BAR;
    const y = CHART_PADDING + i * ROW_HEIGHT;
    const middle = y + ROW_HEIGHT / 2;
    const value = `${money(g.amountAtRisk, g.currency)} (${g.count})`;
    return [
      `<g class="group">`,
      `<text class="label" x="${LABEL_WIDTH - 8}" y="${middle}" text-anchor="end" dominant-baseline="middle">${escapeHtml(shorten(currencies.size > 1 ? `${g.key} (${g.currency || NO_CURRENCY})` : g.key))}</text>`,
      `<rect class="bar" x="${LABEL_WIDTH}" y="${y + (ROW_HEIGHT - BAR_HEIGHT) / 2}" width="${width}" height="${BAR_HEIGHT}" data-key="${escapeHtml(g.key)}" data-currency="${escapeHtml(g.currency)}" data-amount="${escapeHtml(g.amountAtRisk)}"><title>${escapeHtml(`${g.key}: ${value}`)}</title></rect>`,
      `<text class="value" x="${LABEL_WIDTH + width + 6}" y="${middle}" dominant-baseline="middle">${escapeHtml(value)}</text>`,
      `</g>`,
    ].join('');
  });
  return `<figure class="chart" data-chart="${name}"><figcaption>${escapeHtml(caption)}</figcaption>
<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(`Amount at risk ${caption.toLowerCase()}`)}" width="${CHART_WIDTH}" height="${height}" viewBox="0 0 ${CHART_WIDTH} ${height}">
<line class="axis" x1="${LABEL_WIDTH}" y1="${CHART_PADDING / 2}" x2="${LABEL_WIDTH}" y2="${height - CHART_PADDING / 2}"/>
${bars.join('\n')}
</svg></figure>`;
}

/** SVG text does not wrap: a long partner id is cut, the bar's title keeps it whole. */
function shorten(label: string): string {
  return label.length > 34 ? `${label.slice(0, 33)}…` : label;
}

/** "1234.5" -> "1,234.50 USD": at least two decimals, never fewer than the exact value has. */
export function money(amount: string, currency: string): string {
  const [whole = '0', fraction = ''] = plainAmount(amount).split('.');
  const text = `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fraction}`;
  return currency ? `${text} ${currency}` : text;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

const STYLE = `
:root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1d2430; }
body { margin: 1.25rem 1.5rem; font-size: 14px; }
h1 { font-size: 1.5rem; margin: 0 0 .75rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
dl.filter { display: flex; flex-wrap: wrap; gap: .25rem 1.5rem; margin: 0; }
dl.filter div { display: flex; gap: .4rem; }
dl.filter dt { font-weight: 600; }
dl.filter dt::after { content: ":"; }
dl.filter dd { margin: 0; }
.charts { display: flex; flex-wrap: wrap; gap: 0 2rem; }
.charts h2 { flex-basis: 100%; }
figure.chart { margin: 0 0 1rem; }
figure.chart figcaption { font-weight: 600; margin-bottom: .25rem; }
svg text { font-size: 12px; fill: #1d2430; }
svg .axis { stroke: #8a94a6; stroke-width: 1; }
svg .bar { fill: #2f6db5; }
figure[data-chart="type"] svg .bar { fill: #c26a1b; }
table.mismatches { border-collapse: collapse; width: 100%; font-size: 13px; }
table.mismatches th, table.mismatches td { border: 1px solid #d3d8e0; padding: .3rem .4rem; text-align: left; vertical-align: top; }
table.mismatches thead th { background: #e8edf4; position: sticky; top: 0; }
table.mismatches tbody tr:nth-child(even) { background: #f6f8fb; }
table.mismatches tfoot th { text-align: right; }
table.mismatches td.amount, table.mismatches td.id { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.mismatches td.message { min-width: 11rem; white-space: pre-line; }
table.mismatches td.decision q { white-space: pre-line; }
table.mismatches td.type, table.mismatches time span { white-space: nowrap; }
table.mismatches td.po { overflow-wrap: anywhere; min-width: 7.5rem; }
table.mismatches td.documents { min-width: 8.5rem; }
table.mismatches td.decision { min-width: 7rem; }
table.mismatches td.state .badge { margin: 0 0 .2rem; }
table.mismatches tr.empty td { text-align: center; font-style: italic; }
.badge { display: inline-block; padding: 0 .4rem; border-radius: .6rem; border: 1px solid currentColor; font-size: 12px; white-space: nowrap; }
.severity-error .badge.severity-error, .badge.severity-error { color: #a11d1d; background: #fbe9e9; }
.badge.severity-warning { color: #7a5300; background: #fff4d6; }
.badge.status-open { color: #1d4f91; }
.badge.status-accepted { color: #2c6e2f; }
.badge.status-disputed { color: #a11d1d; }
.badge.status-resolved { color: #555; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { margin: 0; font-size: 10pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  table.mismatches { font-size: 8.5pt; }
  table.mismatches thead { display: table-header-group; }
  table.mismatches thead th { position: static; }
  table.mismatches tr, figure.chart { break-inside: avoid; }
  table.mismatches td.documents { white-space: normal; }
}
`;

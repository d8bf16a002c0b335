// Finance's mismatch pages. The list: a filter kept in the URL (so it can be bookmarked and shared), a page of
// mismatches with keyset paging, export links for the same filter, and the amount at risk over time by partner
// and by type. One mismatch: its facts and history, the PO -> ship notices -> invoices timeline with the lines
// side by side, and the decision form.
import { get, post, withQuery } from './api.js';
import { barChart } from './chart.js';
import {
  announce,
  badge,
  cell,
  facts,
  formatAmount,
  formatTime,
  h,
  openableRows,
  replace,
  table,
  time,
} from './dom.js';

// The statuses and types a mismatch can have, read from the API's own OpenAPI document (the list route's
// enums), so a type the reconciler gains appears in the filter without a change here. Set before a page renders.
let STATUSES = [];
let TYPES = [];
let vocabulary;

async function loadVocabulary() {
  vocabulary ??= get('/api/openapi.json').then(
    (doc) => {
      const params = doc?.paths?.['/api/mismatches']?.get?.parameters ?? [];
      const values = (name) => params.find((p) => p.name === name)?.schema?.items?.enum ?? [];
      return { statuses: values('status'), types: values('type') };
    },
    (e) => {
      vocabulary = undefined;
      throw e;
    },
  );
  ({ statuses: STATUSES, types: TYPES } = await vocabulary);
}

const DECISIONS = [
  { value: 'accept', label: 'Accept', to: 'accepted', from: ['open', 'disputed'] },
  { value: 'dispute', label: 'Dispute', to: 'disputed', from: ['open'] },
  { value: 'resolve', label: 'Resolve', to: 'resolved', from: ['open', 'disputed', 'accepted'] },
  { value: 'reopen', label: 'Reopen', to: 'open', from: ['accepted', 'disputed', 'resolved'] },
];
const PAGE_SIZE = 50;
const DAY_MS = 86_400_000;

export async function render(view, ctx) {
  await loadVocabulary();
  if (ctx.rest[0]) return renderOne(view, ctx, Number(ctx.rest[0]));
  return renderList(view, ctx);
}

/** The filter as the hash holds it: the dates as the user typed them ("to" is inclusive there). */
function filterOf(params) {
  return {
    partner: params.get('partner') ?? '',
    status: params.getAll('status').filter((v) => STATUSES.includes(v)),
    type: params.getAll('type').filter((v) => TYPES.includes(v)),
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
    min: params.get('min') ?? '',
    max: params.get('max') ?? '',
  };
}

/** The API's parameters for a filter: its `to` is exclusive, so the inclusive day becomes the next midnight. */
function apiFilter(f) {
  let to;
  if (/^\d{4}-\d{2}-\d{2}$/.test(f.to)) {
    to = new Date(Date.parse(`${f.to}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
  }
  return {
    partner: f.partner.trim(),
    status: f.status,
    type: f.type,
    from: f.from,
    to,
    minAmount: f.min.trim(),
    maxAmount: f.max.trim(),
  };
}

function filterHash(f, extra = {}) {
  return withQuery('#/mismatches', {
    partner: f.partner.trim(),
    status: f.status,
    type: f.type,
    from: f.from,
    to: f.to,
    min: f.min.trim(),
    max: f.max.trim(),
    ...extra,
  });
}

function filterForm(f, params) {
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filter mismatches', id: 'mismatch-filter' },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'f-partner' }, 'Partner'),
      h('input', {
        id: 'f-partner',
        name: 'partner',
        value: f.partner,
        placeholder: 'any',
        autocomplete: 'off',
      }),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'f-type' }, 'Type'),
      h(
        'select',
        { id: 'f-type', name: 'type' },
        h('option', { value: '' }, 'any type'),
        TYPES.map((t) => h('option', { value: t, selected: f.type.length === 1 && f.type[0] === t }, t)),
      ),
    ),
    h(
      'fieldset',
      { class: 'field statuses' },
      h('legend', {}, 'Status'),
      STATUSES.map((st) =>
        h(
          'label',
          { class: 'check' },
          h('input', { type: 'checkbox', name: 'status', value: st, checked: f.status.includes(st) }),
          ` ${st}`,
        ),
      ),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'f-from' }, 'Detected from'),
      h('input', { id: 'f-from', name: 'from', type: 'date', value: f.from }),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'f-to' }, 'Detected to (inclusive)'),
      h('input', { id: 'f-to', name: 'to', type: 'date', value: f.to }),
    ),
    h(
      'div',
      { class: 'field narrow' },
      h('label', { for: 'f-min' }, 'Min amount'),
      h('input', {
        id: 'f-min',
        name: 'min',
        value: f.min,
        inputmode: 'decimal',
        pattern: '\\d+(\\.\\d+)?',
        size: 8,
      }),
    ),
    h(
      'div',
      { class: 'field narrow' },
      h('label', { for: 'f-max' }, 'Max amount'),
      h('input', {
        id: 'f-max',
        name: 'max',
        value: f.max,
        inputmode: 'decimal',
        pattern: '\\d+(\\.\\d+)?',
        size: 8,
      }),
    ),
    h(
      'div',
      { class: 'field actions' },
      h('button', { type: 'submit' }, 'Apply filter'),
      h('a', { href: '#/mismatches', class: 'button secondary' }, 'Clear'),
    ),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const type = String(data.get('type') ?? '');
    const next = {
      partner: String(data.get('partner') ?? ''),
      status: data.getAll('status').map(String),
      type: type ? [type] : [],
      from: String(data.get('from') ?? ''),
      to: String(data.get('to') ?? ''),
      min: String(data.get('min') ?? ''),
      max: String(data.get('max') ?? ''),
    };
    const bucket = params.get('bucket');
    location.hash = filterHash(next, bucket ? { bucket } : {});
  });
  return form;
}

async function renderList(view, ctx) {
  const f = filterOf(ctx.params);
  const before = ctx.params.get('before') ?? '';
  const bucket = ctx.params.get('bucket') === 'week' ? 'week' : 'day';
  const query = apiFilter(f);
  const [list, chart] = await Promise.allSettled([
    get('/api/mismatches', { ...query, limit: PAGE_SIZE, before }),
    get('/api/mismatches/chart', { ...query, bucket }),
  ]);
  if (!ctx.isCurrent()) return;
  if (list.status === 'rejected') return ctx.fail(list.reason);
  const { items, nextBefore } = list.value;

  const exportLink = (format, label) =>
    h(
      'a',
      {
        class: 'button secondary',
        href: withQuery('/api/mismatches/export', { format, ...query }),
        download: true,
        'data-export': format,
      },
      label,
    );

  const rows = items.map((m) => [
    h('a', { href: `#/mismatches/${m.id}` }, String(m.id)),
    time(m.detectedAt),
    m.partnerId,
    m.poNumber,
    m.type,
    badge(m.severity),
    badge(m.status),
    cell(formatAmount(m.amountAtRisk, m.currency), { class: 'num' }),
    m.message,
  ]);
  const list_ = table(
    'data mismatches',
    ['ID', 'Detected', 'Partner', 'PO', 'Type', 'Severity', 'Status', 'Amount at risk', 'Message'],
    rows,
    `${items.length} mismatch${items.length === 1 ? '' : 'es'}${before ? ` older than #${before}` : ''}`,
  );
  items.forEach((m, i) => (list_.tBodies[0].rows[i].dataset.id = String(m.id)));
  openableRows(list_, (tr) => `#/mismatches/${tr.dataset.id}`);

  const paging = h(
    'nav',
    { class: 'paging', 'aria-label': 'Pages of mismatches' },
    before ? h('a', { href: filterHash(f, { bucket: ctx.params.get('bucket') }) }, 'Newest') : null,
    nextBefore !== null
      ? h('a', { href: filterHash(f, { before: nextBefore, bucket: ctx.params.get('bucket') }) }, 'Older')
      : null,
  );

  replace(
    view,
    h('h1', {}, 'Mismatches'),
    filterForm(f, ctx.params),
    h(
      'div',
      { class: 'toolbar' },
      h('span', { class: 'muted' }, 'Export this filter (all pages):'),
      exportLink('csv', 'Export CSV'),
      exportLink('xlsx', 'Export XLSX'),
    ),
    items.length === 0 ? h('p', { class: 'empty' }, 'No mismatches match this filter.') : list_,
    paging,
    h(
      'section',
      { class: 'charts', 'aria-labelledby': 'charts-title' },
      h('h2', { id: 'charts-title' }, 'Amount at risk over time'),
      chartSection(chart, f, ctx.params, bucket),
    ),
  );
  announce(`${items.length} mismatch${items.length === 1 ? '' : 'es'} shown.`);
}

function chartSection(result, f, params, bucket) {
  const switcher = h(
    'p',
    { class: 'bucket' },
    'Per ',
    bucket === 'day' ? h('strong', {}, 'day') : h('a', { href: filterHash(f, { bucket: 'day' }) }, 'day'),
    ' · ',
    bucket === 'week' ? h('strong', {}, 'week') : h('a', { href: filterHash(f, { bucket: 'week' }) }, 'week'),
  );
  if (result.status === 'rejected') {
    return [
      switcher,
      h('p', { class: 'error-text' }, `The chart could not be loaded: ${result.reason.message}`),
    ];
  }
  const series = result.value.series ?? [];
  // Amounts in different currencies are never added together, not even as stacked bars on one axis: each
  // currency gets its own pair of charts, with its own scale.
  const currencies = [...new Set(series.map((p) => p.currency ?? ''))].sort();
  const periods = fillPeriods([...new Set(series.map((p) => p.period))].sort(), bucket === 'week' ? 7 : 1);
  const categories = periods.map((p) => ({
    key: p,
    label: bucket === 'week' ? `wk ${p.slice(5)}` : p.slice(5),
  }));
  const chartBy = (inCurrency, unit, field, name, title) => {
    const keys = [...new Set(inCurrency.map((p) => p[field]))].sort();
    const sums = new Map();
    for (const p of inCurrency) {
      const k = `${p.period}\u0000${p[field]}`;
      sums.set(k, (sums.get(k) ?? 0) + Number(p.amountAtRisk));
    }
    return barChart({
      name,
      title,
      description: `Stacked bars: the amount at risk of the mismatches detected in each ${bucket}, split by ${field === 'partnerId' ? 'partner' : 'type'}${unit ? `, in ${unit}` : ''}. ${keys.length} series over ${periods.length} periods.`,
      categories,
      series: keys.map((k) => ({ key: k, label: k })),
      value: (period, key) => sums.get(`${period}\u0000${key}`) ?? 0,
      format: (n) => formatAmount(n.toFixed(2)),
      unit,
    });
  };
  return [
    switcher,
    ...currencies.map((currency) => {
      const inCurrency = series.filter((p) => (p.currency ?? '') === currency);
      const suffix = currencies.length > 1 ? ` (${currency || 'no currency'})` : '';
      return h(
        'div',
        { class: 'chart-row' },
        chartBy(
          inCurrency,
          currency,
          'partnerId',
          'partner',
          `Amount at risk per ${bucket} by partner${suffix}`,
        ),
        chartBy(inCurrency, currency, 'type', 'type', `Amount at risk per ${bucket} by type${suffix}`),
      );
    }),
  ];
}

/** The periods from the first to the last with the empty ones in between, so the x axis is time, not a list. */
function fillPeriods(periods, days) {
  if (periods.length < 2) return periods;
  const first = Date.parse(`${periods[0]}T00:00:00Z`);
  const last = Date.parse(`${periods[periods.length - 1]}T00:00:00Z`);
  const count = Math.round((last - first) / (days * DAY_MS)) + 1;
  if (!Number.isFinite(count) || count > 400) return periods;
  const all = new Set(periods);
  for (let i = 0; i < count; i++) all.add(new Date(first + i * days * DAY_MS).toISOString().slice(0, 10));
  return [...all].sort();
}

const DIFFERENCE_TEXT = {
  quantity: 'quantity differs',
  uom: 'unit of measure differs',
  'unit-price': 'unit price differs',
  'not-on-po': 'not on the PO',
  'not-shipped': 'not shipped',
  'not-invoiced': 'not invoiced',
};
/** Which column of the timeline a difference is about. */
const DIFFERENCE_COLUMNS = {
  quantity: ['shipped', 'invoiced'],
  uom: ['shipped', 'invoiced'],
  'unit-price': ['ordered', 'invoiced'],
  'not-on-po': ['ordered'],
  'not-shipped': ['shipped'],
  'not-invoiced': ['invoiced'],
};

/** What the lines were compared with, in words. */
function toleranceText(t, partnerId) {
  if (!t) return 'Compared exactly: the partner tolerances are not known here.';
  const price = [`${t.unitPriceAbsolute}`, `${t.unitPricePercent} %`].join(' or ');
  return `Compared with ${partnerId}'s tolerances: quantity ±${t.quantityPercent} % of the order, unit price ±${price}.`;
}

function itemLabel(line) {
  const ids = Object.entries(line.itemIds ?? {}).map(([q, v]) => `${q} ${v}`);
  return [
    h('strong', {}, ids.length ? ids.join(' · ') : line.key),
    line.description ? h('div', { class: 'muted' }, line.description) : null,
  ];
}

function timeline(data, mismatchId) {
  const docNumber = new Map(
    data.documents.map((d) => [d.id, `${d.type === 'invoice' ? 'invoice' : 'ASN'} ${d.number}`]),
  );
  const po = data.purchaseOrder;
  const events = h(
    'ol',
    { class: 'timeline' },
    h(
      'li',
      { class: po.found ? 'found' : 'missing' },
      h('span', { class: 'kind' }, 'Purchase order'),
      ` ${data.poNumber} `,
      po.found
        ? h(
            'span',
            { class: 'muted' },
            `from the ERP${po.orderDate ? `, ordered ${po.orderDate}` : ''}${po.currency ? `, ${po.currency}` : ''}`,
          )
        : h('span', { class: 'error-text' }, `not found in the ERP${po.error ? `: ${po.error}` : ''}`),
    ),
    data.documents.map((d) =>
      h(
        'li',
        {},
        h(
          'span',
          { class: 'kind' },
          d.type === 'invoice' ? 'Invoice' : d.type === 'advance-ship-notice' ? 'Ship notice' : d.type,
        ),
        ` ${d.number} `,
        h('span', { class: 'muted' }, 'received ', time(d.createdAt)),
      ),
    ),
  );
  const rows = data.lines.map((line) => {
    // A quantity, unit or price difference is marked on the columns that hold a value: an empty invoiced
    // cell does not differ in quantity, it is empty (which not-invoiced says, when it applies).
    const present = {
      ordered: !!line.ordered,
      shipped: line.shipped.length > 0,
      invoiced: line.invoiced.length > 0,
    };
    const columnsOf = (list) => {
      const marked = new Map();
      for (const d of list)
        for (const col of DIFFERENCE_COLUMNS[d] ?? [])
          if (present[col] || d.startsWith('not-')) marked.set(col, [...(marked.get(col) ?? []), d]);
      return marked;
    };
    const marked = columnsOf(line.differences);
    // A difference the partner's tolerances allow is shown, but not as a mismatch.
    const tolerated = columnsOf(line.withinTolerance ?? []);
    const diffCell = (col, content) => {
      const diffs = marked.get(col) ?? [];
      const within = tolerated.get(col) ?? [];
      const cls = [diffs.length ? `diff diff-${col}` : '', within.length ? `within within-${col}` : '']
        .join(' ')
        .trim();
      return h(
        'td',
        { class: cls || null },
        content,
        diffs.map((d) => h('span', { class: 'diff-mark' }, `≠ ${DIFFERENCE_TEXT[d] ?? d}`)),
        within.map((d) =>
          h('span', { class: 'within-mark' }, `≈ ${DIFFERENCE_TEXT[d] ?? d}, within tolerance`),
        ),
      );
    };
    const notes = [
      ...line.differences.map((d) => h('li', { class: 'diff-text' }, DIFFERENCE_TEXT[d] ?? d)),
      ...(line.withinTolerance ?? []).map((d) =>
        h('li', { class: 'within-text' }, `${DIFFERENCE_TEXT[d] ?? d}, within tolerance`),
      ),
    ];
    const ordered = line.ordered
      ? `${line.ordered.quantity} ${line.ordered.uom} @ ${line.ordered.unitPrice}`
      : h('span', { class: 'muted' }, '—');
    const shipped = line.shipped.length
      ? h(
          'ul',
          { class: 'plain' },
          line.shipped.map((s) =>
            h(
              'li',
              {},
              `${s.quantity} ${s.uom}`,
              h(
                'span',
                { class: 'muted' },
                ` (${docNumber.get(s.documentId) ?? `document ${s.documentId}`})`,
              ),
            ),
          ),
        )
      : h('span', { class: 'muted' }, '—');
    const invoiced = line.invoiced.length
      ? h(
          'ul',
          { class: 'plain' },
          line.invoiced.map((i) =>
            h(
              'li',
              {},
              `${i.quantity} ${i.uom} @ ${i.unitPrice}`,
              h(
                'span',
                { class: 'muted' },
                ` (${docNumber.get(i.documentId) ?? `document ${i.documentId}`})`,
              ),
            ),
          ),
        )
      : h('span', { class: 'muted' }, '—');
    const mine = (line.mismatchIds ?? []).includes(mismatchId);
    return h(
      'tr',
      {
        class:
          [line.differences.length ? 'has-diff' : '', mine ? 'this-mismatch' : ''].join(' ').trim() || null,
      },
      h('th', { scope: 'row' }, itemLabel(line), mine ? h('div', { class: 'tag' }, 'this mismatch') : null),
      diffCell('ordered', ordered),
      diffCell('shipped', shipped),
      diffCell('invoiced', invoiced),
      h('td', {}, notes.length ? h('ul', { class: 'plain' }, notes) : h('span', { class: 'muted' }, 'none')),
    );
  });
  return [
    events,
    h(
      'table',
      { class: 'data lines' },
      h(
        'caption',
        {},
        'Lines side by side: ordered (ERP), shipped (ship notices), invoiced',
        h('div', { class: 'muted tolerances' }, toleranceText(data.tolerances, data.partnerId)),
      ),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Item', 'Ordered', 'Shipped', 'Invoiced', 'Differences'].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.length ? rows : h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No lines to compare.')),
      ),
    ),
  ];
}

function historyList(history) {
  if (!history.length) return h('p', { class: 'muted' }, 'No history yet.');
  return h(
    'ol',
    { class: 'history' },
    history.map((e) =>
      h(
        'li',
        {},
        time(e.at),
        ' ',
        h('strong', {}, e.actor),
        ` ${String(e.action).replace(/^mismatch\./, '')}`,
        e.details?.from && e.details?.to ? ` (${e.details.from} → ${e.details.to})` : '',
        e.details?.comment ? h('q', { class: 'comment' }, e.details.comment) : null,
      ),
    ),
  );
}

function decisionForm(mismatch, onDone) {
  const error = h('p', { class: 'error-text', role: 'alert' });
  const first = DECISIONS.find((d) => d.from.includes(mismatch.status));
  const form = h(
    'form',
    { class: 'decision', 'aria-labelledby': 'decision-title' },
    h('h2', { id: 'decision-title' }, 'Decide'),
    h(
      'fieldset',
      {},
      h('legend', {}, `Decision (now ${mismatch.status})`),
      DECISIONS.map((d) =>
        h(
          'label',
          { class: 'check' },
          h('input', {
            type: 'radio',
            name: 'decision',
            value: d.value,
            required: true,
            checked: d === first,
            disabled: !d.from.includes(mismatch.status),
          }),
          ` ${d.label}`,
          h(
            'span',
            { class: 'muted' },
            d.from.includes(mismatch.status) ? ` → ${d.to}` : ` (only when ${d.from.join(' or ')})`,
          ),
        ),
      ),
    ),
    h('label', { for: 'decision-comment' }, 'Comment (required)'),
    h('textarea', { id: 'decision-comment', name: 'comment', required: true, maxlength: 2000, rows: 3 }),
    h('button', { type: 'submit' }, 'Record decision'),
    error,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const decision = String(data.get('decision') ?? '');
    const comment = String(data.get('comment') ?? '').trim();
    error.textContent = '';
    if (!comment) {
      error.textContent = 'Write a comment: every decision is recorded with one.';
      form.querySelector('textarea').focus();
      return;
    }
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const res = await post(`/api/mismatches/${mismatch.id}/decision`, { decision, comment });
      announce(`Mismatch ${mismatch.id} is now ${res.mismatch.status}.`, 'success');
      await onDone();
    } catch (err) {
      error.textContent = err.message;
      button.disabled = false;
    }
  });
  return form;
}

async function renderOne(view, ctx, id) {
  const [detail, tl] = await Promise.allSettled([
    get(`/api/mismatches/${id}`),
    get(`/api/mismatches/${id}/timeline`),
  ]);
  if (!ctx.isCurrent()) return;
  if (detail.status === 'rejected') return ctx.fail(detail.reason);
  const { mismatch: m, history } = detail.value;
  const refs = (m.documents ?? []).map((d) =>
    h('li', {}, `${d.documentType} ${d.documentId}${d.lineNumber ? `, line ${d.lineNumber}` : ''}`),
  );
  replace(
    view,
    h('p', { class: 'crumbs' }, h('a', { href: '#/mismatches' }, 'Mismatches'), ` / #${m.id}`),
    h('h1', {}, `Mismatch #${m.id}: ${m.type}`),
    h(
      'div',
      { class: 'columns' },
      h(
        'section',
        { 'aria-labelledby': 'facts-title' },
        h('h2', { id: 'facts-title' }, 'Facts'),
        facts([
          ['Status', h('span', { id: 'mismatch-status' }, badge(m.status))],
          ['Severity', badge(m.severity)],
          ['Partner', m.partnerId],
          ['PO', m.poNumber],
          ['Expected', m.expected],
          ['Actual', m.actual],
          ['Amount at risk', formatAmount(m.amountAtRisk, m.currency)],
          ['Message', m.message],
          ['Detected', time(m.detectedAt)],
          ['Last seen', time(m.lastSeenAt)],
          ['Decided', m.decidedBy ? `${m.decidedBy}, ${formatTime(m.decidedAt)}` : null],
          ['Comment', m.comment],
          ['Documents', refs.length ? h('ul', { class: 'plain' }, refs) : null],
        ]),
      ),
      h(
        'section',
        { 'aria-labelledby': 'history-title' },
        h('h2', { id: 'history-title' }, 'History'),
        historyList(history),
        decisionForm(m, () => renderOne(view, ctx, id)),
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'timeline-title', class: 'timeline-section' },
      h('h2', { id: 'timeline-title' }, 'Timeline: PO → ship notices → invoices'),
      tl.status === 'fulfilled'
        ? timeline(tl.value, m.id)
        : h('p', { class: 'error-text' }, `The timeline could not be loaded: ${tl.reason.message}`),
    ),
  );
}

// Operations: files per hour over the last day, the dead letters with a retry for each, acknowledgment
// deliveries that failed, and replaying a receipt. Retry and replay change what the gateway does, so each asks
// for confirmation first; the API records who did it.
import { get, post } from './api.js';
import { barChart } from './chart.js';
import { announce, cell, h, replace, table, time } from './dom.js';

/** The ranges offered for the throughput chart, in hours; the first is the default. */
const RANGES = [
  [24, '24 hours'],
  [72, '3 days'],
  [168, '7 days'],
];

function throughputChart(data) {
  // Over more than a day the hour alone repeats: the day goes with it.
  const label = (start) =>
    data.hours > 24 ? `${start.slice(5, 10)} ${start.slice(11, 13)}h` : `${start.slice(11, 13)}h`;
  const categories = data.buckets.map((b) => ({ key: b.start, label: label(b.start) }));
  const byStart = new Map(data.buckets.map((b) => [b.start, b]));
  const series = [
    { key: 'received', label: 'received', className: 'series-received' },
    { key: 'processed', label: 'processed', className: 'series-processed' },
    { key: 'rejected', label: 'rejected', className: 'series-rejected' },
  ];
  const total = (k) => data.buckets.reduce((n, b) => n + (b[k] ?? 0), 0);
  return barChart({
    name: 'throughput',
    title: `Files per hour, last ${data.hours} hours (UTC)`,
    description: `Bars per hour for files received, processed and rejected. In all: ${total('received')} received, ${total('processed')} processed, ${total('rejected')} rejected.`,
    categories,
    series,
    mode: 'grouped',
    width: 1200,
    value: (start, key) => byStart.get(start)?.[key] ?? 0,
    format: (n) => String(n),
    unit: 'files',
  });
}

function latency(l) {
  const ms = (v) =>
    v === null || v === undefined ? '—' : v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;
  return h(
    'p',
    { class: 'muted' },
    `Received to finished: median ${ms(l?.p50Ms)}, 95th percentile ${ms(l?.p95Ms)}.`,
  );
}

function deadLetters(items, reload) {
  if (!items.length) return h('p', { class: 'empty' }, 'No open dead letters.');
  return table(
    'data dead-letters',
    ['ID', 'Created', 'Queue', 'Partner', 'Receipt', 'Error', 'Attempts', ''],
    items.map((d) => [
      String(d.id),
      time(d.createdAt),
      d.queue,
      d.partnerId ?? '',
      d.receiptId ?? '',
      [d.errorCode ? h('code', {}, d.errorCode) : null, d.errorCode ? ' ' : '', d.reason],
      cell(String(d.attempts), { class: 'num' }),
      d.status === 'open'
        ? h(
            'button',
            {
              type: 'button',
              'data-retry': d.id,
              onclick: async (e) => {
                if (
                  !window.confirm(
                    `Retry dead letter ${d.id} (${d.queue}, job ${d.jobId})? It goes back on its queue.`,
                  )
                )
                  return;
                e.target.disabled = true;
                try {
                  const res = await post(`/api/dead-letters/${d.id}/retry`);
                  announce(
                    `Dead letter ${d.id} is back on ${res.requeued.queue} as job ${res.requeued.jobId}.`,
                    'success',
                  );
                  await reload();
                } catch (err) {
                  announce(`Retry of dead letter ${d.id} failed: ${err.message}`, 'error');
                  e.target.disabled = false;
                }
              },
            },
            `Retry ${d.id}`,
          )
        : `retried by ${d.retriedBy ?? '?'}`,
    ]),
    `${items.length} open dead letter${items.length === 1 ? '' : 's'}`,
  );
}

function failedDeliveries(items) {
  if (!items.length) return h('p', { class: 'empty' }, 'No failed deliveries.');
  return table(
    'data deliveries',
    [
      'ID',
      'Created',
      'Partner',
      'What',
      'Control number',
      'For receipt',
      'Channel',
      'Attempts',
      'Last error',
    ],
    items.map((d) => [
      String(d.id),
      time(d.createdAt),
      d.partnerId,
      d.kinds,
      d.controlNumber,
      String(d.receiptId),
      d.channelKind ?? '',
      cell(String(d.attempts), { class: 'num' }),
      cell(d.lastError ?? '', { class: 'error-text' }),
    ]),
    `${items.length} failed deliver${items.length === 1 ? 'y' : 'ies'}`,
  );
}

function replayForm() {
  const out = h('p', { class: 'replay-result', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'filters', 'aria-labelledby': 'replay-title' },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'replay-id' }, 'Receipt id'),
      h('input', {
        id: 'replay-id',
        name: 'id',
        inputmode: 'numeric',
        pattern: '[0-9]+',
        required: true,
        size: 10,
      }),
    ),
    h('div', { class: 'field actions' }, h('button', { type: 'submit' }, 'Replay')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const id = form.querySelector('#replay-id').value.trim();
    if (!window.confirm(`Replay receipt ${id}? Its file is processed again as a new receipt.`)) return;
    try {
      const res = await post(`/api/receipts/${encodeURIComponent(id)}/replay`);
      replace(out, `Receipt ${id} replayed as receipt ${res.receipt.id} (${res.receipt.status}).`);
      announce(`Receipt ${id} replayed as receipt ${res.receipt.id}.`, 'success');
    } catch (err) {
      replace(out, h('span', { class: 'error-text' }, `Replay of receipt ${id} failed: ${err.message}`));
    }
  });
  return h(
    'section',
    { 'aria-labelledby': 'replay-title' },
    h('h2', { id: 'replay-title' }, 'Replay a receipt'),
    form,
    out,
  );
}

function rangeLinks(hours) {
  return h(
    'p',
    { class: 'bucket' },
    'Last ',
    RANGES.map(([n, label], i) => [
      i ? ' · ' : '',
      n === hours ? h('strong', {}, label) : h('a', { href: `#/operations?hours=${n}` }, label),
    ]),
  );
}

export async function render(view, ctx) {
  const asked = Number(ctx.params.get('hours'));
  const hours = RANGES.some(([n]) => n === asked) ? asked : RANGES[0][0];
  const [throughput, dead, deliveries] = await Promise.allSettled([
    get('/api/throughput', { hours }),
    get('/api/dead-letters', { status: 'open' }),
    get('/api/deliveries', { status: 'failed' }),
  ]);
  if (!ctx.isCurrent()) return;
  // Any refusal means the role may not use the page: show that alone rather than the parts that answered.
  const refused = [throughput, dead, deliveries].find(
    (r) => r.status === 'rejected' && r.reason.code === 'forbidden',
  );
  if (refused) return ctx.fail(refused.reason);
  const part = (r, draw) =>
    r.status === 'fulfilled'
      ? draw(r.value)
      : h('p', { class: 'error-text' }, `Could not load: ${r.reason.message}`);
  const deadSection = h(
    'section',
    { 'aria-labelledby': 'dead-title' },
    h('h2', { id: 'dead-title' }, 'Dead letters'),
  );
  const reloadDead = async () => {
    const fresh = await get('/api/dead-letters', { status: 'open' });
    replace(deadSection, h('h2', { id: 'dead-title' }, 'Dead letters'), deadLetters(fresh.items, reloadDead));
  };
  replace(
    deadSection,
    h('h2', { id: 'dead-title' }, 'Dead letters'),
    part(dead, (v) => deadLetters(v.items, reloadDead)),
  );
  replace(
    view,
    h('h1', {}, 'Operations'),
    h(
      'section',
      { 'aria-labelledby': 'tp-title' },
      h('h2', { id: 'tp-title' }, 'Throughput'),
      rangeLinks(hours),
      part(throughput, (v) => [throughputChart(v), latency(v.latency)]),
    ),
    deadSection,
    h(
      'section',
      { 'aria-labelledby': 'fd-title' },
      h('h2', { id: 'fd-title' }, 'Failed deliveries'),
      part(deliveries, (v) => failedDeliveries(v.items)),
    ),
    replayForm(),
  );
}

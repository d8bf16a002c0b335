// Where a file or a business document is: search an ISA/GS/ST control number, a PO, shipment, bill of lading or
// invoice number, and see each receipt it was found in with its five steps (received, validated,
// acknowledged, mapped, reconciled), each with its time, state and issues.
import { get, withQuery } from './api.js';
import { announce, badge, facts, h, replace, time } from './dom.js';

const KINDS = [
  ['any', 'Any key'],
  ['isa', 'Interchange control number (ISA13)'],
  ['gs', 'Group control number (GS06)'],
  ['st', 'Transaction set control number (ST02)'],
  ['po', 'PO number'],
  ['shipment', 'Shipment id'],
  ['bol', 'Bill of lading'],
  ['invoice', 'Invoice number'],
];

function searchForm(q, kind) {
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Trace a key' },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 't-kind' }, 'Look for'),
      h(
        'select',
        { id: 't-kind', name: 'kind' },
        KINDS.map(([v, label]) => h('option', { value: v, selected: v === kind }, label)),
      ),
    ),
    h(
      'div',
      { class: 'field wide' },
      h('label', { for: 't-q' }, 'Value'),
      h('input', {
        id: 't-q',
        name: 'q',
        type: 'search',
        value: q,
        required: true,
        autocomplete: 'off',
        placeholder: 'e.g. PO-100 or 000000123',
      }),
    ),
    h('div', { class: 'field actions' }, h('button', { type: 'submit' }, 'Trace')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(form);
    location.hash = withQuery('#/trace', {
      q: String(data.get('q') ?? '').trim(),
      kind: String(data.get('kind') ?? 'any'),
    });
  });
  return form;
}

const STEP_LABEL = {
  received: 'Received',
  validated: 'Validated',
  acknowledged: 'Acknowledged',
  mapped: 'Mapped',
  reconciled: 'Reconciled',
};

function issueText(i) {
  const where = [
    i.line ? `line ${i.line}` : '',
    i.segment ? `segment ${i.segment}` : '',
    i.element ? `element ${i.element}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `${i.code}: ${i.message}${where ? ` (${where})` : ''}`;
}

function result(r) {
  return h(
    'article',
    { class: 'trace-result', 'aria-labelledby': `r-${r.receiptId}` },
    h('h2', { id: `r-${r.receiptId}` }, `Receipt ${r.receiptId}${r.fileName ? `: ${r.fileName}` : ''}`),
    facts([
      ['Partner', r.partnerId ?? 'unknown'],
      ['Channel', r.channel],
      ['Received', time(r.receivedAt)],
      ['Matched on', (r.matchedOn ?? []).map((m) => `${m.kind} ${m.value}`).join(', ')],
    ]),
    h(
      'ol',
      { class: 'steps' },
      r.steps.map((st) =>
        h(
          'li',
          { class: `step step-${st.state}` },
          h('span', { class: 'step-name' }, STEP_LABEL[st.step] ?? st.step),
          badge(st.state),
          h('span', { class: 'step-time' }, time(st.at)),
          h('span', { class: 'step-summary' }, st.summary),
          st.issues?.length
            ? h(
                'ul',
                { class: 'issues' },
                st.issues.map((i) => h('li', {}, issueText(i))),
              )
            : null,
        ),
      ),
    ),
    r.documents?.length
      ? h(
          'p',
          {},
          'Documents: ',
          r.documents.map((d, i) => [i ? ', ' : '', `${d.type} ${d.number ?? d.id}`]),
        )
      : null,
    r.mismatches?.length
      ? h(
          'p',
          {},
          'Mismatches: ',
          r.mismatches.map((m, i) => [
            i ? ', ' : '',
            h('a', { href: `#/mismatches/${m.id}` }, `#${m.id} ${m.type} (${m.status})`),
          ]),
        )
      : null,
  );
}

export async function render(view, ctx) {
  const q = ctx.params.get('q') ?? '';
  const kind = KINDS.some(([k]) => k === ctx.params.get('kind')) ? ctx.params.get('kind') : 'any';
  const heading = h('h1', {}, 'Trace');
  if (!q) {
    replace(
      view,
      heading,
      searchForm(q, kind),
      h(
        'p',
        { class: 'muted' },
        'Give a control number or a business key to see where that file or document is.',
      ),
    );
    return;
  }
  const res = await get('/api/trace', { q, kind });
  if (!ctx.isCurrent()) return;
  replace(
    view,
    heading,
    searchForm(q, kind),
    res.results.length === 0
      ? h('p', { class: 'empty' }, `Nothing found for ${q}.`)
      : h(
          'div',
          { class: 'results' },
          h(
            'p',
            { class: 'muted' },
            `${res.results.length} receipt${res.results.length === 1 ? '' : 's'} found, newest first.`,
          ),
          res.results.map(result),
        ),
  );
  announce(`${res.results.length} result${res.results.length === 1 ? '' : 's'} for ${q}.`);
}

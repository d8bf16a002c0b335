// Building the page from data without ever parsing data as HTML: every element is made with createElement and
// every piece of text goes in as a text node, so a partner name or a PO number holding markup stays text.

/**
 * An element: `h('a', { href: '#/x', class: 'y', onclick: fn }, 'text', child)`. Attributes whose value is
 * null, undefined or false are left out; true gives an empty attribute; `on*` functions become listeners.
 * Children may be strings, numbers, nodes, arrays of them, or null/undefined/false (skipped).
 */
export function h(tag, attributes = {}, ...children) {
  const el = document.createElement(tag);
  setAttributes(el, attributes);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element, with the same conventions as h(). */
export function s(tag, attributes = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttributes(el, attributes);
  append(el, children);
  return el;
}

function setAttributes(el, attributes) {
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces everything inside `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** "2026-11-26 12:00 UTC" from an ISO time; the gateway and its logs speak UTC, so the console does too. */
export function formatTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A <time> element showing formatTime(iso), with the exact instant in its datetime attribute. */
export function time(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  return h('time', { datetime: iso }, formatTime(iso));
}

/** A decimal string with a thousands separator, as text: the amounts are never turned into floats to show them. */
export function formatAmount(decimal, currency) {
  if (decimal === null || decimal === undefined || decimal === '') return '';
  const text = String(decimal);
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(text);
  const grouped = m ? `${m[1]}${m[2].replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${m[3] ?? ''}` : text;
  return currency ? `${grouped} ${currency}` : grouped;
}

/** A state as a labelled badge: the word is always there, the colour only repeats it. */
export function badge(state, kind = state) {
  return h('span', { class: `badge badge-${String(kind).replace(/[^a-z0-9-]/gi, '')}` }, String(state));
}

/** Announces the result of an action to screen readers (and shows it) in the page's live region. */
export function announce(message, kind = 'info') {
  const region = document.getElementById('status');
  if (!region) return;
  region.className = `status status-${kind}`;
  region.textContent = message;
}

/** A table cell with attributes, for table(): `cell(content, { class: 'num' })`. */
export function cell(content, attributes = {}) {
  return { cellContent: content, cellAttributes: attributes };
}

/** A table with a header row; `rows` are arrays of cells: strings, nodes, arrays of them, or cell(). */
export function table(className, headings, rows, caption) {
  return h(
    'table',
    { class: className },
    caption ? h('caption', {}, caption) : null,
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headings.map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((row) =>
        h(
          'tr',
          {},
          row.map((c) =>
            c !== null && typeof c === 'object' && 'cellContent' in c
              ? h('td', c.cellAttributes, c.cellContent)
              : h('td', {}, c),
          ),
        ),
      ),
    ),
  );
}

/** A definition list from [term, value] pairs; pairs whose value is null or undefined are left out. */
export function facts(pairs) {
  return h(
    'dl',
    { class: 'facts' },
    pairs
      .filter(([, v]) => v !== null && v !== undefined && v !== '')
      .map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]),
  );
}

/**
 * Makes each body row of a table open `hrefOf(row)` with Enter and a click, as its link does: a keyboard user
 * can move through the rows with Tab and open one without hunting for the link in it.
 */
export function openableRows(tableEl, hrefOf) {
  for (const tr of tableEl.tBodies[0]?.rows ?? []) {
    const href = hrefOf(tr);
    if (!href) continue;
    tr.tabIndex = 0;
    tr.classList.add('openable');
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && e.target === tr) {
        e.preventDefault();
        location.hash = href;
      }
    });
    tr.addEventListener('click', (e) => {
      if (e.target.closest('a, button, input, select, textarea')) return;
      location.hash = href;
    });
  }
  return tableEl;
}

/** Text as a numbered listing, one row per line; `marks` maps a line number to the messages about it. */
export function numberedText(text, marks = new Map(), idPrefix = 'line') {
  const lines = String(text).split(/\r\n|\r|\n/);
  return h(
    'table',
    { class: 'source' },
    h(
      'thead',
      { class: 'visually-hidden' },
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Line'),
        h('th', { scope: 'col' }, 'Text'),
        h('th', { scope: 'col' }, 'Problems'),
      ),
    ),
    h(
      'tbody',
      {},
      lines.map((line, i) => {
        const n = i + 1;
        const messages = marks.get(n) ?? [];
        return h(
          'tr',
          {
            id: `${idPrefix}-${n}`,
            class: messages.length ? 'error' : null,
            tabindex: messages.length ? '-1' : null,
          },
          h('th', { scope: 'row', class: 'n' }, String(n)),
          h('td', {}, h('code', {}, line === '' ? ' ' : line)),
          h(
            'td',
            { class: 'problems' },
            messages.length ? messages.map((m) => h('span', { class: 'problem' }, `error: ${m}`)) : '',
          ),
        );
      }),
    ),
  );
}

/** Moves to one line of a numberedText listing: scrolls to it, marks it current and gives it the focus. */
export function showLine(container, idPrefix, line) {
  const row = container.querySelector(`#${idPrefix}-${Number(line)}`);
  if (!row) return false;
  for (const r of container.querySelectorAll('tr.current')) r.classList.remove('current');
  row.classList.add('current');
  if (!row.hasAttribute('tabindex')) row.tabIndex = -1;
  row.scrollIntoView({ block: 'center' });
  row.focus({ preventScroll: true });
  return true;
}

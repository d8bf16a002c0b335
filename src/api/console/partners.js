// Partners: the list with each one's status, channels, last file, last error and acknowledgment counts; the
// partner files the gateway could not load; one partner with its file shown with line numbers and a
// connectivity test; and a form that validates a partner file before it is put in the partners folder, with
// every error linked to its line.
import { get, post } from './api.js';
import {
  announce,
  badge,
  facts,
  h,
  numberedText,
  openableRows,
  replace,
  showLine,
  table,
  time,
} from './dom.js';

/** Onboarding changes partners; operations may only read them. */
const mayEdit = (role) => role === 'onboarding' || role === 'admin';

export async function render(view, ctx) {
  if (ctx.rest[0] === 'validate') return renderValidate(view, ctx);
  if (ctx.rest[0]) return renderOne(view, ctx, ctx.rest[0]);
  return renderList(view, ctx);
}

function channels(list) {
  if (!list?.length) return h('span', { class: 'muted' }, 'none');
  return h(
    'ul',
    { class: 'plain' },
    list.map((c) =>
      h(
        'li',
        {},
        `${c.direction === 'inbound' ? 'in' : 'out'}: ${c.kind}`,
        c.summary ? h('span', { class: 'muted' }, ` ${c.summary}`) : null,
      ),
    ),
  );
}

function lastFile(f) {
  if (!f) return h('span', { class: 'muted' }, 'none yet');
  return [
    h('div', {}, f.fileName ?? `receipt ${f.receiptId}`),
    time(f.receivedAt),
    ' ',
    badge(f.outcome ?? f.status),
  ];
}

function lastError(e) {
  if (!e) return h('span', { class: 'muted' }, 'none');
  return [
    h('div', { class: 'error-text' }, e.message),
    time(e.at),
    h('span', { class: 'muted' }, ` (${e.source}${e.receiptId ? `, receipt ${e.receiptId}` : ''})`),
  ];
}

function acks(a) {
  if (!a) return '';
  return h(
    'span',
    { class: 'acks' },
    `${a.sent} sent, ${a.delivered} delivered, ${a.failed} failed, ${a.pending} pending`,
    h('br'),
    h(
      'span',
      { class: 'muted' },
      `${a.accepted} accepted, ${a.partiallyAccepted} partly, ${a.rejected} rejected`,
    ),
  );
}

function problemsSection(result) {
  const body =
    result.status === 'rejected'
      ? h('p', { class: 'error-text' }, `Could not read the problems: ${result.reason.message}`)
      : result.value.items.length === 0
        ? h('p', { class: 'muted' }, 'Every file in the partners folder loads.')
        : h(
            'ul',
            { class: 'problems-list' },
            result.value.items.map((p) =>
              h(
                'li',
                {},
                h('strong', {}, p.file),
                h(
                  'ul',
                  {},
                  p.errors.map((e) => h('li', {}, errorText(e))),
                ),
              ),
            ),
          );
  return h(
    'section',
    { 'aria-labelledby': 'problems-title' },
    h('h2', { id: 'problems-title' }, 'Files in the partners folder that do not load'),
    body,
  );
}

function errorText(e) {
  const where = e.line ? `line ${e.line}${e.column ? `, column ${e.column}` : ''}` : 'file';
  return `${where}: ${e.message}${e.path ? ` (at ${e.path})` : ''}${e.code ? ` [${e.code}]` : ''}`;
}

/** Every partner, page after page: the table is the whole registry, sorted by id. */
async function allPartners(status) {
  const items = [];
  let after;
  do {
    const page = await get('/api/partners', { status, after, limit: 500 });
    items.push(...page.items);
    after = page.nextAfter ?? undefined;
  } while (after !== undefined);
  return items;
}

async function renderList(view, ctx) {
  const status = ctx.params.get('status') ?? '';
  const [list, problems] = await Promise.allSettled([allPartners(status), get('/api/partners/problems')]);
  if (!ctx.isCurrent()) return;
  if (list.status === 'rejected') return ctx.fail(list.reason);
  const items = list.value;
  const t = table(
    'data partners',
    ['Partner', 'Status', 'Channels', 'Last file', 'Last error', 'Acknowledgments (30 days)'],
    items.map((p) => [
      [
        h('a', { href: `#/partners/${encodeURIComponent(p.id)}` }, p.id),
        h('div', { class: 'muted' }, p.name),
        p.warnings?.length
          ? h(
              'ul',
              { class: 'warnings' },
              p.warnings.map((w) => h('li', {}, `warning: ${w}`)),
            )
          : null,
      ],
      badge(p.status),
      channels(p.channels),
      lastFile(p.lastFile),
      lastError(p.lastError),
      acks(p.acks),
    ]),
    `${items.length} partner${items.length === 1 ? '' : 's'}`,
  );
  items.forEach((p, i) => (t.tBodies[0].rows[i].dataset.id = p.id));
  openableRows(t, (tr) => `#/partners/${encodeURIComponent(tr.dataset.id)}`);
  replace(
    view,
    h('h1', {}, 'Partners'),
    mayEdit(ctx.me.role)
      ? h(
          'p',
          { class: 'toolbar' },
          h('a', { href: '#/partners/validate', class: 'button' }, 'Validate a partner file'),
        )
      : null,
    items.length ? t : h('p', { class: 'empty' }, 'No partners are configured.'),
    problemsSection(problems),
  );
}

function testButton(id) {
  const out = h('div', { class: 'test-result', 'aria-live': 'polite' });
  const button = h('button', { type: 'button' }, 'Test connectivity');
  button.addEventListener('click', async () => {
    button.disabled = true;
    replace(out, h('p', { class: 'muted' }, 'Testing…'));
    try {
      const res = await post(`/api/partners/${encodeURIComponent(id)}/test`);
      replace(
        out,
        h('p', {}, badge(res.ok ? 'ok' : 'failed'), res.ok ? ' every check passed' : ' some checks failed'),
        h(
          'ul',
          { class: 'checks' },
          res.checks.map((c) =>
            h(
              'li',
              {},
              badge(c.ok ? 'ok' : 'failed'),
              ` ${c.name}: ${c.message}${c.ms !== undefined ? ` (${c.ms} ms)` : ''}`,
            ),
          ),
        ),
      );
      announce(`Connectivity test of ${id}: ${res.ok ? 'ok' : 'failed'}.`, res.ok ? 'success' : 'error');
    } catch (e) {
      replace(out, h('p', { class: 'error-text', role: 'alert' }, e.message));
    } finally {
      button.disabled = false;
    }
  });
  return h(
    'section',
    { 'aria-labelledby': 'test-title' },
    h('h2', { id: 'test-title' }, 'Connectivity'),
    button,
    out,
  );
}

async function renderOne(view, ctx, id) {
  const { partner: p } = await get(`/api/partners/${encodeURIComponent(id)}`);
  if (!ctx.isCurrent()) return;
  replace(
    view,
    h('p', { class: 'crumbs' }, h('a', { href: '#/partners' }, 'Partners'), ` / ${p.id}`),
    h('h1', {}, `${p.name} (${p.id})`),
    h(
      'div',
      { class: 'columns' },
      h(
        'section',
        { 'aria-labelledby': 'p-facts' },
        h('h2', { id: 'p-facts' }, 'Status'),
        facts([
          ['Status', badge(p.status)],
          ['File', p.file],
          [
            'Identities',
            (p.identities ?? [])
              .map((i) => (typeof i === 'object' ? `${i.qualifier ?? ''}/${i.id ?? ''}` : String(i)))
              .join(', '),
          ],
          ['Channels', channels(p.channels)],
          ['Last file', lastFile(p.lastFile)],
          ['Last error', lastError(p.lastError)],
          ['Acknowledgments (30 days)', acks(p.acks)],
          [
            'Warnings',
            p.warnings?.length
              ? h(
                  'ul',
                  { class: 'plain' },
                  p.warnings.map((w) => h('li', {}, w)),
                )
              : null,
          ],
        ]),
      ),
      mayEdit(ctx.me.role) ? testButton(p.id) : null,
    ),
    h(
      'section',
      { 'aria-labelledby': 'p-yaml' },
      h('h2', { id: 'p-yaml' }, `Partner file ${p.file}`),
      h('div', { class: 'listing' }, numberedText(p.yaml ?? '', new Map(), 'yaml')),
    ),
  );
}

function renderValidate(view, ctx) {
  const result = h('div', { class: 'validation-result', id: 'validation-result' });
  const listing = h('div', { class: 'listing', id: 'validated-text' });
  const form = h(
    'form',
    { class: 'validate', 'aria-labelledby': 'validate-title' },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'v-file' }, 'Read a file'),
      h('input', { id: 'v-file', type: 'file', accept: '.yaml,.yml,text/yaml' }),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'v-name' }, 'File name (optional)'),
      h('input', { id: 'v-name', name: 'fileName', placeholder: 'acme.yaml', autocomplete: 'off' }),
    ),
    h('label', { for: 'v-yaml' }, 'Partner file (YAML)'),
    h('textarea', {
      id: 'v-yaml',
      name: 'yaml',
      rows: 16,
      required: true,
      spellcheck: 'false',
      class: 'code',
    }),
    h('button', { type: 'submit' }, 'Validate'),
  );
  form.querySelector('#v-file').addEventListener('change', async (e) => {
    const file = e.target.files?.[0];
    if (!file) return;
    form.querySelector('#v-yaml').value = await file.text();
    if (!form.querySelector('#v-name').value) form.querySelector('#v-name').value = file.name;
    announce(`Read ${file.name}.`);
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const yaml = form.querySelector('#v-yaml').value;
    const fileName = form.querySelector('#v-name').value.trim();
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const res = await post('/api/partners/validate', { yaml, ...(fileName ? { fileName } : {}) });
      showValidation(res, yaml, result, listing);
      announce(
        res.valid
          ? `The file is valid${res.partnerId ? `: partner ${res.partnerId}` : ''}.`
          : `The file has ${res.errors.length} error${res.errors.length === 1 ? '' : 's'}.`,
        res.valid ? 'success' : 'error',
      );
    } catch (err) {
      replace(result, h('p', { class: 'error-text', role: 'alert' }, err.message));
      replace(listing);
    } finally {
      button.disabled = false;
    }
  });
  replace(
    view,
    h('p', { class: 'crumbs' }, h('a', { href: '#/partners' }, 'Partners'), ' / validate'),
    h('h1', { id: 'validate-title' }, 'Validate a partner file'),
    h(
      'p',
      { class: 'muted' },
      'Checks a partner file with the same loader the gateway uses, without saving it.',
    ),
    h('div', { class: 'columns validate-columns' }, form, h('div', {}, result, listing)),
  );
  // The API decides; a role that may not validate sees that before typing a whole file.
  if (!mayEdit(ctx.me.role))
    announce(`Validating partner files is for onboarding; role ${ctx.me.role} will be refused.`, 'error');
}

function showValidation(res, yaml, result, listing) {
  const marks = new Map();
  for (const e of res.errors) if (e.line) marks.set(e.line, [...(marks.get(e.line) ?? []), e.message]);
  replace(
    result,
    h('h2', {}, res.valid ? 'Valid' : 'Not valid'),
    res.valid ? h('p', {}, badge('valid'), res.partnerId ? ` partner ${res.partnerId}` : '') : null,
    res.errors.length
      ? h(
          'ol',
          { class: 'validation-errors' },
          res.errors.map((e) =>
            h(
              'li',
              {},
              e.line
                ? h(
                    'button',
                    {
                      type: 'button',
                      class: 'link-button',
                      'data-line': e.line,
                      onclick: () => showLine(listing, 'src', e.line),
                    },
                    `Line ${e.line}${e.column ? `, column ${e.column}` : ''}`,
                  )
                : h('span', {}, 'File'),
              `: ${e.message}`,
              e.path ? h('span', { class: 'muted' }, ` (at ${e.path})`) : null,
              e.code ? h('span', { class: 'muted' }, ` [${e.code}]`) : null,
            ),
          ),
        )
      : null,
    res.warnings?.length
      ? h(
          'ul',
          { class: 'warnings' },
          res.warnings.map((w) => h('li', {}, `warning: ${w}`)),
        )
      : null,
  );
  replace(listing, numberedText(yaml, marks, 'src'));
}

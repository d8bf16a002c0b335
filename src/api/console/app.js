// The console's shell: who is logged in (GET /api/me), the navigation their role may use, the login form, and
// the hash routes (#/mismatches, #/mismatches/12, #/trace?q=..., #/partners, #/partners/acme,
// #/partners/validate, #/operations) that pick a page. The navigation is a convenience; what a role may see is
// decided by the API, whose 403 a page shows as "not allowed" instead of data.
import { api, ApiFailure, get, onUnauthorized, post } from './api.js';
import { announce, h, replace } from './dom.js';
import * as mismatches from './mismatches.js';
import * as operations from './operations.js';
import * as partners from './partners.js';
import * as trace from './trace.js';

/** The console's pages and the roles whose navigation shows them (admin sees all). */
export const PAGES = [
  { id: 'mismatches', label: 'Mismatches', roles: ['finance'], module: mismatches },
  { id: 'trace', label: 'Trace', roles: ['finance', 'operations'], module: trace },
  { id: 'partners', label: 'Partners', roles: ['onboarding', 'operations'], module: partners },
  { id: 'operations', label: 'Operations', roles: ['operations'], module: operations },
];

const mayOpen = (page, role) => role === 'admin' || page.roles.includes(role);

let me = null;
/** Bumped on every navigation, so a slow page that finishes after the user moved on does not draw over the next. */
let generation = 0;

const main = () => document.getElementById('main');

/** { page, rest: ['12'], params: URLSearchParams } from location.hash. */
export function parseHash(hash = location.hash) {
  const body = hash.replace(/^#\/?/, '');
  const q = body.indexOf('?');
  const path = q < 0 ? body : body.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : body.slice(q + 1));
  const [page = '', ...rest] = path.split('/').map((p) => decodeURIComponent(p));
  return { page, rest, params };
}

function renderNav() {
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  if (!me) {
    replace(nav);
    replace(who);
    return;
  }
  const current = parseHash().page;
  replace(
    nav,
    h(
      'ul',
      {},
      PAGES.filter((p) => mayOpen(p, me.role)).map((p) =>
        h('li', {}, h('a', { href: `#/${p.id}`, 'aria-current': p.id === current ? 'page' : null }, p.label)),
      ),
    ),
  );
  replace(
    who,
    h('span', {}, `${me.name} (${me.role})`),
    h('button', { type: 'button', class: 'link-button', onclick: logout }, 'Log out'),
  );
}

async function logout() {
  try {
    await post('/api/logout');
  } finally {
    me = null;
    renderNav();
    renderLogin('You are logged out.');
  }
}

function renderLogin(message) {
  document.title = 'Log in · Dockside console';
  const error = h('p', { class: 'error-text', role: 'alert', id: 'login-error' });
  const form = h(
    'form',
    { class: 'login', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title', tabindex: '-1' }, 'Log in to the Dockside console'),
    message ? h('p', { class: 'muted' }, message) : null,
    h('label', { for: 'login-user' }, 'User'),
    h('input', { id: 'login-user', name: 'user', autocomplete: 'username', required: true }),
    h('label', { for: 'login-password' }, 'Password'),
    h('input', {
      id: 'login-password',
      name: 'password',
      type: 'password',
      autocomplete: 'current-password',
      required: true,
    }),
    h('button', { type: 'submit' }, 'Log in'),
    error,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    error.textContent = '';
    try {
      const res = await api('POST', '/api/login', {
        user: String(data.get('user')),
        password: String(data.get('password')),
      });
      me = res.user;
      announce(`Logged in as ${me.name} (${me.role}).`);
      if (!location.hash || location.hash === '#/' || location.hash === '#/login') {
        const first = PAGES.find((p) => mayOpen(p, me.role));
        location.hash = `#/${first ? first.id : 'trace'}`;
      }
      await route();
    } catch (err) {
      error.textContent =
        err instanceof ApiFailure && err.code === 'too-many-requests'
          ? `Too many failed logins: ${err.message}`
          : err instanceof ApiFailure && err.status === 401
            ? 'Wrong user name or password.'
            : `Could not log in: ${err.message}`;
    }
  });
  replace(main(), form);
  form.querySelector('#login-user').focus();
}

/** What a page shows instead of its data when the API refused or failed. */
export function failureView(failure) {
  if (failure instanceof ApiFailure && failure.code === 'forbidden') {
    return h(
      'div',
      { class: 'notice notice-forbidden', role: 'alert' },
      h('h2', {}, 'Not allowed'),
      h('p', {}, `This page is not allowed for role ${me?.role ?? 'unknown'}.`),
      h('p', { class: 'muted' }, `The gateway said: ${failure.message}`),
    );
  }
  if (failure instanceof ApiFailure && failure.code === 'not-found') {
    return h(
      'div',
      { class: 'notice', role: 'alert' },
      h('h2', {}, 'Not found'),
      h('p', {}, failure.message),
    );
  }
  const message = failure instanceof Error ? failure.message : String(failure);
  const code = failure instanceof ApiFailure ? ` (${failure.code})` : '';
  return h(
    'div',
    { class: 'notice notice-error', role: 'alert' },
    h('h2', {}, 'Something went wrong'),
    h('p', {}, `${message}${code}`),
  );
}

async function route() {
  const mine = ++generation;
  const target = main();
  if (!me) {
    try {
      me = await get('/api/me');
    } catch (e) {
      if (!(e instanceof ApiFailure && e.status === 401)) {
        replace(target, failureView(e));
        return;
      }
    }
  }
  renderNav();
  if (!me) {
    renderLogin();
    return;
  }
  const { page: id, rest, params } = parseHash();
  const page = PAGES.find((p) => p.id === id);
  if (!page) {
    const first = PAGES.find((p) => mayOpen(p, me.role));
    location.replace(`#/${first ? first.id : 'trace'}`);
    return;
  }
  document.title = `${page.label} · Dockside console`;
  announce('');
  const hash = location.hash;
  // aria-busy tells assistive technology the page is still loading; data-rendered says which route the
  // finished view shows, so a reader (or a test) never mistakes the previous page's content for this one's.
  const view = h(
    'div',
    { class: `page page-${page.id}`, 'aria-busy': 'true' },
    h('p', { class: 'muted' }, 'Loading…'),
  );
  replace(target, view);
  const ctx = {
    me,
    rest,
    params,
    isCurrent: () => mine === generation,
    fail: (e) => {
      if (mine === generation) replace(view, failureView(e));
    },
  };
  try {
    await page.module.render(view, ctx);
  } catch (e) {
    ctx.fail(e);
  }
  if (mine !== generation) return;
  view.setAttribute('aria-busy', 'false');
  view.dataset.rendered = hash;
  // The page's heading takes the focus, so a screen reader announces the new page and Tab starts from there.
  const heading = view.querySelector('h1');
  if (heading && !view.contains(document.activeElement)) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
}

onUnauthorized(() => {
  if (!me) return;
  me = null;
  renderNav();
  renderLogin('Your session ended; log in again.');
});

// The skip link's target is an element, not a route: follow it without touching the hash.
document.getElementById('skip-link').addEventListener('click', (e) => {
  e.preventDefault();
  main().focus();
});

window.addEventListener('hashchange', () => {
  if (location.hash.startsWith('#/') || location.hash === '') void route();
});
void route();

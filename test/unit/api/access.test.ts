import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { createToken } from '../../../src/api/accounts.ts';
import { API_ROLES, revokeToken, type ApiRole } from '../../../src/store/queries/api-users.ts';
import { engines } from '../../helpers/store.ts';
import {
  apiFixture,
  bearer,
  openDeadLetter,
  registeredRoutes,
  SESSION_TTL_MS,
  START,
  type ApiFixture,
} from './fixture.ts';

interface RouteCase {
  method: 'GET' | 'POST';
  /** May prepare what the call needs (a fresh dead letter to retry). */
  url: (f: ApiFixture) => string | Promise<string>;
  pattern: string;
  body?: object;
  roles: readonly ApiRole[];
  ok: number;
}

// Every route that needs credentials, with who may use it (admin may use all) and its success status.
const ROUTES: RouteCase[] = [
  { method: 'GET', pattern: '/api/me', url: () => '/api/me', roles: API_ROLES, ok: 200 },
  { method: 'GET', pattern: '/api/mismatches', url: () => '/api/mismatches', roles: ['finance'], ok: 200 },
  {
    method: 'GET',
    pattern: '/api/mismatches/:id',
    url: (f) => `/api/mismatches/${f.mismatchId}`,
    roles: ['finance'],
    ok: 200,
  },
  {
    method: 'POST',
    pattern: '/api/mismatches/:id/decision',
    url: (f) => `/api/mismatches/${f.mismatchId}/decision`,
    // resolve is allowed from open, accepted and disputed, and reopen from resolved: alternating them keeps
    // every permitted call a success whatever ran before.
    body: { decision: 'reopen', comment: 'checking access' },
    roles: ['finance'],
    ok: 200,
  },
  { method: 'GET', pattern: '/api/receipts', url: () => '/api/receipts', roles: ['operations'], ok: 200 },
  {
    method: 'GET',
    pattern: '/api/receipts/:id',
    url: (f) => `/api/receipts/${f.receiptId}`,
    roles: ['operations'],
    ok: 200,
  },
  {
    method: 'GET',
    pattern: '/api/receipts/:id/raw',
    url: (f) => `/api/receipts/${f.receiptId}/raw`,
    roles: ['operations'],
    ok: 200,
  },
  {
    method: 'GET',
    pattern: '/api/documents',
    url: () => '/api/documents',
    roles: ['finance', 'operations'],
    ok: 200,
  },
  {
    method: 'GET',
    pattern: '/api/documents/:id',
    url: (f) => `/api/documents/${f.documentId}`,
    roles: ['finance', 'operations'],
    ok: 200,
  },
  {
    method: 'GET',
    pattern: '/api/mismatches/export',
    url: () => '/api/mismatches/export?format=csv',
    roles: ['finance'],
    ok: 200,
  },
  {
    method: 'GET',
    pattern: '/api/mismatches/chart',
    url: () => '/api/mismatches/chart?bucket=week',
    roles: ['finance'],
    ok: 200,
  },
  {
    method: 'GET',
    pattern: '/api/mismatches/:id/timeline',
    url: (f) => `/api/mismatches/${f.mismatchId}/timeline`,
    roles: ['finance'],
    ok: 200,
  },
  {
    method: 'GET',
    pattern: '/api/trace',
    url: () => '/api/trace?q=8801',
    roles: ['finance', 'operations'],
    ok: 200,
  },
  {
    method: 'GET',
    pattern: '/api/dead-letters',
    url: () => '/api/dead-letters',
    roles: ['operations'],
    ok: 200,
  },
  {
    method: 'POST',
    pattern: '/api/dead-letters/:id/retry',
    // A dead letter can be retried once: each call gets its own.
    url: async (f) => `/api/dead-letters/${await openDeadLetter(f)}/retry`,
    roles: ['operations'],
    ok: 200,
  },
  {
    method: 'POST',
    pattern: '/api/receipts/:id/replay',
    url: (f) => `/api/receipts/${f.receiptId}/replay`,
    roles: ['operations'],
    ok: 200,
  },
  { method: 'GET', pattern: '/api/deliveries', url: () => '/api/deliveries', roles: ['operations'], ok: 200 },
  { method: 'GET', pattern: '/api/throughput', url: () => '/api/throughput', roles: ['operations'], ok: 200 },
  { method: 'GET', pattern: '/metrics', url: () => '/metrics', roles: ['operations'], ok: 200 },
  {
    method: 'GET',
    pattern: '/api/partners',
    url: () => '/api/partners',
    roles: ['onboarding', 'operations'],
    ok: 200,
  },
  {
    method: 'GET',
    pattern: '/api/partners/problems',
    url: () => '/api/partners/problems',
    roles: ['onboarding', 'operations'],
    ok: 200,
  },
  {
    method: 'GET',
    pattern: '/api/partners/:id',
    url: () => '/api/partners/acme',
    roles: ['onboarding', 'operations'],
    ok: 200,
  },
  {
    method: 'POST',
    pattern: '/api/partners/validate',
    url: () => '/api/partners/validate',
    body: { yaml: 'id: newco\nname: New Co\nidentities: [{ qualifier: ZZ, id: NEWCO }]\n' },
    roles: ['onboarding'],
    ok: 200,
  },
  {
    method: 'POST',
    pattern: '/api/partners/:id/test',
    url: () => '/api/partners/acme/test',
    roles: ['onboarding'],
    ok: 200,
  },
];

const PUBLIC = [
  'GET /api/health',
  'GET /api/ready',
  'GET /api/openapi.json',
  'POST /api/login',
  'POST /api/logout',
  // The console's static files; its data comes from the routes above.
  'GET /',
  'GET /console',
  'GET /console/',
  'GET /console/:file',
];

function sessionCookie(setCookie: string | string[] | undefined): string {
  const line = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  assert.ok(line, 'a Set-Cookie header');
  return line.split(';')[0]!;
}

async function login(app: FastifyInstance, user: string, password: string) {
  return app.inject({ method: 'POST', url: '/api/login', payload: { user, password } });
}

for (const engine of engines()) {
  describe(`API access on ${engine.name}`, function () {
    this.timeout(60_000);
    let f: ApiFixture;

    before(async () => {
      f = await apiFixture(await engine.open());
    });
    after(async () => {
      await f.app.close();
    });

    it('lists every route that is not public in the role table', () => {
      const listed = new Set([...ROUTES.map((r) => `${r.method} ${r.pattern}`), ...PUBLIC]);
      const registered = registeredRoutes(f.app);
      assert.equal(registered.length, listed.size);
      for (const r of registered) {
        assert.ok(listed.has(`${r.method} ${r.url}`), `${r.method} ${r.url} is missing from the role table`);
      }
    });

    for (const route of ROUTES) {
      for (const role of API_ROLES) {
        const allowed = role === 'admin' || route.roles.includes(role);
        it(`${allowed ? 'lets' : 'refuses'} ${role} ${route.method} ${route.pattern}`, async () => {
          if (route.body) {
            await f.app.inject({
              method: 'POST',
              url: await route.url(f),
              headers: bearer(f.tokens.admin),
              payload: { decision: 'resolve', comment: 'set up for the access check' },
            });
          }
          const res = await f.app.inject({
            method: route.method,
            url: await route.url(f),
            headers: bearer(f.tokens[role]),
            ...(route.body ? { payload: route.body } : {}),
          });
          if (allowed) {
            assert.equal(res.statusCode, route.ok, res.body);
          } else {
            assert.equal(res.statusCode, 403, res.body);
            assert.equal(res.json().error.code, 'forbidden');
          }
        });
      }

      it(`answers ${route.method} ${route.pattern} without credentials with 401 unauthorized`, async () => {
        const res = await f.app.inject({
          method: route.method,
          url: await route.url(f),
          ...(route.body ? { payload: route.body } : {}),
        });
        assert.equal(res.statusCode, 401);
        assert.equal(res.json().error.code, 'unauthorized');
      });
    }

    it('refuses a token it does not know, and a revoked one, with 401', async () => {
      const unknown = await f.app.inject({ url: '/api/receipts', headers: bearer('dsk_not-a-real-token') });
      assert.equal(unknown.statusCode, 401);
      assert.equal(unknown.json().error.code, 'unauthorized');

      const token = await createToken(f.db, { name: 'short-lived', role: 'operations' });
      assert.equal((await f.app.inject({ url: '/api/receipts', headers: bearer(token) })).statusCode, 200);
      assert.equal(await revokeToken(f.db, 'short-lived', START), true);
      const revoked = await f.app.inject({ url: '/api/receipts', headers: bearer(token) });
      assert.equal(revoked.statusCode, 401);
    });

    it('records when a token was last used, and stores only its sha256', async () => {
      await f.app.inject({ url: '/api/me', headers: bearer(f.tokens.finance) });
      const [row] = await f.db.query<{ lastUsedAt: Date | null; hash: string }>(
        `select last_used_at as "lastUsedAt", token_sha256 as hash from api_tokens where name = 'finance-token'`,
      );
      assert.deepEqual(row!.lastUsedAt, START);
      assert.match(row!.hash, /^[0-9a-f]{64}$/);
      assert.notEqual(row!.hash, f.tokens.finance);
    });

    it('logs in with a password: an HttpOnly, SameSite=Strict cookie that identifies the user', async () => {
      const res = await login(f.app, 'finance-user', f.password('finance'));
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().user, { kind: 'user', name: 'finance-user', role: 'finance' });
      const header = String(res.headers['set-cookie']);
      assert.match(header, /HttpOnly/);
      assert.match(header, /SameSite=Strict/);
      const me = await f.app.inject({
        url: '/api/me',
        headers: { cookie: sessionCookie(res.headers['set-cookie']) },
      });
      assert.equal(me.statusCode, 200);
      assert.equal(me.json().name, 'finance-user');
    });

    it('refuses a wrong password and an unknown user alike, with 401 and no cookie', async () => {
      for (const [user, password] of [
        ['finance-user', 'wrong password'],
        ['nobody', f.password('finance')],
      ] as const) {
        const res = await login(f.app, user, password);
        assert.equal(res.statusCode, 401);
        assert.deepEqual(res.json(), {
          error: { code: 'unauthorized', message: 'wrong user name or password' },
        });
        assert.equal(res.headers['set-cookie'], undefined);
      }
    });

    it('ends a session at logout: the cookie no longer lets anyone in', async () => {
      const cookie = sessionCookie(
        (await login(f.app, 'operations-user', f.password('operations'))).headers['set-cookie'],
      );
      assert.equal((await f.app.inject({ url: '/api/receipts', headers: { cookie } })).statusCode, 200);
      const out = await f.app.inject({ method: 'POST', url: '/api/logout', headers: { cookie } });
      assert.equal(out.statusCode, 204);
      assert.match(String(out.headers['set-cookie']), /Max-Age=0/);
      assert.equal((await f.app.inject({ url: '/api/receipts', headers: { cookie } })).statusCode, 401);
      const [entry] = await f.db.query<{ actor: string }>(
        `select actor from audit_log where action = 'api.logout' order by id desc limit 1`,
      );
      assert.equal(entry?.actor, 'operations-user');
    });

    it('expires a session when its time is up', async () => {
      const cookie = sessionCookie(
        (await login(f.app, 'finance-user', f.password('finance'))).headers['set-cookie'],
      );
      f.setNow(new Date(START.getTime() + SESSION_TTL_MS - 1000));
      assert.equal((await f.app.inject({ url: '/api/me', headers: { cookie } })).statusCode, 200);
      f.setNow(new Date(START.getTime() + SESSION_TTL_MS));
      const expired = await f.app.inject({ url: '/api/me', headers: { cookie } });
      assert.equal(expired.statusCode, 401);
      assert.equal(expired.json().error.code, 'unauthorized');
      // The next login sweeps the expired session away.
      await login(f.app, 'finance-user', f.password('finance'));
      const [left] = await f.db.query<{ n: number }>(
        'select count(*)::int as n from api_sessions where expires_at <= $1',
        [new Date(START.getTime() + SESSION_TTL_MS)],
      );
      assert.equal(left!.n, 0);
      f.setNow(START);
    });

    it('keeps a session to the role of its user: finance cannot read receipts', async () => {
      const cookie = sessionCookie(
        (await login(f.app, 'finance-user', f.password('finance'))).headers['set-cookie'],
      );
      const res = await f.app.inject({ url: '/api/receipts', headers: { cookie } });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().error.code, 'forbidden');
    });
  });
}

import assert from 'node:assert/strict';
import { buildApi } from '../../../src/api/app.ts';
import { createToken } from '../../../src/api/accounts.ts';
import { silentLogger } from '../../../src/log.ts';
import type { Db } from '../../../src/store/db.ts';
import { engines } from '../../helpers/store.ts';
import { apiFixture, bearer, registeredRoutes, type ApiFixture } from './fixture.ts';

interface Operation {
  parameters: { name: string; in: string; required: boolean }[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, unknown> }>;
  security: unknown[];
  'x-roles'?: string[];
}

/** The database, except that statements matching `fail` throw as a broken connection would. */
function failing(db: Db, fail: RegExp): Db {
  const broken = (sql: string) => fail.test(sql);
  return {
    kind: db.kind,
    query: (sql, params) =>
      broken(sql) ? Promise.reject(new Error('connection lost')) : db.query(sql, params),
    exec: (sql) => db.exec(sql),
    transaction: (fn) => db.transaction(fn),
    close: () => Promise.resolve(),
  };
}

for (const engine of engines()) {
  describe(`GET /api/openapi.json on ${engine.name}`, function () {
    this.timeout(60_000);
    let f: ApiFixture;
    let doc: { openapi: string; paths: Record<string, Record<string, Operation>> };

    before(async () => {
      f = await apiFixture(await engine.open());
      const res = await f.app.inject({ url: '/api/openapi.json' });
      assert.equal(res.statusCode, 200);
      doc = res.json();
    });
    after(async () => {
      await f.app.close();
    });

    it('describes every registered route with its method, and nothing that is not registered', () => {
      const registered = registeredRoutes(f.app);
      assert.ok(registered.length >= 14, `only ${registered.length} routes read from fastify`);
      const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
      );
      assert.deepEqual(documented.sort(), registered.map((r) => `${r.method} ${r.url}`).sort());
      assert.equal(doc.openapi, '3.1.0');
    });

    it('names path and query parameters with their schemas', () => {
      const list = doc.paths['/api/mismatches']!.get!;
      const names = list.parameters.map((p) => `${p.in}:${p.name}`);
      for (const n of ['partner', 'status', 'type', 'from', 'to', 'po', 'limit', 'before']) {
        assert.ok(names.includes(`query:${n}`), n);
      }
      const one = doc.paths['/api/receipts/{id}']!.get!;
      assert.deepEqual(
        one.parameters.map((p) => [p.in, p.name, p.required]),
        [['path', 'id', true]],
      );
    });

    it('says who may call each route and how to authenticate', () => {
      const decision = doc.paths['/api/mismatches/{id}/decision']!.post!;
      assert.deepEqual(decision['x-roles'], ['admin', 'finance']);
      assert.ok(decision.requestBody);
      assert.ok(
        decision.responses['401'] && decision.responses['403'] && decision.responses['409'] === undefined,
      );
      assert.deepEqual(doc.paths['/api/health']!.get!.security, []);
      assert.equal(doc.paths['/api/health']!.get!['x-roles'], undefined);
      assert.ok(
        doc.paths['/api/receipts/{id}/raw']!.get!.responses['200']!.content!['application/octet-stream'],
      );
    });
  });

  describe(`API failures on ${engine.name}`, function () {
    this.timeout(60_000);

    it('answers a broken database with 503 on /api/ready and 500 internal elsewhere, without its message', async () => {
      const db = await engine.open();
      const token = await createToken(db, { name: 'ops', role: 'operations' });
      const app = await buildApi({
        db: failing(db, /^select 1$|from receipts/),
        blobs: {
          read: () => assert.fail(),
          readAll: () => assert.fail(),
          put: () => assert.fail(),
          has: () => assert.fail(),
          size: () => assert.fail(),
        },
        log: silentLogger(),
      });
      try {
        const ready = await app.inject({ url: '/api/ready' });
        assert.equal(ready.statusCode, 503);
        assert.equal(ready.json().error.code, 'internal');
        const list = await app.inject({ url: '/api/receipts', headers: bearer(token) });
        assert.equal(list.statusCode, 500);
        assert.deepEqual(list.json(), {
          error: { code: 'internal', message: 'internal error; the gateway log has the details' },
        });
      } finally {
        await app.close();
      }
    });
  });
}

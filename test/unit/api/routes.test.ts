import assert from 'node:assert/strict';
import { engines } from '../../helpers/store.ts';
import { apiFixture, bearer, START, type ApiFixture } from './fixture.ts';

function idsOf(res: { json(): unknown }): number[] {
  return (res.json() as { items: { id: number }[] }).items.map((i) => i.id);
}

for (const engine of engines()) {
  describe(`API routes on ${engine.name}`, function () {
    this.timeout(60_000);
    let f: ApiFixture;
    const get = (url: string, token: string) => f.app.inject({ url, headers: bearer(token) });

    before(async () => {
      f = await apiFixture(await engine.open());
    });
    after(async () => {
      await f.app.close();
    });

    describe('GET /api/health and /api/ready', () => {
      it('answers both without credentials while the database is up', async () => {
        assert.deepEqual((await f.app.inject({ url: '/api/health' })).json(), { status: 'ok' });
        const ready = await f.app.inject({ url: '/api/ready' });
        assert.equal(ready.statusCode, 200);
        assert.deepEqual(ready.json(), { status: 'ready' });
      });
    });

    describe('GET /api/mismatches', () => {
      it('lists the mismatches with their amounts and documents', async () => {
        const res = await get('/api/mismatches', f.tokens.finance);
        assert.equal(res.statusCode, 200, res.body);
        const { items, nextBefore } = res.json();
        assert.equal(items.length, 1);
        assert.equal(items[0].id, f.mismatchId);
        assert.equal(items[0].type, 'over-shipment');
        assert.equal(items[0].amountAtRisk, '24.00');
        assert.equal(items[0].currency, 'USD');
        assert.equal(items[0].detectedAt, START.toISOString());
        assert.equal(items[0].documents[0].documentType, 'advance-ship-notice');
        assert.equal(nextBefore, null);
      });

      it('filters by partner, status, type, PO and detection time', async () => {
        const ids = async (query: string) => idsOf(await get(`/api/mismatches?${query}`, f.tokens.finance));
        const po = (await get('/api/mismatches', f.tokens.finance)).json().items[0].poNumber as string;
        assert.deepEqual(await ids('partner=acme'), [f.mismatchId]);
        assert.deepEqual(await ids('partner=globex'), []);
        assert.deepEqual(await ids(`po=${encodeURIComponent(po)}`), [f.mismatchId]);
        assert.deepEqual(await ids('po=NO-SUCH-PO'), []);
        assert.deepEqual(await ids('type=over-shipment&type=unknown-po'), [f.mismatchId]);
        assert.deepEqual(await ids('type=unknown-po'), []);
        assert.deepEqual(await ids('from=2026-11-26&to=2026-11-27'), [f.mismatchId]);
        assert.deepEqual(await ids('from=2026-11-27'), []);
        assert.deepEqual(await ids('to=2026-11-26T12:00:00Z'), []);
        const status = (await get('/api/mismatches/' + f.mismatchId, f.tokens.finance)).json().mismatch
          .status;
        assert.deepEqual(await ids(`status=${status}`), [f.mismatchId]);
      });

      it('refuses an unknown status with validation-failed naming the parameter', async () => {
        const res = await get('/api/mismatches?status=lost', f.tokens.finance);
        assert.equal(res.statusCode, 400);
        const { error } = res.json();
        assert.equal(error.code, 'validation-failed');
        assert.equal(error.details[0].in, 'querystring');
        assert.match(error.details[0].path, /^\/status/);
      });
    });

    describe('POST /api/mismatches/:id/decision', () => {
      it('records the decision with the user who made it, in the mismatch and its audit history', async () => {
        const login = await f.app.inject({
          method: 'POST',
          url: '/api/login',
          payload: { user: 'finance-user', password: f.password('finance') },
        });
        const cookie = String(login.headers['set-cookie']).split(';')[0]!;
        const res = await f.app.inject({
          method: 'POST',
          url: `/api/mismatches/${f.mismatchId}/decision`,
          headers: { cookie },
          payload: { decision: 'dispute', comment: 'carrier says 10 were loaded' },
        });
        assert.equal(res.statusCode, 200, res.body);
        const { mismatch } = res.json();
        assert.equal(mismatch.status, 'disputed');
        assert.equal(mismatch.decidedBy, 'finance-user');
        assert.equal(mismatch.comment, 'carrier says 10 were loaded');

        const shown = (await get(`/api/mismatches/${f.mismatchId}`, f.tokens.finance)).json();
        const last = shown.history[shown.history.length - 1];
        assert.equal(shown.history[0].action, 'mismatch.detected');
        assert.equal(last.action, 'mismatch.dispute');
        assert.equal(last.actor, 'finance-user');
        assert.deepEqual(last.details, {
          from: 'open',
          to: 'disputed',
          comment: 'carrier says 10 were loaded',
        });
      });

      it('audits a decision made with a token as token:<name>', async () => {
        const res = await f.app.inject({
          method: 'POST',
          url: `/api/mismatches/${f.mismatchId}/decision`,
          headers: bearer(f.tokens.finance),
          payload: { decision: 'accept', comment: 'accepted by the nightly script' },
        });
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.json().mismatch.decidedBy, 'token:finance-token');
        const [entry] = await f.db.query<{ actor: string; action: string }>(
          `select actor, action from audit_log where subject_type = 'mismatch' order by id desc limit 1`,
        );
        assert.deepEqual(entry, { actor: 'token:finance-token', action: 'mismatch.accept' });
      });

      it('refuses a decision the status does not allow with 409 conflict and the statuses it needs', async () => {
        const res = await f.app.inject({
          method: 'POST',
          url: `/api/mismatches/${f.mismatchId}/decision`,
          headers: bearer(f.tokens.finance),
          payload: { decision: 'dispute', comment: 'too late' },
        });
        assert.equal(res.statusCode, 409);
        const { error } = res.json();
        assert.equal(error.code, 'conflict');
        assert.deepEqual(error.details, { status: 'accepted', allowedFrom: ['open'] });
      });

      it('refuses a decision without a comment, or one it does not know, before touching the mismatch', async () => {
        for (const payload of [
          { decision: 'resolve' },
          { decision: 'forget', comment: 'x' },
          { decision: 'resolve', comment: '' },
        ]) {
          const res = await f.app.inject({
            method: 'POST',
            url: `/api/mismatches/${f.mismatchId}/decision`,
            headers: bearer(f.tokens.finance),
            payload,
          });
          assert.equal(res.statusCode, 400, JSON.stringify(payload));
          assert.equal(res.json().error.code, 'validation-failed');
          assert.equal(res.json().error.details[0].in, 'body');
        }
        const shown = (await get(`/api/mismatches/${f.mismatchId}`, f.tokens.finance)).json();
        assert.equal(shown.mismatch.status, 'accepted');
      });

      it('answers a decision on a mismatch that does not exist with 404 not-found', async () => {
        const res = await f.app.inject({
          method: 'POST',
          url: '/api/mismatches/999999/decision',
          headers: bearer(f.tokens.finance),
          payload: { decision: 'accept', comment: 'x' },
        });
        assert.equal(res.statusCode, 404);
        assert.equal(res.json().error.code, 'not-found');
      });

      it('refuses malformed JSON in the error format', async () => {
        const res = await f.app.inject({
          method: 'POST',
          url: `/api/mismatches/${f.mismatchId}/decision`,
          headers: { ...bearer(f.tokens.finance), 'content-type': 'application/json' },
          payload: '{"decision": ',
        });
        assert.equal(res.statusCode, 400);
        assert.equal(res.json().error.code, 'validation-failed');
      });
    });

    describe('GET /api/receipts', () => {
      it('lists receipts, filtered by partner, status and time', async () => {
        const ids = async (query: string) => idsOf(await get(`/api/receipts?${query}`, f.tokens.operations));
        assert.deepEqual(await ids(''), [f.receiptId]);
        assert.deepEqual(await ids('partner=acme&status=processed'), [f.receiptId]);
        assert.deepEqual(await ids('partner=globex'), []);
        assert.deepEqual(await ids('status=dead'), []);
        assert.deepEqual(await ids('from=2000-01-01'), [f.receiptId]);
        assert.deepEqual(await ids('to=2000-01-01'), []);
      });

      it('pages backwards with limit and before', async () => {
        // A second arrival of the same file is a duplicate receipt: two rows to page over.
        await f.db.query(
          `insert into receipts (channel_kind, channel_id, partner_id, size, sha256, blob_key, idempotency_key,
             duplicate_of, status)
           select channel_kind, channel_id, partner_id, size, sha256, blob_key, idempotency_key, id, 'duplicate'
           from receipts where id = $1`,
          [f.receiptId],
        );
        const first = (await get('/api/receipts?limit=1', f.tokens.operations)).json();
        assert.equal(first.items.length, 1);
        assert.notEqual(first.items[0].id, f.receiptId);
        assert.equal(first.nextBefore, first.items[0].id);
        const second = (
          await get(`/api/receipts?limit=1&before=${first.nextBefore}`, f.tokens.operations)
        ).json();
        assert.deepEqual(
          second.items.map((r: { id: number }) => r.id),
          [f.receiptId],
        );
        const third = (await get(`/api/receipts?limit=1&before=${f.receiptId}`, f.tokens.operations)).json();
        assert.deepEqual(third, { items: [], nextBefore: null });
      });

      it('refuses a limit that is not a number, in the error format', async () => {
        const res = await get('/api/receipts?limit=many', f.tokens.operations);
        assert.equal(res.statusCode, 400);
        assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
        const { error } = res.json();
        assert.equal(error.code, 'validation-failed');
        assert.deepEqual(
          { in: error.details[0].in, path: error.details[0].path },
          { in: 'querystring', path: '/limit' },
        );
      });

      it('refuses a parameter it does not know rather than ignoring the filter', async () => {
        const res = await get('/api/receipts?partnr=acme', f.tokens.operations);
        assert.equal(res.statusCode, 400);
        assert.equal(res.json().error.details[0].params.additionalProperty, 'partnr');
      });

      it('refuses a date that does not exist', async () => {
        const res = await get('/api/receipts?from=2026-02-30', f.tokens.operations);
        assert.equal(res.statusCode, 400);
        assert.equal(res.json().error.code, 'validation-failed');
      });
    });

    describe('GET /api/receipts/:id and /raw', () => {
      it('shows a receipt with its interchange, group, set and acknowledgment', async () => {
        const res = await get(`/api/receipts/${f.receiptId}`, f.tokens.operations);
        assert.equal(res.statusCode, 200, res.body);
        const body = res.json();
        assert.equal(body.receipt.id, f.receiptId);
        assert.equal(body.receipt.outcome, 'accepted');
        assert.equal(body.receipt.fileName, 'asn.edi');
        assert.equal(body.receipt.blobKey, undefined, 'storage details stay inside');
        assert.equal(body.interchanges.length, 1);
        assert.equal(body.groups.length, 1);
        assert.equal(body.sets[0].setId, '856');
        assert.equal(body.sets[0].mappingStatus, 'mapped');
        assert.equal(body.acknowledgments.length, 1);
        assert.match(body.acknowledgments[0].body, /^ISA/);
      });

      it('returns the file byte for byte as received, as an attachment', async () => {
        const res = await get(`/api/receipts/${f.receiptId}/raw`, f.tokens.operations);
        assert.equal(res.statusCode, 200);
        assert.equal(res.headers['content-type'], 'application/octet-stream');
        assert.equal(res.headers['content-disposition'], 'attachment; filename="asn.edi"');
        assert.ok(res.rawPayload.equals(f.raw));
      });

      it('answers an unknown receipt with 404 not-found, and a non-numeric id with validation-failed', async () => {
        for (const url of ['/api/receipts/999999', '/api/receipts/999999/raw']) {
          const res = await get(url, f.tokens.operations);
          assert.equal(res.statusCode, 404);
          assert.equal(res.json().error.code, 'not-found');
        }
        const bad = await get('/api/receipts/abc', f.tokens.operations);
        assert.equal(bad.statusCode, 400);
        assert.equal(bad.json().error.details[0].in, 'params');
      });
    });

    describe('GET /api/documents', () => {
      it('finds the ship notice by its business keys', async () => {
        const doc = (await get(`/api/documents/${f.documentId}`, f.tokens.finance)).json().document;
        assert.equal(doc.type, 'advance-ship-notice');
        assert.equal(doc.document.type, 'advance-ship-notice');
        const ids = async (query: string) => idsOf(await get(`/api/documents?${query}`, f.tokens.operations));
        assert.deepEqual(await ids(`po=${encodeURIComponent(doc.poNumbers[0])}`), [f.documentId]);
        assert.deepEqual(await ids(`shipment=${encodeURIComponent(doc.shipmentId)}`), [f.documentId]);
        assert.deepEqual(await ids('partner=acme&type=advance-ship-notice'), [f.documentId]);
        assert.deepEqual(await ids('type=invoice'), []);
        assert.deepEqual(await ids('invoice=INV-1'), []);
        assert.deepEqual(await ids('bol=NO-SUCH-BOL'), []);
        assert.deepEqual(await ids(`before=${f.documentId}`), []);
      });

      it('lists documents without their bodies', async () => {
        const [item] = (await get('/api/documents', f.tokens.finance)).json().items;
        assert.equal(item.id, f.documentId);
        assert.equal(item.document, undefined);
      });

      it('answers an unknown document with 404 not-found', async () => {
        const res = await get('/api/documents/999999', f.tokens.finance);
        assert.equal(res.statusCode, 404);
        assert.equal(res.json().error.code, 'not-found');
      });
    });

    describe('unknown routes', () => {
      it('answers with 404 in the error format, with or without credentials', async () => {
        for (const headers of [{}, bearer(f.tokens.admin)]) {
          const res = await f.app.inject({ url: '/api/nothing-here?x=1', headers });
          assert.equal(res.statusCode, 404);
          assert.deepEqual(res.json(), {
            error: { code: 'not-found', message: 'no route GET /api/nothing-here' },
          });
        }
      });
    });
  });
}

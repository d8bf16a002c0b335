import assert from 'node:assert/strict';
import { traceSteps } from '../../../src/api/routes/trace.ts';
import { GRACE_PERIOD_REASON } from '../../../src/store/queries/mismatches.ts';
import {
  controlNumberVariants,
  type PoReconciliation,
  type TracedDocument,
  type TracedReceipt,
} from '../../../src/store/queries/trace.ts';
import { engines } from '../../helpers/store.ts';
import { apiFixture, bearer, type ApiFixture } from './fixture.ts';
import { addInvoices, erpExport, PO, reconcileNow, type MoreData } from './reconciled-po.ts';

interface Step {
  step: string;
  state: string;
  at: string | null;
  summary: string;
  issues: { code: string; message: string; segment?: string; line?: number; element?: number }[];
}
interface Result {
  receiptId: number;
  partnerId: string | null;
  fileName: string | null;
  channel: string;
  receivedAt: string;
  matchedOn: { kind: string; value: string }[];
  steps: Step[];
  documents: { id: number; type: string; number: string | null }[];
  mismatches: { id: number; type: string; status: string; poNumber: string }[];
}

function states(r: Result): Record<string, string> {
  return Object.fromEntries(r.steps.map((s) => [s.step, s.state]));
}

function step(r: Result, name: string): Step {
  const s = r.steps.find((x) => x.step === name);
  assert.ok(s, `a ${name} step`);
  return s;
}

describe('controlNumberVariants', () => {
  it('spells a typed control number as it may be stored: bare, and zero-padded up to nine digits', () => {
    const v = controlNumberVariants('8801');
    assert.ok(v.includes('8801'));
    assert.ok(v.includes('000008801'));
    assert.ok(controlNumberVariants('000008801').includes('8801'));
    assert.ok(controlNumberVariants('1').includes('0001'));
  });

  it('leaves a value that is not all digits as typed', () => {
    assert.deepEqual(controlNumberVariants(' A17 '), ['A17']);
  });
});

const AT = new Date('2026-11-26T12:00:00Z');

function receipt(extra: Partial<TracedReceipt> = {}): TracedReceipt {
  return {
    id: 7,
    partnerId: 'acme',
    fileName: 'orders.csv',
    channelKind: 'sftp-poll',
    channelId: 'acme-in',
    status: 'processed',
    outcome: 'accepted',
    issues: [],
    lastError: null,
    duplicateOf: null,
    receivedAt: AT,
    finishedAt: AT,
    matchedOn: [],
    ...extra,
  };
}

function invoiceDoc(extra: Partial<TracedDocument> = {}): TracedDocument {
  return {
    id: 40,
    receiptId: 7,
    partnerId: 'acme',
    type: 'invoice',
    test: false,
    poNumbers: ['PO-1'],
    shipmentId: null,
    billOfLading: null,
    invoiceNumber: 'INV-1',
    createdAt: AT,
    ...extra,
  };
}

function statesOf(steps: ReturnType<typeof traceSteps>): string[] {
  return steps.map((s) => `${s.step} ${s.state}`);
}

describe('traceSteps', () => {
  it('stops a repeated arrival after received: the first arrival is the one processed', () => {
    const steps = traceSteps(
      receipt({ status: 'duplicate', duplicateOf: 3, outcome: null }),
      [],
      [],
      [],
      [],
      0,
    );
    assert.deepEqual(statesOf(steps), [
      'received done',
      'validated not-applicable',
      'acknowledged not-applicable',
      'mapped not-applicable',
      'reconciled not-applicable',
    ]);
    assert.match(steps[1]!.summary, /receipt 3/);
  });

  it('leaves every step after received pending while the file waits to be processed', () => {
    const steps = traceSteps(
      receipt({ status: 'processing', outcome: null, finishedAt: null, lastError: 'store unavailable' }),
      [],
      [],
      [],
      [],
      0,
    );
    assert.deepEqual(statesOf(steps).slice(1), [
      'validated pending',
      'acknowledged pending',
      'mapped pending',
      'reconciled pending',
    ]);
    assert.match(steps[1]!.summary, /store unavailable/);
  });

  it('fails validation of a file whose processing gave up, with the error', () => {
    const steps = traceSteps(
      receipt({ status: 'dead', outcome: null, lastError: 'blob missing' }),
      [],
      [],
      [],
      [],
      0,
    );
    assert.equal(steps[1]!.state, 'failed');
    assert.match(steps[1]!.summary, /blob missing/);
  });

  it('has nothing to acknowledge for a CSV file, and maps it as it is read', () => {
    const pos: PoReconciliation[] = [{ partnerId: 'acme', poNumber: 'PO-1', queued: null, mismatches: [] }];
    const steps = traceSteps(receipt(), [], [], [invoiceDoc()], pos, 40);
    assert.deepEqual(statesOf(steps), [
      'received done',
      'validated done',
      'acknowledged not-applicable',
      'mapped done',
      'reconciled done',
    ]);
    assert.match(steps[4]!.summary, /PO-1: matched, no mismatch/);
  });

  it('waits for reconciliation until the reconciler has read the document', () => {
    const pos: PoReconciliation[] = [{ partnerId: 'acme', poNumber: 'PO-1', queued: null, mismatches: [] }];
    assert.equal(traceSteps(receipt(), [], [], [invoiceDoc()], pos, 39)[4]!.state, 'pending');
  });

  it('counts a PO kept queued only for an invoice grace period as matched', () => {
    const due = new Date('2026-11-29T12:00:01Z');
    const pos: PoReconciliation[] = [
      {
        partnerId: 'acme',
        poNumber: 'PO-1',
        queued: { dueAt: due, reason: GRACE_PERIOD_REASON, attempts: 0, lastError: null },
        mismatches: [{ id: 5, type: 'invoice-total', status: 'open', poNumber: 'PO-1', lastSeenAt: AT }],
      },
    ];
    const step = traceSteps(receipt(), [], [], [invoiceDoc()], pos, 40)[4]!;
    assert.equal(step.state, 'done');
    assert.equal(step.at?.toISOString(), AT.toISOString());
    assert.match(
      step.summary,
      /1 mismatch \(1 open or disputed\); matched again at 2026-11-29T12:00:01.000Z/,
    );
  });

  it('does not reconcile test data', () => {
    const step = traceSteps(receipt(), [], [], [invoiceDoc({ test: true })], [], 40)[4]!;
    assert.equal(step.state, 'not-applicable');
    assert.match(step.summary, /test data/);
  });
});

for (const engine of engines()) {
  describe(`GET /api/trace on ${engine.name}`, function () {
    this.timeout(60_000);
    let f: ApiFixture;
    let more: MoreData;
    const trace = async (query: string, role: 'operations' | 'finance' = 'operations') => {
      const res = await f.app.inject({ url: `/api/trace?${query}`, headers: bearer(f.tokens[role]) });
      assert.equal(res.statusCode, 200, res.body);
      return res.json<{ query: string; kind: string; results: Result[] }>();
    };
    const receiptsOf = (body: { results: Result[] }) => body.results.map((r) => r.receiptId);

    before(async () => {
      f = await apiFixture(await engine.open());
      more = await addInvoices(f.db);
    });
    after(async () => {
      await f.app.close();
    });

    it("finds the 856's receipt by its ISA13, with or without the leading zeros", async () => {
      for (const q of ['000008801', '8801']) {
        const body = await trace(`q=${q}&kind=isa`);
        assert.equal(body.kind, 'isa');
        assert.deepEqual(receiptsOf(body), [f.receiptId]);
        assert.deepEqual(body.results[0]!.matchedOn, [{ kind: 'isa', value: '000008801' }]);
      }
    });

    it('gives the steps of a file received, validated, acknowledged, mapped and waiting to be reconciled', async () => {
      const [r] = (await trace('q=8801&kind=isa')).results;
      assert.ok(r);
      assert.equal(r.partnerId, 'acme');
      assert.equal(r.fileName, 'asn.edi');
      assert.equal(r.channel, 'upload/test');
      assert.deepEqual(
        r.steps.map((s) => s.step),
        ['received', 'validated', 'acknowledged', 'mapped', 'reconciled'],
      );
      assert.deepEqual(states(r), {
        received: 'done',
        validated: 'done',
        // The test pipeline queues the 997's delivery without running it.
        acknowledged: 'pending',
        mapped: 'done',
        reconciled: 'pending',
      });
      assert.equal(step(r, 'received').at, r.receivedAt);
      assert.match(step(r, 'acknowledged').summary, /997 .* for interchange 000008801/);
      assert.deepEqual(r.documents, [
        {
          id: f.documentId,
          type: 'advance-ship-notice',
          number: 'SHP2026112001',
          poNumbers: [PO],
          test: false,
        },
      ]);
      assert.deepEqual(r.mismatches, [], 'operations is not told which mismatches the PO has');
      const [forFinance] = (await trace('q=8801&kind=isa', 'finance')).results;
      assert.deepEqual(
        forFinance!.mismatches.map((m) => m.id),
        [f.mismatchId],
      );
    });

    it('finds by GS06 and by each business key of the documents', async () => {
      assert.deepEqual(receiptsOf(await trace('q=8801&kind=gs')), [f.receiptId]);
      assert.deepEqual(receiptsOf(await trace('q=SHP2026112001&kind=shipment')), [f.receiptId]);
      assert.deepEqual(receiptsOf(await trace('q=INV-2026-11873&kind=invoice')), [more.invoiceReceiptId]);
      // The ship notice and the invoice both name the PO and the bill of lading: newest first.
      assert.deepEqual(receiptsOf(await trace(`q=${PO}&kind=po`)), [more.invoiceReceiptId, f.receiptId]);
      assert.deepEqual(receiptsOf(await trace('q=ODFL7781200456&kind=bol')), [
        more.invoiceReceiptId,
        f.receiptId,
      ]);
    });

    it('finds every receipt with an ST02, as control numbers are only unique per partner and interchange', async () => {
      const body = await trace('q=0001&kind=st');
      assert.deepEqual(receiptsOf(body), [more.invoiceReceiptId, f.receiptId]);
      assert.deepEqual(body.results[0]!.matchedOn, [{ kind: 'st', value: '0001' }]);
    });

    it('tries every kind with kind=any and says which matched', async () => {
      const body = await trace('q=8801');
      assert.equal(body.kind, 'any');
      assert.deepEqual(receiptsOf(body), [f.receiptId]);
      assert.deepEqual(body.results[0]!.matchedOn, [
        { kind: 'isa', value: '000008801' },
        { kind: 'gs', value: '8801' },
      ]);
      assert.deepEqual(receiptsOf(await trace(`q=${PO}`)), [more.invoiceReceiptId, f.receiptId]);
    });

    it('keeps to the kind asked for: a PO number is not looked for as an invoice number', async () => {
      assert.deepEqual(receiptsOf(await trace(`q=${PO}&kind=invoice`)), []);
      assert.deepEqual(receiptsOf(await trace('q=SHP2026112001&kind=po')), []);
    });

    it('answers an unknown key with no results', async () => {
      const body = await trace('q=NO-SUCH-KEY-42');
      assert.deepEqual(body, { query: 'NO-SUCH-KEY-42', kind: 'any', results: [] });
    });

    it('shows a rejected file as failed validation with the issue codes and where they are', async () => {
      const [r] = (await trace('q=9902&kind=isa')).results;
      assert.ok(r);
      assert.equal(r.receiptId, more.brokenReceiptId);
      assert.equal(states(r).validated, 'failed');
      const { issues } = step(r, 'validated');
      assert.deepEqual(
        issues.map((i) => i.code),
        ['conditional-element-missing', 'mandatory-segment-missing', 'segment-over-max'],
      );
      assert.deepEqual(
        { segment: issues[0]!.segment, line: issues[0]!.line, element: issues[0]!.element },
        { segment: 'IT1', line: 18, element: 4 },
      );
      assert.equal(states(r).mapped, 'not-applicable');
      assert.equal(states(r).reconciled, 'not-applicable');
      assert.deepEqual(r.documents, []);
    });

    it('marks the acknowledgment failed when its delivery failed, with why', async () => {
      await f.db.query(
        `update acknowledgments set delivery_status = 'failed', attempts = 5,
           last_error = 'sftp: permission denied' where receipt_id = $1`,
        [more.brokenReceiptId],
      );
      const [r] = (await trace('q=9902&kind=isa')).results;
      const ack = step(r!, 'acknowledged');
      assert.equal(ack.state, 'failed');
      assert.match(ack.summary, /failed after 5 attempts: sftp: permission denied/);
      assert.equal(ack.issues[0]!.code, 'delivery-failed');
    });

    it('shows reconciliation done once the PO is matched, with the mismatches it found', async () => {
      await reconcileNow(f.db, more.h, erpExport());
      const body = await trace('q=INV-2026-11873&kind=invoice', 'finance');
      const [r] = body.results;
      assert.ok(r);
      const reconciled = step(r, 'reconciled');
      assert.equal(reconciled.state, 'done');
      assert.match(reconciled.summary, new RegExp(`PO ${PO}: 3 mismatches \\(2 open or disputed\\)`));
      assert.ok(reconciled.at);
      assert.deepEqual(r.mismatches.map((m) => `${m.type} ${m.status}`).sort(), [
        'over-shipment open',
        'over-shipment resolved',
        'unit-price-variance open',
      ]);
    });

    it('shows reconciliation pending while the PO waits in the queue after an ERP failure, with the error', async () => {
      await f.db.query(
        `insert into reconcile_queue (partner_id, po_number, due_at, reason, attempts, last_error)
         values ('acme', $1, now() + interval '1 minute', 'new document', 1, 'ERP export is not mounted')
         on conflict (partner_id, po_number) do update set reason = 'new document', attempts = 1,
           last_error = 'ERP export is not mounted'`,
        [PO],
      );
      const [r] = (await trace('q=SHP2026112001&kind=shipment')).results;
      const reconciled = step(r!, 'reconciled');
      assert.equal(reconciled.state, 'pending');
      assert.deepEqual(reconciled.issues, [
        { code: 'reconciliation-failed', message: `PO ${PO}: ERP export is not mounted` },
      ]);
    });

    it('refuses an empty or blank q with validation-failed', async () => {
      for (const q of ['', '%20%20']) {
        const res = await f.app.inject({ url: `/api/trace?q=${q}`, headers: bearer(f.tokens.finance) });
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().error.code, 'validation-failed');
      }
      const missing = await f.app.inject({ url: '/api/trace', headers: bearer(f.tokens.finance) });
      assert.equal(missing.statusCode, 400);
      const kind = await f.app.inject({ url: '/api/trace?q=1&kind=gln', headers: bearer(f.tokens.finance) });
      assert.equal(kind.statusCode, 400);
    });
  });
}

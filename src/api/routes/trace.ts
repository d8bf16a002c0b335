// Where is it? A control number or a business key traced to the files that carried it, and for each file
// how far it got: received, validated, acknowledged, mapped, reconciled. What finance and operations both
// ask when a partner calls about a shipment or an invoice.
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../store/db.ts';
import {
  acknowledgmentsOfReceipts,
  documentsOfReceipts,
  envelopesOfReceipts,
  findTracedReceipts,
  reconciliationOfPos,
  TRACE_KINDS,
  type EnvelopeRow,
  type PoReconciliation,
  type TraceKind,
  type TracedAck,
  type TracedDocument,
  type TracedReceipt,
} from '../../store/queries/trace.ts';
import { GRACE_PERIOD_REASON } from '../../store/queries/mismatches.ts';
import { ApiError } from '../errors.ts';
import { mayUse, principal } from '../auth.ts';
import { MISMATCH_ROLES } from './mismatches.ts';
import { NULLABLE_DATE_TIME, NULLABLE_STRING, DATE_TIME } from '../schemas.ts';

const ROLES = ['finance', 'operations'] as const;
const MAX_RESULTS = 50;
/** Issues listed per step; a file with thousands of errors says how many more there are in the summary. */
const MAX_ISSUES = 100;

export const STEP_NAMES = ['received', 'validated', 'acknowledged', 'mapped', 'reconciled'] as const;
export type StepName = (typeof STEP_NAMES)[number];
export type StepState = 'done' | 'failed' | 'pending' | 'not-applicable';

export interface StepIssue {
  code: string;
  message: string;
  severity?: string;
  /** The segment's tag (X12) or the CSV column. */
  segment?: string;
  line?: number;
  /** Position of the segment in its transaction set, ST = 1. */
  position?: number;
  element?: number;
}

export interface Step {
  step: StepName;
  state: StepState;
  at: Date | null;
  summary: string;
  issues: StepIssue[];
}

const ISSUE = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    severity: { type: 'string' },
    segment: { type: 'string' },
    line: { type: 'integer' },
    position: { type: 'integer' },
    element: { type: 'integer' },
  },
} as const;

const STEP = {
  type: 'object',
  required: ['step', 'state', 'at', 'summary', 'issues'],
  properties: {
    step: { type: 'string', enum: [...STEP_NAMES] },
    state: { type: 'string', enum: ['done', 'failed', 'pending', 'not-applicable'] },
    at: NULLABLE_DATE_TIME,
    summary: { type: 'string' },
    issues: { type: 'array', items: ISSUE },
  },
} as const;

const RESULT = {
  type: 'object',
  required: [
    'receiptId',
    'partnerId',
    'fileName',
    'channel',
    'receivedAt',
    'matchedOn',
    'steps',
    'documents',
    'mismatches',
  ],
  properties: {
    receiptId: { type: 'integer' },
    partnerId: NULLABLE_STRING,
    fileName: NULLABLE_STRING,
    channel: { type: 'string', description: 'kind/id of the channel the file came in on' },
    receivedAt: DATE_TIME,
    status: { type: 'string', description: "the receipt's status" },
    outcome: NULLABLE_STRING,
    matchedOn: {
      type: 'array',
      items: {
        type: 'object',
        required: ['kind', 'value'],
        properties: { kind: { type: 'string', enum: [...TRACE_KINDS] }, value: { type: 'string' } },
      },
    },
    steps: { type: 'array', items: STEP },
    documents: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'type', 'number'],
        properties: {
          id: { type: 'integer' },
          type: { type: 'string' },
          number: NULLABLE_STRING,
          poNumbers: { type: 'array', items: { type: 'string' } },
          test: { type: 'boolean' },
        },
      },
    },
    mismatches: {
      type: 'array',
      description:
        "the mismatches of the file's POs; empty for a role that may not read mismatches (the reconciled step still counts them)",
      items: {
        type: 'object',
        required: ['id', 'type', 'status', 'poNumber'],
        properties: {
          id: { type: 'integer' },
          type: { type: 'string' },
          status: { type: 'string' },
          poNumber: { type: 'string' },
        },
      },
    },
  },
} as const;

interface TraceQuery {
  q: string;
  kind: 'any' | TraceKind;
}

export function traceRoutes(app: FastifyInstance, deps: { db: Db }): void {
  const { db } = deps;

  app.get<{ Querystring: TraceQuery }>(
    '/api/trace',
    {
      config: { roles: ROLES },
      schema: {
        summary: 'The files that carried a control number or business key, and how far each got',
        description:
          'Finds receipts by ISA13, GS06, ST02 (leading zeros optional), PO number, shipment id, bill of lading ' +
          'or invoice number, newest first (at most 50). Control numbers are per partner, so there may be ' +
          'several. Each result has its steps: received, validated, acknowledged, mapped, reconciled.',
        tags: ['trace'],
        querystring: {
          type: 'object',
          required: ['q'],
          additionalProperties: false,
          properties: {
            q: { type: 'string', minLength: 1, maxLength: 200, description: 'the value to look for' },
            kind: {
              type: 'string',
              enum: ['any', ...TRACE_KINDS],
              default: 'any',
              description: 'what the value is; any tries every kind',
            },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['query', 'kind', 'results'],
            properties: {
              query: { type: 'string' },
              kind: { type: 'string' },
              results: { type: 'array', items: RESULT },
            },
          },
        },
      },
    },
    async (request) => {
      const { q, kind } = request.query;
      if (q.trim() === '') {
        throw new ApiError('validation-failed', 'querystring: /q is empty', [
          { in: 'querystring', path: '/q', message: 'must not be blank' },
        ]);
      }
      const kinds = kind === 'any' ? TRACE_KINDS : [kind];
      const receipts = await findTracedReceipts(db, q, kinds, MAX_RESULTS);
      const seesMismatches = mayUse(principal(request).role, MISMATCH_ROLES);
      return { query: q, kind, results: await traceResults(db, receipts, seesMismatches) };
    },
  );
}

async function traceResults(db: Db, receipts: TracedReceipt[], seesMismatches: boolean) {
  const ids = receipts.map((r) => r.id);
  const [envelopes, acks, documents] = await Promise.all([
    envelopesOfReceipts(db, ids),
    acknowledgmentsOfReceipts(db, ids),
    documentsOfReceipts(db, ids),
  ]);
  const reconciled = reconciledDocuments(documents);
  const pairs = new Map<string, { partnerId: string; poNumber: string }>();
  for (const d of reconciled) {
    for (const poNumber of d.poNumbers) {
      pairs.set(JSON.stringify([d.partnerId, poNumber]), { partnerId: d.partnerId, poNumber });
    }
  }
  const state = await reconciliationOfPos(db, [...pairs.values()]);
  const byPo = new Map(state.pos.map((p) => [JSON.stringify([p.partnerId, p.poNumber]), p]));

  return receipts.map((r) => {
    const own = <T extends { receiptId: number }>(rows: T[]) => rows.filter((x) => x.receiptId === r.id);
    const docs = own(documents);
    const pos = [
      ...new Set(
        reconciledDocuments(docs).flatMap((d) => d.poNumbers.map((p) => JSON.stringify([d.partnerId, p]))),
      ),
    ]
      .map((k) => byPo.get(k))
      .filter((p): p is PoReconciliation => p !== undefined);
    const envelopeRows = own(envelopes);
    return {
      receiptId: r.id,
      partnerId: r.partnerId,
      fileName: r.fileName,
      channel: `${r.channelKind}/${r.channelId}`,
      receivedAt: r.receivedAt,
      status: r.status,
      outcome: r.outcome,
      matchedOn: r.matchedOn,
      steps: traceSteps(r, envelopeRows, own(acks), docs, pos, state.lastDocumentId),
      documents: docs.map((d) => ({
        id: d.id,
        type: d.type,
        number: documentNumber(d),
        poNumbers: d.poNumbers,
        test: d.test,
      })),
      // Operations sees where a file is, not finance's findings: the count is in the reconciled step.
      mismatches: seesMismatches
        ? pos.flatMap((p) =>
            p.mismatches.map((m) => ({ id: m.id, type: m.type, status: m.status, poNumber: m.poNumber })),
          )
        : [],
    };
  });
}

/** Reconciliation reads non-test ship notices and invoices only. */
function reconciledDocuments(docs: TracedDocument[]): TracedDocument[] {
  return docs.filter((d) => !d.test && (d.type === 'advance-ship-notice' || d.type === 'invoice'));
}

/** What people call the document by: the shipment id of a ship notice, the number of an invoice. */
export function documentNumber(
  d: Pick<TracedDocument, 'type' | 'shipmentId' | 'invoiceNumber' | 'billOfLading' | 'poNumbers'>,
): string | null {
  if (d.type === 'invoice' || d.type === 'freight-invoice') return d.invoiceNumber ?? null;
  if (d.type === 'purchase-order' || d.type === 'purchase-order-ack') return d.poNumbers[0] ?? null;
  return d.shipmentId ?? d.invoiceNumber ?? d.billOfLading ?? d.poNumbers[0] ?? null;
}

/** An X12 issue (location with tag, line, position, element) or a document/CSV issue, as a step lists it. */
export function stepIssue(raw: unknown): StepIssue {
  const i = (raw ?? {}) as {
    code?: unknown;
    message?: unknown;
    severity?: unknown;
    location?: { tag?: unknown; line?: unknown; position?: unknown; element?: unknown; column?: unknown };
  };
  const loc = i.location ?? {};
  const code = typeof i.code === 'string' ? i.code : 'unknown';
  const out: StepIssue = { code, message: typeof i.message === 'string' ? i.message : code };
  if (typeof i.severity === 'string') out.severity = i.severity;
  if (typeof loc.tag === 'string') out.segment = loc.tag;
  else if (typeof loc.column === 'string') out.segment = loc.column;
  if (typeof loc.line === 'number' && loc.line > 0) out.line = loc.line;
  if (typeof loc.position === 'number') out.position = loc.position;
  if (typeof loc.element === 'number') out.element = loc.element;
  return out;
}

function capped(issues: StepIssue[]): { issues: StepIssue[]; more: string } {
  if (issues.length <= MAX_ISSUES) return { issues, more: '' };
  return {
    issues: issues.slice(0, MAX_ISSUES),
    more: ` (${issues.length - MAX_ISSUES} more issues not listed)`,
  };
}

function plural(n: number, word: string, words = `${word}s`): string {
  return `${n} ${n === 1 ? word : words}`;
}

export function traceSteps(
  r: TracedReceipt,
  envelopes: EnvelopeRow[],
  acks: TracedAck[],
  docs: TracedDocument[],
  pos: PoReconciliation[],
  lastDocumentId: number,
): Step[] {
  const received: Step = {
    step: 'received',
    state: 'done',
    at: r.receivedAt,
    summary: `received over ${r.channelKind}/${r.channelId}${r.fileName ? ` as ${r.fileName}` : ''}`,
    issues: [],
  };
  if (r.status === 'duplicate') {
    const why = `the same file as receipt ${r.duplicateOf ?? '?'} arrived again: not processed a second time`;
    return [
      { ...received, summary: `${received.summary}; ${why}` },
      ...STEP_NAMES.slice(1).map((step) => ({
        step,
        state: 'not-applicable' as const,
        at: null,
        summary: why,
        issues: [],
      })),
    ];
  }
  const waiting = (step: StepName, summary: string): Step => ({
    step,
    state: 'pending',
    at: null,
    summary,
    issues: [],
  });
  if (r.status === 'received' || r.status === 'processing') {
    return [
      received,
      waiting(
        'validated',
        r.lastError ? `not processed yet; the last attempt failed: ${r.lastError}` : 'not processed yet',
      ),
      ...STEP_NAMES.slice(2).map((s) => waiting(s, 'waits for the file to be processed')),
    ];
  }
  if (r.status === 'dead') {
    const failed: Step = {
      step: 'validated',
      state: 'failed',
      at: r.finishedAt,
      summary: `processing gave up: ${r.lastError ?? 'no error recorded'}; it is in the dead letters`,
      issues: [],
    };
    return [
      received,
      failed,
      ...STEP_NAMES.slice(2).map((step) => ({
        step,
        state: 'not-applicable' as const,
        at: null,
        summary: 'the file was not processed',
        issues: [],
      })),
    ];
  }
  return [
    received,
    validatedStep(r, envelopes),
    acknowledgedStep(envelopes, acks),
    mappedStep(r, envelopes, docs),
    reconciledStep(docs, pos, lastDocumentId),
  ];
}

function validatedStep(r: TracedReceipt, envelopes: EnvelopeRow[]): Step {
  const all = [...r.issues, ...envelopes.flatMap((e) => e.issues)].map(stepIssue);
  const { issues, more } = capped(all);
  const sets = envelopes.filter((e) => e.level === 'set');
  const interchanges = envelopes.filter((e) => e.level === 'interchange');
  const rejectedSets = sets.filter((s) => s.status === 'rejected').length;
  const parts: string[] = [];
  if (interchanges.length > 0) {
    parts.push(interchanges.map((i) => `interchange ${i.controlNumber} ${i.status ?? ''}`.trim()).join(', '));
  }
  if (sets.length > 0) {
    parts.push(`${plural(sets.length - rejectedSets, 'set')} accepted, ${rejectedSets} rejected`);
  }
  const outcome = r.outcome ?? 'processed';
  return {
    step: 'validated',
    state: r.outcome === 'rejected' ? 'failed' : 'done',
    at: r.finishedAt,
    summary: `${outcome}${parts.length > 0 ? `: ${parts.join('; ')}` : ''}${
      all.length > 0 ? `; ${plural(all.length, 'issue')}` : ''
    }${more}`,
    issues,
  };
}

function acknowledgedStep(envelopes: EnvelopeRow[], acks: TracedAck[]): Step {
  if (acks.length === 0) {
    const x12 = envelopes.some((e) => e.level === 'interchange');
    return {
      step: 'acknowledged',
      state: 'not-applicable',
      at: null,
      summary: x12
        ? 'no acknowledgment was owed (the partner asks for none, or the interchange was refused)'
        : 'not X12: there is nothing to acknowledge',
      issues: [],
    };
  }
  const failed = acks.filter((a) => a.deliveryStatus === 'failed');
  const pending = acks.filter((a) => a.deliveryStatus === 'pending');
  const describe = (a: TracedAck) => {
    const what = `${a.kinds} ${a.controlNumber} for interchange ${a.inboundControlNumber}`;
    switch (a.deliveryStatus) {
      case 'delivered':
        return `${what} delivered${a.deliveredTo ? ` to ${a.deliveredTo}` : ''}`;
      case 'failed':
        return `${what} failed after ${plural(a.attempts, 'attempt')}: ${a.lastError ?? 'no error recorded'}`;
      case 'pending':
        return `${what} waiting to be delivered${a.lastError ? ` (last error: ${a.lastError})` : ''}`;
      case 'no-channel':
        return `${what} built; the partner has no outbound channel to send it over`;
    }
  };
  const state: StepState = failed.length > 0 ? 'failed' : pending.length > 0 ? 'pending' : 'done';
  const times = acks.map((a) => (a.deliveredAt ?? a.createdAt).getTime());
  return {
    step: 'acknowledged',
    state,
    at: new Date(Math.max(...times)),
    summary: acks.map(describe).join('; '),
    issues: failed.map((a) => ({
      code: 'delivery-failed',
      message: `${a.kinds} ${a.controlNumber}: ${a.lastError ?? 'delivery failed'}`,
    })),
  };
}

function mappedStep(r: TracedReceipt, envelopes: EnvelopeRow[], docs: TracedDocument[]): Step {
  const at = docs.length > 0 ? new Date(Math.max(...docs.map((d) => d.createdAt.getTime()))) : null;
  const made = docs.length > 0 ? plural(docs.length, 'document') : 'no document';
  const sets = envelopes.filter((e) => e.level === 'set');
  if (sets.length === 0) {
    // A CSV file is mapped while it is read: its documents are there or its issues (validated) say why not.
    if (docs.length > 0) return { step: 'mapped', state: 'done', at, summary: `${made} read`, issues: [] };
    return {
      step: 'mapped',
      state: 'not-applicable',
      at: null,
      summary: r.outcome === 'rejected' ? 'nothing to map: the file was rejected' : 'nothing to map',
      issues: [],
    };
  }
  const count = (s: EnvelopeRow['mappingStatus']) => sets.filter((e) => e.mappingStatus === s).length;
  const failedSets = sets.filter((e) => e.mappingStatus === 'failed');
  const pending = count('pending');
  const { issues, more } = capped(failedSets.flatMap((s) => s.mappingIssues ?? []).map(stepIssue));
  const parts = [`${made} made`];
  if (count('not-applicable') > 0)
    parts.push(`${count('not-applicable')} not mapped (rejected or no document type)`);
  if (failedSets.length > 0) {
    parts.push(
      `${failedSets.map((s) => `${s.code ?? 'set'} ${s.controlNumber}`).join(', ')} could not be mapped`,
    );
  }
  if (pending > 0) parts.push(`${pending} waiting to be mapped`);
  const state: StepState =
    failedSets.length > 0
      ? 'failed'
      : pending > 0
        ? 'pending'
        : count('mapped') > 0
          ? 'done'
          : 'not-applicable';
  return { step: 'mapped', state, at, summary: parts.join('; ') + more, issues };
}

function reconciledStep(docs: TracedDocument[], pos: PoReconciliation[], lastDocumentId: number): Step {
  const counted = reconciledDocuments(docs);
  if (counted.length === 0) {
    const test = docs.some((d) => d.test);
    return {
      step: 'reconciled',
      state: 'not-applicable',
      at: null,
      summary: test
        ? 'test data is not reconciled'
        : docs.length > 0
          ? 'no ship notice or invoice: nothing to match against a purchase order'
          : 'no document to reconcile',
      issues: [],
    };
  }
  const unread = counted.some((d) => d.id > lastDocumentId);
  // A PO matched while an invoice's grace period runs stays queued for a second look: it is matched.
  const recheck = pos.filter((p) => p.queued?.reason === GRACE_PERIOD_REASON && !p.queued.lastError);
  const queued = pos.filter((p) => p.queued !== null && !recheck.includes(p));
  const mismatches = pos.flatMap((p) => p.mismatches);
  const open = mismatches.filter((m) => m.status === 'open' || m.status === 'disputed').length;
  const poList = pos.map((p) => p.poNumber).join(', ');
  if (unread || queued.length > 0) {
    const errors = queued.filter((p) => p.queued?.lastError);
    return {
      step: 'reconciled',
      state: 'pending',
      at: null,
      summary:
        `PO ${poList}: waiting to be matched against the ERP` +
        (errors.length > 0
          ? `; the last attempt failed, tried again at ${errors.map((p) => p.queued!.dueAt.toISOString()).join(', ')}`
          : ''),
      issues: errors.map((p) => ({
        code: 'reconciliation-failed',
        message: `PO ${p.poNumber}: ${p.queued!.lastError!}`,
      })),
    };
  }
  const seen = mismatches.map((m) => m.lastSeenAt.getTime());
  const again =
    recheck.length > 0
      ? `; matched again at ${recheck.map((p) => p.queued!.dueAt.toISOString()).join(', ')} when an invoice's grace period ends`
      : '';
  return {
    step: 'reconciled',
    state: 'done',
    at: seen.length > 0 ? new Date(Math.max(...seen)) : null,
    summary:
      (mismatches.length === 0
        ? `PO ${poList}: matched, no mismatch`
        : `PO ${poList}: ${plural(mismatches.length, 'mismatch', 'mismatches')} (${open} open or disputed)`) +
      again,
    issues: [],
  };
}

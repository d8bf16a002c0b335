// Finance's review of reconciliation: list and filter mismatches, read one with its history, decide on it.
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../store/db.ts';
import { auditOf } from '../../store/queries/audit.ts';
import {
  decideMismatch,
  findMismatches,
  getMismatch,
  MISMATCH_STATUSES,
  type MismatchDecision,
  type MismatchFilter,
  type MismatchStatus,
} from '../../store/queries/mismatches.ts';
import { MISMATCH_TYPES } from '../../reconcile/index.ts';
import { principal } from '../auth.ts';
import { ApiError } from '../errors.ts';
import {
  ANY,
  DATE_QUERY,
  DATE_TIME,
  dateParam,
  ID_PARAMS,
  listSchema,
  page,
  PAGE_QUERY,
} from '../schemas.ts';

/** Who may read mismatches: finance (and admin). The trace names a PO's mismatches only to them. */
export const MISMATCH_ROLES = ['finance'] as const;
const ROLES = MISMATCH_ROLES;

const MISMATCH = {
  type: 'object',
  required: ['id', 'partnerId', 'poNumber', 'type', 'severity', 'status', 'amountAtRisk', 'message'],
  properties: {
    id: { type: 'integer' },
    key: { type: 'string' },
    partnerId: { type: 'string' },
    poNumber: { type: 'string' },
    type: { type: 'string', enum: [...MISMATCH_TYPES] },
    severity: { type: 'string', enum: ['error', 'warning'] },
    status: { type: 'string', enum: [...MISMATCH_STATUSES] },
    expected: { type: 'string' },
    actual: { type: 'string' },
    amountAtRisk: { type: 'string', description: 'a decimal, as text so no precision is lost' },
    currency: { type: 'string' },
    message: { type: 'string' },
    documents: {
      type: 'array',
      items: ANY,
      description: 'the documents and lines involved, the main one first',
    },
    detectedAt: DATE_TIME,
    updatedAt: DATE_TIME,
    lastSeenAt: DATE_TIME,
    decidedBy: { type: 'string' },
    decidedAt: DATE_TIME,
    comment: { type: 'string' },
  },
} as const;

const AUDIT_ENTRY = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    at: DATE_TIME,
    actor: { type: 'string' },
    action: { type: 'string' },
    details: { type: 'object', additionalProperties: true },
  },
} as const;

/** The filters of the list, the export and the chart. */
export interface MismatchFilterQuery {
  partner?: string;
  status?: MismatchStatus[];
  type?: string[];
  from?: string;
  to?: string;
  po?: string;
  minAmount?: string;
  maxAmount?: string;
}

interface ListQuery extends MismatchFilterQuery {
  limit: number;
  before?: number;
}

const AMOUNT = '^\\d+(\\.\\d+)?$';

export const MISMATCH_FILTER_QUERY = {
  partner: { type: 'string', minLength: 1, description: 'partner id' },
  status: {
    type: 'array',
    items: { type: 'string', enum: [...MISMATCH_STATUSES] },
    description: 'one or more statuses (repeat the parameter)',
  },
  type: {
    type: 'array',
    items: { type: 'string', enum: [...MISMATCH_TYPES] },
    description: 'one or more mismatch types (repeat the parameter)',
  },
  ...DATE_QUERY,
  po: { type: 'string', minLength: 1, description: 'purchase order number' },
  minAmount: {
    type: 'string',
    pattern: AMOUNT,
    maxLength: 40,
    description: 'amount at risk at least this (a decimal, e.g. 100 or 99.50)',
  },
  maxAmount: {
    type: 'string',
    pattern: AMOUNT,
    maxLength: 40,
    description: 'amount at risk at most this (a decimal)',
  },
} as const;

/** The store's filter for the query's filters; a date that fits the pattern but is no date is refused. */
export function mismatchFilterOf(q: MismatchFilterQuery): MismatchFilter {
  const from = dateParam('from', q.from);
  const to = dateParam('to', q.to);
  return {
    ...(q.partner !== undefined ? { partnerId: q.partner } : {}),
    ...(q.po !== undefined ? { poNumber: q.po } : {}),
    ...(q.status ? { statuses: q.status } : {}),
    ...(q.type ? { types: q.type } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(q.minAmount !== undefined ? { minAmount: q.minAmount } : {}),
    ...(q.maxAmount !== undefined ? { maxAmount: q.maxAmount } : {}),
  };
}

const DECISIONS: readonly MismatchDecision[] = ['accept', 'dispute', 'resolve', 'reopen'];

export function mismatchRoutes(app: FastifyInstance, deps: { db: Db; now: () => Date }): void {
  const { db } = deps;

  app.get<{ Querystring: ListQuery }>(
    '/api/mismatches',
    {
      config: { roles: ROLES },
      schema: {
        summary: 'Mismatches, newest first',
        tags: ['mismatches'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ...MISMATCH_FILTER_QUERY, ...PAGE_QUERY },
        },
        response: { 200: listSchema(MISMATCH) },
      },
    },
    async (request) => {
      const q = request.query;
      const items = await findMismatches(db, {
        ...mismatchFilterOf(q),
        ...(q.before !== undefined ? { beforeId: q.before } : {}),
        limit: q.limit,
      });
      return page(items, q.limit);
    },
  );

  app.get<{ Params: { id: number } }>(
    '/api/mismatches/:id',
    {
      config: { roles: ROLES },
      schema: {
        summary: 'One mismatch with its audit history, oldest entry first',
        tags: ['mismatches'],
        params: ID_PARAMS,
        response: {
          200: {
            type: 'object',
            required: ['mismatch', 'history'],
            properties: { mismatch: MISMATCH, history: { type: 'array', items: AUDIT_ENTRY } },
          },
        },
      },
    },
    async (request) => {
      const mismatch = await getMismatch(db, request.params.id);
      if (!mismatch) throw new ApiError('not-found', `no mismatch ${request.params.id}`);
      return { mismatch, history: await auditOf(db, 'mismatch', mismatch.id) };
    },
  );

  app.post<{ Params: { id: number }; Body: { decision: MismatchDecision; comment: string } }>(
    '/api/mismatches/:id/decision',
    {
      config: { roles: ROLES },
      schema: {
        summary: 'Accept, dispute, resolve or reopen a mismatch, with a comment',
        description:
          'Recorded with the user (or token:<name>) in the audit log. A decision the current status does not ' +
          'allow (accepting a resolved mismatch) is refused with 409 conflict and the statuses it needs.',
        tags: ['mismatches'],
        params: ID_PARAMS,
        body: {
          type: 'object',
          required: ['decision', 'comment'],
          additionalProperties: false,
          properties: {
            decision: { type: 'string', enum: [...DECISIONS] },
            comment: { type: 'string', minLength: 1, maxLength: 2000 },
          },
        },
        response: { 200: { type: 'object', required: ['mismatch'], properties: { mismatch: MISMATCH } } },
      },
    },
    async (request) => {
      const who = principal(request);
      const { decision, comment } = request.body;
      const result = await db.transaction((tx) =>
        decideMismatch(tx, request.params.id, decision, { actor: who.actor, comment, at: deps.now() }),
      );
      if (result.ok) return { mismatch: result.mismatch };
      if (result.reason === 'not-found') throw new ApiError('not-found', `no mismatch ${request.params.id}`);
      throw new ApiError(
        'conflict',
        `cannot ${decision} a mismatch that is ${result.status}; it must be ${result.allowedFrom.join(' or ')}`,
        { status: result.status, allowedFrom: result.allowedFrom },
      );
    },
  );
}

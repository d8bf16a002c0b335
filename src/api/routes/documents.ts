// Canonical documents by their business keys: what finance and operations search for.
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../store/db.ts';
import { findDocuments, getDocument } from '../../store/queries/documents.ts';
import { ApiError } from '../errors.ts';
import {
  ANY,
  DATE_TIME,
  ID_PARAMS,
  listSchema,
  NULLABLE_INTEGER,
  NULLABLE_STRING,
  page,
  PAGE_QUERY,
} from '../schemas.ts';

const ROLES = ['finance', 'operations'] as const;

const SUMMARY_PROPERTIES = {
  id: { type: 'integer' },
  receiptId: { type: 'integer' },
  transactionSetId: NULLABLE_INTEGER,
  partnerId: { type: 'string' },
  type: { type: 'string' },
  schemaVersion: { type: 'integer' },
  test: { type: 'boolean' },
  poNumbers: { type: 'array', items: { type: 'string' } },
  shipmentId: NULLABLE_STRING,
  billOfLading: NULLABLE_STRING,
  invoiceNumber: NULLABLE_STRING,
  issues: { type: 'array', items: ANY },
  createdAt: DATE_TIME,
} as const;

const SUMMARY = {
  type: 'object',
  required: ['id', 'receiptId', 'partnerId', 'type', 'poNumbers', 'createdAt'],
  properties: SUMMARY_PROPERTIES,
} as const;

const DOCUMENT = {
  type: 'object',
  required: [...SUMMARY.required, 'document'],
  properties: {
    ...SUMMARY_PROPERTIES,
    document: { type: 'object', additionalProperties: true, description: 'the canonical document' },
  },
} as const;

interface ListQuery {
  po?: string;
  shipment?: string;
  bol?: string;
  invoice?: string;
  partner?: string;
  type?: string;
  limit: number;
  before?: number;
}

export function documentRoutes(app: FastifyInstance, deps: { db: Db }): void {
  const { db } = deps;
  const key = (description: string) => ({ type: 'string', minLength: 1, description }) as const;

  app.get<{ Querystring: ListQuery }>(
    '/api/documents',
    {
      config: { roles: ROLES },
      schema: {
        summary: 'Canonical documents by business key, newest first (without the document bodies)',
        tags: ['documents'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            po: key('purchase order number'),
            shipment: key('shipment id'),
            bol: key('bill of lading number'),
            invoice: key('invoice number'),
            partner: key('partner id'),
            type: key('document type, e.g. purchase-order, advance-ship-notice, invoice'),
            ...PAGE_QUERY,
          },
        },
        response: { 200: listSchema(SUMMARY) },
      },
    },
    async (request) => {
      const q = request.query;
      const items = await findDocuments(db, {
        ...(q.po !== undefined ? { poNumber: q.po } : {}),
        ...(q.shipment !== undefined ? { shipmentId: q.shipment } : {}),
        ...(q.bol !== undefined ? { billOfLading: q.bol } : {}),
        ...(q.invoice !== undefined ? { invoiceNumber: q.invoice } : {}),
        ...(q.partner !== undefined ? { partnerId: q.partner } : {}),
        ...(q.type !== undefined ? { type: q.type } : {}),
        ...(q.before !== undefined ? { beforeId: q.before } : {}),
        limit: q.limit,
      });
      return page(items, q.limit);
    },
  );

  app.get<{ Params: { id: number } }>(
    '/api/documents/:id',
    {
      config: { roles: ROLES },
      schema: {
        summary: 'One canonical document',
        tags: ['documents'],
        params: ID_PARAMS,
        response: { 200: { type: 'object', required: ['document'], properties: { document: DOCUMENT } } },
      },
    },
    async (request) => {
      const document = await getDocument(db, request.params.id);
      if (!document) throw new ApiError('not-found', `no document ${request.params.id}`);
      return { document };
    },
  );
}

// Operations' view of arrivals: every file received, what was in it, what we answered, and its bytes.
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../store/db.ts';
import type { BlobStore } from '../../store/blobs.ts';
import { acknowledgmentsOfReceipt } from '../../store/queries/acknowledgments.ts';
import { interchangesOfReceipt } from '../../store/queries/interchanges.ts';
import { getReceipt, listReceipts, type ReceiptStatus } from '../../store/queries/receipts.ts';
import { ApiError } from '../errors.ts';
import {
  ANY,
  DATE_QUERY,
  DATE_TIME,
  dateParam,
  ID_PARAMS,
  listSchema,
  NULLABLE_DATE_TIME,
  NULLABLE_INTEGER,
  NULLABLE_STRING,
  page,
  PAGE_QUERY,
} from '../schemas.ts';

const ROLES = ['operations'] as const;
const STATUSES: readonly ReceiptStatus[] = ['received', 'processing', 'processed', 'duplicate', 'dead'];
const ISSUES = { type: 'array', items: ANY } as const;

const RECEIPT = {
  type: 'object',
  required: ['id', 'channelKind', 'channelId', 'status', 'size', 'sha256', 'receivedAt'],
  properties: {
    id: { type: 'integer' },
    channelKind: { type: 'string' },
    channelId: { type: 'string' },
    partnerId: NULLABLE_STRING,
    remotePath: NULLABLE_STRING,
    fileName: NULLABLE_STRING,
    size: { type: 'integer' },
    remoteMtime: NULLABLE_DATE_TIME,
    sha256: { type: 'string' },
    duplicateOf: NULLABLE_INTEGER,
    replayOf: NULLABLE_INTEGER,
    status: { type: 'string', enum: [...STATUSES] },
    outcome: { type: ['string', 'null'], enum: ['accepted', 'partially-accepted', 'rejected', null] },
    issues: ISSUES,
    attempts: { type: 'integer' },
    lastError: NULLABLE_STRING,
    receivedAt: DATE_TIME,
    startedAt: NULLABLE_DATE_TIME,
    finishedAt: NULLABLE_DATE_TIME,
  },
} as const;

const INTERCHANGE = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    position: { type: 'integer' },
    partnerId: NULLABLE_STRING,
    senderQualifier: { type: 'string' },
    senderId: { type: 'string' },
    receiverQualifier: { type: 'string' },
    receiverId: { type: 'string' },
    controlNumber: { type: 'string' },
    version: { type: 'string' },
    status: { type: 'string' },
    duplicateOf: NULLABLE_INTEGER,
    issues: ISSUES,
  },
} as const;

const GROUP = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    interchangeId: { type: 'integer' },
    position: { type: 'integer' },
    functionalId: { type: 'string' },
    controlNumber: { type: 'string' },
    version: { type: 'string' },
    ackCode: NULLABLE_STRING,
    setCount: { type: 'integer' },
    issues: ISSUES,
  },
} as const;

const SET = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    groupId: { type: 'integer' },
    interchangeId: { type: 'integer' },
    position: { type: 'integer' },
    setId: { type: 'string' },
    controlNumber: { type: 'string' },
    spec: NULLABLE_STRING,
    status: { type: 'string' },
    segmentCount: { type: 'integer' },
    startLine: { type: 'integer' },
    issues: ISSUES,
    mappingStatus: { type: 'string' },
  },
} as const;

const ACK = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    interchangeId: { type: 'integer' },
    kinds: { type: 'string', description: 'TA1, 997, 999, or several' },
    controlNumber: { type: 'string' },
    inboundControlNumber: { type: 'string' },
    ta1Code: NULLABLE_STRING,
    deliveryStatus: { type: 'string' },
    channelKind: NULLABLE_STRING,
    deliveredTo: NULLABLE_STRING,
    attempts: { type: 'integer' },
    lastError: NULLABLE_STRING,
    createdAt: DATE_TIME,
    deliveredAt: NULLABLE_DATE_TIME,
    body: { type: 'string', description: 'the acknowledgment as sent' },
  },
} as const;

interface ListQuery {
  partner?: string;
  status?: ReceiptStatus;
  from?: string;
  to?: string;
  limit: number;
  before?: number;
}

export function receiptRoutes(app: FastifyInstance, deps: { db: Db; blobs: BlobStore }): void {
  const { db, blobs } = deps;

  app.get<{ Querystring: ListQuery }>(
    '/api/receipts',
    {
      config: { roles: ROLES },
      schema: {
        summary: 'Files received, newest first',
        tags: ['receipts'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            partner: { type: 'string', minLength: 1, description: 'partner id' },
            status: { type: 'string', enum: [...STATUSES] },
            ...DATE_QUERY,
            ...PAGE_QUERY,
          },
        },
        response: { 200: listSchema(RECEIPT) },
      },
    },
    async (request) => {
      const q = request.query;
      const from = dateParam('from', q.from);
      const to = dateParam('to', q.to);
      const items = await listReceipts(db, {
        ...(q.partner !== undefined ? { partnerId: q.partner } : {}),
        ...(q.status !== undefined ? { status: q.status } : {}),
        ...(from ? { from } : {}),
        ...(to ? { to } : {}),
        ...(q.before !== undefined ? { beforeId: q.before } : {}),
        limit: q.limit,
      });
      return page(items, q.limit);
    },
  );

  app.get<{ Params: { id: number } }>(
    '/api/receipts/:id',
    {
      config: { roles: ROLES },
      schema: {
        summary: 'One receipt with its interchanges, groups, sets, issues and acknowledgments',
        tags: ['receipts'],
        params: ID_PARAMS,
        response: {
          200: {
            type: 'object',
            required: ['receipt', 'interchanges', 'groups', 'sets', 'acknowledgments'],
            properties: {
              receipt: RECEIPT,
              interchanges: { type: 'array', items: INTERCHANGE },
              groups: { type: 'array', items: GROUP },
              sets: { type: 'array', items: SET },
              acknowledgments: { type: 'array', items: ACK },
            },
          },
        },
      },
    },
    async (request) => {
      const receipt = await getReceipt(db, request.params.id);
      if (!receipt) throw new ApiError('not-found', `no receipt ${request.params.id}`);
      const { interchanges, groups, sets } = await interchangesOfReceipt(db, receipt.id);
      return {
        receipt,
        interchanges,
        groups,
        sets,
        acknowledgments: await acknowledgmentsOfReceipt(db, receipt.id),
      };
    },
  );

  app.get<{ Params: { id: number } }>(
    '/api/receipts/:id/raw',
    {
      config: { roles: ROLES },
      schema: {
        summary: 'The file exactly as it was received',
        tags: ['receipts'],
        params: ID_PARAMS,
        response: {
          200: {
            description: 'the original bytes',
            content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
          },
        },
      },
    },
    async (request, reply) => {
      const receipt = await getReceipt(db, request.params.id);
      if (!receipt) throw new ApiError('not-found', `no receipt ${request.params.id}`);
      // Read whole: a stream failing after the status line is sent could only be cut off, not reported; the
      // size check keeps a huge file from being buffered.
      if (receipt.size > RAW_BUFFER_LIMIT) {
        return reply
          .type('application/octet-stream')
          .header('content-disposition', attachment(receipt.fileName, receipt.id))
          .header('content-length', receipt.size)
          .send(blobs.read(receipt.blobKey));
      }
      const bytes = await blobs.readAll(receipt.blobKey);
      return reply
        .type('application/octet-stream')
        .header('content-disposition', attachment(receipt.fileName, receipt.id))
        .send(bytes);
    },
  );
}

/** Files up to this size are read before answering, so a missing blob is a clean error response. */
const RAW_BUFFER_LIMIT = 16 * 1024 * 1024;

function attachment(fileName: string | null, id: number): string {
  const name = (fileName ?? `receipt-${id}.edi`).replace(/[^A-Za-z0-9._-]/g, '_');
  return `attachment; filename="${name}"`;
}

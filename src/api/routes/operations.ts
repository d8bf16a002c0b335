// Operations' desk: jobs that failed for good and their retry, replaying a file, the delivery of our acks, and
// how much work passed through per hour. Retry and replay are the same functions `dockside deadletters retry`
// and `dockside replay` use, audited with the API user instead of the shell user.
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../../errors.ts';
import type { Intake } from '../../intake/receive.ts';
import { jobIds, QUEUE_NAMES, type JobPayloads, type JobQueue, type QueueName } from '../../jobs/queue.ts';
import { replayReceipt, retryDeadLetter } from '../../pipeline/operations.ts';
import type { BlobStore } from '../../store/blobs.ts';
import type { Db } from '../../store/db.ts';
import { listDeliveries, type DeliveryStatus } from '../../store/queries/acknowledgments.ts';
import { findDeadLetters, getDeadLetterView, type DeadLetterView } from '../../store/queries/dead-letters.ts';
import { getReceipt } from '../../store/queries/receipts.ts';
import { hourlyThroughput, processingLatency } from '../../store/queries/throughput.ts';
import { principal } from '../auth.ts';
import { ApiError, ERROR_SCHEMA } from '../errors.ts';
import {
  ANY,
  DATE_TIME,
  ID_PARAMS,
  listSchema,
  NULLABLE_DATE_TIME,
  NULLABLE_INTEGER,
  NULLABLE_STRING,
  page,
  PAGE_QUERY,
} from '../schemas.ts';

const ROLES = ['operations'] as const;
const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'failed', 'no-channel'];
const HOUR_MS = 3_600_000;

const DEAD_LETTER = {
  type: 'object',
  required: ['id', 'queue', 'jobId', 'receiptId', 'partnerId', 'reason', 'attempts', 'status', 'createdAt'],
  properties: {
    id: { type: 'integer' },
    queue: { type: 'string' },
    jobId: { type: 'string' },
    receiptId: NULLABLE_INTEGER,
    partnerId: {
      ...NULLABLE_STRING,
      description: "the acknowledgment's partner for a delivery, else the receipt's",
    },
    errorCode: NULLABLE_STRING,
    reason: { type: 'string', description: 'the last error' },
    attempts: { type: 'integer' },
    status: { type: 'string', enum: ['open', 'retried'] },
    createdAt: DATE_TIME,
    retriedAt: NULLABLE_DATE_TIME,
    retriedBy: NULLABLE_STRING,
    payload: { ...ANY, description: 'the job: ids only, never file contents' },
  },
} as const;

const RECEIPT = {
  type: 'object',
  required: ['id', 'status', 'receivedAt'],
  properties: {
    id: { type: 'integer' },
    channelKind: { type: 'string' },
    channelId: { type: 'string' },
    partnerId: NULLABLE_STRING,
    remotePath: NULLABLE_STRING,
    fileName: NULLABLE_STRING,
    size: { type: 'integer' },
    sha256: { type: 'string' },
    duplicateOf: NULLABLE_INTEGER,
    replayOf: {
      ...NULLABLE_INTEGER,
      description: 'the first receipt of the file (a replay of a replay names it)',
    },
    status: { type: 'string' },
    outcome: NULLABLE_STRING,
    receivedAt: DATE_TIME,
  },
} as const;

const DELIVERY = {
  type: 'object',
  required: [
    'id',
    'partnerId',
    'kinds',
    'controlNumber',
    'receiptId',
    'deliveryStatus',
    'attempts',
    'createdAt',
  ],
  properties: {
    id: { type: 'integer' },
    partnerId: { type: 'string' },
    kinds: { type: 'string', description: 'TA1, 997, 999, or several' },
    controlNumber: { type: 'string', description: 'our interchange control number' },
    inboundControlNumber: { type: 'string', description: 'the control number of the interchange answered' },
    receiptId: { type: 'integer' },
    interchangeId: { type: 'integer' },
    ta1Code: NULLABLE_STRING,
    deliveryStatus: { type: 'string', enum: [...DELIVERY_STATUSES] },
    channelKind: NULLABLE_STRING,
    deliveredTo: NULLABLE_STRING,
    attempts: { type: 'integer' },
    lastError: NULLABLE_STRING,
    createdAt: DATE_TIME,
    deliveredAt: NULLABLE_DATE_TIME,
    updatedAt: DATE_TIME,
  },
} as const;

const COUNT = { type: 'integer', minimum: 0 } as const;

const CONFLICT = { description: 'conflict: see the message and details', ...ERROR_SCHEMA } as const;

export interface OperationsRouteDeps {
  db: Db;
  blobs: BlobStore;
  now: () => Date;
  /** What replay and retry need to take a file in again and queue jobs; without it those routes are absent. */
  operations?: { intake: Intake; queue: JobQueue };
}

export function operationsRoutes(app: FastifyInstance, deps: OperationsRouteDeps): void {
  const { db } = deps;

  app.get<{
    Querystring: {
      status?: 'open' | 'retried';
      queue?: QueueName;
      partner?: string;
      limit: number;
      before?: number;
    };
  }>(
    '/api/dead-letters',
    {
      config: { roles: ROLES },
      schema: {
        summary: 'Jobs that failed for good, newest first',
        tags: ['operations'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: ['open', 'retried'] },
            queue: { type: 'string', enum: [...QUEUE_NAMES] },
            partner: { type: 'string', minLength: 1, description: 'partner id' },
            ...PAGE_QUERY,
          },
        },
        response: { 200: listSchema(DEAD_LETTER) },
      },
    },
    async (request) => {
      const q = request.query;
      const items = await findDeadLetters(db, {
        ...(q.status !== undefined ? { status: q.status } : {}),
        ...(q.queue !== undefined ? { queue: q.queue } : {}),
        ...(q.partner !== undefined ? { partnerId: q.partner } : {}),
        ...(q.before !== undefined ? { beforeId: q.before } : {}),
        limit: q.limit,
      });
      return page(items, q.limit);
    },
  );

  app.get<{ Querystring: { status?: DeliveryStatus; partner?: string; limit: number; before?: number } }>(
    '/api/deliveries',
    {
      config: { roles: ROLES },
      schema: {
        summary: 'Acknowledgments we send and how their delivery went, newest first',
        tags: ['operations'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: [...DELIVERY_STATUSES] },
            partner: { type: 'string', minLength: 1, description: 'partner id' },
            ...PAGE_QUERY,
          },
        },
        response: { 200: listSchema(DELIVERY) },
      },
    },
    async (request) => {
      const q = request.query;
      const items = await listDeliveries(db, {
        ...(q.status !== undefined ? { status: q.status } : {}),
        ...(q.partner !== undefined ? { partnerId: q.partner } : {}),
        ...(q.before !== undefined ? { beforeId: q.before } : {}),
        limit: q.limit,
      });
      return page(items, q.limit);
    },
  );

  app.get<{ Querystring: { hours: number; partner?: string } }>(
    '/api/throughput',
    {
      config: { roles: ROLES },
      schema: {
        summary: 'Work per hour over the last hours, oldest hour first, and processing latency',
        description:
          'Hours are whole UTC hours; the last is the current one. Every hour of the range is present, with ' +
          'zeros when nothing happened. received (duplicates included) counts by arrival; processed, rejected ' +
          'and dead by the end of processing; acksSent by delivery; failedDeliveries by the last attempt. ' +
          'latency is over the receipts processed in the range, from arrival to the end of processing.',
        tags: ['operations'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            hours: { type: 'integer', minimum: 1, maximum: 168, default: 24, description: 'how many hours' },
            partner: { type: 'string', minLength: 1, description: 'partner id' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['hours', 'from', 'to', 'buckets', 'latency'],
            properties: {
              hours: { type: 'integer' },
              from: DATE_TIME,
              to: DATE_TIME,
              buckets: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['start', 'received', 'processed', 'rejected', 'acksSent', 'failedDeliveries'],
                  properties: {
                    start: DATE_TIME,
                    received: COUNT,
                    duplicates: COUNT,
                    processed: COUNT,
                    rejected: COUNT,
                    dead: COUNT,
                    acksSent: COUNT,
                    failedDeliveries: COUNT,
                  },
                },
              },
              latency: {
                type: 'object',
                required: ['p50Ms', 'p95Ms'],
                properties: { p50Ms: NULLABLE_INTEGER, p95Ms: NULLABLE_INTEGER, count: COUNT },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const { hours, partner } = request.query;
      const currentHour = Math.floor(deps.now().getTime() / HOUR_MS) * HOUR_MS;
      const from = new Date(currentHour - (hours - 1) * HOUR_MS);
      const to = new Date(currentHour + HOUR_MS);
      const filter = partner !== undefined ? { partnerId: partner } : {};
      const [rows, latency] = await Promise.all([
        hourlyThroughput(db, { from, hours, ...filter }),
        processingLatency(db, { from, to, ...filter }),
      ]);
      return {
        hours,
        from,
        to,
        buckets: rows.map(({ hour, ...counts }) => ({
          start: new Date(from.getTime() + hour * HOUR_MS),
          ...counts,
        })),
        latency,
      };
    },
  );

  const ops = deps.operations;
  if (!ops) return;
  const opsDeps = { db, blobs: deps.blobs, intake: ops.intake, queue: ops.queue };

  app.post<{ Params: { id: number } }>(
    '/api/dead-letters/:id/retry',
    {
      config: { roles: ROLES },
      schema: {
        summary: 'Put a dead letter back in its queue',
        description:
          'The receipt or delivery it was about becomes pending again and the job is queued. Recorded with the ' +
          'user (or token:<name>) in the audit log. A dead letter already retried is refused with 409 conflict.',
        tags: ['operations'],
        params: ID_PARAMS,
        response: {
          200: {
            type: 'object',
            required: ['deadLetter', 'requeued'],
            properties: {
              deadLetter: DEAD_LETTER,
              requeued: {
                type: 'object',
                required: ['queue', 'jobId'],
                properties: { queue: { type: 'string' }, jobId: { type: 'string' } },
              },
            },
          },
          409: CONFLICT,
        },
      },
    },
    async (request) => {
      const who = principal(request);
      const id = request.params.id;
      try {
        await retryDeadLetter(opsDeps, id, who.actor);
      } catch (e) {
        if (!(e instanceof GatewayError)) throw e;
        if (e.code === 'not-found') throw new ApiError('not-found', `no dead letter ${id}`);
        if (e.code === 'usage') {
          const letter = await getDeadLetterView(db, id);
          throw new ApiError('conflict', e.message, {
            status: letter?.status ?? null,
            retriedBy: letter?.retriedBy ?? null,
            retriedAt: letter?.retriedAt ?? null,
          });
        }
        throw e;
      }
      const deadLetter = (await getDeadLetterView(db, id))!;
      return { deadLetter, requeued: { queue: deadLetter.queue, jobId: requeuedJobId(deadLetter) } };
    },
  );

  app.post<{ Params: { id: number } }>(
    '/api/receipts/:id/replay',
    {
      config: { roles: ROLES },
      schema: {
        summary: 'Process a received file again, as a new receipt',
        description:
          'The stored bytes are taken in again as a new receipt (channel kind "replay") pointing at the ' +
          'original; its interchanges are not treated as duplicates and its acks get new control numbers. ' +
          'Recorded with the user (or token:<name>) in the audit log. A receipt that is itself a duplicate ' +
          'arrival is refused with 409 conflict naming the receipt to replay instead.',
        tags: ['operations', 'receipts'],
        params: ID_PARAMS,
        response: {
          200: {
            type: 'object',
            required: ['receipt', 'replayOf'],
            properties: {
              receipt: RECEIPT,
              replayOf: { type: 'integer', description: 'the receipt asked to replay' },
            },
          },
          409: CONFLICT,
        },
      },
    },
    async (request) => {
      const who = principal(request);
      const id = request.params.id;
      try {
        const result = await replayReceipt(opsDeps, id, who.actor);
        return { receipt: result.receipt, replayOf: id };
      } catch (e) {
        if (!(e instanceof GatewayError)) throw e;
        // not-found is a receipt that does not exist or whose stored file is gone; the message says which.
        if (e.code === 'not-found') throw new ApiError('not-found', e.message);
        if (e.code === 'usage') {
          const receipt = await getReceipt(db, id);
          throw new ApiError('conflict', e.message, { duplicateOf: receipt?.duplicateOf ?? null });
        }
        throw e;
      }
    },
  );
}

function requeuedJobId(letter: DeadLetterView): string {
  const queue = letter.queue as QueueName;
  if (!QUEUE_NAMES.includes(queue)) return letter.jobId;
  return (jobIds[queue] as (p: JobPayloads[QueueName]) => string)(letter.payload as JobPayloads[QueueName]);
}

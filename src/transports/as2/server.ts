// The gateway's AS2 endpoint: one HTTP POST route that tells partners apart by AS2-From and AS2-To, guards the
// gateway (size, time, per-partner concurrency) before a body is read in full, and hands the message to
// inbound.ts. Asynchronous MDNs that partners post back for our own messages arrive here too and go to the
// outbound side's callback.
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { errorMessage, isRetryable } from '../../errors.ts';
import type { Intake } from '../../intake/receive.ts';
import type { Logger } from '../../log.ts';
import type { Partner } from '../../partners/partner.ts';
import type { Db } from '../../store/db.ts';
import { handleInbound, type As2Partner, type As2RequestHeaders } from './inbound.ts';
import { MdnDeliverer, type MdnRetryPolicy } from './mdn-delivery.ts';
import { entityContentType, parseContentType, parseEntity, splitMultipart } from './mime.ts';

export interface As2ServerLimits {
  /** The largest message accepted, in bytes; a larger one gets 413 before it is read (default 100 MiB). */
  maxMessageBytes: number;
  /** From the request line to the last byte of the body; a slower sender gets 408 (default 5 min). */
  requestTimeoutMs: number;
  /** The Retry-After of a 503, when a partner already has `maxConcurrent` messages in flight (default 5). */
  retryAfterSeconds: number;
}

export const DEFAULT_AS2_LIMITS: As2ServerLimits = {
  maxMessageBytes: 100 * 1024 * 1024,
  requestTimeoutMs: 5 * 60_000,
  retryAfterSeconds: 5,
};

/** The partner a message is from, by its AS2-From and the AS2-To it was sent to; undefined when unknown. */
export type As2Lookup = (as2From: string, as2To: string) => { partner: Partner } | undefined;

/** What to answer a posted MDN with (default 200); `reason` goes into the text of the response. */
export interface AsyncMdnAnswer {
  httpStatus: number;
  reason?: string;
}

/** Receives an MDN a partner posted for one of our messages; header names are lower-case. */
export type AsyncMdnHandler = (
  headers: Record<string, string>,
  body: Buffer,
) => Promise<AsyncMdnAnswer | void> | AsyncMdnAnswer | void;

export interface As2ServerOptions {
  host: string;
  /** 0 for any free port. */
  port: number;
  /** The route partners post to (default `/as2`). */
  path?: string;
  intake: Intake;
  db: Db;
  lookup: As2Lookup;
  log: Logger;
  limits?: Partial<As2ServerLimits>;
  onAsyncMdn?: AsyncMdnHandler;
  mdnRetry?: Partial<MdnRetryPolicy>;
  reportingUa?: string;
}

export interface As2Server {
  port: number;
  close(): Promise<void>;
}

class HttpRefusal extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

interface RequestState {
  startedAt: number;
  partner?: As2Partner;
  headers?: As2RequestHeaders;
}

const states = new WeakMap<FastifyRequest, RequestState>();

export async function startAs2Server(options: As2ServerOptions): Promise<As2Server> {
  const limits = { ...DEFAULT_AS2_LIMITS, ...options.limits };
  const log = options.log.child({ channel: 'as2' });
  const path = options.path ?? '/as2';
  const inFlight = new Map<string, number>();
  const deliverer = new MdnDeliverer({
    db: options.db,
    log,
    ...(options.mdnRetry ? { retry: options.mdnRetry } : {}),
    // The partner by the AS2 names the message came with, as the endpoint finds it now: a partner file
    // changed (or a partner suspended) since the MDN was recorded decides whether it is still posted.
    partnerOf: (row) => {
      const partner = options.lookup(row.as2From, row.as2To)?.partner;
      return partner?.id === row.partnerId ? partner : undefined;
    },
  });

  // Node's own request timeout (300 s by default) answers 408 without a word in our log: it is set past ours.
  const app = Fastify({
    logger: false,
    bodyLimit: limits.maxMessageBytes,
    requestTimeout: limits.requestTimeoutMs + 30_000,
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request, payload, done) => {
    const state = states.get(request)!;
    readBody(payload, limits, state.startedAt).then(
      (body) => done(null, body),
      (error: Error) => done(error, undefined),
    );
  });

  app.setErrorHandler((error, request, reply) => {
    const state = states.get(request);
    const context = {
      partnerId: state?.partner?.id,
      as2MessageId: state?.headers?.messageId,
      ip: request.ip,
    };
    if (error instanceof HttpRefusal) {
      log.warn({ ...context, status: error.statusCode, reason: error.message }, 'AS2 request refused');
      void reply.headers(error.headers);
      if (error.statusCode === 408 || error.statusCode === 413) void reply.header('connection', 'close');
      return reply.code(error.statusCode).type('text/plain; charset=utf-8').send(`${error.message}\n`);
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      const reason = errorMessage(error);
      log.warn({ ...context, status, reason }, 'AS2 request refused');
      return reply.code(status).type('text/plain; charset=utf-8').send(`${reason}\n`);
    }
    // Broken infrastructure (the database, the blob store): no MDN is sent, so the sender tries again.
    const retryable = isRetryable(error);
    log.error({ ...context, err: errorMessage(error), retryable }, 'AS2 message not received');
    if (retryable) void reply.header('retry-after', String(limits.retryAfterSeconds));
    return reply
      .code(retryable ? 503 : 500)
      .type('text/plain; charset=utf-8')
      .send('the message could not be received; no MDN was sent, please send it again later\n');
  });

  app.post(path, {
    onRequest: async (request, reply) => {
      const state: RequestState = { startedAt: Date.now() };
      states.set(request, state);
      const h = request.headers;
      const as2From = unquote(one(h['as2-from']));
      const as2To = unquote(one(h['as2-to']));
      const messageId = one(h['message-id'])?.trim();
      if (!as2From || !as2To) throw new HttpRefusal(400, 'AS2-From and AS2-To are required');
      const found = options.lookup(as2From, as2To);
      const partner = found?.partner;
      // An MDN cannot be sent without a partner to sign it for: the refusal is HTTP only.
      if (!partner?.as2 || partner.as2.as2Id !== as2From || partner.as2.ourAs2Id !== as2To) {
        throw new HttpRefusal(
          403,
          `no partner sends as AS2-From ${JSON.stringify(as2From)} to AS2-To ${JSON.stringify(as2To)}`,
        );
      }
      state.partner = partner as As2Partner;
      if (!messageId) throw new HttpRefusal(400, 'Message-ID is required');
      const contentType = one(h['content-type']);
      if (!contentType) throw new HttpRefusal(400, 'Content-Type is required');
      state.headers = {
        as2From,
        as2To,
        messageId,
        contentType,
        ...optional('contentTransferEncoding', one(h['content-transfer-encoding'])),
        ...optional('dispositionNotificationTo', one(h['disposition-notification-to'])),
        ...optional('dispositionNotificationOptions', one(h['disposition-notification-options'])),
        ...optional('receiptDeliveryOption', one(h['receipt-delivery-option'])),
      };
      const length = Number(h['content-length']);
      if (length > limits.maxMessageBytes) {
        throw new HttpRefusal(
          413,
          `the message is ${length} bytes; at most ${limits.maxMessageBytes} are accepted`,
        );
      }
      const busy = inFlight.get(partner.id) ?? 0;
      if (busy >= partner.as2.maxConcurrent) {
        throw new HttpRefusal(
          503,
          `${busy} messages of this partner are being received; at most ${partner.as2.maxConcurrent} at once`,
          { 'retry-after': String(limits.retryAfterSeconds) },
        );
      }
      inFlight.set(partner.id, busy + 1);
      let released = false;
      reply.raw.once('close', () => {
        if (released) return;
        released = true;
        const left = (inFlight.get(partner.id) ?? 1) - 1;
        if (left > 0) inFlight.set(partner.id, left);
        else inFlight.delete(partner.id);
      });
    },
    handler: async (request, reply) => {
      const state = states.get(request)!;
      const partner = state.partner!;
      const headers = state.headers!;
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      if (isMdn(headers.contentType, body)) {
        if (!options.onAsyncMdn) throw new HttpRefusal(400, 'MDNs are not accepted at this endpoint');
        const outcome = await options.onAsyncMdn(lowerCaseHeaders(request), body);
        const status = outcome?.httpStatus ?? 200;
        log.info(
          { partnerId: partner.id, as2MessageId: headers.messageId, status, reason: outcome?.reason },
          'asynchronous MDN received',
        );
        const text = outcome?.reason ?? (status < 300 ? 'MDN received' : 'MDN not accepted');
        return reply.code(status).type('text/plain; charset=utf-8').send(`${text}\n`);
      }
      const answer = await handleInbound(
        { db: options.db, intake: options.intake, log, ...optional('reportingUa', options.reportingUa) },
        partner,
        headers,
        body,
      );
      if (answer.asyncMdnPending) deliverer.schedule(partner.id, headers.messageId);
      return sendAnswer(reply, answer.status, answer.headers, answer.body);
    },
  });

  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  log.info({ host: options.host, port, path }, 'AS2 endpoint listening');
  // Asynchronous MDNs recorded before a restart: posted when due, without waiting for the sweeper.
  const resumed = deliverer.resume().then(
    (count) => {
      if (count > 0) log.info({ count }, 'asynchronous MDNs still to be posted resumed');
    },
    (e: unknown) =>
      log.warn({ err: errorMessage(e) }, 'pending asynchronous MDNs not resumed; the sweeper will'),
  );
  return {
    port,
    async close() {
      await app.close();
      await resumed;
      await deliverer.close();
    },
  };
}

function sendAnswer(reply: FastifyReply, status: number, headers: [string, string][], body: Buffer) {
  for (const [name, value] of headers) void reply.header(name, value);
  return reply.code(status).send(body);
}

/** Reads the body as it arrives, refusing it once it passes the size limit or the request's time is up. */
function readBody(payload: Readable, limits: As2ServerLimits, startedAt: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: Error | undefined) => {
      clearTimeout(timer);
      payload.off('data', onData);
      payload.off('end', onEnd);
      payload.off('error', onError);
      if (error) {
        payload.pause();
        reject(error);
      } else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxMessageBytes) {
        finish(
          new HttpRefusal(413, `the message is over ${limits.maxMessageBytes} bytes, the most accepted`),
        );
      } else chunks.push(chunk);
    };
    const onEnd = () => finish(undefined);
    const onError = (error: Error) => finish(new HttpRefusal(400, `the request broke off: ${error.message}`));
    const timer = setTimeout(
      () =>
        finish(
          new HttpRefusal(
            408,
            `the message did not arrive within ${limits.requestTimeoutMs} ms (${size} bytes received)`,
          ),
        ),
      Math.max(0, startedAt + limits.requestTimeoutMs - Date.now()),
    );
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
  });
}

/** An MDN rather than a message: a multipart/report, or a multipart/signed whose signed part is one. */
export function isMdn(contentType: string, body: Buffer): boolean {
  const type = parseContentType(contentType);
  if (type.mediaType === 'multipart/report') return true;
  if (type.mediaType !== 'multipart/signed') return false;
  const boundary = type.params.get('boundary');
  if (!boundary) return false;
  try {
    const [first] = splitMultipart(body, boundary);
    return first !== undefined && entityContentType(parseEntity(first)).mediaType === 'multipart/report';
  } catch {
    // Not splittable: let the message path refuse it with a proper MDN.
    return false;
  }
}

function lowerCaseHeaders(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    const v = one(value);
    if (v !== undefined) out[name.toLowerCase()] = v;
  }
  return out;
}

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** AS2-From and AS2-To may be quoted (RFC 4130 §6.2). */
function unquote(value: string | undefined): string | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  return v.startsWith('"') && v.endsWith('"') && v.length >= 2 ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

// The HTTP API as a fastify instance, not yet listening: the composition root (src/main.ts) decides where it
// listens, and tests drive it with inject(). Everything it needs comes in `deps`, taken from the Gateway.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Intake } from '../intake/receive.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { Logger } from '../log.ts';
import type { BlobStore } from '../store/blobs.ts';
import type { Db } from '../store/db.ts';
import type { ErpAdapter } from '../erp/index.ts';
import { installAuth } from './auth.ts';
import { installErrorHandlers } from './errors.ts';
import { LoginThrottle, type LoginThrottleOptions } from '../login-throttle.ts';
import { createMetrics } from './metrics.ts';
import { collectRoutes } from './openapi.ts';
import { consoleRoutes } from './routes/console.ts';
import { documentRoutes } from './routes/documents.ts';
import { mismatchRoutes } from './routes/mismatches.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { mismatchViewRoutes } from './routes/mismatch-views.ts';
import { operationsRoutes } from './routes/operations.ts';
import { partnerRoutes, type PartnerApiDeps } from './routes/partners.ts';
import { receiptRoutes } from './routes/receipts.ts';
import { sessionRoutes } from './routes/session.ts';
import { systemRoutes } from './routes/system.ts';
import { traceRoutes } from './routes/trace.ts';

export interface ApiDeps {
  db: Db;
  blobs: BlobStore;
  log: Logger;
  /** The clock for session expiry and decisions; the system clock by default. */
  now?: () => Date;
  /** How long a login session lasts; 8 hours by default (a working day). */
  sessionTtlMs?: number;
  /** Marks the session cookie Secure (HTTPS only); false by default, as `npm start` serves plain HTTP. */
  secureCookie?: boolean;
  /** Largest request body accepted; 1 MiB by default (the API takes small JSON bodies only). */
  bodyLimit?: number;
  /** The ERP a mismatch's timeline reads the purchase order from; without it the timeline says so. */
  erp?: ErpAdapter;
  /** Limits on failed logins; see LoginThrottleOptions for the defaults. */
  loginThrottle?: LoginThrottleOptions;
  /** The gateway's intake and job queue: replaying a receipt and retrying a dead letter need them (without
   * them those two routes are absent), and /metrics reads the queue's depth from it. */
  operations?: { intake: Intake; queue: JobQueue };
  /** The partner registry, its directory and how its files are loaded: without them the partner routes are
   * absent. */
  partners?: PartnerApiDeps;
}

export const DEFAULT_SESSION_TTL_MS = 8 * 60 * 60 * 1000;

export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const now = deps.now ?? (() => new Date());
  // Typed as fastify's logger, so the instance has the type the route modules take.
  const loggerInstance: FastifyBaseLogger = deps.log;
  const app = Fastify({
    loggerInstance,
    bodyLimit: deps.bodyLimit ?? 1024 * 1024,
    // HEAD twins of GET routes would be routes the document does not describe.
    exposeHeadRoutes: false,
    // Fastify's own request logging writes two info lines per request (received, completed); the console polls
    // and every page makes a few requests, which would drown the gateway's log. One debug line per answered
    // request instead (below).
    logController: new LogController({ disableRequestLogging: true }),
    // Unknown parameters and body fields are refused rather than silently dropped: a misspelt filter would
    // otherwise return everything.
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true },
    },
  });
  installErrorHandlers(app);
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug(
      {
        method: request.method,
        // The path only: a query may name business keys, which are not the log's business at this level.
        path: request.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        ...(request.principal ? { user: request.principal.name } : {}),
      },
      'request answered',
    );
  });
  installAuth(app, deps.db, now);
  const openapi = collectRoutes(app, { title: 'Dockside API', version: '1' });
  systemRoutes(app, { db: deps.db, openapi: openapi.document });
  sessionRoutes(app, {
    db: deps.db,
    now,
    sessionTtlMs: deps.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
    secureCookie: deps.secureCookie ?? false,
    throttle: new LoginThrottle(deps.loginThrottle),
  });
  mismatchRoutes(app, { db: deps.db, now });
  mismatchViewRoutes(app, {
    db: deps.db,
    now,
    ...(deps.erp ? { erp: deps.erp } : {}),
    ...(deps.partners ? { partners: deps.partners.directory } : {}),
  });
  traceRoutes(app, { db: deps.db });
  receiptRoutes(app, { db: deps.db, blobs: deps.blobs });
  documentRoutes(app, { db: deps.db });
  if (deps.partners) partnerRoutes(app, { db: deps.db, now, partners: deps.partners });
  operationsRoutes(app, {
    db: deps.db,
    blobs: deps.blobs,
    now,
    ...(deps.operations ? { operations: deps.operations } : {}),
  });
  metricsRoutes(app, {
    registry: createMetrics({
      db: deps.db,
      log: deps.log,
      ...(deps.operations ? { queue: deps.operations.queue } : {}),
    }),
  });
  consoleRoutes(app);
  await app.ready();
  return app;
}

// The HTTP API as a fastify instance, not yet listening: the composition root (src/main.ts) decides where it
// listens, and tests drive it with inject(). Everything it needs comes in `deps`, taken from the Gateway.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../log.ts';
import type { BlobStore } from '../store/blobs.ts';
import type { Db } from '../store/db.ts';
import { installAuth } from './auth.ts';
import { installErrorHandlers } from './errors.ts';
import { LoginThrottle, type LoginThrottleOptions } from './login-throttle.ts';
import { collectRoutes } from './openapi.ts';
import { documentRoutes } from './routes/documents.ts';
import { mismatchRoutes } from './routes/mismatches.ts';
import { receiptRoutes } from './routes/receipts.ts';
import { sessionRoutes } from './routes/session.ts';
import { systemRoutes } from './routes/system.ts';

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
  /** Limits on failed logins; see LoginThrottleOptions for the defaults. */
  loginThrottle?: LoginThrottleOptions;
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
    // Unknown parameters and body fields are refused rather than silently dropped: a misspelt filter would
    // otherwise return everything.
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true },
    },
  });
  installErrorHandlers(app);
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
  receiptRoutes(app, { db: deps.db, blobs: deps.blobs });
  documentRoutes(app, { db: deps.db });
  await app.ready();
  return app;
}

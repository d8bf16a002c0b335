// Logging in and out. A session is an HttpOnly, SameSite=Strict cookie holding a random id whose sha256 is
// stored with an expiry; scripts use API tokens instead.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Db } from '../../store/db.ts';
import { API_ROLES, deleteExpiredSessions, deleteSession } from '../../store/queries/api-users.ts';
import { audit } from '../../store/queries/audit.ts';
import { checkLogin, openSession, sha256Hex, userPrincipal } from '../accounts.ts';
import { cookieValue, principal, SESSION_COOKIE } from '../auth.ts';
import { ApiError, ERROR_SCHEMA } from '../errors.ts';
import type { LoginThrottle } from '../../login-throttle.ts';

export interface SessionOptions {
  db: Db;
  now: () => Date;
  /** How long a session lasts from login. */
  sessionTtlMs: number;
  /** Adds Secure to the cookie: set it when the API is served over HTTPS. */
  secureCookie: boolean;
  /** Refuses logins after repeated failures for one user name or from one address. */
  throttle: LoginThrottle;
}

const PRINCIPAL = {
  type: 'object',
  required: ['kind', 'name', 'role'],
  properties: {
    kind: { type: 'string', enum: ['user', 'token'] },
    name: { type: 'string' },
    role: { type: 'string', enum: [...API_ROLES] },
  },
} as const;

export function sessionRoutes(app: FastifyInstance, o: SessionOptions): void {
  const cookie = (value: string, maxAgeSeconds: number) =>
    `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}` +
    (o.secureCookie ? '; Secure' : '');

  app.post<{ Body: { user: string; password: string } }>(
    '/api/login',
    {
      schema: {
        summary: 'Log in: sets the session cookie',
        tags: ['session'],
        body: {
          type: 'object',
          required: ['user', 'password'],
          additionalProperties: false,
          properties: {
            user: { type: 'string', minLength: 1, maxLength: 64 },
            password: { type: 'string', minLength: 1, maxLength: 1024 },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['user', 'expiresAt'],
            properties: { user: PRINCIPAL, expiresAt: { type: 'string', format: 'date-time' } },
          },
          401: { description: 'wrong user name or password', ...ERROR_SCHEMA },
          429: {
            description: 'too many failed logins for this user name or from this address; see Retry-After',
            ...ERROR_SCHEMA,
          },
        },
      },
    },
    async (request, reply) => {
      const { user: name, password } = request.body;
      const refused = o.throttle.check(name, request.ip, o.now());
      if (refused) {
        // The password is not checked at all, so a guesser learns nothing from attempts made while refused.
        void reply.header('retry-after', String(refused.retryAfterSeconds));
        throw new ApiError(
          'too-many-requests',
          `too many failed logins ${refused.limitedBy === 'user' ? 'for this user name' : 'from this address'}; ` +
            `try again in ${refused.retryAfterSeconds} s`,
          { retryAfterSeconds: refused.retryAfterSeconds },
        );
      }
      const user = await checkLogin(o.db, name, password);
      if (!user) {
        o.throttle.failed(name, request.ip, o.now());
        await audit(o.db, {
          actor: name,
          action: 'api.login-failed',
          subjectType: 'api-user',
          subjectId: name,
        });
        throw new ApiError('unauthorized', 'wrong user name or password');
      }
      o.throttle.succeeded(name);
      // Expired sessions are swept here, where they accumulate, rather than by a timer of their own.
      await deleteExpiredSessions(o.db, o.now());
      const expiresAt = new Date(o.now().getTime() + o.sessionTtlMs);
      const id = await openSession(o.db, user, expiresAt);
      await audit(o.db, {
        actor: user.name,
        action: 'api.login',
        subjectType: 'api-user',
        subjectId: user.name,
      });
      void reply.header('set-cookie', cookie(id, Math.floor(o.sessionTtlMs / 1000)));
      return { user: userPrincipal(user), expiresAt };
    },
  );

  app.post(
    '/api/logout',
    {
      schema: {
        summary: 'Log out: ends the session and clears the cookie',
        tags: ['session'],
        response: { 204: { description: 'logged out (also when there was no session)', type: 'null' } },
      },
    },
    async (request, reply: FastifyReply) => {
      const id = cookieValue(request.headers.cookie, SESSION_COOKIE);
      const name = id === undefined ? undefined : await deleteSession(o.db, sha256Hex(id));
      if (name !== undefined) {
        await audit(o.db, { actor: name, action: 'api.logout', subjectType: 'api-user', subjectId: name });
      }
      return reply.header('set-cookie', cookie('', 0)).code(204).send();
    },
  );

  app.get(
    '/api/me',
    {
      config: { roles: [...API_ROLES] },
      schema: { summary: 'Who the credentials belong to', tags: ['session'], response: { 200: PRINCIPAL } },
    },
    (request) => {
      const { kind, name, role } = principal(request);
      return { kind, name, role };
    },
  );
}

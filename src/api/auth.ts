// Authentication and role checks. A route declares the roles it allows in `config.roles` (admin is always
// allowed); a route without it is public. Credentials are an `Authorization: Bearer <token>` header or the
// session cookie set by POST /api/login; the check runs before the request is validated, so a caller
// without the right to a route learns nothing about its parameters.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Queryable } from '../store/db.ts';
import type { ApiRole } from '../store/queries/api-users.ts';
import { principalOfSession, principalOfToken, type Principal } from './accounts.ts';
import { ApiError } from './errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles that may use the route, besides admin; absent for public routes. */
    roles?: readonly ApiRole[];
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export const SESSION_COOKIE = 'dockside_session';

/** The value of one cookie from the Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(value);
      } catch {
        return value;
      }
    }
  }
  return undefined;
}

async function principalOf(
  db: Queryable,
  request: FastifyRequest,
  now: Date,
): Promise<Principal | undefined> {
  const auth = request.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    // A malformed or unknown token is refused even when a session cookie is also present: the caller meant
    // the token.
    return m ? principalOfToken(db, m[1]!, now) : undefined;
  }
  const session = cookieValue(request.headers.cookie, SESSION_COOKIE);
  return session ? principalOfSession(db, session, now) : undefined;
}

export function mayUse(role: ApiRole, allowed: readonly ApiRole[]): boolean {
  return role === 'admin' || allowed.includes(role);
}

export function installAuth(app: FastifyInstance, db: Queryable, now: () => Date): void {
  app.addHook('onRequest', async (request) => {
    const allowed = request.routeOptions.config.roles;
    if (allowed === undefined) return;
    const principal = await principalOf(db, request, now());
    if (!principal)
      throw new ApiError('unauthorized', 'log in or send an API token (Authorization: Bearer …)');
    if (!mayUse(principal.role, allowed)) {
      throw new ApiError('forbidden', `role ${principal.role} may not use this route`, {
        role: principal.role,
        allowed: [...new Set(['admin', ...allowed])],
      });
    }
    request.principal = principal;
  });
}

/** The principal of an authenticated route's request. */
export function principal(request: FastifyRequest): Principal {
  if (!request.principal) throw new ApiError('unauthorized', 'this route needs credentials');
  return request.principal;
}

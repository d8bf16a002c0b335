// Users and API tokens of the HTTP API, and the checks that turn a credential into a principal. Secrets
// leave this module only once: a token or session id is returned to be shown or set as a cookie, and only
// its sha256 is stored.
import { createHash, randomBytes } from 'node:crypto';
import { GatewayError } from '../errors.ts';
import type { Queryable } from '../store/db.ts';
import {
  API_ROLES,
  getUserByName,
  insertSession,
  insertToken,
  insertUser,
  sessionUser,
  useToken,
  type ApiRole,
  type ApiUser,
} from '../store/queries/api-users.ts';
import { hashPassword, verifyAgainstDecoy, verifyPassword } from '../transports/hosted-sftp/password.ts';

/** Who a request acts as: a logged-in user or a program holding a token. */
export interface Principal {
  kind: 'user' | 'token';
  name: string;
  role: ApiRole;
  /** What the audit log records: the user's name, or `token:<name>`. */
  actor: string;
}

/** Token prefix: lets a leaked token be recognised by secret scanners and in logs. */
const TOKEN_PREFIX = 'dsk_';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function checkNameAndRole(what: string, name: string, role: string): asserts role is ApiRole {
  if (!NAME.test(name)) {
    throw new GatewayError(
      'usage',
      `${what} name "${name}": 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit`,
      false,
    );
  }
  if (!(API_ROLES as readonly string[]).includes(role)) {
    throw new GatewayError('usage', `role "${role}" is not one of ${API_ROLES.join(', ')}`, false);
  }
}

/** Adds a user who logs in with a password; the password is kept only as an scrypt hash. */
export async function createUser(
  db: Queryable,
  u: { name: string; role: ApiRole; password: string },
): Promise<ApiUser> {
  checkNameAndRole('user', u.name, u.role);
  if (u.password.length < 8) throw new GatewayError('usage', 'a password needs at least 8 characters', false);
  const user = await insertUser(db, {
    name: u.name,
    role: u.role,
    passwordHash: await hashPassword(u.password),
  });
  if (!user) throw new GatewayError('usage', `a user named "${u.name}" exists already`, false);
  return user;
}

/** Adds an API token and returns it: the only time it is seen, as only its sha256 is stored. */
export async function createToken(db: Queryable, t: { name: string; role: ApiRole }): Promise<string> {
  checkNameAndRole('token', t.name, t.role);
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const row = await insertToken(db, { name: t.name, role: t.role, tokenSha256: sha256Hex(token) });
  if (!row) throw new GatewayError('usage', `a token named "${t.name}" exists already`, false);
  return token;
}

export async function principalOfToken(
  db: Queryable,
  token: string,
  now: Date,
): Promise<Principal | undefined> {
  const row = await useToken(db, sha256Hex(token), now);
  return row ? { kind: 'token', name: row.name, role: row.role, actor: `token:${row.name}` } : undefined;
}

export async function principalOfSession(
  db: Queryable,
  sessionId: string,
  now: Date,
): Promise<Principal | undefined> {
  const user = await sessionUser(db, sha256Hex(sessionId), now);
  return user ? userPrincipal(user) : undefined;
}

function userPrincipal(user: ApiUser): Principal {
  return { kind: 'user', name: user.name, role: user.role, actor: user.name };
}

/** The user when name and password match. An unknown or disabled name costs as much time as a wrong
 * password, so answers do not tell which names exist. */
export async function checkLogin(
  db: Queryable,
  name: string,
  password: string,
): Promise<ApiUser | undefined> {
  const user = await getUserByName(db, name);
  if (!user || user.disabledAt !== null) {
    await verifyAgainstDecoy(password);
    return undefined;
  }
  return (await verifyPassword(password, user.passwordHash)) ? user : undefined;
}

/** Opens a session for the user; the session id to put in the cookie. */
export async function openSession(db: Queryable, user: ApiUser, expiresAt: Date): Promise<string> {
  const id = randomBytes(32).toString('base64url');
  await insertSession(db, { idSha256: sha256Hex(id), userId: user.id, expiresAt });
  return id;
}

export { userPrincipal };

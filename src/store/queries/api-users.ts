// The HTTP API's users, tokens and login sessions. Only hashes of secrets reach these functions: the caller
// (src/api/accounts.ts) hashes passwords with scrypt and tokens and session ids with sha256.
import type { Queryable } from '../db.ts';

export type ApiRole = 'finance' | 'onboarding' | 'operations' | 'admin';
export const API_ROLES: readonly ApiRole[] = ['finance', 'onboarding', 'operations', 'admin'];

export interface ApiUser {
  id: number;
  name: string;
  role: ApiRole;
  passwordHash: string;
  createdAt: Date;
  disabledAt: Date | null;
}

export interface ApiToken {
  id: number;
  name: string;
  role: ApiRole;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const USER_COLUMNS = `id, name, role, password_hash as "passwordHash", created_at as "createdAt",
  disabled_at as "disabledAt"`;
const TOKEN_COLUMNS = `id, name, role, created_at as "createdAt", last_used_at as "lastUsedAt",
  revoked_at as "revokedAt"`;

/** A new user; undefined when the name is taken. */
export async function insertUser(
  q: Queryable,
  u: { name: string; role: ApiRole; passwordHash: string },
): Promise<ApiUser | undefined> {
  const [row] = await q.query<ApiUser>(
    `insert into api_users (name, role, password_hash) values ($1, $2, $3)
     on conflict (name) do nothing returning ${USER_COLUMNS}`,
    [u.name, u.role, u.passwordHash],
  );
  return row;
}

export async function getUserByName(q: Queryable, name: string): Promise<ApiUser | undefined> {
  const [row] = await q.query<ApiUser>(`select ${USER_COLUMNS} from api_users where name = $1`, [name]);
  return row;
}

/** A new token; undefined when the name is taken. */
export async function insertToken(
  q: Queryable,
  t: { name: string; role: ApiRole; tokenSha256: string },
): Promise<ApiToken | undefined> {
  const [row] = await q.query<ApiToken>(
    `insert into api_tokens (name, role, token_sha256) values ($1, $2, $3)
     on conflict (name) do nothing returning ${TOKEN_COLUMNS}`,
    [t.name, t.role, t.tokenSha256],
  );
  return row;
}

/** The live token with this hash, its last use moved to `now`; undefined for an unknown or revoked one. */
export async function useToken(q: Queryable, tokenSha256: string, now: Date): Promise<ApiToken | undefined> {
  const [row] = await q.query<ApiToken>(
    `update api_tokens set last_used_at = $2 where token_sha256 = $1 and revoked_at is null
     returning ${TOKEN_COLUMNS}`,
    [tokenSha256, now],
  );
  return row;
}

/** False when no live token has the name. */
export async function revokeToken(q: Queryable, name: string, now: Date): Promise<boolean> {
  const rows = await q.query(
    `update api_tokens set revoked_at = $2 where name = $1 and revoked_at is null returning id`,
    [name, now],
  );
  return rows.length === 1;
}

export async function listTokens(q: Queryable): Promise<ApiToken[]> {
  return q.query<ApiToken>(`select ${TOKEN_COLUMNS} from api_tokens order by name`);
}

export async function insertSession(
  q: Queryable,
  s: { idSha256: string; userId: number; expiresAt: Date },
): Promise<void> {
  await q.query(`insert into api_sessions (id_sha256, user_id, expires_at) values ($1, $2, $3)`, [
    s.idSha256,
    s.userId,
    s.expiresAt,
  ]);
}

/** The user of a session that has not expired at `now` (and whose user is not disabled). */
export async function sessionUser(q: Queryable, idSha256: string, now: Date): Promise<ApiUser | undefined> {
  const [row] = await q.query<ApiUser>(
    `select u.id, u.name, u.role, u.password_hash as "passwordHash", u.created_at as "createdAt",
       u.disabled_at as "disabledAt"
     from api_sessions s
     join api_users u on u.id = s.user_id
     where s.id_sha256 = $1 and s.expires_at > $2 and u.disabled_at is null`,
    [idSha256, now],
  );
  return row;
}

/** Ends a session; the name of its user, or undefined when there was no such session. */
export async function deleteSession(q: Queryable, idSha256: string): Promise<string | undefined> {
  const [row] = await q.query<{ name: string }>(
    `delete from api_sessions s using api_users u where s.id_sha256 = $1 and u.id = s.user_id returning u.name`,
    [idSha256],
  );
  return row?.name;
}

/** Removes sessions expired before `now`; how many. */
export async function deleteExpiredSessions(q: Queryable, now: Date): Promise<number> {
  const rows = await q.query(`delete from api_sessions where expires_at <= $1 returning user_id`, [now]);
  return rows.length;
}

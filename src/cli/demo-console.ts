// The demo's console logins: one user per role, named for the role, so that whoever ran `npm start` can open
// every page of the console at once. Their passwords are made like the demo partners' secrets: random, on
// this machine, kept readable by the owner only under `<data dir>/demo/secrets/`; nothing is in the repository.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createUser } from '../api/accounts.ts';
import type { Db } from '../store/db.ts';
import { API_ROLES, getUserByName, type ApiRole } from '../store/queries/api-users.ts';
import { demoSecretsDir, newPassword, secretFile } from './demo.ts';

export interface DemoLogin {
  name: string;
  role: ApiRole;
  /** Where its password is, or undefined for a user of that name made some other way (left as it is). */
  passwordFile: string | undefined;
}

export const demoConsolePasswordFile = (dataDir: string, role: ApiRole) =>
  join(demoSecretsDir(dataDir), `console-${role}`);

/** Makes the users that are missing; an existing user keeps its password and role. */
export async function ensureDemoLogins(db: Db, dataDir: string): Promise<DemoLogin[]> {
  const out: DemoLogin[] = [];
  for (const role of API_ROLES) {
    const passwordFile = demoConsolePasswordFile(dataDir, role);
    const existing = await getUserByName(db, role);
    if (existing) {
      out.push({
        name: role,
        role: existing.role,
        passwordFile: existing.role === role && existsSync(passwordFile) ? passwordFile : undefined,
      });
      continue;
    }
    mkdirSync(demoSecretsDir(dataDir), { recursive: true, mode: 0o700 });
    const password = secretFile(demoSecretsDir(dataDir), `console-${role}`, newPassword);
    try {
      await createUser(db, { name: role, role, password });
    } catch (e) {
      // Another gateway process on this data directory made it between the read and the insert.
      if (!(await getUserByName(db, role))) throw e;
    }
    out.push({ name: role, role, passwordFile });
  }
  return out;
}

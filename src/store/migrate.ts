// Numbered .sql migrations, applied in order inside one transaction that holds an advisory lock, so that
// several processes starting together apply each migration once and none sees a half-migrated schema.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError } from '../errors.ts';
import type { Db } from './db.ts';

export const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url).pathname;

// Any constant shared by every Dockside process; "dockside" in ASCII.
const MIGRATION_LOCK = 0x646f636b73696465n;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const out: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.sql')) continue;
    const m = /^(\d{4})_([a-z0-9_-]+)\.sql$/.exec(file);
    // A migration whose name does not fit would be skipped without a word, and never applied.
    if (!m) {
      throw new GatewayError(
        'config-invalid',
        `migration file ${file}: expected a name like 0001_create_things.sql`,
        false,
      );
    }
    out.push({ version: Number(m[1]), name: m[2]!, sql: readFileSync(join(dir, file), 'utf8') });
  }
  out.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new GatewayError(
        'config-invalid',
        `migration ${m.version}_${m.name}: expected number ${i + 1}`,
        false,
      );
    }
  });
  return out;
}

export interface MigrateResult {
  applied: Migration[];
  current: number;
}

export async function migrate(db: Db, migrations = readMigrations()): Promise<MigrateResult> {
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
    await tx.exec(
      `create table if not exists schema_migrations (
         version integer primary key,
         name text not null,
         applied_at timestamptz not null default clock_timestamp()
       )`,
    );
    const done = new Set(
      (await tx.query<{ version: number }>('select version from schema_migrations')).map((r) => r.version),
    );
    const known = Math.max(0, ...migrations.map((m) => m.version));
    const newest = Math.max(0, ...done);
    if (newest > known) {
      throw new GatewayError(
        'config-invalid',
        `the database is at migration ${newest}, newer than this Dockside knows (${known}); run a newer version`,
        false,
      );
    }
    const applied: Migration[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [m.version, m.name]);
      applied.push(m);
    }
    return { applied, current: Math.max(newest, ...applied.map((m) => m.version)) };
  });
}

// The databases a store test runs on: the embedded one always (one in-memory PGlite for the whole run, as it
// takes seconds and hundreds of MB to start), and PostgreSQL when DOCKSIDE_TEST_DATABASE_URL names one
// (`.ci/run` sets it for the service-backed suite). Each suite starts from an empty, freshly migrated schema.
import { openPglite, openPostgres, type Db } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';

export interface TestEngine {
  name: 'pglite' | 'postgres';
  /** A migrated, empty database; the same object for the whole run (do not close it). */
  open(): Promise<Db>;
}

let pglite: Promise<Db> | undefined;
let postgres: Db | undefined;

export const PG_URL = process.env.DOCKSIDE_TEST_DATABASE_URL;
export const REDIS_URL = process.env.DOCKSIDE_TEST_REDIS_URL;

export function engines(): TestEngine[] {
  const out: TestEngine[] = [
    {
      name: 'pglite',
      async open() {
        pglite ??= openPglite();
        const db = await pglite;
        await reset(db);
        return db;
      },
    },
  ];
  if (PG_URL) {
    out.push({
      name: 'postgres',
      async open() {
        postgres ??= openPostgres({ url: PG_URL, poolSize: 12 });
        await reset(postgres);
        return postgres;
      },
    });
  }
  return out;
}

/** Drops everything and migrates again. */
export async function reset(db: Db): Promise<void> {
  await db.exec('drop schema if exists public cascade; create schema public;');
  await migrate(db);
}

/** Closes the shared connections (mocha's root afterAll hook in test/hooks.ts). */
export async function closeEngines(): Promise<void> {
  await postgres?.close();
  postgres = undefined;
  if (pglite) await (await pglite).close();
  pglite = undefined;
}

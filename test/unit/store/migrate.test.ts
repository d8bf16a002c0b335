import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayError } from '../../../src/errors.ts';
import { openPostgres, type Db } from '../../../src/store/db.ts';
import { migrate, readMigrations, type Migration } from '../../../src/store/migrate.ts';
import { engines, PG_URL, reset } from '../../helpers/store.ts';

const TABLES = [
  'acknowledgments',
  'api_sessions',
  'api_tokens',
  'api_users',
  'as2_messages',
  'as2_sent',
  'audit_log',
  'control_numbers',
  'dead_letters',
  'documents',
  'functional_groups',
  'interchanges',
  'mismatches',
  'receipts',
  'reconcile_cursor',
  'reconcile_queue',
  'schema_migrations',
  'transaction_sets',
];

async function tables(db: Db): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    `select table_name as name from information_schema.tables where table_schema = 'public' order by 1`,
  );
  return rows.map((r) => r.name);
}

async function versions(db: Db): Promise<number[]> {
  const rows = await db.query<{ version: number }>('select version from schema_migrations order by version');
  return rows.map((r) => r.version);
}

async function emptySchema(db: Db): Promise<void> {
  await db.exec('drop schema if exists public cascade; create schema public;');
}

function configInvalid(pattern: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof GatewayError, String(e));
    assert.equal(e.code, 'config-invalid');
    assert.equal(e.retryable, false);
    assert.match(e.message, pattern);
    return true;
  };
}

const bundled = readMigrations();
const extra = (version: number, name: string, sql: string): Migration => ({ version, name, sql });
/** The newest bundled migration, and the versions after it that the tests add. */
const LAST = bundled[bundled.length - 1]!.version;
const ALL = bundled.map((m) => m.version);
const [N1, N2] = [LAST + 1, LAST + 2];

for (const engine of engines()) {
  describe(`migrate on ${engine.name}`, () => {
    let db: Db;

    before(async () => {
      db = await engine.open();
    });

    afterEach(async () => {
      // Leave the shared database as the next suite expects it whatever a test did.
      await reset(db);
    });

    it('applies every bundled migration to an empty database, in order, and records them', async () => {
      await emptySchema(db);
      const result = await migrate(db);
      assert.deepEqual(
        result.applied.map((m) => [m.version, m.name]),
        bundled.map((m) => [m.version, m.name]),
      );
      assert.deepEqual(
        result.applied.slice(0, 2).map((m) => m.name),
        ['initial', 'documents'],
      );
      assert.equal(result.current, LAST);
      assert.deepEqual(await tables(db), TABLES);
      const [row] = await db.query<{ name: string; appliedAt: unknown }>(
        'select name, applied_at as "appliedAt" from schema_migrations where version = 1',
      );
      assert.equal(row!.name, 'initial');
      assert.ok(row!.appliedAt instanceof Date);
    });

    it('applies nothing on a second run', async () => {
      await emptySchema(db);
      await migrate(db);
      const again = await migrate(db);
      assert.deepEqual(again.applied, []);
      assert.equal(again.current, LAST);
      assert.deepEqual(await versions(db), ALL);
    });

    it('applies only the migrations the database has not seen, in order', async () => {
      const later = [
        ...bundled,
        extra(N1, 'add_notes', 'create table notes (id int8 primary key, body text)'),
        extra(N2, 'add_note_author', 'alter table notes add column author text not null'),
      ];
      const result = await migrate(db, later);
      assert.deepEqual(
        result.applied.map((m) => m.version),
        [N1, N2],
      );
      assert.equal(result.current, N2);
      assert.deepEqual(await versions(db), [...ALL, N1, N2]);
      await db.query(`insert into notes (id, body, author) values (1, 'x', 'me')`);
    });

    it('applies nothing of a run in which one migration fails', async () => {
      const broken = [
        ...bundled,
        extra(N1, 'add_notes', 'create table notes (id int8 primary key)'),
        extra(N2, 'broken', 'alter table no_such_table add column x int'),
      ];
      await assert.rejects(migrate(db, broken), (e: unknown) => {
        assert.ok(e instanceof GatewayError);
        assert.equal(e.code, 'store-failed');
        return true;
      });
      assert.deepEqual(await versions(db), ALL);
      assert.ok(!(await tables(db)).includes('notes'));
    });

    it('ends concurrent runs on an empty database with one row per migration and no error', async () => {
      await emptySchema(db);
      const later = [...bundled, extra(N1, 'add_notes', 'create table notes (id int8 primary key)')];
      let results;
      if (engine.name === 'postgres') {
        // Separate pools, as separate gateway processes would have.
        const pools = Array.from({ length: 4 }, () => openPostgres({ url: PG_URL!, poolSize: 1 }));
        try {
          results = await Promise.all(pools.map((p) => migrate(p, later)));
        } finally {
          await Promise.all(pools.map((p) => p.close()));
        }
      } else {
        results = await Promise.all(Array.from({ length: 4 }, () => migrate(db, later)));
      }
      const applied = results.flatMap((r) => r.applied.map((m) => m.version)).sort();
      assert.deepEqual(applied, [...ALL, N1]);
      assert.deepEqual(
        results.map((r) => r.current),
        [N1, N1, N1, N1],
      );
      const rows = await db.query<{ version: number; n: number }>(
        'select version, count(*) as n from schema_migrations group by version order by version',
      );
      assert.deepEqual(
        rows,
        [...ALL, N1].map((version) => ({ version, n: 1 })),
      );
    });

    it('refuses a database that is newer than the code', async () => {
      await db.query(`insert into schema_migrations (version, name) values ($1, 'from_the_future')`, [N1]);
      await assert.rejects(
        migrate(db),
        configInvalid(new RegExp(`at migration ${N1}, newer than this Dockside knows \\(${LAST}\\)`)),
      );
      assert.deepEqual(await versions(db), [...ALL, N1]);
    });
  });
}

describe('readMigrations', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dockside-migrations-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function files(names: Record<string, string>): void {
    for (const [name, sql] of Object.entries(names)) writeFileSync(join(dir, name), sql);
  }

  it('reads the bundled migrations starting at 0001_initial', () => {
    assert.ok(bundled.length >= 1);
    assert.equal(bundled[0]!.version, 1);
    assert.equal(bundled[0]!.name, 'initial');
    assert.match(bundled[0]!.sql, /create table receipts/);
  });

  it('reads numbered files in order of their number', () => {
    files({ '0002_second.sql': 'select 2', '0001_first.sql': 'select 1', '0003_third-one.sql': 'select 3' });
    assert.deepEqual(
      readMigrations(dir).map((m) => [m.version, m.name, m.sql]),
      [
        [1, 'first', 'select 1'],
        [2, 'second', 'select 2'],
        [3, 'third-one', 'select 3'],
      ],
    );
  });

  it('ignores files that are not .sql', () => {
    files({ '0001_first.sql': 'select 1', 'README.md': '# notes', '0002_draft.sql.bak': 'select 2' });
    assert.deepEqual(
      readMigrations(dir).map((m) => m.version),
      [1],
    );
  });

  it('refuses a gap in the numbering', () => {
    files({ '0001_first.sql': 'select 1', '0003_third.sql': 'select 3' });
    assert.throws(() => readMigrations(dir), configInvalid(/migration 3_third: expected number 2/));
  });

  it('refuses numbering that does not start at 0001', () => {
    files({ '0002_second.sql': 'select 2' });
    assert.throws(() => readMigrations(dir), configInvalid(/expected number 1/));
  });

  it('refuses two migrations with the same number', () => {
    files({ '0001_first.sql': 'select 1', '0001_other.sql': 'select 1', '0002_second.sql': 'select 2' });
    assert.throws(() => readMigrations(dir), configInvalid(/expected number 2/));
  });

  it('refuses a .sql file whose name does not fit rather than skipping it', () => {
    files({ '0001_first.sql': 'select 1', '0002_AddThings.sql': 'select 2' });
    assert.throws(() => readMigrations(dir), configInvalid(/0002_AddThings\.sql/));
  });
});

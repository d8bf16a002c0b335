// One small database interface over two engines: PostgreSQL through `pg` for production and clusters, and
// PGlite (PostgreSQL compiled to WASM) for the embedded default. Callers see the same values from both:
// int8 as number, timestamptz as Date, numeric as string, jsonb as parsed JSON.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import pg from 'pg';
import { GatewayError } from '../errors.ts';

export type Row = Record<string, unknown>;

export interface Queryable {
  /** One parameterised statement; the rows it returns. */
  query<R = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction: committed when it returns, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

// SQLSTATE classes and codes after which the same statement may succeed: connection loss, a server shutting
// down, too many connections, serialization failures and deadlocks.
const TRANSIENT_STATES = /^(08|53|57P0[123]|40001|40P01|55P03)/;
const TRANSIENT_NET = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);

/** Turns a driver error into a GatewayError that says whether retrying may help. */
export function storeError(error: unknown, what: string): GatewayError {
  if (error instanceof GatewayError) return error;
  const e = error as { code?: string; message?: string; detail?: string };
  const transient =
    (typeof e.code === 'string' && (TRANSIENT_STATES.test(e.code) || TRANSIENT_NET.has(e.code))) ||
    /Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
      e.message ?? '',
    );
  const detail = e.detail ? ` (${e.detail})` : '';
  return new GatewayError(
    transient ? 'store-unavailable' : 'store-failed',
    `${what}: ${e.message ?? String(error)}${detail}`,
    transient,
    { cause: error },
  );
}

/** Rows for `jsonb_to_recordset($1::jsonb) as x(…, n bigint)`, each numbered from 1 in `n`: a multi-row insert
 * orders by it so that rows go in, and come back from RETURNING, in the order given. (WITH ORDINALITY cannot
 * be combined with a column definition list.) */
export function numberedRows(rows: readonly object[]): string {
  return JSON.stringify(rows.map((r, i) => ({ ...r, n: i + 1 })));
}

const INT8_OID = 20;

function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new GatewayError('store-failed', `int8 ${text} exceeds 2^53`, false);
  return n;
}

const statementNames = new Map<string, string>();

function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `dockside_${statementNames.size + 1}`;
    statementNames.set(sql, name);
  }
  return name;
}

export interface PostgresOptions {
  url: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
}

export function openPostgres(options: PostgresOptions): Db {
  const getTypeParser = ((oid: number, format?: 'text' | 'binary'): unknown =>
    oid === INT8_OID
      ? parseInt8
      : (pg.types.getTypeParser(oid, format) as unknown)) as typeof pg.types.getTypeParser;
  const types = { getTypeParser };
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 10_000,
    types,
  });
  // An idle client that loses its server emits here; without a listener the process would crash.
  pool.on('error', () => undefined);

  const onClient = (client: pg.Pool | pg.PoolClient): Queryable => ({
    async query<R>(sql: string, params?: readonly unknown[]) {
      try {
        // With parameters, a named statement: the server parses and plans each text once per connection.
        const result = params
          ? await client.query({ name: statementName(sql), text: sql, values: params as unknown[] })
          : await client.query(sql);
        return result.rows as R[];
      } catch (e) {
        throw storeError(e, 'PostgreSQL');
      }
    },
    async exec(sql: string) {
      try {
        await client.query(sql);
      } catch (e) {
        throw storeError(e, 'PostgreSQL');
      }
    },
  });

  return {
    kind: 'postgres',
    ...onClient(pool),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (e) {
        throw storeError(e, 'PostgreSQL');
      }
      let broken = false;
      try {
        await client.query('begin');
        const result = await fn(onClient(client));
        await client.query('commit');
        return result;
      } catch (e) {
        try {
          await client.query('rollback');
        } catch {
          broken = true;
        }
        throw storeError(e, 'PostgreSQL');
      } finally {
        client.release(broken);
      }
    },
    async close() {
      await pool.end();
    },
  };
}

export interface PgliteOptions {
  /** Directory of the database files; in memory when absent (tests). */
  dataDir?: string;
}

/** Opens the embedded database. Only one process may have a data directory open at a time: PGlite has no
 * locking of its own and two writers corrupt it, so a lock file with the holder's pid guards it. */
export async function openPglite(options: PgliteOptions = {}): Promise<Db> {
  const { PGlite } = await import('@electric-sql/pglite');
  const release = options.dataDir ? lockDataDir(options.dataDir) : () => undefined;
  let db: InstanceType<typeof PGlite>;
  try {
    // PGlite returns an int8 beyond 2^53 as a bigint; refuse it as the pg side does, so both engines agree.
    const parsers = { [INT8_OID]: parseInt8 };
    db = options.dataDir ? new PGlite(options.dataDir, { parsers }) : new PGlite({ parsers });
    await db.waitReady;
  } catch (e) {
    release();
    throw new GatewayError('store-failed', `embedded database: ${(e as Error).message}`, false, { cause: e });
  }

  const onConn = (conn: Pick<typeof db, 'query' | 'exec'>): Queryable => ({
    async query<R>(sql: string, params?: readonly unknown[]) {
      try {
        const result = await conn.query<R>(sql, params as unknown[] | undefined);
        return result.rows;
      } catch (e) {
        throw storeError(e, 'embedded database');
      }
    },
    async exec(sql: string) {
      try {
        await conn.exec(sql);
      } catch (e) {
        throw storeError(e, 'embedded database');
      }
    },
  });

  return {
    kind: 'pglite',
    ...onConn(db),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      try {
        return await db.transaction((tx) => fn(onConn(tx)));
      } catch (e) {
        throw storeError(e, 'embedded database');
      }
    },
    async close() {
      try {
        await db.close();
      } finally {
        release();
      }
    },
  };
}

// Lock files this process holds. A lock file naming our own pid that is not in here is stale: it was left by
// an earlier process that had the same pid (in a container the gateway is often pid 1 on every start).
const heldLocks = new Set<string>();

function lockDataDir(dataDir: string): () => void {
  const lockFile = resolve(`${dataDir}.lock`);
  // Two PGlite instances on the same files corrupt them as surely as two processes do.
  if (heldLocks.has(lockFile)) throw lockError(dataDir, lockFile, process.pid);
  mkdirSync(dirname(lockFile), { recursive: true });
  // Created exclusively so that two processes starting together cannot both win; a lock left by a process
  // that died is taken over.
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      heldLocks.add(lockFile);
      let released = false;
      // Once only: a second close must not remove a lock another process has taken since.
      return () => {
        if (released) return;
        released = true;
        heldLocks.delete(lockFile);
        rmSync(lockFile, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 1)
        throw lockError(dataDir, lockFile, e);
    }
    let holder: number;
    try {
      holder = Number(readFileSync(lockFile, 'utf8').trim());
    } catch (e) {
      // Released between our attempt and this read: try again.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw lockError(dataDir, lockFile, e);
    }
    if (holder && holder !== process.pid && alive(holder)) throw lockError(dataDir, lockFile, holder);
    rmSync(lockFile, { force: true });
  }
}

function lockError(dataDir: string, lockFile: string, holder: unknown): GatewayError {
  if (holder === process.pid) {
    return new GatewayError(
      'locked',
      `the embedded database ${dataDir} is already open in this process; open it once and share the Db`,
      false,
    );
  }
  if (typeof holder === 'number') {
    return new GatewayError(
      'locked',
      `the embedded database ${dataDir} is open in another Dockside process (pid ${holder}); ` +
        'stop that process first, or set DATABASE_URL to share a PostgreSQL server between processes',
      true,
    );
  }
  return new GatewayError('locked', `cannot take the lock ${lockFile}: ${(holder as Error).message}`, true);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

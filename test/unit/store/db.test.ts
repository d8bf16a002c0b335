import assert from 'node:assert/strict';
import { GatewayError } from '../../../src/errors.ts';
import { openPostgres, storeError, type Db } from '../../../src/store/db.ts';
import { engines } from '../../helpers/store.ts';

function isGatewayError(code: string, retryable: boolean) {
  return (e: unknown) => {
    assert.ok(e instanceof GatewayError, `expected a GatewayError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.equal(e.retryable, retryable);
    return true;
  };
}

for (const engine of engines()) {
  describe(`store db on ${engine.name}`, () => {
    let db: Db;

    before(async () => {
      db = await engine.open();
      await db.exec('create table things (id int8 primary key, label text not null unique)');
    });

    beforeEach(async () => {
      await db.exec('delete from things');
    });

    it(`says which engine it is`, () => {
      assert.equal(db.kind, engine.name);
    });

    it('returns int8 as a number up to 2^53 - 1', async () => {
      const [row] = await db.query<{ big: unknown; small: unknown; negative: unknown; none: unknown }>(
        `select 9007199254740991::int8 as big, 5::int8 as small, (-42)::int8 as negative, null::int8 as none`,
      );
      assert.deepEqual(row, { big: 9007199254740991, small: 5, negative: -42, none: null });
    });

    it('returns count(*) and identity columns as numbers', async () => {
      await db.query(`insert into things values (1, 'a'), (2, 'b')`);
      const [row] = await db.query<{ n: unknown; max: unknown }>(
        'select count(*) as n, max(id) as max from things',
      );
      assert.deepEqual(row, { n: 2, max: 2 });
    });

    it('refuses an int8 beyond 2^53 rather than returning it rounded or as a bigint', async () => {
      await assert.rejects(
        db.query('select 9007199254740993::int8 as n'),
        (e: unknown) => isGatewayError('store-failed', false)(e) && /2\^53/.test((e as Error).message),
      );
      const [row] = await db.query<{ n: number }>('select 1::int8 as n');
      assert.equal(row!.n, 1);
    });

    it('returns timestamptz as a Date at the right instant', async () => {
      const [row] = await db.query<{ t: unknown }>(`select '2024-03-05T06:07:08.123Z'::timestamptz as t`);
      assert.ok(row!.t instanceof Date);
      assert.equal(row!.t.toISOString(), '2024-03-05T06:07:08.123Z');
    });

    it('takes a Date as a timestamptz parameter and gives the same instant back', async () => {
      const when = new Date('2023-11-26T10:30:00.250Z');
      const [row] = await db.query<{ t: Date }>('select $1::timestamptz as t', [when]);
      assert.equal(row!.t.getTime(), when.getTime());
    });

    it('returns jsonb and json parsed', async () => {
      const [row] = await db.query<{ b: unknown; j: unknown; arr: unknown }>(
        `select '{"a":1,"b":[true,null,"x"]}'::jsonb as b, '{"c":2}'::json as j, '[]'::jsonb as arr`,
      );
      assert.deepEqual(row, { b: { a: 1, b: [true, null, 'x'] }, j: { c: 2 }, arr: [] });
    });

    it('takes a JSON string as a jsonb parameter', async () => {
      const [row] = await db.query<{ v: unknown }>(`select ($1::jsonb)->'k' as v`, [
        JSON.stringify({ k: { deep: [1, 2] } }),
      ]);
      assert.deepEqual(row!.v, { deep: [1, 2] });
    });

    it('returns numeric as a string with its scale kept', async () => {
      const [row] = await db.query<{ n: unknown; big: unknown }>(
        `select 1.50::numeric(10,2) as n, 12345678901234567890.123::numeric as big`,
      );
      assert.deepEqual(row, { n: '1.50', big: '12345678901234567890.123' });
    });

    it('returns int4, boolean and text as numbers, booleans and strings', async () => {
      const [row] = await db.query('select 7::int4 as i, true as b, $1::text as s', ['héllo']);
      assert.deepEqual(row, { i: 7, b: true, s: 'héllo' });
    });

    it('runs several statements with exec', async () => {
      await db.exec(`insert into things values (1, 'a'); insert into things values (2, 'b');`);
      const rows = await db.query<{ id: number }>('select id from things order by id');
      assert.deepEqual(
        rows.map((r) => r.id),
        [1, 2],
      );
    });

    it('commits a transaction that returns and gives back its value', async () => {
      const value = await db.transaction(async (tx) => {
        await tx.query(`insert into things values (1, 'a')`);
        const [row] = await tx.query<{ n: number }>('select count(*) as n from things');
        return row!.n;
      });
      assert.equal(value, 1);
      const rows = await db.query('select * from things');
      assert.equal(rows.length, 1);
    });

    it('rolls back every statement of a transaction that throws', async () => {
      await db.query(`insert into things values (1, 'kept')`);
      const boom = new GatewayError('usage', 'changed my mind', false);
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query(`insert into things values (2, 'b')`);
          await tx.query(`update things set label = 'changed' where id = 1`);
          await tx.exec(`insert into things values (3, 'c'); delete from things where id = 1;`);
          throw boom;
        }),
        (e: unknown) => e === boom,
      );
      const rows = await db.query<{ id: number; label: string }>('select id, label from things order by id');
      assert.deepEqual(rows, [{ id: 1, label: 'kept' }]);
    });

    it('rolls back a transaction whose statement fails, and reports store-failed', async () => {
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query(`insert into things values (1, 'a')`);
          await tx.query(`insert into things values (2, 'a')`);
        }),
        isGatewayError('store-failed', false),
      );
      assert.deepEqual(await db.query('select * from things'), []);
    });

    it('wraps an ordinary error thrown inside a transaction as a GatewayError keeping it as the cause', async () => {
      const bug = new TypeError('not a function');
      await assert.rejects(
        db.transaction(() => Promise.reject(bug)),
        (e: unknown) => isGatewayError('store-failed', false)(e) && (e as Error).cause === bug,
      );
    });

    it('stays usable after many failed transactions', async () => {
      for (let i = 0; i < 15; i++) {
        await assert.rejects(
          db.transaction(async (tx) => {
            await tx.query('select * from no_such_table');
          }),
          isGatewayError('store-failed', false),
        );
      }
      await db.transaction((tx) => tx.query(`insert into things values (1, 'a')`));
      assert.equal((await db.query('select * from things')).length, 1);
    });

    it('reports a statement naming an unknown table as store-failed, not retryable', async () => {
      await assert.rejects(
        db.query('select * from no_such_table'),
        (e: unknown) =>
          isGatewayError('store-failed', false)(e) && /no_such_table/.test((e as Error).message),
      );
    });

    it('reports a syntax error from exec as store-failed', async () => {
      await assert.rejects(db.exec('selec 1'), isGatewayError('store-failed', false));
    });

    it('reports a unique violation as store-failed with the driver error as cause', async () => {
      await db.query(`insert into things values (1, 'a')`);
      await assert.rejects(
        db.query(`insert into things values (1, 'b')`),
        (e: unknown) =>
          isGatewayError('store-failed', false)(e) &&
          (e as Error & { cause: { code?: string } }).cause.code === '23505',
      );
    });
  });
}

describe('storeError', () => {
  it('classes connection, shutdown, serialization and deadlock errors as store-unavailable', () => {
    for (const code of ['08006', '57P01', '53300', '40001', '40P01', '55P03', 'ECONNRESET', 'ETIMEDOUT']) {
      const e = storeError(Object.assign(new Error('x'), { code }), 'PostgreSQL');
      assert.equal(e.code, 'store-unavailable', code);
      assert.equal(e.retryable, true, code);
    }
  });

  it('classes constraint and syntax errors as store-failed', () => {
    for (const code of ['23505', '23503', '42P01', '42601', '22P02']) {
      const e = storeError(Object.assign(new Error('x'), { code }), 'PostgreSQL');
      assert.equal(e.code, 'store-failed', code);
      assert.equal(e.retryable, false, code);
    }
  });

  it('recognises a dropped connection by its message', () => {
    const e = storeError(new Error('Connection terminated unexpectedly'), 'PostgreSQL');
    assert.equal(e.code, 'store-unavailable');
  });

  it('passes a GatewayError through unchanged and adds the detail of a driver error', () => {
    const g = new GatewayError('not-found', 'gone', false);
    assert.equal(storeError(g, 'PostgreSQL'), g);
    const e = storeError(
      Object.assign(new Error('duplicate key'), { code: '23505', detail: 'Key (id)=(1) already exists.' }),
      'PostgreSQL',
    );
    assert.equal(e.message, 'PostgreSQL: duplicate key (Key (id)=(1) already exists.)');
  });
});

// Needs no server: nothing listens on port 1.
{
  describe('store db on an unreachable postgres', () => {
    let db: Db;
    before(() => {
      db = openPostgres({ url: 'postgres://postgres@127.0.0.1:1/test', poolSize: 1 });
    });
    after(async () => {
      await db.close();
    });

    it('reports a refused connection on a query as store-unavailable and retryable', async () => {
      await assert.rejects(db.query('select 1'), isGatewayError('store-unavailable', true));
    });

    it('reports a refused connection on a transaction as store-unavailable and retryable', async () => {
      let ran = false;
      await assert.rejects(
        db.transaction(async () => {
          ran = true;
          return Promise.resolve();
        }),
        isGatewayError('store-unavailable', true),
      );
      assert.equal(ran, false);
    });
  });
}

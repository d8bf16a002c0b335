import assert from 'node:assert/strict';
import { GatewayError } from '../../../src/errors.ts';
import type { Db } from '../../../src/store/db.ts';
import {
  allocateControlBlocks,
  allocateControlBlocksOfPartners,
  allocateControlNumbers,
  currentControlNumbers,
  MAX_CONTROL_NUMBER,
} from '../../../src/store/queries/control-numbers.ts';
import { engines } from '../../helpers/store.ts';

let serial = 0;
const partner = () => `cn-partner-${++serial}`;

/** Every number of the blocks, in order; fails if two blocks share a number. */
function numbersOf(blocks: { first: number; count: number }[]): number[] {
  const all = blocks
    .flatMap((b) => Array.from({ length: b.count }, (_, i) => b.first + i))
    .sort((a, b) => a - b);
  assert.equal(new Set(all).size, all.length, 'two blocks share a number');
  return all;
}

for (const engine of engines()) {
  describe(`control numbers on ${engine.name}`, () => {
    let db: Db;

    before(async () => {
      db = await engine.open();
    });

    it('starts again at 1 after 999999999, never handing out a ten-digit number or a block split by the wrap', async () => {
      const p = partner();
      await allocateControlNumbers(db, p, 'interchange', 1);
      await allocateControlNumbers(db, p, 'set', 1);
      await allocateControlNumbers(db, p, 'group', 1);
      const nearEnd = async (left: number) =>
        db.query(`update control_numbers set last_value = $2 where partner_id = $1`, [
          p,
          MAX_CONTROL_NUMBER - left,
        ]);
      await nearEnd(1);
      assert.equal(await allocateControlNumbers(db, p, 'interchange', 1), MAX_CONTROL_NUMBER);
      assert.equal(await allocateControlNumbers(db, p, 'interchange', 1), 1);
      // Three left, a block of five wanted: it starts at 1 rather than running 999999997 .. 1000000001.
      await nearEnd(3);
      assert.deepEqual(await allocateControlBlocks(db, p, { set: 5, group: 2 }), {
        set: 1,
        group: MAX_CONTROL_NUMBER - 2,
      });
      await nearEnd(0);
      const byPartner = await allocateControlBlocksOfPartners(db, new Map([[p, { interchange: 2 }]]));
      assert.deepEqual(byPartner.get(p), { interchange: 1 });
      assert.deepEqual(await currentControlNumbers(db, p), {
        interchange: 2,
        group: MAX_CONTROL_NUMBER,
        set: MAX_CONTROL_NUMBER,
      });
    });

    it('starts a new partner and kind at 1', async () => {
      const p = partner();
      assert.equal(await allocateControlNumbers(db, p, 'interchange', 1), 1);
      assert.deepEqual(await currentControlNumbers(db, p), { interchange: 1, group: 0, set: 0 });
    });

    it('hands out consecutive blocks that follow each other', async () => {
      const p = partner();
      assert.equal(await allocateControlNumbers(db, p, 'set', 3), 1);
      assert.equal(await allocateControlNumbers(db, p, 'set', 5), 4);
      assert.equal(await allocateControlNumbers(db, p, 'set', 1), 9);
      assert.deepEqual(await currentControlNumbers(db, p), { interchange: 0, group: 0, set: 9 });
    });

    it('counts each partner and each kind on its own', async () => {
      const a = partner();
      const b = partner();
      await allocateControlNumbers(db, a, 'interchange', 4);
      await allocateControlNumbers(db, a, 'group', 2);
      assert.equal(await allocateControlNumbers(db, b, 'interchange', 1), 1);
      assert.equal(await allocateControlNumbers(db, a, 'group', 1), 3);
      assert.deepEqual(await currentControlNumbers(db, a), { interchange: 4, group: 3, set: 0 });
      assert.deepEqual(await currentControlNumbers(db, b), { interchange: 1, group: 0, set: 0 });
    });

    it('reports zeros for a partner that never sent anything', async () => {
      assert.deepEqual(await currentControlNumbers(db, partner()), { interchange: 0, group: 0, set: 0 });
    });

    it('gives twenty concurrent transactions blocks that never overlap and leave no gap', async () => {
      const p = partner();
      const counts = Array.from({ length: 20 }, (_, i) => (i % 4) + 1);
      const blocks = await Promise.all(
        counts.map((count) =>
          db.transaction(async (tx) => {
            const first = await allocateControlNumbers(tx, p, 'interchange', count);
            // More work in the same transaction while the block is held.
            await tx.query('select count(*) from control_numbers');
            return { first, count };
          }),
        ),
      );
      const total = counts.reduce((a, b) => a + b, 0);
      assert.deepEqual(
        numbersOf(blocks),
        Array.from({ length: total }, (_, i) => i + 1),
      );
      assert.equal((await currentControlNumbers(db, p)).interchange, total);
    });

    it('gives concurrent transactions of several kinds their own sequences', async () => {
      const p = partner();
      const kinds = ['interchange', 'group', 'set'] as const;
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          db.transaction(async (tx) => {
            const kind = kinds[i % 3]!;
            return { kind, first: await allocateControlNumbers(tx, p, kind, 2), count: 2 };
          }),
        ),
      );
      for (const kind of kinds) {
        assert.deepEqual(numbersOf(results.filter((r) => r.kind === kind)), [1, 2, 3, 4, 5, 6, 7, 8]);
      }
    });

    it('gives a rolled-back block back, so the next allocation starts where it started', async () => {
      const p = partner();
      await allocateControlNumbers(db, p, 'group', 2);
      await assert.rejects(
        db.transaction(async (tx) => {
          assert.equal(await allocateControlNumbers(tx, p, 'group', 5), 3);
          throw new GatewayError('delivery-failed', 'never sent', true);
        }),
        /never sent/,
      );
      assert.equal((await currentControlNumbers(db, p)).group, 2);
      assert.equal(await allocateControlNumbers(db, p, 'group', 1), 3);
    });

    it("forgets a rolled-back partner's first block entirely", async () => {
      const p = partner();
      await assert.rejects(
        db.transaction(async (tx) => {
          await allocateControlNumbers(tx, p, 'set', 10);
          throw new Error('abort');
        }),
      );
      assert.deepEqual(await currentControlNumbers(db, p), { interchange: 0, group: 0, set: 0 });
      assert.equal(await allocateControlNumbers(db, p, 'set', 1), 1);
    });

    it('refuses a count that is not a positive integer and leaves the counter as it was', async () => {
      const p = partner();
      await allocateControlNumbers(db, p, 'set', 5);
      for (const count of [0, -3, 1.5, Number.NaN]) {
        await assert.rejects(allocateControlNumbers(db, p, 'set', count), (e: unknown) => {
          assert.ok(e instanceof GatewayError);
          assert.equal(e.code, 'usage');
          return true;
        });
      }
      assert.equal((await currentControlNumbers(db, p)).set, 5);
    });
  });
}

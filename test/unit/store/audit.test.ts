import assert from 'node:assert/strict';
import type { Db } from '../../../src/store/db.ts';
import { audit, auditOf } from '../../../src/store/queries/audit.ts';
import { engines } from '../../helpers/store.ts';

for (const engine of engines()) {
  describe(`audit log on ${engine.name}`, () => {
    let db: Db;

    before(async () => {
      db = await engine.open();
    });

    it('records who did what to which thing and reads it back in order', async () => {
      await audit(db, {
        actor: 'alice',
        action: 'receipt.replay',
        subjectType: 'receipt',
        subjectId: 41,
        details: { newReceipt: 42, reason: 'partner asked' },
      });
      await audit(db, { actor: 'bob', action: 'receipt.inspect', subjectType: 'receipt', subjectId: '41' });
      const entries = await auditOf(db, 'receipt', 41);
      assert.deepEqual(
        entries.map((e) => [e.actor, e.action, e.subjectType, e.subjectId, e.details]),
        [
          ['alice', 'receipt.replay', 'receipt', '41', { newReceipt: 42, reason: 'partner asked' }],
          ['bob', 'receipt.inspect', 'receipt', '41', {}],
        ],
      );
      assert.ok(entries.every((e) => e.at instanceof Date && typeof e.id === 'number'));
      assert.ok(entries[0]!.id < entries[1]!.id);
    });

    it("keeps one subject's entries apart from another's, and from another type's", async () => {
      await audit(db, { actor: 'ops', action: 'x', subjectType: 'dead-letter', subjectId: 7 });
      await audit(db, { actor: 'ops', action: 'y', subjectType: 'receipt', subjectId: 7 });
      await audit(db, { actor: 'ops', action: 'z', subjectType: 'dead-letter', subjectId: 8 });
      assert.deepEqual(
        (await auditOf(db, 'dead-letter', 7)).map((e) => e.action),
        ['x'],
      );
      assert.deepEqual(await auditOf(db, 'partner', 'nobody'), []);
    });

    it('is written and rolled back with the transaction it is part of', async () => {
      await assert.rejects(
        db.transaction(async (tx) => {
          await audit(tx, { actor: 'eve', action: 'delete', subjectType: 'receipt', subjectId: 99 });
          throw new Error('rolled back');
        }),
      );
      assert.deepEqual(await auditOf(db, 'receipt', 99), []);
    });
  });
}

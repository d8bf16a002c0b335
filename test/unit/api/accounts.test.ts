import assert from 'node:assert/strict';
import { checkLogin, createToken, createUser, principalOfToken } from '../../../src/api/accounts.ts';
import { GatewayError } from '../../../src/errors.ts';
import { getUserByName, listTokens } from '../../../src/store/queries/api-users.ts';
import { engines } from '../../helpers/store.ts';

for (const engine of engines()) {
  describe(`API accounts on ${engine.name}`, function () {
    this.timeout(60_000);

    it('keeps a user password only as an scrypt hash that checks the password', async () => {
      const db = await engine.open();
      await createUser(db, { name: 'ana', role: 'finance', password: 'long enough secret' });
      const stored = await getUserByName(db, 'ana');
      assert.match(stored!.passwordHash, /^\$scrypt\$ln=\d+,r=\d+,p=\d+\$/);
      assert.ok(!stored!.passwordHash.includes('long enough secret'));
      assert.equal((await checkLogin(db, 'ana', 'long enough secret'))?.name, 'ana');
      assert.equal(await checkLogin(db, 'ana', 'Long enough secret'), undefined);
      assert.equal(await checkLogin(db, 'bob', 'long enough secret'), undefined);
    });

    it('refuses a second user or token of the same name, an unknown role, a short password and a bad name', async () => {
      const db = await engine.open();
      await createUser(db, { name: 'ana', role: 'finance', password: 'long enough secret' });
      await createToken(db, { name: 'etl', role: 'operations' });
      const attempts: (() => Promise<unknown>)[] = [
        () => createUser(db, { name: 'ana', role: 'admin', password: 'another secret' }),
        () => createToken(db, { name: 'etl', role: 'finance' }),
        () => createUser(db, { name: 'root', role: 'superuser' as 'admin', password: 'long enough secret' }),
        () => createUser(db, { name: 'bo', role: 'finance', password: 'short' }),
        () => createToken(db, { name: 'has space', role: 'finance' }),
      ];
      for (const attempt of attempts) {
        await assert.rejects(attempt, (e) => e instanceof GatewayError && e.code === 'usage');
      }
      assert.deepEqual(
        (await listTokens(db)).map((t) => [t.name, t.role]),
        [['etl', 'operations']],
      );
    });

    it('makes tokens that are distinct, prefixed and good for their own role only', async () => {
      const db = await engine.open();
      const a = await createToken(db, { name: 'a', role: 'onboarding' });
      const b = await createToken(db, { name: 'b', role: 'operations' });
      assert.notEqual(a, b);
      assert.match(a, /^dsk_[A-Za-z0-9_-]{43}$/);
      const now = new Date('2026-12-01T00:00:00Z');
      assert.deepEqual(await principalOfToken(db, a, now), {
        kind: 'token',
        name: 'a',
        role: 'onboarding',
        actor: 'token:a',
      });
      assert.equal(await principalOfToken(db, `${a}x`, now), undefined);
    });
  });
}

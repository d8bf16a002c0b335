import assert from 'node:assert/strict';
import { engines } from '../../helpers/store.ts';
import { apiFixture, START, type ApiFixture } from './fixture.ts';

const at = (minutes: number) => new Date(START.getTime() + minutes * 60_000);

for (const engine of engines()) {
  describe(`POST /api/login throttling on ${engine.name}`, function () {
    this.timeout(60_000);
    let f: ApiFixture;
    const login = (user: string, password: string) =>
      f.app.inject({ method: 'POST', url: '/api/login', payload: { user, password } });

    before(async () => {
      f = await apiFixture(await engine.open());
    });
    after(async () => {
      await f.app.close();
    });

    it('answers 429 with Retry-After after five wrong passwords, refusing even the right one', async () => {
      f.setNow(at(0));
      for (let i = 0; i < 5; i++) assert.equal((await login('finance-user', 'guess')).statusCode, 401);
      const refused = await login('finance-user', f.password('finance'));
      assert.equal(refused.statusCode, 429);
      assert.equal(refused.headers['retry-after'], '900');
      assert.equal(refused.json().error.code, 'too-many-requests');
      assert.equal(refused.headers['set-cookie'], undefined);
      // Another user from the same address is not held up by one account's lockout.
      assert.equal((await login('operations-user', f.password('operations'))).statusCode, 200);
    });

    it('takes the right password again once the window has passed', async () => {
      f.setNow(at(16));
      assert.equal((await login('finance-user', f.password('finance'))).statusCode, 200);
    });
  });
}

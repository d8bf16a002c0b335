import assert from 'node:assert/strict';
import { LoginThrottle } from '../../src/login-throttle.ts';

const START = new Date('2026-11-26T12:00:00Z');
const at = (minutes: number) => new Date(START.getTime() + minutes * 60_000);

describe('LoginThrottle', () => {
  it('refuses a user name after five failures within the window, and takes it again once they age out', () => {
    const t = new LoginThrottle();
    for (let i = 0; i < 5; i++) {
      assert.equal(t.check('fiona', '10.0.0.1', at(i)), undefined, `attempt ${i + 1}`);
      t.failed('fiona', '10.0.0.1', at(i));
    }
    // The first failure (minute 0) stops counting at minute 15.
    assert.deepEqual(t.check('fiona', '10.0.0.2', at(5)), { retryAfterSeconds: 600, limitedBy: 'user' });
    assert.equal(t.check('fiona', '10.0.0.2', at(15)), undefined);
  });

  it('counts a user name whatever its case', () => {
    const t = new LoginThrottle({ maxFailuresPerUser: 2 });
    t.failed('Fiona', 'a', at(0));
    t.failed('FIONA', 'b', at(0));
    assert.equal(t.check('fiona', 'c', at(1))?.limitedBy, 'user');
  });

  it('refuses an address trying many user names, whatever name it tries next', () => {
    const t = new LoginThrottle({ maxFailuresPerAddress: 3 });
    for (const name of ['a', 'b', 'c']) t.failed(name, '10.0.0.9', at(0));
    assert.equal(t.check('d', '10.0.0.9', at(1))?.limitedBy, 'address');
    assert.equal(t.check('d', '10.0.0.8', at(1)), undefined);
  });

  it("clears a user name's failures on success but keeps the address's", () => {
    const t = new LoginThrottle({ maxFailuresPerUser: 2, maxFailuresPerAddress: 3 });
    t.failed('fiona', 'x', at(0));
    t.succeeded('fiona');
    t.failed('fiona', 'x', at(1));
    assert.equal(t.check('fiona', 'y', at(1)), undefined);
    t.failed('other', 'x', at(1));
    assert.equal(t.check('someone', 'x', at(2))?.limitedBy, 'address');
  });

  it('forgets the oldest names beyond its key limit', () => {
    const t = new LoginThrottle({ maxFailuresPerUser: 1, maxKeys: 2 });
    t.failed('a', '1', at(0));
    t.failed('b', '2', at(0));
    t.failed('c', '3', at(0));
    assert.equal(t.check('a', '9', at(0)), undefined);
    assert.equal(t.check('c', '9', at(0))?.limitedBy, 'user');
  });
});

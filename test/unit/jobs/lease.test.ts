import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { localLeases, RedisLeases } from '../../../src/jobs/lease.ts';

const redisUrl = process.env.DOCKSIDE_TEST_REDIS_URL;

/** Polls `condition` every 20 ms; fails with `what` once `timeoutMs` has passed without it holding. */
async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

describe('localLeases', () => {
  it('always grants the lease, to any caller, again and again', async () => {
    assert.equal(await localLeases.hold('partner:acme', 1), true);
    assert.equal(await localLeases.hold('partner:acme', 1), true);
    await localLeases.release('partner:acme');
    assert.equal(await localLeases.hold('partner:acme', 60_000), true);
    await localLeases.close();
  });
});

(redisUrl ? describe : describe.skip)('RedisLeases', () => {
  let n = 0;
  let prefix = '';
  let leases: RedisLeases[] = [];
  let redis: Redis;

  function owner(name: string): RedisLeases {
    const l = new RedisLeases(redisUrl!, name, prefix);
    leases.push(l);
    return l;
  }

  before(() => {
    redis = new Redis(redisUrl!);
  });

  beforeEach(() => {
    prefix = `dockside-test-${process.pid}-lease-${++n}:`;
  });

  afterEach(async () => {
    for (const l of leases) await l.close();
    leases = [];
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  });

  after(async () => {
    await redis.quit();
  });

  it('grants the lease to one owner and refuses a second while the first holds it', async () => {
    const a = owner('host-a:1');
    const b = owner('host-b:2');
    assert.equal(await a.hold('partner:acme', 60_000), true);
    assert.equal(await b.hold('partner:acme', 60_000), false);
    assert.equal(await b.hold('partner:acme', 60_000), false);
    assert.equal(await redis.get(`${prefix}partner:acme`), 'host-a:1');
  });

  it('keeps leases of different names apart', async () => {
    const a = owner('host-a:1');
    const b = owner('host-b:2');
    assert.equal(await a.hold('partner:acme', 60_000), true);
    assert.equal(await b.hold('partner:globex', 60_000), true);
    assert.equal(await a.hold('partner:globex', 60_000), false);
  });

  it('lets the holder renew its lease, extending its time to live', async () => {
    const a = owner('host-a:1');
    assert.equal(await a.hold('partner:acme', 2_000), true);
    assert.ok((await redis.pttl(`${prefix}partner:acme`)) <= 2_000);
    assert.equal(await a.hold('partner:acme', 60_000), true);
    assert.ok((await redis.pttl(`${prefix}partner:acme`)) > 2_000, 'the renewal did not extend the lease');
    assert.equal(await owner('host-b:2').hold('partner:acme', 60_000), false);
  });

  it('lets another owner take the lease once the holder releases it', async () => {
    const a = owner('host-a:1');
    const b = owner('host-b:2');
    assert.equal(await a.hold('partner:acme', 60_000), true);
    await a.release('partner:acme');
    assert.equal(await b.hold('partner:acme', 60_000), true);
    assert.equal(await a.hold('partner:acme', 60_000), false);
  });

  it('ignores a release by an owner that does not hold the lease', async () => {
    const a = owner('host-a:1');
    const b = owner('host-b:2');
    assert.equal(await a.hold('partner:acme', 60_000), true);
    await b.release('partner:acme');
    assert.equal(await b.hold('partner:acme', 60_000), false);
    assert.equal(await a.hold('partner:acme', 60_000), true);
  });

  it('lets another owner take over a lease its holder stopped renewing, once it expires', async () => {
    const a = owner('host-a:1');
    const b = owner('host-b:2');
    assert.equal(await a.hold('partner:acme', 150), true);
    await waitFor('the expired lease to be taken over', () => b.hold('partner:acme', 60_000));
    assert.equal(await a.hold('partner:acme', 60_000), false);
    assert.equal(await redis.get(`${prefix}partner:acme`), 'host-b:2');
  });

  it('shares a lease between two instances of the same owner (one process, two handles)', async () => {
    const a1 = owner('host-a:1');
    const a2 = owner('host-a:1');
    assert.equal(await a1.hold('partner:acme', 60_000), true);
    assert.equal(await a2.hold('partner:acme', 60_000), true);
  });
});

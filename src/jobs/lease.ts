// Leases: which process may do a thing that only one may do at a time (poll one partner's channel). With
// Redis every `dockside run` competes for the lease and the holder renews it on each use; if it dies, the
// lease runs out and another process takes over. Without Redis there is one process and it always holds it.
import { Redis } from 'ioredis';

export interface Leases {
  /** Takes or renews the lease for `ttlMs`; false when another process holds it. */
  hold(name: string, ttlMs: number): Promise<boolean>;
  release(name: string): Promise<void>;
  close(): Promise<void>;
}

export const localLeases: Leases = {
  hold: () => Promise.resolve(true),
  release: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

const HOLD = `
local current = redis.call('get', KEYS[1])
if current == ARGV[1] then
  redis.call('pexpire', KEYS[1], ARGV[2])
  return 1
end
if current then return 0 end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

const RELEASE = `
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

export class RedisLeases implements Leases {
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly owner: string,
    private readonly prefix = 'dockside:lease:',
  ) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 3 });
    this.redis.on('error', () => undefined);
  }

  async hold(name: string, ttlMs: number): Promise<boolean> {
    const r = await this.redis.eval(HOLD, 1, this.prefix + name, this.owner, String(ttlMs));
    return r === 1;
  }

  async release(name: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.prefix + name, this.owner);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
    return Promise.resolve();
  }
}

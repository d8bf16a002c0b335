import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { REDIS_URL } from '../helpers/store.ts';

const ROOT = join(import.meta.dirname, '../..');

function run(args: string[]): Promise<number | null> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'test/service/fixtures/connection-turns.ts'), ...args],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  return new Promise((resolve) => child.on('exit', resolve));
}

describe("a partner's connection turn across processes (Redis)", function () {
  this.timeout(60_000);

  before(function () {
    if (!REDIS_URL) this.skip();
  });

  it('lets two processes connect to one partner only one at a time, and each gets its turns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockside-turns-'));
    const log = join(dir, 'turns.log');
    const prefix = `dockside-test-turns-${process.pid}:`;
    try {
      const codes = await Promise.all([
        run([REDIS_URL!, prefix, log, '6']),
        run([REDIS_URL!, prefix, log, '6']),
      ]);
      assert.deepEqual(codes, [0, 0]);
      const events = readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((line) => {
          const [what, pid, at] = line.split(' ');
          return { what: what!, pid: pid!, at: Number(at) };
        })
        .sort((a, b) => a.at - b.at);
      assert.equal(events.length, 24);
      assert.equal(new Set(events.map((e) => e.pid)).size, 2);
      // In time order, every start is followed by the end of the same turn before any other start.
      for (let i = 0; i < events.length; i += 2) {
        assert.equal(events[i]!.what, 'start', `event ${i}`);
        assert.equal(events[i + 1]!.what, 'end', `event ${i + 1}`);
        assert.equal(events[i + 1]!.pid, events[i]!.pid);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      const redis = new Redis(REDIS_URL!);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  });
});

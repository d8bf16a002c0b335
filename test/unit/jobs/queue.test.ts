import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayError } from '../../../src/errors.ts';
import { BullmqQueue } from '../../../src/jobs/bullmq.ts';
import { InProcessQueue } from '../../../src/jobs/in-process.ts';
import type {
  DeadJob,
  DeadLetterSink,
  JobContext,
  JobQueue,
  QueueName,
  RetryPolicy,
} from '../../../src/jobs/queue.ts';

// The same behaviour holds for both queues; BullMQ runs only against a real Redis named by
// DOCKSIDE_TEST_REDIS_URL, with a key prefix of its own per test.
const redisUrl = process.env.DOCKSIDE_TEST_REDIS_URL;

const POLICY: RetryPolicy = { attempts: 4, backoffMs: 20 };

interface MakeOptions {
  policy?: RetryPolicy;
  deadLetter?: DeadLetterSink;
  lockMs?: number;
}

interface Harness {
  name: string;
  /** A new queue; every queue made in a test is closed (and its Redis keys removed) after it. */
  make(options?: MakeOptions): JobQueue;
}

/** Polls `condition` every 20 ms; fails with `what` once `timeoutMs` has passed without it holding. */
async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

async function isIdle(queue: JobQueue, name: QueueName = 'process-receipt'): Promise<boolean> {
  const c = await queue.counts(name);
  return c.waiting === 0 && c.active === 0 && c.delayed === 0;
}

function waitIdle(queue: JobQueue, name: QueueName = 'process-receipt'): Promise<void> {
  return waitFor(`${name} to have no waiting, active or delayed job`, () => isIdle(queue, name));
}

/** A promise the test resolves when it chooses. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

function collectingSink(): { dead: DeadJob[]; sink: DeadLetterSink } {
  const dead: DeadJob[] = [];
  return {
    dead,
    sink: (job) => {
      dead.push(job);
      return Promise.resolve();
    },
  };
}

interface Call {
  receiptId: number;
  ctx: JobContext;
}

function defineQueueBehaviour(harness: Harness): void {
  describe(`${harness.name} (queue behaviour)`, () => {
    it('runs an added job once with its payload, deterministic id and attempt 1', async () => {
      const calls: Call[] = [];
      const q = harness.make();
      q.process('process-receipt', (p, ctx) => {
        calls.push({ receiptId: p.receiptId, ctx });
        return Promise.resolve();
      });
      await q.add('process-receipt', { receiptId: 7 });
      await waitFor('the job to run', () => calls.length > 0);
      await waitIdle(q);
      assert.deepEqual(calls, [
        { receiptId: 7, ctx: { jobId: 'receipt-7', attempt: 1, maxAttempts: POLICY.attempts } },
      ]);
    });

    it('uses the id of each queue for its jobs', async () => {
      const seen: string[] = [];
      const q = harness.make();
      q.process('deliver-outbound', (_p, ctx) => {
        seen.push(ctx.jobId);
        return Promise.resolve();
      });
      q.process('map-documents', (_p, ctx) => {
        seen.push(ctx.jobId);
        return Promise.resolve();
      });
      await q.add('deliver-outbound', { ackId: 3 });
      await q.add('map-documents', { receiptId: 4 });
      await waitFor('both jobs to run', () => seen.length === 2);
      assert.deepEqual([...seen].sort(), ['ack-3', 'map-4']);
    });

    it('runs jobs added before a handler was registered once it is', async () => {
      const ran: number[] = [];
      const q = harness.make();
      await q.add('process-receipt', { receiptId: 1 });
      await q.add('process-receipt', { receiptId: 2 });
      assert.equal((await q.counts('process-receipt')).waiting, 2);
      q.process('process-receipt', (p) => {
        ran.push(p.receiptId);
        return Promise.resolve();
      });
      await waitFor('both jobs to run', () => ran.length === 2);
      await waitIdle(q);
      assert.deepEqual([...ran].sort(), [1, 2]);
    });

    it('keeps one job when the same payload is added again while the first is waiting', async () => {
      const ran: number[] = [];
      const q = harness.make();
      await q.add('process-receipt', { receiptId: 5 });
      await q.add('process-receipt', { receiptId: 5 });
      await q.add('process-receipt', { receiptId: 5 });
      assert.equal((await q.counts('process-receipt')).waiting, 1);
      q.process('process-receipt', (p) => {
        ran.push(p.receiptId);
        return Promise.resolve();
      });
      await waitFor('the job to run', () => ran.length > 0);
      await waitIdle(q);
      assert.deepEqual(ran, [5]);
    });

    it('keeps one job when the same payload is added again while the first is running', async () => {
      const release = gate();
      let started = 0;
      let finished = 0;
      const q = harness.make();
      q.process('process-receipt', async () => {
        started++;
        await release.promise;
        finished++;
      });
      await q.add('process-receipt', { receiptId: 6 });
      await waitFor('the job to start', () => started === 1);
      await q.add('process-receipt', { receiptId: 6 });
      await q.add('process-receipt', { receiptId: 6 });
      assert.deepEqual(await q.counts('process-receipt'), { waiting: 0, active: 1, delayed: 0 });
      release.open();
      await waitFor('the job to finish', () => finished === 1);
      await waitIdle(q);
      assert.equal(started, 1);
    });

    it('runs a payload again when it is added after its job is done (dedup is only while known)', async () => {
      const ran: number[] = [];
      const q = harness.make();
      q.process('process-receipt', (p) => {
        ran.push(p.receiptId);
        return Promise.resolve();
      });
      await q.add('process-receipt', { receiptId: 8 });
      await waitFor('the first run', () => ran.length === 1);
      await waitIdle(q);
      await q.add('process-receipt', { receiptId: 8 });
      await waitFor('the second run', () => ran.length === 2);
      assert.deepEqual(ran, [8, 8]);
    });

    it('retries a retryable GatewayError with attempts 1, 2, 3, one after the other, until it succeeds', async () => {
      const events: string[] = [];
      const { dead, sink } = collectingSink();
      const q = harness.make({ deadLetter: sink });
      q.process('process-receipt', async (_p, ctx) => {
        events.push(`start ${ctx.attempt}`);
        await sleep(5);
        if (ctx.attempt < 3) {
          events.push(`fail ${ctx.attempt}`);
          throw new GatewayError('store-unavailable', 'database restarting', true);
        }
        events.push(`done ${ctx.attempt}`);
      });
      await q.add('process-receipt', { receiptId: 9 });
      await waitFor('the third attempt', () => events.includes('done 3'));
      await waitIdle(q);
      assert.deepEqual(events, ['start 1', 'fail 1', 'start 2', 'fail 2', 'start 3', 'done 3']);
      assert.deepEqual(dead, []);
    });

    it('retries an operating-system error such as ECONNRESET', async () => {
      const attempts: number[] = [];
      const { dead, sink } = collectingSink();
      const q = harness.make({ deadLetter: sink });
      q.process('process-receipt', (_p, ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt === 1) {
          return Promise.reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
        }
        return Promise.resolve();
      });
      await q.add('process-receipt', { receiptId: 10 });
      await waitFor('the second attempt', () => attempts.length === 2);
      await waitIdle(q);
      assert.deepEqual(attempts, [1, 2]);
      assert.deepEqual(dead, []);
    });

    it('sends a job whose handler throws a non-retryable error straight to the dead-letter sink', async () => {
      const { dead, sink } = collectingSink();
      const error = new Error('segment count does not add up (a bug)');
      let runs = 0;
      const q = harness.make({ deadLetter: sink });
      q.process('process-receipt', () => {
        runs++;
        return Promise.reject(error);
      });
      await q.add('process-receipt', { receiptId: 11 });
      await waitFor('the dead letter', () => dead.length > 0);
      await waitIdle(q);
      assert.deepEqual(dead, [
        { queue: 'process-receipt', jobId: 'receipt-11', payload: { receiptId: 11 }, error, attempts: 1 },
      ]);
      assert.equal(dead[0]!.error, error);
      assert.equal(runs, 1);
    });

    it('treats a GatewayError marked not retryable as final', async () => {
      const { dead, sink } = collectingSink();
      let runs = 0;
      const q = harness.make({ deadLetter: sink });
      q.process('deliver-outbound', () => {
        runs++;
        return Promise.reject(new GatewayError('config-invalid', 'no such partner', false));
      });
      await q.add('deliver-outbound', { ackId: 12 });
      await waitFor('the dead letter', () => dead.length > 0);
      await waitIdle(q, 'deliver-outbound');
      assert.equal(dead.length, 1);
      assert.equal(dead[0]!.queue, 'deliver-outbound');
      assert.equal(dead[0]!.jobId, 'ack-12');
      assert.equal(dead[0]!.attempts, 1);
      assert.equal(runs, 1);
    });

    it('ends a job that fails retryably on every attempt in exactly one dead letter after all attempts', async () => {
      const { dead, sink } = collectingSink();
      const attempts: number[] = [];
      const errors: Error[] = [];
      const q = harness.make({ deadLetter: sink });
      q.process('process-receipt', (_p, ctx) => {
        attempts.push(ctx.attempt);
        const e = new GatewayError('queue-unavailable', `attempt ${ctx.attempt}`, true);
        errors.push(e);
        return Promise.reject(e);
      });
      await q.add('process-receipt', { receiptId: 13 });
      await waitFor('the dead letter', () => dead.length > 0);
      await waitIdle(q);
      assert.deepEqual(attempts, [1, 2, 3, 4]);
      assert.equal(dead.length, 1);
      assert.equal(dead[0]!.attempts, POLICY.attempts);
      assert.equal(dead[0]!.jobId, 'receipt-13');
      assert.equal(dead[0]!.error, errors.at(-1));
    });

    it('keeps retrying a dead job until the dead-letter sink takes it', async () => {
      const dead: DeadJob[] = [];
      let sinkCalls = 0;
      const attempts: number[] = [];
      const q = harness.make({
        deadLetter: (job) => {
          sinkCalls++;
          if (sinkCalls <= 2) {
            return Promise.reject(new GatewayError('store-unavailable', 'dead-letter table locked', true));
          }
          dead.push(job);
          return Promise.resolve();
        },
      });
      q.process('process-receipt', (_p, ctx) => {
        attempts.push(ctx.attempt);
        return Promise.reject(new Error('not retryable'));
      });
      await q.add('process-receipt', { receiptId: 14 });
      await waitFor('the dead letter', () => dead.length > 0);
      await waitIdle(q);
      assert.equal(sinkCalls, 3);
      assert.deepEqual(attempts, [1, 2, 3]);
      assert.equal(dead.length, 1);
      assert.equal(dead[0]!.jobId, 'receipt-14');
      assert.equal(dead[0]!.attempts, 3);
    });

    it('runs at most `concurrency` jobs at once and finishes them all', async () => {
      const threeRunning = gate();
      let running = 0;
      let maxRunning = 0;
      const done: number[] = [];
      const q = harness.make();
      q.process(
        'process-receipt',
        async (p) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await threeRunning.promise;
          await sleep(10);
          running--;
          done.push(p.receiptId);
        },
        { concurrency: 3 },
      );
      for (let id = 1; id <= 9; id++) await q.add('process-receipt', { receiptId: id });
      await waitFor('three jobs to run at once', () => running === 3);
      assert.deepEqual(await q.counts('process-receipt'), { waiting: 6, active: 3, delayed: 0 });
      threeRunning.open();
      await waitFor('all nine jobs', () => done.length === 9);
      await waitIdle(q);
      assert.equal(maxRunning, 3);
      assert.deepEqual(
        [...done].sort((a, b) => a - b),
        [1, 2, 3, 4, 5, 6, 7, 8, 9],
      );
    });

    it('reports waiting and active jobs in counts()', async () => {
      const release = gate();
      let started = 0;
      const q = harness.make();
      assert.deepEqual(await q.counts('process-receipt'), { waiting: 0, active: 0, delayed: 0 });
      q.process('process-receipt', async () => {
        started++;
        await release.promise;
      });
      for (const id of [21, 22, 23]) await q.add('process-receipt', { receiptId: id });
      await waitFor('the first job to start', () => started === 1);
      assert.deepEqual(await q.counts('process-receipt'), { waiting: 2, active: 1, delayed: 0 });
      assert.deepEqual(await q.counts('deliver-outbound'), { waiting: 0, active: 0, delayed: 0 });
      release.open();
      await waitFor('all three jobs', () => started === 3);
      await waitIdle(q);
    });

    it('reports a job waiting for its retry as delayed', async () => {
      let runs = 0;
      const q = harness.make({ policy: { attempts: 3, backoffMs: 60_000 } });
      q.process('process-receipt', () => {
        runs++;
        return Promise.reject(new GatewayError('store-unavailable', 'try later', true));
      });
      await q.add('process-receipt', { receiptId: 24 });
      await waitFor(
        'the job to wait for its retry',
        async () => (await q.counts('process-receipt')).delayed === 1,
      );
      assert.deepEqual(await q.counts('process-receipt'), { waiting: 0, active: 0, delayed: 1 });
      assert.equal(runs, 1);
      await q.add('process-receipt', { receiptId: 24 });
      assert.deepEqual(await q.counts('process-receipt'), { waiting: 0, active: 0, delayed: 1 });
    });

    it('waits out a retry delay longer than a timer can hold instead of retrying at once', async () => {
      let runs = 0;
      let sinkCalls = 0;
      const q = harness.make({
        policy: { attempts: 1, backoffMs: 2 ** 32 },
        deadLetter: () => {
          sinkCalls++;
          return Promise.reject(new GatewayError('store-unavailable', 'dead-letter table locked', true));
        },
      });
      q.process('process-receipt', () => {
        runs++;
        return Promise.reject(new Error('not retryable'));
      });
      await q.add('process-receipt', { receiptId: 25 });
      await waitFor(
        'the job to wait for its retry',
        async () => (await q.counts('process-receipt')).delayed === 1,
      );
      await sleep(100);
      assert.equal(runs, 1);
      assert.equal(sinkCalls, 1);
      assert.deepEqual(await q.counts('process-receipt'), { waiting: 0, active: 0, delayed: 1 });
    });

    it('lets a running job finish on close({timeoutMs}) and takes no new job after', async () => {
      const release = gate();
      const events: string[] = [];
      const q = harness.make();
      q.process('process-receipt', async (p) => {
        events.push(`start ${p.receiptId}`);
        await release.promise;
        events.push(`finish ${p.receiptId}`);
      });
      await q.add('process-receipt', { receiptId: 31 });
      await q.add('process-receipt', { receiptId: 32 });
      await waitFor('the first job to start', () => events.length === 1);
      const closing = q.close({ timeoutMs: 10_000 }).then(() => events.push('closed'));
      await sleep(100);
      assert.deepEqual(events, ['start 31'], 'close returned while a job was still running');
      release.open();
      await closing;
      await sleep(200);
      assert.deepEqual(events, ['start 31', 'finish 31', 'closed']);
    });

    it('gives up on a job still running when close({timeoutMs}) runs out', async () => {
      let started = false;
      const q = harness.make();
      q.process('process-receipt', async () => {
        started = true;
        await new Promise<void>(() => undefined);
      });
      await q.add('process-receipt', { receiptId: 34 });
      await waitFor('the job to start', () => started);
      const result = await Promise.race([
        q.close({ timeoutMs: 50 }).then(() => 'closed'),
        sleep(5_000, undefined, { ref: false }).then(() => 'still closing'),
      ]);
      assert.equal(result, 'closed');
    });
  });
}

const inProcessQueues: JobQueue[] = [];
const inProcess: Harness = {
  name: 'InProcessQueue',
  make(options = {}) {
    const q = new InProcessQueue(options.policy ?? POLICY, options.deadLetter ?? collectingSink().sink);
    inProcessQueues.push(q);
    return q;
  },
};

describe('InProcessQueue', () => {
  afterEach(async () => {
    for (const q of inProcessQueues.splice(0)) await q.close({ timeoutMs: 0 });
  });
  defineQueueBehaviour(inProcess);
});

let prefixCount = 0;
let prefix = '';
const bullmqQueues: BullmqQueue[] = [];

function makeBullmq(options: MakeOptions = {}): BullmqQueue {
  const q = new BullmqQueue({
    url: redisUrl!,
    policy: options.policy ?? POLICY,
    deadLetter: options.deadLetter ?? collectingSink().sink,
    prefix,
    ...(options.lockMs === undefined ? {} : { lockMs: options.lockMs }),
  });
  bullmqQueues.push(q);
  return q;
}

const bullmq: Harness = { name: 'BullmqQueue', make: makeBullmq };

(redisUrl ? describe : describe.skip)('BullmqQueue', () => {
  beforeEach(() => {
    prefix = `dockside-test-${process.pid}-${++prefixCount}`;
  });

  afterEach(async () => {
    for (const q of bullmqQueues.splice(0)) await q.close({ timeoutMs: 0 });
    const janitor = new BullmqQueue({
      url: redisUrl!,
      policy: POLICY,
      deadLetter: () => Promise.resolve(),
      prefix,
    });
    await janitor.obliterate();
    await janitor.close();
  });

  defineQueueBehaviour(bullmq);

  describe('BullmqQueue across processes', () => {
    it('hands each of 200 jobs to exactly one of two instances on the same prefix', async () => {
      const handledBy = new Map<number, string[]>();
      const a = makeBullmq();
      const b = makeBullmq();
      for (const [name, q] of [
        ['a', a],
        ['b', b],
      ] as const) {
        q.process(
          'process-receipt',
          async (p) => {
            await sleep(2);
            handledBy.set(p.receiptId, [...(handledBy.get(p.receiptId) ?? []), name]);
          },
          { concurrency: 4 },
        );
      }
      for (let id = 1; id <= 200; id++) {
        await (id % 2 === 0 ? a : b).add('process-receipt', { receiptId: id });
      }
      await waitFor('all 200 jobs', () => handledBy.size === 200, 30_000);
      await waitIdle(a);
      const twice = [...handledBy].filter(([, by]) => by.length !== 1);
      assert.deepEqual(twice, [], 'jobs handled more than once');
      const all = [...handledBy.values()].flat();
      assert.ok(all.includes('a') && all.includes('b'), 'one instance handled every job');
    });

    it('lets another instance take over a job whose worker was killed mid-run, once its lock expires', async () => {
      const events: string[] = [];
      const a = makeBullmq({ lockMs: 1000 });
      a.process('process-receipt', async (p, ctx) => {
        events.push(`a started ${ctx.jobId} ${p.receiptId}`);
        await new Promise<void>(() => undefined);
      });
      await a.add('process-receipt', { receiptId: 41 });
      await waitFor('instance a to start the job', () => events.length === 1);
      await a.close({ timeoutMs: 0 });

      const b = makeBullmq({ lockMs: 1000 });
      b.process('process-receipt', async (p, ctx) => {
        events.push(`b started ${ctx.jobId} ${p.receiptId}`);
        await sleep(5);
        events.push(`b finished ${ctx.jobId}`);
      });
      await waitFor('instance b to finish the job', () => events.includes('b finished receipt-41'), 20_000);
      await waitIdle(b);
      assert.deepEqual(events, [
        'a started receipt-41 41',
        'b started receipt-41 41',
        'b finished receipt-41',
      ]);
    });

    it('leaves jobs still waiting at close in Redis for the next process', async () => {
      const release = gate();
      const ran: number[] = [];
      const a = makeBullmq();
      a.process('process-receipt', async (p) => {
        ran.push(p.receiptId);
        await release.promise;
      });
      await a.add('process-receipt', { receiptId: 51 });
      await a.add('process-receipt', { receiptId: 52 });
      await waitFor('the first job to start', () => ran.length === 1);
      const closing = a.close({ timeoutMs: 10_000 });
      release.open();
      await closing;

      const b = makeBullmq();
      assert.deepEqual(await b.counts('process-receipt'), { waiting: 1, active: 0, delayed: 0 });
      b.process('process-receipt', (p) => {
        ran.push(p.receiptId);
        return Promise.resolve();
      });
      await waitFor('the second job to run on b', () => ran.length === 2);
      assert.deepEqual(ran, [51, 52]);
    });

    it('rejects add() and counts() with a retryable queue-unavailable error when Redis cannot be reached', async () => {
      const q = new BullmqQueue({
        url: 'redis://127.0.0.1:1',
        policy: POLICY,
        deadLetter: () => Promise.resolve(),
        prefix,
        redisTimeoutMs: 300,
      });
      const unavailable = (e: unknown) => {
        assert.ok(e instanceof GatewayError);
        assert.equal(e.code, 'queue-unavailable');
        assert.equal(e.retryable, true);
        return true;
      };
      try {
        await assert.rejects(q.add('process-receipt', { receiptId: 61 }), unavailable);
        await assert.rejects(q.counts('process-receipt'), unavailable);
      } finally {
        await q.close({ timeoutMs: 0 });
      }
    });
  });
});

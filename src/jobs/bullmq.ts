// The clustered queue: BullMQ on Redis. Any number of processes add and take jobs; a job id given twice
// while the first job is still known to Redis is one job. A worker that dies mid-job loses its lock, and
// BullMQ's stalled-job check hands the job to another worker; the sweeper covers anything beyond that.
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { GatewayError, errorMessage } from '../errors.ts';
import { runAttempt } from './attempt.ts';
import {
  jobIds,
  type DeadLetterSink,
  type JobHandler,
  type JobPayloads,
  type JobQueue,
  type QueueCounts,
  type QueueName,
  type RetryPolicy,
} from './queue.ts';

export interface BullmqOptions {
  url: string;
  policy: RetryPolicy;
  deadLetter: DeadLetterSink;
  /** Key prefix in Redis, so that several gateways (or test runs) can share a server. */
  prefix?: string;
  /** How long a worker's hold on a job lasts without renewal; a killed worker's job is taken over after it. */
  lockMs?: number;
  /** How long add() and counts() wait for Redis before failing with a retryable queue-unavailable (default 5 s). */
  redisTimeoutMs?: number;
}

const ABANDONED = Symbol('abandoned');
const ABANDON_GRACE_MS = 1000;

// Beyond the policy's attempts, BullMQ keeps retrying only when the dead letter itself could not be written.
const EXTRA_ATTEMPTS = 20;

export class BullmqQueue implements JobQueue {
  readonly kind = 'bullmq';
  private readonly connection: Redis;
  private readonly queues = new Map<QueueName, Queue>();
  private readonly workers: { worker: Worker; connection: Redis }[] = [];
  private readonly prefix: string;
  /** One per running handler, called when close() stops waiting for it (a killed process would not wait). */
  private readonly abandonHooks = new Set<() => void>();

  constructor(private readonly options: BullmqOptions) {
    this.prefix = options.prefix ?? 'dockside';
    // Adding fails after a few tries rather than hanging while Redis is away: the caller has the receipt
    // committed already, and the sweeper adds the job once Redis is back.
    this.connection = this.connect(3);
  }

  add<N extends QueueName>(queue: N, payload: JobPayloads[N]): Promise<void> {
    return this.addMany(queue, [payload]);
  }

  async addMany<N extends QueueName>(queue: N, payloads: JobPayloads[N][]): Promise<void> {
    if (payloads.length === 0) return;
    const jobs = payloads.map((data) => ({
      name: queue,
      data,
      opts: {
        jobId: (jobIds[queue] as (p: JobPayloads[N]) => string)(data),
        attempts: this.options.policy.attempts + EXTRA_ATTEMPTS,
        backoff: { type: 'exponential', delay: this.options.policy.backoffMs },
        removeOnComplete: true,
        removeOnFail: true,
      },
    }));
    try {
      // One job goes alone: addBulk wraps it in a MULTI it does not need.
      await this.inTime<unknown>(
        jobs.length === 1
          ? this.queue(queue).add(queue, jobs[0]!.data, jobs[0]!.opts)
          : this.queue(queue).addBulk(jobs),
      );
    } catch (e) {
      const ids = jobs.map((j) => j.opts.jobId);
      const what = ids.length === 1 ? ids[0] : `${ids.length} jobs (${ids[0]} …)`;
      throw new GatewayError('queue-unavailable', `cannot add ${what} to Redis: ${errorMessage(e)}`, true, {
        cause: e,
      });
    }
  }

  process<N extends QueueName>(
    queue: N,
    handler: JobHandler<N>,
    options: { concurrency?: number } = {},
  ): void {
    const lockMs = this.options.lockMs ?? 30_000;
    // BullMQ does not close a connection it was given; close() does.
    const connection = this.connect(null);
    const worker = new Worker(
      queue,
      async (job: Job) => {
        const ctx = {
          jobId: job.id ?? '',
          attempt: job.attemptsMade + 1,
          maxAttempts: this.options.policy.attempts,
        };
        const outcome = await this.unlessAbandoned(
          runAttempt(
            queue,
            handler,
            job.data as JobPayloads[N],
            ctx,
            this.options.policy,
            this.options.deadLetter,
          ),
        );
        // The worker's connection is closed by now, so BullMQ cannot record this failure: the job stays active
        // in Redis until its lock runs out, exactly as if the process had been killed.
        if (outcome === ABANDONED)
          throw new Error(`${ctx.jobId} abandoned: the queue closed before it finished`);
        // BullMQ schedules the retry with the same exponential backoff.
        if (outcome.kind === 'retry') {
          throw outcome.error instanceof Error ? outcome.error : new Error(errorMessage(outcome.error));
        }
      },
      {
        connection,
        prefix: this.prefix,
        concurrency: Math.max(1, options.concurrency ?? 1),
        lockDuration: lockMs,
        stalledInterval: Math.max(1000, Math.floor(lockMs / 2)),
        maxStalledCount: 10,
      },
    );
    // Connection trouble is reported here and retried by ioredis; it must not crash the process.
    worker.on('error', () => undefined);
    this.workers.push({ worker, connection });
  }

  async counts(queue: QueueName): Promise<QueueCounts> {
    let c: Record<string, number>;
    try {
      c = await this.inTime(this.queue(queue).getJobCounts('waiting', 'active', 'delayed', 'prioritized'));
    } catch (e) {
      throw new GatewayError(
        'queue-unavailable',
        `cannot count jobs of ${queue} in Redis: ${errorMessage(e)}`,
        true,
        {
          cause: e,
        },
      );
    }
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
    };
  }

  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    // Worker.close() stops taking jobs and waits for the running ones. Once it waits it cannot be forced any
    // more (close(true) returns the same promise), so running past the deadline is ended from our side.
    const graceful = Promise.all(this.workers.map(({ worker }) => worker.close()));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      graceful.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), options.timeoutMs ?? 30_000);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      // Jobs still running keep their Redis state: with the connection gone first, BullMQ can neither complete
      // nor fail them, and nothing renews their lock; it runs out and another worker (or this one after a
      // restart) takes them over.
      await Promise.all(this.workers.map(({ connection }) => disconnected(connection)));
      for (const abandon of this.abandonHooks) abandon();
      // With Redis unreachable BullMQ's own close never ends; the deadline has passed already.
      await Promise.race([graceful, sleep(ABANDON_GRACE_MS, undefined, { ref: false })]);
    }
    await Promise.all(this.workers.map(({ connection }) => disconnected(connection)));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    await disconnected(this.connection);
  }

  /** Removes every job of every queue under this prefix (tests and benchmarks). */
  async obliterate(): Promise<void> {
    for (const name of ['process-receipt', 'deliver-outbound', 'map-documents'] as const) {
      await this.queue(name).obliterate({ force: true });
    }
  }

  /** The outcome of `work`, or ABANDONED once close() gives up on it. (Not a race with one long-lived promise:
   * each job would leave a reaction on it for the life of the process.) */
  private unlessAbandoned<T>(work: Promise<T>): Promise<T | typeof ABANDONED> {
    return new Promise((resolve, reject) => {
      const abandon = () => resolve(ABANDONED);
      this.abandonHooks.add(abandon);
      work.then(resolve, reject).finally(() => this.abandonHooks.delete(abandon));
    });
  }

  /** BullMQ waits for a connection that has never been ready without end (ioredis's maxRetriesPerRequest
   * only bounds a command once connected): a gateway started while Redis is away must not hang on it. A
   * late add still lands, which is harmless with deterministic job ids. */
  private async inTime<T>(work: Promise<T>): Promise<T> {
    const ms = this.options.redisTimeoutMs ?? 5000;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        work,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer from Redis within ${ms} ms`)), ms);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      work.catch(() => undefined);
    }
  }

  private queue(name: QueueName): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.connection, prefix: this.prefix });
      q.on('error', () => undefined);
      this.queues.set(name, q);
    }
    return q;
  }

  private connect(maxRetriesPerRequest: number | null): Redis {
    const redis = new Redis(this.options.url, { maxRetriesPerRequest });
    redis.on('error', () => undefined);
    return redis;
  }
}

/** Closes a connection at once and resolves when it is closed (commands sent afterwards fail). */
async function disconnected(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  // Not events.once(): it rejects on the 'error' a closing socket may still emit.
  const ended = new Promise<void>((resolve) => redis.once('end', () => resolve()));
  redis.disconnect();
  // Between reconnection attempts ioredis stops without an 'end' event (and sends nothing more).
  if (redis.status === 'reconnecting') return;
  await ended;
}

// The clustered queue: BullMQ on Redis. Any number of processes add and take jobs; a job id given twice
// while the first job is still known to Redis is one job. A worker that dies mid-job loses its lock, and
// BullMQ's stalled-job check hands the job to another worker; the sweeper covers anything beyond that.
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
}

// Beyond the policy's attempts, BullMQ keeps retrying only when the dead letter itself could not be written.
const EXTRA_ATTEMPTS = 20;

export class BullmqQueue implements JobQueue {
  readonly kind = 'bullmq';
  private readonly connection: Redis;
  private readonly queues = new Map<QueueName, Queue>();
  private readonly workers: Worker[] = [];
  private readonly prefix: string;

  constructor(private readonly options: BullmqOptions) {
    this.prefix = options.prefix ?? 'dockside';
    // Adding fails after a few tries rather than hanging while Redis is away: the caller has the receipt
    // committed already, and the sweeper adds the job once Redis is back.
    this.connection = this.connect(3);
  }

  async add<N extends QueueName>(queue: N, payload: JobPayloads[N]): Promise<void> {
    const jobId = (jobIds[queue] as (p: JobPayloads[N]) => string)(payload);
    try {
      await this.queue(queue).add(queue, payload, {
        jobId,
        attempts: this.options.policy.attempts + EXTRA_ATTEMPTS,
        backoff: { type: 'exponential', delay: this.options.policy.backoffMs },
        removeOnComplete: true,
        removeOnFail: true,
      });
    } catch (e) {
      throw new GatewayError('queue-unavailable', `cannot add ${jobId} to Redis: ${errorMessage(e)}`, true, {
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
    const worker = new Worker(
      queue,
      async (job: Job) => {
        const ctx = {
          jobId: job.id ?? '',
          attempt: job.attemptsMade + 1,
          maxAttempts: this.options.policy.attempts,
        };
        const outcome = await runAttempt(
          queue,
          handler,
          job.data as JobPayloads[N],
          ctx,
          this.options.policy,
          this.options.deadLetter,
        );
        // BullMQ schedules the retry with the same exponential backoff.
        if (outcome.kind === 'retry') {
          throw outcome.error instanceof Error ? outcome.error : new Error(errorMessage(outcome.error));
        }
      },
      {
        connection: this.connect(null),
        prefix: this.prefix,
        concurrency: Math.max(1, options.concurrency ?? 1),
        lockDuration: lockMs,
        stalledInterval: Math.max(1000, Math.floor(lockMs / 2)),
        maxStalledCount: 10,
      },
    );
    // Connection trouble is reported here and retried by ioredis; it must not crash the process.
    worker.on('error', () => undefined);
    this.workers.push(worker);
  }

  async counts(queue: QueueName): Promise<QueueCounts> {
    const c = await this.queue(queue).getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
    };
  }

  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    const graceful = Promise.all(this.workers.map((w) => w.close()));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      graceful.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), options.timeoutMs ?? 30_000);
      }),
    ]);
    clearTimeout(timer);
    // Jobs still running past the deadline keep their Redis state; their lock runs out and another worker
    // (or this one after a restart) takes them over.
    if (timedOut) await Promise.all(this.workers.map((w) => w.close(true)));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.connection.disconnect();
  }

  /** Removes every job of every queue under this prefix (tests and benchmarks). */
  async obliterate(): Promise<void> {
    for (const name of ['process-receipt', 'deliver-outbound', 'map-documents'] as const) {
      await this.queue(name).obliterate({ force: true });
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

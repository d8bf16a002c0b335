// The embedded queue: jobs live in this process's memory. Nothing is lost by that, because the database is
// the record of what remains to do and the sweeper re-adds it after a restart.
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

// setTimeout runs a longer delay after 1 ms instead; a dead-letter sink failing for days doubles the backoff
// past it, and the job would then be retried in a tight loop.
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Pending {
  id: string;
  payload: unknown;
  attempt: number;
}

interface Lane {
  handler?: JobHandler<QueueName>;
  concurrency: number;
  waiting: Pending[];
  /** Every job id waiting, delayed or running: adding one of these again is a no-op. */
  known: Set<string>;
  active: Set<Promise<void>>;
  delayed: Map<string, NodeJS.Timeout>;
}

export class InProcessQueue implements JobQueue {
  readonly kind = 'in-process';
  private readonly lanes = new Map<QueueName, Lane>();
  private closed = false;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly deadLetter: DeadLetterSink,
  ) {}

  add<N extends QueueName>(queue: N, payload: JobPayloads[N]): Promise<void> {
    if (this.closed) return Promise.resolve();
    const lane = this.lane(queue);
    const id = (jobIds[queue] as (p: JobPayloads[N]) => string)(payload);
    if (lane.known.has(id)) return Promise.resolve();
    lane.known.add(id);
    lane.waiting.push({ id, payload, attempt: 1 });
    this.pump(queue, lane);
    return Promise.resolve();
  }

  async addMany<N extends QueueName>(queue: N, payloads: JobPayloads[N][]): Promise<void> {
    for (const payload of payloads) await this.add(queue, payload);
  }

  process<N extends QueueName>(
    queue: N,
    handler: JobHandler<N>,
    options: { concurrency?: number } = {},
  ): void {
    const lane = this.lane(queue);
    lane.handler = handler as JobHandler<QueueName>;
    lane.concurrency = Math.max(1, options.concurrency ?? 1);
    this.pump(queue, lane);
  }

  counts(queue: QueueName): Promise<QueueCounts> {
    const lane = this.lane(queue);
    return Promise.resolve({
      waiting: lane.waiting.length,
      active: lane.active.size,
      delayed: lane.delayed.size,
    });
  }

  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.closed = true;
    const running: Promise<void>[] = [];
    for (const lane of this.lanes.values()) {
      for (const t of lane.delayed.values()) clearTimeout(t);
      lane.delayed.clear();
      lane.waiting.length = 0;
      running.push(...lane.active);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.timeoutMs ?? 30_000);
    });
    await Promise.race([Promise.allSettled(running), timeout]);
    clearTimeout(timer);
  }

  private lane(queue: QueueName): Lane {
    let lane = this.lanes.get(queue);
    if (!lane) {
      lane = { concurrency: 1, waiting: [], known: new Set(), active: new Set(), delayed: new Map() };
      this.lanes.set(queue, lane);
    }
    return lane;
  }

  private pump(queue: QueueName, lane: Lane): void {
    const handler = lane.handler;
    if (!handler) return;
    while (!this.closed && lane.active.size < lane.concurrency && lane.waiting.length > 0) {
      const job = lane.waiting.shift()!;
      const run = this.run(queue, lane, handler, job).finally(() => {
        lane.active.delete(run);
        this.pump(queue, lane);
      });
      lane.active.add(run);
    }
  }

  private async run(
    queue: QueueName,
    lane: Lane,
    handler: JobHandler<QueueName>,
    job: Pending,
  ): Promise<void> {
    const ctx = { jobId: job.id, attempt: job.attempt, maxAttempts: this.policy.attempts };
    const outcome = await runAttempt(
      queue,
      handler,
      job.payload as JobPayloads[QueueName],
      ctx,
      this.policy,
      this.deadLetter,
    );
    if (outcome.kind !== 'retry' || this.closed) {
      lane.known.delete(job.id);
      return;
    }
    const timer = setTimeout(
      () => {
        lane.delayed.delete(job.id);
        lane.waiting.push({ ...job, attempt: job.attempt + 1 });
        this.pump(queue, lane);
      },
      Math.min(outcome.delayMs, MAX_TIMER_MS),
    );
    timer.unref();
    lane.delayed.set(job.id, timer);
  }
}

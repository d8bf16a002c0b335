// The job queue: names, payloads and the interface both implementations keep. Payloads carry ids, never
// file contents. Delivery is at least once; handlers are idempotent, and job ids are deterministic so a job
// added twice while the first is still waiting or running is one job.

export const QUEUE_NAMES = ['process-receipt', 'deliver-outbound', 'map-documents'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export interface JobPayloads {
  'process-receipt': { receiptId: number };
  'deliver-outbound': { ackId: number };
  /** Accepted sets of a receipt wait for mapping into canonical documents (consumed by the documents work). */
  'map-documents': { receiptId: number };
}

export const jobIds = {
  'process-receipt': (p: JobPayloads['process-receipt']) => `receipt-${p.receiptId}`,
  'deliver-outbound': (p: JobPayloads['deliver-outbound']) => `ack-${p.ackId}`,
  'map-documents': (p: JobPayloads['map-documents']) => `map-${p.receiptId}`,
} satisfies { [N in QueueName]: (p: JobPayloads[N]) => string };

export interface JobContext {
  jobId: string;
  /** 1 on the first attempt. */
  attempt: number;
  maxAttempts: number;
}

export type JobHandler<N extends QueueName> = (payload: JobPayloads[N], ctx: JobContext) => Promise<void>;

export interface RetryPolicy {
  /** Attempts in all, the first included (default 6). */
  attempts: number;
  /** Delay before the second attempt; doubled for each one after (default 1 s). */
  backoffMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, backoffMs: 1000 };

export interface DeadJob<N extends QueueName = QueueName> {
  queue: N;
  jobId: string;
  payload: JobPayloads[N];
  error: unknown;
  attempts: number;
}

/** Records a job that failed for good; called once per such job, before the queue forgets it. */
export type DeadLetterSink = (job: DeadJob) => Promise<void>;

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
}

export interface JobQueue {
  readonly kind: 'bullmq' | 'in-process';
  add<N extends QueueName>(queue: N, payload: JobPayloads[N]): Promise<void>;
  /** add() for several jobs of one queue, in one round trip where the queue has one. */
  addMany<N extends QueueName>(queue: N, payloads: JobPayloads[N][]): Promise<void>;
  /** Starts taking jobs of that queue with `concurrency` running at once. */
  process<N extends QueueName>(queue: N, handler: JobHandler<N>, options?: { concurrency?: number }): void;
  counts(queue: QueueName): Promise<QueueCounts>;
  /** Stops taking jobs; waits up to `timeoutMs` for those running, then gives up on them (they will be
   * picked up again: by BullMQ's stalled-job check, or by the sweeper). */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

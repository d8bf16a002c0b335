// The sweeper: the database says what is unfinished, the queue may have lost it (a crash of the in-process
// queue, Redis restarted without persistence, an enqueue that failed after a commit). Re-adding is safe:
// job ids are deterministic, so a job still waiting or running is not doubled, and handlers are idempotent.
import { errorMessage } from '../errors.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { Logger } from '../log.ts';
import type { Db } from '../store/db.ts';
import { pendingDeliveries } from '../store/queries/acknowledgments.ts';
import { receiptsAwaitingMapping } from '../store/queries/documents.ts';
import { unfinishedReceipts } from '../store/queries/receipts.ts';

export interface SweeperOptions {
  intervalMs: number;
  /** Work untouched for this long is re-added (default: twice the interval). */
  idleMs?: number;
  batch?: number;
}

export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly queue: JobQueue,
    private readonly log: Logger,
    private readonly options: SweeperOptions,
  ) {}

  /** Sweeps now with `idleMs` (0 at the start of a single process: nothing else can be working on it). */
  async sweep(
    idleMs = this.options.idleMs ?? this.options.intervalMs * 2,
  ): Promise<{ receipts: number; acks: number; mappings: number }> {
    const batch = this.options.batch ?? 1000;
    const receipts = await unfinishedReceipts(this.db, idleMs, batch);
    await this.queue.addMany(
      'process-receipt',
      receipts.map((receiptId) => ({ receiptId })),
    );
    const acks = await pendingDeliveries(this.db, idleMs, batch);
    await this.queue.addMany(
      'deliver-outbound',
      acks.map((ackId) => ({ ackId })),
    );
    const mappings = await receiptsAwaitingMapping(this.db, idleMs, batch);
    await this.queue.addMany(
      'map-documents',
      mappings.map((receiptId) => ({ receiptId })),
    );
    if (receipts.length + acks.length + mappings.length > 0) {
      this.log.info(
        { receipts: receipts.length, acks: acks.length, mappings: mappings.length },
        'sweeper re-queued unfinished work',
      );
    }
    return { receipts: receipts.length, acks: acks.length, mappings: mappings.length };
  }

  start(): void {
    this.stopped = false;
    const tick = () => {
      this.running = this.sweep()
        .catch((e: unknown) => this.log.warn({ err: errorMessage(e) }, 'sweep failed'))
        .finally(() => {
          this.running = undefined;
          if (this.stopped) return;
          this.timer = setTimeout(tick, this.options.intervalMs);
          this.timer.unref();
        });
    };
    this.timer = setTimeout(tick, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}

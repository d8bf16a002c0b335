// Group commit for work that arrives one item at a time but is cheaper written together: concurrent
// receive() calls, concurrent process-receipt jobs. An item never waits for a timer. It goes at the next turn
// of the event loop with whatever else arrived in that turn, or, when `maxInFlight` batches are already
// running, with everything that queues up behind them. Under light load a batch is one item; under heavy load
// batches grow by themselves, and the per-statement, per-commit and per-round-trip costs are shared.

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface BatcherOptions {
  /** Items in one batch at most (default 64). */
  maxBatch?: number;
  /** Batches running at once (default 2: one is written while the next is prepared). */
  maxInFlight?: number;
}

interface Waiting<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

export class Batcher<I, O> {
  private readonly waiting: Waiting<I, O>[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;

  /** `run` settles every item of the batch, in order; throwing fails the whole batch. */
  constructor(
    private readonly run: (items: I[]) => Promise<Settled<O>[]>,
    options: BatcherOptions = {},
  ) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 64);
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 2);
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Batches running now (a close can wait for them through the items' own promises). */
  get running(): number {
    return this.inFlight;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      this.inFlight++;
      void this.runBatch(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async runBatch(batch: Waiting<I, O>[]): Promise<void> {
    let results: Settled<O>[];
    try {
      results = await this.run(batch.map((w) => w.item));
    } catch (error) {
      for (const w of batch) w.reject(error);
      return;
    }
    batch.forEach((w, i) => {
      const r = results[i];
      if (!r) w.reject(new Error(`batch returned ${results.length} results for ${batch.length} items`));
      else if (r.ok) w.resolve(r.value);
      else w.reject(r.error);
    });
  }
}

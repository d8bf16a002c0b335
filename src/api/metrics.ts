// Prometheus metrics of the whole gateway. A gateway may run as several processes (a scheduler and workers)
// sharing one database, and the API lives in only one of them, so nothing here counts in memory: every value
// is read when Prometheus scrapes, from the database (and from the queue, which is shared too under BullMQ).
// One registry per API instance, not prom-client's global one, so two instances in a process (tests) do not
// collide.
import { Counter, Gauge, Registry, Summary } from 'prom-client';
import type { JobQueue, QueueCounts, QueueName } from '../jobs/queue.ts';
import { QUEUE_NAMES } from '../jobs/queue.ts';
import type { Logger } from '../log.ts';
import type { Queryable } from '../store/db.ts';
import { metricsSnapshot, type MetricsSnapshot, type ReceiptTotals } from '../store/queries/metrics.ts';

/** The partner label of files from a sender no partner file names. */
export const NO_PARTNER = 'unknown';

export interface MetricsDeps {
  db: Queryable;
  /** The job queue, for its depth; without it the queue metrics have no values. */
  queue?: JobQueue;
  log: Logger;
}

interface Scrape {
  /** Absent when the database did not answer. */
  snapshot?: MetricsSnapshot;
  queues: { queue: QueueName; counts: QueueCounts }[];
}

const partnerLabel = (id: string | null) => id ?? NO_PARTNER;

/** A registry whose metrics read the database when collected. */
export function createMetrics(deps: MetricsDeps): Registry {
  const registry = new Registry();
  const scrape = sharedScrape(deps);
  const registers = [registry];

  new Gauge({
    name: 'dockside_up',
    help: 'Always 1 while the gateway process serving the API answers',
    registers,
    collect() {
      this.set(1);
    },
  });
  new Gauge({
    name: 'dockside_ready',
    help: 'Whether the database answered this scrape (1) or not (0, and the database metrics are absent)',
    registers,
    async collect() {
      this.set((await scrape()).snapshot ? 1 : 0);
    },
  });

  const receiptCounter = (name: string, help: string, pick: (r: ReceiptTotals) => number) =>
    new Counter({
      name,
      help,
      labelNames: ['partner'] as const,
      registers,
      async collect() {
        const { snapshot } = await scrape();
        this.reset();
        for (const r of snapshot?.receipts ?? []) this.inc({ partner: partnerLabel(r.partnerId) }, pick(r));
      },
    });
  receiptCounter(
    'dockside_files_received_total',
    `Files received, duplicates included, by partner ("${NO_PARTNER}" when no partner file names the sender)`,
    (r) => r.received,
  );
  receiptCounter(
    'dockside_files_processed_total',
    'Files processed, whatever the outcome, by partner',
    (r) => r.processed,
  );
  receiptCounter(
    'dockside_files_rejected_total',
    'Files processed with the outcome rejected (counted in processed too), by partner',
    (r) => r.rejected,
  );
  receiptCounter(
    'dockside_files_duplicates_total',
    'Repeated arrivals of a file already received (not processed again), by partner',
    (r) => r.duplicates,
  );
  // A gauge: retrying the dead letter makes the file pending again, and a counter that falls reads as a reset.
  new Gauge({
    name: 'dockside_files_dead',
    help: 'Files whose processing failed for good and that nobody has retried, by partner',
    labelNames: ['partner'] as const,
    registers,
    async collect() {
      const { snapshot } = await scrape();
      this.reset();
      for (const r of snapshot?.receipts ?? []) this.set({ partner: partnerLabel(r.partnerId) }, r.dead);
    },
  });

  new Counter({
    name: 'dockside_acks_sent_total',
    help: 'Acknowledgments delivered to partners, by partner',
    labelNames: ['partner'] as const,
    registers,
    async collect() {
      const { snapshot } = await scrape();
      this.reset();
      for (const a of snapshot?.acknowledgments ?? []) {
        if (a.status === 'delivered') this.inc({ partner: a.partnerId }, a.count);
      }
    },
  });
  // A gauge, not a counter: retrying a failed delivery makes it pending again, so the number can fall.
  new Gauge({
    name: 'dockside_ack_deliveries_failed',
    help: 'Acknowledgments whose delivery failed for good and has not been retried, by partner',
    labelNames: ['partner'] as const,
    registers,
    async collect() {
      const { snapshot } = await scrape();
      this.reset();
      for (const a of snapshot?.acknowledgments ?? []) {
        if (a.status === 'failed') this.set({ partner: a.partnerId }, a.count);
      }
    },
  });
  new Gauge({
    name: 'dockside_ack_deliveries_pending',
    help: 'Acknowledgments waiting to be delivered (or for an AS2 MDN), by partner',
    labelNames: ['partner'] as const,
    registers,
    async collect() {
      const { snapshot } = await scrape();
      this.reset();
      for (const a of snapshot?.acknowledgments ?? []) {
        if (a.status === 'pending') this.set({ partner: a.partnerId }, a.count);
      }
    },
  });
  new Gauge({
    name: 'dockside_dead_letters_open',
    help: 'Jobs that failed for good and wait for someone to retry them, by queue',
    labelNames: ['queue'] as const,
    registers,
    async collect() {
      const { snapshot } = await scrape();
      this.reset();
      for (const d of snapshot?.deadLettersOpen ?? []) this.set({ queue: d.queue }, d.count);
    },
  });
  new Gauge({
    name: 'dockside_mismatches_open',
    help: 'Reconciliation mismatches nobody has decided on yet, by partner',
    labelNames: ['partner'] as const,
    registers,
    async collect() {
      const { snapshot } = await scrape();
      this.reset();
      for (const m of snapshot?.mismatchesOpen ?? []) this.set({ partner: m.partnerId }, m.count);
    },
  });
  new Gauge({
    name: 'dockside_queue_depth',
    help: 'Jobs waiting in the queue, delayed ones (waiting to retry) included, by queue',
    labelNames: ['queue'] as const,
    registers,
    async collect() {
      const { queues } = await scrape();
      this.reset();
      for (const q of queues) this.set({ queue: q.queue }, q.counts.waiting + q.counts.delayed);
    },
  });
  new Gauge({
    name: 'dockside_queue_active',
    help: 'Jobs running now, by queue',
    labelNames: ['queue'] as const,
    registers,
    async collect() {
      const { queues } = await scrape();
      this.reset();
      for (const q of queues) this.set({ queue: q.queue }, q.counts.active);
    },
  });
  new DatabaseLatency(registry, scrape);
  return registry;
}

/** Processing time as a Prometheus summary made from the database: the quantiles over the receipts processed
 * in the last hour (NaN when there were none), _sum and _count over every receipt ever processed, so that
 * rate(_sum) / rate(_count) gives the mean over any window. prom-client's own summary could only count what
 * this process observed. */
const LATENCY = 'dockside_processing_latency_seconds';

class DatabaseLatency extends Summary {
  constructor(
    registry: Registry,
    private readonly scrape: () => Promise<Scrape>,
  ) {
    super({
      name: LATENCY,
      help: 'Seconds from the arrival of a file to the end of its processing; quantiles over the last hour',
      registers: [registry],
    });
  }

  override async get() {
    const [base, { snapshot }] = await Promise.all([super.get(), this.scrape()]);
    if (!snapshot) return { ...base, values: [] };
    const quantiles = snapshot.latencyLastHour.map((q) => ({
      labels: { quantile: q.quantile },
      value: q.seconds ?? Number.NaN,
    }));
    const sum = snapshot.receipts.reduce((s, r) => s + r.latencySumSeconds, 0);
    const count = snapshot.receipts.reduce((s, r) => s + r.processed, 0);
    return {
      ...base,
      values: [
        ...quantiles,
        { metricName: `${LATENCY}_sum`, labels: {}, value: sum },
        { metricName: `${LATENCY}_count`, labels: {}, value: count },
      ],
    };
  }
}

/** Every metric of a scrape asks for the numbers; the first call reads them and the others wait for the same
 * read, so a scrape costs one read however many metrics there are. */
function sharedScrape(deps: MetricsDeps): () => Promise<Scrape> {
  let current: Promise<Scrape> | undefined;
  const read = async (): Promise<Scrape> => {
    const [snapshot, queues] = await Promise.all([
      metricsSnapshot(deps.db).catch((e: unknown) => {
        deps.log.warn({ err: e }, 'metrics: the database did not answer');
        return undefined;
      }),
      queueCounts(deps),
    ]);
    return { ...(snapshot ? { snapshot } : {}), queues };
  };
  return () =>
    (current ??= read().finally(() => {
      current = undefined;
    }));
}

async function queueCounts(deps: MetricsDeps): Promise<Scrape['queues']> {
  const queue = deps.queue;
  if (!queue) return [];
  try {
    return await Promise.all(
      QUEUE_NAMES.map(async (name) => ({ queue: name, counts: await queue.counts(name) })),
    );
  } catch (e) {
    deps.log.warn({ err: e }, 'metrics: the job queue did not answer');
    return [];
  }
}

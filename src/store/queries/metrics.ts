// The numbers behind the Prometheus metrics, read at scrape time. Several gateway processes share one
// database and no memory, so the database is the only place where the totals are whole. Two statements per
// scrape, whatever the number of partners.
import type { Queryable } from '../db.ts';
import type { DeliveryStatus } from './acknowledgments.ts';

export interface ReceiptTotals {
  partnerId: string | null;
  /** Every arrival, duplicates included. */
  received: number;
  processed: number;
  /** Processed with the outcome rejected (counted in processed too). */
  rejected: number;
  duplicates: number;
  dead: number;
  /** Seconds from arrival to the end of processing, summed over the processed receipts. */
  latencySumSeconds: number;
}

export interface MetricsSnapshot {
  receipts: ReceiptTotals[];
  acknowledgments: { partnerId: string; status: DeliveryStatus; count: number }[];
  deadLettersOpen: { queue: string; count: number }[];
  mismatchesOpen: { partnerId: string; count: number }[];
  /** Quantiles of the processing time of receipts processed in the hour before the database's clock; seconds
   * is null when none was. */
  latencyLastHour: { quantile: number; seconds: number | null }[];
}

export const LATENCY_QUANTILES = [0.5, 0.9, 0.95, 0.99] as const;

interface Row {
  kind: 'ack' | 'dead-letter' | 'mismatch' | 'latency';
  a: string | null;
  b: string | null;
  value: number | null;
}

export async function metricsSnapshot(q: Queryable): Promise<MetricsSnapshot> {
  const [receipts, rows] = await Promise.all([
    q.query<ReceiptTotals>(
      `select partner_id as "partnerId", count(*) as received,
         count(*) filter (where status = 'processed') as processed,
         count(*) filter (where status = 'processed' and outcome = 'rejected') as rejected,
         count(*) filter (where status = 'duplicate') as duplicates,
         count(*) filter (where status = 'dead') as dead,
         coalesce(sum(extract(epoch from finished_at - received_at)) filter (where status = 'processed'), 0)::float8
           as "latencySumSeconds"
       from receipts group by partner_id order by partner_id`,
    ),
    // The window is the database's clock, the one that stamped finished_at, so a process whose clock is off
    // still looks at the last hour of work.
    q.query<Row>(
      `select 'ack' as kind, partner_id as a, delivery_status as b, count(*)::float8 as value
       from acknowledgments group by partner_id, delivery_status
       union all
       select 'dead-letter', queue, null, count(*)::float8 from dead_letters where status = 'open' group by queue
       union all
       select 'mismatch', partner_id, null, count(*)::float8 from mismatches where status = 'open'
       group by partner_id
       union all
       select 'latency', u.quantile::text, null, u.seconds
       from (select percentile_cont($1::float8[]) within group (order by seconds) as seconds
             from (select extract(epoch from finished_at - received_at)::float8 as seconds
                   from receipts
                   where status = 'processed' and finished_at >= clock_timestamp() - interval '1 hour') w) p,
         unnest(p.seconds, $1::float8[]) as u(seconds, quantile)`,
      [LATENCY_QUANTILES],
    ),
  ]);
  const snapshot: MetricsSnapshot = {
    receipts,
    acknowledgments: [],
    deadLettersOpen: [],
    mismatchesOpen: [],
    latencyLastHour: [],
  };
  for (const r of rows) {
    const count = Number(r.value);
    if (r.kind === 'ack') {
      snapshot.acknowledgments.push({ partnerId: r.a!, status: r.b as DeliveryStatus, count });
    } else if (r.kind === 'dead-letter') snapshot.deadLettersOpen.push({ queue: r.a!, count });
    else if (r.kind === 'mismatch') snapshot.mismatchesOpen.push({ partnerId: r.a!, count });
    else {
      snapshot.latencyLastHour.push({
        quantile: Number(r.a),
        seconds: r.value === null ? null : Number(r.value),
      });
    }
  }
  return snapshot;
}

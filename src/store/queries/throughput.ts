// Work done per hour, for operations' throughput chart: files received and finished, acks sent and deliveries
// that failed, and how long processing took. Hours are counted from a start the caller gives (an hour boundary
// in UTC) rather than cut with date_trunc, whose result depends on the session's time zone.
import type { Queryable } from '../db.ts';

export interface HourCounts {
  /** 0 for the hour starting at `from`. */
  hour: number;
  /** Every arrival, duplicates included, by the time it arrived. */
  received: number;
  duplicates: number;
  /** Receipts processed (whatever the outcome), by the time processing finished. */
  processed: number;
  /** Processed with the outcome rejected (counted in processed too). */
  rejected: number;
  /** Receipts that failed for good (dead), by the time they were given up. */
  dead: number;
  /** Acknowledgments delivered, by the time of delivery. */
  acksSent: number;
  /** Acknowledgments whose delivery failed for good, by the time of the last attempt. */
  failedDeliveries: number;
}

export interface ThroughputRange {
  /** The start of the first hour. */
  from: Date;
  hours: number;
  partnerId?: string;
}

const HOUR = (column: string) => `floor(extract(epoch from ${column} - $1::timestamptz) / 3600)::int`;

/** One row per hour of the range, oldest first, hours with nothing in them included as zeros. */
export async function hourlyThroughput(q: Queryable, range: ThroughputRange): Promise<HourCounts[]> {
  const to = new Date(range.from.getTime() + range.hours * 3_600_000);
  return q.query<HourCounts>(
    `with slot as (select generate_series(0, $2::int - 1) as hour),
     arrived as (
       select ${HOUR('received_at')} as hour, count(*) as received,
         count(*) filter (where status = 'duplicate') as duplicates
       from receipts
       where received_at >= $1 and received_at < $3 and ($4::text is null or partner_id = $4)
       group by 1),
     finished as (
       select ${HOUR('finished_at')} as hour, count(*) filter (where status = 'processed') as processed,
         count(*) filter (where status = 'processed' and outcome = 'rejected') as rejected,
         count(*) filter (where status = 'dead') as dead
       from receipts
       where finished_at >= $1 and finished_at < $3 and status in ('processed', 'dead')
         and ($4::text is null or partner_id = $4)
       group by 1),
     sent as (
       select ${HOUR('delivered_at')} as hour, count(*) as n
       from acknowledgments
       where delivered_at >= $1 and delivered_at < $3 and delivery_status = 'delivered'
         and ($4::text is null or partner_id = $4)
       group by 1),
     failed as (
       select ${HOUR('updated_at')} as hour, count(*) as n
       from acknowledgments
       where updated_at >= $1 and updated_at < $3 and delivery_status = 'failed'
         and ($4::text is null or partner_id = $4)
       group by 1)
     select slot.hour, coalesce(a.received, 0) as received, coalesce(a.duplicates, 0) as duplicates,
       coalesce(f.processed, 0) as processed, coalesce(f.rejected, 0) as rejected, coalesce(f.dead, 0) as dead,
       coalesce(s.n, 0) as "acksSent", coalesce(x.n, 0) as "failedDeliveries"
     from slot
     left join arrived a on a.hour = slot.hour
     left join finished f on f.hour = slot.hour
     left join sent s on s.hour = slot.hour
     left join failed x on x.hour = slot.hour
     order by slot.hour`,
    [range.from, range.hours, to, range.partnerId ?? null],
  );
}

export interface Latency {
  /** Receipts processed in the range. */
  count: number;
  /** Median time from arrival to the end of processing, in milliseconds; null when none was processed. */
  p50Ms: number | null;
  p95Ms: number | null;
}

/** How long receipts processed in [from, to) took from arrival to the end of processing. */
export async function processingLatency(
  q: Queryable,
  range: { from: Date; to: Date; partnerId?: string },
): Promise<Latency> {
  const [row] = await q.query<{ count: number; p50: number | null; p95: number | null }>(
    `select count(*) as count,
       percentile_cont(0.5) within group (order by ms) as p50,
       percentile_cont(0.95) within group (order by ms) as p95
     from (select (extract(epoch from finished_at - received_at) * 1000)::float8 as ms
           from receipts
           where status = 'processed' and finished_at >= $1 and finished_at < $2
             and ($3::text is null or partner_id = $3)) x`,
    [range.from, range.to, range.partnerId ?? null],
  );
  const ms = (v: number | null) => (v === null ? null : Math.round(Number(v)));
  return { count: Number(row!.count), p50Ms: ms(row!.p50), p95Ms: ms(row!.p95) };
}

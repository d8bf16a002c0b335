// Control numbers for what we send (ISA13, GS06, ST02), per partner. A block is taken with one upsert whose
// row lock lasts until the caller's transaction ends, so concurrent workers never get the same number and a
// rolled-back transaction gives its block back without anything having been sent with it.
import { GatewayError } from '../../errors.ts';
import type { Queryable } from '../db.ts';

export type ControlKind = 'interchange' | 'group' | 'set';

/** The largest control number: ISA13 is exactly nine digits, GS06 and ST02 at most nine. */
export const MAX_CONTROL_NUMBER = 999_999_999;

// After the largest number the counter starts again at 1 (X12 expects a wrap, and a tenth digit would make an
// ISA13 the partner cannot read). A block never straddles the wrap: one that would not fit starts at 1, so
// its numbers stay consecutive. Numbers used a billion interchanges ago are long out of every duplicate window.
const NEXT_LAST = (add: string) =>
  `case when control_numbers.last_value + ${add} > ${MAX_CONTROL_NUMBER} then ${add}
        else control_numbers.last_value + ${add} end`;

function checkCount(kind: ControlKind, count: number, zeroAllowed = false): void {
  if (!Number.isSafeInteger(count) || count < (zeroAllowed ? 0 : 1) || count > MAX_CONTROL_NUMBER) {
    throw new GatewayError('usage', `cannot allocate ${count} ${kind} control numbers`, false);
  }
}

/** Reserves `count` numbers and returns the first; the block is first .. first + count - 1. */
export async function allocateControlNumbers(
  q: Queryable,
  partnerId: string,
  kind: ControlKind,
  count: number,
): Promise<number> {
  // Zero would return a number nobody reserved, and a negative count would move the counter backwards.
  checkCount(kind, count);
  const [row] = await q.query<{ last: number }>(
    `insert into control_numbers (partner_id, kind, last_value) values ($1, $2, $3)
     on conflict (partner_id, kind) do update set last_value = ${NEXT_LAST('$3')}
     returning last_value as last`,
    [partnerId, kind, count],
  );
  return row!.last - count + 1;
}

/** Reserves blocks of several kinds in one statement; the first number of each block, by kind. */
export async function allocateControlBlocks(
  q: Queryable,
  partnerId: string,
  counts: Partial<Record<ControlKind, number>>,
): Promise<Partial<Record<ControlKind, number>>> {
  const kinds = (Object.keys(counts) as ControlKind[]).filter((k) => (counts[k] ?? 0) > 0);
  for (const k of kinds) checkCount(k, counts[k]!);
  if (kinds.length === 0) return {};
  const rows = await q.query<{ kind: ControlKind; last: number }>(
    `insert into control_numbers (partner_id, kind, last_value)
     select $1, k, n from unnest($2::text[], $3::bigint[]) as t(k, n)
     on conflict (partner_id, kind) do update set last_value = ${NEXT_LAST('excluded.last_value')}
     returning kind, last_value as last`,
    [partnerId, kinds, kinds.map((k) => counts[k])],
  );
  const out: Partial<Record<ControlKind, number>> = {};
  for (const r of rows) out[r.kind] = r.last - counts[r.kind]! + 1;
  return out;
}

/** allocateControlBlocks for several partners in one statement. The rows are locked in (partner, kind) order,
 * the same in every transaction, so two batches that share partners cannot deadlock. */
export async function allocateControlBlocksOfPartners(
  q: Queryable,
  needs: Map<string, Partial<Record<ControlKind, number>>>,
): Promise<Map<string, Partial<Record<ControlKind, number>>>> {
  const wanted: { partner: string; kind: ControlKind; count: number }[] = [];
  for (const [partner, counts] of needs) {
    for (const kind of Object.keys(counts) as ControlKind[]) {
      const count = counts[kind] ?? 0;
      checkCount(kind, count, true);
      if (count > 0) wanted.push({ partner, kind, count });
    }
  }
  const out = new Map<string, Partial<Record<ControlKind, number>>>([...needs.keys()].map((p) => [p, {}]));
  if (wanted.length === 0) return out;
  wanted.sort((a, b) =>
    a.partner === b.partner ? a.kind.localeCompare(b.kind) : a.partner < b.partner ? -1 : 1,
  );
  const rows = await q.query<{ partner: string; kind: ControlKind; last: number }>(
    `insert into control_numbers (partner_id, kind, last_value)
     select p, k, n from unnest($1::text[], $2::text[], $3::bigint[]) with ordinality as t(p, k, n, o) order by o
     on conflict (partner_id, kind) do update set last_value = ${NEXT_LAST('excluded.last_value')}
     returning partner_id as partner, kind, last_value as last`,
    [wanted.map((w) => w.partner), wanted.map((w) => w.kind), wanted.map((w) => w.count)],
  );
  for (const r of rows) {
    const count = wanted.find((w) => w.partner === r.partner && w.kind === r.kind)!.count;
    out.get(r.partner)![r.kind] = r.last - count + 1;
  }
  return out;
}

export async function currentControlNumbers(
  q: Queryable,
  partnerId: string,
): Promise<Record<ControlKind, number>> {
  const rows = await q.query<{ kind: ControlKind; last: number }>(
    'select kind, last_value as last from control_numbers where partner_id = $1',
    [partnerId],
  );
  const out: Record<ControlKind, number> = { interchange: 0, group: 0, set: 0 };
  for (const r of rows) out[r.kind] = r.last;
  return out;
}

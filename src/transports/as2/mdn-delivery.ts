// Asynchronous MDNs (RFC 4130 §7.3): posted to the URL the sender named in Receipt-Delivery-Option, after the
// message was answered with a plain 200. Each MDN is recorded before the first attempt, so delivery survives a
// restart: resendPendingMdns() picks up whatever is due. Attempts back off exponentially and stop after a
// bounded number; the row then says `failed` with the last error, for operations to see. inbound.ts posts
// only to a URL the partner file allows; with `partnerOf` that is checked again before every POST, since the
// file may have changed meanwhile (and rows recorded by versions before the check were never checked).
import type { Logger } from '../../log.ts';
import type { Partner } from '../../partners/partner.ts';
import type { Db } from '../../store/db.ts';
import {
  claimPendingMdn,
  duePendingMdns,
  markMdnAttemptFailed,
  markMdnSent,
  pendingMdns,
  refuseMdn,
  type As2Message,
} from '../../store/queries/as2-messages.ts';
import { checkAsyncMdnUrl } from './async-mdn-url.ts';

export interface MdnRetryPolicy {
  /** Attempts in all, the first included (default 6). */
  maxAttempts: number;
  /** Wait before the second attempt; doubled for each further one (default 30 s). */
  firstDelayMs: number;
  /** The longest wait between attempts (default 30 min). */
  maxDelayMs: number;
  /** One POST's timeout (default 60 s). */
  timeoutMs: number;
}

export const DEFAULT_MDN_RETRY: MdnRetryPolicy = {
  maxAttempts: 6,
  firstDelayMs: 30_000,
  maxDelayMs: 30 * 60_000,
  timeoutMs: 60_000,
};

export interface MdnDeliveryDeps {
  db: Db;
  log: Logger;
  retry?: Partial<MdnRetryPolicy>;
  /** The partner an MDN is for, as its file says now; undefined when it no longer exchanges over AS2. When
   * given, an MDN whose URL the partner file does not allow (any more) is refused instead of posted. */
  partnerOf?: (row: Pick<As2Message, 'partnerId' | 'as2From' | 'as2To'>) => Partner | undefined;
}

export type AttemptOutcome =
  | { kind: 'sent' }
  | { kind: 'retry'; inMs: number; error: string }
  | { kind: 'failed'; error: string }
  /** Not posted: the partner file does not allow its URL, or the partner is gone. */
  | { kind: 'refused'; reason: string }
  /** Not pending or not due: sent meanwhile, or another process holds it. */
  | { kind: 'skipped' };

function policy(deps: MdnDeliveryDeps): MdnRetryPolicy {
  return { ...DEFAULT_MDN_RETRY, ...deps.retry };
}

/** One delivery attempt of one recorded MDN, if it is due and no one else is attempting it. */
export async function attemptMdnDelivery(
  deps: MdnDeliveryDeps,
  partnerId: string,
  messageId: string,
): Promise<AttemptOutcome> {
  const retry = policy(deps);
  // The lease outlasts the POST, so a sweeper in another process does not send it at the same time.
  const row = await claimPendingMdn(deps.db, partnerId, messageId, retry.timeoutMs + 30_000);
  if (!row) return { kind: 'skipped' };
  const log = deps.log.child({ partnerId, as2MessageId: messageId });
  const url = row.mdnUrl ?? '';
  if (deps.partnerOf) {
    const partner = deps.partnerOf(row);
    const verdict = partner?.as2
      ? checkAsyncMdnUrl(partner, url)
      : {
          allowed: false as const,
          reason: `partner ${partnerId} is no longer known by these AS2 names (removed, suspended or renamed)`,
        };
    if (!verdict.allowed) {
      await refuseMdn(deps.db, partnerId, messageId, verdict.reason);
      log.warn({ host: safeHost(url), reason: verdict.reason }, 'asynchronous MDN not posted');
      return { kind: 'refused', reason: verdict.reason };
    }
  }
  let error: string | undefined;
  if (!/^https?:\/\//i.test(url)) {
    error = `Receipt-Delivery-Option ${JSON.stringify(url.slice(0, 200))} is not an http(s) URL`;
  } else {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: row.mdnHeaders ?? [],
        body: row.mdnBody ?? Buffer.alloc(0),
        signal: AbortSignal.timeout(retry.timeoutMs),
        redirect: 'manual',
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.status < 200 || response.status > 299) error = `HTTP ${response.status}`;
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      error = cause?.code ?? cause?.message ?? (e as Error).message;
    }
  }
  const host = safeHost(url);
  if (error === undefined) {
    await markMdnSent(deps.db, partnerId, messageId);
    log.info({ host, attempt: row.mdnAttempts + 1 }, 'asynchronous MDN delivered');
    return { kind: 'sent' };
  }
  const attempt = row.mdnAttempts + 1;
  const lasting = !/^https?:\/\//i.test(url);
  if (lasting || attempt >= retry.maxAttempts) {
    await markMdnAttemptFailed(deps.db, partnerId, messageId, error, null);
    log.error({ host, attempt, error }, 'asynchronous MDN not delivered; no more attempts');
    return { kind: 'failed', error };
  }
  const inMs = Math.min(retry.maxDelayMs, retry.firstDelayMs * 2 ** (attempt - 1));
  await markMdnAttemptFailed(deps.db, partnerId, messageId, error, inMs);
  log.warn({ host, attempt, error, retryInMs: inMs }, 'asynchronous MDN not delivered; will try again');
  return { kind: 'retry', inMs, error };
}

export interface ResendSummary {
  sent: number;
  retrying: number;
  failed: number;
  refused: number;
}

/**
 * Attempts every asynchronous MDN that is due: after a restart, or for the sweeper to call now and then.
 * Safe to run in several processes at once (each MDN is claimed before it is posted).
 */
export async function resendPendingMdns(deps: MdnDeliveryDeps & { limit?: number }): Promise<ResendSummary> {
  const summary: ResendSummary = { sent: 0, retrying: 0, failed: 0, refused: 0 };
  for (const due of await duePendingMdns(deps.db, deps.limit ?? 100)) {
    const outcome = await attemptMdnDelivery(deps, due.partnerId, due.messageId);
    if (outcome.kind === 'sent') summary.sent++;
    else if (outcome.kind === 'retry') summary.retrying++;
    else if (outcome.kind === 'failed') summary.failed++;
    else if (outcome.kind === 'refused') summary.refused++;
  }
  return summary;
}

/** Delivers MDNs as they are recorded and retries them on timers within this process; a restart loses the
 * timers, not the MDNs (resendPendingMdns finds them). */
export class MdnDeliverer {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly deps: MdnDeliveryDeps) {}

  schedule(partnerId: string, messageId: string, delayMs = 0): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const run = this.run(partnerId, messageId).finally(() => this.running.delete(run));
      this.running.add(run);
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private async run(partnerId: string, messageId: string): Promise<void> {
    try {
      const outcome = await attemptMdnDelivery(this.deps, partnerId, messageId);
      if (outcome.kind === 'retry') this.schedule(partnerId, messageId, outcome.inMs);
    } catch (e) {
      // The database failed: the row stays pending, and the sweeper's resendPendingMdns finds it.
      this.deps.log.error(
        { partnerId, as2MessageId: messageId, err: (e as Error).message },
        'asynchronous MDN delivery could not be recorded; left for the sweeper',
      );
    }
  }

  /** Sets a timer for every asynchronous MDN still to be posted, as recorded before a restart. */
  async resume(limit = 1000): Promise<number> {
    const rows = await pendingMdns(this.deps.db, limit);
    for (const row of rows) this.schedule(row.partnerId, row.messageId, row.dueInMs);
    return rows.length;
  }

  /** Stops the timers and waits for attempts under way. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }
}

function safeHost(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

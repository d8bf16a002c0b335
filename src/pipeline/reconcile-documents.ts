// Reconciliation of stored ship notices and invoices against the ERP's purchase orders. Not a queue job like
// the others: what starts it is the documents table (new ship notices and invoices) and time (an invoice's
// grace period ending), both of which the database knows and a queue would only mirror. A scheduler process
// reads new documents into reconcile_queue, leases the POs that are due, asks the ERP for each, runs the pure
// match (src/reconcile/) and saves the mismatches in one transaction per PO. docs/reconciliation.md.
import type { ErpAdapter } from '../erp/index.ts';
import { errorMessage, GatewayError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { PartnerDirectory } from '../partners/partner.ts';
import { DEFAULT_TOLERANCES, receivedPoDocuments, reconcile, type Mismatch } from '../reconcile/index.ts';
import type { Db } from '../store/db.ts';
import {
  documentsForPo,
  finishReconciliation,
  leaseDuePos,
  postponeReconciliation,
  queueNewDocuments,
  saveMismatches,
  type DuePo,
  type SavedMismatches,
} from '../store/queries/mismatches.ts';

const DAY_MS = 86_400_000;

export interface ReconcilerDeps {
  db: Db;
  erp: ErpAdapter;
  partners: PartnerDirectory;
  log: Logger;
  now?: () => Date;
}

export interface ReconcilerOptions {
  /** How often new documents and due POs are looked for (default 5 s). */
  intervalMs: number;
  /** POs leased at once (default 20). */
  batch?: number;
  /** How long a leased PO is this process's before another may take it (default 5 min). */
  leaseMs?: number;
}

export interface PoOutcome {
  partnerId: string;
  poNumber: string;
  /** The PO was found in the ERP. */
  knownToErp: boolean;
  shipNotices: number;
  invoices: number;
  mismatches: Mismatch[];
  saved: SavedMismatches;
  /** When the PO is matched again by itself: an invoice's grace period ends then. */
  nextDueAt?: Date;
}

export interface ReconcileRun {
  queued: number;
  reconciled: PoOutcome[];
  failed: { partnerId: string; poNumber: string; error: string; retryable: boolean }[];
}

/**
 * Matches one partner's PO now and saves the result. The ERP's answer is read before the transaction, so no
 * transaction waits on the ERP.
 */
export async function reconcilePo(
  deps: ReconcilerDeps,
  partnerId: string,
  poNumber: string,
  now = (deps.now ?? (() => new Date()))(),
): Promise<PoOutcome> {
  const purchaseOrder = await deps.erp.purchaseOrder(poNumber);
  const tolerances = deps.partners.get(partnerId)?.reconciliation ?? DEFAULT_TOLERANCES;
  return deps.db.transaction(async (tx) => {
    const docs = await documentsForPo(tx, partnerId, poNumber);
    const { shipNotices, invoices } = receivedPoDocuments(docs);
    const mismatches = reconcile({ poNumber, purchaseOrder, shipNotices, invoices, tolerances, now });
    const saved = await saveMismatches(tx, partnerId, poNumber, mismatches, now);
    // Run again when the last grace period still running ends: an invoice that waits for its ship notice is
    // flagged then if none came (a ship notice that comes first queues the PO itself).
    const graceEnds = invoices
      .map((i) => i.receivedAt.getTime() + tolerances.invoiceGraceDays * DAY_MS)
      .filter((t) => t > now.getTime());
    const nextDueAt = graceEnds.length > 0 ? new Date(Math.max(...graceEnds) + 1000) : undefined;
    return {
      partnerId,
      poNumber,
      knownToErp: purchaseOrder !== undefined,
      shipNotices: shipNotices.length,
      invoices: invoices.length,
      mismatches,
      saved,
      ...(nextDueAt ? { nextDueAt } : {}),
    };
  });
}

/** Delay before the next try of a PO whose ERP lookup failed: 30 s, doubling, at most an hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.min(attempts, 10), 3_600_000);
}

export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly deps: ReconcilerDeps,
    private readonly options: ReconcilerOptions,
  ) {}

  private now(): Date {
    return (this.deps.now ?? (() => new Date()))();
  }

  /** Queues what new documents name, then reconciles every due PO (in leased batches) until none is due. */
  async runOnce(): Promise<ReconcileRun> {
    const { db, log } = this.deps;
    const run: ReconcileRun = { queued: 0, reconciled: [], failed: [] };
    for (;;) {
      const queued = await queueNewDocuments(db, this.now());
      run.queued += queued;
      if (queued === 0) break;
    }
    const batch = this.options.batch ?? 20;
    for (;;) {
      const due = await leaseDuePos(db, this.now(), batch, this.options.leaseMs ?? 300_000);
      for (const po of due) {
        const outcome = await this.one(po, run);
        if (outcome) run.reconciled.push(outcome);
      }
      if (due.length < batch || this.stopped) break;
    }
    if (run.reconciled.length > 0 || run.failed.length > 0) {
      log.info(
        {
          reconciled: run.reconciled.length,
          failed: run.failed.length,
          detected: run.reconciled.reduce((n, o) => n + o.saved.detected.length, 0),
          cleared: run.reconciled.reduce((n, o) => n + o.saved.cleared.length, 0),
        },
        'purchase orders reconciled',
      );
    }
    return run;
  }

  private async one(po: DuePo, run: ReconcileRun): Promise<PoOutcome | undefined> {
    const { db, log } = this.deps;
    try {
      const outcome = await reconcilePo(this.deps, po.partnerId, po.poNumber, this.now());
      await finishReconciliation(db, po, outcome.nextDueAt);
      return outcome;
    } catch (e) {
      const retryable = e instanceof GatewayError ? e.retryable : false;
      const error = errorMessage(e);
      // An ERP that is down is tried again soon; data it holds that cannot be read waits for someone to fix
      // it, so it is tried again only hourly. Either way the PO stays queued with the error.
      const delay = retryable ? retryDelayMs(po.attempts) : 3_600_000;
      await postponeReconciliation(db, po, new Date(this.now().getTime() + delay), error).catch(
        (pe: unknown) => log.warn({ err: errorMessage(pe) }, 'could not postpone a reconciliation'),
      );
      log.warn(
        { partner: po.partnerId, poNumber: po.poNumber, err: error, retryable, retryInMs: delay },
        'purchase order not reconciled',
      );
      run.failed.push({ partnerId: po.partnerId, poNumber: po.poNumber, error, retryable });
      return undefined;
    }
  }

  start(): void {
    this.stopped = false;
    const tick = () => {
      this.running = this.runOnce()
        .catch((e: unknown) => this.deps.log.warn({ err: errorMessage(e) }, 'reconciliation run failed'))
        .finally(() => {
          this.running = undefined;
          if (this.stopped) return;
          this.timer = setTimeout(tick, this.options.intervalMs);
          this.timer.unref();
        });
    };
    this.timer = setTimeout(tick, 0);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}

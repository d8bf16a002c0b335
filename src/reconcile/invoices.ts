// Which invoices count, and whether each has the ship notice it bills yet.
import type { AdvanceShipNotice } from '../documents/advance-ship-notice.ts';
import type { Invoice } from '../documents/invoice.ts';
import type { ReceivedDocument } from './inputs.ts';
import { byArrival, samePoNumber } from './ordering.ts';
import { noticeNamesPo } from './shipments.ts';

type ReceivedInvoice = ReceivedDocument<Invoice>;

const DAY_MS = 86_400_000;

export function invoiceNamesPo(invoice: Invoice, poNumber: string): boolean {
  return (
    invoice.poNumbers.some((p) => samePoNumber(p, poNumber)) ||
    invoice.lines.some((l) => samePoNumber(l.poNumber, poNumber))
  );
}

export interface DuplicateInvoice {
  duplicate: ReceivedInvoice;
  original: ReceivedInvoice;
}

/**
 * The invoices of the PO that count, in arrival order, and the later ones that repeat a partner's invoice
 * number. The original of a duplicate may name another PO (the caller passes it for that reason); it is
 * used to spot the duplicate and otherwise left to that PO's reconciliation.
 */
export function selectInvoices(
  all: readonly ReceivedInvoice[],
  poNumber: string,
): { invoices: ReceivedInvoice[]; duplicates: DuplicateInvoice[] } {
  const first = new Map<string, ReceivedInvoice>();
  const invoices: ReceivedInvoice[] = [];
  const duplicates: DuplicateInvoice[] = [];
  for (const inv of byArrival(all)) {
    const key = JSON.stringify([inv.document.partnerId, inv.document.invoiceNumber.trim()]);
    const original = first.get(key);
    const forThisPo = invoiceNamesPo(inv.document, poNumber);
    if (original === undefined) {
      first.set(key, inv);
      if (forThisPo) invoices.push(inv);
    } else if (forThisPo) {
      duplicates.push({ duplicate: inv, original });
    }
  }
  return { invoices, duplicates };
}

/** The moment an invoice's grace period ends: until then it may wait for its ship notice. */
export function graceEnds(inv: ReceivedInvoice, graceDays: number): number {
  return inv.receivedAt.getTime() + graceDays * DAY_MS;
}

export type Coverage = 'covered' | 'waiting' | 'overdue';

/**
 * 'covered' when a counted ship notice covers the invoice — the one it names by shipment id or bill of
 * lading, or, when it names neither, any notice of the PO; otherwise 'waiting' up to the end of the grace
 * period (inclusive) and 'overdue' after it.
 */
export function coverage(
  inv: ReceivedInvoice,
  notices: readonly ReceivedDocument<AdvanceShipNotice>[],
  poNumber: string,
  graceDays: number,
  now: Date,
): Coverage {
  const d = inv.document;
  const shipmentId = d.shipmentId?.trim() || undefined;
  const bol = d.billOfLading?.trim() || undefined;
  const named = shipmentId !== undefined || bol !== undefined;
  const covered = notices.some(({ document: n }) =>
    named
      ? (shipmentId !== undefined && n.shipmentId.trim() === shipmentId) ||
        (bol !== undefined && n.billOfLading?.trim() === bol)
      : noticeNamesPo(n, poNumber),
  );
  if (covered) return 'covered';
  return now.getTime() > graceEnds(inv, graceDays) ? 'overdue' : 'waiting';
}

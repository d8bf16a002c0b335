// How a mismatch points at documents and their lines: the caller's document id, the line as the document
// numbers it, the item as the document names it, and where in the file it was read.
import type { AdvanceShipNotice } from '../documents/advance-ship-notice.ts';
import type { DocumentSource, ProductIds, Trace } from '../documents/common.ts';
import type { Invoice, InvoiceLine } from '../documents/invoice.ts';
import type { PurchaseOrder } from '../documents/purchase-order.ts';
import type { ReceivedDocument } from './inputs.ts';
import { identityOf, itemLabel } from './item-match.ts';
import type { DocumentRef } from './mismatch.ts';

/** The first line of the document in its file: the ST segment, the first CSV row, the ERP export's header row. */
function sourceTrace(source: DocumentSource): Trace | undefined {
  if (source.kind === 'x12') return { line: source.firstLine, position: 1 };
  if (source.kind === 'erp') return source.line === undefined ? undefined : { line: source.line };
  const line = source.lines[0];
  return line === undefined ? undefined : { line };
}

function documentRef(
  documentType: DocumentRef['documentType'],
  documentId: string,
  source: DocumentSource,
): DocumentRef {
  const ref: DocumentRef = { documentType, documentId };
  const trace = sourceTrace(source);
  if (trace !== undefined) ref.trace = trace;
  return ref;
}

export function noticeRef(n: ReceivedDocument<AdvanceShipNotice>): DocumentRef {
  return documentRef('advance-ship-notice', n.id, n.document.source);
}

export function invoiceRef(inv: ReceivedDocument<Invoice>): DocumentRef {
  return documentRef('invoice', inv.id, inv.document.source);
}

/** The purchase order is known by its number: the ERP's key, and the only id reconciliation has for it. */
export function poDocRef(po: PurchaseOrder): DocumentRef {
  return documentRef('purchase-order', po.poNumber, po.source);
}

/** A line of a document; `ordinal` (1-based) tells apart unnumbered lines of the same item. */
export function lineRef(
  base: Pick<DocumentRef, 'documentType' | 'documentId'>,
  line: ProductIds & { lineNumber?: string; trace?: Trace },
  ordinal: number,
): DocumentRef {
  const ref: DocumentRef = { documentType: base.documentType, documentId: base.documentId };
  const lineNumber = line.lineNumber?.trim();
  const item = itemLabel(identityOf(line));
  if (lineNumber !== undefined && lineNumber !== '') ref.lineNumber = lineNumber;
  else ref.ordinal = ordinal;
  if (item !== undefined) ref.item = item;
  if (line.trace !== undefined) ref.trace = line.trace;
  return ref;
}

export function poLineRef(po: PurchaseOrder, index: number): DocumentRef {
  return lineRef({ documentType: 'purchase-order', documentId: po.poNumber }, po.lines[index]!, index + 1);
}

export function invoiceLineRef(
  inv: ReceivedDocument<Invoice>,
  line: InvoiceLine,
  ordinal: number,
): DocumentRef {
  return lineRef({ documentType: 'invoice', documentId: inv.id }, line, ordinal);
}

/** "line 3 (VP:AW-2001)", for messages. */
export function describeLine(ref: DocumentRef): string {
  const where = ref.lineNumber !== undefined ? `line ${ref.lineNumber}` : `line #${ref.ordinal ?? '?'}`;
  return ref.item !== undefined ? `${where} (${ref.item})` : where;
}

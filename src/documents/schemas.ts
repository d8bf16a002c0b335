// The JSON Schemas of the canonical documents, compiled once. Storage, the CSV bridge and the tests check
// documents against them, so a document that leaves this folder is known to have the published shape.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { AdvanceShipNotice } from './advance-ship-notice.ts';
import type { Invoice } from './invoice.ts';
import type { FreightInvoice } from './freight-invoice.ts';
import type { LoadTender } from './load-tender.ts';
import type { LoadTenderResponse } from './load-tender-response.ts';
import type { ShipmentStatus } from './shipment-status.ts';
import type { PurchaseOrder } from './purchase-order.ts';
import type { PurchaseOrderAck } from './purchase-order-ack.ts';
import type { WarehouseShippingOrder } from './warehouse-shipping-order.ts';
import type { WarehouseShippingAdvice } from './warehouse-shipping-advice.ts';
import type { InventoryAdvice } from './inventory-advice.ts';
import type { DocumentType } from './common.ts';
import advanceShipNoticeSchema from './schemas/advance-ship-notice.v1.json' with { type: 'json' };
import commonSchema from './schemas/common.v1.json' with { type: 'json' };
import invoiceSchema from './schemas/invoice.v1.json' with { type: 'json' };
import freightInvoiceSchema from './schemas/freight-invoice.v1.json' with { type: 'json' };
import loadTenderSchema from './schemas/load-tender.v1.json' with { type: 'json' };
import loadTenderResponseSchema from './schemas/load-tender-response.v1.json' with { type: 'json' };
import shipmentStatusSchema from './schemas/shipment-status.v1.json' with { type: 'json' };
import purchaseOrderSchema from './schemas/purchase-order.v1.json' with { type: 'json' };
import purchaseOrderAckSchema from './schemas/purchase-order-ack.v1.json' with { type: 'json' };
import warehouseShippingOrderSchema from './schemas/warehouse-shipping-order.v1.json' with { type: 'json' };
import warehouseShippingAdviceSchema from './schemas/warehouse-shipping-advice.v1.json' with { type: 'json' };
import inventoryAdviceSchema from './schemas/inventory-advice.v1.json' with { type: 'json' };

export type CanonicalDocument =
  | AdvanceShipNotice
  | Invoice
  | PurchaseOrder
  | LoadTender
  | LoadTenderResponse
  | ShipmentStatus
  | FreightInvoice
  | PurchaseOrderAck
  | WarehouseShippingOrder
  | WarehouseShippingAdvice
  | InventoryAdvice;

/** The schema of each document type, by type and schemaVersion. */
export const DOCUMENT_SCHEMAS: Readonly<Record<DocumentType, Readonly<Record<number, object>>>> = {
  'advance-ship-notice': { 1: advanceShipNoticeSchema },
  invoice: { 1: invoiceSchema },
  'purchase-order': { 1: purchaseOrderSchema },
  'load-tender': { 1: loadTenderSchema },
  'load-tender-response': { 1: loadTenderResponseSchema },
  'shipment-status': { 1: shipmentStatusSchema },
  'freight-invoice': { 1: freightInvoiceSchema },
  'purchase-order-ack': { 1: purchaseOrderAckSchema },
  'warehouse-shipping-order': { 1: warehouseShippingOrderSchema },
  'warehouse-shipping-advice': { 1: warehouseShippingAdviceSchema },
  'inventory-advice': { 1: inventoryAdviceSchema },
};

export const COMMON_SCHEMA: object = commonSchema;

let ajv: Ajv2020 | undefined;
const compiled = new Map<string, ValidateFunction>();

/**
 * Compiled on first use, one schema at a time: compiling all three costs about a second of CPU, which a CLI
 * that checks one invoice should not pay. Shared definitions are referenced, not inlined, and the generated
 * code is not optimised: both halve the compile time, and a typical document still validates in about a tenth of a millisecond.
 */
function validatorFor(type: string, version: string): ValidateFunction | undefined {
  const key = `${type}@${version}`;
  const done = compiled.get(key);
  if (done) return done;
  const schema = (DOCUMENT_SCHEMAS as Record<string, Record<string, object> | undefined>)[type]?.[version];
  if (schema === undefined) return undefined;
  if (!ajv) {
    ajv = new Ajv2020({ allErrors: true, strict: true, inlineRefs: false, code: { optimize: false } });
    ajv.addSchema(commonSchema);
  }
  const validate = ajv.compile(schema);
  compiled.set(key, validate);
  return validate;
}

/** Schema errors of a document, as "path: message" lines; empty when it is valid. */
export function documentSchemaErrors(document: unknown): string[] {
  if (typeof document !== 'object' || document === null) return ['(document): must be an object'];
  const { type, schemaVersion } = document as { type?: unknown; schemaVersion?: unknown };
  const validate = validatorFor(String(type), String(schemaVersion));
  if (!validate) return [`(document): no schema for type ${String(type)} version ${String(schemaVersion)}`];
  if (validate(document)) return [];
  return (validate.errors ?? []).map(describe);
}

function describe(e: ErrorObject): string {
  const where = e.instancePath === '' ? '(document)' : e.instancePath;
  const extra =
    e.keyword === 'additionalProperties'
      ? ` (${String((e.params as { additionalProperty: string }).additionalProperty)})`
      : '';
  return `${where}: ${e.message ?? e.keyword}${extra}`;
}

export function isValidDocument(document: unknown): document is CanonicalDocument {
  return documentSchemaErrors(document).length === 0;
}

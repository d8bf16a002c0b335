// The JSON Schemas of the canonical documents, compiled once. Storage, the CSV bridge and the tests check
// documents against them, so a document that leaves this folder is known to have the published shape.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { AdvanceShipNotice } from './advance-ship-notice.ts';
import type { Invoice } from './invoice.ts';
import type { PurchaseOrder } from './purchase-order.ts';
import type { DocumentType } from './common.ts';
import advanceShipNoticeSchema from './schemas/advance-ship-notice.v1.json' with { type: 'json' };
import commonSchema from './schemas/common.v1.json' with { type: 'json' };
import invoiceSchema from './schemas/invoice.v1.json' with { type: 'json' };
import purchaseOrderSchema from './schemas/purchase-order.v1.json' with { type: 'json' };

export type CanonicalDocument = AdvanceShipNotice | Invoice | PurchaseOrder;

/** The schema of each document type, by type and schemaVersion. */
export const DOCUMENT_SCHEMAS: Readonly<Record<DocumentType, Readonly<Record<number, object>>>> = {
  'advance-ship-notice': { 1: advanceShipNoticeSchema },
  invoice: { 1: invoiceSchema },
  'purchase-order': { 1: purchaseOrderSchema },
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

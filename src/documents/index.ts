// The canonical documents: their types, schemas and the mappers that build them from X12.
export type * from './common.ts';
export type * from './advance-ship-notice.ts';
export type * from './invoice.ts';
export type * from './purchase-order.ts';
export type * from './transport.ts';
export type * from './load-tender.ts';
export type * from './load-tender-response.ts';
export type * from './shipment-status.ts';
export type * from './freight-invoice.ts';
export type * from './purchase-order-ack.ts';
export type * from './warehouse-shipping-order.ts';
export type * from './warehouse-shipping-advice.ts';
export type * from './inventory-advice.ts';
export * from './issues.ts';
export * from './decimal.ts';
export * from './schemas.ts';
export * from './mappers/index.ts';

// The canonical documents: their types, schemas and the mappers that build them from X12.
export type * from './common.ts';
export type * from './advance-ship-notice.ts';
export type * from './invoice.ts';
export type * from './purchase-order.ts';
export * from './issues.ts';
export * from './decimal.ts';
export * from './schemas.ts';
export * from './mappers/index.ts';

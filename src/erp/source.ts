// Where a purchase order from the ERP came from: the adapter, and the file, query or URL it was read from.
import type { ErpSource } from '../documents/common.ts';

export function erpSource(adapter: ErpSource['adapter'], name: string, line?: number): ErpSource {
  return { kind: 'erp', adapter, name, ...(line !== undefined ? { line } : {}) };
}

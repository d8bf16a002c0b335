// The ERP adapters, opened from their configuration.
import type { ErpAdapter } from './adapter.ts';
import { validateErpOptions } from './config.ts';
import { openCsvExportAdapter } from './csv-export.ts';
import { openHttpAdapter } from './http.ts';
import { openPostgresAdapter } from './postgres.ts';

export type { ErpAdapter, ErpReceipt } from './adapter.ts';
export type { CsvExportErpOptions, ErpOptions, HttpErpOptions, PostgresErpOptions } from './config.ts';
export { validateErpOptions } from './config.ts';

/**
 * An adapter for the configuration (a parsed YAML or JSON object), checked first: a mistake is a non-retryable
 * config-invalid GatewayError naming the setting. `where` prefixes the setting's path in messages.
 */
export function openErpAdapter(config: unknown, where = 'erp'): ErpAdapter {
  const options = validateErpOptions(config, where);
  switch (options.kind) {
    case 'postgres':
      return openPostgresAdapter(options);
    case 'csv-export':
      return openCsvExportAdapter(options);
    case 'http':
      return openHttpAdapter(options);
  }
}

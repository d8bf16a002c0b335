// The ERP adapter's settings file: YAML with an `erp:` section (docs/erp.md). A relative `folder` of a
// csv-export adapter is read from the file's own directory, so the file and its export can move together.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import { openErpAdapter, type ErpAdapter } from '../erp/index.ts';
import { GatewayError } from '../errors.ts';

export function loadErpSettings(file: string): unknown {
  let parsed: unknown;
  try {
    parsed = parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new GatewayError('config-invalid', `${file}: ${(e as Error).message}`, false, { cause: e });
  }
  const erp = (parsed as { erp?: unknown } | null)?.erp;
  if (typeof erp !== 'object' || erp === null) {
    throw new GatewayError('config-invalid', `${file}: no "erp:" section (see docs/erp.md)`, false);
  }
  const options = { ...(erp as Record<string, unknown>) };
  if (options.kind === 'csv-export' && typeof options.folder === 'string' && !isAbsolute(options.folder)) {
    options.folder = resolve(dirname(file), options.folder);
  }
  return options;
}

/** The adapter the settings file describes; a mistake in it names the file and the setting. */
export function openErpFromFile(file: string): ErpAdapter {
  return openErpAdapter(loadErpSettings(file), `${file}: erp`);
}

// Purchase orders straight from the ERP's database (or views the ERP team keeps for us): a header query and a
// lines query, each with $1 = the PO number, and a mapping from canonical fields to the columns they return.
import pg from 'pg';
import type { PurchaseOrder } from '../documents/purchase-order.ts';
import { isRetryable } from '../errors.ts';
import { resolveSecret } from '../partners/secrets.ts';
import type { ErpAdapter, ErpReceipt } from './adapter.ts';
import type { PostgresErpOptions } from './config.ts';
import { erpDataInvalid, erpRefused, erpUnavailable } from './errors.ts';
import { buildPurchaseOrder, buildReceipt, ISO_ONLY, type ErpRow } from './fields.ts';
import { erpSource } from './source.ts';

const DATE_OID = 1082;

// A date column comes back as the text the server sent ("2026-11-16"): pg's default turns it into a Date at
// local midnight, which in a zone west of UTC is the previous day once written as ISO.
const keepText = (value: string): string => value;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    return oid === DATE_OID
      ? keepText
      : (pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown);
  },
} as typeof pg.types;

// SQLSTATE classes after which the same query may succeed: the connection, the server's resources, a server
// shutting down, a cancelled (timed-out) statement, a serialization failure or a deadlock.
function transientSqlState(code: string): boolean {
  return /^(08|53|57P0[1-3]|57014|40001|40P01)/.test(code);
}

type Query = 'header' | 'lines' | 'receipts';

function failure(e: unknown, query: Query): Error {
  const code = (e as { code?: unknown }).code;
  const message = (e as Error).message ?? String(e);
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    if (transientSqlState(code))
      return erpUnavailable(`ERP database: the ${query} query failed: ${message} (${code})`, e);
    if (code.startsWith('28'))
      return erpRefused('login-refused', `ERP database refused the login: ${message} (${code})`, e);
    if (code.startsWith('42')) {
      return erpRefused(
        'config-invalid',
        `ERP database cannot run the ${query} query: ${message} (${code})`,
        e,
      );
    }
    return erpDataInvalid(`ERP database: the ${query} query failed: ${message} (${code})`, e);
  }
  // Without a SQLSTATE the error is the client's: a refused or broken connection, a connect timeout, a
  // connection the server ended. All of them pass once the server is back.
  const detail = isRetryable(e) ? `${String(code)} ${message}` : message;
  return erpUnavailable(`ERP database cannot be reached: ${detail}`, e);
}

export function openPostgresAdapter(options: PostgresErpOptions): ErpAdapter {
  const pool = new pg.Pool({
    connectionString: resolveSecret(options.url, 'erp.url', { trimLineBreak: true }),
    max: options.poolSize ?? 2,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    statement_timeout: options.statementTimeoutMs ?? 10_000,
    types,
  });
  // An idle connection the server drops emits here; without a listener it would end the process.
  pool.on('error', () => {});

  async function run(
    query: Query,
    sql: string,
    poNumber: string,
    mapped: Record<string, string | undefined>,
  ) {
    let result: pg.QueryResult<Record<string, unknown>>;
    try {
      result = await pool.query<Record<string, unknown>>(sql, [poNumber]);
    } catch (e) {
      throw failure(e, query);
    }
    const columns = new Set(result.fields.map((f) => f.name));
    const missing = Object.entries(mapped).filter(([, c]) => c !== undefined && !columns.has(c));
    if (missing.length > 0) {
      throw erpRefused(
        'config-invalid',
        `the ${query} query returns no column ${missing.map(([f, c]) => `"${c}" (field ${f})`).join(', ')}; ` +
          `it returns ${[...columns].map((c) => `"${c}"`).join(', ')}`,
      );
    }
    return result.rows.map((r, i): ErpRow => ({
      get: (column) => r[column],
      where: `row ${i + 1} of the ${query} query`,
    }));
  }

  const adapter: ErpAdapter = {
    kind: 'postgres',
    async purchaseOrder(poNumber: string): Promise<PurchaseOrder | undefined> {
      const headers = await run('header', options.headerQuery, poNumber, options.fields.header);
      if (headers.length === 0) return undefined;
      if (headers.length > 1) {
        throw erpDataInvalid(
          `PO ${poNumber}: the header query returns ${headers.length} rows; it must return one`,
        );
      }
      const lines = await run('lines', options.linesQuery, poNumber, options.fields.line);
      return buildPurchaseOrder(poNumber, headers[0]!, lines, {
        mapping: options.fields,
        formats: ISO_ONLY,
        ...(options.partnerId === undefined ? {} : { partnerId: options.partnerId }),
        source: erpSource('postgres', 'header query'),
      });
    },
    async close() {
      await pool.end();
    },
  };
  const sql = options.receiptsQuery;
  const mapping = options.fields.receipt;
  if (sql && mapping) {
    adapter.receipts = async (poNumber: string): Promise<ErpReceipt[]> => {
      const rows = await run('receipts', sql, poNumber, mapping);
      return rows.map((r, i) => buildReceipt(poNumber, r, i, mapping, ISO_ONLY));
    };
  }
  return adapter;
}

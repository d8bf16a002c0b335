// Purchase orders from the ERP's REST API: one GET per PO, the JSON body read through configured paths.
// Node's fetch with an AbortSignal timeout: no client library is needed for a GET and a JSON body.
import type { PurchaseOrder } from '../documents/purchase-order.ts';
import { resolveSecret } from '../partners/secrets.ts';
import type { ErpAdapter, ErpReceipt } from './adapter.ts';
import type { HttpErpOptions } from './config.ts';
import { erpDataInvalid, erpRefused, erpUnavailable } from './errors.ts';
import { buildPurchaseOrder, buildReceipt, ISO_ONLY, type ErpRow } from './fields.ts';
import { erpSource } from './source.ts';

/** `data.items[0].qty` or `data.items.0.qty` as keys; the empty path is the value itself. */
export function parsePath(path: string): string[] {
  return path
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((k) => k !== '');
}

export function valueAt(value: unknown, keys: readonly string[]): unknown {
  let v = value;
  for (const k of keys) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

function row(value: unknown, where: string): ErpRow {
  return { get: (path) => valueAt(value, parsePath(path)), where };
}

// Statuses after which the same request may well succeed: the server or a proxy in front of it is busy.
const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

export function openHttpAdapter(options: HttpErpOptions): ErpAdapter {
  const timeoutMs = options.timeoutMs ?? 10_000;

  // Secrets are resolved for each request, so a rotated token is used without a restart.
  function headers(): Record<string, string> {
    const out: Record<string, string> = { accept: 'application/json', ...options.headers };
    for (const [name, h] of Object.entries(options.secretHeaders ?? {})) {
      out[name] =
        `${h.prefix ?? ''}${resolveSecret(h.secret, `erp.secretHeaders.${name}`, { trimLineBreak: true })}`;
    }
    return out;
  }

  /** The parsed body, or undefined for a 404. `url` is shown in messages: it carries no secret (headers do). */
  async function getJson(
    template: string,
    poNumber: string,
  ): Promise<{ body: unknown; url: string } | undefined> {
    const url = template.replaceAll('{po}', encodeURIComponent(poNumber));
    let response: Response;
    try {
      response = await fetch(url, { headers: headers(), signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      const name = (e as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw erpUnavailable(`ERP GET ${url} did not answer within ${timeoutMs} ms`, e);
      }
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw erpUnavailable(
        `ERP GET ${url} failed: ${cause?.code ?? cause?.message ?? (e as Error).message}`,
        e,
      );
    }
    let text: string;
    try {
      text = await response.text();
    } catch (e) {
      // The body broke off or took too long: the connection, not the data.
      throw erpUnavailable(`ERP GET ${url}: the body could not be read (${(e as Error).name})`, e);
    }
    if (response.status === 404) return undefined;
    if (RETRYABLE_STATUS.has(response.status)) {
      throw erpUnavailable(`ERP GET ${url} answered ${response.status} ${response.statusText}`);
    }
    if (response.status === 401 || response.status === 403) {
      throw erpRefused(
        'login-refused',
        `ERP GET ${url} answered ${response.status}: check erp.secretHeaders`,
      );
    }
    if (response.status < 200 || response.status > 299) {
      throw erpRefused('usage', `ERP GET ${url} answered ${response.status} ${response.statusText}`);
    }
    try {
      return { body: JSON.parse(text), url };
    } catch (e) {
      throw erpDataInvalid(
        `PO ${poNumber}: ERP GET ${url} answered ${response.status} with a body that is not JSON`,
        e,
      );
    }
  }

  function arrayAt(body: unknown, path: string, poNumber: string, url: string, what: string): unknown[] {
    const value = valueAt(body, parsePath(path));
    if (!Array.isArray(value)) {
      throw erpDataInvalid(`PO ${poNumber}: ${what} of GET ${url} ("${path}") is not an array`);
    }
    return value;
  }

  const adapter: ErpAdapter = {
    kind: 'http',
    async purchaseOrder(poNumber: string): Promise<PurchaseOrder | undefined> {
      const got = await getJson(options.url, poNumber);
      if (got === undefined) return undefined;
      const { body, url } = got;
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        throw erpDataInvalid(`PO ${poNumber}: GET ${url} answered JSON that is not an object`);
      }
      const lines = arrayAt(body, options.linesPath, poNumber, url, 'the lines');
      const numberPath = options.fields.header.poNumber;
      const sent = numberPath === undefined ? undefined : valueAt(body, parsePath(numberPath));
      // An API that answers a search with the nearest PO must not have its PO taken for the one asked for.
      const sentText =
        typeof sent === 'string' ? sent.trim() : typeof sent === 'number' ? String(sent) : sent;
      if (sentText !== undefined && sentText !== null && sentText !== poNumber) {
        throw erpDataInvalid(`PO ${poNumber}: GET ${url} answered PO ${JSON.stringify(sent)}`);
      }
      return buildPurchaseOrder(
        poNumber,
        row(body, `GET ${url}`),
        lines.map((l, i) => row(l, `${options.linesPath}[${i}] of GET ${url}`)),
        {
          mapping: options.fields,
          formats: ISO_ONLY,
          ...(options.partnerId === undefined ? {} : { partnerId: options.partnerId }),
          source: erpSource('http', url),
        },
      );
    },
    async close() {},
  };
  const receiptsUrl = options.receiptsUrl;
  const mapping = options.fields.receipt;
  if (receiptsUrl && mapping) {
    adapter.receipts = async (poNumber: string): Promise<ErpReceipt[]> => {
      const got = await getJson(receiptsUrl, poNumber);
      if (got === undefined) return [];
      const path = options.receiptsPath ?? '';
      return arrayAt(got.body, path, poNumber, got.url, 'the receipts').map((r, i) =>
        buildReceipt(poNumber, row(r, `${path}[${i}] of GET ${got.url}`), i, mapping, ISO_ONLY),
      );
    };
  }
  return adapter;
}

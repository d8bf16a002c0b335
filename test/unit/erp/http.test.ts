import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { documentSchemaErrors } from '../../../src/documents/schemas.ts';
import { GatewayError } from '../../../src/errors.ts';
import { openErpAdapter, type ErpAdapter, type HttpErpOptions } from '../../../src/erp/index.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const ORDER = {
  order: { number: 'HM4500123456', date: '2026-11-16T00:00:00Z', currency: 'USD', supplier: 'acme-widget' },
  shipTo: { name: 'HARBORMART DC 0412', gln: '0614141000012' },
  paymentTerms: { netDays: 30 },
  items: [
    { no: 1, vendorItem: 'AW-1001', qty: 24, uom: 'EA', price: 4.25 },
    { no: 2, vendorItem: 'AW-1002', qty: '12', uom: 'EA', price: '7.80' },
  ],
};

async function rejects(
  promise: Promise<unknown>,
  retryable: boolean,
  message: RegExp,
  code?: string,
): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof GatewayError, String(e));
    assert.equal(e.retryable, retryable, e.message);
    assert.match(e.message, message);
    if (code) assert.equal(e.code, code);
    return true;
  });
}

describe('erp/http', () => {
  let server: Server;
  let base: string;
  let handler: Handler;
  let requests: IncomingMessage[];
  let erp: ErpAdapter | undefined;
  let dir: string;

  before(async () => {
    server = createServer((req, res) => {
      requests.push(req);
      handler(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    requests = [];
    dir = mkdtempSync(join(tmpdir(), 'dockside-erp-http-'));
  });
  afterEach(async () => {
    await erp?.close();
    erp = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const json =
    (status: number, body: unknown): Handler =>
    (_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };

  function open(overrides: Partial<HttpErpOptions> = {}): ErpAdapter {
    const options: HttpErpOptions = {
      kind: 'http',
      url: `${base}/api/orders/{po}`,
      linesPath: 'items',
      timeoutMs: 2000,
      fields: {
        header: {
          poNumber: 'order.number',
          partnerId: 'order.supplier',
          poDate: 'order.date',
          currency: 'order.currency',
          shipToName: 'shipTo.name',
          shipToId: 'shipTo.gln',
          termsNetDays: 'paymentTerms.netDays',
        },
        line: {
          lineNumber: 'no',
          vendorPartNumber: 'vendorItem',
          quantity: 'qty',
          unit: 'uom',
          unitPrice: 'price',
        },
        receipt: { lineNumber: 'line', quantity: 'qty', receivedDate: 'at' },
      },
      ...overrides,
    };
    return (erp = openErpAdapter(options));
  }

  it('reads a purchase order through the JSON paths, numbers and numeric strings alike', async () => {
    handler = json(200, ORDER);
    const po = await open().purchaseOrder('HM4500123456');
    assert.ok(po);
    assert.deepEqual(documentSchemaErrors(po), []);
    assert.equal(requests[0]!.url, '/api/orders/HM4500123456');
    assert.equal(po.poDate, '2026-11-16');
    assert.equal(po.partnerId, 'acme-widget');
    assert.deepEqual(po.parties[0], {
      role: 'ship-to',
      code: 'ST',
      name: 'HARBORMART DC 0412',
      id: '0614141000012',
    });
    assert.equal(po.terms[0]!.netDays, 30);
    assert.deepEqual(
      po.lines.map((l) => [l.lineNumber, l.vendorPartNumber, l.quantityOrdered, l.unitPrice, l.lineAmount]),
      [
        ['1', 'AW-1001', '24', '4.25', '102'],
        ['2', 'AW-1002', '12', '7.8', '93.6'],
      ],
    );
    assert.deepEqual(po.source, {
      kind: 'erp',
      adapter: 'http',
      name: `${base}/api/orders/HM4500123456`,
    });
  });

  it('puts the PO number into the URL encoded', async () => {
    handler = json(404, {});
    assert.equal(await open().purchaseOrder('PO 7/8?x'), undefined);
    assert.equal(requests[0]!.url, '/api/orders/PO%207%2F8%3Fx');
  });

  it('answers undefined for a 404', async () => {
    handler = json(404, { error: 'no such order' });
    assert.equal(await open().purchaseOrder('HM4599999999'), undefined);
  });

  it('sends plain headers and secret headers resolved at each request, never the secret in a message', async () => {
    const token = join(dir, 'token');
    writeFileSync(token, 's3cret-1\n');
    handler = (req, res) =>
      req.headers.authorization === 'Bearer s3cret-2' ? json(200, ORDER)(req, res) : json(401, {})(req, res);
    const a = open({
      headers: { 'x-tenant': 'harbor' },
      secretHeaders: { authorization: { secret: `file:${token}`, prefix: 'Bearer ' } },
    });
    await assert.rejects(a.purchaseOrder('HM4500123456'), (e: GatewayError) => {
      assert.equal(e.code, 'login-refused');
      assert.equal(e.retryable, false);
      assert.doesNotMatch(e.message, /s3cret/);
      return true;
    });
    assert.equal(requests[0]!.headers['x-tenant'], 'harbor');
    writeFileSync(token, 's3cret-2\n');
    assert.ok(await a.purchaseOrder('HM4500123456'));
  });

  it('fails retryably on a 500 and a 503', async () => {
    handler = json(500, { error: 'boom' });
    await rejects(
      open().purchaseOrder('HM4500123456'),
      true,
      /answered 500 Internal Server Error$/,
      'erp-unavailable',
    );
    handler = json(503, {});
    await rejects(erp!.purchaseOrder('HM4500123456'), true, /answered 503/);
  });

  it('fails retryably when the ERP does not answer in time', async () => {
    handler = () => {};
    const started = Date.now();
    await rejects(
      open({ timeoutMs: 300 }).purchaseOrder('HM4500123456'),
      true,
      /did not answer within 300 ms$/,
    );
    assert.ok(Date.now() - started < 2000);
  });

  it('fails retryably when the body stops half way', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"order":');
    };
    await rejects(open({ timeoutMs: 300 }).purchaseOrder('HM4500123456'), true, /the body could not be read/);
  });

  it('fails retryably when nothing listens', async () => {
    const idle = createServer();
    await new Promise<void>((r) => idle.listen(0, '127.0.0.1', r));
    const port = (idle.address() as AddressInfo).port;
    await new Promise((r) => idle.close(r));
    await rejects(
      open({ url: `http://127.0.0.1:${port}/po/{po}` }).purchaseOrder('X'),
      true,
      /failed: ECONNREFUSED$/,
    );
  });

  it('rejects a body that is not JSON, not retryably', async () => {
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
    await rejects(
      open().purchaseOrder('HM4500123456'),
      false,
      /^PO HM4500123456: ERP GET .* answered 200 with a body that is not JSON$/,
      'erp-data-invalid',
    );
  });

  it('rejects a price that is not a number, naming the PO, the line, the field and the path', async () => {
    handler = json(200, { ...ORDER, items: [ORDER.items[0], { ...ORDER.items[1], price: 'n/a' }] });
    await rejects(
      open().purchaseOrder('HM4500123456'),
      false,
      /^PO HM4500123456, line 2 \(items\[1\] of GET .*\), field unitPrice \("price"\): "n\/a" is not a number$/,
    );
  });

  it('rejects a body without the lines array, and one about another PO', async () => {
    handler = json(200, { ...ORDER, items: undefined });
    await rejects(
      open().purchaseOrder('HM4500123456'),
      false,
      /the lines of GET .* \("items"\) is not an array$/,
    );
    handler = json(200, ORDER);
    await rejects(
      erp!.purchaseOrder('HM4500123457'),
      false,
      /^PO HM4500123457: GET .* answered PO "HM4500123456"$/,
    );
  });

  it('reads goods receipts from their own URL, and none for a 404', async () => {
    handler = (req, res) =>
      req.url === '/api/receipts/HM4500123456'
        ? json(200, { data: [{ line: '1', qty: 24, at: '2026-11-24' }] })(req, res)
        : json(404, {})(req, res);
    const a = open({ receiptsUrl: `${base}/api/receipts/{po}`, receiptsPath: 'data' });
    assert.deepEqual(await a.receipts!('HM4500123456'), [
      {
        poNumber: 'HM4500123456',
        lineNumber: '1',
        ids: [],
        quantityReceived: '24',
        receivedDate: '2026-11-24',
      },
    ]);
    assert.deepEqual(await a.receipts!('HM4599999999'), []);
  });
});

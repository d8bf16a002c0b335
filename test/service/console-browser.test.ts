// The web console in a real browser: Debian's Chromium driven by playwright-core against the API listening on
// a port, over a database holding what the pipeline and reconciliation made (console-fixture.ts). Each role
// does its work the way a person would — finance filters, opens, decides and exports; onboarding checks a
// partner file; operations traces a file and retries a dead letter — and a role is refused a page that is not
// its own. Screenshots of each main page are left in test-output/console/ for people to look at.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import * as XLSX from 'xlsx';
import { CONSOLE_CSP } from '../../src/api/routes/console.ts';
import type { ApiRole } from '../../src/store/queries/api-users.ts';
import { saveMismatches } from '../../src/store/queries/mismatches.ts';
import { MISMATCH_TYPES } from '../../src/reconcile/index.ts';
import { StaticPartnerDirectory } from '../../src/partners/partner.ts';
import { engines } from '../helpers/store.ts';
import {
  ACME_ASN_PO,
  ACME_SHORT_PO,
  BROKEN_PARTNER_FILE,
  consoleServer,
  GLOBEX_NAME,
  type ConsoleServer,
} from './console-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = join(import.meta.dirname, '../../test-output/console');
/** A laptop screen. */
const VIEWPORT = { width: 1366, height: 768 };

/** Width and height from a PNG's IHDR chunk, which follows the 8-byte signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  assert.ok(
    png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
    'PNG signature',
  );
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

interface Session {
  context: BrowserContext;
  page: Page;
  /** Errors the page threw or logged, other than the failed loads the API's refusals are. */
  errors: string[];
  /** Every URL the page asked for. */
  requests: string[];
}

for (const engine of engines()) {
  describe(`the web console in headless Chromium on ${engine.name}`, function () {
    this.timeout(180_000);
    let browser: Browser | undefined;
    let server: ConsoleServer;
    const sessions: Session[] = [];

    before(async function () {
      if (!existsSync(CHROMIUM)) {
        const reason = `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run the browser test`;
        if (process.env.CI) throw new Error(reason);
        console.log(`      skipped: ${reason}`);
        this.skip();
      }
      server = await consoleServer(await engine.open());
      // As root (CI, the containers) Chromium refuses to start with its sandbox.
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      mkdirSync(OUTPUT, { recursive: true });
    });

    after(async () => {
      for (const s of sessions) await s.context.close();
      await browser?.close();
      await server?.close();
    });

    afterEach(() => {
      // An error the page threw or logged fails the run, with what the page said.
      const errors = sessions.flatMap((s) => s.errors.splice(0));
      assert.deepEqual(errors, [], 'the console ran without errors');
    });

    async function login(role: ApiRole): Promise<Session> {
      assert.ok(browser);
      const context = await browser.newContext({ viewport: VIEWPORT, acceptDownloads: true });
      const page = await context.newPage();
      const session: Session = { context, page, errors: [], requests: [] };
      sessions.push(session);
      page.on('pageerror', (e) => session.errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
          session.errors.push(m.text());
      });
      page.on('request', (r) => session.requests.push(r.url()));
      await page.goto(`${server.base}/`);
      assert.equal(new URL(page.url()).pathname, '/console/');
      await page.getByLabel('User').fill(server.data.user(role));
      await page.getByLabel('Password').fill(server.data.password(role));
      await page.getByRole('button', { name: 'Log in' }).click();
      const who = page.locator('#who').getByText(`${server.data.user(role)} (${role})`);
      const refused = page.locator('#login-error:not(:empty)');
      await who.or(refused).waitFor();
      if ((await refused.count()) > 0) assert.fail(`login refused: ${await refused.textContent()}`);
      return session;
    }

    /**
     * Waits until the console has finished drawing the route in the address bar. waitForURL alone is not
     * enough: the hash changes first, and until the new view replaces it the previous page is still shown.
     */
    async function settled(page: Page): Promise<void> {
      const hash = new URL(page.url()).hash;
      await page.locator(`main .page[data-rendered="${hash.replace(/["\\]/g, '\\$&')}"]`).waitFor();
    }

    async function navLinks(page: Page): Promise<string[]> {
      return page.locator('#nav a').allTextContents();
    }

    /** A full-page screenshot in test-output/console/, checked to be more than a blank page at laptop width. */
    async function screenshot(page: Page, name: string): Promise<void> {
      const file = join(OUTPUT, `${name}.png`);
      const png = await page.screenshot({ fullPage: true });
      writeFileSync(file, png);
      const size = pngSize(readFileSync(file));
      assert.equal(
        size.width,
        VIEWPORT.width,
        `${name}: the page fits a laptop screen, no horizontal scrolling`,
      );
      assert.ok(size.height >= VIEWPORT.height, `${name}: screenshot height ${size.height}`);
      assert.ok(png.length > 20_000, `${name}: ${png.length} bytes is hardly more than a blank page`);
    }

    it('redirects / to the console and serves it with a strict content policy and revalidation', async () => {
      const root = await fetch(`${server.base}/`, { redirect: 'manual' });
      assert.equal(root.status, 302);
      assert.equal(root.headers.get('location'), '/console/');
      const page = await fetch(`${server.base}/console/`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(page.headers.get('content-security-policy'), CONSOLE_CSP);
      assert.match(CONSOLE_CSP, /script-src 'self'(;|$)/);
      assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(page.headers.get('cache-control'), 'no-cache');
      const html = await page.text();
      assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
      const etag = page.headers.get('etag');
      assert.ok(etag);
      const again = await fetch(`${server.base}/console/`, { headers: { 'if-none-match': etag } });
      assert.equal(again.status, 304);
      const script = await fetch(`${server.base}/console/app.js`);
      assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/);
      const missing = await fetch(`${server.base}/console/nothing.js`);
      assert.equal(missing.status, 404);
      assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'not-found');
    });

    it('lets finance filter with the keyboard, open a mismatch, accept it with a comment and export the filter as XLSX', async () => {
      const { page, requests } = await login('finance');
      assert.deepEqual(await navLinks(page), ['Mismatches', 'Trace']);
      await page.locator('table.mismatches').waitFor();
      const all = server.data.mismatches;
      assert.equal(await page.locator('table.mismatches tbody tr').count(), all.length);

      // From the page heading, Tab reaches the filter; the whole filter is set and sent from the keyboard.
      await page.keyboard.press('Tab');
      assert.equal(await page.locator('#f-partner:focus').count(), 1, 'Tab moves to the partner filter');
      await page.keyboard.type('acme');
      await page.keyboard.press('Tab'); // type
      await page.keyboard.press('Tab'); // status "open"
      await page.keyboard.press('Space');
      assert.ok(await page.getByRole('checkbox', { name: 'open' }).isChecked());
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Enter');
      await page.waitForURL(/#\/mismatches\?partner=acme&status=open$/);
      await settled(page);
      const wanted = all.filter((m) => m.partnerId === 'acme' && m.status === 'open');
      await page
        .locator(`table.mismatches tbody tr`)
        .nth(wanted.length - 1)
        .waitFor();
      assert.equal(await page.locator('table.mismatches tbody tr').count(), wanted.length);
      for (const partner of await page.locator('table.mismatches tbody td:nth-child(3)').allTextContents()) {
        assert.equal(partner, 'acme');
      }
      // The filter survives a reload: it lives in the URL.
      await page.reload();
      await settled(page);
      await page.locator('table.mismatches').waitFor();
      assert.equal(await page.locator('#f-partner').inputValue(), 'acme');
      assert.equal(await page.locator('table.mismatches tbody tr').count(), wanted.length);
      assert.ok(
        (await page.locator('figure[data-chart="partner"] rect.bar').count()) > 0,
        'the chart has bars',
      );
      assert.ok((await page.locator('figure[data-chart="type"] rect.bar').count()) > 0);
      await screenshot(page, 'mismatches');

      // A row opens with Enter.
      const chosen = wanted.find((m) => m.poNumber === ACME_ASN_PO && m.type === 'over-shipment');
      assert.ok(chosen, 'the fixture has an open over-shipment on the 856 PO');
      await page.locator(`table.mismatches tr[data-id="${chosen.id}"]`).focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(new RegExp(`#/mismatches/${chosen.id}$`));
      await settled(page);
      await page.getByRole('heading', { name: `Mismatch #${chosen.id}: over-shipment` }).waitFor();

      // The timeline: PO, then the ship notice, then the invoice; the over-shipped line marked in words.
      await page.locator('table.lines').waitFor();
      const steps = await page.locator('ol.timeline > li .kind').allTextContents();
      assert.deepEqual(steps, ['Purchase order', 'Ship notice', 'Invoice']);
      assert.match(
        (await page.locator('table.lines caption .tolerances').textContent()) ?? '',
        /^Compared with acme's tolerances: quantity ±0 % of the order, unit price ±0 or 0 %\.$/,
      );
      assert.equal(
        await page.locator('table.lines td.within').count(),
        0,
        'nothing is within a zero tolerance',
      );
      const marked = page.locator('table.lines tr.this-mismatch');
      assert.equal(await marked.count(), 1);
      assert.match((await marked.locator('th').textContent()) ?? '', /AW-1002/);
      assert.ok((await marked.locator('td.diff').count()) >= 2, 'the differing cells carry the diff class');
      assert.match((await marked.locator('td.diff-shipped').textContent()) ?? '', /≠ quantity differs/);
      assert.match((await marked.locator('td').last().textContent()) ?? '', /quantity differs/);

      // Accepting needs a comment; the result shows in the status, the history and the live region.
      await page.getByRole('radio', { name: /Accept/ }).check();
      await page.getByLabel('Comment (required)').fill('agreed with acme: two extra cases kept at cost');
      await page.getByRole('button', { name: 'Record decision' }).click();
      await page.locator('#mismatch-status').getByText('accepted').waitFor();
      assert.match(
        (await page.locator('#status').textContent()) ?? '',
        new RegExp(`Mismatch ${chosen.id} is now accepted`),
      );
      const last = page.locator('ol.history li').last();
      assert.match((await last.textContent()) ?? '', /finance-user accept \(open → accepted\)/);
      assert.equal(await last.locator('q').textContent(), 'agreed with acme: two extra cases kept at cost');
      await screenshot(page, 'mismatch-detail');

      // Back to the filtered list: the accepted one is gone from "open", and the export has exactly the rows shown.
      await page.goBack();
      await page.waitForURL(/#\/mismatches\?partner=acme&status=open$/);
      await settled(page);
      await page.locator('table.mismatches').waitFor();
      const shown = await page
        .locator('table.mismatches tbody tr')
        .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-id'))));
      assert.equal(shown.length, wanted.length - 1);
      assert.ok(!shown.includes(chosen.id));
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'Export XLSX' }).click(),
      ]);
      assert.match(download.suggestedFilename(), /^dockside-mismatches-.*\.xlsx$/);
      const path = await download.path();
      const bytes = readFileSync(path);
      assert.equal(bytes.toString('latin1', 0, 2), 'PK', 'an XLSX file is a zip');
      const book = XLSX.read(bytes, { type: 'buffer' });
      const rows = XLSX.utils.sheet_to_json<unknown[]>(book.Sheets[book.SheetNames[0]!]!, { header: 1 });
      const header = rows[0] as string[];
      const ids = rows.slice(1).map((r) => Number(r[header.indexOf('ID')]));
      assert.deepEqual(ids.sort(), [...shown].sort());
      for (const r of rows.slice(1)) {
        assert.equal(r[header.indexOf('Partner')], 'acme');
        assert.equal(r[header.indexOf('Status')], 'open');
      }

      const origin = new URL(server.base).origin;
      assert.deepEqual(
        requests.filter((u) => new URL(u).origin !== origin),
        [],
        'the console loads nothing from elsewhere',
      );
    });

    it('shows onboarding the partners and a broken partner file’s errors at their line numbers', async () => {
      const { page } = await login('onboarding');
      assert.deepEqual(await navLinks(page), ['Partners']);
      await page.locator('table.partners').waitFor();
      assert.deepEqual(await page.locator('table.partners tbody tr td:first-child a').allTextContents(), [
        'acme',
        'globex',
      ]);
      const globex = page.locator('table.partners tbody tr').nth(1);
      assert.equal(
        await globex.locator('td:first-child div').textContent(),
        GLOBEX_NAME,
        'markup shown as text',
      );
      assert.equal(await page.locator('main img, main b').count(), 0, 'and not made into elements');
      const acme = page.locator('table.partners tbody tr').first();
      assert.match(
        (await acme.textContent()) ?? '',
        /sftp upload to acme refused/,
        'acme shows its last error',
      );
      assert.match((await acme.textContent()) ?? '', /1 failed/, 'and its failed acknowledgment');
      assert.match(
        (await page.locator('ul.problems-list').textContent()) ?? '',
        /initech\.yaml.*line 4, column 1: colour/s,
        'the file the registry refused is listed with its line',
      );
      await screenshot(page, 'partners');

      // A partner's page: its file with line numbers, and the connectivity test of its channels.
      await page.locator('table.partners tbody tr').first().focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(/#\/partners\/acme$/);
      await settled(page);
      await page.locator('table.source').waitFor();
      assert.equal(await page.locator('table.source tr#yaml-1 code').textContent(), 'id: acme');
      await page.getByRole('button', { name: 'Test connectivity' }).click();
      await page.locator('ul.checks li').first().waitFor();
      assert.match(
        (await page.locator('#status').textContent()) ?? '',
        /Connectivity test of acme: (ok|failed)\./,
      );
      await page.getByRole('link', { name: 'Partners', exact: true }).first().click();
      await page.locator('table.partners').waitFor();

      await page.getByRole('link', { name: 'Validate a partner file' }).click();
      await page.getByLabel('Partner file (YAML)').fill(BROKEN_PARTNER_FILE);
      await page.getByRole('button', { name: 'Validate' }).click();
      await page.locator('ol.validation-errors').waitFor();
      const first = page.locator('ol.validation-errors li').first();
      assert.match((await first.textContent()) ?? '', /^Line 4, column 1: colour is not a known setting/);
      await first.getByRole('button').click();
      const line4 = page.locator('#src-4');
      assert.equal(await page.locator('#src-4:focus').count(), 1, 'the error takes the reader to line 4');
      assert.match((await line4.getAttribute('class')) ?? '', /\berror\b.*\bcurrent\b/);
      assert.equal(await line4.locator('th').textContent(), '4');
      assert.equal(await line4.locator('code').textContent(), 'colour: blue');
      assert.match(
        (await line4.locator('td.problems').textContent()) ?? '',
        /error: colour is not a known setting/,
      );
      await screenshot(page, 'partner-validation');
    });

    it('refuses operations the finance pages: "not allowed" and no mismatch data', async () => {
      const { page } = await login('operations');
      assert.deepEqual(await navLinks(page), ['Trace', 'Partners', 'Operations']);
      await page.goto(`${server.base}/console/#/mismatches`);
      await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
      assert.match(
        (await page.locator('main').textContent()) ?? '',
        /This page is not allowed for role operations\./,
      );
      assert.equal(await page.locator('table.mismatches').count(), 0);
      const text = (await page.locator('body').textContent()) ?? '';
      for (const m of server.data.mismatches) assert.ok(!text.includes(m.poNumber), `no ${m.poNumber} shown`);
      await page.goto(`${server.base}/console/#/mismatches/${server.data.mismatches[0]!.id}`);
      await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
      assert.equal(await page.locator('table.lines').count(), 0);
    });

    it('lets operations trace a file by its interchange control number and retry a dead letter', async () => {
      const { page } = await login('operations');
      await page.goto(`${server.base}/console/#/trace`);
      await page.getByLabel('Look for').selectOption('isa');
      await page.getByLabel('Value').fill('000008801');
      await page.getByLabel('Value').press('Enter');
      await page.locator('article.trace-result').first().waitFor();
      const result = page.locator('article.trace-result').first();
      assert.match((await result.locator('h2').textContent()) ?? '', /asn-8801\.edi/);
      assert.equal(
        await result.locator('a[href^="#/mismatches/"]').count(),
        0,
        'the PO has mismatches, but operations is not shown them',
      );
      assert.deepEqual(await result.locator('li.step .step-name').allTextContents(), [
        'Received',
        'Validated',
        'Acknowledged',
        'Mapped',
        'Reconciled',
      ]);
      const acknowledged = result.locator('li.step').nth(2);
      assert.match((await acknowledged.getAttribute('class')) ?? '', /step-failed/);
      assert.match((await acknowledged.textContent()) ?? '', /failed.*permission denied/s);
      await screenshot(page, 'trace');

      await page.getByRole('link', { name: 'Operations' }).click();
      await page.locator('figure[data-chart="throughput"]').waitFor();
      assert.ok(
        (await page.locator('figure[data-chart="throughput"] rect.bar').count()) > 0,
        'bars are drawn',
      );
      assert.match(
        (await page.locator('table.deliveries').textContent()) ?? '',
        /sftp upload to acme refused: permission denied/,
      );
      await screenshot(page, 'operations');
      const id = server.data.deadLetterId;
      const queued = server.data.h.queue.of('deliver-outbound').length;
      page.once('dialog', (d) => void d.accept());
      await page.getByRole('button', { name: `Retry ${id}` }).click();
      await page.locator('#status').getByText(`Dead letter ${id} is back on deliver-outbound`).waitFor();
      await page.getByText('No open dead letters.').waitFor();

      page.once('dialog', (d) => void d.accept());
      await page.getByLabel('Receipt id').fill(String(server.data.acmeReceiptId));
      await page.getByRole('button', { name: 'Replay' }).click();
      await page
        .locator('.replay-result')
        .getByText(`Receipt ${server.data.acmeReceiptId} replayed as`)
        .waitFor();
      const [replay] = await server.data.h.db.query<{ id: number }>(
        'select id from receipts where replay_of = $1',
        [server.data.acmeReceiptId],
      );
      assert.ok(replay, 'the replay is a receipt of its own');
      assert.match(
        (await page.locator('.replay-result').textContent()) ?? '',
        new RegExp(`replayed as receipt ${replay.id} `),
      );
      assert.deepEqual(server.data.h.queue.of('deliver-outbound').slice(queued), [
        { ackId: server.data.failedAckId },
      ]);
    });

    it('marks a short shipment on the shipped cell, not on the invoiced cell of a line not invoiced yet', async () => {
      const short = server.data.mismatches.find(
        (m) => m.poNumber === ACME_SHORT_PO && m.type === 'short-shipment',
      );
      assert.ok(short, 'the fixture has a short shipment on PO-100');
      const { page } = await login('finance');
      await page.goto(`${server.base}/console/#/mismatches/${short.id}`);
      const row = page.locator('table.lines tr.this-mismatch');
      await row.waitFor();
      assert.equal(await row.locator('td.diff-shipped').count(), 1);
      assert.equal(await row.locator('td.diff-invoiced').count(), 0);
      assert.match((await row.locator('td').nth(2).textContent()) ?? '', /^—$/);
    });

    it('shows a difference the partner tolerates as within tolerance, not as a mismatch', async () => {
      const chosen = server.data.mismatches.find(
        (m) => m.poNumber === ACME_ASN_PO && m.type === 'over-shipment',
      );
      assert.ok(chosen);
      const loaded = server.directory.all();
      const acme = loaded.find((p) => p.id === 'acme');
      assert.ok(acme);
      // Tolerances wide enough for any quantity and price of the fixture.
      const reconciliation = { ...acme.reconciliation, quantityPercent: 100, unitPriceAbsolute: 1000 };
      server.directory.replace(
        new StaticPartnerDirectory(loaded.map((p) => (p.id === 'acme' ? { ...p, reconciliation } : p))),
      );
      try {
        const { page } = await login('finance');
        await page.goto(`${server.base}/console/#/mismatches/${chosen.id}`);
        await settled(page);
        const row = page.locator('table.lines tbody tr', { hasText: 'AW-1002' });
        assert.equal(await row.locator('td.diff-shipped').count(), 0, 'not marked as a difference');
        assert.match(
          (await row.locator('td.within-shipped .within-mark').textContent()) ?? '',
          /^≈ quantity differs, within tolerance$/,
        );
        assert.match(
          (await row.locator('td').last().textContent()) ?? '',
          /quantity differs, within tolerance/,
        );
        assert.match(
          (await page.locator('table.lines caption .tolerances').textContent()) ?? '',
          /quantity ±100 % of the order, unit price ±1000 or 0 %/,
        );
        await screenshot(page, 'mismatch-within-tolerance');
      } finally {
        server.directory.replace(new StaticPartnerDirectory(loaded));
      }
    });

    it('draws amounts in another currency in charts of their own, never stacked onto the first', async () => {
      await saveMismatches(
        server.data.h.db,
        'globex',
        'PO-EUR-1',
        [
          {
            key: 'PO-EUR-1|unit-price-variance|line 1',
            type: 'unit-price-variance',
            severity: 'error',
            poNumber: 'PO-EUR-1',
            expected: '10.00',
            actual: '12.00',
            amountAtRisk: '40.00',
            currency: 'EUR',
            documents: [],
            message: 'line 1 is priced 12.00; the order says 10.00',
          },
        ],
        new Date(),
      );
      const { page } = await login('finance');
      await page.locator('figure[data-chart="partner"]').nth(1).waitFor();
      // The type filter offers every type the API knows, read from its OpenAPI document.
      const offered = await page
        .locator('#f-type option')
        .evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value).filter(Boolean));
      assert.deepEqual(offered, [...MISMATCH_TYPES]);
      const titles = await page.locator('figure[data-chart] svg > title').allTextContents();
      assert.equal(titles.length, 4, titles.join(' | '));
      for (const currency of ['EUR', 'USD']) {
        assert.equal(titles.filter((t) => t.endsWith(`(${currency})`)).length, 2, titles.join(' | '));
      }
      // The EUR charts hold the one EUR mismatch: a single bar of 40.
      const eur = page.locator('figure[data-chart="partner"]').filter({ hasText: '(EUR)' });
      assert.equal(await eur.locator('rect.bar').count(), 1);
    });
  });
}

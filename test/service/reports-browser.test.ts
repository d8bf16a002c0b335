// The HTML mismatch report opened in a real browser: Debian's Chromium, driven by playwright-core. It checks
// what a string comparison cannot — that the page lays out with its table and its chart's bars actually
// drawn — and leaves a screenshot in test-output/reports/ for people to look at.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { renderMismatchHtml } from '../../src/reports/index.ts';
import { REPORT, ROWS } from '../unit/reports/fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = join(import.meta.dirname, '../../test-output/reports');
const SCREENSHOT = join(OUTPUT, 'mismatches.png');
/** A laptop screen. */
const VIEWPORT = { width: 1366, height: 768 };
/** Bars per chart in the fixture: partners acme USD, globex none, globex EUR; four type/currency groups. */
const PARTNER_BARS = 3;
const TYPE_BARS = 4;

// The functions passed to page.$$eval and page.evaluate run in the browser. The project compiles without the
// DOM library, so the little of it they use is declared here and reached through globalThis.
interface Box {
  width: number;
  height: number;
}
interface PageElement {
  getBoundingClientRect(): Box;
  getAttribute(name: string): string | null;
  closest(selector: string): PageElement | null;
}
interface Canvas {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    drawImage(image: unknown, x: number, y: number): void;
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  } | null;
}
interface BrowserGlobals {
  getComputedStyle(element: PageElement): { fill: string; display: string };
  document: { createElement(tag: 'canvas'): Canvas };
  Image: new () => Box & { src: string; decode(): Promise<void> };
}

/** Width and height from a PNG's IHDR chunk, which follows the 8-byte signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  assert.ok(
    png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
    'PNG signature',
  );
  assert.equal(png.toString('latin1', 12, 16), 'IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('the HTML mismatch report in headless Chromium', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      const reason = `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run the browser test`;
      if (process.env.CI) throw new Error(reason);
      console.log(`      skipped: ${reason}`);
      this.skip();
    }
    // As root (CI, the containers) Chromium refuses to start with its sandbox.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  after(async () => {
    await browser?.close();
  });

  it('shows the table with one row per mismatch and draws every bar with a size, then saves a screenshot', async () => {
    assert.ok(browser);
    const page = await browser.newPage({ viewport: VIEWPORT });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.setContent(renderMismatchHtml(REPORT), { waitUntil: 'load' });

    assert.equal(await page.locator('table.mismatches tbody tr').count(), ROWS.length);
    assert.equal(
      await page.locator('table.mismatches tbody tr td.po').nth(4).textContent(),
      '<script>alert(1)</script>',
      'the PO number is shown as text',
    );

    const bars = await page.$$eval('figure.chart svg rect.bar', (rects: PageElement[]) =>
      rects.map((r) => {
        const box = r.getBoundingClientRect();
        return {
          chart: r.closest('figure')?.getAttribute('data-chart'),
          key: r.getAttribute('data-key'),
          width: box.width,
          height: box.height,
          fill: (globalThis as unknown as BrowserGlobals).getComputedStyle(r).fill,
        };
      }),
    );
    assert.equal(bars.filter((b) => b.chart === 'partner').length, PARTNER_BARS);
    assert.equal(bars.filter((b) => b.chart === 'type').length, TYPE_BARS);
    for (const b of bars) {
      assert.ok(b.width > 0 && b.height > 0, `bar ${b.chart}/${b.key} is drawn: ${b.width}×${b.height}`);
      assert.notEqual(b.fill, 'none');
    }
    const labels = await page.$$eval('figure.chart svg text.label', (texts: PageElement[]) =>
      texts.map((t) => t.getBoundingClientRect().width),
    );
    assert.equal(labels.length, PARTNER_BARS + TYPE_BARS);
    assert.ok(
      labels.every((w) => w > 0),
      'every bar has a visible label',
    );

    assert.deepEqual(requests, [], 'the page loads nothing');
    assert.deepEqual(errors, []);

    mkdirSync(OUTPUT, { recursive: true });
    const shot = await page.screenshot({ fullPage: true });
    writeFileSync(SCREENSHOT, shot);
    assert.ok(statSync(SCREENSHOT).size > 20_000, 'the screenshot is more than a blank page');
    const size = pngSize(readFileSync(SCREENSHOT));
    assert.equal(size.width, VIEWPORT.width, 'the page fits a laptop screen: no horizontal scrolling');
    assert.ok(size.height > 400, `screenshot height ${size.height}`);

    // The screenshot itself shows the chart and the table: read its pixels back where the largest bar and
    // the table header are, on a blank page with no content policy of its own.
    const barBox = await page.locator('figure[data-chart="partner"] rect.bar').first().boundingBox();
    const headBox = await page.locator('table.mismatches thead th').first().boundingBox();
    assert.ok(barBox && headBox);
    const probe = await browser.newPage();
    const pixels = await probe.evaluate(
      async ({ png, points }) => {
        const { Image, document } = globalThis as unknown as BrowserGlobals;
        const image = new Image();
        image.src = `data:image/png;base64,${png}`;
        await image.decode();
        const canvas = document.createElement('canvas');
        canvas.width = image.width;
        canvas.height = image.height;
        const context = canvas.getContext('2d');
        if (!context) throw new Error('no 2d context');
        context.drawImage(image, 0, 0);
        return points.map(([x = 0, y = 0]) => [...context.getImageData(x, y, 1, 1).data].slice(0, 3));
      },
      {
        png: shot.toString('base64'),
        points: [
          [Math.round(barBox.x + barBox.width / 2), Math.round(barBox.y + barBox.height / 2)],
          [Math.round(headBox.x + 3), Math.round(headBox.y + headBox.height / 2)],
        ],
      },
    );
    assert.deepEqual(pixels, [
      [0x2f, 0x6d, 0xb5],
      [0xe8, 0xed, 0xf4],
    ]);
    await probe.close();
    await page.close();
  });

  it('prints: the table header repeats and the page renders to PDF', async () => {
    assert.ok(browser);
    const page = await browser.newPage();
    await page.setContent(renderMismatchHtml(REPORT), { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print' });
    const display = await page.$eval(
      'table.mismatches thead',
      (t: PageElement) => (globalThis as unknown as BrowserGlobals).getComputedStyle(t).display,
    );
    assert.equal(display, 'table-header-group');
    assert.equal(await page.locator('table.mismatches tbody tr').count(), ROWS.length);
    const pdf = await page.pdf({ preferCSSPageSize: true });
    assert.equal(pdf.toString('latin1', 0, 5), '%PDF-');
    await page.close();
  });
});

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { defaultMappers } from '../../../src/documents/mappers/index.ts';
import { GatewayError } from '../../../src/errors.ts';
import { processReceipt } from '../../../src/pipeline/process-receipt.ts';
import {
  writeDayArchive,
  type ArchiveDeps,
  type ArchiveIssue,
  type ManifestEntry,
  type MissingInbound,
} from '../../../src/reports/archive.ts';
import { applyRetention } from '../../../src/reports/retention.ts';
import type { BlobStore } from '../../../src/store/blobs.ts';
import { acknowledgmentsOfReceipt } from '../../../src/store/queries/acknowledgments.ts';
import {
  acknowledgmentsOfDay,
  documentsOfDay,
  oldestDayWithData,
  receiptsOfDay,
} from '../../../src/store/queries/archive.ts';
import { documentsOfReceipt } from '../../../src/store/queries/documents.ts';
import { getReceipt, insertReceipt } from '../../../src/store/queries/receipts.ts';
import { ROOT } from '../../helpers/golden.ts';
import { GOLDEN_856, harness, withEnvelope, type Harness } from '../../helpers/pipeline.ts';
import { engines } from '../../helpers/store.ts';

const INVOICE_810 = readFileSync(
  join(ROOT, 'test/golden/x12/004010/810/valid-invoice-allowance-charge-tax.edi'),
  'latin1',
);

const DAY = '2026-11-25';
const AFTER_THE_DAY = new Date('2026-11-26T06:00:00Z');

interface Manifest {
  format: string;
  version: number;
  date: string;
  from: string;
  to: string;
  generatedAt: string;
  dayComplete: boolean;
  counts: Record<string, number>;
  missing: MissingInbound[];
  errors: ArchiveIssue[];
  entries: ManifestEntry[];
}

function sha256(bytes: Buffer | string): string {
  return createHash('sha256')
    .update(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes)
    .digest('hex');
}

function zipNames(zip: string): string[] {
  return execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

function zipEntry(zip: string, name: string): Buffer {
  // unzip -p takes wildcards; escape them so that a name is matched literally.
  return execFileSync('unzip', ['-p', zip, name.replace(/[[\]*?]/g, '\\$&')], {
    maxBuffer: 64 << 20,
  });
}

function manifestOf(zip: string): Manifest {
  return JSON.parse(zipEntry(zip, 'manifest.json').toString('utf8')) as Manifest;
}

/** Extracts the zip and runs `sha256sum -c SHA256SUMS` in it; the lines it printed. */
function checkSums(zip: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'dockside-archive-x-'));
  execFileSync('unzip', ['-q', zip, '-d', dir]);
  const run = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  assert.equal(run.status, 0, `sha256sum -c failed:\n${run.stdout}${run.stderr}`);
  return run.stdout.split('\n').filter(Boolean);
}

/** Places a receipt, its acks and its documents at one moment. */
async function placeAt(h: Harness, receiptId: number, at: string): Promise<void> {
  await h.db.query('update receipts set received_at = $2::timestamptz where id = $1', [receiptId, at]);
  await h.db.query('update acknowledgments set created_at = $2::timestamptz where receipt_id = $1', [
    receiptId,
    at,
  ]);
  await h.db.query('update documents set created_at = $2::timestamptz where receipt_id = $1', [
    receiptId,
    at,
  ]);
}

let control = 100;

/** A file received, processed (acks built, documents mapped) and placed at `at`; its receipt id. */
async function received(
  h: Harness,
  partnerId: 'acme' | 'globex',
  text: string,
  name: string,
  at: string,
): Promise<number> {
  const sender = partnerId === 'acme' ? 'ACMEWIDGET' : 'GLOBEX';
  const id = await h.arrive(partnerId, withEnvelope(text, { sender, control: ++control }), name);
  await processReceipt({ ...h.deps, mappers: defaultMappers() }, id);
  await placeAt(h, id, at);
  return id;
}

function deps(h: Harness, blobs: BlobStore = h.blobs): ArchiveDeps {
  return { db: h.db, blobs };
}

function outDir(h: Harness): string {
  return join(h.dir, 'archives');
}

for (const engine of engines()) {
  describe(`writeDayArchive on ${engine.name}`, function () {
    this.timeout(60_000);

    it("zips the day's inbound files, acks, documents and mismatch report with a manifest and SHA256SUMS that verify", async () => {
      const h = harness(await engine.open());
      const before = await received(h, 'acme', GOLDEN_856, 'late.edi', '2026-11-24T23:59:59.999Z');
      const asn = await received(h, 'acme', GOLDEN_856, 'asn 1.edi', '2026-11-25T00:00:00Z');
      const invoice = await received(h, 'globex', INVOICE_810, 'inv.edi', '2026-11-25T23:59:59.999Z');
      const after = await received(h, 'acme', INVOICE_810, 'next.edi', '2026-11-26T00:00:00Z');
      const csv = 'partner,type,amount at risk\nglobex,unit-price-variance,12.50\n';

      const result = await writeDayArchive(deps(h), {
        date: DAY,
        outDir: outDir(h),
        mismatchReportCsv: csv,
        now: AFTER_THE_DAY,
      });

      const zip = join(outDir(h), `dockside-archive-${DAY}.zip`);
      assert.equal(result.path, zip);
      assert.deepEqual(readdirSync(outDir(h)), [`dockside-archive-${DAY}.zip`]);
      assert.equal(result.size, readFileSync(zip).length);
      assert.equal(result.sha256, sha256(readFileSync(zip)));
      assert.equal(result.dayComplete, true);
      assert.deepEqual(result.missing, []);
      assert.deepEqual(result.errors, []);

      const asnAcks = await acknowledgmentsOfReceipt(h.db, asn);
      const invoiceAcks = await acknowledgmentsOfReceipt(h.db, invoice);
      const [asnDoc] = await documentsOfReceipt(h.db, asn);
      const [invoiceDoc] = await documentsOfReceipt(h.db, invoice);
      assert.equal(asnAcks.length, 1);
      assert.equal(invoiceAcks.length, 1);
      const ackName = (a: (typeof asnAcks)[number]) =>
        `acks/${a.partnerId}/${a.id}-${a.kinds.replace(/\+/g, '-')}-${a.controlNumber}.x12`;
      const expected = [
        `inbound/acme/${asn}-asn 1.edi`,
        `inbound/globex/${invoice}-inv.edi`,
        ackName(asnAcks[0]!),
        ackName(invoiceAcks[0]!),
        `documents/acme/advance-ship-notice/${asnDoc!.id}.json`,
        `documents/globex/invoice/${invoiceDoc!.id}.json`,
        'mismatches/mismatches.csv',
        'manifest.json',
        'SHA256SUMS',
      ];
      assert.deepEqual(zipNames(zip), expected);
      assert.deepEqual(result.counts, {
        inbound: 2,
        inboundBytes: (await getReceipt(h.db, asn))!.size + (await getReceipt(h.db, invoice))!.size,
        acks: 2,
        documents: 2,
        mismatches: 1,
        missing: 0,
        errors: 0,
      });

      // The bytes are the ones received, sent and stored.
      const asnReceipt = (await getReceipt(h.db, asn))!;
      assert.equal(sha256(zipEntry(zip, expected[0]!)), asnReceipt.sha256);
      assert.equal(zipEntry(zip, expected[2]!).toString('latin1'), asnAcks[0]!.body);
      assert.deepEqual(JSON.parse(zipEntry(zip, expected[4]!).toString('utf8')), asnDoc!.document);
      assert.equal(zipEntry(zip, 'mismatches/mismatches.csv').toString('utf8'), csv);

      const manifest = manifestOf(zip);
      assert.equal(manifest.format, 'dockside-archive');
      assert.equal(manifest.date, DAY);
      assert.equal(manifest.from, '2026-11-25T00:00:00.000Z');
      assert.equal(manifest.to, '2026-11-26T00:00:00.000Z');
      assert.equal(manifest.generatedAt, AFTER_THE_DAY.toISOString());
      assert.deepEqual(manifest.counts, result.counts);
      assert.deepEqual(
        manifest.entries.map((e) => e.path),
        expected.slice(0, 7),
      );
      for (const e of manifest.entries) {
        const bytes = zipEntry(zip, e.path);
        assert.equal(e.size, bytes.length, e.path);
        assert.equal(e.sha256, sha256(bytes), e.path);
      }
      const inbound = manifest.entries.filter((e) => e.kind === 'inbound');
      assert.deepEqual(
        inbound.map((e) => [e.receiptId, e.recordedSha256 === e.sha256, e.recordedSize === e.size]),
        [
          [asn, true, true],
          [invoice, true, true],
        ],
      );
      assert.equal(inbound[0]!.recordedSha256, asnReceipt.sha256);
      const ids = manifest.entries.map((e) => e.receiptId);
      assert.ok(!ids.includes(before) && !ids.includes(after), 'only the day itself is archived');

      const checked = checkSums(zip);
      assert.equal(checked.length, 8);
      assert.ok(checked.every((line) => line.endsWith(': OK')));
      assert.ok(checked.includes('manifest.json: OK'));
      assert.equal(spawnSync('unzip', ['-tq', zip]).status, 0);
    });

    it('still writes the archive when a blob is missing, and lists the receipt under missing', async () => {
      const h = harness(await engine.open());
      const gone = await received(h, 'acme', GOLDEN_856, 'gone.edi', '2026-11-25T08:00:00Z');
      const kept = await received(h, 'acme', GOLDEN_856, 'kept.edi', '2026-11-25T09:00:00Z');
      const goneReceipt = (await getReceipt(h.db, gone))!;
      rmSync(h.blobs.path(goneReceipt.blobKey));

      const result = await writeDayArchive(deps(h), { date: DAY, outDir: outDir(h), now: AFTER_THE_DAY });

      const missing: MissingInbound = {
        receiptId: gone,
        partnerId: 'acme',
        fileName: 'gone.edi',
        blobKey: goneReceipt.blobKey,
        sha256: goneReceipt.sha256,
        size: goneReceipt.size,
      };
      assert.deepEqual(result.missing, [missing]);
      assert.equal(result.counts.missing, 1);
      assert.equal(result.counts.inbound, 1);
      const manifest = manifestOf(result.path);
      assert.deepEqual(manifest.missing, [missing]);
      assert.deepEqual(
        manifest.entries.filter((e) => e.kind === 'inbound').map((e) => e.receiptId),
        [kept],
      );
      // The missing file's ack and document are still part of the day.
      assert.equal(manifest.counts.acks, 2);
      assert.equal(manifest.counts.documents, 2);
      assert.ok(!zipNames(result.path).some((n) => n.startsWith(`inbound/acme/${gone}-`)));
      checkSums(result.path);
    });

    it('reports a blob whose bytes no longer match its receipt as an error, with the sums of what it holds', async () => {
      const h = harness(await engine.open());
      const id = await received(h, 'acme', GOLDEN_856, 'asn.edi', '2026-11-25T08:00:00Z');
      const receipt = (await getReceipt(h.db, id))!;
      const altered = Buffer.from(GOLDEN_856.replace('SHP2026112001', 'SHP2026112999'), 'latin1');
      writeFileSync(h.blobs.path(receipt.blobKey), altered);

      const result = await writeDayArchive(deps(h), { date: DAY, outDir: outDir(h), now: AFTER_THE_DAY });

      const path = `inbound/acme/${id}-asn.edi`;
      const issue: ArchiveIssue = {
        code: 'inbound-checksum-mismatch',
        receiptId: id,
        path,
        message:
          `receipt ${id}: the blob holds ${altered.length} bytes with sha256 ${sha256(altered)}, ` +
          `the receipt recorded ${receipt.size} bytes with sha256 ${receipt.sha256}`,
        recordedSha256: receipt.sha256,
        actualSha256: sha256(altered),
        recordedSize: receipt.size,
        actualSize: altered.length,
      };
      assert.deepEqual(result.errors, [issue]);
      assert.equal(result.counts.errors, 1);
      const manifest = manifestOf(result.path);
      assert.deepEqual(manifest.errors, [issue]);
      const entry = manifest.entries.find((e) => e.path === path)!;
      assert.equal(entry.sha256, sha256(altered));
      assert.equal(entry.recordedSha256, receipt.sha256);
      assert.deepEqual(zipEntry(result.path, path), altered);
      checkSums(result.path);
    });

    it('names files of unidentified senders under _unidentified and keeps separators and newlines out of names', async () => {
      const h = harness(await engine.open());
      const bytes = Buffer.from('not x12 at all\n');
      const blob = await h.blobs.put(Readable.from([bytes]));
      const { receipt } = await insertReceipt(h.db, {
        channelKind: 'sftp-poll',
        channelId: 'unknown-drop',
        partnerId: null,
        remotePath: '/in/sub dir/odd\nname\\x.edi',
        fileName: null,
        size: blob.size,
        remoteMtime: null,
        sha256: blob.sha256,
        blobKey: blob.key,
        idempotencyKey: 'odd-name',
      });
      await h.db.query('update receipts set received_at = $2::timestamptz where id = $1', [
        receipt.id,
        '2026-11-25T12:00:00Z',
      ]);

      const result = await writeDayArchive(deps(h), { date: DAY, outDir: outDir(h), now: AFTER_THE_DAY });

      const name = `inbound/_unidentified/${receipt.id}-x.edi`;
      assert.deepEqual(zipNames(result.path), [name, 'manifest.json', 'SHA256SUMS']);
      assert.deepEqual(zipEntry(result.path, name), bytes);
      const [entry] = manifestOf(result.path).entries;
      assert.equal(entry!.partnerId, null);
      assert.equal(entry!.remotePath, '/in/sub dir/odd\nname\\x.edi');
      checkSums(result.path);
    });

    it('writes an archive with only the manifest for a day without files, marked incomplete while the day lasts', async () => {
      const h = harness(await engine.open());
      const result = await writeDayArchive(deps(h), {
        date: DAY,
        outDir: outDir(h),
        now: new Date('2026-11-25T15:00:00Z'),
      });
      assert.deepEqual(zipNames(result.path), ['manifest.json', 'SHA256SUMS']);
      assert.equal(result.dayComplete, false);
      const manifest = manifestOf(result.path);
      assert.deepEqual(manifest.entries, []);
      assert.equal(manifest.dayComplete, false);
      assert.deepEqual(checkSums(result.path), ['manifest.json: OK']);
    });

    it('leaves no partial archive and keeps the previous one when writing fails halfway', async () => {
      const h = harness(await engine.open());
      await received(h, 'acme', GOLDEN_856, 'asn.edi', '2026-11-25T08:00:00Z');
      const first = await writeDayArchive(deps(h), { date: DAY, outDir: outDir(h), now: AFTER_THE_DAY });
      const before = readFileSync(first.path);

      // A disk that fails after the first chunk of a blob.
      const failing: BlobStore = {
        ...h.blobs,
        has: (key) => h.blobs.has(key),
        size: (key) => h.blobs.size(key),
        readAll: (key) => h.blobs.readAll(key),
        put: (source) => h.blobs.put(source),
        read: () => {
          let sent = false;
          return new Readable({
            read() {
              if (sent) this.destroy(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }));
              else this.push(Buffer.from('ISA*00*'));
              sent = true;
            },
          });
        },
      };
      await assert.rejects(
        writeDayArchive(deps(h, failing), { date: DAY, outDir: outDir(h), now: AFTER_THE_DAY }),
        /EIO/,
      );
      assert.deepEqual(readdirSync(outDir(h)), [`dockside-archive-${DAY}.zip`]);
      assert.deepEqual(readFileSync(first.path), before);
    });

    it('refuses a date that is not a calendar day, or a day not begun', async () => {
      const h = harness(await engine.open());
      for (const date of ['2026-02-30', '2026-11-5', 'yesterday', '2026-13-01']) {
        await assert.rejects(
          writeDayArchive(deps(h), { date, outDir: outDir(h), now: AFTER_THE_DAY }),
          (e: unknown) => e instanceof GatewayError && e.code === 'usage' && e.message.includes(date),
        );
      }
      await assert.rejects(
        writeDayArchive(deps(h), { date: '2026-11-27', outDir: outDir(h), now: AFTER_THE_DAY }),
        (e: unknown) => e instanceof GatewayError && e.code === 'usage',
      );
    });
  });

  describe(`archive queries on ${engine.name}`, function () {
    this.timeout(60_000);

    it("pages through the day's rows by id, whatever order ids and times are in", async () => {
      const h = harness(await engine.open());
      const ids: number[] = [];
      for (let i = 0; i < 7; i++)
        ids.push(await received(h, 'acme', GOLDEN_856, `f${i}.edi`, `2026-11-25T0${i}:00:00Z`));
      // An id inside the day's id range that belongs to another day, and the day's first id moved last.
      await placeAt(h, ids[3]!, '2026-11-26T01:00:00Z');
      await placeAt(h, ids[0]!, '2026-11-25T23:00:00Z');
      const day = { from: '2026-11-25T00:00:00Z', to: '2026-11-26T00:00:00Z' };
      const expected = ids.filter((_, i) => i !== 3);

      for (const pageSize of [1, 2, 3, 100]) {
        const receipts = [];
        for await (const r of receiptsOfDay(h.db, day, { pageSize })) receipts.push(r.id);
        assert.deepEqual(receipts, expected, `page size ${pageSize}`);
        const acks = [];
        for await (const a of acknowledgmentsOfDay(h.db, day, { pageSize })) acks.push(a.receiptId);
        assert.deepEqual(acks, expected, `page size ${pageSize}`);
        const docs = [];
        for await (const d of documentsOfDay(h.db, day, { pageSize })) docs.push(d.receiptId);
        assert.deepEqual(docs, expected, `page size ${pageSize}`);
      }
    });

    it('finds the oldest day with a receipt, ack or document, and none in an empty store', async () => {
      const h = harness(await engine.open());
      assert.equal(await oldestDayWithData(h.db), undefined);
      const id = await received(h, 'acme', GOLDEN_856, 'a.edi', '2026-11-20T10:00:00Z');
      assert.equal(await oldestDayWithData(h.db), '2026-11-20');
      // A document older than any receipt (a clock that was wrong) still counts.
      await h.db.query('update documents set created_at = $2::timestamptz where receipt_id = $1', [
        id,
        '2026-11-18T23:59:59Z',
      ]);
      assert.equal(await oldestDayWithData(h.db), '2026-11-18');
    });
  });
}

describe('applyRetention', () => {
  const now = new Date('2026-11-26T12:00:00Z');

  function folder(names: string[]): string {
    const dir = mkdtempSync(join(tmpdir(), 'dockside-retention-'));
    for (const name of names) writeFileSync(join(dir, name), name);
    return dir;
  }

  it('removes archives whose day is older than keepDays and keeps everything else', async () => {
    const others = [
      'notes.txt',
      'dockside-archive-2026-11-01.zip.bak',
      'dockside-archive-2026-02-30.zip',
      '.dockside-archive-2026-11-01.zip.123-abc.part',
      'old-dockside-archive-2026-10-01.zip',
    ];
    const dir = folder([
      'dockside-archive-2026-10-31.zip',
      'dockside-archive-2026-11-22.zip',
      'dockside-archive-2026-11-23.zip',
      'dockside-archive-2026-11-26.zip',
      ...others,
    ]);
    mkdirSync(join(dir, 'dockside-archive-2026-10-01.zip'));

    const result = await applyRetention({}, { outDir: dir, keepDays: 3, now });

    assert.equal(result.keepFrom, '2026-11-23');
    assert.deepEqual(result.removed, [
      { path: join(dir, 'dockside-archive-2026-10-31.zip'), date: '2026-10-31' },
      { path: join(dir, 'dockside-archive-2026-11-22.zip'), date: '2026-11-22' },
    ]);
    assert.equal(result.kept, 2);
    assert.deepEqual(
      readdirSync(dir).sort(),
      [
        ...others,
        'dockside-archive-2026-10-01.zip',
        'dockside-archive-2026-11-23.zip',
        'dockside-archive-2026-11-26.zip',
      ].sort(),
    );
  });

  it("keeps only today's archive with keepDays 0, and nothing happens twice", async () => {
    const dir = folder(['dockside-archive-2026-11-25.zip', 'dockside-archive-2026-11-26.zip']);
    const first = await applyRetention({}, { outDir: dir, keepDays: 0, now });
    assert.deepEqual(
      first.removed.map((r) => r.date),
      ['2026-11-25'],
    );
    const second = await applyRetention({}, { outDir: dir, keepDays: 0, now });
    assert.deepEqual(second.removed, []);
    assert.deepEqual(readdirSync(dir), ['dockside-archive-2026-11-26.zip']);
  });

  it('returns nothing removed for a folder that does not exist, and refuses a negative or fractional keepDays', async () => {
    const missing = join(tmpdir(), `dockside-retention-none-${process.pid}-${Date.now()}`);
    assert.deepEqual(await applyRetention({}, { outDir: missing, keepDays: 3, now }), {
      keepFrom: '2026-11-23',
      removed: [],
      kept: 0,
    });
    const dir = folder(['dockside-archive-2026-01-01.zip']);
    for (const keepDays of [-1, 1.5, Number.NaN]) {
      await assert.rejects(
        applyRetention({}, { outDir: dir, keepDays, now }),
        (e: unknown) => e instanceof GatewayError && e.code === 'usage',
      );
    }
    assert.deepEqual(readdirSync(dir), ['dockside-archive-2026-01-01.zip']);
  });
});

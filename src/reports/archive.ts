// One UTC day's record as a zip: the files partners sent (from the blob store), the acks we answered with,
// the canonical documents the files became, the day's mismatch report, and a manifest with the sha256 of
// every entry as it went into the zip. It is what an auditor or a partner dispute asks for, and it has to be
// believable: sums are computed from the bytes written, a blob whose bytes no longer match its receipt is an
// error in the result, and a receipt whose blob is gone is listed rather than skipped in silence.
//
// Memory stays flat however busy the day: rows come a page at a time, blobs are streamed, and each entry is
// added only once the previous one is in the zip. The manifest's entry list is spooled to a file beside the
// archive and streamed back at the end.
import { ZipArchive } from 'archiver';
import { createHash, randomBytes, type Hash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  fsync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { GatewayError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { BlobStore } from '../store/blobs.ts';
import type { Queryable } from '../store/db.ts';
import { syncDir } from '../store/durable-file.ts';
import {
  acknowledgmentsOfDay,
  documentsOfDay,
  receiptsOfDay,
  type ArchivedReceipt,
  type DayRange,
} from '../store/queries/archive.ts';

export interface ArchiveDeps {
  db: Queryable;
  blobs: BlobStore;
  log?: Logger;
}

export interface ArchiveOptions {
  /** The UTC day, YYYY-MM-DD. */
  date: string;
  /** Where dockside-archive-<date>.zip is written (made when missing). */
  outDir: string;
  /** The day's mismatch report as CSV text; stored as mismatches/mismatches.csv when given. */
  mismatchReportCsv?: string;
  now: Date;
}

export type EntryKind = 'inbound' | 'ack' | 'document' | 'mismatches';

export interface ManifestEntry {
  path: string;
  kind: EntryKind;
  /** Bytes in the entry, and their sha256, as written into the zip. */
  size: number;
  sha256: string;
  receiptId?: number;
  /** Inbound files: what the receipt recorded when the file arrived. */
  recordedSize?: number;
  recordedSha256?: string;
  partnerId?: string | null;
  channelKind?: string;
  remotePath?: string | null;
  status?: string;
  receivedAt?: string;
  ackId?: number;
  kinds?: string;
  controlNumber?: string;
  deliveryStatus?: string;
  createdAt?: string;
  documentId?: number;
  type?: string;
  test?: boolean;
  poNumbers?: string[];
  shipmentId?: string | null;
  billOfLading?: string | null;
  invoiceNumber?: string | null;
}

/** A receipt whose bytes are no longer in the blob store. */
export interface MissingInbound {
  receiptId: number;
  partnerId: string | null;
  fileName: string | null;
  blobKey: string;
  sha256: string;
  size: number;
}

/** A problem with what was archived. The archive is still written; the caller decides what it means. */
export interface ArchiveIssue {
  code: 'inbound-checksum-mismatch';
  receiptId: number;
  path: string;
  message: string;
  recordedSha256: string;
  actualSha256: string;
  recordedSize: number;
  actualSize: number;
}

export interface ArchiveCounts {
  inbound: number;
  inboundBytes: number;
  acks: number;
  documents: number;
  mismatches: number;
  missing: number;
  errors: number;
}

export interface ArchiveResult {
  /** The archive written (outDir/dockside-archive-<date>.zip). */
  path: string;
  date: string;
  /** The zip's own size and sha256. */
  size: number;
  sha256: string;
  /** False when the day had not ended at `now`: files that arrive later in the day are not in it. */
  dayComplete: boolean;
  counts: ArchiveCounts;
  missing: MissingInbound[];
  errors: ArchiveIssue[];
}

export const ARCHIVE_NAME = /^dockside-archive-(\d{4}-\d{2}-\d{2})\.zip$/;

export function archiveFileName(date: string): string {
  return `dockside-archive-${date}.zip`;
}

const DAY_MS = 86_400_000;

/** The day's bounds; a usage error for anything but a real calendar date written YYYY-MM-DD. */
export function dayRange(date: string): DayRange {
  const start = parseDay(date);
  if (start === undefined) {
    throw new GatewayError('usage', `not a date (YYYY-MM-DD): ${JSON.stringify(date)}`, false);
  }
  return { from: new Date(start).toISOString(), to: new Date(start + DAY_MS).toISOString() };
}

/** Midnight UTC of a YYYY-MM-DD day in milliseconds; undefined when it is not one (2026-02-30 included). */
export function parseDay(date: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(ms).toISOString().slice(0, 10) === date ? ms : undefined;
}

export async function writeDayArchive(deps: ArchiveDeps, options: ArchiveOptions): Promise<ArchiveResult> {
  const day = dayRange(options.date);
  if (Date.parse(day.from) > options.now.getTime()) {
    throw new GatewayError('usage', `${options.date} has not begun yet: nothing to archive`, false);
  }
  mkdirSync(options.outDir, { recursive: true });
  const finalPath = join(options.outDir, archiveFileName(options.date));
  const tmpBase = join(
    options.outDir,
    `.${archiveFileName(options.date)}.${process.pid}-${randomBytes(6).toString('hex')}`,
  );
  const tmp = `${tmpBase}.part`;
  const spool = `${tmpBase}.entries`;
  try {
    const written = await writeZip(deps, options, day, tmp, spool);
    await fsyncFile(tmp);
    renameSync(tmp, finalPath);
    await syncDir(options.outDir);
    const result: ArchiveResult = { path: finalPath, date: options.date, ...written };
    deps.log?.info(
      { date: options.date, path: finalPath, counts: result.counts, size: result.size },
      'archive written',
    );
    return result;
  } finally {
    rmSync(tmp, { force: true });
    rmSync(spool, { force: true });
  }
}

async function writeZip(
  deps: ArchiveDeps,
  options: ArchiveOptions,
  day: DayRange,
  tmp: string,
  spoolPath: string,
): Promise<Omit<ArchiveResult, 'path' | 'date'>> {
  const spool = new Spool(spoolPath);
  const zip = new ZipArchive({ zlib: { level: 6 } });
  const zipHash = createHash('sha256');
  let zipSize = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      zipHash.update(chunk);
      zipSize += chunk.length;
      done(null, chunk);
    },
  });
  const out = createWriteStream(tmp, { flags: 'wx' });
  const written = pipeline(zip, measure, out);
  const entries = new EntryWriter(zip, written);
  // A warning from archiver (a file it cannot stat) never applies to appended streams; treat it as failure.
  zip.on('warning', (e) => zip.destroy(e));

  const counts: ArchiveCounts = {
    inbound: 0,
    inboundBytes: 0,
    acks: 0,
    documents: 0,
    mismatches: 0,
    missing: 0,
    errors: 0,
  };
  const missing: MissingInbound[] = [];
  const errors: ArchiveIssue[] = [];
  const generatedAt = options.now.toISOString();

  try {
    for await (const r of receiptsOfDay(deps.db, day)) {
      const path = `inbound/${partnerFolder(r.partnerId)}/${r.id}-${safeName(originalName(r))}`;
      const source = await openBlob(deps.blobs, r.blobKey);
      if (source === undefined) {
        missing.push({
          receiptId: r.id,
          partnerId: r.partnerId,
          fileName: r.fileName,
          blobKey: r.blobKey,
          sha256: r.sha256,
          size: r.size,
        });
        deps.log?.warn({ receiptId: r.id, blobKey: r.blobKey }, 'archive: the receipt has no blob');
        continue;
      }
      const hash = createHash('sha256');
      const tally = { size: 0 };
      await entries.add(Readable.from(hashing(source, hash, tally), { objectMode: false }), {
        name: path,
        date: r.receivedAt,
      });
      const sha256 = hash.digest('hex');
      spool.add({
        path,
        kind: 'inbound',
        size: tally.size,
        sha256,
        receiptId: r.id,
        recordedSize: r.size,
        recordedSha256: r.sha256,
        partnerId: r.partnerId,
        channelKind: r.channelKind,
        remotePath: r.remotePath,
        status: r.status,
        receivedAt: r.receivedAt.toISOString(),
      });
      counts.inbound++;
      counts.inboundBytes += tally.size;
      if (sha256 !== r.sha256 || tally.size !== r.size) {
        errors.push({
          code: 'inbound-checksum-mismatch',
          receiptId: r.id,
          path,
          message:
            `receipt ${r.id}: the blob holds ${tally.size} bytes with sha256 ${sha256}, ` +
            `the receipt recorded ${r.size} bytes with sha256 ${r.sha256}`,
          recordedSha256: r.sha256,
          actualSha256: sha256,
          recordedSize: r.size,
          actualSize: tally.size,
        });
        deps.log?.error({ receiptId: r.id, path }, 'archive: blob does not match its receipt');
      }
    }

    for await (const a of acknowledgmentsOfDay(deps.db, day)) {
      const name = `${a.id}-${a.kinds.replace(/\+/g, '-')}-${a.controlNumber}.x12`;
      const path = `acks/${partnerFolder(a.partnerId)}/${safeName(name)}`;
      // Acks are X12 in latin1, as they are delivered (src/transports/outbound.ts).
      const bytes = Buffer.from(a.body, 'latin1');
      await entries.add(bytes, { name: path, date: a.createdAt });
      spool.add({
        path,
        kind: 'ack',
        size: bytes.length,
        sha256: sha256Of(bytes),
        ackId: a.id,
        receiptId: a.receiptId,
        partnerId: a.partnerId,
        kinds: a.kinds,
        controlNumber: a.controlNumber,
        deliveryStatus: a.deliveryStatus,
        createdAt: a.createdAt.toISOString(),
      });
      counts.acks++;
    }

    for await (const d of documentsOfDay(deps.db, day)) {
      const path = `documents/${partnerFolder(d.partnerId)}/${safeName(d.type)}/${d.id}.json`;
      const bytes = Buffer.from(`${JSON.stringify(d.document, null, 2)}\n`, 'utf8');
      await entries.add(bytes, { name: path, date: d.createdAt });
      spool.add({
        path,
        kind: 'document',
        size: bytes.length,
        sha256: sha256Of(bytes),
        documentId: d.id,
        receiptId: d.receiptId,
        partnerId: d.partnerId,
        type: d.type,
        test: d.test,
        poNumbers: d.poNumbers,
        shipmentId: d.shipmentId,
        billOfLading: d.billOfLading,
        invoiceNumber: d.invoiceNumber,
        createdAt: d.createdAt.toISOString(),
      });
      counts.documents++;
    }

    if (options.mismatchReportCsv !== undefined) {
      const path = 'mismatches/mismatches.csv';
      const bytes = Buffer.from(options.mismatchReportCsv, 'utf8');
      await entries.add(bytes, { name: path, date: options.now });
      spool.add({ path, kind: 'mismatches', size: bytes.length, sha256: sha256Of(bytes) });
      counts.mismatches = 1;
    }
    spool.close();

    counts.missing = missing.length;
    counts.errors = errors.length;
    const dayComplete = options.now.getTime() >= Date.parse(day.to);
    const head = {
      format: 'dockside-archive',
      version: 1,
      date: options.date,
      from: day.from,
      to: day.to,
      generatedAt,
      dayComplete,
      counts,
      missing,
      errors,
    };
    const manifestHash = createHash('sha256');
    const manifestTally = { size: 0 };
    await entries.add(
      Readable.from(hashing(manifest(head, spool.path), manifestHash, manifestTally), { objectMode: false }),
      { name: 'manifest.json', date: options.now },
    );
    const manifestSum = `${manifestHash.digest('hex')}  manifest.json\n`;
    await entries.add(Readable.from(sums(spool.path, manifestSum), { objectMode: false }), {
      name: 'SHA256SUMS',
      date: options.now,
    });

    await zip.finalize();
    await written;
    return {
      size: zipSize,
      sha256: zipHash.digest('hex'),
      dayComplete,
      counts,
      missing,
      errors,
    };
  } catch (e) {
    try {
      spool.close();
    } catch {
      // The spool is removed with the temporary zip; the error that got us here is the one to report.
    }
    zip.destroy();
    await written.catch(() => undefined);
    // Database and blob errors are GatewayErrors already; a file-system error keeps its own code, which
    // isRetryable() understands.
    throw e;
  }
}

/** Adds entries one at a time: archiver queues whatever it is given, and a day's worth of open blob streams
 * would run out of file descriptors (and memory). The next entry goes in once archiver says the last is in. */
class EntryWriter {
  private waiting?: { resolve: () => void; reject: (e: unknown) => void };
  private failure: Error | undefined;

  constructor(
    private readonly zip: ZipArchive,
    written: Promise<void>,
  ) {
    zip.on('entry', () => {
      const w = this.waiting;
      this.waiting = undefined;
      w?.resolve();
    });
    written.catch((e: unknown) => {
      this.failure = e instanceof Error ? e : new Error(`the archive stream failed: ${String(e)}`);
      const w = this.waiting;
      this.waiting = undefined;
      w?.reject(this.failure);
    });
  }

  add(source: Readable | Buffer, data: { name: string; date: Date }): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      // archiver pipes a source without listening for its errors: a blob that fails mid-read would be an
      // uncaught error and an archive that never ends. It fails the whole archive instead.
      if (source instanceof Readable) source.on('error', (e) => this.zip.destroy(e));
      this.zip.append(source, data);
    });
  }
}

/** Manifest entries written to a file as they are made, one JSON object per line. */
class Spool {
  private readonly fd: number;
  private lines: string[] = [];
  private open = true;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'wx');
  }

  add(entry: ManifestEntry): void {
    this.lines.push(`${JSON.stringify(entry)}\n`);
    if (this.lines.length >= 1000) this.flush();
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
    }
  }

  private flush(): void {
    const bytes = Buffer.from(this.lines.join(''), 'utf8');
    this.lines = [];
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
  }
}

async function* spooled(path: string): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) if (line !== '') yield line;
}

/** manifest.json: the header fields, then `entries`, one per line so that a diff or grep stays readable. */
async function* manifest(head: object, spoolPath: string): AsyncGenerator<Buffer> {
  const top = JSON.stringify(head, null, 2);
  yield Buffer.from(`${top.slice(0, top.lastIndexOf('\n}'))},\n  "entries": [`, 'utf8');
  let first = true;
  for await (const line of spooled(spoolPath)) {
    yield Buffer.from(`${first ? '' : ','}\n    ${line}`, 'utf8');
    first = false;
  }
  yield Buffer.from(first ? ']\n}\n' : '\n  ]\n}\n', 'utf8');
}

/** SHA256SUMS as `sha256sum -c` reads it: every entry, then manifest.json. Names never need the format's
 * backslash escape: safeName() keeps newlines and backslashes out of them. */
async function* sums(spoolPath: string, manifestLine: string): AsyncGenerator<Buffer> {
  for await (const line of spooled(spoolPath)) {
    const e = JSON.parse(line) as ManifestEntry;
    yield Buffer.from(`${e.sha256}  ${e.path}\n`, 'utf8');
  }
  yield Buffer.from(manifestLine, 'utf8');
}

type Chunks = AsyncIterable<Buffer | string>;

/** The blob's bytes, or undefined when the blob is gone. The first chunk is read here so that a missing file
 * shows up as a missing entry instead of failing the archive halfway through writing it. */
async function openBlob(blobs: BlobStore, key: string): Promise<Chunks | undefined> {
  let stream: Readable;
  try {
    stream = blobs.read(key);
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw e;
  }
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  let first: IteratorResult<Buffer | string>;
  try {
    first = await it.next();
  } catch (e) {
    stream.destroy();
    if (isMissing(e)) return undefined;
    throw e;
  }
  return {
    async *[Symbol.asyncIterator]() {
      try {
        if (first.done) return;
        yield first.value;
        for (;;) {
          const next = await it.next();
          if (next.done) return;
          yield next.value;
        }
      } finally {
        stream.destroy();
      }
    },
  };
}

async function* hashing(source: Chunks, hash: Hash, tally: { size: number }): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (bytes.length === 0) continue;
    hash.update(bytes);
    tally.size += bytes.length;
    yield bytes;
  }
}

function isMissing(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || (e instanceof GatewayError && code === 'not-found');
}

function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Receipts without a partner (a file no partner's identity matched) still belong in the record. Partner ids
 * are lower-case letters, digits and dashes, so this folder cannot be a partner's. */
function partnerFolder(partnerId: string | null): string {
  return partnerId === null ? '_unidentified' : safeName(partnerId);
}

function originalName(r: ArchivedReceipt): string {
  if (r.fileName) return r.fileName;
  const base = r.remotePath?.split(/[\\/]/).pop();
  return base || 'file';
}

/** One path component: no separators, no control characters (a newline would break SHA256SUMS), and never
 * "." or "..". */
function safeName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = name.replace(/[\u0000-\u001f\u007f/\\]/g, '_');
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? '_' : cleaned;
}

const fsyncFd = promisify(fsync);

async function fsyncFile(path: string): Promise<void> {
  const fd = openSync(path, 'r');
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

// Purchase orders from the files an ERP exports to a folder: a header file and a line file (and optionally a
// receipts file), indexed by PO number in memory. Each lookup compares every file's size, mtime and inode with
// what was indexed and reads a changed file again, so a new export is seen at the next lookup without a
// watcher (which misses changes on network mounts, where such folders often live).
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { byteOrderMark, textDecoder } from '../csv/decode.ts';
import { CsvTokenizer } from '../csv/tokenizer.ts';
import type { PurchaseOrder } from '../documents/purchase-order.ts';
import { isRetryable } from '../errors.ts';
import type { ErpAdapter, ErpReceipt } from './adapter.ts';
import type { CsvExportErpOptions } from './config.ts';
import { erpDataInvalid, erpRefused, erpUnavailable } from './errors.ts';
import {
  buildPurchaseOrder,
  buildReceipt,
  compileDateFormats,
  type ErpRow,
  type ValueFormats,
} from './fields.ts';
import { erpSource } from './source.ts';

interface IndexedRow {
  line: number;
  cells: string[];
}

/** One file as last read. A problem that no PO can be blamed for (a missing column) fails every lookup. */
interface FileIndex {
  signature: string;
  columns: Map<string, number>;
  byPo: Map<string, IndexedRow[]>;
  problemsByPo: Map<string, string[]>;
  fileProblem?: string;
}

/** How many times a file that changes while it is read is read again before the lookup gives up (retryable). */
const READ_ATTEMPTS = 3;
const SETTLE_MS = 200;

class ExportFile {
  private current?: FileIndex;
  private loading?: Promise<FileIndex>;

  constructor(
    readonly name: string,
    private readonly path: string,
    /** The mapped columns this file must have, by field, and the one holding the PO number. */
    private readonly mapped: Record<string, string>,
    private readonly poColumn: string,
    private readonly options: CsvExportErpOptions,
  ) {}

  /** The index of the file as it is now on disk. Lookups running together share one read. */
  async index(): Promise<FileIndex> {
    const signature = await this.signature();
    if (this.current?.signature === signature) return this.current;
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async signature(): Promise<string> {
    try {
      const s = await stat(this.path, { bigint: true });
      return `${s.ino}:${s.size}:${s.mtimeNs}`;
    } catch (e) {
      throw this.failure(e);
    }
  }

  private failure(e: unknown) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return erpUnavailable(
        `ERP export ${this.path} does not exist (not exported yet, or the folder is not mounted)`,
        e,
      );
    }
    const message = `ERP export ${this.path} cannot be read (${code ?? String(e)})`;
    return isRetryable(e) ? erpUnavailable(message, e) : erpRefused('input-unreadable', message, e);
  }

  private async load(): Promise<FileIndex> {
    for (let attempt = 1; ; attempt++) {
      const before = await this.signature();
      let bytes: Buffer;
      try {
        bytes = await readFile(this.path);
      } catch (e) {
        throw this.failure(e);
      }
      // The ERP may be writing the file while it is read: only bytes read between two equal signatures count.
      if ((await this.signature()) === before) {
        this.current = this.parse(bytes, before);
        return this.current;
      }
      if (attempt === READ_ATTEMPTS) {
        throw erpUnavailable(`ERP export ${this.path} kept changing while it was read; it is being written`);
      }
      await new Promise((r) => setTimeout(r, SETTLE_MS));
    }
  }

  private parse(bytes: Buffer, signature: string): FileIndex {
    const decoder = textDecoder(byteOrderMark(bytes) ?? this.options.encoding ?? 'utf-8');
    const tokenizer = new CsvTokenizer({
      delimiter: this.options.delimiter ?? ',',
      quote: this.options.quote ?? '"',
    });
    const events = [...tokenizer.push(decoder.write(bytes) + decoder.end()), ...tokenizer.end()];
    const index: FileIndex = { signature, columns: new Map(), byPo: new Map(), problemsByPo: new Map() };
    const first = events[0];
    if (first === undefined) {
      index.fileProblem = `${this.name} is empty: it has no header row`;
      return index;
    }
    if (first.kind === 'problem') {
      index.fileProblem = `${this.name} line ${first.problemLine}: the header row cannot be read: ${first.message}`;
      return index;
    }
    first.cells.forEach((c, i) => {
      if (!index.columns.has(c.trim())) index.columns.set(c.trim(), i);
    });
    const missing = Object.entries(this.mapped).filter(([, column]) => !index.columns.has(column));
    if (missing.length > 0) {
      index.fileProblem =
        `${this.name} has no column ${missing.map(([f, c]) => `"${c}" (field ${f})`).join(', ')}; ` +
        `its columns are ${[...index.columns.keys()].map((c) => `"${c}"`).join(', ')}`;
      return index;
    }
    const poAt = index.columns.get(this.poColumn)!;
    const width = first.cells.length;
    const blame = (po: string | undefined, message: string) => {
      if (po === undefined || po === '') {
        // A broken row that names no PO could belong to any of them: no lookup can be trusted until it is fixed.
        index.fileProblem ??= message;
        return;
      }
      const list = index.problemsByPo.get(po) ?? [];
      list.push(message);
      index.problemsByPo.set(po, list);
    };
    for (const event of events.slice(1)) {
      const po = event.cells[poAt]?.trim();
      if (event.kind === 'problem') {
        blame(po, `${this.name} line ${event.problemLine}, column ${event.column}: ${event.message}`);
        continue;
      }
      if (event.cells.every((c) => c.trim() === '')) continue;
      if (event.cells.length > width) {
        blame(
          po,
          `${this.name} line ${event.line} has ${event.cells.length} values; the header row names ${width}`,
        );
        continue;
      }
      if (po === undefined || po === '') {
        blame(undefined, `${this.name} line ${event.line}: the PO number ("${this.poColumn}") is empty`);
        continue;
      }
      const rows = index.byPo.get(po) ?? [];
      rows.push({ line: event.line, cells: event.cells });
      index.byPo.set(po, rows);
    }
    return index;
  }

  /** The rows of a PO, or the error that keeps them from being trusted. */
  rowsOf(index: FileIndex, poNumber: string): ErpRow[] {
    if (index.fileProblem) throw erpDataInvalid(`ERP export: ${index.fileProblem}`);
    const problems = index.problemsByPo.get(poNumber);
    if (problems) throw erpDataInvalid(`PO ${poNumber}: ${problems.join('; ')}`);
    return (index.byPo.get(poNumber) ?? []).map((row) => ({
      get: (column: string) => row.cells[index.columns.get(column)!] ?? '',
      where: `${this.name} line ${row.line}`,
      trace: { line: row.line },
    }));
  }
}

export function openCsvExportAdapter(options: CsvExportErpOptions): ErpAdapter {
  const dates = compileDateFormats(options.dateFormats ?? []);
  if (typeof dates === 'string') throw erpRefused('config-invalid', `erp.dateFormats: ${dates}`);
  const formats: ValueFormats = {
    decimalSeparator: options.decimalSeparator ?? '.',
    thousandsSeparator: options.thousandsSeparator ?? '',
    dates,
  };
  const { fields } = options;
  const file = (f: { file: string }, mapped: Record<string, string | undefined>) =>
    new ExportFile(
      f.file,
      join(options.folder, f.file),
      Object.fromEntries(Object.entries(mapped).filter((e): e is [string, string] => e[1] !== undefined)),
      mapped.poNumber!,
      options,
    );
  const headers = file(options.headers, fields.header);
  const lines = file(options.lines, fields.line);
  const receipts = options.receipts && fields.receipt ? file(options.receipts, fields.receipt) : undefined;

  const adapter: ErpAdapter = {
    kind: 'csv-export',
    async purchaseOrder(poNumber: string): Promise<PurchaseOrder | undefined> {
      const [h, l] = await Promise.all([headers.index(), lines.index()]);
      const headerRows = headers.rowsOf(h, poNumber);
      const lineRows = lines.rowsOf(l, poNumber);
      if (headerRows.length === 0) {
        if (lineRows.length === 0) return undefined;
        throw erpDataInvalid(
          `PO ${poNumber}: ${lines.name} has lines for it (${lineRows[0]!.where}) but ${headers.name} has no header row`,
        );
      }
      if (headerRows.length > 1) {
        throw erpDataInvalid(
          `PO ${poNumber}: ${headers.name} has ${headerRows.length} header rows for it (${headerRows.map((r) => r.where).join(', ')})`,
        );
      }
      const header = headerRows[0]!;
      return buildPurchaseOrder(poNumber, header, lineRows, {
        mapping: fields,
        formats,
        ...(options.partnerId === undefined ? {} : { partnerId: options.partnerId }),
        source: erpSource('csv-export', headers.name, header.trace!.line),
      });
    },
    async close() {},
  };
  if (receipts && fields.receipt) {
    const mapping = fields.receipt;
    adapter.receipts = async (poNumber: string): Promise<ErpReceipt[]> => {
      const rows = receipts.rowsOf(await receipts.index(), poNumber);
      return rows.map((row, i) => buildReceipt(poNumber, row, i, mapping, formats));
    };
  }
  return adapter;
}

// A partner's CSV file -> canonical documents and issues. Bytes go in as they arrive (decoded, split into
// records, each record read into fields by the mapping); rows are grouped into documents as they come, and
// the documents are built at the end, since a group's rows need not be next to each other. A row with an
// error is kept out with an issue at its line and column, and so is the document it belongs to: a ship notice
// or an invoice with a line missing would show finance a mismatch that is not there.
import type { AdvanceShipNotice } from '../documents/advance-ship-notice.ts';
import type { Invoice } from '../documents/invoice.ts';
import { buildInvoice } from './build-invoice.ts';
import { buildShipNotice } from './build-ship-notice.ts';
import type { BuildContext, CsvRow, CsvValue } from './build.ts';
import { byteOrderMark, REPLACEMENT, textDecoder, type TextDecoder } from './decode.ts';
import { CSV_FIELDS, DOCUMENT_NOUNS } from './fields.ts';
import { csvIssue, type CsvIssue, type CsvIssueCode } from './issues.ts';
import type { CsvColumn, CsvFieldSource, CsvMapping } from './mapping.ts';
import { CsvTokenizer, type CsvEvent, type CsvRecord, type CsvSyntaxProblem } from './tokenizer.ts';
import { compileDateFormat, readValue, type DateFormat, type ValueFormats } from './values.ts';

export type CsvDocument = AdvanceShipNotice | Invoice;

export interface CsvMapResult {
  /** The documents whose every row was read, in the order their first rows appear. */
  documents: CsvDocument[];
  /** Every problem, in the order found; the documents kept out are named in them. */
  issues: CsvIssue[];
  /** Data rows seen (the header and skipped lines not counted). */
  rows: number;
}

export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** A whole file in memory. The bytes are only read. */
export function mapCsvFile(
  bytes: Uint8Array,
  fileName: string,
  mapping: CsvMapping,
  partnerId: string,
): CsvMapResult {
  const reader = new CsvFileReader(fileName, mapping, partnerId);
  reader.push(bytes);
  return reader.end();
}

/** A file as a stream of chunks, of any size and cut anywhere. */
export async function mapCsvStream(
  source: ByteSource,
  fileName: string,
  mapping: CsvMapping,
  partnerId: string,
): Promise<CsvMapResult> {
  const reader = new CsvFileReader(fileName, mapping, partnerId);
  for await (const chunk of source) reader.push(chunk);
  return reader.end();
}

interface Group {
  label: string;
  rows: CsvRow[];
  /** Lines of the rows kept out. */
  badLines: number[];
  firstLine: number;
}

/** A field's source resolved to a cell index (or a constant). */
interface ResolvedField {
  name: string;
  source: CsvFieldSource;
  index?: number;
}

export class CsvFileReader {
  private readonly decoder: TextDecoder;
  private readonly tokenizer: CsvTokenizer;
  private readonly formats: ValueFormats;
  private readonly noun: string;
  private readonly issues: CsvIssue[] = [];
  private readonly groups = new Map<string, Group>();
  /** Rows kept out that no document could be told for: every document may be missing one. */
  private readonly unplaced: number[] = [];
  private header: string[] | undefined;
  /** The header could not be matched with the mapping: nothing of the file is read. */
  private halted = false;
  private groupIndexes: number[] = [];
  private documentFields: ResolvedField[] = [];
  private lineFields: ResolvedField[] = [];
  /** Without a header row, the fewest values a row must have for every mapped column. */
  private minimumCells = 0;
  private rows = 0;
  /** The first bytes, and the chunks held until there are three, to look for a byte order mark. */
  private readonly firstBytes: number[] = [];
  private readonly pending: Uint8Array[] = [];

  constructor(
    private readonly fileName: string,
    private readonly mapping: CsvMapping,
    private readonly partnerId: string,
  ) {
    this.decoder = textDecoder(mapping.encoding);
    this.tokenizer = new CsvTokenizer(mapping);
    const dates = mapping.dateFormats
      .map(compileDateFormat)
      .filter((f): f is DateFormat => typeof f !== 'string');
    this.formats = { ...mapping, dates };
    this.noun = DOCUMENT_NOUNS[mapping.produces].replace(/^an? /, '');
    if (!mapping.headerRow) this.resolve((c) => (c as number) - 1);
  }

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.firstBytes.length < 3) {
      this.firstBytes.push(...bytes.subarray(0, 3 - this.firstBytes.length));
      if (this.firstBytes.length < 3) {
        this.pending.push(bytes);
        return;
      }
      this.checkByteOrderMark();
      for (const held of this.pending.splice(0)) this.decode(held);
    }
    this.decode(bytes);
  }

  private decode(bytes: Uint8Array): void {
    if (!this.halted) this.handle(this.tokenizer.push(this.decoder.write(bytes)));
  }

  /** A file that says by its first bytes that it is in another encoding than the mapping's is not read. */
  private checkByteOrderMark(): void {
    const declared = byteOrderMark(this.firstBytes);
    if (declared === undefined || declared === this.mapping.encoding) return;
    this.halted = true;
    this.issue(
      'invalid-encoding',
      `the file starts with the byte order mark of ${declared}, but the mapping ${this.mapping.name} reads ` +
        `${this.mapping.encoding}; set its encoding to ${declared}; no row of the file is read`,
      1,
    );
  }

  end(): CsvMapResult {
    if (this.firstBytes.length < 3) {
      this.checkByteOrderMark();
      for (const held of this.pending.splice(0)) this.decode(held);
    }
    if (!this.halted) this.handle(this.tokenizer.push(this.decoder.end()));
    this.handle(this.tokenizer.end());
    if (this.mapping.headerRow && !this.header && !this.halted) {
      this.issue('header-missing', 'the file has no header row: it is empty', this.mapping.skipLines + 1);
    } else if (this.rows === 0 && !this.halted) {
      this.issue('no-rows', 'the file has no rows', this.mapping.skipLines + (this.header ? 2 : 1));
    }
    return { documents: this.halted ? [] : this.build(), issues: this.issues, rows: this.rows };
  }

  private handle(events: CsvEvent[]): void {
    for (const e of events) {
      if (this.halted || e.line <= this.mapping.skipLines) continue;
      if (this.mapping.headerRow && !this.header) this.readHeader(e);
      else if (e.kind === 'problem') this.readBroken(e);
      else this.readRow(e);
    }
  }

  private readHeader(e: CsvEvent): void {
    if (e.kind === 'problem') {
      this.halted = true;
      this.issue(
        'csv-syntax',
        `the header row cannot be read: ${e.message}; no row of the file is read`,
        e.line,
        {
          column: e.column,
        },
      );
      return;
    }
    const names = e.cells.map((c) => c.trim());
    this.header = names;
    const missing: string[] = [];
    this.resolve((column) => {
      const name = String(column);
      let at = names.flatMap((n, i) => (n === name ? [i] : []));
      if (at.length === 0) at = names.flatMap((n, i) => (n.toLowerCase() === name.toLowerCase() ? [i] : []));
      if (at.length === 1) return at[0]!;
      if (!missing.includes(name)) {
        missing.push(name);
        this.issue(
          'header-column-missing',
          at.length === 0
            ? `the header row has no column ${name}, which the mapping ${this.mapping.name} reads; ` +
                `its columns are: ${names.join(', ')}; no row of the file is read`
            : `the header row names ${name} ${at.length} times (columns ${at.map((i) => i + 1).join(', ')}); ` +
                `no row of the file is read`,
          e.line,
          { column: name },
        );
      }
      return -1;
    });
    if (missing.length > 0) this.halted = true;
  }

  /** Cell indexes for the grouping columns and every field read from a column. */
  private resolve(indexOf: (column: CsvColumn) => number): void {
    this.groupIndexes = this.mapping.groupBy.map(indexOf);
    const fields = (sources: Record<string, CsvFieldSource>): ResolvedField[] =>
      Object.entries(sources).map(([name, source]) =>
        'column' in source ? { name, source, index: indexOf(source.column) } : { name, source },
      );
    this.documentFields = fields(this.mapping.documentFields);
    this.lineFields = fields(this.mapping.lineFields);
    const indexes = [
      ...this.groupIndexes,
      ...[...this.documentFields, ...this.lineFields].map((f) => f.index ?? -1),
    ];
    this.minimumCells = Math.max(0, ...indexes) + 1;
  }

  /** How issue locations name a column: by its header name, or by its number. */
  private columnName(index: number): string | number {
    return this.header?.[index] || index + 1;
  }

  /** How messages name a column: `column "Ship Date"`, or `column 7`. */
  private columnText(index: number): string {
    const name = this.columnName(index);
    return typeof name === 'string' ? `column "${name}"` : `column ${name}`;
  }

  /** The document a row belongs to, when its grouping values can be read. */
  private groupOf(cells: string[]): { key: string; label: string } | undefined {
    const values = this.groupIndexes.map((i) => cells[i]?.trim() ?? '');
    if (values.some((v) => v === '')) return undefined;
    return { key: values.join('\u0000'), label: `${this.noun} ${values.join(' / ')}` };
  }

  private readBroken(e: CsvSyntaxProblem): void {
    this.rows++;
    const group = this.groupOf(e.cells);
    this.rowIssue(
      'csv-syntax',
      `${this.columnText(e.column - 1)}: ${e.message}`,
      e.line,
      group,
      this.columnName(e.column - 1),
    );
    this.keepOut(e.line, group);
  }

  private readRow(e: CsvRecord): void {
    const cells = e.cells;
    // A row of delimiters only ("; ; ;", as spreadsheets export blank rows) carries nothing to read.
    if (cells.every((c) => c.trim() === '')) return;
    this.rows++;
    const group = this.groupOf(cells);
    const expected = this.header?.length;
    if (expected !== undefined ? cells.length !== expected : cells.length < this.minimumCells) {
      const message =
        expected !== undefined
          ? `the row has ${cells.length} values, the header has ${expected} columns`
          : `the row has ${cells.length} values, the mapping reads column ${this.minimumCells}`;
      this.rowIssue('column-count', message, e.line, group);
      this.keepOut(e.line, group);
      return;
    }
    const before = this.issues.length;
    cells.forEach((cell, i) => {
      if (cell.includes(REPLACEMENT)) {
        this.rowIssue(
          'invalid-encoding',
          `${this.columnText(i)} holds bytes that are not ${this.mapping.encoding} text; is the file in another encoding? ` +
            `The mapping's encoding says which`,
          e.line,
          group,
          this.columnName(i),
        );
      }
    });
    if (!group) {
      const empty = this.groupIndexes
        .filter((i) => (cells[i]?.trim() ?? '') === '')
        .map((i) => this.columnText(i));
      this.issue(
        'group-value-missing',
        `${empty.join(', ')} ${empty.length > 1 ? 'are' : 'is'} empty, so the row belongs to no ${this.noun}; ` +
          `as it may belong to any, no ${this.noun} of this file is produced`,
        e.line,
        { column: this.columnName(this.groupIndexes.find((i) => (cells[i]?.trim() ?? '') === '')!) },
      );
    }
    const known = group ? this.groups.get(group.key) : undefined;
    const isFirst = group !== undefined && known === undefined;
    const documentValues = this.readFields(this.documentFields, 'document', cells, e.line, group, isFirst);
    const lineValues = this.readFields(this.lineFields, 'line', cells, e.line, group, true);
    if (this.issues.length > before && this.issues.slice(before).some((i) => i.severity === 'error')) {
      this.keepOut(e.line, group);
      return;
    }
    if (!group) return;
    const target = this.groupFor(group, e.line);
    if (known) this.compareDocumentFields(target, documentValues, e.line, group.label);
    // Only a document's first row gives its fields; a later row's were needed only for the comparison.
    target.rows.push({ line: e.line, document: known ? {} : documentValues, values: lineValues });
  }

  private readFields(
    fields: ResolvedField[],
    level: 'document' | 'line',
    cells: string[],
    line: number,
    group: { label: string } | undefined,
    checkRequired: boolean,
  ): Record<string, CsvValue> {
    const table = CSV_FIELDS[this.mapping.produces][level];
    const out: Record<string, CsvValue> = {};
    for (const f of fields) {
      const info = table[f.name]!;
      const column = f.index === undefined ? undefined : this.columnName(f.index);
      const named = f.index === undefined ? f.name : this.columnText(f.index);
      let raw = 'value' in f.source ? f.source.value : (cells[f.index!] ?? '').trim();
      if (raw === '' && 'default' in f.source && f.source.default !== undefined) raw = f.source.default;
      if (raw === '') {
        if (info.required && checkRequired) {
          this.rowIssue(
            'required-value-missing',
            `${named} is empty, but ${f.name} needs a value`,
            line,
            group,
            column,
          );
        }
        continue;
      }
      const value = readValue(raw, info.type, this.formats);
      if (typeof value === 'object') {
        this.rowIssue('invalid-value', `${named}: "${raw}" ${value.problem}`, line, group, column, raw);
      } else out[f.name] = value;
    }
    for (const f of fields) {
      const needs = table[f.name]!.needs;
      if (needs !== undefined && out[f.name] !== undefined && out[needs] === undefined) {
        const other = fields.find((g) => g.name === needs);
        const column = other?.index === undefined ? undefined : this.columnName(other.index);
        this.rowIssue(
          'required-value-missing',
          `${other?.index === undefined ? needs : this.columnText(other.index)} is empty, but ${f.name} needs it`,
          line,
          group,
          column,
        );
      }
    }
    return out;
  }

  /** Document fields come from a document's first row; a later row that says otherwise is pointed out. */
  private compareDocumentFields(
    group: Group,
    values: Record<string, CsvValue>,
    line: number,
    label: string,
  ): void {
    const first = group.rows[0];
    if (!first) return;
    for (const f of this.documentFields) {
      const value = values[f.name];
      if (value === undefined || value === first.document[f.name] || f.index === undefined) continue;
      const was = first.document[f.name];
      this.issue(
        'value-differs',
        `${this.columnText(f.index)}: ${f.name} is ${String(value)} here but ${was === undefined ? 'empty' : String(was)} on line ` +
          `${first.line}, the first row of ${label}; the first row's value is kept`,
        line,
        { column: this.columnName(f.index), document: label, data: String(value) },
      );
    }
  }

  private groupFor(group: { key: string; label: string }, line: number): Group {
    let g = this.groups.get(group.key);
    if (!g) {
      g = { label: group.label, rows: [], badLines: [], firstLine: line };
      this.groups.set(group.key, g);
    }
    return g;
  }

  private keepOut(line: number, group: { key: string; label: string } | undefined): void {
    if (group) this.groupFor(group, line).badLines.push(line);
    else this.unplaced.push(line);
  }

  /** An issue of a row, saying what becomes of the document it belongs to. */
  private rowIssue(
    code: CsvIssueCode,
    message: string,
    line: number,
    group: { label: string } | undefined,
    column?: string | number,
    data?: string,
  ): void {
    const fate = group
      ? `; the row belongs to ${group.label}, which is not produced without it`
      : `; which ${this.noun} the row belongs to cannot be told, so no ${this.noun} of this file is produced`;
    this.issue(code, `${message}${fate}`, line, {
      ...(column !== undefined ? { column } : {}),
      ...(data !== undefined ? { data } : {}),
      ...(group ? { document: group.label } : {}),
    });
  }

  private issue(
    code: CsvIssueCode,
    message: string,
    line: number,
    extra: { column?: string | number; data?: string; document?: string } = {},
  ): void {
    const location = {
      fileName: this.fileName,
      line,
      ...(extra.column !== undefined ? { column: extra.column } : {}),
    };
    this.issues.push(csvIssue(code, message, location, extra));
  }

  private build(): CsvDocument[] {
    const documents: CsvDocument[] = [];
    for (const g of this.groups.values()) {
      const read = g.rows.map((r) => r.line);
      const incomplete =
        read.length > 0
          ? `, and the ${this.noun} would be incomplete without ${g.badLines.length > 1 ? 'them' : 'it'}`
          : '';
      if (g.badLines.length > 0) {
        this.issue(
          'document-incomplete',
          `${g.label} is not produced: ${rowsOnLines(g.badLines)} could not be read${incomplete}`,
          g.firstLine,
          { document: g.label },
        );
        continue;
      }
      if (this.unplaced.length > 0) {
        this.issue(
          'document-incomplete',
          `${g.label} (${rowsOnLines(read)}) is not produced: ${rowsOnLines(this.unplaced)} could not be ` +
            `placed in any ${this.noun} and may belong to it`,
          g.firstLine,
          { document: g.label },
        );
        continue;
      }
      const ctx: BuildContext = {
        partnerId: this.partnerId,
        fileName: this.fileName,
        mapping: this.mapping,
        label: g.label,
        issue: (code, message, line, field, data) => {
          const f = this.lineFields.find((l) => l.name === field);
          this.issue(
            code,
            f?.index !== undefined ? `${this.columnText(f.index)}: ${message}` : message,
            line,
            {
              document: g.label,
              ...(f?.index !== undefined ? { column: this.columnName(f.index) } : {}),
              ...(data !== undefined ? { data } : {}),
            },
          );
        },
      };
      documents.push(
        this.mapping.produces === 'invoice' ? buildInvoice(ctx, g.rows) : buildShipNotice(ctx, g.rows),
      );
    }
    return documents;
  }
}

function rowsOnLines(lines: number[]): string {
  return lines.length === 1 ? `the row on line ${lines[0]!}` : `the rows on lines ${lines.join(', ')}`;
}

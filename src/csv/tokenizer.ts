// Text in, CSV records out, incrementally: chunks may end anywhere, inside a quoted value or between a CR and
// its LF. Written here rather than taken from csv-parse because csv-parse 7.0.3, asked to skip a record with
// broken quoting and go on (skip_records_with_error), stays inside the broken quote and silently swallows the
// valid rows that follow it; its relax_quotes mode instead reads `"bad"x` as a value. Here a record with
// broken quoting becomes a problem at its line and reading resumes on the next line, so no row is ever lost
// unseen.

export interface CsvDialect {
  /** One character. */
  delimiter: string;
  /** One character; a quote inside a quoted value is written twice. */
  quote: string;
  /** Lines at the start that are not part of the table, passed over as lines: a quote in a title cannot
   * open a value that runs into the table. */
  skipLines?: number;
}

/** A record: its cells as written (quotes removed, doubled quotes undone), and the lines it spans. */
export interface CsvRecord {
  kind: 'record';
  /** 1-based line on which the record starts. */
  line: number;
  /** 1-based line on which it ends (later than `line` when a quoted value holds line breaks). */
  endLine: number;
  cells: string[];
}

/** A record that could not be read. `cells` holds the values read before the problem. */
export interface CsvSyntaxProblem {
  kind: 'problem';
  /** The line on which the record starts. */
  line: number;
  /** The line on which the problem is. */
  problemLine: number;
  /** 1-based position of the value in which the problem is. */
  column: number;
  message: string;
  /** Values of the record read before the problem. */
  cells: string[];
}

export type CsvEvent = CsvRecord | CsvSyntaxProblem;

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  /** A quote seen inside a quoted value: the end of the value, or the first of a doubled quote. */
  QuoteInQuoted,
  /** After a problem, or in the lines skipped at the start: everything up to the end of the line. */
  SkipLine,
}

function shown(c: string): string {
  if (c === '\t') return 'a tab';
  if (c === ' ') return 'a space';
  return `"${c}"`;
}

export class CsvTokenizer {
  private readonly delimiter: string;
  private readonly quote: string;
  private state = State.FieldStart;
  private cells: string[] = [];
  private field = '';
  /** The line the next character is on. */
  private line = 1;
  private recordLine = 1;
  /** The last character was a CR: a following LF belongs to the same line break. */
  private afterCr = false;
  /** Where the open quoted value began, and its text as written since: to resume after a quote left open. */
  private quoteLine = 0;
  private quotedRaw = '';
  private events: CsvEvent[] = [];
  private readonly skipLines: number;

  constructor(dialect: CsvDialect) {
    if ([...dialect.delimiter].length !== 1 || [...dialect.quote].length !== 1) {
      throw new RangeError('the delimiter and the quote are one character each');
    }
    if (dialect.delimiter === dialect.quote) throw new RangeError('the delimiter and the quote must differ');
    if (/[\r\n]/.test(dialect.delimiter + dialect.quote)) {
      throw new RangeError('a line break cannot be a delimiter or a quote');
    }
    this.delimiter = dialect.delimiter;
    this.quote = dialect.quote;
    this.skipLines = dialect.skipLines ?? 0;
    if (this.skipLines > 0) this.state = State.SkipLine;
  }

  /** The records (and problems) completed by this text. */
  push(text: string): CsvEvent[] {
    this.scan(text);
    const out = this.events;
    this.events = [];
    return out;
  }

  /** The last record, and the problem of a quoted value still open at the end of the input. */
  end(): CsvEvent[] {
    // A loop, not recursion: a file of many quotes left open would otherwise nest a call per quote.
    while (this.state === State.Quoted) {
      this.events.push(
        this.problem(
          this.quoteLine,
          `a quoted value opened on line ${this.quoteLine} is not closed before the end of the file; ` +
            `reading resumes on line ${this.quoteLine + 1}`,
        ),
      );
      this.scan(this.replayAfterQuoteLine(''));
    }
    if (this.state === State.Unquoted || this.state === State.QuoteInQuoted) this.endRecord();
    else if (this.state === State.FieldStart && this.cells.length > 0) this.endRecord();
    const out = this.events;
    this.events = [];
    return out;
  }

  private scan(text: string): void {
    // Text to read again after a quote left open is read before the rest of the text it was found in; kept
    // on a stack rather than spliced into the text, so that a file of many such quotes stays linear.
    const work: { text: string; at: number }[] = [{ text, at: 0 }];
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const replay = this.scanFrom(top.text, top.at);
      if (replay === undefined) work.pop();
      else {
        top.at = replay.resumeAt;
        if (replay.text) work.push({ text: replay.text, at: 0 });
      }
    }
  }

  /** Reads `input` from `start` to its end, or until lines must be read again: then returns them, and where
   * to go on after. */
  private scanFrom(input: string, start: number): { text: string; resumeAt: number } | undefined {
    const { delimiter, quote } = this;
    const length = input.length;
    let i = start;
    while (i < length) {
      const c = input[i]!;
      if (this.afterCr) {
        this.afterCr = false;
        if (c === '\n') {
          if (this.state === State.Quoted) {
            this.quotedRaw += c;
            this.field += c;
          }
          i++;
          continue;
        }
      }
      const lineBreak = c === '\n' || c === '\r';
      switch (this.state) {
        case State.FieldStart:
          if (c === quote) {
            this.state = State.Quoted;
            this.quoteLine = this.line;
            this.quotedRaw = '';
          } else if (c === delimiter) this.cells.push('');
          else if (lineBreak) {
            this.endRecord();
            this.newLine(c);
          } else {
            // The value's text is taken below as one slice, not character by character.
            this.state = State.Unquoted;
            continue;
          }
          break;
        case State.Unquoted: {
          let end = i;
          while (end < length) {
            const x = input[end];
            if (x === delimiter || x === quote || x === '\n' || x === '\r') break;
            end++;
          }
          if (end > i) this.field += input.slice(i, end);
          if (end === length) return undefined;
          i = end;
          const stop = input[i]!;
          if (stop === delimiter) {
            this.cells.push(this.field);
            this.field = '';
            this.state = State.FieldStart;
          } else if (stop === quote) {
            this.fail(
              `a quote inside a value that does not start with one; quote the whole value and write the quote twice`,
            );
          } else {
            this.endRecord();
            this.newLine(stop);
          }
          break;
        }
        case State.Quoted: {
          const close = input.indexOf(quote, i);
          const end = close < 0 ? length : close;
          if (end > i) {
            const run = input.slice(i, end);
            this.field += run;
            this.quotedRaw += run;
            this.countLineBreaks(run);
          }
          if (close < 0) return undefined;
          this.afterCr = false;
          this.quotedRaw += quote;
          this.state = State.QuoteInQuoted;
          i = close;
          break;
        }
        case State.QuoteInQuoted:
          if (c === quote) {
            this.quotedRaw += c;
            this.field += c;
            this.state = State.Quoted;
          } else if (c === delimiter) {
            this.cells.push(this.field);
            this.field = '';
            this.state = State.FieldStart;
          } else if (lineBreak) {
            this.endRecord();
            this.newLine(c);
          } else if (this.quoteLine < this.line) {
            // A value that runs over lines and then breaks was most likely never meant to: a quote left
            // open that a later one seemed to close. Read the lines it swallowed again as rows.
            this.events.push(
              this.problem(
                this.line,
                `a quoted value opened on line ${this.quoteLine} runs to line ${this.line}, where it is ` +
                  `followed by ${shown(c)}; it was probably not closed on its own line; ` +
                  `reading resumes on line ${this.quoteLine + 1}`,
              ),
            );
            return { text: this.replayAfterQuoteLine(c), resumeAt: i + 1 };
          } else {
            this.fail(
              `the quoted value is followed by ${shown(c)} instead of a delimiter or the end of the line; ` +
                `a quote inside a quoted value is written twice`,
            );
          }
          break;
        case State.SkipLine: {
          let end = i;
          while (end < length && input[end] !== '\n' && input[end] !== '\r') end++;
          if (end === length) return undefined;
          i = end;
          this.reset(this.line + 1);
          this.newLine(input[i]!);
          if (this.line <= this.skipLines) this.state = State.SkipLine;
          break;
        }
      }
      i++;
    }
    return undefined;
  }

  /** A line break read outside a quoted value. */
  private newLine(c: string): void {
    this.line++;
    this.afterCr = c === '\r';
  }

  /** Line breaks inside a quoted value: CR, LF and CRLF count once each, also when a chunk splits a CRLF. */
  private countLineBreaks(run: string): void {
    for (let k = 0; k < run.length; k++) {
      const x = run.charCodeAt(k);
      if (x === 13) {
        this.line++;
        this.afterCr = true;
      } else {
        if (x === 10 && !this.afterCr) this.line++;
        this.afterCr = false;
      }
    }
  }

  /** Forgets the record holding the open quoted value; returns what follows the quote's line, to reread. */
  private replayAfterQuoteLine(pending: string): string {
    const raw = this.quotedRaw + pending;
    const from = this.quoteLine;
    this.reset(from + 1);
    this.line = from + 1;
    this.afterCr = false;
    const lineBreak = raw.search(/\r\n?|\n/);
    return lineBreak < 0 ? '' : raw.slice(lineBreak + (raw.startsWith('\r\n', lineBreak) ? 2 : 1));
  }

  private endRecord(): void {
    this.cells.push(this.field);
    // A line with nothing on it carries no row; one with only delimiters does, and is the reader's to judge.
    const empty = this.cells.length === 1 && this.cells[0] === '' && this.state === State.FieldStart;
    if (!empty) {
      this.events.push({ kind: 'record', line: this.recordLine, endLine: this.line, cells: this.cells });
    }
    this.reset(this.line + 1);
  }

  /** A problem on the current line; a record that started on an earlier one says where it is. */
  private fail(message: string): void {
    const at = this.line === this.recordLine ? '' : ` (on line ${this.line})`;
    this.events.push(this.problem(this.line, `${message}${at}`));
    this.state = State.SkipLine;
  }

  private problem(problemLine: number, message: string): CsvSyntaxProblem {
    return {
      kind: 'problem',
      line: this.recordLine,
      problemLine,
      column: this.cells.length + 1,
      message,
      cells: this.cells,
    };
  }

  /** Ready for a record that starts on `line`. */
  private reset(line: number): void {
    this.state = State.FieldStart;
    this.cells = [];
    this.field = '';
    this.recordLine = line;
    this.quotedRaw = '';
  }
}

import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CsvTokenizer, type CsvDialect, type CsvEvent } from '../../../src/csv/tokenizer.ts';

const COMMA: CsvDialect = { delimiter: ',', quote: '"' };

function tokenize(text: string, dialect: CsvDialect = COMMA): CsvEvent[] {
  const t = new CsvTokenizer(dialect);
  return [...t.push(text), ...t.end()];
}

/** The same text fed in pieces of `size` characters. */
function tokenizeInPieces(text: string, size: number, dialect: CsvDialect = COMMA): CsvEvent[] {
  const t = new CsvTokenizer(dialect);
  const out: CsvEvent[] = [];
  for (let i = 0; i < text.length; i += size) out.push(...t.push(text.slice(i, i + size)));
  return [...out, ...t.end()];
}

const records = (events: CsvEvent[]) =>
  events.map((e) => (e.kind === 'record' ? [e.line, e.endLine, e.cells] : ['problem', e.line, e.message]));

describe('CsvTokenizer', () => {
  it('splits records on LF, CRLF and CR and numbers their lines', () => {
    assert.deepEqual(records(tokenize('a,b\r\nc,d\ne,f\rg,h')), [
      [1, 1, ['a', 'b']],
      [2, 2, ['c', 'd']],
      [3, 3, ['e', 'f']],
      [4, 4, ['g', 'h']],
    ]);
  });

  it('reads quoted values holding the delimiter, doubled quotes and line breaks', () => {
    const events = tokenize('id,text\n1,"a, b"\n2,"say ""hi"""\n3,"two\r\nlines",x\n4,""\n');
    assert.deepEqual(records(events), [
      [1, 1, ['id', 'text']],
      [2, 2, ['1', 'a, b']],
      [3, 3, ['2', 'say "hi"']],
      [4, 5, ['3', 'two\r\nlines', 'x']],
      [6, 6, ['4', '']],
    ]);
  });

  it('uses the dialect: semicolons and a single quote', () => {
    assert.deepEqual(records(tokenize("a;'x;y';'it''s'\n", { delimiter: ';', quote: "'" })), [
      [1, 1, ['a', 'x;y', "it's"]],
    ]);
  });

  it('skips empty lines but keeps a row of delimiters and a last line without a line break', () => {
    assert.deepEqual(records(tokenize('a\n\n,,\n\r\nb')), [
      [1, 1, ['a']],
      [3, 3, ['', '', '']],
      [5, 5, ['b']],
    ]);
  });

  it('gives the same records whatever the chunks, a CRLF or a doubled quote split between two', () => {
    const text = 'h1,h2\r\n"a ""q""\r\nb",c\r\n\r\nd,"e,f"\r\n"g"x,1\r\nlast,"open';
    const whole = tokenize(text);
    for (const size of [1, 2, 3, 5, 7])
      assert.deepEqual(tokenizeInPieces(text, size), whole, `pieces of ${size}`);
  });

  it('rejects a quoted value followed by other text and resumes on the next line', () => {
    const events = tokenize('1,"bad"x,3\n2,ok,3\n');
    assert.deepEqual(events, [
      {
        kind: 'problem',
        line: 1,
        problemLine: 1,
        column: 2,
        message:
          'the quoted value is followed by "x" instead of a delimiter or the end of the line; ' +
          'a quote inside a quoted value is written twice',
        cells: ['1'],
      },
      { kind: 'record', line: 2, endLine: 2, cells: ['2', 'ok', '3'] },
    ]);
  });

  it('rejects a quote inside an unquoted value', () => {
    const [problem, next] = tokenize('1,12" pipe,3\n2,x,y');
    assert.equal(problem?.kind, 'problem');
    assert.equal(
      problem.message,
      'a quote inside a value that does not start with one; quote the whole value and write the quote twice',
    );
    assert.equal(problem.column, 2);
    assert.deepEqual(next, { kind: 'record', line: 2, endLine: 2, cells: ['2', 'x', 'y'] });
  });

  it('rejects a quote left open to the end of the file and reads the lines after it again', () => {
    const events = tokenize('a,b\n1,"open\n2,x\n3,y\n');
    assert.deepEqual(records(events), [
      [1, 1, ['a', 'b']],
      [
        'problem',
        2,
        'a quoted value opened on line 2 is not closed before the end of the file; reading resumes on line 3',
      ],
      [3, 3, ['2', 'x']],
      [4, 4, ['3', 'y']],
    ]);
  });

  it('does not let a quote left open swallow the rows up to a later quote', () => {
    const events = tokenize('1,"open\n2,x\n3,say "hi",z\n4,w\n');
    assert.deepEqual(records(events), [
      [
        'problem',
        1,
        'a quoted value opened on line 1 runs to line 3, where it is followed by "h"; it was probably not ' +
          'closed on its own line; reading resumes on line 2',
      ],
      [2, 2, ['2', 'x']],
      [
        'problem',
        3,
        'a quote inside a value that does not start with one; quote the whole value and write the quote twice',
      ],
      [4, 4, ['4', 'w']],
    ]);
  });

  it('says on which line of a record that spans lines the problem is', () => {
    const [problem] = tokenize('1,"a\nb",c"d\n');
    assert.equal(problem?.kind, 'problem');
    assert.equal(problem.line, 1);
    assert.equal(problem.problemLine, 2);
    assert.equal(
      problem.message,
      'a quote inside a value that does not start with one; quote the whole value and write the quote twice ' +
        '(on line 2)',
    );
  });

  it('gives the same records and problems for any text cut into any chunks', () => {
    // Text made of the characters that matter, so that quotes, CRLFs and delimiters meet chunk ends often.
    const text = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\r', '\n', ' '), maxLength: 60 });
    fc.assert(
      fc.property(text, fc.array(fc.nat(60), { maxLength: 6 }), (input, cuts) => {
        const t = new CsvTokenizer(COMMA);
        const out: CsvEvent[] = [];
        let at = 0;
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          out.push(...t.push(input.slice(at, Math.max(at, cut))));
          at = Math.max(at, cut);
        }
        out.push(...t.push(input.slice(at)), ...t.end());
        assert.deepEqual(out, tokenize(input));
      }),
      { numRuns: 300 },
    );
  });

  it('reads a file of many quotes left open in time, one problem per line, without running out of stack', () => {
    const lines = 20_000;
    const events = tokenize(Array.from({ length: lines }, (_, i) => `"a${i}`).join('\n'));
    assert.equal(events.length, lines);
    assert.ok(events.every((e) => e.kind === 'problem'));
    assert.deepEqual(
      events.slice(0, 2).map((e) => e.line),
      [1, 2],
    );
  });

  it('passes over the lines it is told to skip, whatever they hold, and numbers the rest from the file', () => {
    const events = tokenize('title "open\r\nnote\r\na,b\r\n', { ...COMMA, skipLines: 2 });
    assert.deepEqual(records(events), [[3, 3, ['a', 'b']]]);
  });

  it('refuses a dialect whose delimiter is its quote or a line break', () => {
    assert.throws(() => new CsvTokenizer({ delimiter: '"', quote: '"' }), /must differ/);
    assert.throws(() => new CsvTokenizer({ delimiter: '\n', quote: '"' }), /line break/);
    assert.throws(() => new CsvTokenizer({ delimiter: ';;', quote: '"' }), /one character/);
  });
});

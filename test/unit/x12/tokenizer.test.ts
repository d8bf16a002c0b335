import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { readSegments, tokenize } from '../../../src/x12/reader.ts';
import { interchange, isaText } from '../../helpers/x12.ts';

const oneSet = [[{ id: '850', body: ['BEG*00*SA*PO1**20261126', 'PO1*1*10*EA*2.5*PE*VN*SKU1'] }]];

describe('x12 tokenizer', () => {
  it('takes the delimiters from the ISA: element (byte 4), component (ISA16) and terminator (byte 106)', () => {
    const text = interchange(oneSet, { element: '|', component: '^', segment: '\n', suffix: '' });
    const { segments, issues } = tokenize(text);
    assert.deepEqual(issues, []);
    const d = segments[0]!.syntax.delimiters;
    assert.equal(d.element, '|');
    assert.equal(d.component, '^');
    assert.equal(d.segment, '\n');
    assert.deepEqual(
      segments.map((s) => s.tag),
      ['ISA', 'GS', 'ST', 'BEG', 'PO1', 'SE', 'GE', 'IEA'],
    );
    assert.deepEqual(segments[4]!.elements, ['PO1', '1', '10', 'EA', '2.5', 'PE', 'VN', 'SKU1']);
  });

  it('reads the repetition separator from ISA11 from version 00402 on, and not before', () => {
    const v5 = tokenize(interchange(oneSet, { version: '00501', repetition: '{' })).segments[0]!;
    assert.equal(v5.syntax.delimiters.repetition, '{');
    const v4 = tokenize(interchange(oneSet, { version: '00401' })).segments[0]!;
    assert.equal(v4.syntax.delimiters.repetition, undefined);
  });

  it('splits components and repetitions only when asked', () => {
    const text = interchange([[{ id: '850', body: ['MEA*12*CT>1>2{LB>3'] }]], {
      version: '00501',
      repetition: '{',
    });
    const mea = tokenize(text).segments.find((s) => s.tag === 'MEA')!;
    assert.equal(mea.element(2), 'CT>1>2{LB>3');
    assert.deepEqual(mea.repetitions(2), ['CT>1>2', 'LB>3']);
    assert.deepEqual(mea.components(2), ['CT', '1', '2']);
    assert.deepEqual(mea.components(2, 1), ['LB', '3']);
  });

  it('accepts CR, LF or CRLF after each terminator and remembers which', () => {
    for (const suffix of ['', '\n', '\r\n']) {
      const { segments, issues } = tokenize(interchange(oneSet, { suffix }));
      assert.deepEqual(issues, []);
      assert.equal(segments.length, 8);
      assert.equal(segments[0]!.syntax.delimiters.suffix, suffix);
      assert.ok(segments.every((s) => s.trail === suffix));
    }
  });

  it('reads newline-only terminators, LF and CRLF', () => {
    for (const [segment, suffix] of [
      ['\n', ''],
      ['\r', '\n'],
    ] as const) {
      const { segments, issues } = tokenize(interchange(oneSet, { segment, suffix }));
      assert.deepEqual(issues, []);
      assert.deepEqual(segments.map((s) => s.tag).slice(-2), ['GE', 'IEA']);
      assert.equal(segments[3]!.element(3), 'PO1');
    }
  });

  it('skips a byte-order mark and whitespace before the ISA, with a note', () => {
    const text = '\ufeff \r\n\t' + interchange(oneSet);
    const { segments, issues } = tokenize(Buffer.from(text, 'utf8'));
    assert.equal(segments[0]!.tag, 'ISA');
    assert.equal(segments[0]!.offset, 7);
    assert.equal(segments[0]!.line, 2);
    assert.deepEqual(
      issues.map((i) => i.code),
      ['byte-order-mark'],
    );
  });

  it('reads several interchanges in one file, each with its own delimiters', () => {
    const text =
      interchange(oneSet, { control: 1 }) +
      '\n' +
      interchange(oneSet, { control: 2, element: '|', segment: '\n', suffix: '' });
    const { segments, issues } = tokenize(text);
    assert.deepEqual(issues, []);
    const isas = segments.filter((s) => s.tag === 'ISA');
    assert.equal(isas.length, 2);
    assert.equal(isas[1]!.syntax.delimiters.element, '|');
    assert.equal(isas[1]!.element(13), '000000002');
  });

  it('keeps leading and trailing spaces inside elements as sent', () => {
    const text = interchange([[{ id: '850', body: ['N1*ST*  ACME WAREHOUSE  *92* 0042 '] }]]);
    const n1 = tokenize(text).segments.find((s) => s.tag === 'N1')!;
    assert.equal(n1.element(2), '  ACME WAREHOUSE  ');
    assert.equal(n1.element(4), ' 0042 ');
  });

  it('numbers each segment: ordinal in the file and in its set, byte offset and line', () => {
    const text = interchange(oneSet);
    const { segments } = tokenize(text);
    const po1 = segments[4]!;
    assert.equal(po1.index, 5);
    assert.equal(po1.position, 3);
    assert.equal(po1.line, 5);
    assert.equal(po1.offset, text.indexOf('\nPO1*') + 1);
    assert.equal(segments[2]!.position, 1, 'ST is position 1');
    assert.equal(segments[5]!.position, 4, 'SE closes the count');
    assert.equal(segments[6]!.position, 0, 'GE is outside any set');
  });

  it('reports an ISA that is not 106 bytes and still reads it when the separators are unambiguous', () => {
    const short = isaText().replace('SENDERID       ', 'SENDERID').replace('RECEIVERID     ', 'RCV');
    const text = interchange(oneSet).replace(isaText(), short);
    const { segments, issues } = tokenize(text);
    assert.equal(segments.length, 8);
    assert.equal(segments[0]!.element(6), 'SENDERID');
    assert.deepEqual(
      issues.map((i) => i.code),
      ['isa-nonstandard-length'],
    );
    assert.match(issues[0]!.message, /ISA is 87 bytes long/);
  });

  it('refuses an ISA whose separators are ambiguous and resumes at the next ISA', () => {
    const broken = isaText().slice(0, -2) + '*>>';
    const text = interchange(oneSet).replace(isaText(), broken) + interchange(oneSet, { control: 2 });
    const { segments, issues } = tokenize(text);
    assert.equal(issues[0]!.code, 'isa-unparseable');
    assert.equal(segments[0]!.tag, 'ISA');
    assert.equal(segments[0]!.element(13), '000000002');
  });

  it('reads on past a letter or digit in ISA16 and reports the unusable component separator', () => {
    const text = interchange(oneSet).replace(isaText(), isaText().slice(0, -1) + 'A');
    const { segments, issues } = tokenize(text);
    assert.equal(segments.length, 8);
    assert.deepEqual(
      issues.map((i) => [i.code, i.location.element]),
      [['invalid-component-separator', 16]],
    );
  });

  it('removes line breaks inside segments of a file wrapped at 80 columns, with one warning', () => {
    const flat = interchange(oneSet, { suffix: '' });
    const wrapped = flat.match(/.{1,80}/g)!.join('\n');
    const { segments, issues } = tokenize(wrapped);
    assert.deepEqual(
      segments.map((s) => s.text),
      tokenize(flat).segments.map((s) => s.text),
    );
    assert.deepEqual(
      issues.map((i) => i.code),
      ['line-break-in-segment'],
    );
  });

  it('reads the tag again when a wrap falls inside or right after it (regression: corpus 210 read "N4\\n")', () => {
    const text = interchange(oneSet, { suffix: '' }).replace('PO1*1', 'PO\r\n1*1').replace('SE*', 'SE\n*');
    const { segments, issues } = tokenize(text);
    assert.deepEqual(
      segments.map((s) => s.tag),
      ['ISA', 'GS', 'ST', 'BEG', 'PO1', 'SE', 'GE', 'IEA'],
    );
    assert.equal(segments[4]!.element(1), '1');
    assert.deepEqual(
      issues.map((i) => i.code),
      ['line-break-in-segment'],
    );
  });

  it('keeps a line break inside a segment of a one-segment-a-line file as data, and counts the line', () => {
    const text = interchange([
      [{ id: '850', body: ['BEG*00*SA*PO-1**20261126', 'N1*ST*DOCK\nFOUR', 'PO1*1*10*EA*2.5*PE*VN*SKU1'] }],
    ]);
    const { segments, issues } = tokenize(text);
    assert.deepEqual(issues, []);
    const n1 = segments.find((s) => s.tag === 'N1')!;
    assert.equal(n1.element(2), 'DOCK\nFOUR');
    assert.equal(n1.line, 5);
    assert.equal(segments.find((s) => s.tag === 'PO1')!.line, 7);
    assert.equal(segments.at(-1)!.line, 10);
  });

  it('reads a multi-byte UTF-8 segment terminator', () => {
    const text = interchange(oneSet, { segment: '\u2026', suffix: '\n' });
    const { segments, issues } = tokenize(Buffer.from(text, 'utf8'));
    assert.deepEqual(issues, []);
    assert.equal(segments.length, 8);
    assert.equal(segments[0]!.syntax.delimiters.segment, '\u2026');
  });

  it('decodes UTF-8 text and keeps byte offsets', () => {
    const text = interchange([[{ id: '850', body: ['N1*ST*MÜLLER LOGISTIK GMBH', 'N1*BT*SØRENSEN'] }]]);
    const { segments } = tokenize(Buffer.from(text, 'utf8'));
    const n1s = segments.filter((s) => s.tag === 'N1');
    assert.equal(n1s[0]!.element(2), 'MÜLLER LOGISTIK GMBH');
    assert.equal(n1s[1]!.offset, Buffer.byteLength(text.slice(0, text.indexOf('N1*BT'))));
  });

  it('reads a binary segment by its declared length, whatever bytes the payload holds', () => {
    const payload = 'ab~c\nd*e:';
    const text = interchange([[{ id: '850', body: [`BIN*${payload.length}*${payload}`, 'REF*ZZ*AFTER'] }]]);
    const { segments, issues } = tokenize(text);
    assert.deepEqual(issues, []);
    const bin = segments.find((s) => s.tag === 'BIN')!;
    assert.equal(bin.binary!.toString('latin1'), payload);
    assert.equal(bin.element(2), payload);
    assert.equal(segments.find((s) => s.tag === 'REF')!.element(2), 'AFTER');
  });

  it('reports a binary segment whose length does not reach its terminator', () => {
    const text = interchange([[{ id: '850', body: ['BIN*3*abcdef', 'REF*ZZ*X'] }]]);
    const { issues } = tokenize(text);
    assert.deepEqual(
      issues.map((i) => i.code),
      ['binary-length-mismatch'],
    );
  });

  it('reports EDIFACT and non-X12 input instead of guessing', () => {
    assert.equal(
      tokenize("UNA:+.? 'UNB+UNOA:2+SENDER+RECIPIENT+090304:1230+1'").issues[0]!.code,
      'edifact-not-supported',
    );
    assert.equal(
      tokenize('%PDF-1.7 binary stuff that is long enough to look at, more than sixty-four bytes').issues[0]!
        .code,
      'not-x12',
    );
  });

  it('reads segments without an envelope with guessed delimiters and says so', () => {
    const { segments, issues } = tokenize('ST*850*0001~\nBEG*00*SA*1**20261126~\nSE*3*0001~\n');
    assert.equal(issues[0]!.code, 'missing-interchange-header');
    assert.deepEqual(
      segments.map((s) => s.tag),
      ['ST', 'BEG', 'SE'],
    );
  });

  it('reports a last segment without its terminator, except when the terminator is a newline', () => {
    const text = interchange(oneSet).trimEnd();
    const tilde = tokenize(text.slice(0, -1));
    assert.deepEqual(
      tilde.issues.map((i) => i.code),
      ['missing-final-terminator'],
    );
    assert.equal(tilde.segments.at(-1)!.tag, 'IEA');
    const newline = tokenize(interchange(oneSet, { segment: '\n', suffix: '' }).trimEnd());
    assert.deepEqual(newline.issues, []);
    assert.equal(newline.segments.at(-1)!.element(2), '000000001');
  });

  it('reports an empty segment', () => {
    const text = interchange(oneSet).replace('~\nPO1', '~~\nPO1');
    const { segments, issues } = tokenize(text);
    assert.equal(segments.length, 8);
    assert.deepEqual(
      issues.map((i) => i.code),
      ['empty-segment'],
    );
  });

  it('skips a segment longer than the limit and goes on', () => {
    const text = interchange([[{ id: '850', body: [`REF*ZZ*${'X'.repeat(5000)}`, 'REF*ZZ*OK'] }]]);
    const { segments, issues } = tokenize(text, { maxSegmentLength: 1000 });
    assert.equal(issues[0]!.code, 'segment-too-long');
    assert.ok(segments.some((s) => s.tag === 'REF' && s.element(2) === 'OK'));
  });

  it('streams from a Readable in constant memory, batch by batch', async () => {
    async function* chunks() {
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setImmediate(r));
        yield Buffer.from(interchange(oneSet, { control: i + 1 }));
      }
    }
    const tags: string[] = [];
    for await (const s of readSegments(chunks())) tags.push(s.tag);
    assert.equal(tags.filter((t) => t === 'ISA').length, 3);
    assert.equal(tags.length, 24);
  });
});

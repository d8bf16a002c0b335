import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { analyze, X12Analyzer, type AnalysisResult } from '../../../src/x12/analyzer.ts';
import { loadSpecs } from '../../../src/config/x12-specs.ts';
import { SegmentTokenizer } from '../../../src/x12/tokenizer.ts';
import { goldenFiles } from '../../helpers/golden.ts';
import { interchange, isaText, miniRegistry } from '../../helpers/x12.ts';

const po = (control?: string) => ({
  id: '850',
  body: ['BEG*00*SA*PO-1**20261126', 'PO1*1*10*EA*2.5*PE*VN*SKU1'],
  ...(control ? { control } : {}),
});

async function run(text: string, specs = true): Promise<AnalysisResult> {
  return analyze([Buffer.from(text)], specs ? { specs: miniRegistry() } : {});
}

function codes(r: AnalysisResult): string[] {
  return r.issues.map((i) => i.code);
}

describe('x12 envelope checks', () => {
  it('accepts a well-formed interchange and describes its structure', async () => {
    const r = await run(interchange([[po(), po('0002')], [{ id: '856', body: ['HL*1**S', 'SN1**1*EA'] }]]));
    assert.deepEqual(r.issues, []);
    assert.equal(r.counts.interchanges, 1);
    assert.equal(r.counts.groups, 2);
    assert.deepEqual(r.counts.bySet, { '850': 2, '856': 1 });
    const ic = r.interchanges[0]!;
    assert.equal(ic.header.senderId, 'SENDERID');
    assert.equal(ic.groups[0]!.sets[1]!.controlNumber, '0002');
    assert.equal(ic.groups[0]!.sets[0]!.segmentCount, 4);
    assert.equal(ic.groups[0]!.sets[0]!.spec, '004010/850');
  });

  it('checks ISA field widths and values, naming the field', async () => {
    const bad = isaText().replace('*261126*1030*', '*261199*2460*').replace('*0*P*', '*2*X*');
    const r = await run(interchange([[po()]]).replace(isaText(), bad), false);
    const fields = r.issues.filter((i) => i.code === 'isa-field-invalid').map((i) => i.location.element);
    assert.deepEqual(fields, [9, 10, 14, 15]);
    assert.match(r.issues[0]!.message, /ISA09 \(Interchange Date\)/);
  });

  it('rejects an IEA01 that disagrees with the number of groups', async () => {
    const r = await run(interchange([[po()]]).replace('IEA*1*', 'IEA*2*'));
    assert.deepEqual(codes(r), ['iea-group-count']);
    assert.equal(r.issues[0]!.location.element, 1);
  });

  it('rejects an IEA02 that differs from ISA13', async () => {
    const r = await run(interchange([[po()]]).replace('IEA*1*000000001', 'IEA*1*000000009'));
    assert.deepEqual(codes(r), ['iea-control-number']);
  });

  it('rejects a GE01 that disagrees with the number of sets', async () => {
    const r = await run(interchange([[po(), po('0002')]]).replace('GE*2*1', 'GE*3*1'));
    assert.deepEqual(codes(r), ['ge-set-count']);
  });

  it('rejects a GE02 that differs from GS06, but compares control numbers as numbers', async () => {
    assert.deepEqual(codes(await run(interchange([[po()]]).replace('GE*1*1', 'GE*1*2'))), [
      'ge-control-number',
    ]);
    assert.deepEqual(codes(await run(interchange([[po()]]).replace('GE*1*1', 'GE*1*000000001'))), []);
  });

  it('rejects an SE count that disagrees with the segments', async () => {
    const r = await run(interchange([[po()]]).replace('SE*4*0001', 'SE*5*0001'));
    assert.deepEqual(codes(r), ['se-segment-count']);
    assert.match(r.issues[0]!.message, /SE01 says 5 segments, the set has 4/);
    assert.equal(r.interchanges[0]!.groups[0]!.sets[0]!.issues.length, 1);
  });

  it('rejects an SE02 that differs from ST02', async () => {
    const r = await run(interchange([[po()]]).replace('SE*4*0001', 'SE*4*0009'));
    assert.deepEqual(codes(r), ['se-control-number']);
  });

  it('rejects a transaction set control number used twice in a group', async () => {
    const r = await run(interchange([[po('0007'), po('0007')]]));
    assert.deepEqual(codes(r), ['duplicate-set-control-number']);
    assert.equal(r.interchanges[0]!.groups[0]!.sets[1]!.issues[0]!.code, 'duplicate-set-control-number');
  });

  it('reports an ST outside a functional group', async () => {
    const text = interchange([[po()]])
      .replace(/GS\*[^~]*~\n/, '')
      .replace(/GE\*[^~]*~\n/, '');
    const r = await run(text);
    assert.deepEqual(codes(r), ['segment-outside-group', 'iea-group-count']);
  });

  it('reports a GS outside an interchange', async () => {
    const r = await run(interchange([[po()]]) + 'GS*PO*A*B*20261126*1030*9*X*004010~\nGE*0*9~\n');
    assert.deepEqual(codes(r), ['data-outside-interchange']);
    assert.match(r.issues[0]!.message, /2 segments \(from GS on\) are outside any interchange/);
  });

  it('reports garbage after the IEA', async () => {
    const r = await run(interchange([[po()]]) + 'THIS IS NOT EDI\n');
    assert.deepEqual(codes(r), ['data-outside-interchange']);
    assert.equal(r.issues[0]!.location.line, 9);
  });

  it('reports a truncated file: missing SE, GE and IEA', async () => {
    const full = interchange([[po()]]);
    const r = await run(full.slice(0, full.indexOf('SE*')));
    assert.deepEqual(codes(r), ['set-not-ended', 'group-not-ended', 'interchange-not-ended']);
    assert.match(r.issues[0]!.message, /has no SE: the end of the input came first/);
  });

  it('reports an interchange cut off by the next ISA', async () => {
    const one = interchange([[po()]]);
    const r = await run(one.slice(0, one.indexOf('GE*')) + interchange([[po()]], { control: 2 }));
    assert.deepEqual(codes(r), ['group-not-ended', 'interchange-not-ended']);
    assert.equal(r.counts.interchanges, 2);
    assert.equal(r.interchanges[0]!.complete, false);
    assert.equal(r.interchanges[1]!.complete, true);
  });

  it('reports segments between sets and outside groups', async () => {
    const text = interchange([[po()]])
      .replace('GE*1*1', 'REF*ZZ*X~\nGE*1*1')
      .replace(/(ISA[^~]*~\n)/, '$1TA1*000000001*261126*1030*A*000~\nREF*ZZ*Y~\n');
    const r = await run(text);
    assert.deepEqual(codes(r), ['segment-outside-group', 'segment-outside-set']);
  });

  it('checks GS and ST field values', async () => {
    const r = await run(interchange([[po()]]).replace('*20261126*1030*1*X*', '*20261332*1030*1*Q*'));
    assert.deepEqual(
      r.issues.map((i) => `${i.code}@${i.location.element}`),
      ['gs-field-invalid@4', 'gs-field-invalid@7'],
    );
  });

  it('notes a set with no spec, and a set in the wrong kind of group', async () => {
    const r = await run(
      interchange([
        [
          { id: '999', body: ['AK1*PO*1'] },
          { id: '856', body: ['HL*1**S', 'SN1**1*EA'] },
        ],
      ]),
    );
    assert.deepEqual(
      r.issues.map((i) => `${i.code}:${i.severity}`),
      ['set-not-supported:warning', 'set-wrong-group:error'],
    );
  });

  it('checks a 004060 group against the 004010 spec and says so', async () => {
    const r = await run(interchange([[po()]], { gsVersion: '004060' }));
    assert.deepEqual(
      r.issues.map((i) => `${i.code}:${i.severity}`),
      ['spec-version-fallback:info'],
    );
  });

  it('files reader issues under the interchange they concern', async () => {
    const short = isaText({ control: 2 }).replace('SENDERID       ', 'SENDERID');
    const r = await run(
      interchange([[po()]]) + interchange([[po()]], { control: 2 }).replace(isaText({ control: 2 }), short),
    );
    assert.equal(r.interchanges[0]!.issues.length, 0);
    assert.deepEqual(
      r.interchanges[1]!.issues.map((i) => i.code),
      ['isa-field-invalid', 'isa-nonstandard-length'],
    );
  });

  it('keeps counts but no tree when asked not to retain', async () => {
    const r = await analyze([Buffer.from(interchange([[po(), po('0002')]]))], { retain: false });
    assert.equal(r.interchanges.length, 0);
    assert.equal(r.counts.sets, 2);
  });

  it('stops listing problems of one set at the limit and says how many more there were', async () => {
    const lines = Array.from({ length: 20 }, () => 'ZZZ*1');
    const r = await analyze(
      [
        Buffer.from(
          interchange([
            [{ id: '850', body: ['BEG*00*SA*PO-1**20261126', 'PO1*1*10*EA*2.5*PE*VN*SKU1', ...lines] }],
          ]),
        ),
      ],
      {
        specs: miniRegistry(),
        maxIssuesPerSet: 5,
      },
    );
    const set = r.interchanges[0]!.groups[0]!.sets[0]!;
    assert.equal(set.issues.length, 6);
    assert.equal(set.issues[5]!.code, 'issues-truncated');
    assert.equal(set.droppedIssues, 15);
  });

  it('gives the same result when segments are handed over in one reused object (analyze) as in fresh ones', async () => {
    const { registry } = loadSpecs();
    const inputs = [
      ...goldenFiles().map((f) => f.bytes),
      Buffer.from(interchange([[po()]]) + 'GS*PO*A*B*20261126*1030*9*X*004010~\nGE*0*9~\nJUNK\n'),
      Buffer.from(interchange([[po()]]).slice(0, 300)),
    ];
    for (const bytes of inputs) {
      const fresh = new X12Analyzer({ specs: registry });
      const tokenizer = new SegmentTokenizer({ onIssue: (i) => fresh.readerIssue(i) });
      for (const s of [...tokenizer.push(bytes), ...tokenizer.end()]) fresh.push(s);
      assert.deepEqual(await analyze([bytes], { specs: registry }), fresh.end());
    }
  });
});

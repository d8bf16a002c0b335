import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import {
  buildAcknowledgments,
  serializeAck,
  type AckPolicy,
  type ControlNumbers,
} from '../../../src/x12/acks/build.ts';
import { analyze } from '../../../src/x12/analyzer.ts';
import { tokenize } from '../../../src/x12/reader.ts';
import { interchange, isaText, miniRegistry, type EnvelopeOptions } from '../../helpers/x12.ts';

const HEAD = 'BEG*00*SA*PO-1**20261126';
const LINE = 'PO1*1*10*EA*2.5*PE*VN*SKU1';
const NOW = new Date('2026-11-26T14:05:00Z');

class Counter implements ControlNumbers {
  issued: string[] = [];
  private n = 40;
  next(kind: 'interchange' | 'group' | 'set'): number {
    this.issued.push(kind);
    return ++this.n;
  }
}

async function acks(text: string, policy: AckPolicy = {}) {
  const r = await analyze([Buffer.from(text)], { specs: miniRegistry() });
  const counter = new Counter();
  const out = buildAcknowledgments(r, { ...policy, controlNumbers: counter, now: NOW });
  return { out, counter, text: out.map(serializeAck).join('') };
}

/** The ack's segments as element arrays, for assertions. */
function segs(text: string): string[] {
  return tokenize(text).segments.map((s) => s.text);
}

describe('x12 acknowledgments', () => {
  it('answers an accepted 004010 group with a 997: sender and receiver swapped, GS08 echoed', async () => {
    const { text, out } = await acks(interchange([[{ id: '850', body: [HEAD, LINE] }]]));
    assert.equal(out.length, 1);
    assert.deepEqual(segs(text), [
      'ISA*00*          *00*          *ZZ*RECEIVERID     *ZZ*SENDERID       *261126*1405*U*00401*000000041*0*P*>',
      'GS*FA*RECEIVERAPP*SENDERAPP*20261126*1405*42*X*004010',
      'ST*997*0043',
      'AK1*PO*1',
      'AK2*850*0001',
      'AK5*A',
      'AK9*A*1*1*1',
      'SE*6*0043',
      'GE*1*42',
      'IEA*1*000000041',
    ]);
    assert.equal(
      text.split('~\n').length,
      11,
      'each segment ends with the inbound terminator and line break',
    );
  });

  it('answers a 005010 group with a 999 that echoes GS08 in AK103 and carries IK3/IK4/IK5', async () => {
    const { text } = await acks(
      interchange([[{ id: '850', body: ['BEG*00*SA***20261126', LINE] }]], {
        version: '00501',
        gsVersion: '004010',
      }),
      {
        functional: '999',
      },
    );
    assert.deepEqual(segs(text).slice(1, -2), [
      'GS*FA*RECEIVERAPP*SENDERAPP*20261126*1405*42*X*005010X231',
      'ST*999*0043*005010X231',
      'AK1*PO*1*004010',
      'AK2*850*0001',
      'IK3*BEG*2**8',
      'IK4*3*324*1',
      'IK5*R*5',
      'AK9*R*1*1*0',
      'SE*8*0043',
    ]);
  });

  it('lists segment and element errors in AK3/AK4 with codes, positions, loop and a copy of the bad data', async () => {
    const { text } = await acks(
      interchange([
        [{ id: '850', body: ['BEG*99*SA*PO-1**20261126', 'N1*ST*A', 'XYZ*1', LINE, 'DTM*20260230'] }],
      ]),
    );
    assert.deepEqual(segs(text).slice(3, -3), [
      'AK1*PO*1',
      'AK2*850*0001',
      'AK3*BEG*2**8',
      'AK4*1*353*7*99',
      'AK3*XYZ*4*N1*1',
      'AK3*DTM*6*PO1*7',
      'AK5*R*5',
      'AK9*R*1*1*0',
    ]);
  });

  it('reports a missing segment with the position where it was missed', async () => {
    const { text } = await acks(interchange([[{ id: '850', body: [HEAD] }]]));
    assert.ok(segs(text).includes('AK3*PO1*3*PO1*3'));
  });

  it('says P when some sets are accepted and some rejected, and counts them', async () => {
    const good = { id: '850', body: [HEAD, LINE] };
    const bad = { id: '850', body: [LINE], control: '0002' };
    const { text, out } = await acks(interchange([[good, bad]]));
    const s = segs(text);
    assert.ok(s.includes('AK5*A'));
    assert.ok(s.includes('AK5*R*5'));
    assert.ok(s.includes('AK9*P*2*2*1'));
    assert.deepEqual(out[0]!.functional[0]!.setCodes, ['A', 'R']);
  });

  it('uses the set-level codes: SE count (4), control number mismatch (3), missing SE (2)', async () => {
    const t1 = interchange([[{ id: '850', body: [HEAD, LINE] }]]).replace('SE*4*0001', 'SE*9*0002');
    assert.ok(segs((await acks(t1)).text).includes('AK5*R*4*3'));
    const full = interchange([[{ id: '850', body: [HEAD, LINE] }]]);
    const t2 = full.slice(0, full.indexOf('SE*')) + 'GE*1*1~\nIEA*1*000000001~\n';
    const s2 = segs((await acks(t2)).text);
    assert.ok(s2.includes('AK5*R*2'), s2.join('\n'));
  });

  it('rejects the group with AK9 codes for group problems', async () => {
    const t = interchange([[{ id: '850', body: [HEAD, LINE] }]]).replace('GE*1*1', 'GE*2*7');
    const s = segs((await acks(t)).text);
    assert.ok(s.includes('AK9*R*2*1*0*5*4'), s.join('\n'));
  });

  it('notes accepted-with-errors (E) for warnings that map to an ack code', async () => {
    const { text } = await acks(interchange([[{ id: '850', body: [HEAD, 'N1*ST*DOCK>4', LINE] }]]));
    const s = segs(text);
    assert.ok(s.includes('AK3*N1*3*N1*8'));
    assert.ok(s.includes('AK4*2*93*6*DOCK 4'), 'the copied value loses the separator it carried');
    assert.ok(s.includes('AK5*E*5'));
    assert.ok(s.includes('AK9*E*1*1*1'));
  });

  it('sends a TA1 when ISA14 asks for one, placed before the groups', async () => {
    const { text, out } = await acks(
      interchange([[{ id: '850', body: [HEAD, LINE] }]], { ackRequested: '1' }),
    );
    const s = segs(text);
    assert.equal(s[1], 'TA1*000000001*261126*1030*A*000');
    assert.equal(s[2]!.slice(0, 2), 'GS');
    assert.deepEqual(out[0]!.ta1, { code: 'A', note: '000' });
  });

  it('sends a TA1 rejecting an interchange with envelope errors, with the note code of the problem', async () => {
    const cases: [string, (t: string) => string, string][] = [
      ['IEA02 mismatch', (t) => t.replace('IEA*1*000000001', 'IEA*1*000000002'), 'R*001'],
      ['IEA01 count', (t) => t.replace('IEA*1*', 'IEA*3*'), 'R*021'],
      ['bad ISA date', (t) => t.replace('*261126*1030*', '*261332*1030*'), 'R*014'],
      ['bad sender qualifier', (t) => t.replace('*ZZ*SENDERID', '*QQ*SENDERID'), 'R*005'],
      ['truncated', (t) => t.slice(0, t.indexOf('IEA')), 'R*023'],
      ['bad GS date', (t) => t.replace('*20261126*1030*1*', '*20261326*1030*1*'), 'R*024'],
    ];
    for (const [name, mutate, expected] of cases) {
      const { text } = await acks(mutate(interchange([[{ id: '850', body: [HEAD, LINE] }]])));
      const ta1 = segs(text).find((s) => s.startsWith('TA1'));
      assert.ok(ta1?.endsWith(expected), `${name}: ${ta1}`);
    }
  });

  it('answers E in the TA1 for envelope warnings such as a bad repetition separator', async () => {
    const t = interchange([[{ id: '850', body: [HEAD, LINE] }]], {
      version: '00501',
      gsVersion: '004010',
    }).replace(
      isaText({ version: '00501' }),
      isaText({ version: '00501' }).replace('*^*00501*', '*U*00501*'),
    );
    const ta1 = segs((await acks(t)).text).find((s) => s.startsWith('TA1'));
    assert.equal(ta1, 'TA1*000000001*261126*1030*E*016');
  });

  it('builds only a TA1 when asked, and nothing when nothing is due', async () => {
    const base = interchange([[{ id: '850', body: [HEAD, LINE] }]]);
    const only = segs((await acks(base, { ta1: 'always', functional: 'none' })).text);
    assert.deepEqual(
      only.map((s) => s.slice(0, 3)),
      ['ISA', 'TA1', 'IEA'],
    );
    assert.equal(only[2], 'IEA*0*000000041');
    assert.equal((await acks(base, { ta1: 'never', functional: 'none' })).out.length, 0);
  });

  it('does not acknowledge acknowledgments', async () => {
    const t = interchange([[{ id: '997', body: ['AK1*PO*1', 'AK9*A*1*1*1'] }]], { functionalId: 'FA' });
    assert.equal((await acks(t)).out.length, 0);
    assert.equal((await acks(t, { ackAcks: true })).out.length, 1);
  });

  it('answers each interchange of a file, keeping its delimiters, with fresh control numbers', async () => {
    const o: EnvelopeOptions = { control: 7, element: '|', segment: '\n', suffix: '', component: '^' };
    const text =
      interchange([[{ id: '850', body: [HEAD, LINE] }]]) +
      interchange([[{ id: '850', body: [HEAD, LINE] }]], o);
    const { out, counter } = await acks(text);
    assert.equal(out.length, 2);
    assert.equal(out[1]!.inboundControlNumber, '000000007');
    assert.equal(out[1]!.delimiters.element, '|');
    assert.ok(serializeAck(out[1]!).startsWith('ISA|00|'));
    assert.ok(serializeAck(out[1]!).includes('\nGS|FA|'));
    assert.deepEqual(counter.issued, ['interchange', 'group', 'set', 'interchange', 'group', 'set']);
    assert.notEqual(out[0]!.controlNumber, out[1]!.controlNumber);
  });

  it('writes an ISA of exactly 106 bytes', async () => {
    const { text } = await acks(
      interchange([[{ id: '850', body: [HEAD, LINE] }]], {
        sender: 'A',
        receiver: 'A-VERY-LONG-RECEIVER-ID',
      }),
    );
    assert.equal(text.indexOf('~') + 1, 106);
  });
});

import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { analyze } from '../../../src/x12/analyzer.ts';
import { compileSet, mergeDictionaries } from '../../../src/x12/spec/compile.ts';
import { applyOverlay } from '../../../src/x12/spec/overlay.ts';
import { SpecRegistry } from '../../../src/x12/spec/registry.ts';
import { interchange, mini850, mini856, miniDictionary } from '../../helpers/x12.ts';

const { dictionary } = mergeDictionaries('004010', [{ name: 'mini.json', content: miniDictionary }]);

async function validate(spec: typeof mini850, body: string[], id = '850') {
  const compiled = compileSet(spec, dictionary);
  assert.deepEqual(compiled.errors, []);
  const r = await analyze([Buffer.from(interchange([[{ id, body }]]))], {
    specs: new SpecRegistry([compiled.spec!]),
  });
  return r.issues.map((i) => `${i.code}@${i.location.tag}${i.location.element ?? ''}`);
}

describe('x12 partner overlays', () => {
  it('makes a segment mandatory and lowers a maximum', async () => {
    const { spec, errors } = applyOverlay(
      mini850,
      { set: '850', version: '004010', positions: { REF: { usage: 'M', max: 1 }, 'N1/N1': { usage: 'M' } } },
      dictionary,
    );
    assert.deepEqual(errors, []);
    assert.deepEqual(await validate(spec, ['BEG*00*SA*PO-1**20261126', 'PO1*1*1*EA*1*PE*VN*A']), [
      'mandatory-segment-missing@REF',
    ]);
    assert.deepEqual(
      await validate(spec, ['BEG*00*SA*PO-1**20261126', 'REF*DP*1', 'REF*DP*2', 'PO1*1*1*EA*1*PE*VN*A']),
      ['segment-over-max@REF'],
    );
  });

  it('shortens a code list and requires or forbids elements', async () => {
    const { spec, errors } = applyOverlay(
      mini850,
      {
        set: '850',
        version: '004010',
        positions: {
          BEG: { elements: { '01': { codes: ['00'] }, '04': { usage: 'M' } } },
          'N1/N1': { elements: { '02': { usage: 'N' } } },
        },
      },
      dictionary,
    );
    assert.deepEqual(errors, []);
    assert.deepEqual(
      await validate(spec, ['BEG*01*SA*PO-1**20261126', 'N1*ST*NAME*92*0001', 'PO1*1*1*EA*1*PE*VN*A']),
      ['invalid-code@BEG1', 'mandatory-element-missing@BEG4', 'element-not-used@N12'],
    );
  });

  it('adds syntax notes and narrows HL levels', async () => {
    const po = applyOverlay(
      mini850,
      { set: '850', version: '004010', positions: { 'PO1/PO1': { syntax: ['P0102'] } } },
      dictionary,
    );
    assert.deepEqual(po.errors, []);
    assert.deepEqual(await validate(po.spec, ['BEG*00*SA*PO-1**20261126', 'PO1*1']), [
      'conditional-element-missing@PO12',
    ]);
    const asn = applyOverlay(
      mini856,
      { set: '856', version: '004010', hierarchy: { levels: { I: { parents: ['P'] } }, closed: true } },
      dictionary,
    );
    assert.deepEqual(asn.errors, []);
    assert.deepEqual(
      await validate(asn.spec, ['HL*1**S', 'HL*2*1*O', 'HL*3*2*I', 'SN1**1*EA', 'HL*4*3*Q'], '856'),
      ['hl-parent-level@HL2', 'hl-level-unknown@HL3'],
    );
  });

  it('refuses to widen a spec and says where', () => {
    const { errors, spec } = applyOverlay(
      mini850,
      {
        set: '850',
        version: '004010',
        positions: {
          BEG: { usage: 'O', elements: { '01': { codes: ['00', '77'] }, '03': { max: 40 } } },
          'PO1/PO1': { max: 1 },
          PO1: { max: 200000 },
          'N9/N9': { usage: 'M' },
        },
      },
      dictionary,
    );
    assert.deepEqual(errors, [
      'BEG: cannot make a mandatory position optional',
      "BEG: BEG01 codes 77 are not in the standard's list",
      'BEG: BEG03 max 40 is above 22',
      "PO1: max 200000 is above the standard's 100000",
      'N9/N9: no such position in 004010/850',
    ]);
    assert.equal(spec.structure[1]!.usage, 'M', 'the refused change is not applied');
  });
});

import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { analyze } from '../../../src/x12/analyzer.ts';
import type { Issue } from '../../../src/x12/issues.ts';
import { interchange, miniRegistry } from '../../helpers/x12.ts';

const HEAD = 'BEG*00*SA*PO-1**20261126';
const LINE = 'PO1*1*10*EA*2.5*PE*VN*SKU1';

async function check(body: string[], id = '850', version?: '00501'): Promise<Issue[]> {
  const text = interchange([[{ id, body }]], version ? { version, gsVersion: '004010' } : {});
  const r = await analyze([Buffer.from(text)], { specs: miniRegistry() });
  return r.issues;
}

/** code@TAG:position[.element] for compact assertions. */
function brief(issues: Issue[]): string[] {
  return issues.map((i) => {
    const l = i.location;
    return `${i.code}@${l.tag}:${l.position}${l.element !== undefined ? `.${l.element}` : ''}${l.component !== undefined ? `-${l.component}` : ''}`;
  });
}

describe('x12 spec validator', () => {
  describe('structure', () => {
    it('accepts segments in order, optional ones left out, loops repeated', async () => {
      assert.deepEqual(
        await check([
          HEAD,
          'REF*DP*038',
          'N1*ST*STORE 9',
          'REF*ZZ*1',
          'N1*BT*HQ',
          LINE,
          LINE,
          'MEA*1*LB',
          'CTT*2',
        ]),
        [],
      );
    });

    it('reports a missing mandatory segment where it should have been', async () => {
      const issues = await check([LINE]);
      assert.deepEqual(brief(issues), ['mandatory-segment-missing@BEG:2']);
      assert.match(
        issues[0]!.message,
        /mandatory BEG \(Beginning Segment for Purchase Order\) is missing before PO1/,
      );
    });

    it('reports a missing mandatory loop at the end of the set', async () => {
      const issues = await check([HEAD, 'CTT*1']);
      assert.deepEqual(brief(issues), ['mandatory-segment-missing@PO1:3']);
      assert.equal(issues[0]!.location.loop, 'PO1');
    });

    it('reports a segment out of order and keeps its place', async () => {
      const issues = await check([HEAD, LINE, 'DTM*002*20261201', LINE]);
      assert.deepEqual(brief(issues), ['segment-out-of-order@DTM:4']);
      assert.equal(issues[0]!.location.loop, 'PO1');
    });

    it('tells an unknown segment from one that is not in this set', async () => {
      const issues = await check([HEAD, 'XYZ*1', 'SN1**1*EA', LINE]);
      assert.deepEqual(brief(issues), ['unrecognized-segment@XYZ:3', 'segment-not-in-set@SN1:4']);
    });

    it('reports a segment over its maximum use', async () => {
      const issues = await check([HEAD, 'REF*AA*1', 'REF*BB*2', 'REF*CC*3', LINE]);
      assert.deepEqual(brief(issues), ['segment-over-max@REF:5']);
    });

    it('reports a loop over its maximum', async () => {
      const issues = await check([HEAD, 'N1*ST*A', 'N1*BT*B', 'N1*SF*C', LINE]);
      assert.deepEqual(brief(issues), ['loop-over-max@N1:5']);
      assert.equal(issues[0]!.location.loop, 'N1');
    });

    it('matches a tag to the position of the loop it is in (REF in N1 loop vs header REF)', async () => {
      const issues = await check([
        HEAD,
        'N1*ST*A',
        ...Array.from({ length: 12 }, (_, i) => `REF*ZZ*${i}`),
        LINE,
      ]);
      assert.deepEqual(issues, []);
    });
  });

  describe('elements', () => {
    it('reports a missing mandatory element with its position and reference number', async () => {
      const issues = await check(['BEG*00*SA***20261126', LINE]);
      assert.deepEqual(brief(issues), ['mandatory-element-missing@BEG:2.3']);
      assert.equal(issues[0]!.location.elementRef, '324');
    });

    it('checks lengths, counting digits only for numbers', async () => {
      const issues = await check([
        `BEG*00*SA*${'X'.repeat(23)}**20261126`,
        'PO1*1*-1234567890123.45*EA*2.5*PE*VN*SKU1',
        'PO1*1*1234567890123456*EA*2.5*PE*VN*SKU1',
        'PO1*1*1*E*2.5*PE*VN*SKU1',
      ]);
      assert.deepEqual(brief(issues), [
        'element-too-long@BEG:2.3',
        'element-too-long@PO1:4.2',
        'element-too-short@PO1:5.3',
      ]);
      assert.equal(issues[0]!.data, 'X'.repeat(23));
    });

    it('checks numeric and decimal formats', async () => {
      const issues = await check([HEAD, 'PO1*1*1O*EA*2.5*PE*VN*SKU1', 'PO1*1*.5*EA*-2.*PE*VN*SKU1', 'CTT*x']);
      assert.deepEqual(brief(issues), ['invalid-character@PO1:3.2', 'invalid-character@CTT:5.1']);
    });

    it('checks dates and times for real calendar values', async () => {
      const issues = await check([
        'BEG*00*SA*PO-1**20270229',
        'DTM*20260230',
        'DTM*20240229*2460',
        'DTM*20261126*235960',
        LINE,
      ]);
      assert.deepEqual(brief(issues), [
        'invalid-date@BEG:2.5',
        'invalid-date@DTM:3.1',
        'invalid-time@DTM:4.2',
        'invalid-time@DTM:5.2',
      ]);
    });

    it('rejects a code outside a closed list and only notes one outside an open list', async () => {
      const issues = await check(['BEG*99*ZZ*PO-1**20261126', LINE]);
      assert.deepEqual(
        issues.map((i) => `${i.code}:${i.severity}@${i.location.element}`),
        ['invalid-code:error@1', 'uncommon-code:warning@2'],
      );
      assert.match(issues[0]!.message, /'99', which is not one of its codes \(00, 01\)/);
    });

    it('reports too many elements', async () => {
      assert.deepEqual(brief(await check([HEAD, LINE, 'CTT*1*2'])), ['too-many-elements@CTT:4.2']);
      assert.deepEqual(await check([HEAD, LINE, 'CTT*1**']), [], 'trailing empty elements are not an error');
    });

    it('applies the syntax notes P, R and C', async () => {
      const issues = await check([HEAD, 'N1*ST', 'N1*ST*A*92', 'PO1*1**EA*2.5*PE*VN*SKU1']);
      assert.deepEqual(brief(issues), [
        'conditional-element-missing@N1:3.2',
        'conditional-element-missing@N1:4.4',
        'conditional-element-missing@PO1:5.2',
      ]);
      assert.match(
        issues[1]!.message,
        /N104 is required: N103, N104 must be sent together \(syntax note P0304\)/,
      );
    });

    it('checks composites: mandatory components, too many components, component values', async () => {
      const issues = await check([HEAD, LINE, 'MEA**>2', 'MEA**LB>x', 'MEA**LB>1>2>3']);
      assert.deepEqual(brief(issues), [
        'mandatory-element-missing@MEA:4.2-1',
        'invalid-character@MEA:5.2-2',
        'too-many-components@MEA:6.2-4',
      ]);
    });

    it('reports repetitions beyond what the element allows', async () => {
      const issues = await check([HEAD, 'REF*DP^IA*1', LINE], '850', '00501');
      assert.deepEqual(brief(issues), ['too-many-repetitions@REF:3.1']);
    });

    it('reports a control character, such as a line break left inside an element', async () => {
      const issues = await check([HEAD, 'N1*ST*DOCK\nFOUR', LINE]);
      assert.deepEqual(brief(issues), ['invalid-character@N1:3.2']);
      assert.match(issues[0]!.message, /N102 \(Name\) contains a control character/);
    });

    it('copes with a segment of many more elements than its definition', async () => {
      const issues = await check([HEAD, LINE, `CTT*1${'*9'.repeat(200)}`]);
      assert.deepEqual(brief(issues), ['too-many-elements@CTT:4.2']);
      assert.match(issues[0]!.message, /CTT has 201 elements; Transaction Totals has only 1/);
    });

    it('warns about a component separator inside a simple element', async () => {
      const issues = await check([HEAD, 'N1*ST*DOCK>4', LINE]);
      assert.deepEqual(
        issues.map((i) => `${i.code}:${i.severity}`),
        ['invalid-character:warning'],
      );
    });
  });

  describe('HL hierarchy', () => {
    const ship = (...hl: string[]) => check(hl, '856');

    it('accepts shipment -> order -> pack -> item and shipment -> order -> item', async () => {
      assert.deepEqual(
        await ship(
          'HL*1**S',
          'HL*2*1*O',
          'HL*3*2*P',
          'HL*4*3*I',
          'SN1**2*EA',
          'HL*5*2*I',
          'SN1**1*EA',
          'CTT*5',
        ),
        [],
      );
    });

    it('reports HL01 out of sequence and HL02 naming a missing parent', async () => {
      const issues = await ship('HL*1**S', 'HL*3*1*O', 'HL*4*9*I', 'SN1**2*EA');
      assert.deepEqual(brief(issues), [
        'hl-sequence@HL:3.1',
        'hl-sequence@HL:4.1',
        'hl-parent-missing@HL:4.2',
      ]);
    });

    it('reports a level under a parent it may not hang under', async () => {
      const issues = await ship('HL*1**S', 'HL*2*1*I', 'SN1**2*EA');
      assert.deepEqual(brief(issues), ['hl-parent-level@HL:3.2']);
      assert.match(issues[0]!.message, /an Item level \(HL03 I\) cannot hang under a level 'S'/);
    });

    it('reports a child level without a parent, and an unknown level as a warning', async () => {
      const issues = await ship('HL*1**O', 'HL*2*1*X');
      assert.deepEqual(
        issues.map((i) => `${i.code}:${i.severity}`),
        ['hl-parent-level:error', 'hl-level-unknown:warning'],
      );
    });

    it('checks HL04 against the children that actually follow', async () => {
      const issues = await ship('HL*1**S*1', 'HL*2*1*O*0', 'HL*3*2*I*0', 'SN1**1*EA');
      assert.deepEqual(brief(issues), ['hl-child-code@HL:4.2']);
      const lonely = await ship('HL*1**S*1');
      assert.deepEqual(brief(lonely), ['hl-child-code@HL:2.4']);
    });

    it('reports a segment a level requires', async () => {
      const issues = await ship('HL*1**S', 'HL*2*1*O', 'HL*3*2*I', 'HL*4*2*I', 'SN1**1*EA');
      assert.deepEqual(brief(issues), ['hl-required-segment-missing@SN1:5']);
      assert.match(issues[0]!.message, /the Item level \(HL03 I\) at line 6 has no SN1/);
    });
  });
});

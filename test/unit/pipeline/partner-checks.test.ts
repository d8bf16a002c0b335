import assert from 'node:assert/strict';
import { processReceipt } from '../../../src/pipeline/process-receipt.ts';
import { acknowledgmentsOfReceipt } from '../../../src/store/queries/acknowledgments.ts';
import { interchangesOfReceipt } from '../../../src/store/queries/interchanges.ts';
import { GOLDEN_856, GOLDEN_856_5010, harness, testPartner } from '../../helpers/pipeline.ts';
import { engines } from '../../helpers/store.ts';

// The golden 856 is sent by ZZ/ACMEWIDGET with GS02 ACMEWIDGET, version 004010.
for (const engine of engines()) {
  describe(`process-receipt checks what the partner file allows on ${engine.name}`, function () {
    this.timeout(60_000);

    it('rejects a group whose GS02 is not an application id listed for the ISA identity', async () => {
      const h = harness(await engine.open(), (dir) => [
        testPartner('acme', 'ACMEWIDGET', dir, {
          identities: [{ qualifier: 'ZZ', id: 'ACMEWIDGET', applicationIds: ['ACMEWH1', 'ACMEWH2'] }],
        }),
      ]);
      const id = await h.arrive('acme', GOLDEN_856);
      assert.equal((await processReceipt(h.deps, id)).outcome, 'rejected');
      const { groups, sets } = await interchangesOfReceipt(h.db, id);
      const issues = groups[0]!.issues as { code: string; message: string; location: { element?: number } }[];
      assert.deepEqual(
        issues.map((i) => [i.code, i.location.element]),
        [['application-sender-not-partner', 2]],
      );
      assert.equal(
        issues[0]!.message,
        'GS02 application sender ACMEWIDGET is not one partner acme lists for ZZ/ACMEWIDGET (ACMEWH1, ACMEWH2); ' +
          "add it to that identity's applicationIds in acme.yaml if the partner uses it",
      );
      // The group is rejected whole, so its sets are not accepted for mapping either.
      assert.deepEqual(
        sets.map((s) => s.status),
        ['rejected'],
      );
      const [ack] = await acknowledgmentsOfReceipt(h.db, id);
      assert.match(ack!.body, /AK9\*R\*1\*1\*0\*1~/);
      assert.deepEqual(h.queue.of('map-documents'), []);
    });

    it('accepts a group whose GS02 is listed, and any GS02 for an identity that lists none', async () => {
      const h = harness(await engine.open(), (dir) => [
        testPartner('acme', 'ACMEWIDGET', dir, {
          identities: [{ qualifier: 'ZZ', id: 'ACMEWIDGET', applicationIds: ['ACMEWIDGET'] }],
        }),
        testPartner('tchome', 'TCHOME', dir),
      ]);
      const acme = await h.arrive('acme', GOLDEN_856);
      assert.equal((await processReceipt(h.deps, acme)).outcome, 'accepted');
      const tchome = await h.arrive('tchome', GOLDEN_856_5010);
      assert.equal((await processReceipt(h.deps, tchome)).outcome, 'accepted');
    });

    it('rejects a set the partner file does not list as inbound, with AK5 code 1', async () => {
      const h = harness(await engine.open(), (dir) => [
        testPartner('acme', 'ACMEWIDGET', dir, {
          transactionSets: [
            { set: '810', version: '004010', direction: 'inbound' },
            { set: '856', version: '004010', direction: 'outbound' },
          ],
        }),
      ]);
      const id = await h.arrive('acme', GOLDEN_856);
      assert.equal((await processReceipt(h.deps, id)).outcome, 'rejected');
      const { sets } = await interchangesOfReceipt(h.db, id);
      const issues = sets[0]!.issues as { code: string; message: string }[];
      assert.deepEqual(
        issues.map((i) => i.code),
        ['set-not-agreed'],
      );
      assert.equal(
        issues[0]!.message,
        'transaction set 856 in version 004010 is not one partner acme sends by its partner file ' +
          '(810/004010); add it to transactionSets in acme.yaml to accept it',
      );
      const [ack] = await acknowledgmentsOfReceipt(h.db, id);
      assert.match(ack!.body, /AK5\*R\*1~/);
    });

    it('accepts a listed set, a six-digit version covering its industry variants', async () => {
      const h = harness(await engine.open(), (dir) => [
        testPartner('acme', 'ACMEWIDGET', dir, {
          transactionSets: [{ set: '856', version: '004010', direction: 'inbound' }],
        }),
      ]);
      const plain = await h.arrive('acme', GOLDEN_856);
      assert.equal((await processReceipt(h.deps, plain)).outcome, 'accepted');
      const vics = await h.arrive(
        'acme',
        GOLDEN_856.replace('*X*004010~', '*X*004010VICS~')
          .replace(/ISA\*(?:[^*]*\*){12}\d{9}/, (m) => m.replace(/\d{9}$/, '000000777'))
          .replace(/IEA\*1\*\d{9}/, 'IEA*1*000000777'),
      );
      assert.equal((await processReceipt(h.deps, vics)).outcome, 'accepted');
    });

    it('rejects a version the partner file does not list for the set', async () => {
      const h = harness(await engine.open(), (dir) => [
        testPartner('tchome', 'TCHOME', dir, {
          transactionSets: [{ set: '856', version: '004010', direction: 'inbound' }],
        }),
      ]);
      const id = await h.arrive('tchome', GOLDEN_856_5010);
      assert.equal((await processReceipt(h.deps, id)).outcome, 'rejected');
      const [ack] = await acknowledgmentsOfReceipt(h.db, id);
      assert.match(ack!.body, /IK5\*R\*1~/);
    });
  });
}

import assert from 'node:assert/strict';
import { DEFAULT_SPECS_DIR, loadSpecs } from '../../../src/config/x12-specs.ts';
import { partnerSpecResolvers } from '../../../src/partners/specs.ts';
import { processReceipt } from '../../../src/pipeline/process-receipt.ts';
import { acknowledgmentsOfReceipt } from '../../../src/store/queries/acknowledgments.ts';
import { interchangesOfReceipt } from '../../../src/store/queries/interchanges.ts';
import { GOLDEN_856, harness, testPartner, withEnvelope } from '../../helpers/pipeline.ts';
import { engines } from '../../helpers/store.ts';

const specs = loadSpecs(DEFAULT_SPECS_DIR);

for (const engine of engines()) {
  describe(`process-receipt with partner spec overlays on ${engine.name}`, function () {
    this.timeout(60_000);

    it("rejects a set missing a segment the partner's overlay made mandatory, and only for that partner", async () => {
      const h = harness(await engine.open(), (dir) => [
        testPartner('acme', 'ACMEWIDGET', dir, {
          // The golden 856 has no DTM before its first HL; the standard leaves that DTM optional.
          specOverlays: [{ set: '856', version: '004010', positions: { DTM: { usage: 'M' } } }],
        }),
        testPartner('globex', 'GLOBEX', dir),
      ]);
      h.deps.specsFor = partnerSpecResolvers(specs);

      const acme = await h.arrive('acme', GOLDEN_856);
      assert.equal((await processReceipt(h.deps, acme)).outcome, 'rejected');
      const acmeSets = (await interchangesOfReceipt(h.db, acme)).sets;
      assert.deepEqual(
        (acmeSets[0]!.issues as { code: string; location: { tag?: string } }[]).map(
          (i) => `${i.code}@${i.location.tag}`,
        ),
        ['mandatory-segment-missing@DTM'],
      );
      const [acmeAck] = await acknowledgmentsOfReceipt(h.db, acme);
      assert.match(acmeAck!.body, /AK3\*DTM\*/);
      assert.match(acmeAck!.body, /AK5\*R/);

      const globex = await h.arrive('globex', withEnvelope(GOLDEN_856, { sender: 'GLOBEX' }));
      assert.equal((await processReceipt(h.deps, globex)).outcome, 'accepted');
      const [globexAck] = await acknowledgmentsOfReceipt(h.db, globex);
      assert.doesNotMatch(globexAck!.body, /AK3\*/);
      assert.match(globexAck!.body, /AK9\*A\*1\*1\*1~/);
    });

    it('validates with the standard specs when no resolver per partner is given', async () => {
      const h = harness(await engine.open(), (dir) => [
        testPartner('acme', 'ACMEWIDGET', dir, {
          specOverlays: [{ set: '856', version: '004010', positions: { DTM: { usage: 'M' } } }],
        }),
      ]);
      const id = await h.arrive('acme', GOLDEN_856);
      assert.equal((await processReceipt(h.deps, id)).outcome, 'accepted');
    });
  });
}

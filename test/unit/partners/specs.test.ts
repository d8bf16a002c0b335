import assert from 'node:assert/strict';
import { loadSpecs } from '../../../src/config/x12-specs.ts';
import { compileOverlays, partnerSpecResolvers } from '../../../src/partners/specs.ts';
import type { Partner } from '../../../src/partners/partner.ts';
import { testPartner } from '../../helpers/pipeline.ts';

const specs = loadSpecs();
const DTM_MANDATORY = { set: '856', version: '004010', positions: { DTM: { usage: 'M' as const } } };

/** The usage of the first DTM under ST in a resolved 856. */
function dtmUsage(resolver: ReturnType<ReturnType<typeof partnerSpecResolvers>>, version: string) {
  const lookup = resolver.resolve(version, '856')!;
  const dtm = lookup.spec.root.children.find((c) => c.kind === 'segment' && c.tag === 'DTM');
  return { usage: dtm?.usage, fallback: lookup.fallback };
}

describe('partnerSpecResolvers', () => {
  const resolvers = partnerSpecResolvers(specs);
  const plain: Partner = testPartner('plain', 'PLAIN', '/tmp');
  const strict: Partner = testPartner('strict', 'STRICT', '/tmp', { specOverlays: [DTM_MANDATORY] });

  it('gives a partner without overlays the standard specs', () => {
    assert.equal(resolvers(plain), specs.registry);
  });

  it("narrows the overlaid set, also for a later version read as the overlay's", () => {
    assert.deepEqual(dtmUsage(resolvers(plain), '004010'), { usage: 'O', fallback: false });
    assert.deepEqual(dtmUsage(resolvers(strict), '004010'), { usage: 'M', fallback: false });
    assert.deepEqual(dtmUsage(resolvers(strict), '004060'), { usage: 'M', fallback: true });
  });

  it('leaves the sets and versions the overlays do not name as the standard has them', () => {
    const r = resolvers(strict);
    assert.equal(r.resolve('004010', '810')!.spec, specs.registry.resolve('004010', '810')!.spec);
    assert.equal(r.resolve('005010', '856')!.spec, specs.registry.resolve('005010', '856')!.spec);
    assert.equal(r.functionalGroupOf('856'), 'SH');
  });

  it('compiles the overlays of one loaded partner once', () => {
    assert.equal(resolvers(strict), resolvers(strict));
    const reloaded = { ...strict };
    assert.notEqual(resolvers(reloaded), resolvers(strict));
  });

  it('refuses a second overlay of the same set and version', () => {
    const { problems } = compileOverlays([DTM_MANDATORY, DTM_MANDATORY], specs);
    assert.deepEqual(problems, [
      { index: 1, message: '004010/856 is narrowed by an earlier overlay; merge the two' },
    ]);
  });
});

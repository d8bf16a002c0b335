import assert from 'node:assert/strict';
import { withPartnerConnection } from '../../../src/transports/partner-gate.ts';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('withPartnerConnection', () => {
  it('lets one piece of work per partner run at a time, in the order they asked', async () => {
    const events: string[] = [];
    let open = 0;
    let most = 0;
    const work = (name: string) =>
      withPartnerConnection('acme', async () => {
        open++;
        most = Math.max(most, open);
        events.push(`start ${name}`);
        await pause(20);
        events.push(`end ${name}`);
        open--;
        return name;
      });
    const results = await Promise.all([work('a'), work('b'), work('c')]);
    assert.deepEqual(results, ['a', 'b', 'c']);
    assert.equal(most, 1);
    assert.deepEqual(events, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('does not make one partner wait for another', async () => {
    let releaseSlow!: () => void;
    const slow = withPartnerConnection('slow', () => new Promise<void>((r) => (releaseSlow = r)));
    const other = await withPartnerConnection('other', () => Promise.resolve('done'));
    assert.equal(other, 'done');
    releaseSlow();
    await slow;
  });

  it('hands the turn on when the work fails', async () => {
    await assert.rejects(
      withPartnerConnection('acme', () => Promise.reject(new Error('server gone'))),
      /server gone/,
    );
    assert.equal(await withPartnerConnection('acme', () => Promise.resolve(1)), 1);
  });
});

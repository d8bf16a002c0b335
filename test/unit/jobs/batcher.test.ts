import assert from 'node:assert/strict';
import { Batcher, type Settled } from '../../../src/jobs/batcher.ts';

/** A batcher whose batches wait until released, recording what each held. */
function gated(options: { maxBatch?: number; maxInFlight?: number } = {}) {
  const batches: number[][] = [];
  const gates: (() => void)[] = [];
  const batcher = new Batcher<number, number>(async (items) => {
    batches.push(items);
    await new Promise<void>((resolve) => gates.push(resolve));
    return items.map((n): Settled<number> =>
      n < 0 ? { ok: false, error: new Error(`bad ${n}`) } : { ok: true, value: n * 10 },
    );
  }, options);
  const releaseAll = async () => {
    while (gates.length > 0) {
      gates.shift()!();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { batcher, batches, releaseAll };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('Batcher', () => {
  it('puts the items submitted in the same turn of the event loop into one batch', async () => {
    const { batcher, batches, releaseAll } = gated();
    const results = Promise.all([1, 2, 3].map((n) => batcher.submit(n)));
    await tick();
    await releaseAll();
    assert.deepEqual(await results, [10, 20, 30]);
    assert.deepEqual(batches, [[1, 2, 3]]);
  });

  it('gathers what arrives while the batches in flight run into the next one', async () => {
    const { batcher, batches, releaseAll } = gated({ maxInFlight: 1 });
    const first = batcher.submit(1);
    await tick();
    const later = [2, 3, 4].map((n) => batcher.submit(n));
    await tick();
    await tick();
    assert.deepEqual(batches, [[1]], 'nothing else starts while the first batch runs');
    await releaseAll();
    await releaseAll();
    assert.deepEqual(await Promise.all([first, ...later]), [10, 20, 30, 40]);
    assert.deepEqual(batches, [[1], [2, 3, 4]]);
  });

  it('keeps batches to maxBatch items and runs at most maxInFlight at once', async () => {
    const { batcher, batches, releaseAll } = gated({ maxBatch: 2, maxInFlight: 2 });
    const all = Promise.all([1, 2, 3, 4, 5].map((n) => batcher.submit(n)));
    await tick();
    assert.deepEqual(batches, [
      [1, 2],
      [3, 4],
    ]);
    assert.equal(batcher.running, 2);
    await releaseAll();
    await releaseAll();
    assert.deepEqual(await all, [10, 20, 30, 40, 50]);
    assert.deepEqual(batches, [[1, 2], [3, 4], [5]]);
  });

  it('fails only the item its batch says failed', async () => {
    const { batcher, releaseAll } = gated();
    const ok = batcher.submit(1);
    const bad = assert.rejects(batcher.submit(-1), /bad -1/);
    await tick();
    await releaseAll();
    assert.equal(await ok, 10);
    await bad;
  });

  it('fails every item of a batch that throws, and goes on with the next batch', async () => {
    let calls = 0;
    const batcher = new Batcher<number, number>((items) => {
      calls++;
      if (calls === 1) return Promise.reject(new Error('store down'));
      return Promise.resolve(items.map((n) => ({ ok: true, value: n })));
    });
    const first = [batcher.submit(1), batcher.submit(2)];
    await Promise.all(first.map((p) => assert.rejects(p, /store down/)));
    assert.equal(await batcher.submit(3), 3);
  });
});

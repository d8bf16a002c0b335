import assert from 'node:assert/strict';
import { Backoff, PartnerBackoffs } from '../../../src/transports/backoff.ts';

describe('Backoff', () => {
  it('doubles the wait after each failure, up to the cap', () => {
    const b = new Backoff(1000, 10_000);
    const delays = [1, 2, 3, 4, 5, 6].map(() => b.failed('refused', 0).delayMs);
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('allows an attempt only once the wait is over', () => {
    const b = new Backoff(1000, 10_000);
    assert.ok(b.ready(0));
    b.failed('refused', 5000);
    assert.ok(!b.ready(5999));
    assert.ok(b.ready(6000));
  });

  it('is worth a log line on the first failure and when the reason changes, not on every failure', () => {
    const b = new Backoff(1000, 10_000);
    const changed = ['refused', 'refused', 'refused', 'timed out', 'timed out', 'refused'].map(
      (r) => b.failed(r, 0).changed,
    );
    assert.deepEqual(changed, [true, false, false, true, false, true]);
  });

  it('starts again from the first wait after a success, and says how many failures it ended', () => {
    const b = new Backoff(1000, 10_000);
    b.failed('refused', 0);
    b.failed('refused', 0);
    assert.ok(b.down);
    assert.equal(b.succeeded(), 2);
    assert.ok(!b.down);
    assert.ok(b.ready(0));
    assert.equal(b.succeeded(), 0);
    const again = b.failed('refused', 0);
    assert.deepEqual([again.delayMs, again.changed], [1000, true]);
  });
});

describe('PartnerBackoffs', () => {
  it("makes a partner's channels to one server wait together, and no one else", () => {
    const backoffs = new PartnerBackoffs();
    const inbound = backoffs.of('acme', 'sftp://acme@files.acme.test:22', 1000, 10_000);
    const archive = backoffs.of('acme', 'sftp://acme@files.acme.test:22', 5000, 60_000);
    const otherServer = backoffs.of('acme', 'ftp://acme@legacy.acme.test:21', 1000, 10_000);
    const otherPartner = backoffs.of('globex', 'sftp://acme@files.acme.test:22', 1000, 10_000);
    assert.equal(inbound, archive);
    inbound.failed('connection refused', 0);
    assert.ok(!archive.ready(500), 'the second channel waits for the server too');
    assert.ok(otherServer.ready(500));
    assert.ok(otherPartner.ready(500));
    archive.succeeded();
    assert.ok(inbound.ready(500), 'one success clears it for both');
  });
});

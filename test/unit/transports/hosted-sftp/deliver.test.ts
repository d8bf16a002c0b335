import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayError } from '../../../../src/errors.ts';
import { deliverToHosted } from '../../../../src/transports/hosted-sftp/deliver.ts';

const ACK =
  'ISA*00*          *00*          *ZZ*DOCKSIDE       *ZZ*ACMEWIDGET     ~TA1*000000001~IEA*0*000000041~';

function deliveryFailed(retryable: boolean, message: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof GatewayError);
    assert.equal(e.code, 'delivery-failed');
    assert.equal(e.retryable, retryable);
    assert.match(e.message, message);
    return true;
  };
}

describe('deliverToHosted', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'dockside-hosted-deliver-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("writes the whole file into the partner's outbound folder and leaves no temporary file", async () => {
    const where = await deliverToHosted(root, 'acme', '997_000000041.x12', ACK);
    assert.equal(where, join(root, 'acme', 'outbound', '997_000000041.x12'));
    assert.equal(await readFile(where, 'latin1'), ACK);
    assert.deepEqual(await readdir(join(root, 'acme', 'outbound')), ['997_000000041.x12']);
    assert.deepEqual(await readdir(join(root, 'acme', '.outgoing')), []);
  });

  it('writes a string as single bytes (latin1) and bytes as they are', async () => {
    const text = await deliverToHosted(root, 'acme', 'a.x12', 'N1*ST*Caf\u00e9~');
    assert.equal((await readFile(text)).length, 'N1*ST*Caf\u00e9~'.length);
    const bytes = Buffer.from([0, 1, 2, 255]);
    assert.ok((await readFile(await deliverToHosted(root, 'acme', 'b.bin', bytes))).equals(bytes));
  });

  it('replaces an earlier file of the same name whole', async () => {
    await deliverToHosted(root, 'acme', 'a.x12', 'an older, longer acknowledgment body');
    await deliverToHosted(root, 'acme', 'a.x12', 'new');
    assert.equal(await readFile(join(root, 'acme', 'outbound', 'a.x12'), 'latin1'), 'new');
  });

  it('refuses a name that is a path, empty, or temporary-looking (hidden from the partner)', async () => {
    for (const name of ['', '.', '..', '../a.x12', 'sub/a.x12', 'a\\b', 'a\0b', 'a.x12.part', '.hidden']) {
      await assert.rejects(
        deliverToHosted(root, 'acme', name, ACK),
        deliveryFailed(false, /refusing to deliver/),
      );
    }
    assert.deepEqual(await readdir(root), []);
  });

  it('refuses a partner id that could name a folder outside the root', async () => {
    for (const id of ['../acme', 'Acme', '', 'a/b']) {
      await assert.rejects(
        deliverToHosted(root, id, 'a.x12', ACK),
        deliveryFailed(false, /is not a partner id/),
      );
    }
    assert.deepEqual(await readdir(root), []);
  });

  it('fails with delivery-failed, not retryable, when outbound is a regular file', async () => {
    await mkdir(join(root, 'acme'));
    await writeFile(join(root, 'acme', 'outbound'), 'a file, not a folder');
    await assert.rejects(
      deliverToHosted(root, 'acme', 'a.x12', ACK),
      deliveryFailed(false, /cannot write a\.x12 to the outbound folder of hosted partner acme/),
    );
  });
});

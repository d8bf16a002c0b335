import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayError } from '../../../src/errors.ts';
import { deliverToFolder } from '../../../src/transports/folder.ts';

const ACK =
  'ISA*00*          *00*          *ZZ*DOCKSIDE       *ZZ*ACMEWIDGET     ~TA1*000000001~IEA*0*000000041~';

describe('deliverToFolder', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'dockside-deliver-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes the whole file under its name, creating the folder, and leaves no temporary file', async () => {
    const path = join(root, 'acme', 'outbound');
    const where = await deliverToFolder({ kind: 'folder', path }, '997_000000041.x12', ACK);
    assert.equal(where, join(path, '997_000000041.x12'));
    assert.equal(await readFile(where, 'utf8'), ACK);
    assert.deepEqual(await readdir(path), ['997_000000041.x12']);
  });

  it('writes the body as single bytes (latin1), as X12 is a byte format', async () => {
    const where = await deliverToFolder({ kind: 'folder', path: root }, 'a.x12', 'N1*ST*Caf\u00e9~');
    const bytes = await readFile(where);
    assert.equal(bytes.length, 'N1*ST*Caf\u00e9~'.length);
    assert.equal(bytes[bytes.length - 2], 0xe9);
  });

  it('replaces an earlier file of the same name whole', async () => {
    await writeFile(join(root, 'a.x12'), 'an older, longer acknowledgment body');
    await deliverToFolder({ kind: 'folder', path: root }, 'a.x12', 'new');
    assert.equal(await readFile(join(root, 'a.x12'), 'utf8'), 'new');
    assert.deepEqual(await readdir(root), ['a.x12']);
  });

  it('fails with delivery-failed, not retryable, when the folder is under a regular file', async () => {
    await writeFile(join(root, 'blocker'), 'a file, not a folder');
    const path = join(root, 'blocker', 'outbound');
    await assert.rejects(deliverToFolder({ kind: 'folder', path }, 'a.x12', ACK), (e: unknown) => {
      assert.ok(e instanceof GatewayError);
      assert.equal(e.code, 'delivery-failed');
      assert.equal(e.retryable, false);
      assert.match(e.message, /a\.x12/);
      assert.ok(e.message.includes(path), e.message);
      return true;
    });
  });

  it('fails with delivery-failed, not retryable, when the folder path is itself a regular file', async () => {
    const path = join(root, 'outbound');
    await writeFile(path, 'a file, not a folder');
    await assert.rejects(deliverToFolder({ kind: 'folder', path }, 'a.x12', ACK), (e: unknown) => {
      assert.ok(e instanceof GatewayError);
      assert.equal(e.code, 'delivery-failed');
      assert.equal(e.retryable, false);
      return true;
    });
  });

  it('fails with delivery-failed, not retryable, and removes its temporary file when the name is taken by a folder', async () => {
    await mkdir(join(root, 'a.x12'));
    await assert.rejects(deliverToFolder({ kind: 'folder', path: root }, 'a.x12', ACK), (e: unknown) => {
      assert.ok(e instanceof GatewayError);
      assert.equal(e.code, 'delivery-failed');
      assert.equal(e.retryable, false);
      return true;
    });
    assert.deepEqual(await readdir(root), ['a.x12'], 'a temporary file was left behind');
  });

  it('refuses a name that is a path, so nothing lands outside the partner folder', async () => {
    const path = join(root, 'acme', 'outbound');
    for (const name of ['../escape.x12', 'sub/a.x12', '..', '', 'a\\b.x12']) {
      await assert.rejects(deliverToFolder({ kind: 'folder', path }, name, ACK), (e: unknown) => {
        assert.ok(e instanceof GatewayError);
        assert.equal(e.code, 'delivery-failed');
        assert.equal(e.retryable, false);
        return true;
      });
    }
    assert.deepEqual(await readdir(root), []);
  });
});

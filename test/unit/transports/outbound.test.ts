import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayError } from '../../../src/errors.ts';
import { silentLogger } from '../../../src/log.ts';
import { deliverOver } from '../../../src/transports/outbound.ts';

const ACK =
  'ISA*00*          *00*          *ZZ*DOCKSIDE       *ZZ*ACMEWIDGET     ~TA1*000000001~IEA*0*000000041~';

describe('deliverOver', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'dockside-outbound-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes to a folder channel and says where', async () => {
    const path = join(root, 'out');
    const d = await deliverOver('acme', { kind: 'folder', path }, '997_1.x12', ACK, silentLogger());
    assert.deepEqual(d, { channelKind: 'folder', deliveredTo: join(path, '997_1.x12') });
    assert.equal(await readFile(d.deliveredTo, 'latin1'), ACK);
  });

  it("writes into the partner's outbound/ under the hosted root, whole", async () => {
    const d = await deliverOver('acme', { kind: 'hosted', root }, '997_1.x12', ACK, silentLogger());
    assert.equal(d.channelKind, 'hosted');
    assert.equal(d.deliveredTo, join(root, 'acme', 'outbound', '997_1.x12'));
    assert.equal(await readFile(d.deliveredTo, 'latin1'), ACK);
    assert.deepEqual(await readdir(join(root, 'acme', 'outbound')), ['997_1.x12']);
  });

  it('refuses a name that is a path, whatever the channel, before connecting anywhere', async () => {
    const channels = [
      { kind: 'hosted' as const, root },
      {
        kind: 'sftp' as const,
        host: '127.0.0.1',
        port: 1,
        user: 'x',
        password: 'env:NOT_SET_ANYWHERE',
        hostKey: { fingerprints: [], trustOnFirstUse: false, learnedFile: join(root, 'kh') },
        directory: '/in',
      },
    ];
    for (const channel of channels) {
      await assert.rejects(
        deliverOver('acme', channel, '../escape.x12', ACK, silentLogger()),
        (e: unknown) => {
          assert.ok(e instanceof GatewayError);
          assert.equal(e.code, 'delivery-failed');
          assert.equal(e.retryable, false);
          return true;
        },
      );
    }
    assert.deepEqual(await readdir(root), []);
  });

  it('fails without retrying when a secret reference does not resolve, naming the partner', async () => {
    const channel = {
      kind: 'ftp' as const,
      host: '127.0.0.1',
      port: 1,
      user: 'x',
      password: 'env:DOCKSIDE_TEST_UNSET_SECRET',
      tls: { mode: 'none' as const },
      directory: '/in',
    };
    await assert.rejects(deliverOver('acme', channel, 'a.x12', ACK, silentLogger()), (e: unknown) => {
      assert.ok(e instanceof GatewayError);
      assert.equal(e.retryable, false);
      assert.match(
        e.message,
        /partner acme, outbound channel: password: env:DOCKSIDE_TEST_UNSET_SECRET does not resolve/,
      );
      return true;
    });
  });

  it('fails, to be retried, when the server cannot be reached', async () => {
    const channel = {
      kind: 'sftp' as const,
      host: '127.0.0.1',
      port: 1,
      user: 'x',
      password: 'env:HOME',
      hostKey: { fingerprints: [], trustOnFirstUse: false, learnedFile: join(root, 'kh') },
      directory: '/in',
    };
    await assert.rejects(deliverOver('acme', channel, 'a.x12', ACK, silentLogger()), (e: unknown) => {
      assert.ok(e instanceof GatewayError);
      assert.equal(e.code, 'channel-unavailable');
      assert.equal(e.retryable, true);
      assert.match(e.message, /^sftp:\/\/x@127\.0\.0\.1:1: cannot connect: /);
      return true;
    });
  });
});

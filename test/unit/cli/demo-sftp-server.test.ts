// The demo supplier's SFTP server, driven by the gateway's own SFTP channel code (connectSftp), which is what
// polls it in the demo: a real handshake, the host key checked against a known-hosts entry, a password login.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DemoSftpServer } from '../../../src/cli/demo-sftp-server.ts';
import { GatewayError } from '../../../src/errors.ts';
import { createLogger } from '../../../src/log.ts';
import type { SftpEndpoint } from '../../../src/partners/partner.ts';
import { loadHostKeys, type HostKey } from '../../../src/transports/hosted-sftp/host-key.ts';
import type { RemoteFs } from '../../../src/transports/remote-fs.ts';
import { connectSftp } from '../../../src/transports/sftp.ts';

const log = createLogger({ level: 'silent' });
const PASSWORD_VARIABLE = 'DOCKSIDE_TEST_DEMO_SUPPLIER_PASSWORD';

describe('DemoSftpServer', function () {
  this.timeout(30_000);
  const dir = mkdtempSync(join(tmpdir(), 'dockside-demo-sftp-'));
  const root = join(dir, 'root');
  let server: DemoSftpServer;
  let key: HostKey;
  let endpoint: SftpEndpoint;
  const open: RemoteFs[] = [];
  const connect = async (change: Partial<SftpEndpoint> = {}) => {
    const fs = await connectSftp({ ...endpoint, ...change }, { owner: 'partner demo, channel pull', log });
    open.push(fs);
    return fs;
  };

  before(async () => {
    mkdirSync(join(root, 'outbound'), { recursive: true });
    mkdirSync(join(root, 'inbound'));
    writeFileSync(join(root, 'outbound', 'asn.edi'), 'ISA*00*~');
    writeFileSync(join(dir, 'outside.txt'), 'not served');
    symlinkSync(join(dir, 'outside.txt'), join(root, 'outbound', 'link.edi'));
    [key] = (await loadHostKeys(join(dir, 'keys'))).filter((k) => k.type === 'ssh-ed25519') as [HostKey];
    process.env[PASSWORD_VARIABLE] = 'demo-password';
    server = await DemoSftpServer.start({
      root,
      host: '127.0.0.1',
      port: 0,
      user: 'dockside',
      password: 'demo-password',
      hostKeys: [key],
      log,
    });
    endpoint = {
      host: '127.0.0.1',
      port: server.port,
      user: 'dockside',
      password: `env:${PASSWORD_VARIABLE}`,
      hostKey: { fingerprints: [key.fingerprint], trustOnFirstUse: false, learnedFile: join(dir, 'learned') },
    };
  });

  after(async () => {
    await Promise.all(open.map((fs) => fs.close()));
    await server.close();
    delete process.env[PASSWORD_VARIABLE];
  });

  it('serves its folder to the gateway: list, download, upload, rename, delete', async () => {
    const fs = await connect();
    const listed = await fs.list('/outbound');
    assert.deepEqual(
      listed.map((e) => [e.name, e.size, e.isFile]),
      [['asn.edi', 8, true]],
    );
    await fs.download('/outbound/asn.edi', join(dir, 'downloaded.edi'));
    assert.equal(readFileSync(join(dir, 'downloaded.edi'), 'utf8'), 'ISA*00*~');
    await fs.mkdir('/outbound/archive');
    await fs.rename('/outbound/asn.edi', '/outbound/archive/asn.edi');
    assert.equal(readFileSync(join(root, 'outbound', 'archive', 'asn.edi'), 'utf8'), 'ISA*00*~');
    await fs.upload(Buffer.from('ack'), '/inbound/997_1.x12.part');
    await fs.rename('/inbound/997_1.x12.part', '/inbound/997_1.x12');
    await fs.upload(Buffer.from('ack again'), '/inbound/997_1.x12.part');
    // A rename onto an existing file replaces it (the channel removes the old one first).
    await fs.rename('/inbound/997_1.x12.part', '/inbound/997_1.x12');
    assert.equal(readFileSync(join(root, 'inbound', '997_1.x12'), 'utf8'), 'ack again');
    await fs.delete('/inbound/997_1.x12');
    assert.equal(existsSync(join(root, 'inbound', '997_1.x12')), false);
    assert.equal(await fs.stat('/inbound/997_1.x12'), undefined);
  });

  it('keeps every path inside its folder and serves no symbolic link', async () => {
    const fs = await connect();
    await fs.upload(Buffer.from('x'), '/../../escape.edi');
    assert.equal(readFileSync(join(root, 'escape.edi'), 'utf8'), 'x');
    assert.equal(existsSync(join(dir, '..', 'escape.edi')), false);
    assert.equal(await fs.stat('/../outside.txt'), undefined);
    await assert.rejects(fs.download('/outbound/link.edi', join(dir, 'link-copy')), GatewayError);
    assert.equal(await fs.stat('/outbound/link.edi').catch(() => 'refused'), 'refused');
    await assert.rejects(fs.upload(Buffer.from('overwritten'), '/outbound/link.edi'), GatewayError);
    assert.equal(readFileSync(join(dir, 'outside.txt'), 'utf8'), 'not served');
  });

  it('refuses a wrong password and another login name', async () => {
    process.env.DOCKSIDE_TEST_DEMO_WRONG = 'guess';
    try {
      await assert.rejects(
        connect({ password: 'env:DOCKSIDE_TEST_DEMO_WRONG' }),
        (e: unknown) => e instanceof GatewayError && e.code === 'login-refused',
      );
      await assert.rejects(
        connect({ user: 'root' }),
        (e: unknown) => e instanceof GatewayError && e.code === 'login-refused',
      );
    } finally {
      delete process.env.DOCKSIDE_TEST_DEMO_WRONG;
    }
  });

  it('shows the host key it was given, so a pin on another key refuses it', async () => {
    await assert.rejects(
      connect({
        hostKey: {
          fingerprints: ['SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
          trustOnFirstUse: false,
          learnedFile: join(dir, 'learned'),
        },
      }),
      (e: unknown) =>
        e instanceof GatewayError && e.code === 'host-key-refused' && e.message.includes(key.fingerprint),
    );
  });
});

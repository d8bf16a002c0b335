// The FTP channel against a real vsftpd that this test starts (test/helpers/vsftpd.ts): plain FTP, and FTPS
// with TLS required by the server, its certificate trusted as a CA or pinned by fingerprint; with the real
// intake on the test database.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, chownSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Client } from 'basic-ftp';
import { GatewayError } from '../../src/errors.ts';
import { localLeases } from '../../src/jobs/lease.ts';
import { silentLogger } from '../../src/log.ts';
import type { FtpInbound, FtpOutbound } from '../../src/partners/partner.ts';
import type { Db } from '../../src/store/db.ts';
import { connectFtp } from '../../src/transports/ftp.ts';
import { deliverOver } from '../../src/transports/outbound.ts';
import { ChannelPoller } from '../../src/transports/poller.ts';
import { until } from '../helpers/cluster.ts';
import { harness, type Harness } from '../helpers/pipeline.ts';
import { engines } from '../helpers/store.ts';
import { Vsftpd, vsftpdUnavailable } from '../helpers/vsftpd.ts';

const USER = 'dockside-ftp1';
const PASSWORD_ENV = 'DOCKSIDE_TEST_FTP_PASSWORD';
const TLS_PASSWORD_ENV = 'DOCKSIDE_TEST_FTPS_PASSWORD';

interface ReceiptRow {
  remote_path: string;
  size: number;
  sha256: string;
  channel_kind: string;
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('FTP channel (vsftpd)', function () {
  this.timeout(120_000);
  let plain: Vsftpd;
  let secure: Vsftpd;
  let db: Db;
  let h: Harness;
  let work: string;
  const running: ChannelPoller[] = [];

  before(async function () {
    const why = vsftpdUnavailable();
    if (why) {
      if (process.env.CI) throw new Error(why);
      this.skip();
    }
    plain = await Vsftpd.start({ users: [USER] });
    secure = await Vsftpd.start({ users: [USER], requireTls: true });
    // One account on both servers: its password is the one set last.
    process.env[PASSWORD_ENV] = secure.account(USER).password;
    process.env[TLS_PASSWORD_ENV] = secure.account(USER).password;
  });

  beforeEach(async () => {
    db = await engines().at(-1)!.open();
    h = harness(db);
    work = join(tmpdir(), `dockside-ftp-test-${process.pid}-${Date.now()}`);
    await mkdir(work, { recursive: true });
    for (const server of [plain, secure]) {
      for (const sub of ['outbound', 'inbound']) {
        const dir = join(server.home(USER), sub);
        for (const f of readdirSync(dir)) await rm(join(dir, f), { recursive: true, force: true });
      }
    }
  });

  afterEach(async () => {
    for (const p of running.splice(0)) await p.stop();
    await rm(work, { recursive: true, force: true });
  });

  after(async () => {
    await plain?.close();
    await secure?.close();
    delete process.env[PASSWORD_ENV];
    delete process.env[TLS_PASSWORD_ENV];
  });

  function channel(server: Vsftpd, o: Partial<FtpInbound> = {}): FtpInbound {
    return {
      kind: 'ftp',
      id: 'legacy',
      host: '127.0.0.1',
      port: server.port,
      user: USER,
      password: `env:${server === plain ? PASSWORD_ENV : TLS_PASSWORD_ENV}`,
      tls: server === plain ? { mode: 'none' } : { mode: 'explicit', ca: server.certificateFile },
      directories: ['/outbound'],
      pollIntervalMs: 200,
      patterns: ['*.edi'],
      maxFilesPerPoll: 100,
      readLock: { kind: 'changed', checks: 2, doneFile: '{name}.done' },
      completion: { kind: 'move', to: 'archive' },
      backoffMaxMs: 1000,
      ...o,
    };
  }

  function poller(c: FtpInbound): ChannelPoller {
    const p = new ChannelPoller({
      partnerId: 'acme',
      channel: c,
      directories: c.directories,
      channelKind: 'ftp-poll',
      label: `ftp://${c.host}:${c.port}`,
      connect: () => connectFtp(c, { owner: 'partner acme, channel legacy' }),
      intake: h.intake,
      log: silentLogger(),
      leases: localLeases,
      scratchDir: join(work, 'scratch'),
    });
    running.push(p);
    return p;
  }

  function drop(server: Vsftpd, name: string, body: string): string {
    const path = join(server.home(USER), 'outbound', name);
    writeFileSync(path, body);
    const a = server.account(USER);
    chownSync(path, a.uid, a.gid);
    return path;
  }

  const receipts = () =>
    db.query<ReceiptRow>('select remote_path, size, sha256, channel_kind from receipts order by id');

  async function refusal(c: FtpInbound): Promise<GatewayError> {
    try {
      const fs = await connectFtp(c, { owner: 'partner acme, channel legacy' });
      await fs.close();
    } catch (e) {
      assert.ok(e instanceof GatewayError, String(e));
      return e;
    }
    assert.fail('the connection was made');
  }

  it('takes a stable file over plain FTP, keyed by its MDTM time, and moves it to the archive', async () => {
    const p = poller(channel(plain));
    drop(plain, 'po.edi', 'ISA*00*ftp~');
    drop(plain, 'notes.txt', 'not a pattern match');
    assert.equal(await p.poll(), 0);
    assert.equal(await p.poll(), 1);
    const rows = await receipts();
    assert.deepEqual(rows, [
      { remote_path: '/outbound/po.edi', size: 11, sha256: sha256('ISA*00*ftp~'), channel_kind: 'ftp-poll' },
    ]);
    assert.deepEqual(readdirSync(join(plain.home(USER), 'outbound')).sort(), ['archive', 'notes.txt']);
    assert.deepEqual(readdirSync(join(plain.home(USER), 'outbound', 'archive')), ['po.edi']);
  });

  it('takes a file over FTPS on a server that requires TLS, trusting its certificate as the CA', async () => {
    const p = poller(channel(secure, { readLock: { kind: 'changed', checks: 1, doneFile: '' } }));
    drop(secure, 'asn.edi', 'ISA*00*ftps~');
    assert.equal(await p.poll(), 1);
    assert.equal((await receipts())[0]!.sha256, sha256('ISA*00*ftps~'));
    const e = await refusal(channel(secure, { tls: { mode: 'none' } }));
    assert.equal(e.code, 'login-refused', 'the server let a client in without TLS');
  });

  it('takes a file over FTPS with the certificate pinned by its fingerprint instead', async () => {
    const c = channel(secure, {
      tls: { mode: 'explicit', fingerprint: secure.certificateFingerprint },
      readLock: { kind: 'changed', checks: 1, doneFile: '' },
    });
    drop(secure, 'asn.edi', 'pinned');
    assert.equal(await poller(c).poll(), 1);
  });

  it('refuses a certificate that is neither pinned nor trusted, printing its fingerprint', async () => {
    const other = Array.from({ length: 32 }, () => 'AB').join(':');
    const pinned = await refusal(channel(secure, { tls: { mode: 'explicit', fingerprint: other } }));
    assert.equal(pinned.code, 'host-key-refused');
    assert.ok(
      pinned.message.includes(secure.certificateFingerprint) && pinned.message.includes(other),
      pinned.message,
    );
    const untrusted = await refusal(channel(secure, { tls: { mode: 'explicit' } }));
    assert.equal(untrusted.code, 'host-key-refused');
    assert.ok(untrusted.message.includes(secure.certificateFingerprint), untrusted.message);
    assert.match(untrusted.message, /not trusted/);
  });

  it('refuses a wrong password as a login problem', async () => {
    process.env.DOCKSIDE_TEST_FTP_WRONG = 'wrong';
    const e = await refusal(channel(plain, { password: 'env:DOCKSIDE_TEST_FTP_WRONG' }));
    assert.equal(e.code, 'login-refused');
    assert.equal(e.retryable, false);
    delete process.env.DOCKSIDE_TEST_FTP_WRONG;
  });

  it('takes a file written slowly once, whole, and one uploaded as .part then renamed once, whole', async () => {
    const p = poller(channel(plain, { pollIntervalMs: 1000 }));
    p.start();
    const path = drop(plain, 'slow.edi', '');
    let slow = '';
    for (let i = 0; i < 10; i++) {
      const part = `SEG*${i}*${'s'.repeat(300)}~\n`;
      slow += part;
      appendFileSync(path, part);
      await pause(250);
      assert.deepEqual(await receipts(), [], `taken while still being written (after part ${i})`);
    }
    const partner = new Client(10_000);
    await partner.access({
      host: '127.0.0.1',
      port: plain.port,
      user: USER,
      password: process.env[PASSWORD_ENV],
    });
    const uploaded = `UPLOAD*${'u'.repeat(50_000)}~\n`;
    try {
      await partner.uploadFrom(Readable.from([Buffer.from(uploaded)]), '/outbound/upload.edi.part');
      await pause(1500);
      await partner.rename('/outbound/upload.edi.part', '/outbound/upload.edi');
    } finally {
      partner.close();
    }
    await until('both files taken', async () => (await receipts()).length >= 2, 30_000);
    await pause(2500);
    const rows = await receipts();
    assert.deepEqual(rows.map((r) => [r.remote_path, r.sha256]).sort(), [
      ['/outbound/slow.edi', sha256(slow)],
      ['/outbound/upload.edi', sha256(uploaded)],
    ]);
  });

  describe('delivery', () => {
    const ACK = 'ISA*00*          *00*          *ZZ*DOCKSIDE       *ZZ*ACME           ~IEA*0*000000042~';

    function outbound(server: Vsftpd): FtpOutbound {
      const { host, port, user, password, tls } = channel(server);
      return {
        kind: 'ftp',
        host,
        port,
        user,
        ...(password ? { password } : {}),
        tls,
        directory: '/inbound/acks',
      };
    }

    it('uploads as NAME.part and renames it, over FTP and over FTPS', async () => {
      for (const server of [plain, secure]) {
        const d = await deliverOver('acme', outbound(server), '997_000000042.x12', ACK, silentLogger());
        assert.equal(d.channelKind, 'ftp');
        assert.equal(
          d.deliveredTo,
          `${server === plain ? 'ftp' : 'ftps'}://${USER}@127.0.0.1:${server.port}/inbound/acks/997_000000042.x12`,
        );
        const dir = join(server.home(USER), 'inbound', 'acks');
        assert.deepEqual(readdirSync(dir), ['997_000000042.x12']);
        assert.equal(readFileSync(join(dir, '997_000000042.x12'), 'latin1'), ACK);
      }
    });

    it('fails, to be retried, while the server is down', async () => {
      await plain.stop();
      try {
        await assert.rejects(
          deliverOver('acme', outbound(plain), 'a.x12', ACK, silentLogger()),
          (e: unknown) => {
            assert.ok(e instanceof GatewayError);
            assert.equal(e.code, 'channel-unavailable');
            assert.equal(e.retryable, true);
            return true;
          },
        );
      } finally {
        await plain.restart();
      }
    });
  });
});

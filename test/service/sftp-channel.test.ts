// The SFTP channel against a real OpenSSH sshd that this test starts (test/helpers/sshd.ts), with the real
// intake on the test database: logins, host-key pinning, completions, files that are still being written,
// a download cut off by sshd dying, several processes sharing a channel, and deliveries back.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  chownSync,
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import SftpClient from 'ssh2-sftp-client';
import { GatewayError } from '../../src/errors.ts';
import { RedisLeases, localLeases, type Leases } from '../../src/jobs/lease.ts';
import { createLogger, silentLogger, type Logger } from '../../src/log.ts';
import type { SftpInbound, SftpOutbound } from '../../src/partners/partner.ts';
import type { Db } from '../../src/store/db.ts';
import { ChannelPoller } from '../../src/transports/poller.ts';
import { deliverOver } from '../../src/transports/outbound.ts';
import { connectSftp } from '../../src/transports/sftp.ts';
import { until } from '../helpers/cluster.ts';
import { harness, type Harness } from '../helpers/pipeline.ts';
import { Sshd, ThrottledProxy, sshdUnavailable } from '../helpers/sshd.ts';
import { engines, REDIS_URL } from '../helpers/store.ts';

const USER = 'dockside-sftp1';
const PASSWORD_ENV = 'DOCKSIDE_TEST_SFTP_PASSWORD';

interface ReceiptRow {
  id: number;
  remote_path: string;
  size: number;
  sha256: string;
  duplicate_of: number | null;
  channel_kind: string;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SFTP channel (OpenSSH sshd)', function () {
  this.timeout(120_000);
  let sshd: Sshd;
  let db: Db;
  let h: Harness;
  let work: string;
  const running: { stop(): Promise<void> }[] = [];

  before(async function () {
    const why = sshdUnavailable();
    if (why) {
      // In CI the sshd tests must run; elsewhere (a laptop without root) they are skipped.
      if (process.env.CI) throw new Error(why);
      this.skip();
    }
    sshd = await Sshd.start({ users: [USER] });
    process.env[PASSWORD_ENV] = sshd.account(USER).password;
  });

  beforeEach(async () => {
    db = await engines().at(-1)!.open();
    h = harness(db);
    work = join(tmpdir(), `dockside-sftp-test-${process.pid}-${Date.now()}`);
    await mkdir(work, { recursive: true });
    await sshd?.restart();
    for (const sub of ['outbound', 'inbound']) {
      const dir = join(sshd.home(USER), sub);
      for (const f of readdirSync(dir)) await rm(join(dir, f), { recursive: true, force: true });
    }
  });

  afterEach(async () => {
    for (const r of running.splice(0)) await r.stop();
    await rm(work, { recursive: true, force: true });
  });

  after(async () => {
    await sshd?.close();
    delete process.env[PASSWORD_ENV];
  });

  function channel(o: Partial<SftpInbound> = {}): SftpInbound {
    return {
      kind: 'sftp',
      id: 'pull',
      host: '127.0.0.1',
      port: sshd.port,
      user: USER,
      password: `env:${PASSWORD_ENV}`,
      hostKey: {
        fingerprints: sshd.fingerprints(),
        trustOnFirstUse: false,
        learnedFile: join(work, 'known-host'),
      },
      directories: ['/outbound'],
      pollIntervalMs: 200,
      patterns: ['*'],
      maxFilesPerPoll: 100,
      readLock: { kind: 'changed', checks: 2, doneFile: '{name}.done' },
      completion: { kind: 'delete', to: 'archive' },
      backoffMaxMs: 1000,
      ...o,
    };
  }

  function poller(
    c: SftpInbound,
    o: { leases?: Leases; log?: Logger; scratchDir?: string } = {},
  ): ChannelPoller {
    const log = o.log ?? silentLogger();
    const p = new ChannelPoller({
      partnerId: 'acme',
      channel: c,
      directories: c.directories,
      channelKind: 'sftp-poll',
      label: `sftp://${c.user}@${c.host}:${c.port}`,
      connect: () => connectSftp(c, { owner: 'partner acme, channel pull', log }),
      intake: h.intake,
      log,
      leases: o.leases ?? localLeases,
      scratchDir: o.scratchDir ?? join(work, 'scratch'),
    });
    running.push(p);
    return p;
  }

  /** Puts a file on the server as the partner's own systems would: on its disk, owned by the login. */
  function drop(name: string, body: string | Buffer, dir = 'outbound'): string {
    const path = join(sshd.home(USER), dir, name);
    writeFileSync(path, body);
    const a = sshd.account(USER);
    chownSync(path, a.uid, a.gid);
    return path;
  }

  const outbound = () => readdirSync(join(sshd.home(USER), 'outbound')).sort();
  const receipts = () =>
    db.query<ReceiptRow>(
      'select id, remote_path, size, sha256, duplicate_of, channel_kind from receipts order by id',
    );

  async function refusal(c: SftpInbound): Promise<GatewayError> {
    try {
      const fs = await connectSftp(c, { owner: 'partner acme, channel pull', log: silentLogger() });
      await fs.close();
    } catch (e) {
      assert.ok(e instanceof GatewayError, String(e));
      return e;
    }
    assert.fail('the connection was made');
  }

  it('takes a file by password login once it is stable, and deletes it only after the intake', async () => {
    const p = poller(channel());
    drop('asn.edi', 'ISA*00*first~');
    assert.equal(await p.poll(), 0);
    assert.deepEqual(await receipts(), []);
    assert.equal(await p.poll(), 1);
    const rows = await receipts();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.channel_kind, 'sftp-poll');
    assert.equal(rows[0]!.remote_path, '/outbound/asn.edi');
    assert.equal(rows[0]!.sha256, sha256(Buffer.from('ISA*00*first~')));
    assert.deepEqual(outbound(), []);
    assert.deepEqual(readdirSync(join(work, 'scratch')), [], 'a download was left behind');
  });

  it('logs in with a private key named by a file: reference', async () => {
    const c = channel({ password: undefined, privateKey: `file:${sshd.clientKey.privateKeyFile}` });
    delete c.password;
    drop('a.edi', 'by key');
    const p = poller(c);
    await p.poll();
    assert.equal(await p.poll(), 1);
  });

  it('moves taken files into an archive folder, under a timestamped name when the name is taken there', async () => {
    const p = poller(
      channel({
        completion: { kind: 'move', to: 'archive' },
        readLock: { kind: 'changed', checks: 1, doneFile: '' },
      }),
    );
    drop('a.edi', 'first');
    assert.equal(await p.poll(), 1);
    drop('a.edi', 'second, longer');
    assert.equal(await p.poll(), 1);
    const archive = readdirSync(join(sshd.home(USER), 'outbound', 'archive')).sort();
    assert.equal(archive.length, 2);
    assert.ok(archive.includes('a.edi'));
    assert.match(
      archive.find((n) => n !== 'a.edi')!,
      /^\d{4}-\d{2}-\d{2}T\d{9}Z-a\.edi$/,
    );
    assert.deepEqual(outbound(), ['archive']);
    assert.equal((await receipts()).length, 2);
  });

  it('leaves a file in place when told to, and a later process that sees it again records only a repeat', async () => {
    const c = channel({
      completion: { kind: 'leave', to: 'archive' },
      readLock: { kind: 'changed', checks: 1, doneFile: '' },
    });
    drop('a.edi', 'stays');
    assert.equal(await poller(c).poll(), 1);
    assert.equal(await poller(c).poll(), 0);
    const rows = await receipts();
    assert.equal(rows.length, 2);
    assert.equal(rows[1]!.duplicate_of, rows[0]!.id);
    assert.deepEqual(outbound(), ['a.edi']);
  });

  it('refuses a wrong password as a login problem, not as an unreachable server', async () => {
    process.env.DOCKSIDE_TEST_WRONG = 'not the password';
    const e = await refusal(channel({ password: 'env:DOCKSIDE_TEST_WRONG' }));
    assert.equal(e.code, 'login-refused');
    assert.equal(e.retryable, false);
    assert.ok(!e.message.includes('not the password'));
    delete process.env.DOCKSIDE_TEST_WRONG;
  });

  describe('host keys', () => {
    it('refuses a server whose key is not pinned, printing the fingerprint ssh-keygen gives for it', async () => {
      const e = await refusal(
        channel({ hostKey: { fingerprints: [], trustOnFirstUse: false, learnedFile: join(work, 'kh') } }),
      );
      assert.equal(e.code, 'host-key-refused');
      assert.ok(e.message.includes(`showed host key ssh-ed25519 ${sshd.fingerprints()[0]}`), e.message);
      assert.ok(!existsSync(join(work, 'kh')));
    });

    it('refuses a server whose key is another than the pinned one', async () => {
      const other = 'SHA256:rDfvbp3YzcrgFYotisok+DolKm9GhioK3OmxM7xXytI';
      const e = await refusal(
        channel({ hostKey: { fingerprints: [other], trustOnFirstUse: true, learnedFile: join(work, 'kh') } }),
      );
      assert.equal(e.code, 'host-key-refused');
      assert.ok(e.message.includes(sshd.fingerprints()[0]!) && e.message.includes(other), e.message);
    });

    it('learns the key on first use when allowed, enforces it, and refuses the server once its key changed', async () => {
      const tofu = channel({
        hostKey: { fingerprints: [], trustOnFirstUse: true, learnedFile: join(work, 'kh') },
      });
      const before = sshd.fingerprints()[0]!;
      const fs = await connectSftp(tofu, { owner: 'test', log: silentLogger() });
      await fs.close();
      assert.equal(
        (JSON.parse(readFileSync(join(work, 'kh'), 'utf8')) as { fingerprint: string }).fingerprint,
        before,
      );
      const again = await connectSftp(tofu, { owner: 'test', log: silentLogger() });
      await again.close();

      const pinned = channel();
      await sshd.stop();
      sshd.replaceHostKeys();
      await sshd.restart();
      try {
        const after = sshd.fingerprints()[0]!;
        assert.notEqual(after, before);
        const learned = await refusal(tofu);
        assert.equal(learned.code, 'host-key-refused');
        assert.ok(learned.message.includes(`showed host key ssh-ed25519 ${after}`), learned.message);
        assert.ok(
          learned.message.includes(`changed since ssh-ed25519 ${before} was trusted on first use`),
          learned.message,
        );
        const e = await refusal(pinned);
        assert.ok(e.message.includes(after) && e.message.includes(`not the pinned ${before}`), e.message);
      } finally {
        // The other tests pin whatever the server has now.
      }
    });
  });

  describe('files still being written', () => {
    it('takes a file written slowly over seconds once, whole, only after the writer stopped', async () => {
      const p = poller(
        channel({ pollIntervalMs: 1000, readLock: { kind: 'changed', checks: 2, doneFile: '' } }),
      );
      p.start();
      const path = drop('slow.edi', '');
      const parts: string[] = [];
      for (let i = 0; i < 12; i++) {
        const part = `SEG*${i}*${'x'.repeat(200)}~\n`;
        parts.push(part);
        appendFileSync(path, part);
        await pause(250);
        assert.deepEqual(await receipts(), [], `taken while still being written (after part ${i})`);
      }
      const whole = Buffer.from(parts.join(''));
      await until('the slow file taken', async () => (await receipts()).length > 0, 20_000);
      await pause(1500);
      const rows = await receipts();
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.size, whole.length);
      assert.equal(rows[0]!.sha256, sha256(whole));
    });

    it('takes a file uploaded as .part and then renamed once, whole, and never the .part', async () => {
      const p = poller(
        channel({ pollIntervalMs: 200, readLock: { kind: 'changed', checks: 2, doneFile: '' } }),
      );
      p.start();
      const partner = new SftpClient('partner', {
        error: () => undefined,
        end: () => undefined,
        close: () => undefined,
      });
      await partner.connect({
        host: '127.0.0.1',
        port: sshd.port,
        username: USER,
        password: sshd.account(USER).password,
      });
      const chunks: Buffer[] = [];
      try {
        const stream = partner.createWriteStream('/outbound/upload.edi.part');
        for (let i = 0; i < 10; i++) {
          const chunk = Buffer.from(`SEG*${i}*${'y'.repeat(1000)}~\n`);
          chunks.push(chunk);
          await new Promise<void>((resolve, reject) =>
            stream.write(chunk, (e) => (e ? reject(e) : resolve())),
          );
          await pause(200);
        }
        // ssh2's write stream closes its handle and emits close, not finish, when ended.
        await new Promise<void>((resolve) => {
          stream.once('close', () => resolve());
          stream.end();
        });
        await pause(500);
        assert.deepEqual(await receipts(), [], 'the .part file was taken');
        await partner.rename('/outbound/upload.edi.part', '/outbound/upload.edi');
      } finally {
        await partner.end();
      }
      await until('the renamed upload taken', async () => (await receipts()).length > 0, 20_000);
      await pause(600);
      const rows = await receipts();
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.remote_path, '/outbound/upload.edi');
      assert.equal(rows[0]!.sha256, sha256(Buffer.concat(chunks)));
    });

    it('takes a file only when its done marker arrives (done-file read lock)', async () => {
      const p = poller(channel({ readLock: { kind: 'done-file', checks: 2, doneFile: '{name}.done' } }));
      drop('a.edi', 'payload');
      assert.deepEqual([await p.poll(), await p.poll()], [0, 0]);
      drop('a.edi.done', '');
      assert.equal(await p.poll(), 1);
      assert.deepEqual(outbound(), []);
    });

    it('claims a file by renaming it to an in-progress name (rename read lock)', async () => {
      const p = poller(
        channel({
          readLock: { kind: 'rename', checks: 1, doneFile: '' },
          completion: { kind: 'move', to: 'archive' },
        }),
      );
      drop('a.edi', 'payload');
      assert.equal(await p.poll(), 1);
      assert.deepEqual(outbound(), ['archive']);
      assert.equal((await receipts())[0]!.remote_path, '/outbound/a.edi');
    });
  });

  it('records no receipt for a download cut off by sshd dying, and takes the file once when sshd is back', async function () {
    this.timeout(90_000);
    const body = Buffer.alloc(12 * 1024 * 1024);
    for (let i = 0; i < body.length; i += 4096) body.write(`block ${i}\n`, i);
    drop('big.edi', body);
    // 3 MB/s: the download takes about four seconds, long enough to kill sshd in the middle of it.
    const proxy = await ThrottledProxy.start(sshd.port, 3 * 1024 * 1024);
    const lines: { msg: string; level: number }[] = [];
    const log = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk: Buffer, _e, done) {
          for (const l of chunk.toString().split('\n').filter(Boolean))
            lines.push(JSON.parse(l) as { msg: string; level: number });
          done();
        },
      }),
    });
    const scratchDir = join(work, 'scratch-fault');
    try {
      const p = poller(
        channel({
          port: proxy.port,
          pollIntervalMs: 300,
          readLock: { kind: 'changed', checks: 1, doneFile: '' },
        }),
        {
          log,
          scratchDir,
        },
      );
      p.start();
      const partial = () =>
        existsSync(scratchDir)
          ? readdirSync(scratchDir).reduce((n, f) => n + statSync(join(scratchDir, f)).size, 0)
          : 0;
      await until('the download under way', () => partial() > 2 * 1024 * 1024, 30_000);
      await sshd.stop();
      await until('the partial download discarded', () => partial() === 0, 10_000);
      await pause(1500);
      assert.deepEqual(await receipts(), [], 'a receipt for a download that was cut short');
      assert.deepEqual(outbound(), ['big.edi']);
      await sshd.restart();
      await until('the file taken after sshd returned', async () => (await receipts()).length > 0, 60_000);
      await until('the file deleted after its intake', () => outbound().length === 0, 10_000);
      await pause(1000);
      const rows = await receipts();
      assert.equal(rows.length, 1, 'the file was taken more than once');
      assert.equal(rows[0]!.size, body.length);
      assert.equal(rows[0]!.sha256, sha256(body));
      const down = lines.filter(
        (l) => l.msg === 'cannot poll: the partner server is unreachable; backing off',
      );
      const up = lines.filter((l) => l.msg === 'partner server reachable again');
      assert.ok(down.length >= 1 && down.length <= 2, `logged ${down.length} times that the server was down`);
      assert.equal(up.length, 1);
    } finally {
      await proxy.close();
      await sshd.restart();
    }
  });

  it('is polled by one of two processes sharing a channel through Redis leases, each file taken once', async function () {
    const redisUrl = REDIS_URL;
    if (!redisUrl) return this.skip();
    const prefix = `dockside-sftp-test-${process.pid}:lease:`;
    const leasesA = new RedisLeases(redisUrl, 'process-a', prefix);
    const leasesB = new RedisLeases(redisUrl, 'process-b', prefix);
    const connects = { a: 0, b: 0 };
    const c = channel({ readLock: { kind: 'changed', checks: 1, doneFile: '' } });
    const make = (name: 'a' | 'b', leases: Leases) => {
      const p = new ChannelPoller({
        partnerId: 'acme',
        channel: c,
        directories: c.directories,
        channelKind: 'sftp-poll',
        label: name,
        connect: () => {
          connects[name]++;
          return connectSftp(c, { owner: name, log: silentLogger() });
        },
        intake: h.intake,
        log: silentLogger(),
        leases,
        scratchDir: join(work, `scratch-${name}`),
      });
      running.push(p);
      return p;
    };
    try {
      for (let i = 0; i < 20; i++) drop(`f${i}.edi`, `file ${i}`);
      make('a', leasesA).start();
      make('b', leasesB).start();
      await until('every file taken', async () => (await receipts()).length >= 20, 30_000);
      await pause(1000);
      for (const r of running.splice(0)) await r.stop();
      const rows = await receipts();
      assert.equal(rows.length, 20);
      assert.equal(new Set(rows.map((r) => r.remote_path)).size, 20);
      assert.ok(connects.a === 0 || connects.b === 0, `both processes polled: ${JSON.stringify(connects)}`);
    } finally {
      await leasesA.close();
      await leasesB.close();
    }
  });

  describe('delivery', () => {
    const ACK = 'ISA*00*          *00*          *ZZ*DOCKSIDE       *ZZ*ACME           ~IEA*0*000000041~';

    function outboundChannel(): SftpOutbound {
      const c = channel();
      return {
        kind: 'sftp',
        host: c.host,
        port: c.port,
        user: c.user,
        password: c.password,
        hostKey: c.hostKey,
        directory: '/inbound/acks',
      };
    }

    it('uploads as NAME.part and renames it, creating the folder, and replaces an earlier file of the name', async () => {
      const d = await deliverOver('acme', outboundChannel(), '997_000000041.x12', ACK, silentLogger());
      assert.equal(d.channelKind, 'sftp');
      assert.equal(d.deliveredTo, `sftp://${USER}@127.0.0.1:${sshd.port}/inbound/acks/997_000000041.x12`);
      const dir = join(sshd.home(USER), 'inbound', 'acks');
      assert.deepEqual(readdirSync(dir), ['997_000000041.x12']);
      assert.equal(readFileSync(join(dir, '997_000000041.x12'), 'latin1'), ACK);
      await deliverOver('acme', outboundChannel(), '997_000000041.x12', `${ACK}\n`, silentLogger());
      assert.deepEqual(readdirSync(dir), ['997_000000041.x12']);
      assert.equal(readFileSync(join(dir, '997_000000041.x12'), 'latin1'), `${ACK}\n`);
    });

    it('fails, to be retried, while the server is down', async () => {
      await sshd.stop();
      try {
        await assert.rejects(
          deliverOver('acme', outboundChannel(), 'a.x12', ACK, silentLogger()),
          (e: unknown) => {
            assert.ok(e instanceof GatewayError);
            assert.equal(e.code, 'channel-unavailable');
            assert.equal(e.retryable, true);
            return true;
          },
        );
      } finally {
        await sshd.restart();
      }
    });
  });
});

// The hosted SFTP server driven by OpenSSH's own `sftp` client in batch mode, with a real intake on PGlite:
// "recorded" below means a receipt row, and "taken in" means its blob holds the uploaded bytes.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createIntake, type Intake } from '../../src/intake/receive.ts';
import { silentLogger } from '../../src/log.ts';
import { FileBlobStore } from '../../src/store/blobs.ts';
import type { Db } from '../../src/store/db.ts';
import type { HostedAccount } from '../../src/transports/hosted-sftp/auth.ts';
import { deliverToHosted } from '../../src/transports/hosted-sftp/deliver.ts';
import { hashPassword } from '../../src/transports/hosted-sftp/password.ts';
import type { LoginThrottleOptions } from '../../src/login-throttle.ts';
import { HostedSftpServer, type HostedSftpLimits } from '../../src/transports/hosted-sftp/server.ts';
import { until } from '../helpers/cluster.ts';
import { RecordingQueue } from '../helpers/pipeline.ts';
import {
  finished,
  killGroup,
  LogCapture,
  makeClientKey,
  runSftp,
  spawnSftp,
  writeAskpass,
  writeKnownHosts,
  type SftpLogin,
} from '../helpers/sftp-client.ts';
import { engines } from '../helpers/store.ts';

const exec = promisify(execFile);

const PASSWORD = 'correct horse battery staple';
const MAX_UPLOAD = 3 * 1024 * 1024;
const ACK =
  'ISA*00*          *00*          *ZZ*DOCKSIDE       *ZZ*ACMEWIDGET     *261126*1200*U*00401*000000041*0*P*>~' +
  'GS*FA*DOCKSIDE*ACMEWIDGET*20261126*1200*41*X*004010~ST*997*0001~AK1*SH*1~AK9*A*1*1*1~SE*4*0001~' +
  'GE*1*41~IEA*1*000000041~';

interface ReceiptRow {
  id: number;
  channelKind: string;
  channelId: string;
  partnerId: string;
  remotePath: string;
  fileName: string;
  size: number;
  sha256: string;
  blobKey: string;
  duplicateOf: number | null;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
/** What the client printed, without the echo of the batch's own commands. */
const printed = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => !l.startsWith('sftp>'))
    .join('\n');

describe('hosted SFTP server (OpenSSH sftp client)', function () {
  this.timeout(60_000);

  let dir: string;
  let root: string;
  let local: string;
  let db: Db;
  let blobs: FileBlobStore;
  let intake: Intake;
  let logs: LogCapture;
  let server: HostedSftpServer;
  let knownHosts: string;
  let askpass: string;
  let keys: Record<'acme' | 'acmeRsa' | 'globex' | 'stranger', string>;
  /** Called by the intake before it stores anything; a test may hold uploads there. */
  let gate: (() => Promise<void>) | undefined;
  const accounts: HostedAccount[] = [];

  const login = (
    user: string,
    how: { key?: string; password?: string },
    port = server.address().port,
  ): SftpLogin => ({
    port,
    user,
    knownHosts,
    askpass,
    ...how,
  });
  const acme = () => login('acme', { key: keys.acme });
  const sftp = (who: SftpLogin, commands: string[]) => runSftp(who, commands, { cwd: local });

  const receipts = () =>
    db.query<ReceiptRow>(
      `select id, channel_kind as "channelKind", channel_id as "channelId", partner_id as "partnerId",
         remote_path as "remotePath", file_name as "fileName", size, sha256, blob_key as "blobKey",
         duplicate_of as "duplicateOf"
       from receipts order by id`,
    );
  const blobBytes = async (key: string) => {
    const chunks: Buffer[] = [];
    for await (const chunk of blobs.read(key)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };
  const localFile = async (name: string, bytes: Buffer | string) => {
    await writeFile(join(local, name), bytes);
    return typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  };
  // The tests' many deliberate failures all come from 127.0.0.1: the address limit is raised out of their way
  // except where a test is about it.
  const startServer = (
    limits: Partial<HostedSftpLimits>,
    log = logs,
    loginThrottle: LoginThrottleOptions = { maxFailuresPerAddress: 1000 },
  ) =>
    HostedSftpServer.start({
      root,
      hostKeysDir: join(dir, 'keys'),
      host: '127.0.0.1',
      port: 0,
      accounts: () => accounts,
      intake,
      log: log.log,
      limits,
      loginThrottle,
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dockside-hosted-'));
    root = join(dir, 'hosted');
    local = join(dir, 'local');
    await mkdir(local);
    const engine = engines()[0];
    assert.ok(engine);
    db = await engine.open();
    blobs = new FileBlobStore(join(dir, 'blobs'));
    const real = createIntake({ db, blobs, queue: new RecordingQueue(), log: silentLogger() });
    intake = {
      async receive(source, meta) {
        await gate?.();
        return real.receive(source, meta);
      },
    };
    const [acmeKey, acmeRsa, globex, stranger] = await Promise.all([
      makeClientKey(dir, 'acme'),
      makeClientKey(dir, 'acme-rsa', 'rsa'),
      makeClientKey(dir, 'globex'),
      makeClientKey(dir, 'stranger'),
    ]);
    keys = { acme: acmeKey.file, acmeRsa: acmeRsa.file, globex: globex.file, stranger: stranger.file };
    accounts.push(
      {
        partnerId: 'acme',
        passwordHash: await hashPassword(PASSWORD),
        publicKeys: [await readFile(acmeKey.publicFile, 'utf8'), await readFile(acmeRsa.publicFile, 'utf8')],
      },
      { partnerId: 'globex', publicKeys: [await readFile(globex.publicFile, 'utf8')] },
    );
    askpass = await writeAskpass(dir);
    logs = new LogCapture();
    server = await startServer({ maxUploadBytes: MAX_UPLOAD });
    knownHosts = await writeKnownHosts(
      join(dir, 'known_hosts'),
      server.address().port,
      server.hostKeys.map((k) => k.publicKey),
    );
  });

  after(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    gate = undefined;
    await db.exec('delete from receipts');
  });

  describe('login', () => {
    it('lets a partner in with its Ed25519 key and shows only inbound/ and outbound/ at the top', async () => {
      const r = await sftp(acme(), ['pwd', 'ls -l']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Remote working directory: \/\n/);
      const names = r.stdout
        .split('\n')
        .filter((l) => /^[d-][rwx-]{9}/.test(l))
        .map((l) => l.split(/\s+/).at(-1));
      assert.deepEqual(names, ['inbound', 'outbound']);
      assert.ok(logs.find((l) => l.msg === 'partner logged in' && l.partnerId === 'acme').length > 0);
    });

    it('lets a partner in with its RSA key (rsa-sha2 signatures)', async () => {
      const r = await sftp(login('acme', { key: keys.acmeRsa }), ['pwd']);
      assert.equal(r.code, 0, r.stderr);
    });

    it('lets a partner in with its password', async () => {
      const r = await sftp(login('acme', { password: PASSWORD }), ['pwd']);
      assert.equal(r.code, 0, r.stderr);
      const line = await logs.waitFor((l) => l.msg === 'partner logged in' && l.method === 'password');
      assert.equal(line.partnerId, 'acme');
    });

    it('refuses a key that is not registered for the partner, and logs why', async () => {
      const r = await sftp(login('acme', { key: keys.stranger }), ['pwd']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Permission denied/);
      const refused = logs.find(
        (l) => l.msg === 'sftp login refused' && l.user === 'acme' && l.method === 'publickey',
      );
      assert.ok(refused.some((l) => /not registered/.test(String(l.reason))));
    });

    it("refuses another partner's key", async () => {
      const r = await sftp(login('acme', { key: keys.globex }), ['pwd']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Permission denied/);
    });

    it('refuses a wrong password and keeps the password out of the log', async () => {
      const wrong = 'Tr0ub4dor&3-wrong';
      const r = await sftp(login('acme', { password: wrong }), ['pwd']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Permission denied/);
      const line = await logs.waitFor((l) => l.msg === 'sftp login refused' && l.reason === 'wrong password');
      assert.equal(line.user, 'acme');
      assert.ok(!logs.text.some((t) => t.includes(wrong) || t.includes(PASSWORD)));
    });

    it('refuses an unknown login name, by key and by password', async () => {
      const byKey = await sftp(login('nobody', { key: keys.acme }), ['pwd']);
      const byPassword = await sftp(login('nobody', { password: PASSWORD }), ['pwd']);
      assert.notEqual(byKey.code, 0);
      assert.notEqual(byPassword.code, 0);
      const refused = logs.find((l) => l.msg === 'sftp login refused' && l.user === 'nobody');
      assert.deepEqual([...new Set(refused.map((l) => l.method))].sort(), ['password', 'publickey']);
      assert.ok(refused.every((l) => l.reason === 'unknown login name'));
    });

    it('refuses a partner without a password hash by password', async () => {
      const r = await sftp(login('globex', { password: PASSWORD }), ['pwd']);
      assert.notEqual(r.code, 0);
      await logs.waitFor(
        (l) => l.msg === 'sftp login refused' && l.reason === 'no password set for this partner',
      );
    });

    it('reads the accounts at every login: a removed key no longer lets the partner in', async () => {
      const globex = accounts.find((a) => a.partnerId === 'globex');
      assert.ok(globex);
      const keysBefore = globex.publicKeys;
      try {
        globex.publicKeys = [];
        const r = await sftp(login('globex', { key: keys.globex }), ['pwd']);
        assert.notEqual(r.code, 0);
      } finally {
        globex.publicKeys = keysBefore;
      }
      assert.equal((await sftp(login('globex', { key: keys.globex }), ['pwd'])).code, 0);
    });
  });

  describe('uploads', () => {
    it('takes an upload in when the client closes it, exactly once, with the same bytes', async () => {
      const bytes = await localFile('asn.edi', randomBytes(200_000));
      const r = await sftp(acme(), ['cd inbound', 'put asn.edi', 'ls -l']);
      assert.equal(r.code, 0, r.stderr);
      const rows = await receipts();
      assert.equal(rows.length, 1);
      const [row] = rows as [ReceiptRow];
      assert.equal(row.channelKind, 'hosted-sftp');
      assert.equal(row.channelId, 'acme/hosted');
      assert.equal(row.partnerId, 'acme');
      assert.equal(row.remotePath, '/inbound/asn.edi');
      assert.equal(row.fileName, 'asn.edi');
      assert.equal(Number(row.size), bytes.length);
      assert.equal(row.sha256, sha256(bytes));
      assert.ok((await blobBytes(row.blobKey)).equals(bytes));
      // Taken in and gone: nothing is left in inbound/ nor in the staging folder.
      assert.doesNotMatch(printed(r.stdout), /asn\.edi/);
      assert.deepEqual(await readdir(join(root, 'acme', 'inbound')), []);
      assert.deepEqual(await readdir(join(root, 'acme', '.incoming')), []);
    });

    it('answers the close only after the receipt is committed', async () => {
      await localFile('held.edi', 'ISA*held~');
      let arrived!: () => void;
      const reached = new Promise<void>((resolve) => (arrived = resolve));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      gate = () => {
        arrived();
        return released;
      };
      const child = await spawnSftp(acme(), ['put held.edi inbound/held.edi'], { cwd: local });
      const done = finished(child);
      await reached;
      // Intake has the upload and is held: the client's put cannot have finished, and nothing is recorded.
      assert.equal(child.exitCode, null);
      assert.equal((await receipts()).length, 0);
      release();
      const r = await done;
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await receipts()).length, 1);
    });

    it('records the same bytes uploaded twice once as received and once as a duplicate', async () => {
      await localFile('twice.edi', 'ISA*twice~');
      assert.equal(
        (await sftp(acme(), ['put twice.edi inbound/a.edi', 'put twice.edi inbound/b.edi'])).code,
        0,
      );
      const rows = await receipts();
      assert.equal(rows.length, 2);
      assert.equal(rows[0]?.duplicateOf, null);
      assert.equal(Number(rows[1]?.duplicateOf), rows[0]?.id);
    });

    it('takes a file written slowly exactly once, when it is complete', async () => {
      const bytes = await localFile('slow.edi', randomBytes(600_000));
      // 2000 Kbit/s: the upload arrives in many writes over a few seconds.
      const child = await spawnSftp(acme(), ['put slow.edi inbound/slow.edi'], {
        cwd: local,
        limitKbps: 2000,
      });
      const done = finished(child);
      await until(
        'the upload to start arriving',
        async () => (await readdir(join(root, 'acme', '.incoming'))).length > 0,
      );
      assert.equal((await receipts()).length, 0);
      const r = await done;
      assert.equal(r.code, 0, r.stderr);
      const rows = await receipts();
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.sha256, sha256(bytes));
    });

    it('keeps an upload under a temporary name until it is renamed, then takes it in once', async () => {
      const bytes = await localFile('po.edi', 'ISA*renamed~');
      const first = await sftp(acme(), ['cd inbound', 'put po.edi po.edi.part', 'ls -l']);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /po\.edi\.part/);
      assert.equal((await receipts()).length, 0);
      const second = await sftp(acme(), ['cd inbound', 'rename po.edi.part po.edi', 'ls -l']);
      assert.equal(second.code, 0, second.stderr);
      const rows = await receipts();
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.remotePath, '/inbound/po.edi');
      assert.equal(rows[0]?.sha256, sha256(bytes));
      assert.deepEqual(await readdir(join(root, 'acme', 'inbound')), []);
    });

    it('renames one temporary name to another without taking the file in', async () => {
      await localFile('x.edi', 'ISA*tmp~');
      const r = await sftp(acme(), [
        'cd inbound',
        'put x.edi x.edi.part',
        'rename x.edi.part x.edi.tmp',
        'rm x.edi.tmp',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await receipts()).length, 0);
    });

    it('takes in uploads into folders the partner made under inbound/', async () => {
      await localFile('856.edi', 'ISA*856~');
      const r = await sftp(acme(), [
        'mkdir inbound/856',
        'put 856.edi inbound/856/a.edi',
        'rmdir inbound/856',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(
        (await receipts()).map((x) => x.remotePath),
        ['/inbound/856/a.edi'],
      );
    });

    it('records nothing for an upload whose connection drops before it is closed', async () => {
      await localFile('big.bin', randomBytes(2 * 1024 * 1024));
      const child = await spawnSftp(acme(), ['put big.bin inbound/big.bin'], { cwd: local, limitKbps: 2000 });
      const done = finished(child);
      const incoming = join(root, 'acme', '.incoming');
      await until('part of the upload to arrive', async () => {
        for (const name of await readdir(incoming)) {
          if ((await stat(join(incoming, name)).catch(() => undefined))?.size) return true;
        }
        return false;
      });
      killGroup(child);
      await done;
      const line = await logs.waitFor((l) => l.msg === 'upload abandoned before close; discarded');
      assert.equal(line.file, '/inbound/big.bin');
      assert.equal((await receipts()).length, 0);
      assert.deepEqual(await readdir(incoming), []);
      assert.deepEqual(await readdir(join(root, 'acme', 'inbound')), []);
    });

    it('refuses an upload larger than the limit and records nothing', async () => {
      await localFile('huge.bin', randomBytes(MAX_UPLOAD + 1));
      const r = await sftp(acme(), ['put huge.bin inbound/huge.bin']);
      assert.notEqual(r.code, 0);
      assert.equal((await receipts()).length, 0);
      assert.deepEqual(await readdir(join(root, 'acme', '.incoming')), []);
      await logs.waitFor((l) => l.msg === 'upload too large; refused' && l.file === '/inbound/huge.bin');
    });

    it('refuses reading back from inbound/ and uploading anywhere but inbound/', async () => {
      await localFile('a.edi', 'ISA*a~');
      const r = await sftp(acme(), [
        'put a.edi inbound/a.edi.part',
        '-get inbound/a.edi.part back.edi',
        '-put a.edi /a.edi',
        '-put a.edi outbound/a.edi',
        '-mkdir outbound/x',
        '-mkdir /x',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(existsSync(join(local, 'back.edi')), false);
      assert.match(r.stderr, /"\/a\.edi": Permission denied/);
      assert.match(r.stderr, /"\/outbound\/a\.edi": Permission denied/);
      assert.deepEqual(await readdir(join(root, 'acme')), ['.incoming', '.outgoing', 'inbound', 'outbound']);
      assert.deepEqual(await readdir(join(root, 'acme', 'outbound')), []);
      await rm(join(root, 'acme', 'inbound', 'a.edi.part'));
      assert.equal((await receipts()).length, 0);
    });
  });

  describe('acks in outbound/', () => {
    it('lets the partner download an ack placed by deliverToHosted, and remove it', async () => {
      await deliverToHosted(root, 'acme', '997_000000041.x12', ACK);
      const r = await sftp(acme(), [
        'cd outbound',
        'ls',
        'get 997_000000041.x12',
        'rm 997_000000041.x12',
        'ls',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await readFile(join(local, '997_000000041.x12'), 'latin1'), ACK);
      assert.deepEqual(await readdir(join(root, 'acme', 'outbound')), []);
      await logs.waitFor((l) => l.msg === 'partner removed a file from outbound');
    });

    it("does not show one partner another partner's files", async () => {
      await deliverToHosted(root, 'acme', 'for-acme.x12', ACK);
      const r = await sftp(login('globex', { key: keys.globex }), [
        'ls outbound',
        '-get outbound/for-acme.x12 stolen.x12',
        '-get ../acme/outbound/for-acme.x12 stolen.x12',
        '-get /acme/outbound/for-acme.x12 stolen.x12',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(printed(r.stdout), /for-acme/);
      assert.equal(existsSync(join(local, 'stolen.x12')), false);
    });
  });

  describe('paths', () => {
    it('refuses every path that leaves the partner root', async () => {
      await localFile('x.edi', 'ISA*x~');
      await deliverToHosted(root, 'globex', 'for-globex.x12', ACK);
      const r = await sftp(acme(), [
        '-cd ../..',
        'pwd',
        '-get /etc/passwd passwd',
        '-get ../../../../../../etc/passwd passwd',
        '-get ../globex/outbound/for-globex.x12 stolen.x12',
        '-put x.edi ../escape',
        '-put x.edi /inbound/../../escape',
        'cd inbound',
        '-put x.edi ../../escape',
        '-put x.edi ../../globex/inbound/x.edi',
        '-mkdir ../../made',
        '-rename /inbound/x ../../x',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Remote working directory: \/\n/);
      assert.match(r.stderr, /outside your root|Permission denied/);
      assert.equal(existsSync(join(local, 'passwd')), false);
      assert.equal(existsSync(join(local, 'stolen.x12')), false);
      for (const place of [dir, root, join(root, 'acme'), join(root, 'acme', 'inbound')]) {
        assert.ok(!(await readdir(place)).some((n) => n === 'escape' || n === 'made' || n === 'x'), place);
      }
      assert.deepEqual(await readdir(join(root, 'globex', 'inbound')), []);
      assert.equal((await receipts()).length, 0);
      assert.ok(
        logs.find((l) => l.msg === 'sftp request refused' && l.reason === 'that path is outside your root')
          .length > 0,
      );
    });

    it('neither follows nor makes symbolic links', async () => {
      await deliverToHosted(root, 'acme', 'real.x12', ACK);
      await symlink('/etc/passwd', join(root, 'acme', 'outbound', 'passwd-link'));
      await symlink(join(root, 'globex', 'outbound'), join(root, 'acme', 'outbound', 'globex-link'));
      try {
        const r = await sftp(acme(), [
          'ls -l outbound',
          '-get outbound/passwd-link passwd',
          '-ls outbound/globex-link',
          '-get outbound/globex-link/for-globex.x12 stolen.x12',
          '-ln -s /etc/passwd inbound/link.part',
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(printed(r.stdout), /real\.x12/);
        assert.doesNotMatch(printed(r.stdout), /passwd-link|globex-link/);
        assert.equal(existsSync(join(local, 'passwd')), false);
        assert.equal(existsSync(join(local, 'stolen.x12')), false);
        assert.deepEqual(await readdir(join(root, 'acme', 'inbound')), []);
      } finally {
        await rm(join(root, 'acme', 'outbound'), { recursive: true });
        await mkdir(join(root, 'acme', 'outbound'));
      }
    });
  });

  describe('limits and host key', () => {
    it('refuses a connection beyond the partner’s session limit', async () => {
      const limited = await startServer({ maxSessionsPerPartner: 1 });
      try {
        const port = limited.address().port;
        await writeKnownHosts(
          knownHosts,
          port,
          limited.hostKeys.map((k) => k.publicKey),
        );
        const holder = await spawnSftp(login('acme', { key: keys.acme }, port), [], {
          cwd: local,
          interactive: true,
        });
        const held = finished(holder);
        await until('the first session to log in', () => limited.sessionsOf('acme') === 1);
        const second = await sftp(login('acme', { key: keys.acme }, port), ['pwd']);
        assert.notEqual(second.code, 0);
        await logs.waitFor((l) => l.msg === 'partner has too many sftp connections; refusing another');
        assert.equal(limited.sessionsOf('acme'), 1);
        holder.stdin?.end('bye\n');
        assert.equal((await held).code, 0);
        await until('the first session to end', () => limited.sessionsOf('acme') === 0);
        assert.equal((await sftp(login('acme', { key: keys.acme }, port), ['pwd'])).code, 0);
      } finally {
        await limited.close();
        await writeKnownHosts(
          knownHosts,
          server.address().port,
          server.hostKeys.map((k) => k.publicKey),
        );
      }
    });

    it('refuses a login name after failed logins on earlier connections, even with the right password', async () => {
      const limited = await startServer({}, logs, { maxFailuresPerUser: 2, maxFailuresPerAddress: 1000 });
      try {
        const port = limited.address().port;
        await writeKnownHosts(
          knownHosts,
          port,
          limited.hostKeys.map((k) => k.publicKey),
        );
        // Two connections, one wrong password each (the client is told to ask once).
        for (const attempt of [1, 2]) {
          assert.notEqual(
            (await sftp(login('acme', { password: `not it ${attempt}` }, port), ['pwd'])).code,
            0,
          );
        }
        const refused = await sftp(login('acme', { password: PASSWORD }, port), ['pwd']);
        assert.notEqual(refused.code, 0);
        await logs.waitFor(
          (l) =>
            l.msg === 'sftp login refused' &&
            typeof l.reason === 'string' &&
            l.reason.startsWith('too many failed logins for this name'),
        );
        // Another partner on the same address is not held up by acme's lockout.
        assert.equal((await sftp(login('globex', { key: keys.globex }, port), ['pwd'])).code, 0);
      } finally {
        await limited.close();
        await writeKnownHosts(
          knownHosts,
          server.address().port,
          server.hostKeys.map((k) => k.publicKey),
        );
      }
    });

    it('closes a connection that stays idle', async () => {
      const idle = await startServer({ idleTimeoutMs: 300 });
      try {
        const port = idle.address().port;
        await writeKnownHosts(
          knownHosts,
          port,
          idle.hostKeys.map((k) => k.publicKey),
        );
        const child = await spawnSftp(login('acme', { key: keys.acme }, port), [], {
          cwd: local,
          interactive: true,
        });
        const done = finished(child);
        // The client says nothing after logging in, and the server ends the connection.
        await logs.waitFor((l) => l.msg === 'sftp connection idle; closing it' && l.partnerId === 'acme');
        await until('the session to end', () => idle.sessionsOf('acme') === 0);
        // The client notices when it next speaks.
        child.stdin?.end('pwd\n');
        const r = await done;
        assert.match(r.stderr, /Received disconnect from 127\.0\.0\.1/);
      } finally {
        await idle.close();
        await writeKnownHosts(
          knownHosts,
          server.address().port,
          server.hostKeys.map((k) => k.publicKey),
        );
      }
    });

    it('keeps its host keys across restarts, with the fingerprints OpenSSH computes', async () => {
      const again = await startServer({});
      try {
        assert.deepEqual(
          again.hostKeys.map((k) => k.fingerprint),
          server.hostKeys.map((k) => k.fingerprint),
        );
      } finally {
        await again.close();
      }
      for (const key of server.hostKeys) {
        const file = join(
          dir,
          'keys',
          key.type === 'ssh-ed25519' ? 'ssh_host_ed25519_key' : 'ssh_host_rsa_key',
        );
        const { stdout } = await exec('ssh-keygen', ['-l', '-f', file]);
        assert.ok(stdout.includes(key.fingerprint), `${stdout} vs ${key.fingerprint}`);
        assert.equal((await stat(file)).mode & 0o777, 0o600);
      }
      const listening = logs.find((l) => l.msg === 'hosted SFTP server listening');
      assert.ok(listening.length >= 2);
      assert.deepEqual(
        listening[0]?.hostKeys,
        server.hostKeys.map((k) => `${k.type} ${k.fingerprint}`),
      );
    });
  });
});

// `dockside partners test` as a user runs it, against a real OpenSSH sshd started by the test
// (test/helpers/sshd.ts) and against local folders: one line per check, exit 1 when one fails, host keys
// judged without being learned, secrets never printed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/golden.ts';
import { freePort, Sshd, sshdUnavailable } from '../helpers/sshd.ts';
import { Vsftpd, vsftpdUnavailable } from '../helpers/vsftpd.ts';
import { hashPassword } from '../../src/transports/hosted-sftp/password.ts';

const USER = 'dockside-ptest';
const PASSWORD_ENV = 'DOCKSIDE_PTEST_SFTP_PASSWORD';

interface Site {
  root: string;
  partners: string;
  data: string;
}

function site(): Site {
  const root = mkdtempSync(join(tmpdir(), 'dockside-partners-test-'));
  const partners = join(root, 'partners');
  mkdirSync(partners);
  return { root, partners, data: join(root, 'var') };
}

function dockside(s: Site, args: string[], env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/dockside.js'), ...args], {
    cwd: s.root,
    env: {
      ...process.env,
      DATABASE_URL: '',
      REDIS_URL: '',
      DOCKSIDE_PARTNERS_DIR: s.partners,
      DOCKSIDE_DATA_DIR: s.data,
      ...env,
    },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('dockside partners test (OpenSSH sshd and folders)', function () {
  this.timeout(120_000);
  let sshd: Sshd;
  let password: string;

  before(async function () {
    const why = sshdUnavailable();
    if (why) {
      if (process.env.CI) throw new Error(why);
      this.skip();
    }
    sshd = await Sshd.start({ users: [USER] });
    password = sshd.account(USER).password;
  });

  after(async () => {
    await sshd?.close();
  });

  const sftpPartner = (s: Site, hostKey: string, outboundDir = '/inbound') =>
    writeFileSync(
      join(s.partners, 'north.yaml'),
      [
        'id: north',
        'name: North Freight',
        'identities: [{ qualifier: ZZ, id: NORTHFREIGHT }]',
        'channels:',
        '  inbound:',
        '    - kind: sftp',
        '      id: pull',
        `      host: ${sshd.host}`,
        `      port: ${sshd.port}`,
        `      user: ${USER}`,
        `      password: env:${PASSWORD_ENV}`,
        `      hostKey: ${hostKey}`,
        '      directories: [/outbound]',
        "      patterns: ['*.edi']",
        `  outbound: { kind: sftp, channel: pull, directory: ${outboundDir} }`,
        '',
      ].join('\n'),
    );

  it('passes every check of a pinned SFTP partner: host key, login, listing, probe written and removed', () => {
    const s = site();
    const [fingerprint] = sshd.fingerprints();
    sftpPartner(s, `{ fingerprints: ['${fingerprint}'] }`);
    writeFileSync(join(sshd.home(USER), 'outbound', 'a.edi'), 'ISA');
    writeFileSync(join(sshd.home(USER), 'outbound', 'b.txt'), 'not ours');
    const r = dockside(s, ['partners', 'test', 'north'], { [PASSWORD_ENV]: password });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const label = `sftp://${USER}@${sshd.host}:${sshd.port}`;
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], `ok      inbound pull: ${label} host key ssh-ed25519 ${fingerprint} (pinned)`);
    assert.equal(lines[1], `ok      inbound pull: logged in as ${USER}`);
    assert.equal(lines[2], 'ok      inbound pull: listed /outbound: 2 file(s), 1 matching *.edi');
    assert.equal(lines[3], `ok      outbound: ${label} host key ssh-ed25519 ${fingerprint} (pinned)`);
    assert.equal(lines[4], `ok      outbound: logged in as ${USER}`);
    assert.match(
      lines[5]!,
      /^ok {6}outbound: wrote and removed \/inbound\/\.dockside-probe-[0-9a-f]{12}\.part$/,
    );
    assert.equal(lines[6], 'partner north: every check passed');
    assert.deepEqual(readdirSync(join(sshd.home(USER), 'inbound')), []);
    assert.ok(!r.stdout.includes(password) && !r.stderr.includes(password));
  });

  it('fails on a host key that is not pinned, prints it to pin, and sends no password', () => {
    const s = site();
    sftpPartner(s, '{ fingerprints: [], trustOnFirstUse: false }');
    const r = dockside(s, ['partners', 'test', 'north'], { [PASSWORD_ENV]: password });
    assert.equal(r.code, 1);
    const [fingerprint] = sshd.fingerprints();
    assert.match(
      r.stdout,
      new RegExp(
        `^FAILED {2}inbound pull: sftp://${USER}@\\S+ host key ssh-ed25519 ${fingerprint!.replace(/\+/g, '\\+')} is not pinned and trustOnFirstUse is off: connections are refused\\. .*hostKey\\.fingerprints: \\['${fingerprint!.replace(/\+/g, '\\+')}'\\]$`,
        'm',
      ),
    );
    assert.match(r.stdout, /^skipped inbound pull: login and listing: the host key is not trusted/m);
    assert.doesNotMatch(r.stdout, /logged in/);
    assert.match(r.stdout, /partner north: 2 check\(s\) failed\n$/);
  });

  it('with trust on first use, reports the key it would trust and does not learn it', () => {
    const s = site();
    sftpPartner(s, '{ trustOnFirstUse: true }');
    const r = dockside(s, ['partners', 'test', 'north'], { [PASSWORD_ENV]: password });
    assert.equal(r.code, 0, r.stdout);
    assert.match(
      r.stdout,
      /^ok {6}inbound pull: .* not pinned; the gateway will trust it at its first connection/m,
    );
    assert.match(r.stdout, /^ok {6}inbound pull: logged in as /m);
    assert.ok(!existsSync(join(s.data, 'known-hosts')), 'no host key was learned');
  });

  it('fails on a refused login without printing the password', () => {
    const s = site();
    sftpPartner(s, `{ fingerprints: ['${sshd.fingerprints()[0]}'] }`);
    const r = dockside(s, ['partners', 'test', 'north'], { [PASSWORD_ENV]: 'wrong-password-123' });
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      new RegExp(`^FAILED {2}inbound pull: sftp://${USER}@\\S+: login as ${USER} refused`, 'm'),
    );
    assert.doesNotMatch(r.stdout + r.stderr, /wrong-password-123/);
  });

  it('fails when the password reference does not resolve, naming the variable', () => {
    const s = site();
    sftpPartner(s, `{ fingerprints: ['${sshd.fingerprints()[0]}'] }`);
    const r = dockside(s, ['partners', 'test', 'north'], { [PASSWORD_ENV]: '' });
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      new RegExp(
        `^FAILED {2}inbound pull: .*env:${PASSWORD_ENV} does not resolve: the environment variable ${PASSWORD_ENV} is not set$`,
        'm',
      ),
    );
  });

  it('fails when the outbound folder cannot be written', () => {
    const s = site();
    // The chroot's top folder belongs to root: the login may not write there.
    sftpPartner(s, `{ fingerprints: ['${sshd.fingerprints()[0]}'] }`, '/');
    const r = dockside(s, ['partners', 'test', 'north'], { [PASSWORD_ENV]: password });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^ok {6}inbound pull: listed \/outbound/m);
    assert.match(r.stdout, /^FAILED {2}outbound: cannot write into \/: .*/m);
    assert.match(r.stdout, /partner north: 1 check\(s\) failed\n$/);
  });

  it('fails with the reason when nothing answers at the address', async () => {
    const s = site();
    const port = await freePort();
    writeFileSync(
      join(s.partners, 'gone.yaml'),
      [
        'id: gone',
        'name: Gone',
        'identities: [{ qualifier: ZZ, id: GONE }]',
        'channels:',
        '  inbound:',
        `    - { kind: sftp, id: pull, host: 127.0.0.1, port: ${port}, user: u, password: env:GONE_PW, directories: [/] }`,
        '',
      ].join('\n'),
    );
    const r = dockside(s, ['partners', 'test', 'gone'], {});
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      new RegExp(
        `^FAILED {2}inbound pull: sftp://u@127\\.0\\.0\\.1:${port}: cannot connect: .*ECONNREFUSED`,
        'm',
      ),
    );
    assert.match(r.stdout, /^skipped outbound: no outbound channel/m);
  });

  it('checks a folder partner: lists and checks the drop folder, probes the outbound folder', () => {
    const s = site();
    const inbound = join(s.root, 'drop', 'in');
    mkdirSync(inbound, { recursive: true });
    writeFileSync(join(inbound, 'x.edi'), 'ISA');
    const blocker = join(s.root, 'not-a-folder');
    writeFileSync(blocker, '');
    const folderPartner = (outbound: string) =>
      writeFileSync(
        join(s.partners, 'acme.yaml'),
        [
          'id: acme',
          'name: Acme',
          'identities: [{ qualifier: ZZ, id: ACMEWIDGET }]',
          'channels:',
          `  inbound: [{ kind: folder, id: drop, path: ${inbound} }]`,
          `  outbound: { kind: folder, path: ${outbound} }`,
          '',
        ].join('\n'),
      );
    folderPartner(join(s.root, 'drop', 'out'));
    const ok = dockside(s, ['partners', 'test', 'acme'], {});
    assert.equal(ok.code, 0, ok.stdout);
    assert.equal(
      ok.stdout,
      [
        `ok      inbound drop: listed ${inbound}: 1 entries, 1 matching *`,
        `ok      inbound drop: ${inbound} is writable (files are moved once stored)`,
        ok.stdout.split('\n')[2]!,
        'partner acme: every check passed',
        '',
      ].join('\n'),
    );
    assert.match(
      ok.stdout.split('\n')[2]!,
      /^ok {6}outbound: wrote and removed .*drop\/out\/\.dockside-probe-\w+\.part$/,
    );
    assert.deepEqual(readdirSync(join(s.root, 'drop', 'out')), []);

    folderPartner(join(blocker, 'out'));
    const bad = dockside(s, ['partners', 'test', 'acme'], {});
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /^FAILED {2}outbound: cannot write into .*not-a-folder\/out: .*ENOTDIR/m);
  });

  it('checks a hosted partner: its login, our server key, and its outbound folder', async () => {
    const s = site();
    const hosted = (login: string) =>
      writeFileSync(
        join(s.partners, 'pusher.yaml'),
        [
          'id: pusher',
          'name: Pusher',
          'identities: [{ qualifier: ZZ, id: PUSHER }]',
          `hosted: ${login}`,
          'channels: { outbound: { kind: hosted } }',
          '',
        ].join('\n'),
      );
    hosted('{ passwordHash: env:PUSHER_HASH }');
    const hash = await hashPassword('pw', { logN: 10, r: 8, p: 1 });
    const ok = dockside(s, ['partners', 'test', 'pusher'], { PUSHER_HASH: hash });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const lines = ok.stdout.trim().split('\n');
    assert.equal(lines[0], 'ok      hosted login: pusher may log in with a password');
    assert.match(
      lines[1]!,
      /^ok {6}hosted server: no host key yet .*the gateway makes it at its first start/,
    );
    assert.match(
      lines[2]!,
      new RegExp(
        `^ok {6}outbound: wrote and removed ${s.data}/hosted/pusher/outbound/\\.dockside-probe-\\w+\\.part$`,
      ),
    );
    assert.ok(!ok.stdout.includes(hash));

    hosted('{ publicKeys: [] }');
    const none = dockside(s, ['partners', 'test', 'pusher'], {});
    assert.equal(none.code, 1);
    assert.match(none.stdout, /^FAILED {2}hosted login: no password hash and no public key/m);
  });

  describe('FTPS (vsftpd)', () => {
    const FTP_USER = 'dockside-pftp';
    const FTP_PASSWORD_ENV = 'DOCKSIDE_PTEST_FTP_PASSWORD';
    let vsftpd: Vsftpd;

    before(async function () {
      const why = vsftpdUnavailable();
      if (why) {
        if (process.env.CI) throw new Error(why);
        this.skip();
      }
      vsftpd = await Vsftpd.start({ users: [FTP_USER], requireTls: true });
    });

    after(async () => {
      await vsftpd?.close();
    });

    const ftpPartner = (s: Site, fingerprint: string) =>
      writeFileSync(
        join(s.partners, 'legacy.yaml'),
        [
          'id: legacy',
          'name: Legacy Co',
          'identities: [{ qualifier: ZZ, id: LEGACY }]',
          'channels:',
          '  inbound:',
          '    - kind: ftp',
          '      id: pull',
          `      host: ${vsftpd.host}`,
          `      port: ${vsftpd.port}`,
          `      user: ${FTP_USER}`,
          `      password: env:${FTP_PASSWORD_ENV}`,
          `      tls: { mode: explicit, fingerprint: '${fingerprint}' }`,
          '      directories: [/outbound]',
          '  outbound: { kind: ftp, channel: pull, directory: /inbound }',
          '',
        ].join('\n'),
      );

    it('logs in over TLS with a pinned certificate, lists, and writes and removes a probe', () => {
      const s = site();
      ftpPartner(s, vsftpd.certificateFingerprint);
      writeFileSync(join(vsftpd.home(FTP_USER), 'outbound', 'a.edi'), 'ISA');
      const r = dockside(s, ['partners', 'test', 'legacy'], {
        [FTP_PASSWORD_ENV]: vsftpd.account(FTP_USER).password,
      });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const label = `ftps://${FTP_USER}@${vsftpd.host}:${vsftpd.port}`;
      const lines = r.stdout.trim().split('\n');
      assert.equal(
        lines[0],
        `ok      inbound pull: ${label}: logged in as ${FTP_USER}, TLS explicit, certificate matches the pinned fingerprint`,
      );
      assert.equal(lines[1], 'ok      inbound pull: listed /outbound: 1 file(s), 1 matching *');
      assert.match(lines[3]!, /^ok {6}outbound: wrote and removed \/inbound\/\.dockside-probe-\w+\.part$/);
      assert.deepEqual(readdirSync(join(vsftpd.home(FTP_USER), 'inbound')), []);
    });

    it('fails on a certificate that is not the pinned one, and shows the one it saw', () => {
      const s = site();
      ftpPartner(s, Array.from({ length: 32 }, () => 'AB').join(':'));
      const r = dockside(s, ['partners', 'test', 'legacy'], {
        [FTP_PASSWORD_ENV]: vsftpd.account(FTP_USER).password,
      });
      assert.equal(r.code, 1);
      assert.ok(r.stdout.includes(vsftpd.certificateFingerprint), r.stdout);
      assert.match(r.stdout, /^FAILED {2}inbound pull: ftps:\/\/.* it is not the pinned AB:AB:.*; refused$/m);
      assert.doesNotMatch(r.stdout, /logged in/);
    });
  });
});

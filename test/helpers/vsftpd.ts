// A real vsftpd (Debian's package) for the FTP and FTPS tests, started by the test itself on 127.0.0.1 and a
// free port with its own config: local accounts (made with useradd when missing, as for sshd), each locked
// into its own root-owned folder with outbound/ and inbound/ it owns, passive ports on 127.0.0.1, and TLS
// with a self-signed certificate made by openssl (for 127.0.0.1): offered, so that one server answers plain
// FTP and explicit FTPS alike, or required.
//
// vsftpd checks passwords through PAM. Debian's /etc/pam.d/vsftpd also demands a login shell listed in
// /etc/shells, which a test account must not have; so the harness installs a PAM service of its own,
// /etc/pam.d/dockside-test-vsftpd (password check and account check only), when it is missing.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, killTree, testAccount, testTree, whenListening, type TestAccount } from './sshd.ts';

const VSFTPD = '/usr/sbin/vsftpd';
const PAM_SERVICE = 'dockside-test-vsftpd';

export function vsftpdUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the vsftpd harness needs root (test accounts, PAM service)';
  if (!existsSync(VSFTPD)) return `${VSFTPD} is not installed (apt-get install vsftpd)`;
  return undefined;
}

export class Vsftpd {
  readonly host = '127.0.0.1';
  readonly accounts = new Map<string, TestAccount>();
  /** The server certificate (PEM), to trust as a CA, and its SHA-256 fingerprint as Node prints it. */
  readonly certificateFile: string;
  readonly certificateFingerprint: string;
  private child: ChildProcess | undefined;
  private readonly config: string;

  private constructor(
    readonly root: string,
    readonly port: number,
    users: string[],
    pasvMin: number,
    requireTls: boolean,
  ) {
    this.certificateFile = join(root, 'server.crt');
    const key = join(root, 'server.key');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        this.certificateFile,
      ],
      { stdio: 'ignore' },
    );
    this.certificateFingerprint = execFileSync(
      'openssl',
      ['x509', '-noout', '-fingerprint', '-sha256', '-in', this.certificateFile],
      {
        encoding: 'utf8',
      },
    )
      .trim()
      .replace(/^.*=/, '');
    mkdirSync(join(root, 'ftp'), { mode: 0o755 });
    for (const name of users) {
      const account = testAccount(name);
      this.accounts.set(name, account);
      const home = join(root, 'ftp', name);
      mkdirSync(home, { mode: 0o755 });
      for (const sub of ['outbound', 'inbound']) {
        mkdirSync(join(home, sub), { mode: 0o755 });
        chownSync(join(home, sub), account.uid, account.gid);
      }
    }
    const pamFile = `/etc/pam.d/${PAM_SERVICE}`;
    if (!existsSync(pamFile)) {
      writeFileSync(
        pamFile,
        'auth required pam_unix.so\naccount required pam_unix.so\nsession required pam_permit.so\n',
      );
    }
    // vsftpd refuses to start unless its secure_chroot_dir exists and is not writable.
    mkdirSync('/var/run/vsftpd/empty', { recursive: true, mode: 0o755 });
    this.config = join(root, 'vsftpd.conf');
    writeFileSync(
      this.config,
      [
        'listen=YES',
        'listen_ipv6=NO',
        'listen_address=127.0.0.1',
        `listen_port=${port}`,
        'background=NO',
        'anonymous_enable=NO',
        'local_enable=YES',
        'write_enable=YES',
        'local_umask=022',
        'chroot_local_user=YES',
        `user_sub_token=$USER`,
        `local_root=${join(root, 'ftp')}/$USER`,
        'pasv_enable=YES',
        'pasv_address=127.0.0.1',
        `pasv_min_port=${pasvMin}`,
        `pasv_max_port=${pasvMin + 40}`,
        `pam_service_name=${PAM_SERVICE}`,
        'userlist_enable=NO',
        // Namespaces and seccomp are not available in every container that runs the tests.
        'seccomp_sandbox=NO',
        'isolate=NO',
        'isolate_network=NO',
        'secure_chroot_dir=/var/run/vsftpd/empty',
        'xferlog_enable=NO',
        'ssl_enable=YES',
        `rsa_cert_file=${this.certificateFile}`,
        `rsa_private_key_file=${key}`,
        `force_local_logins_ssl=${requireTls ? 'YES' : 'NO'}`,
        `force_local_data_ssl=${requireTls ? 'YES' : 'NO'}`,
        'allow_anon_ssl=NO',
        'ssl_sslv2=NO',
        'ssl_sslv3=NO',
        'ssl_tlsv1=NO',
        'require_ssl_reuse=YES',
        'ssl_ciphers=HIGH',
        '',
      ].join('\n'),
    );
  }

  /** With `requireTls`, logins and transfers without TLS are refused, so a test that works used TLS. */
  static async start(options: { users: string[]; requireTls?: boolean }): Promise<Vsftpd> {
    const port = await freePort();
    // Passive ports: a block above the control port's neighbourhood, picked at random to stay clear of others.
    const pasvMin = 40_000 + Math.floor(Math.random() * 20_000);
    const server = new Vsftpd(testTree('vsftpd'), port, options.users, pasvMin, options.requireTls === true);
    try {
      await server.restart();
    } catch (e) {
      await server.close();
      throw e;
    }
    return server;
  }

  home(user: string): string {
    return join(this.root, 'ftp', user);
  }

  account(user: string): TestAccount {
    const a = this.accounts.get(user);
    if (!a) throw new Error(`no test account ${user}`);
    return a;
  }

  certificate(): string {
    return readFileSync(this.certificateFile, 'utf8');
  }

  async restart(): Promise<void> {
    if (this.child) return;
    const child = spawn(VSFTPD, [this.config], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    try {
      await whenListening(child, this.port, `vsftpd on port ${this.port}`);
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child) await killTree(child);
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.root, { recursive: true, force: true });
  }
}

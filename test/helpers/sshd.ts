// A real OpenSSH sshd for the transport tests: started by the test itself on 127.0.0.1 and a free port, with
// its own config, its own host keys (ssh-keygen), `ForceCommand internal-sftp` and a chroot per login. The
// system's sshd and port 22 are never touched. sshd insists on root-owned chroots whose every path component
// is root-owned and not writable by others, and on a system account per login: so the harness runs as root
// (as CI does), keeps its trees under /var/lib/dockside-test (not /tmp, which is world-writable), and creates
// its test accounts with useradd when they are missing.
//
// Also here: a TCP proxy that slows one direction down, to make a download last long enough to be cut.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';

export const TEST_ROOT = '/var/lib/dockside-test';
const SSHD = '/usr/sbin/sshd';

/** Why the sshd tests cannot run here, or undefined when they can. */
export function sshdUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the sshd harness needs root (chroots, test accounts)';
  if (!existsSync(SSHD)) return `${SSHD} is not installed (apt-get install openssh-server)`;
  return undefined;
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface TestAccount {
  name: string;
  password: string;
  uid: number;
  gid: number;
}

/** A system account for a test login, created when missing, with a fresh password each time. */
export function testAccount(name: string): TestAccount {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', [
      '--system',
      '--no-create-home',
      '--home-dir',
      '/',
      '--shell',
      '/usr/sbin/nologin',
      name,
    ]);
  }
  // vsftpd changes into the home folder before its own local_root, and fails on one that does not exist.
  execFileSync('usermod', ['--home', '/', name], { stdio: 'ignore' });
  const password = randomBytes(12).toString('base64url');
  // A locked account (no password) is refused by sshd even for key logins when PAM is off.
  execFileSync('chpasswd', { input: `${name}:${password}\n` });
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return { name, password, uid, gid };
}

/** A private directory under TEST_ROOT, root-owned and 0755 like every component above it. */
export function testTree(prefix: string): string {
  mkdirSync(TEST_ROOT, { recursive: true, mode: 0o755 });
  chmodSync(TEST_ROOT, 0o755);
  const dir = mkdtempSync(join(TEST_ROOT, `${prefix}-`));
  chmodSync(dir, 0o755);
  return dir;
}

/** Every process below `pid`, deepest first. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // The command name is in parentheses and may hold spaces; the parent pid is the second field after it.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid)!.push(Number(entry));
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      walk(c);
      out.push(c);
    }
  };
  walk(pid);
  return out;
}

export function killTree(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (const pid of [...descendants(child.pid), child.pid]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  return exited;
}

/** Waits until the child accepts connections on the port, or exits; its standard error goes into the error. */
export function whenListening(child: ChildProcess, port: number, what: string): Promise<void> {
  let text = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => (text += chunk));
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 10_000;
    let done = false;
    const finish = (e?: Error) => {
      if (done) return;
      done = true;
      child.off('exit', onExit);
      if (e) reject(e);
      else resolve();
    };
    const onExit = (code: number | null) => finish(new Error(`${what} exited with ${code}:\n${text}`));
    child.once('exit', onExit);
    const attempt = () => {
      if (done) return;
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        finish();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) finish(new Error(`${what} did not listen within 10 s:\n${text}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export interface SshdOptions {
  /** Account names; each gets a chroot with outbound/ and inbound/ folders it owns. */
  users: string[];
  /** Host key types (default ed25519 only, so that every client sees the same key). */
  hostKeyTypes?: ('ed25519' | 'ecdsa' | 'rsa')[];
}

export class Sshd {
  readonly host = '127.0.0.1';
  readonly accounts = new Map<string, TestAccount>();
  /** A key pair authorised for every account. */
  readonly clientKey: { privateKeyFile: string; publicKey: string };
  private child: ChildProcess | undefined;
  private readonly config: string;

  private constructor(
    readonly root: string,
    readonly port: number,
    private readonly options: SshdOptions,
  ) {
    this.config = join(root, 'sshd_config');
    this.makeHostKeys();
    const keyFile = join(root, 'client_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'dockside-test', '-f', keyFile]);
    this.clientKey = { privateKeyFile: keyFile, publicKey: readFileSync(`${keyFile}.pub`, 'utf8').trim() };
    mkdirSync(join(root, 'authorized_keys'), { mode: 0o755 });
    mkdirSync(join(root, 'chroot'), { mode: 0o755 });
    for (const name of options.users) {
      const account = testAccount(name);
      this.accounts.set(name, account);
      writeFileSync(join(root, 'authorized_keys', name), `${this.clientKey.publicKey}\n`, { mode: 0o644 });
      const home = join(root, 'chroot', name);
      mkdirSync(home, { mode: 0o755 });
      for (const sub of ['outbound', 'inbound']) {
        mkdirSync(join(home, sub), { mode: 0o755 });
        chownSync(join(home, sub), account.uid, account.gid);
      }
    }
    writeFileSync(this.config, this.configText());
  }

  static async start(options: SshdOptions): Promise<Sshd> {
    const sshd = new Sshd(testTree('sshd'), await freePort(), options);
    try {
      await sshd.restart();
    } catch (e) {
      await sshd.close();
      throw e;
    }
    return sshd;
  }

  /** The folder that a login sees as `/`; its outbound/ and inbound/ belong to the login. */
  home(user: string): string {
    return join(this.root, 'chroot', user);
  }

  account(user: string): TestAccount {
    const a = this.accounts.get(user);
    if (!a) throw new Error(`no test account ${user}`);
    return a;
  }

  /** The host keys' fingerprints as `ssh-keygen -lf` prints them. */
  fingerprints(): string[] {
    return this.hostKeyFiles().map(
      (f) => execFileSync('ssh-keygen', ['-lf', `${f}.pub`], { encoding: 'utf8' }).split(' ')[1]!,
    );
  }

  /** Starts sshd (again), with the same port, config and keys. */
  async restart(): Promise<void> {
    if (this.child) return;
    // sshd wants its privilege-separation directory; the system's sshd would make it too.
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const child = spawn(SSHD, ['-D', '-e', '-f', this.config], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    try {
      await whenListening(child, this.port, `sshd on port ${this.port}`);
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** Kills sshd and every session it runs, as a crash or a pulled cable would end them. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child) await killTree(child);
  }

  /** New host keys, as when a server is reinstalled; takes effect at the next restart. */
  replaceHostKeys(): void {
    for (const f of this.hostKeyFiles()) {
      rmSync(f, { force: true });
      rmSync(`${f}.pub`, { force: true });
    }
    this.makeHostKeys();
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.root, { recursive: true, force: true });
  }

  private hostKeyFiles(): string[] {
    return (this.options.hostKeyTypes ?? ['ed25519']).map((t) => join(this.root, `ssh_host_${t}_key`));
  }

  private makeHostKeys(): void {
    for (const [i, type] of (this.options.hostKeyTypes ?? ['ed25519']).entries()) {
      execFileSync('ssh-keygen', [
        '-q',
        '-t',
        type,
        '-N',
        '',
        '-C',
        'dockside-test-host',
        '-f',
        this.hostKeyFiles()[i]!,
      ]);
    }
  }

  private configText(): string {
    const users = this.options.users.join(' ');
    return [
      `Port ${this.port}`,
      'ListenAddress 127.0.0.1',
      ...this.hostKeyFiles().map((f) => `HostKey ${f}`),
      `PidFile ${join(this.root, 'sshd.pid')}`,
      'UsePAM no',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin no',
      `AuthorizedKeysFile ${join(this.root, 'authorized_keys')}/%u`,
      `AllowUsers ${users}`,
      'MaxStartups 100',
      'MaxSessions 50',
      'LogLevel ERROR',
      'Subsystem sftp internal-sftp',
      `Match User ${this.options.users.join(',')}`,
      `  ChrootDirectory ${join(this.root, 'chroot')}/%u`,
      '  ForceCommand internal-sftp',
      '  AllowTcpForwarding no',
      '  X11Forwarding no',
      '',
    ].join('\n');
  }
}

/** A TCP proxy to 127.0.0.1:target that passes the server's bytes to the client at most `bytesPerSecond`. */
export class ThrottledProxy {
  private constructor(
    private readonly server: Server,
    private readonly sockets: Set<Socket>,
    readonly port: number,
  ) {}

  static async start(target: number, bytesPerSecond: number): Promise<ThrottledProxy> {
    const sockets = new Set<Socket>();
    const server = createServer((client) => {
      const upstream = connect(target, '127.0.0.1');
      sockets.add(client);
      sockets.add(upstream);
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => {
        client.write(chunk);
        upstream.pause();
        setTimeout(() => upstream.resume(), (chunk.length / bytesPerSecond) * 1000);
      });
      upstream.on('end', () => client.end());
      const close = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      for (const s of [client, upstream]) {
        s.on('error', close);
        s.on('close', close);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new ThrottledProxy(server, sockets, (server.address() as { port: number }).port);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

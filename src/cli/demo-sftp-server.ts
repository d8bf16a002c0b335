// The demo's stand-in for a supplier's own SFTP server: a plain folder served over SFTP on loopback, one
// login checked by password, for `dockside start` only. The gateway polls it exactly as it would poll the
// supplier's real server (a real SSH handshake, a host key it must trust, a login), so the demo exercises
// the SFTP channel without a system sshd or root. It is not a general SFTP server: no links, no extensions,
// no shell, and paths are confined to its folder.
import { createHash, timingSafeEqual } from 'node:crypto';
import { constants as fsConstants, type Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rmdir, unlink, type FileHandle } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join, posix } from 'node:path';
import ssh2 from 'ssh2';
import type { Attributes, Connection, SFTPWrapper, Server } from 'ssh2';
import { GatewayError, errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { HostKey } from '../transports/hosted-sftp/host-key.ts';
import { fileEntry } from '../transports/hosted-sftp/listing.ts';

const { STATUS_CODE, OPEN_MODE } = ssh2.utils.sftp;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

export interface DemoSftpServerOptions {
  /** The folder the login sees as `/`. */
  root: string;
  /** Loopback only: the demo's login is for this machine's user, not the network. */
  host: '127.0.0.1';
  /** 0 picks a free port. */
  port: number;
  user: string;
  password: string;
  hostKeys: HostKey[];
  log: Logger;
}

class Status extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export class DemoSftpServer {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();

  private constructor(private readonly options: DemoSftpServerOptions) {
    this.server = new ssh2.Server(
      { hostKeys: options.hostKeys.map((k) => k.privateKey), ident: 'DocksideDemoSupplier' },
      (c) => this.connect(c),
    );
  }

  static async start(options: DemoSftpServerOptions): Promise<DemoSftpServer> {
    const server = new DemoSftpServer(options);
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          new GatewayError(
            'config-invalid',
            `cannot listen for the demo supplier's SFTP server on ${options.host}:${options.port}: ` +
              `${e.code === 'EADDRINUSE' ? 'the port is in use by another program' : errorMessage(e)}`,
            false,
            { cause: e },
          ),
        ),
      );
      server.server.listen(options.port, options.host, () => resolve());
    });
    return server;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.end();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private connect(connection: Connection): void {
    this.connections.add(connection);
    connection.on('close', () => this.connections.delete(connection));
    connection.on('error', (e: Error) =>
      this.options.log.debug({ err: errorMessage(e) }, 'demo supplier sftp connection error'),
    );
    connection.on('authentication', (ctx) => {
      const userOk = ctx.username === this.options.user;
      if (ctx.method === 'password') {
        // Compared as digests, in constant time, whatever the lengths.
        const passwordOk = timingSafeEqual(digest(ctx.password), digest(this.options.password));
        if (userOk && passwordOk) return ctx.accept();
      }
      ctx.reject(['password']);
    });
    connection.on('ready', () => {
      connection.on('session', (accept) => {
        const session = accept();
        session.on('sftp', (acceptSftp) => new FolderSession(acceptSftp(), this.options.root));
      });
    });
  }
}

type Handle = { kind: 'file'; file: FileHandle } | { kind: 'dir'; path: string; done: boolean };

/** One SFTP session over the folder. */
class FolderSession {
  private readonly handles = new Map<number, Handle>();
  private next = 1;

  constructor(
    private readonly sftp: SFTPWrapper,
    private readonly root: string,
  ) {
    const on = (event: string, run: (reqId: number, ...args: never[]) => void | Promise<void>) =>
      sftp.on(event, (reqId: number, ...args: never[]) => {
        Promise.resolve()
          .then(() => run(reqId, ...args))
          .catch((e: unknown) => this.fail(reqId, e));
      });
    on('REALPATH', (id, path: string) => {
      const p = this.virtual(path);
      sftp.name(id, [{ filename: p, longname: p, attrs: {} as Attributes }]);
    });
    on('STAT', async (id, path: string) => sftp.attrs(id, attributes(await this.lstat(path))));
    on('LSTAT', async (id, path: string) => sftp.attrs(id, attributes(await this.lstat(path))));
    on('OPEN', (id, path: string, flags: number) => this.open(id, path, flags));
    on('READ', (id, handle: Buffer, offset: number, length: number) => this.read(id, handle, offset, length));
    on('WRITE', async (id, handle: Buffer, offset: number, data: Buffer) => {
      await this.file(handle).write(data, 0, data.length, offset);
      sftp.status(id, STATUS_CODE.OK);
    });
    on('FSTAT', async (id, handle: Buffer) => sftp.attrs(id, attributes(await this.file(handle).stat())));
    on('CLOSE', (id, handle: Buffer) => this.close(id, handle));
    on('OPENDIR', async (id, path: string) => {
      const real = this.real(path);
      if (!(await this.lstat(path)).isDirectory()) throw new Status(STATUS_CODE.FAILURE, 'not a folder');
      sftp.handle(id, this.add({ kind: 'dir', path: real, done: false }));
    });
    on('READDIR', (id, handle: Buffer) => this.readdir(id, handle));
    on('MKDIR', async (id, path: string) => {
      await mkdir(this.real(path));
      sftp.status(id, STATUS_CODE.OK);
    });
    on('RMDIR', async (id, path: string) => {
      await rmdir(this.real(path));
      sftp.status(id, STATUS_CODE.OK);
    });
    on('REMOVE', async (id, path: string) => {
      await unlink(this.real(path));
      sftp.status(id, STATUS_CODE.OK);
    });
    on('RENAME', async (id, from: string, to: string) => {
      // SFTP version 3: a rename does not replace an existing file.
      const exists = await lstat(this.real(to)).then(
        () => true,
        () => false,
      );
      if (exists) throw new Status(STATUS_CODE.FAILURE, 'the target exists');
      await rename(this.real(from), this.real(to));
      sftp.status(id, STATUS_CODE.OK);
    });
    // Clients that keep times or modes send these; the demo has no use for them.
    on('SETSTAT', (id) => sftp.status(id, STATUS_CODE.OK));
    on('FSETSTAT', (id) => sftp.status(id, STATUS_CODE.OK));
    for (const unsupported of ['READLINK', 'SYMLINK', 'EXTENDED']) {
      on(unsupported, () => {
        throw new Status(STATUS_CODE.OP_UNSUPPORTED, 'not supported by the demo server');
      });
    }
    sftp.on('close', () => {
      for (const h of this.handles.values())
        if (h.kind === 'file') void h.file.close().catch(() => undefined);
      this.handles.clear();
    });
  }

  /** The client's path as an absolute path within the folder; `..` stops at `/`. */
  private virtual(path: string): string {
    return posix.resolve('/', path);
  }

  private real(path: string): string {
    return join(this.root, this.virtual(path));
  }

  private async lstat(path: string): Promise<Stats> {
    const stats = await lstat(this.real(path));
    if (stats.isSymbolicLink()) throw new Status(STATUS_CODE.PERMISSION_DENIED, 'links are not served');
    return stats;
  }

  private add(handle: Handle): Buffer {
    const n = this.next++;
    this.handles.set(n, handle);
    const buf = Buffer.alloc(4);
    buf.writeUInt32BE(n);
    return buf;
  }

  private get(handle: Buffer): Handle {
    const h = handle.length === 4 ? this.handles.get(handle.readUInt32BE(0)) : undefined;
    if (!h) throw new Status(STATUS_CODE.FAILURE, 'no such handle');
    return h;
  }

  private file(handle: Buffer): FileHandle {
    const h = this.get(handle);
    if (h.kind !== 'file') throw new Status(STATUS_CODE.FAILURE, 'a folder handle');
    return h.file;
  }

  private async open(id: number, path: string, flags: number): Promise<void> {
    const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_EXCL, O_APPEND, O_NOFOLLOW } = fsConstants;
    const reading = (flags & OPEN_MODE.READ) !== 0;
    const writing = (flags & OPEN_MODE.WRITE) !== 0;
    const mode =
      (reading && writing ? O_RDWR : writing ? O_WRONLY : O_RDONLY) |
      (flags & OPEN_MODE.CREAT ? O_CREAT : 0) |
      (flags & OPEN_MODE.TRUNC ? O_TRUNC : 0) |
      (flags & OPEN_MODE.EXCL ? O_EXCL : 0) |
      (flags & OPEN_MODE.APPEND ? O_APPEND : 0) |
      // A link is never followed, also when a client writes to its name.
      O_NOFOLLOW;
    const file = await open(this.real(path), mode, 0o644).catch((e: NodeJS.ErrnoException) => {
      throw e.code === 'ELOOP' ? new Status(STATUS_CODE.PERMISSION_DENIED, 'links are not served') : e;
    });
    this.sftp.handle(id, this.add({ kind: 'file', file }));
  }

  private async read(id: number, handle: Buffer, offset: number, length: number): Promise<void> {
    const buf = Buffer.alloc(Math.min(length, 256 * 1024));
    const { bytesRead } = await this.file(handle).read(buf, 0, buf.length, offset);
    if (bytesRead === 0) this.sftp.status(id, STATUS_CODE.EOF);
    else this.sftp.data(id, buf.subarray(0, bytesRead));
  }

  private async close(id: number, handle: Buffer): Promise<void> {
    const h = this.get(handle);
    this.handles.delete(handle.readUInt32BE(0));
    if (h.kind === 'file') await h.file.close();
    this.sftp.status(id, STATUS_CODE.OK);
  }

  private async readdir(id: number, handle: Buffer): Promise<void> {
    const h = this.get(handle);
    if (h.kind !== 'dir') throw new Status(STATUS_CODE.FAILURE, 'a file handle');
    if (h.done) {
      this.sftp.status(id, STATUS_CODE.EOF);
      return;
    }
    h.done = true;
    const now = Math.floor(Date.now() / 1000);
    const entries = [];
    for (const name of (await readdir(h.path)).sort()) {
      const stats = await lstat(join(h.path, name)).catch(() => undefined);
      if (!stats || !(stats.isFile() || stats.isDirectory())) continue;
      entries.push(fileEntry({ name, attrs: attributes(stats) }, 'demo', now));
    }
    if (entries.length === 0) this.sftp.status(id, STATUS_CODE.EOF);
    else this.sftp.name(id, entries);
  }

  private fail(id: number, e: unknown): void {
    if (e instanceof Status) {
      this.sftp.status(id, e.code, e.message);
      return;
    }
    const code = (e as NodeJS.ErrnoException).code;
    const status =
      code === 'ENOENT'
        ? STATUS_CODE.NO_SUCH_FILE
        : code === 'EACCES' || code === 'EPERM'
          ? STATUS_CODE.PERMISSION_DENIED
          : STATUS_CODE.FAILURE;
    this.sftp.status(id, status, code ?? errorMessage(e));
  }
}

function attributes(stats: Stats): Attributes {
  return {
    mode: stats.isDirectory() ? S_IFDIR | 0o755 : S_IFREG | 0o644,
    uid: 0,
    gid: 0,
    size: stats.isDirectory() ? 0 : stats.size,
    atime: Math.floor(stats.atimeMs / 1000),
    mtime: Math.floor(stats.mtimeMs / 1000),
  };
}

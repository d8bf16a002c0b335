// One partner's SFTP session: the requests of the SFTP protocol (version 3) answered over the partner's
// virtual tree. The rules, in short (docs/hosted-sftp.md has them for partners):
//
// - `/` holds `inbound/` and `outbound/` and nothing else; nothing can be made or removed at the top.
// - inbound/ is for uploads. An upload under a final name is written out of sight and taken in (blob fsynced,
//   receipt committed) when the client closes it, and only then does the CLOSE succeed; it does not stay in
//   inbound/. An upload under a temporary name (`x.part`, `.x`, `x.tmp`, …) stays in inbound/ and is taken in
//   when renamed to a final name. Partners may list inbound/ (their folders and their temporary files), make
//   and remove folders there, and remove their temporary files; they cannot read files back.
// - outbound/ is read-only except that a fetched file may be removed, which is what most partners' scripts
//   do after a download (the gateway keeps its own copy of every ack).
// - Symbolic links are never followed, listed or made.
import { createReadStream, constants as fsConstants, type Stats } from 'node:fs';
import {
  link,
  lstat,
  mkdir,
  open,
  readdir,
  realpath,
  rm,
  rmdir,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import ssh2 from 'ssh2';
import type { Attributes, SFTPWrapper } from 'ssh2';
import { errorMessage } from '../../errors.ts';
import type { Intake } from '../../intake/receive.ts';
import type { Logger } from '../../log.ts';
import type { PartnerDirs } from './layout.ts';
import { attributesOf, fileEntry, rootAttributes, type Entry } from './listing.ts';
import { baseName, isInboundEntry, isTemporaryName, resolveClientPath, type VirtualPath } from './paths.ts';

const { STATUS_CODE, OPEN_MODE } = ssh2.utils.sftp;

/** Longest chunk sent for one READ; clients ask again for the rest. */
const MAX_READ = 64 * 1024;
/** Names sent per READDIR reply. */
const NAMES_PER_READDIR = 100;
/** Received paths remembered per session, so that a client setting times on what it just uploaded succeeds. */
const REMEMBERED_RECEIVED = 64;

export interface SessionLimits {
  /** Largest upload, in bytes. */
  maxUploadBytes: number;
  /** Files and folders a session may hold open at once. */
  maxOpenHandles: number;
}

export interface SessionContext {
  partnerId: string;
  /** The partner's folders, with its home resolved to a real path (no symbolic link in it). */
  dirs: PartnerDirs;
  intake: Intake;
  log: Logger;
  limits: SessionLimits;
  /** Files in inbound/ being written or taken in by any session of the server (host paths). */
  busy: Set<string>;
  /** Marks the start and end of each request, for the idle timeout. */
  activity: { begin(): void; end(): void };
}

/** A refusal for the client: an SFTP status code and a message that names no host path. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Worth a warning in the log (an attempt to leave the root), not only a debug line. */
    readonly notable = false,
  ) {
    super(message);
  }
}

const denied = (message: string) => new Refusal(STATUS_CODE.PERMISSION_DENIED, message);
const missing = (message = 'no such file or folder') => new Refusal(STATUS_CODE.NO_SUCH_FILE, message);
const failed = (message: string) => new Refusal(STATUS_CODE.FAILURE, message);
const NOT_A_LINK = 'symbolic links are not followed';

interface ReadHandle {
  kind: 'read';
  file: FileHandle;
  path: VirtualPath;
}

interface UploadHandle {
  kind: 'upload';
  file: FileHandle;
  path: VirtualPath;
  /** Where the bytes go: inbound/ for a temporary name, .incoming/ for a final one. */
  disk: string;
  /** A final name: taken in at CLOSE. */
  takeInOnClose: boolean;
  append: boolean;
  size: number;
  /** Why the upload can no longer succeed (the client is told at each later WRITE and at CLOSE). */
  failure?: string;
  writes: Set<Promise<void>>;
}

interface DirHandle {
  kind: 'dir';
  entries: Entry[];
  next: number;
}

type Handle = ReadHandle | UploadHandle | DirHandle;

export class SftpSession {
  private readonly handles = new Map<number, Handle>();
  private nextHandle = 1;
  private readonly running = new Set<Promise<void>>();
  private readonly received: string[] = [];
  private closed = false;
  private ending: Promise<void> | undefined;

  constructor(
    private readonly sftp: SFTPWrapper,
    private readonly ctx: SessionContext,
  ) {
    const on = (event: string, run: (reqId: number, ...args: never[]) => void | Promise<void>) =>
      sftp.on(event, (reqId: number, ...args: never[]) =>
        this.serve(reqId, event, () => run(reqId, ...args)),
      );
    on('OPEN', (id, filename: string, flags: number) => this.open(id, filename, flags));
    on('READ', (id, handle: Buffer, offset: number, length: number) => this.read(id, handle, offset, length));
    on('WRITE', (id, handle: Buffer, offset: number, data: Buffer) => this.write(id, handle, offset, data));
    on('CLOSE', (id, handle: Buffer) => this.close(id, handle));
    on('FSTAT', (id, handle: Buffer) => this.fstat(id, handle));
    on('FSETSTAT', (id, handle: Buffer, attrs: Partial<Attributes>) => this.fsetstat(id, handle, attrs));
    on('OPENDIR', (id, path: string) => this.opendir(id, path));
    on('READDIR', (id, handle: Buffer) => this.readdir(id, handle));
    on('STAT', (id, path: string) => this.stat(id, path));
    on('LSTAT', (id, path: string) => this.stat(id, path));
    on('SETSTAT', (id, path: string, attrs: Partial<Attributes>) => this.setstat(id, path, attrs));
    on('REALPATH', (id, path: string) => this.realpath(id, path));
    on('MKDIR', (id, path: string) => this.mkdir(id, path));
    on('RMDIR', (id, path: string) => this.rmdir(id, path));
    on('REMOVE', (id, path: string) => this.remove(id, path));
    on('RENAME', (id, from: string, to: string) => this.rename(id, from, to));
    on('READLINK', () => {
      throw new Refusal(STATUS_CODE.OP_UNSUPPORTED, 'symbolic links are not supported');
    });
    on('SYMLINK', () => {
      throw denied('symbolic links cannot be made here');
    });
    on('EXTENDED', () => {
      throw new Refusal(STATUS_CODE.OP_UNSUPPORTED, 'no extensions are supported');
    });
  }

  /** Runs one request; a refusal becomes its status, anything else a logged failure. */
  private serve(reqId: number, op: string, run: () => void | Promise<void>): void {
    this.ctx.activity.begin();
    const done = Promise.resolve()
      .then(run)
      .catch((e: unknown) => {
        if (this.closed) return;
        if (e instanceof Refusal) {
          const level = e.notable ? 'warn' : 'debug';
          this.ctx.log[level]({ op, status: e.status, reason: e.message }, 'sftp request refused');
          this.sftp.status(reqId, e.status, e.message);
          return;
        }
        this.ctx.log.warn({ op, err: errorMessage(e) }, 'sftp request failed');
        this.sftp.status(reqId, STATUS_CODE.FAILURE, 'the gateway could not do that; try again later');
      })
      .finally(() => {
        this.running.delete(done);
        this.ctx.activity.end();
      });
    this.running.add(done);
  }

  // Paths --------------------------------------------------------------------------------------------------

  private resolve(raw: string): VirtualPath {
    const path = resolveClientPath(raw);
    if (path.refused !== undefined) {
      throw new Refusal(STATUS_CODE.PERMISSION_DENIED, path.message, path.refused === 'outside-root');
    }
    return path;
  }

  private disk(path: VirtualPath): string {
    if (path.area === 'inbound') return join(this.ctx.dirs.inbound, ...path.rest);
    if (path.area === 'outbound') return join(this.ctx.dirs.outbound, ...path.rest);
    throw missing();
  }

  /** Checks that the folder holding `path` is where its name says, with no symbolic link on the way. */
  private async checkParent(path: VirtualPath): Promise<void> {
    const parent =
      path.rest.length === 0 ? this.ctx.dirs.home : this.disk({ ...path, rest: path.rest.slice(0, -1) });
    let real: string;
    try {
      real = await realpath(parent);
    } catch (e) {
      throw fsRefusal(e);
    }
    if (real !== parent) throw denied(NOT_A_LINK);
  }

  /** The entry at `path` (not followed if a link); a link, device or socket is refused. */
  private async entry(path: VirtualPath): Promise<Stats> {
    await this.checkParent(path);
    let stats: Stats;
    try {
      stats = await lstat(this.disk(path));
    } catch (e) {
      throw fsRefusal(e);
    }
    if (stats.isSymbolicLink()) throw denied(NOT_A_LINK);
    if (!stats.isFile() && !stats.isDirectory()) throw missing();
    if (path.area === 'outbound' && path.rest.length > 0 && isTemporaryName(baseName(path))) throw missing();
    return stats;
  }

  private async attributes(path: VirtualPath): Promise<Attributes> {
    if (path.area === 'root') return rootAttributes();
    if (path.area === 'absent') throw missing();
    return attributesOf(await this.entry(path), path.area);
  }

  // Handles ------------------------------------------------------------------------------------------------

  private addHandle(reqId: number, handle: Handle): void {
    const id = this.nextHandle++;
    this.handles.set(id, handle);
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(id);
    this.sftp.handle(reqId, bytes);
  }

  private handle(bytes: Buffer): Handle {
    const handle = bytes.length === 4 ? this.handles.get(bytes.readUInt32BE(0)) : undefined;
    if (!handle) throw failed('no such open file (invalid handle)');
    return handle;
  }

  private checkHandleRoom(): void {
    if (this.handles.size >= this.ctx.limits.maxOpenHandles) {
      throw failed(`at most ${this.ctx.limits.maxOpenHandles} files may be open at once`);
    }
  }

  // Requests -----------------------------------------------------------------------------------------------

  private async open(reqId: number, filename: string, flags: number): Promise<void> {
    const path = this.resolve(filename);
    const reading = (flags & OPEN_MODE.READ) !== 0;
    const writing = (flags & OPEN_MODE.WRITE) !== 0;
    this.checkHandleRoom();
    if (path.area === 'root' || path.area === 'absent' || path.rest.length === 0) {
      if (writing) throw denied('uploads go into /inbound');
      if (path.area === 'absent') throw missing();
      throw failed('that is a folder');
    }
    if (path.area === 'outbound') {
      if (writing) throw denied('/outbound is read-only');
      const stats = await this.entry(path);
      if (!stats.isFile()) throw failed('that is a folder');
      const file = await openFile(this.disk(path), fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
      this.addHandle(reqId, { kind: 'read', file, path });
      return;
    }
    if (reading || !writing) throw denied('/inbound is for uploads; files there cannot be read back');
    if (!isInboundEntry(path)) throw denied('folders under /inbound are nested too deep');
    await this.checkParent(path);
    const target = this.disk(path);
    const append = (flags & OPEN_MODE.APPEND) !== 0;
    if (isTemporaryName(baseName(path))) {
      if (this.ctx.busy.has(target))
        throw failed('that file is being written or taken in by another session');
      const mode =
        fsConstants.O_WRONLY |
        fsConstants.O_NOFOLLOW |
        (flags & OPEN_MODE.CREAT ? fsConstants.O_CREAT : 0) |
        (flags & OPEN_MODE.TRUNC ? fsConstants.O_TRUNC : 0) |
        (flags & OPEN_MODE.EXCL ? fsConstants.O_EXCL : 0) |
        (append ? fsConstants.O_APPEND : 0);
      const file = await openFile(target, mode, 0o640);
      const stats = await file.stat();
      if (!stats.isFile()) {
        await file.close();
        throw failed('that is a folder');
      }
      this.ctx.busy.add(target);
      this.addHandle(reqId, {
        kind: 'upload',
        file,
        path,
        disk: target,
        takeInOnClose: false,
        append,
        size: stats.size,
        writes: new Set(),
      });
      return;
    }
    // A final name never exists in inbound/ (its upload is taken in and gone), so there is nothing to open
    // without creating it, and nothing to truncate or append to.
    if ((flags & OPEN_MODE.CREAT) === 0) throw missing();
    const existing = await lstat(target).catch(() => undefined);
    if (existing?.isDirectory()) throw failed('that is a folder');
    const staged = join(this.ctx.dirs.incoming, `${randomBytes(8).toString('hex')}.upload`);
    const file = await openFile(staged, 'wx', 0o600);
    this.addHandle(reqId, {
      kind: 'upload',
      file,
      path,
      disk: staged,
      takeInOnClose: true,
      append: false,
      size: 0,
      writes: new Set(),
    });
  }

  private async read(reqId: number, bytes: Buffer, offset: number, length: number): Promise<void> {
    const handle = this.handle(bytes);
    if (handle.kind !== 'read') throw denied('this file is not open for reading');
    const buffer = Buffer.alloc(Math.max(0, Math.min(length, MAX_READ)));
    const { bytesRead } = await handle.file.read(buffer, 0, buffer.length, offset);
    if (bytesRead === 0) {
      this.sftp.status(reqId, STATUS_CODE.EOF);
      return;
    }
    this.sftp.data(reqId, buffer.subarray(0, bytesRead));
  }

  private async write(reqId: number, bytes: Buffer, offset: number, data: Buffer): Promise<void> {
    const handle = this.handle(bytes);
    if (handle.kind !== 'upload') throw denied('this file is not open for writing');
    if (handle.failure) throw failed(handle.failure);
    const end = handle.append ? handle.size + data.length : Math.max(handle.size, offset + data.length);
    if (end > this.ctx.limits.maxUploadBytes) {
      handle.failure = `uploads are limited to ${this.ctx.limits.maxUploadBytes} bytes`;
      this.ctx.log.warn(
        { file: handle.path.path, limit: this.ctx.limits.maxUploadBytes },
        'upload too large; refused',
      );
      throw failed(handle.failure);
    }
    handle.size = end;
    // ssh2 may reuse the packet buffer once this handler returns; the write outlives it.
    const copy = Buffer.from(data);
    const writing = handle.file
      .write(copy, 0, copy.length, handle.append ? null : offset)
      .then(() => undefined);
    handle.writes.add(writing);
    try {
      await writing;
    } catch (e) {
      handle.failure = 'the gateway could not write the upload; send it again';
      this.ctx.log.warn({ file: handle.path.path, err: errorMessage(e) }, 'upload write failed');
      throw failed(handle.failure);
    } finally {
      handle.writes.delete(writing);
    }
    this.sftp.status(reqId, STATUS_CODE.OK);
  }

  private async close(reqId: number, bytes: Buffer): Promise<void> {
    const handle = this.handle(bytes);
    this.handles.delete(bytes.readUInt32BE(0));
    if (handle.kind === 'dir') {
      this.sftp.status(reqId, STATUS_CODE.OK);
      return;
    }
    if (handle.kind === 'read') {
      await handle.file.close();
      this.sftp.status(reqId, STATUS_CODE.OK);
      return;
    }
    await Promise.allSettled(handle.writes);
    await handle.file.close();
    if (!handle.takeInOnClose) {
      this.ctx.busy.delete(handle.disk);
      if (handle.failure) {
        await rm(handle.disk, { force: true });
        throw failed(handle.failure);
      }
      this.sftp.status(reqId, STATUS_CODE.OK);
      return;
    }
    try {
      if (handle.failure) throw failed(handle.failure);
      await this.takeIn(handle.disk, handle.path);
    } finally {
      await rm(handle.disk, { force: true });
    }
    this.sftp.status(reqId, STATUS_CODE.OK);
  }

  private async fstat(reqId: number, bytes: Buffer): Promise<void> {
    const handle = this.handle(bytes);
    if (handle.kind === 'dir') throw new Refusal(STATUS_CODE.OP_UNSUPPORTED, 'use STAT for a folder');
    this.sftp.attrs(reqId, attributesOf(await handle.file.stat(), handle.path.area));
  }

  private fsetstat(reqId: number, bytes: Buffer, attrs: Partial<Attributes>): void {
    const handle = this.handle(bytes);
    if (handle.kind === 'read') throw denied('/outbound is read-only');
    refuseResize(attrs);
    // Owners, modes and times of uploads are the gateway's to keep; accepting the request lets clients that
    // preserve times finish their transfer normally.
    this.sftp.status(reqId, STATUS_CODE.OK);
  }

  private async opendir(reqId: number, raw: string): Promise<void> {
    const path = this.resolve(raw);
    this.checkHandleRoom();
    let entries: Entry[];
    if (path.area === 'root') {
      entries = [];
      for (const area of ['inbound', 'outbound'] as const) {
        entries.push({ name: area, attrs: await this.attributes({ path: `/${area}`, area, rest: [] }) });
      }
    } else {
      const stats = await this.attributes(path);
      if ((stats.mode & 0o170000) !== 0o040000) throw failed('that is not a folder');
      entries = await this.list(path);
    }
    this.addHandle(reqId, { kind: 'dir', entries, next: 0 });
  }

  private async list(path: VirtualPath): Promise<Entry[]> {
    const dir = this.disk(path);
    const names = await readdir(dir, { withFileTypes: true }).catch((e: unknown) => {
      throw fsRefusal(e);
    });
    const entries: Entry[] = [];
    for (const dirent of names) {
      // Links, devices and sockets are not part of the partner's tree; nor are half-written deliveries.
      if (!dirent.isFile() && !dirent.isDirectory()) continue;
      if (path.area === 'outbound' && isTemporaryName(dirent.name)) continue;
      const stats = await lstat(join(dir, dirent.name)).catch(() => undefined);
      if (!stats || (!stats.isFile() && !stats.isDirectory())) continue;
      entries.push({ name: dirent.name, attrs: attributesOf(stats, path.area) });
    }
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private readdir(reqId: number, bytes: Buffer): void {
    const handle = this.handle(bytes);
    if (handle.kind !== 'dir') throw failed('that handle is not a folder');
    if (handle.next >= handle.entries.length) {
      this.sftp.status(reqId, STATUS_CODE.EOF);
      return;
    }
    const batch = handle.entries.slice(handle.next, handle.next + NAMES_PER_READDIR);
    handle.next += batch.length;
    const now = Math.floor(Date.now() / 1000);
    this.sftp.name(
      reqId,
      batch.map((e) => fileEntry(e, this.ctx.partnerId, now)),
    );
  }

  private async stat(reqId: number, raw: string): Promise<void> {
    this.sftp.attrs(reqId, await this.attributes(this.resolve(raw)));
  }

  private async setstat(reqId: number, raw: string, attrs: Partial<Attributes>): Promise<void> {
    const path = this.resolve(raw);
    if (path.area !== 'inbound') {
      if (path.area === 'absent') throw missing();
      throw denied(path.area === 'outbound' ? '/outbound is read-only' : 'the top folder cannot be changed');
    }
    refuseResize(attrs);
    if (!this.received.includes(path.path)) await this.entry(path);
    this.sftp.status(reqId, STATUS_CODE.OK);
  }

  private realpath(reqId: number, raw: string): void {
    const path = this.resolve(raw);
    this.sftp.name(reqId, [{ filename: path.path, longname: path.path, attrs: {} as Attributes }]);
  }

  private async mkdir(reqId: number, raw: string): Promise<void> {
    const path = this.resolve(raw);
    if (!isInboundEntry(path)) {
      if (path.area === 'inbound' && path.rest.length === 0) throw failed('that folder already exists');
      throw denied(
        path.area === 'inbound' ? 'folders are nested too deep' : 'folders can be made only under /inbound',
      );
    }
    await this.checkParent(path);
    try {
      await mkdir(this.disk(path), { mode: 0o750 });
    } catch (e) {
      throw fsRefusal(e);
    }
    this.sftp.status(reqId, STATUS_CODE.OK);
  }

  private async rmdir(reqId: number, raw: string): Promise<void> {
    const path = this.resolve(raw);
    if (!isInboundEntry(path)) throw denied('only folders under /inbound can be removed');
    const stats = await this.entry(path);
    if (!stats.isDirectory()) throw failed('that is not a folder');
    try {
      await rmdir(this.disk(path));
    } catch (e) {
      throw fsRefusal(e);
    }
    this.sftp.status(reqId, STATUS_CODE.OK);
  }

  private async remove(reqId: number, raw: string): Promise<void> {
    const path = this.resolve(raw);
    if (path.area === 'absent') throw missing();
    if (path.rest.length === 0) throw denied('the top folders cannot be removed');
    const stats = await this.entry(path);
    if (stats.isDirectory()) throw failed('that is a folder');
    const target = this.disk(path);
    if (this.ctx.busy.has(target)) throw failed('that file is being written or taken in');
    try {
      await unlink(target);
    } catch (e) {
      throw fsRefusal(e);
    }
    if (path.area === 'outbound')
      this.ctx.log.info({ file: path.path }, 'partner removed a file from outbound');
    this.sftp.status(reqId, STATUS_CODE.OK);
  }

  private async rename(reqId: number, rawFrom: string, rawTo: string): Promise<void> {
    const from = this.resolve(rawFrom);
    const to = this.resolve(rawTo);
    if (!isInboundEntry(from) || !isInboundEntry(to)) throw denied('only uploads in /inbound can be renamed');
    const stats = await this.entry(from);
    if (stats.isDirectory()) throw denied('folders cannot be renamed');
    const source = this.disk(from);
    if (!isTemporaryName(baseName(from))) throw denied('only files under a temporary name can be renamed');
    if (this.ctx.busy.has(source)) throw failed('that file is being written or taken in');
    await this.checkParent(to);
    const target = this.disk(to);
    if (
      await lstat(target).then(
        () => true,
        () => false,
      )
    )
      throw failed('a file or folder of that name exists');
    if (isTemporaryName(baseName(to))) {
      // link + unlink: never replaces a file that appeared in between, unlike rename(2).
      try {
        await link(source, target);
        await unlink(source);
      } catch (e) {
        throw fsRefusal(e);
      }
      this.sftp.status(reqId, STATUS_CODE.OK);
      return;
    }
    if (stats.size > this.ctx.limits.maxUploadBytes) {
      throw failed(`uploads are limited to ${this.ctx.limits.maxUploadBytes} bytes`);
    }
    this.ctx.busy.add(source);
    try {
      await this.takeIn(source, to);
      await rm(source, { force: true });
    } finally {
      this.ctx.busy.delete(source);
    }
    this.sftp.status(reqId, STATUS_CODE.OK);
  }

  // Intake -------------------------------------------------------------------------------------------------

  /** Hands a complete upload to intake; returns once it is durable. */
  private async takeIn(disk: string, path: VirtualPath): Promise<void> {
    const size = (await lstat(disk)).size;
    try {
      const result = await this.ctx.intake.receive(createReadStream(disk), {
        channel: { kind: 'hosted-sftp', id: `${this.ctx.partnerId}/hosted` },
        partnerId: this.ctx.partnerId,
        remotePath: path.path,
        fileName: baseName(path),
        size,
      });
      this.ctx.log.info(
        {
          file: path.path,
          size,
          receiptId: result.receipt.id,
          ...(result.duplicateOf ? { duplicateOf: result.duplicateOf.id } : {}),
        },
        'upload taken in',
      );
    } catch (e) {
      this.ctx.log.warn({ file: path.path, size, err: errorMessage(e) }, 'upload not taken in');
      throw failed('the gateway could not store this upload; send it again');
    }
    this.received.push(path.path);
    if (this.received.length > REMEMBERED_RECEIVED) this.received.shift();
  }

  // End ----------------------------------------------------------------------------------------------------

  /** Ends the session: requests still running finish, open files are closed, and uploads that were never
   * closed are thrown away (nothing of them was recorded). Temporary-name files stay, for a later resume. */
  end(): Promise<void> {
    this.ending ??= this.finish();
    return this.ending;
  }

  private async finish(): Promise<void> {
    await Promise.allSettled(this.running);
    this.closed = true;
    const handles = [...this.handles.values()];
    this.handles.clear();
    for (const handle of handles) {
      if (handle.kind === 'dir') continue;
      if (handle.kind === 'upload') await Promise.allSettled(handle.writes);
      await handle.file.close().catch(() => undefined);
      if (handle.kind !== 'upload') continue;
      if (handle.takeInOnClose) {
        await rm(handle.disk, { force: true }).catch(() => undefined);
        this.ctx.log.info(
          { file: handle.path.path, bytes: handle.size },
          'upload abandoned before close; discarded',
        );
      } else {
        this.ctx.busy.delete(handle.disk);
      }
    }
  }
}

function refuseResize(attrs: Partial<Attributes>): void {
  if (attrs.size !== undefined) throw new Refusal(STATUS_CODE.OP_UNSUPPORTED, 'files cannot be resized here');
}

async function openFile(path: string, flags: number | string, mode?: number): Promise<FileHandle> {
  try {
    return await open(path, flags, mode);
  } catch (e) {
    throw fsRefusal(e);
  }
}

/** An operating-system error as the client should see it, without the host path it carries. */
function fsRefusal(e: unknown): unknown {
  switch ((e as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return missing();
    case 'ENOTDIR':
      return missing('a part of that path is not a folder');
    case 'ELOOP':
      return denied(NOT_A_LINK);
    case 'EACCES':
    case 'EPERM':
      return denied('permission denied');
    case 'EEXIST':
      return failed('a file or folder of that name exists');
    case 'ENOTEMPTY':
      return failed('that folder is not empty');
    case 'EISDIR':
      return failed('that is a folder');
    default:
      return e;
  }
}

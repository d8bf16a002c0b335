// Content-addressed storage of the bytes we receive. A blob is written to a temporary file, fsynced, renamed
// to its sha256 name and the directory fsynced, so after `put` returns the bytes survive a crash and a name
// always holds exactly the bytes it names. The interface is small enough for an object store to implement.
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  createReadStream,
  existsSync,
  fsync,
  mkdirSync,
  open,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Readable } from 'node:stream';
import { GatewayError } from '../errors.ts';
import { syncDir } from './durable-file.ts';

export interface StoredBlob {
  key: string;
  sha256: string;
  size: number;
}

export interface BlobStore {
  /** Stores the stream's bytes durably; resolves once they are safe on disk. */
  put(source: AsyncIterable<Uint8Array | string>): Promise<StoredBlob>;
  /** A stream of the blob's bytes. A key that cannot be a blob's throws `not-found`; a well-formed key with no
   * blob behind it gives a stream that fails with the file system's ENOENT (process-receipt relies on it). */
  read(key: string): Readable;
  /** The whole blob at once, for one known to be small: a single read instead of a stream's machinery. */
  readAll(key: string): Promise<Buffer>;
  has(key: string): Promise<boolean>;
  size(key: string): Promise<number>;
}

export class FileBlobStore implements BlobStore {
  private readonly tmpDir: string;
  /** Directories made (or found) already: a recursive mkdir per file costs more than the write itself. */
  private readonly made = new Set<string>();
  /** Temporary names: unique to this instance (a random prefix) and to each put in it (a counter). */
  private readonly tmpPrefix = `${process.pid}-${randomBytes(6).toString('hex')}`;
  private tmpCount = 0;

  constructor(private readonly root: string) {
    this.tmpDir = join(root, 'tmp');
  }

  async put(source: AsyncIterable<Uint8Array | string>): Promise<StoredBlob> {
    // A stream that fails while the temporary file is being opened (a file deleted between listing and
    // reading) would emit an 'error' nobody listens to yet, which ends the process; with this listener its
    // error comes out of the iteration below instead.
    const stream = isStream(source) ? source : undefined;
    const ignore = () => undefined;
    stream?.on('error', ignore);
    try {
      return await this.store(source);
    } catch (e) {
      // A source never consumed (the disk failed first) must not keep its file or socket open.
      stream?.destroy();
      throw e;
    } finally {
      stream?.off('error', ignore);
    }
  }

  // Writes, close and rename are synchronous: on a local disk each takes microseconds, while its asynchronous
  // form costs a round trip through libuv's thread pool that was, per file, more CPU than the rest of the put
  // (docs/benchmarks-pipeline.md). Creating the temporary file stays asynchronous, since it may wait for the
  // file system's journal (see src/store/durable-file.ts), and so do the fsyncs, which wait for the disk.
  private async store(source: AsyncIterable<Uint8Array | string>): Promise<StoredBlob> {
    const tmp = join(this.tmpDir, `${this.tmpPrefix}-${++this.tmpCount}`);
    const hash = createHash('sha256');
    let size = 0;
    let fd: number | undefined;
    // Where a failure came from: the source (a dropped upload: the caller's error, passed on as it is) or
    // the disk (ours).
    let reading = false;
    try {
      fd = await this.createTmp(tmp);
      reading = true;
      for await (const chunk of source) {
        reading = false;
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        hash.update(bytes);
        size += bytes.length;
        let written = 0;
        while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
        reading = true;
      }
      reading = false;
      await fsyncFd(fd);
      closeSync(fd);
    } catch (e) {
      if (fd !== undefined) quietly(() => closeSync(fd!));
      quietly(() => rmSync(tmp, { force: true }));
      if (reading) throw e;
      throw blobError('write', tmp, e);
    }
    const sha256 = hash.digest('hex');
    const key = sha256;
    const dir = join(this.root, sha256.slice(0, 2));
    try {
      // A folder just made is itself only a name in the root until the root is fsynced.
      let made = false;
      if (!this.made.has(dir)) {
        made = mkdirSync(dir, { recursive: true }) !== undefined;
        this.made.add(dir);
      }
      // Same name, same bytes: replacing an existing blob is harmless, and rename is atomic.
      try {
        renameSync(tmp, join(dir, sha256));
      } catch (e) {
        // The directory was removed behind our back: make it again.
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        made = mkdirSync(dir, { recursive: true }) !== undefined;
        renameSync(tmp, join(dir, sha256));
      }
      await Promise.all([syncDir(dir), made ? syncDir(this.root) : undefined]);
    } catch (e) {
      quietly(() => rmSync(tmp, { force: true }));
      throw blobError('store', join(dir, sha256), e);
    }
    return { key, sha256, size };
  }

  /** Creates the temporary file, and the temporary folder first when it is missing. */
  private async createTmp(tmp: string): Promise<number> {
    try {
      return await openFd(tmp, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      mkdirSync(this.tmpDir, { recursive: true });
      return openFd(tmp, 'wx');
    }
  }

  read(key: string): Readable {
    return createReadStream(this.locate(key));
  }

  readAll(key: string): Promise<Buffer> {
    // Synchronous for the reason given at store(): a small file read through the thread pool costs four
    // round trips (open, fstat, read, close).
    // O_NOATIME: a blob is read soon after it was written, when relatime would update its access time, and
    // that inode update has to wait for the file system's journal while other files are being fsynced.
    let path = this.path(key);
    try {
      let fd: number;
      try {
        fd = openForRead(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        path = this.legacyPath(key);
        fd = openForRead(path);
      }
      try {
        return Promise.resolve(readFileSync(fd));
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      return Promise.reject(blobError('read', path, e));
    }
  }

  async has(key: string): Promise<boolean> {
    try {
      await access(this.locate(key));
      return true;
    } catch {
      return false;
    }
  }

  async size(key: string): Promise<number> {
    const path = this.locate(key);
    try {
      return (await stat(path)).size;
    } catch (e) {
      throw blobError('read', path, e);
    }
  }

  /** Where a blob is written: one level of 256 folders, as Git does. Two levels (65,536 folders) meant a new
   * folder for nearly every one of the first hundred thousand files, and making a folder cost more than
   * storing the file (docs/benchmarks-pipeline.md). */
  path(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new GatewayError('not-found', `not a blob key: ${key}`, false);
    return join(this.root, key.slice(0, 2), key);
  }

  /** Where stores written before the one-level layout keep a blob (root/aa/bb/<key>); read, never written. */
  private legacyPath(key: string): string {
    return join(this.root, key.slice(0, 2), key.slice(2, 4), key);
  }

  /** The blob's file: in the current layout, or in the old one when only that has it. */
  private locate(key: string): string {
    const path = this.path(key);
    if (existsSync(path)) return path;
    const legacy = this.legacyPath(key);
    return existsSync(legacy) ? legacy : path;
  }
}

function openForRead(path: string): number {
  try {
    return openSync(path, NOATIME_READ);
  } catch (e) {
    // Only the file's owner may ask for O_NOATIME.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') throw e;
    return openSync(path, 'r');
  }
}

function isStream(source: unknown): source is Readable {
  const s = source as Partial<Readable>;
  return typeof s.on === 'function' && typeof s.off === 'function' && typeof s.destroy === 'function';
}

const fsyncFd = promisify(fsync);
const openFd = promisify(open);

const NOATIME_READ = constants.O_RDONLY | (constants.O_NOATIME ?? 0);

function quietly(f: () => void): void {
  try {
    f();
  } catch {
    // Cleaning up after a failure that is reported already.
  }
}

function blobError(what: string, path: string, e: unknown): GatewayError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' && what === 'read') {
    return new GatewayError('not-found', `blob ${path} is missing`, false, { cause: e });
  }
  const transient =
    code === 'ENOSPC' || code === 'EMFILE' || code === 'ENFILE' || code === 'EAGAIN' || code === 'EIO';
  return new GatewayError('blob-failed', `cannot ${what} blob ${path}: ${(e as Error).message}`, transient, {
    cause: e,
  });
}

// Content-addressed storage of the bytes we receive. A blob is written to a temporary file, fsynced, renamed
// to its sha256 name and the directory fsynced, so after `put` returns the bytes survive a crash and a name
// always holds exactly the bytes it names. The interface is small enough for an object store to implement.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { GatewayError } from '../errors.ts';

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

  private async store(source: AsyncIterable<Uint8Array | string>): Promise<StoredBlob> {
    try {
      await this.ensureDir(this.tmpDir);
    } catch (e) {
      throw blobError('write', this.tmpDir, e);
    }
    const tmp = join(this.tmpDir, `${process.pid}-${randomBytes(8).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    let handle;
    // Where a failure came from: the source (a dropped upload: the caller's error, passed on as it is) or
    // the disk (ours).
    let reading = false;
    try {
      handle = await open(tmp, 'wx').catch(async (e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
        this.made.delete(this.tmpDir);
        await this.ensureDir(this.tmpDir);
        return open(tmp, 'wx');
      });
      reading = true;
      for await (const chunk of source) {
        reading = false;
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        hash.update(bytes);
        size += bytes.length;
        let written = 0;
        while (written < bytes.length) {
          const r = await handle.write(bytes, written, bytes.length - written);
          written += r.bytesWritten;
        }
        reading = true;
      }
      reading = false;
      await handle.sync();
    } catch (e) {
      await handle?.close().catch(() => undefined);
      await rm(tmp, { force: true });
      if (reading) throw e;
      throw blobError('write', tmp, e);
    }
    await handle.close();
    const sha256 = hash.digest('hex');
    const key = sha256;
    const dir = join(this.root, sha256.slice(0, 2), sha256.slice(2, 4));
    try {
      await this.ensureDir(dir);
      // Same name, same bytes: replacing an existing blob is harmless, and rename is atomic.
      await rename(tmp, join(dir, sha256)).catch(async (e: NodeJS.ErrnoException) => {
        // The directory was removed behind our back: make it again.
        if (e.code !== 'ENOENT') throw e;
        this.made.delete(dir);
        await this.ensureDir(dir);
        await rename(tmp, join(dir, sha256));
      });
      await syncDir(dir);
    } catch (e) {
      await rm(tmp, { force: true });
      throw blobError('store', join(dir, sha256), e);
    }
    return { key, sha256, size };
  }

  read(key: string): Readable {
    const path = this.path(key);
    const stream = createReadStream(path);
    return stream;
  }

  async readAll(key: string): Promise<Buffer> {
    try {
      return await readFile(this.path(key));
    } catch (e) {
      throw blobError('read', this.path(key), e);
    }
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.made.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.made.add(dir);
  }

  async has(key: string): Promise<boolean> {
    try {
      await access(this.path(key));
      return true;
    } catch {
      return false;
    }
  }

  async size(key: string): Promise<number> {
    try {
      return (await stat(this.path(key))).size;
    } catch (e) {
      throw blobError('read', this.path(key), e);
    }
  }

  path(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new GatewayError('not-found', `not a blob key: ${key}`, false);
    return join(this.root, key.slice(0, 2), key.slice(2, 4), key);
  }
}

function isStream(source: unknown): source is Readable {
  const s = source as Partial<Readable>;
  return typeof s.on === 'function' && typeof s.off === 'function' && typeof s.destroy === 'function';
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
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

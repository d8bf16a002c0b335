// Local folders: the drop folder a legacy partner (or an existing AS2 server) writes into, and the folder
// acks are written to. A drop folder is polled by the same core as a remote server (poller.ts), over the
// local file system, and watched with chokidar so that a new file is looked at when it appears rather than
// at the next poll. Files are read in place (no copy) and, by default, moved to processed/ once durably
// received, or to failed/ when the intake refuses them for a lasting reason.
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { watch, type FSWatcher } from 'chokidar';
import { GatewayError, errorMessage } from '../errors.ts';
import type { Intake } from '../intake/receive.ts';
import type { Leases } from '../jobs/lease.ts';
import type { Logger } from '../log.ts';
import type { FolderInbound, FolderOutbound } from '../partners/partner.ts';
import { writeFileDurably } from '../store/durable-file.ts';
import { ChannelPoller } from './poller.ts';
import type { RemoteEntry, RemoteFs } from './remote-fs.ts';

export { TEMPORARY_NAME } from './read-lock.ts';

export const PROCESSED_DIR = 'processed';
export const FAILED_DIR = 'failed';

/** The local file system as a RemoteFs. A folder that is listed is created first: a new partner's drop
 * folder exists as soon as its channel runs. */
export class FolderFs implements RemoteFs {
  readonly label = 'local folder';
  readonly host = undefined;
  readonly connected = true;

  async list(dir: string): Promise<RemoteEntry[]> {
    await mkdir(dir, { recursive: true });
    const out: RemoteEntry[] = [];
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (!entry.isFile()) {
        out.push({ name: entry.name, size: 0, mtime: new Date(0), isFile: false });
        continue;
      }
      const info = await stat(join(dir, entry.name)).catch(() => undefined);
      // Gone between the listing and the stat: it is not there.
      if (info) out.push({ name: entry.name, size: info.size, mtime: info.mtime, isFile: info.isFile() });
    }
    return out;
  }

  async stat(path: string): Promise<RemoteEntry | undefined> {
    try {
      const info = await stat(path);
      return { name: basename(path), size: info.size, mtime: info.mtime, isFile: info.isFile() };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  download(): Promise<void> {
    return Promise.reject(new Error('a local folder is read in place'));
  }

  localPath(path: string): string {
    return path;
  }

  async rename(from: string, to: string): Promise<void> {
    await rename(from, to);
  }

  async delete(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  async mkdir(path: string): Promise<void> {
    await mkdir(path, { recursive: true });
  }

  async upload(source: Buffer | Readable, path: string): Promise<void> {
    const handle = await open(path, 'w');
    try {
      if (Buffer.isBuffer(source)) await handle.writeFile(source);
      else await pipeline(source, handle.createWriteStream({ autoClose: false }));
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export class FolderPoller {
  private readonly core: ChannelPoller;
  private watcher: FSWatcher | undefined;
  private watching: Promise<void> | undefined;

  constructor(
    partnerId: string,
    private readonly channel: FolderInbound,
    intake: Intake,
    private readonly log: Logger,
    leases: Leases,
  ) {
    const fs = new FolderFs();
    this.core = new ChannelPoller({
      partnerId,
      channel,
      directories: [channel.path],
      channelKind: 'folder',
      label: channel.path,
      connect: () => Promise.resolve(fs),
      intake,
      log,
      leases,
      scratchDir: channel.path,
    });
  }

  start(): void {
    this.core.start();
    this.watching = this.watch();
  }

  /** Stops watching and polling; resolves when a poll in progress has finished its current file. */
  async stop(): Promise<void> {
    await this.watching;
    await this.watcher?.close();
    this.watcher = undefined;
    await this.core.stop();
  }

  /** One pass over the folder: files stable since the last pass are taken in. Returns how many. */
  poll(): Promise<number> {
    return this.core.poll();
  }

  private async watch(): Promise<void> {
    try {
      await mkdir(this.channel.path, { recursive: true });
      const watcher = watch(this.channel.path, { depth: 0, ignoreInitial: true, persistent: true });
      watcher.on('add', () => this.core.wake());
      watcher.on('change', () => this.core.wake());
      watcher.on('error', (e: unknown) =>
        this.log.warn(
          { err: errorMessage(e), path: this.channel.path },
          'folder watch failed; polling goes on',
        ),
      );
      this.watcher = watcher;
    } catch (e) {
      this.log.warn(
        { err: errorMessage(e), path: this.channel.path },
        'cannot watch the folder; polling goes on',
      );
    }
  }
}

/** Errors that stay until someone changes the folder: trying the delivery again cannot help. */
const LASTING_WRITE_ERRORS = new Set([
  'EACCES',
  'EPERM',
  'ENOTDIR',
  'EEXIST',
  'EISDIR',
  'EROFS',
  'ENAMETOOLONG',
  'ELOOP',
  'EINVAL',
]);

/** Refuses a name that is a path: nothing we send may land outside the partner's folder. */
export function checkDeliveryName(name: string): void {
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new GatewayError(
      'delivery-failed',
      `refusing to deliver under the name ${JSON.stringify(name)}`,
      false,
    );
  }
}

/** Writes a file into a folder as a temporary name, fsynced, then renamed (and the folder fsynced): a reader
 * never sees half of it, and a crash after it returned does not lose it. */
export async function deliverToFolder(channel: FolderOutbound, name: string, body: string): Promise<string> {
  checkDeliveryName(name);
  try {
    return await writeFileDurably(channel.path, name, body);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new GatewayError(
      'delivery-failed',
      `cannot write ${name} to ${channel.path}: ${errorMessage(e)}`,
      code === undefined || !LASTING_WRITE_ERRORS.has(code),
      { cause: e },
    );
  }
}

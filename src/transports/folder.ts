// Local folders: the drop folder a legacy partner (or an existing AS2 server) writes into, and the folder
// acks are written to. A file is taken only when its size and modification time stayed the same across two
// polls and its name is not a temporary one, and is moved away only after a durable intake.
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { GatewayError, errorMessage } from '../errors.ts';
import type { Intake } from '../intake/receive.ts';
import type { Leases } from '../jobs/lease.ts';
import type { Logger } from '../log.ts';
import type { FolderInbound, FolderOutbound } from '../partners/partner.ts';
import { writeFileDurably } from '../store/durable-file.ts';

/** Names a writer uses while a file is incomplete; taken only once renamed. */
export const TEMPORARY_NAME = /^\.|\.(part|partial|tmp|temp|filepart|crdownload|uploading)$/i;

export const PROCESSED_DIR = 'processed';

export class FolderPoller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** size:mtime of each file at the previous poll. */
  private seen = new Map<string, string>();
  /** size:mtime of files taken and left in place (completion `leave`): not taken again until they change. */
  private left = new Map<string, string>();

  constructor(
    private readonly partnerId: string,
    private readonly channel: FolderInbound,
    private readonly intake: Intake,
    private readonly log: Logger,
    private readonly leases: Leases,
  ) {}

  private get leaseName(): string {
    return `channel:${this.partnerId}/${this.channel.id}`;
  }

  start(): void {
    this.stopped = false;
    const tick = () => {
      this.running = this.poll()
        .then(() => undefined)
        .catch((e: unknown) =>
          this.log.warn({ err: errorMessage(e), path: this.channel.path }, 'folder poll failed'),
        )
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.timer = setTimeout(tick, this.channel.pollIntervalMs);
        });
    };
    tick();
  }

  /** Stops polling; resolves when a poll in progress has finished its current file. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.leases.release(this.leaseName).catch(() => undefined);
  }

  /** One pass over the folder: files stable since the last pass are taken in. Returns how many. */
  async poll(): Promise<number> {
    // Only one process polls a channel at a time; the lease outlives a few intervals so a slow poll keeps it.
    if (!(await this.leases.hold(this.leaseName, Math.max(30_000, this.channel.pollIntervalMs * 5)))) {
      this.seen.clear();
      return 0;
    }
    await mkdir(this.channel.path, { recursive: true });
    const entries = await readdir(this.channel.path, { withFileTypes: true });
    const listed = new Set(entries.map((e) => e.name));
    for (const name of this.left.keys()) if (!listed.has(name)) this.left.delete(name);
    const now = new Map<string, string>();
    let taken = 0;
    for (const entry of entries) {
      if (this.stopped) break;
      if (!entry.isFile() || TEMPORARY_NAME.test(entry.name)) continue;
      const path = join(this.channel.path, entry.name);
      let info;
      try {
        info = await stat(path);
      } catch {
        continue;
      }
      const signature = `${info.size}:${info.mtimeMs}`;
      if (this.left.get(entry.name) === signature) continue;
      now.set(entry.name, signature);
      if (this.seen.get(entry.name) !== signature) continue;
      const outcome = await this.take(path, info.size, info.mtime);
      // A failed file keeps its signature, so it is tried again at the next poll if it has not changed.
      if (outcome === 'failed') continue;
      if (outcome === 'taken') taken++;
      // A new file under the same name must be seen stable on its own.
      now.delete(entry.name);
      if (this.channel.completion === 'leave') this.left.set(entry.name, signature);
    }
    this.seen = now;
    return taken;
  }

  private async take(path: string, size: number, mtime: Date): Promise<'taken' | 'duplicate' | 'failed'> {
    try {
      const result = await this.intake.receive(createReadStream(path), {
        channel: { kind: 'folder', id: `${this.partnerId}/${this.channel.id}` },
        partnerId: this.partnerId,
        remotePath: path,
        size,
        mtime,
      });
      await this.complete(path);
      return result.duplicateOf === undefined ? 'taken' : 'duplicate';
    } catch (e) {
      this.log.warn(
        { err: errorMessage(e), file: basename(path) },
        'file not taken; trying again at the next poll',
      );
      return 'failed';
    }
  }

  private async complete(path: string): Promise<void> {
    if (this.channel.completion === 'leave') return;
    if (this.channel.completion === 'delete') {
      await rm(path, { force: true });
      return;
    }
    const dir = join(this.channel.path, PROCESSED_DIR);
    await mkdir(dir, { recursive: true });
    const name = basename(path);
    let target = join(dir, name);
    try {
      await stat(target);
      target = join(dir, `${new Date().toISOString().replace(/[:.]/g, '')}-${name}`);
    } catch {
      // No file of that name yet.
    }
    await rename(path, target);
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

/** Writes a file into a folder as a temporary name, fsynced, then renamed: a reader never sees half of it. */
export async function deliverToFolder(channel: FolderOutbound, name: string, body: string): Promise<string> {
  // A name is a name, never a path: nothing we send may land outside the partner's folder.
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new GatewayError(
      'delivery-failed',
      `refusing to deliver under the name ${JSON.stringify(name)}`,
      false,
    );
  }
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

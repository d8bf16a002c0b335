// Writing a small file so that it appears whole or not at all and survives a crash once written: a temporary
// name in the same folder, fsync, rename, fsync of the folder. Used for what we hand to partners through
// local folders (acks in an outbound folder, the hosted server's outbound/).
//
// The calls that only touch memory or an existing inode (write, close, rename) are synchronous, as in the blob
// store (see src/store/blobs.ts for why). Creating the file is not: it needs a handle on the file system's
// journal, which waits while the journal commits other files' fsyncs, and that wait must not stop the event
// loop (measured: a worker spent a fifth of its time there). The fsyncs go through the thread pool too.
import { closeSync, fsync, mkdirSync, open, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const fsyncFd = promisify(fsync);
const openFd = promisify(open);

/** Folders made (or found) already: a recursive mkdir per file costs more than the write itself. */
const made = new Set<string>();

let count = 0;
const prefix = `${process.pid}-${Date.now().toString(36)}`;

/** Writes `body` to `dir/name` durably, making `dir` when needed; the path written. Errors are the file
 * system's own (with their `code`), for the caller to judge. */
export async function writeFileDurably(
  dir: string,
  name: string,
  body: string | Uint8Array,
): Promise<string> {
  const target = join(dir, name);
  const tmp = join(dir, `.${name}.${prefix}-${++count}.part`);
  if (!made.has(dir)) {
    mkdirSync(dir, { recursive: true });
    made.add(dir);
  }
  let fd: number;
  try {
    fd = await openFd(tmp, 'wx');
  } catch (e) {
    // The folder was removed since it was made: make it again.
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    mkdirSync(dir, { recursive: true });
    fd = await openFd(tmp, 'wx');
  }
  try {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    await fsyncFd(fd);
    closeSync(fd);
    renameSync(tmp, target);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // closed already, or the error below says enough
    }
    rmSync(tmp, { force: true });
    throw e;
  }
  await syncDir(dir);
  return target;
}

interface DirSync {
  /** The fsync running now; it may have started before the caller's rename, so it does not cover it. */
  running: Promise<void>;
  /** The fsync that starts once `running` ends, shared by everyone who renamed meanwhile. */
  next?: Promise<void>;
}

const dirSyncs = new Map<string, DirSync>();

/** Makes the renames done in `dir` so far durable. Files written together into one folder share the folder's
 * fsyncs: a caller waits for the next fsync that starts after its rename, never for one per file. */
export function syncDir(dir: string): Promise<void> {
  const state = dirSyncs.get(dir);
  if (!state) {
    const running = fsyncDirNow(dir).finally(() => advance(dir));
    dirSyncs.set(dir, { running });
    return running;
  }
  state.next ??= state.running.catch(() => undefined).then(() => fsyncDirNow(dir));
  return state.next;
}

/** When an fsync ends, the queued one (if any) becomes the running one. */
function advance(dir: string): void {
  const state = dirSyncs.get(dir)!;
  if (!state.next) {
    dirSyncs.delete(dir);
    return;
  }
  const running = state.next.finally(() => advance(dir));
  running.catch(() => undefined);
  dirSyncs.set(dir, { running });
}

async function fsyncDirNow(dir: string): Promise<void> {
  const fd = openSync(dir, 'r');
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

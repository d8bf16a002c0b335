// What becomes of a file once it is durably received (Apache Camel's completion strategies): deleted, moved
// to an archive folder (under a timestamped name when the name is taken there), or left where it is, in which
// case the receipt's idempotency key keeps it from being processed again. A file the intake refuses for a
// lasting reason can be moved aside the same way.
import { posix } from 'node:path';
import type { Completion } from '../partners/partner.ts';
import type { Ready } from './read-lock.ts';
import type { RemoteFs } from './remote-fs.ts';

/** `2026-11-27T013301123Z-NAME`: sorts by time, and says when it was moved. */
export function timestampedName(name: string, now: Date): string {
  return `${now.toISOString().replace(/[:.]/g, '')}-${name}`;
}

/** The names tried in turn for a file moved into a folder: its own, then timestamped ones. */
export function* archiveNames(name: string, now: Date): Generator<string> {
  yield name;
  const stamped = timestampedName(name, now);
  yield stamped;
  for (let n = 2; ; n++) yield `${stamped}.${n}`;
}

/** The folder a completion names, relative to the file's own folder unless absolute. */
export function folderFor(fileDir: string, to: string): string {
  return posix.isAbsolute(to) ? posix.normalize(to) : posix.join(fileDir, to);
}

/** Moves a file into a folder (created when missing) without replacing anything there; the new path. */
export async function moveInto(
  fs: RemoteFs,
  path: string,
  dir: string,
  name: string,
  now: Date,
): Promise<string> {
  await fs.mkdir(dir);
  for (const candidate of archiveNames(name, now)) {
    const target = posix.join(dir, candidate);
    if (await fs.stat(target)) continue;
    await fs.rename(path, target);
    return target;
  }
  throw new Error('unreachable: archiveNames never ends');
}

/** Applies the completion to a file that is durably received; where it went (undefined: deleted). */
export async function complete(
  fs: RemoteFs,
  file: Ready,
  completion: Completion,
  now: Date,
): Promise<string | undefined> {
  let where: string | undefined;
  if (completion.kind === 'leave') {
    if (file.path !== file.originalPath) await fs.rename(file.path, file.originalPath);
    return file.originalPath;
  }
  if (completion.kind === 'delete') {
    await fs.delete(file.path);
  } else {
    where = await moveInto(fs, file.path, folderFor(file.dir, completion.to), file.name, now);
  }
  if (file.doneFile) await fs.delete(file.doneFile);
  return where;
}

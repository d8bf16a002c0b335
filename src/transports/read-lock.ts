// Which listed files may be taken now: the read-lock decision, free of I/O so that it can be tested on its
// own. A writer is done with a file when its size and modification time stopped changing (`changed`), when
// it dropped a marker next to it (`done-file`), or when it let go of it so that we could rename it
// (`rename`). Names that writers use while a file is incomplete are never taken.
import { posix } from 'node:path';
import type { ReadLock } from '../partners/partner.ts';

/** Names a writer uses while a file is incomplete; taken only once renamed. */
export const TEMPORARY_NAME = /^\.|\.(part|partial|tmp|temp|filepart|crdownload|uploading|inprogress)$/i;

/** The suffix of a file claimed by the `rename` read lock. */
export const IN_PROGRESS_SUFFIX = '.inprogress';

export interface Listed {
  dir: string;
  name: string;
  size: number;
  mtimeMs: number;
  isFile: boolean;
}

/** A file that may be taken. `path` is where it is now; `name` and `originalPath` what it was listed as
 * before a claim (the same unless it was renamed to its in-progress name by an earlier poll). */
export interface Ready {
  dir: string;
  name: string;
  path: string;
  originalPath: string;
  size: number;
  mtimeMs: number;
  /** Already renamed to its in-progress name (a claim left by an earlier poll). */
  claimed: boolean;
  /** The done-file marker to remove once the file is completed. */
  doneFile?: string;
}

export interface Sighting {
  signature: string;
  count: number;
  /** When the count last went up. */
  countedAt: number;
}

export interface ReadLockInput {
  lock: ReadLock;
  patterns: RegExp[];
  listing: Listed[];
  /** Sightings from the previous poll, by path. */
  sightings: ReadonlyMap<string, Sighting>;
  /** Files that are not to be taken again while their signature stays the same (left in place, or refused
   * for a lasting reason), by path. */
  skip: ReadonlyMap<string, string>;
  maxFiles: number;
  now: number;
  /** A sighting counts only this long after the last one that counted: polls that an event triggered may
   * come close together, and stability is a matter of time, not of how often one looks. */
  minGapMs: number;
}

export interface ReadLockDecision {
  /** Oldest first, at most maxFiles. */
  ready: Ready[];
  /** Sightings to carry into the next poll. */
  sightings: Map<string, Sighting>;
  /** Files seen but not yet known complete (or over the per-poll limit). */
  waiting: number;
}

export function signatureOf(f: { size: number; mtimeMs: number }): string {
  return `${f.size}:${f.mtimeMs}`;
}

export function decideReadLock(input: ReadLockInput): ReadLockDecision {
  const { lock, listing } = input;
  const sightings = new Map<string, Sighting>();
  const candidates: Ready[] = [];
  const namesByDir = new Map<string, Set<string>>();
  for (const f of listing) {
    if (!namesByDir.has(f.dir)) namesByDir.set(f.dir, new Set());
    namesByDir.get(f.dir)!.add(f.name);
  }
  let waiting = 0;
  for (const f of listing) {
    if (!f.isFile) continue;
    const path = posix.join(f.dir, f.name);
    if (
      lock.kind === 'rename' &&
      f.name.endsWith(IN_PROGRESS_SUFFIX) &&
      f.name.length > IN_PROGRESS_SUFFIX.length
    ) {
      // Ours, claimed by a poll that did not finish: the claim already proved the writer let go.
      const name = f.name.slice(0, -IN_PROGRESS_SUFFIX.length);
      if (!matchesAny(name, input.patterns)) continue;
      const originalPath = posix.join(f.dir, name);
      if (input.skip.get(originalPath) === signatureOf(f)) continue;
      candidates.push({ ...base(f, path), name, originalPath, claimed: true });
      continue;
    }
    if (TEMPORARY_NAME.test(f.name)) continue;
    if (lock.kind === 'done-file' && isDoneFile(lock.doneFile, f.name)) continue;
    if (!matchesAny(f.name, input.patterns)) continue;
    const signature = signatureOf(f);
    if (input.skip.get(path) === signature) continue;
    if (lock.kind === 'done-file') {
      const marker = doneFileName(lock.doneFile, f.name);
      if (namesByDir.get(f.dir)?.has(marker)) {
        candidates.push({ ...base(f, path), doneFile: posix.join(f.dir, marker) });
      } else {
        waiting++;
      }
      continue;
    }
    const before = input.sightings.get(path);
    let sighting: Sighting;
    if (before?.signature !== signature) sighting = { signature, count: 1, countedAt: input.now };
    else if (input.now - before.countedAt >= input.minGapMs)
      sighting = { signature, count: before.count + 1, countedAt: input.now };
    else sighting = before;
    sightings.set(path, sighting);
    if (sighting.count >= lock.checks) candidates.push(base(f, path));
    else waiting++;
  }
  candidates.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const ready = candidates.slice(0, input.maxFiles);
  return { ready, sightings, waiting: waiting + candidates.length - ready.length };
}

function base(f: Listed, path: string): Ready {
  return {
    dir: f.dir,
    name: f.name,
    path,
    originalPath: path,
    size: f.size,
    mtimeMs: f.mtimeMs,
    claimed: false,
  };
}

/** A glob as a whole-name, case-insensitive expression: `*` any run, `?` one character, `[…]` a class. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, close);
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      re += `[${body.replace(/\\/g, '\\\\')}]`;
      i = close;
    } else re += c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'is');
}

export function matchesAny(name: string, patterns: RegExp[]): boolean {
  return patterns.some((p) => p.test(name));
}

/** The marker for a file: `{name}` is its name, `{base}` its name without the last extension. */
export function doneFileName(template: string, name: string): string {
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  return template.replace(/\{name\}/g, name).replace(/\{base\}/g, stem);
}

/** Whether a name is a marker by the template's shape (a marker is never data, even before its file). */
export function isDoneFile(template: string, name: string): boolean {
  const re = template
    .split(/(\{name\}|\{base\})/)
    .map((part) =>
      part === '{name}' || part === '{base}' ? '.+' : part.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${re}$`, 's').test(name);
}

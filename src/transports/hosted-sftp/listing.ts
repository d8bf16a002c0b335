// What a partner sees of a file or folder: SFTP attributes and the `ls -l` line clients print. Modes show
// what the partner may do (outbound/ is read-only to them), not the gateway's own permissions; owner and
// group are the partner's name, never the host's users.
import type { Stats } from 'node:fs';
import type { Attributes, FileEntry } from 'ssh2';
import type { Area } from './paths.ts';

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

export interface Entry {
  name: string;
  attrs: Attributes;
}

/** Attributes of a file or folder in an area. */
export function attributesOf(stats: Stats, area: Area): Attributes {
  const writable = area === 'inbound';
  const mode = stats.isDirectory()
    ? S_IFDIR | (writable ? 0o755 : 0o555)
    : S_IFREG | (writable ? 0o644 : 0o444);
  return {
    mode,
    uid: 0,
    gid: 0,
    size: stats.isDirectory() ? 0 : stats.size,
    atime: Math.floor(stats.atimeMs / 1000),
    mtime: Math.floor(stats.mtimeMs / 1000),
  };
}

/** The attributes of `/`, which exists only in the partner's view. */
export function rootAttributes(): Attributes {
  return { mode: S_IFDIR | 0o555, uid: 0, gid: 0, size: 0, atime: 0, mtime: 0 };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const HALF_YEAR_S = 182 * 24 * 3600;

function permissions(mode: number): string {
  const type = (mode & 0o170000) === S_IFDIR ? 'd' : '-';
  let text = type;
  for (const shift of [6, 3, 0]) {
    const bits = (mode >> shift) & 7;
    text += (bits & 4 ? 'r' : '-') + (bits & 2 ? 'w' : '-') + (bits & 1 ? 'x' : '-');
  }
  return text;
}

/** An `ls -l` line as OpenSSH's server writes it: the time for recent entries, the year for older ones. */
export function longName(entry: Entry, owner: string, nowS: number): string {
  const { mode, size, mtime } = entry.attrs;
  const date = new Date(mtime * 1000);
  const day = `${MONTHS[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, ' ')}`;
  const when =
    Math.abs(nowS - mtime) < HALF_YEAR_S
      ? `${String(date.getUTCHours()).padStart(2, '0')}:${String(date.getUTCMinutes()).padStart(2, '0')}`
      : ` ${date.getUTCFullYear()}`;
  const name = owner.padEnd(8);
  return `${permissions(mode)}    1 ${name} ${name} ${String(size).padStart(8)} ${day} ${when} ${entry.name}`;
}

export function fileEntry(entry: Entry, owner: string, nowS: number): FileEntry {
  return { filename: entry.name, longname: longName(entry, owner, nowS), attrs: entry.attrs };
}

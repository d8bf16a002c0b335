// A partner sees a small virtual tree: `/`, `/inbound/…` (where they upload) and `/outbound/…` (where their
// acks wait). Every path a client sends is resolved here, by string rules alone, before anything touches the
// disk: the result is either a place inside that tree or a refusal. Nothing a client sends is ever joined to
// a host path without passing through here, and symbolic links are refused at the disk (see sftp-session.ts),
// so lexical rules are enough to keep a partner inside their root.
import { TEMPORARY_NAME } from '../folder.ts';

export type Area = 'root' | 'inbound' | 'outbound' | 'absent';

export const AREAS = ['inbound', 'outbound'] as const;

export interface VirtualPath {
  refused?: undefined;
  /** The normalised absolute path as the partner sees it, e.g. `/inbound/asn.edi`. */
  path: string;
  /** `root` for `/`; `absent` for a top-level name that is neither inbound nor outbound. */
  area: Area;
  /** The names below the area (empty for `/`, `/inbound` and `/outbound`). For `absent`, the whole path. */
  rest: string[];
}

export interface PathRefusal {
  refused: 'outside-root' | 'invalid-name';
  message: string;
}

/** Longest path and name accepted; the usual limits of Linux file systems. */
export const MAX_PATH_BYTES = 4096;
export const MAX_NAME_BYTES = 255;
/** How deep a partner may nest folders under inbound/. */
export const MAX_INBOUND_DEPTH = 8;

/** Resolves a path as a client sent it. Relative paths are relative to `/`: SFTP version 3 has no working
 * directory on the server (clients keep their own and send absolute paths). An absolute path is absolute
 * within the partner's tree, never on the host: `/etc/passwd` is a name that does not exist there. */
export function resolveClientPath(raw: string): VirtualPath | PathRefusal {
  // A NUL would end the string early in any C library below us; other control characters and backslashes
  // make names that mean something else (or nothing) to the partner's own systems.
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f\\]/.test(raw)) {
    return {
      refused: 'invalid-name',
      message: 'control characters and backslashes are not allowed in paths',
    };
  }
  if (Buffer.byteLength(raw) > MAX_PATH_BYTES) {
    return { refused: 'invalid-name', message: `paths are limited to ${MAX_PATH_BYTES} bytes` };
  }
  const names: string[] = [];
  for (const segment of raw.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      // Above the root there is nothing, and a path that climbs there even for one step is refused rather
      // than clamped, so a client learns that it asked for something outside its root.
      if (names.length === 0) return { refused: 'outside-root', message: 'that path is outside your root' };
      names.pop();
      continue;
    }
    if (Buffer.byteLength(segment) > MAX_NAME_BYTES) {
      return { refused: 'invalid-name', message: `names are limited to ${MAX_NAME_BYTES} bytes` };
    }
    names.push(segment);
  }
  const path = `/${names.join('/')}`;
  const [top, ...rest] = names;
  if (top === undefined) return { path, area: 'root', rest: [] };
  if (top === 'inbound' || top === 'outbound') return { path, area: top, rest };
  return { path, area: 'absent', rest: names };
}

/** The last name of a resolved path (empty for `/`). */
export function baseName(path: VirtualPath): string {
  return path.path.slice(path.path.lastIndexOf('/') + 1);
}

/** Whether a name is one that clients use while a file is still being written (`x.part`, `.x`, `x.tmp`, …):
 * such an upload is kept in inbound/ and taken in only when renamed to a final name. */
export function isTemporaryName(name: string): boolean {
  return TEMPORARY_NAME.test(name);
}

/** Whether a resolved path names something the partner could create in inbound/: a file or folder below it,
 * not deeper than the limit. */
export function isInboundEntry(path: VirtualPath): boolean {
  return path.area === 'inbound' && path.rest.length > 0 && path.rest.length <= MAX_INBOUND_DEPTH;
}

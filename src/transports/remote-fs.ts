// The little a channel needs from a file system, local or remote: one interface under the poller core, with
// an implementation per protocol (sftp.ts, ftp.ts, folder-fs.ts). Paths are POSIX paths as the server
// understands them. Every method may fail; after a failure `connected` says whether the connection
// survived (a missing file) or not (a server gone), which decides between skipping a file and backing off.
import type { Readable } from 'node:stream';

export interface RemoteEntry {
  name: string;
  size: number;
  mtime: Date;
  isFile: boolean;
}

export interface RemoteFs {
  /** `sftp://user@host:port` and the like, for messages; never carries a secret. */
  readonly label: string;
  /** host:port for idempotency keys; undefined for the local file system. */
  readonly host: string | undefined;
  readonly connected: boolean;
  list(dir: string): Promise<RemoteEntry[]>;
  /** undefined when nothing is at the path. */
  stat(path: string): Promise<RemoteEntry | undefined>;
  /** Copies the file to a new local file. */
  download(path: string, localPath: string): Promise<void>;
  /** A local file system hands out its own path instead of a copy. */
  localPath?(path: string): string;
  /** Renames, replacing what is at `to`. */
  rename(from: string, to: string): Promise<void>;
  delete(path: string): Promise<void>;
  /** Creates the folder and its parents; a folder already there is fine. */
  mkdir(path: string): Promise<void>;
  /** Writes bytes to a path (the caller uploads under a temporary name and renames). */
  upload(source: Buffer | Readable, path: string): Promise<void>;
  close(): Promise<void>;
}

/** Opens a connection; each poll and each delivery opens its own and closes it when done. */
export type Connect = () => Promise<RemoteFs>;

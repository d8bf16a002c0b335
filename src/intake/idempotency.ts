// What makes two arrivals "the same arrival", per kind of channel. A poller sees the same remote file again
// when a delete or move failed after intake: channel, host, path, size and modification time say it is that
// file. AS2 names each message. A push or a command-line ingest has nothing but the bytes: the same bytes
// from the same partner are the same file.
import { GatewayError } from '../errors.ts';

export type ChannelKind =
  'folder' | 'sftp-poll' | 'ftp-poll' | 'hosted-sftp' | 'as2' | 'upload' | 'cli' | 'replay';

export interface ArrivalMetadata {
  channel: { kind: ChannelKind; id: string };
  partnerId: string | null;
  /** Remote host for polled channels (omitted for local folders). */
  host?: string;
  remotePath?: string;
  fileName?: string;
  /** Size as listed on the remote side; the stored bytes must match it. */
  size?: number;
  mtime?: Date;
  /** AS2 Message-ID. */
  messageId?: string;
  /** For a replay: the receipt replayed, and which replay of it this is. */
  replay?: { of: number; nonce: string };
}

export function idempotencyKey(meta: ArrivalMetadata, sha256: string): string {
  return arrivalKey(meta)(sha256);
}

/** Checks that the metadata is enough to tell this arrival from others before any byte is stored; the key
 * once the bytes' sha256 is known. */
export function arrivalKey(meta: ArrivalMetadata): (sha256: string) => string {
  const partner = meta.partnerId ?? '-';
  switch (meta.channel.kind) {
    case 'folder':
    case 'sftp-poll':
    case 'ftp-poll': {
      if (meta.remotePath === undefined || meta.size === undefined || meta.mtime === undefined) {
        throw new GatewayError(
          'usage',
          `a ${meta.channel.kind} arrival needs its remote path, size and modification time`,
          false,
        );
      }
      // The channel is part of the key: two partners' accounts on one server often have the same paths, and
      // listings give mtimes to the second only, so two partners' files could otherwise pass for one.
      const key = `${meta.channel.id}:${meta.host ?? 'local'}:${meta.remotePath}:${meta.size}:${meta.mtime.toISOString()}`;
      return () => key;
    }
    case 'as2': {
      if (!meta.messageId) throw new GatewayError('usage', 'an AS2 arrival needs its Message-ID', false);
      const key = `${partner}:${meta.messageId}`;
      return () => key;
    }
    case 'replay': {
      if (!meta.replay) throw new GatewayError('usage', 'a replay needs the receipt it replays', false);
      const key = `${meta.replay.of}:${meta.replay.nonce}`;
      return () => key;
    }
    case 'hosted-sftp':
    case 'upload':
    case 'cli':
      return (sha256) => `${partner}:${sha256}`;
  }
}

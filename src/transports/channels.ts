// Inbound channels by kind: what main.ts starts for each channel in the partner registry.
import { join } from 'node:path';
import type { Intake } from '../intake/receive.ts';
import type { Leases } from '../jobs/lease.ts';
import type { Logger } from '../log.ts';
import type { PartnerBackoffs } from './backoff.ts';
import type { InboundChannel } from '../partners/partner.ts';
import { FolderPoller } from './folder.ts';
import { connectFtp, ftpLabel } from './ftp.ts';
import { ChannelPoller } from './poller.ts';
import { connectSftp, sftpLabel } from './sftp.ts';

export interface InboundDeps {
  intake: Intake;
  leases: Leases;
  log: Logger;
  /** Where downloads wait for the intake: a folder of this process, on the blob store's file system. */
  scratchDir: string;
  /** One per gateway: a partner's channels to the same server back off together. */
  backoffs: PartnerBackoffs;
}

export interface RunningChannel {
  /** `sftp://user@host:port` or the folder: for the start-up log line. */
  where: string;
  start(): void;
  stop(): Promise<void>;
}

export function inboundChannel(
  partnerId: string,
  channel: InboundChannel,
  deps: InboundDeps,
): RunningChannel {
  const log = deps.log.child({ partnerId, channel: channel.id });
  const owner = `partner ${partnerId}, channel ${channel.id}`;
  const scratchDir = join(deps.scratchDir, `${partnerId}-${channel.id}`);
  switch (channel.kind) {
    case 'folder': {
      const poller = new FolderPoller(partnerId, channel, deps.intake, log, deps.leases);
      return { where: channel.path, start: () => poller.start(), stop: () => poller.stop() };
    }
    case 'sftp': {
      const label = sftpLabel(channel);
      const poller = new ChannelPoller({
        partnerId,
        channel,
        directories: channel.directories,
        channelKind: 'sftp-poll',
        label,
        connect: () => connectSftp(channel, { owner, log }),
        intake: deps.intake,
        log,
        leases: deps.leases,
        backoffs: deps.backoffs,
        scratchDir,
      });
      return { where: label, start: () => poller.start(), stop: () => poller.stop() };
    }
    case 'ftp': {
      const label = ftpLabel(channel);
      const poller = new ChannelPoller({
        partnerId,
        channel,
        directories: channel.directories,
        channelKind: 'ftp-poll',
        label,
        connect: () => connectFtp(channel, { owner }),
        intake: deps.intake,
        log,
        leases: deps.leases,
        backoffs: deps.backoffs,
        scratchDir,
      });
      return { where: label, start: () => poller.start(), stop: () => poller.stop() };
    }
  }
}

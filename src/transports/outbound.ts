// Delivery of a file (an ack, later outbound documents) over a partner's outbound channel. Every kind makes
// the file appear whole or not at all: folders and the hosted server's outbound/ get a temporary file that is
// fsynced and renamed; SFTP and FTP servers get `NAME.part`, renamed to NAME once the upload is complete.
import { posix } from 'node:path';
import { GatewayError, errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { As2Settings, OutboundChannel } from '../partners/partner.ts';
import type { Queryable } from '../store/db.ts';
import { sendAs2, urlLabel } from './as2/outbound.ts';
import { checkDeliveryName, deliverToFolder } from './folder.ts';
import { connectFtp, ftpLabel } from './ftp.ts';
import { deliverToHosted } from './hosted-sftp/deliver.ts';
import { withPartnerConnection } from './partner-gate.ts';
import type { RemoteFs } from './remote-fs.ts';
import { connectSftp, sftpLabel } from './sftp.ts';

export interface Delivered {
  channelKind: OutboundChannel['kind'];
  /** Where the file is now, as a path or a URL without secrets. */
  deliveredTo: string;
  /** AS2 with an asynchronous MDN: sent, but delivered only once the MDN says so (as2/async-mdn.ts). */
  awaitingMdn?: boolean;
}

/** What an AS2 delivery needs besides the channel: the partner's certificates and our identities, and where a
 * message awaiting an asynchronous MDN is recorded, with the ack it settles. */
export interface As2DeliveryContext {
  settings: As2Settings | undefined;
  db: Queryable;
  ackId: number | null;
}

export async function deliverOver(
  partnerId: string,
  channel: OutboundChannel,
  name: string,
  body: string,
  log: Logger,
  as2?: As2DeliveryContext,
): Promise<Delivered> {
  checkDeliveryName(name);
  switch (channel.kind) {
    case 'folder':
      return { channelKind: 'folder', deliveredTo: await deliverToFolder(channel, name, body) };
    case 'hosted':
      return {
        channelKind: 'hosted',
        deliveredTo: await deliverToHosted(channel.root, partnerId, name, body),
      };
    case 'sftp': {
      const owner = `partner ${partnerId}, outbound channel`;
      const label = sftpLabel(channel);
      const to = await upload(
        partnerId,
        label,
        () => connectSftp(channel, { owner, log }),
        channel.directory,
        name,
        body,
      );
      return { channelKind: 'sftp', deliveredTo: `${label}${to}` };
    }
    case 'ftp': {
      const owner = `partner ${partnerId}, outbound channel`;
      const label = ftpLabel(channel);
      const to = await upload(
        partnerId,
        label,
        () => connectFtp(channel, { owner }),
        channel.directory,
        name,
        body,
      );
      return { channelKind: 'ftp', deliveredTo: `${label}${to.startsWith('/') ? '' : '/'}${to}` };
    }
    case 'as2': {
      if (!as2) {
        throw new GatewayError(
          'config-invalid',
          `partner ${partnerId}: AS2 delivery needs the partner's AS2 settings and the store`,
          false,
        );
      }
      const sent = await sendAs2({ id: partnerId, as2: as2.settings }, channel, name, body, {
        db: as2.db,
        log,
        ackId: as2.ackId,
      });
      const deliveredTo = `${urlLabel(channel.url)} ${sent.messageId}`;
      return sent.status === 'delivered'
        ? { channelKind: 'as2', deliveredTo }
        : { channelKind: 'as2', deliveredTo, awaitingMdn: true };
    }
  }
}

async function upload(
  partnerId: string,
  label: string,
  connect: () => Promise<RemoteFs>,
  directory: string,
  name: string,
  body: string,
): Promise<string> {
  return withPartnerConnection(partnerId, async () => {
    const fs = await connect();
    const target = posix.join(directory, name);
    const part = `${target}.part`;
    try {
      await fs.mkdir(directory);
      await fs.upload(Buffer.from(body, 'latin1'), part);
      await fs.rename(part, target);
      return target;
    } catch (e) {
      if (fs.connected) await fs.delete(part).catch(() => undefined);
      if (e instanceof GatewayError) throw e;
      throw new GatewayError(
        'delivery-failed',
        `${label}: cannot deliver ${name}: ${errorMessage(e)}`,
        true,
        {
          cause: e,
        },
      );
    } finally {
      await fs.close();
    }
  });
}

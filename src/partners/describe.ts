// A partner's channels and warnings in words, the same for `dockside partners list|show` and the API.
import { join } from 'node:path';
import { ftpLabel } from '../transports/ftp.ts';
import { sftpLabel } from '../transports/sftp.ts';
import { as2Certificates, certificateExpiry } from './certificate-expiry.ts';
import type { InboundChannel, OutboundChannel, Partner } from './partner.ts';

export function inboundWhere(c: InboundChannel): string {
  switch (c.kind) {
    case 'folder':
      return c.path;
    case 'sftp':
      return `${sftpLabel(c)} ${c.directories.join(', ')}`;
    case 'ftp':
      return `${ftpLabel(c)} ${c.directories.join(', ')}`;
  }
}

export function outboundWhere(partnerId: string, c: OutboundChannel): string {
  switch (c.kind) {
    case 'folder':
      return c.path;
    case 'sftp':
      return `${sftpLabel(c)} ${c.directory}`;
    case 'ftp':
      return `${ftpLabel(c)} ${c.directory}`;
    case 'hosted':
      return `${join(c.root, partnerId, 'outbound')} (the partner's /outbound on the hosted SFTP server)`;
    case 'as2':
      return `AS2 ${c.url} (${c.mdn} MDN)`;
  }
}

/** One per AS2 certificate that has expired or ends within 30 days: `our certificate CN=… (file:…): …`. */
export function certificateWarnings(p: Partner, now: Date): string[] {
  return as2Certificates(p).flatMap(({ role, certificate }) => {
    const expiry = certificateExpiry(certificate, now);
    return expiry.state === 'expiring' || expiry.state === 'expired'
      ? [`${role} ${certificate.subject} (${certificate.ref}): ${expiry.text}`]
      : [];
  });
}

export interface ChannelSummary {
  direction: 'inbound' | 'outbound';
  /** `sftp-poll`, `ftp` and `folder` are polled by the gateway; `hosted-sftp` and `as2` inbound are pushed
   * to it by the partner. Outbound: where acknowledgments go. */
  kind: 'sftp-poll' | 'ftp' | 'folder' | 'hosted-sftp' | 'as2' | 'sftp';
  /** The channel's id (inbound polled channels), absent for the others. */
  id?: string;
  summary: string;
}

/** Every way files come from and go to the partner, inbound first. */
export function channelsOf(p: Partner): ChannelSummary[] {
  const out: ChannelSummary[] = p.inbound.map((c) => ({
    direction: 'inbound',
    kind: c.kind === 'sftp' ? 'sftp-poll' : c.kind,
    id: c.id,
    summary: `${c.id}: ${inboundWhere(c)}`,
  }));
  if (p.hosted) {
    const ways = [
      ...(p.hosted.passwordHash !== undefined ? ['a password'] : []),
      ...(p.hosted.publicKeys.length > 0 ? [`${p.hosted.publicKeys.length} public key(s)`] : []),
    ];
    out.push({
      direction: 'inbound',
      kind: 'hosted-sftp',
      summary: `pushes to the hosted SFTP server as ${p.id}, with ${ways.join(' or ') || 'no way to log in'}`,
    });
  }
  if (p.as2) {
    out.push({
      direction: 'inbound',
      kind: 'as2',
      summary: `posts to the AS2 endpoint: AS2-From ${p.as2.as2Id}, AS2-To ${p.as2.ourAs2Id}`,
    });
  }
  if (p.outbound) {
    out.push({
      direction: 'outbound',
      kind: p.outbound.kind === 'hosted' ? 'hosted-sftp' : p.outbound.kind,
      summary: outboundWhere(p.id, p.outbound),
    });
  }
  return out;
}

// Where an asynchronous MDN may be posted. Receipt-Delivery-Option is whatever the sender wrote: taken as it
// comes, anyone who knows a partner's AS2 names could make the gateway POST to an address of their choosing (a
// host on our own network, a cloud metadata address). So an MDN goes only to an address the partner file
// allows: one of its `as2.asyncMdnUrls`, or, for a file that lists none, the host our AS2 messages to that
// partner go to. Pure: URLs and settings in, a verdict out.
import type { As2Settings, Partner } from '../../partners/partner.ts';

/** An entry of `as2.asyncMdnUrls`: the scheme, host and port must be the same, the path must start with it. */
export interface AllowedMdnUrl {
  protocol: 'http:' | 'https:';
  /** Lower case, as the URL parser writes it (IPv6 in brackets). */
  hostname: string;
  port: number;
  /** Always starts with `/`; `/` allows every path. */
  path: string;
}

export type MdnUrlVerdict = { allowed: true } | { allowed: false; reason: string };

/** What the check needs of a partner: its `as2` section, and its outbound channel for the default. */
export type MdnUrlPolicySource = Pick<Partner, 'outbound'> & { as2?: Pick<As2Settings, 'asyncMdnUrls'> };

/** Reads an entry of `as2.asyncMdnUrls`; a string says what is wrong with it. */
export function readAllowedMdnUrl(text: string): AllowedMdnUrl | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a URL: http://host[:port]/path or https://…';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'is not an http:// or https:// URL';
  if (url.username !== '' || url.password !== '') {
    return 'holds a user name or password; an MDN URL is an address only';
  }
  if (url.search !== '' || url.hash !== '') {
    return 'has a query or fragment; list the address and path only (any query is allowed under it)';
  }
  return { protocol: url.protocol, hostname: url.hostname, port: portOf(url), path: url.pathname };
}

/**
 * Whether an asynchronous MDN may be posted to `requested` (a Receipt-Delivery-Option) for this partner: only
 * to an http(s) URL without credentials that one of `as2.asyncMdnUrls` covers; without that list, to any port
 * and path of the host of the partner's `as2` outbound URL, or nowhere when it has no such channel.
 */
export function checkAsyncMdnUrl(partner: MdnUrlPolicySource, requested: string): MdnUrlVerdict {
  const shown = JSON.stringify(requested.slice(0, 200));
  let url: URL;
  try {
    url = new URL(requested.trim());
  } catch {
    return refused(`Receipt-Delivery-Option ${shown} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return refused(`Receipt-Delivery-Option ${shown} is not an http(s) URL; MDNs are posted over HTTP only`);
  }
  if (url.username !== '' || url.password !== '') {
    return refused(`Receipt-Delivery-Option ${shown} holds a user name or password`);
  }
  const listed = partner.as2?.asyncMdnUrls;
  if (listed !== undefined) {
    if (listed.some((entry) => covers(entry, url))) return { allowed: true };
    return refused(
      listed.length === 0
        ? `Receipt-Delivery-Option ${shown}: the partner file allows no asynchronous MDNs (as2.asyncMdnUrls is empty)`
        : `Receipt-Delivery-Option ${shown} is not under any of the partner file's as2.asyncMdnUrls (${listed.join(', ')})`,
    );
  }
  const outbound = partner.outbound;
  if (outbound?.kind !== 'as2') {
    return refused(
      `Receipt-Delivery-Option ${shown}: the partner file lists no as2.asyncMdnUrls and has no as2 outbound ` +
        'channel whose host would be allowed instead',
    );
  }
  const host = hostnameOf(outbound.url);
  if (host !== undefined && url.hostname === host) return { allowed: true };
  return refused(
    `Receipt-Delivery-Option ${shown} is not on ${host ?? outbound.url}, the host of the partner's AS2 URL, ` +
      'the only one allowed while the partner file lists no as2.asyncMdnUrls',
  );
}

function covers(entry: string, url: URL): boolean {
  const allowed = readAllowedMdnUrl(entry);
  if (typeof allowed === 'string') return false;
  if (allowed.protocol !== url.protocol || allowed.hostname !== url.hostname) return false;
  if (allowed.port !== portOf(url)) return false;
  // Prefixes stop at a segment boundary: `/mdn` allows `/mdn` and `/mdn/x`, not `/mdn-admin`. The parser has
  // already resolved `..` and `%2e%2e` segments, so they cannot climb out of the prefix.
  const path = url.pathname;
  if (allowed.path.endsWith('/')) return path.startsWith(allowed.path);
  return path === allowed.path || path.startsWith(`${allowed.path}/`);
}

function portOf(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

function hostnameOf(text: string): string | undefined {
  try {
    return new URL(text).hostname;
  } catch {
    return undefined;
  }
}

function refused(reason: string): MdnUrlVerdict {
  return { allowed: false, reason };
}

// A trading partner as its file describes it (partners/schema.json; docs/partners.md explains every field).
// The pipeline reads partners only through PartnerDirectory.
import type { CsvMapping } from '../csv/mapping.ts';
import type { AckPolicy } from '../x12/acks/build.ts';
import type { OverlayFile } from '../x12/spec/format.ts';

/**
 * Ids a partner may not take, because they name something else where partner ids go in paths: the API's
 * `/api/partners/validate` and `/api/partners/problems`, and the console's `#/partners/validate`. A partner
 * with one of these ids could be listed but never opened.
 */
export const RESERVED_PARTNER_IDS: readonly string[] = ['validate', 'problems'];

export interface PartnerIdentity {
  /** ISA05 / ISA07 qualifier, e.g. ZZ, 01, 08. */
  qualifier: string;
  /** ISA06 / ISA08, without the padding. */
  id: string;
  /** GS02 / GS03 application codes used with this identity; unset, any is accepted. */
  applicationIds?: string[];
}

/** A transaction set of one X12 version exchanged with the partner; inbound: the partner sends it to us. */
export interface TransactionSetUse {
  set: string;
  /** As GS08 writes it: "004010", "005010X221A1". */
  version: string;
  direction: 'inbound' | 'outbound';
}

export interface AckExpectations extends Required<AckPolicy> {
  /** A functional ack for what we send is overdue after this many hours; unset, none is expected. */
  expectAckWithinHours?: number;
}

/** How far shipped, invoiced and ordered may differ before it is a mismatch (used by reconciliation). */
export interface ReconciliationTolerances {
  /** Percent of the ordered quantity. */
  quantityPercent: number;
  /** Amount, in the order's currency, a unit price may differ by. */
  unitPriceAbsolute: number;
  /** Percent of the ordered unit price; a price within either tolerance matches. */
  unitPricePercent: number;
  /** Days an invoice may wait for its ship notice before it is a mismatch. */
  invoiceGraceDays: number;
}

export interface Contact {
  name: string;
  email: string;
  /** What to call them about: edi, business, escalation, … */
  role?: string;
}

/** How a file is known to be complete before it is taken (Apache Camel's read locks). */
export interface ReadLock {
  /**
   * `changed`: size and modification time the same across `checks` sightings, one poll apart;
   * `done-file`: a marker file named by `doneFile` exists next to it;
   * `rename`: seen `checks` times, then claimed by renaming it to `NAME.inprogress` (a server that refuses to
   * rename a file still open for writing keeps it until the writer is done).
   */
  kind: 'changed' | 'done-file' | 'rename';
  checks: number;
  /** The marker's name: `{name}` is the file's name, `{base}` its name without the last extension. */
  doneFile: string;
}

/** What happens to a file once it is durably received (and to one that can never be). */
export interface Completion {
  kind: 'move' | 'delete' | 'leave';
  /** `move`: the folder it goes to, relative to the file's folder or absolute; a name already there gets a
   * timestamp in front. */
  to: string;
  /** Where a file goes that the intake refuses for a lasting reason; unset, it stays and is not tried again
   * until it changes. */
  failedTo?: string;
}

interface PolledChannel {
  /** Unique within the partner; the receipt names its channel `partner/id`. */
  id: string;
  pollIntervalMs: number;
  /** Glob patterns (`*`, `?`, `[abc]`, case-insensitive) a file name must match to be taken. */
  patterns: string[];
  maxFilesPerPoll: number;
  readLock: ReadLock;
  completion: Completion;
  /** The longest wait between connection attempts while a server is unreachable. */
  backoffMaxMs: number;
}

export interface FolderInbound extends PolledChannel {
  kind: 'folder';
  path: string;
}

/** A host key is accepted when its SHA256 fingerprint is pinned, or was learned on first use (when allowed). */
export interface HostKeyPolicy {
  /** OpenSSH form, `SHA256:` and 43 base64 characters. */
  fingerprints: string[];
  trustOnFirstUse: boolean;
  /** Where the fingerprint learned on first use is kept (under the data directory). */
  learnedFile: string;
}

/** An SFTP server and the login on it. Secrets are references (`env:NAME`, `file:/path`), resolved when used. */
export interface SftpEndpoint {
  host: string;
  port: number;
  user: string;
  password?: string;
  privateKey?: string;
  passphrase?: string;
  hostKey: HostKeyPolicy;
}

export interface FtpTls {
  /** `explicit`: AUTH TLS on the plain port; `implicit`: TLS from the first byte; `none`: plain FTP. */
  mode: 'explicit' | 'implicit' | 'none';
  /** PEM file of the CA (or the server's own self-signed certificate) to trust instead of the system's. */
  ca?: string;
  /** The server certificate's SHA-256 fingerprint (`AB:CD:…`), checked instead of the CA chain. */
  fingerprint?: string;
}

export interface FtpEndpoint {
  host: string;
  port: number;
  user: string;
  password?: string;
  tls: FtpTls;
}

export interface SftpInbound extends PolledChannel, SftpEndpoint {
  kind: 'sftp';
  directories: string[];
}

export interface FtpInbound extends PolledChannel, FtpEndpoint {
  kind: 'ftp';
  directories: string[];
}

export interface FolderOutbound {
  kind: 'folder';
  path: string;
}

export interface SftpOutbound extends SftpEndpoint {
  kind: 'sftp';
  directory: string;
}

export interface FtpOutbound extends FtpEndpoint {
  kind: 'ftp';
  directory: string;
}

/** The partner's `outbound/` folder on the hosted SFTP server, under `root/<partner id>/`. */
export interface HostedOutbound {
  kind: 'hosted';
  root: string;
}

/** Certificates and keys, read from the references in the partner file when it is loaded (docs/as2.md). */
export interface As2Certificate {
  /** PEM as read. */
  pem: string;
  /** Where it came from (`file:/etc/dockside/as2/acme.pem`), for messages; never the PEM itself. */
  ref: string;
  /** Validity, from the certificate itself. */
  notBefore: Date;
  notAfter: Date;
  subject: string;
}

export interface As2KeyPair {
  certificate: As2Certificate;
  /** PEM of the private key (PKCS#8 or PKCS#1), as resolved from its secret reference. */
  privateKeyPem: string;
  privateKeyRef: string;
}

/**
 * The partner's AS2 identity and what we demand of what it sends. Present when the partner exchanges over AS2;
 * its messages are received by the gateway's AS2 endpoint, matched by AS2-From (`as2Id`) and AS2-To
 * (`ourAs2Id`).
 */
export interface As2Settings {
  /** The partner's AS2 name: AS2-From on what it sends, AS2-To on what we send it. */
  as2Id: string;
  /** Our AS2 name in this relationship: AS2-To on what it sends, AS2-From on what we send. */
  ourAs2Id: string;
  /** The partner's certificate: the only one whose signatures are accepted; what we encrypt for. */
  certificate: As2Certificate;
  /** Our certificates and keys for this partner, the current one first; more than one while rolling over. */
  identities: As2KeyPair[];
  /** Refuse an unsigned message (default true). */
  requireSigned: boolean;
  /** Refuse an unencrypted message (default true). */
  requireEncrypted: boolean;
  /** Messages of this partner received at once; more get HTTP 503 with Retry-After (default 4). */
  maxConcurrent: number;
  /**
   * Where we may post the asynchronous MDNs the partner asks for (its Receipt-Delivery-Option): same scheme,
   * host and port as an entry, path under the entry's. Left out, any port and path of the host of its `as2`
   * outbound URL; empty, nowhere (docs/as2.md).
   */
  asyncMdnUrls?: string[];
}

/** Sending to the partner's AS2 endpoint (the `as2` section holds the certificates). */
export interface As2Outbound {
  kind: 'as2';
  /** The partner's AS2 URL (http or https). */
  url: string;
  /** Digest to sign with; `none` sends unsigned (default sha256). */
  sign: 'sha1' | 'sha256' | 'sha384' | 'sha512' | 'none';
  /** Content cipher; `none` sends unencrypted (default aes-256-cbc). */
  encrypt: 'aes-128-cbc' | 'aes-192-cbc' | 'aes-256-cbc' | 'des-ede3-cbc' | 'none';
  /** RSA key transport (default rsa-pkcs1: what most partners accept). */
  keyTransport: 'rsa-pkcs1' | 'rsa-oaep';
  compress: boolean;
  /** Which MDN to ask for: in the HTTP response (`sync`), posted back later (`async`), or none. */
  mdn: 'sync' | 'async' | 'none';
  /** Ask for a signed MDN (default true). */
  signedMdn: boolean;
  /** Where the partner posts an async MDN: our AS2 endpoint's public URL. */
  asyncMdnUrl?: string;
  /** An async MDN not received within this long makes the delivery failed, visibly (default 1 h). */
  mdnTimeoutMs: number;
  /** The HTTP request's own timeout (default 60 s). */
  timeoutMs: number;
}

export type InboundChannel = FolderInbound | SftpInbound | FtpInbound;
export type OutboundChannel = FolderOutbound | SftpOutbound | FtpOutbound | HostedOutbound | As2Outbound;

/** Login to the hosted SFTP server, with references already resolved. */
export interface HostedLogin {
  /** A scrypt hash in PHC form (see src/transports/hosted-sftp/password.ts). */
  passwordHash?: string;
  /** OpenSSH one-line public keys. */
  publicKeys: string[];
}

export interface Partner {
  id: string;
  name: string;
  status: 'testing' | 'active' | 'suspended';
  identities: PartnerIdentity[];
  transactionSets: TransactionSetUse[];
  acknowledgments: AckExpectations;
  /** An interchange with the same sender, receiver and ISA13 as one received within this many hours is a
   * duplicate. */
  duplicateWindowHours: number;
  /** Narrowings of the standard specs that this partner's files are validated with. */
  specOverlays: OverlayFile[];
  /** How the partner's CSV files become canonical documents (docs/csv.md); the first that matches reads a
   * file. The loader always fills it; partners built in code may leave it out. */
  csv?: CsvMapping[];
  reconciliation: ReconciliationTolerances;
  contacts: Contact[];
  inbound: InboundChannel[];
  outbound?: OutboundChannel;
  hosted?: HostedLogin;
  /** AS2 identity and certificates, when the partner exchanges over AS2 (receives at the gateway's endpoint). */
  as2?: As2Settings;
  /** The file it was read from. */
  file: string;
}

export interface PartnerDirectory {
  get(id: string): Partner | undefined;
  all(): Partner[];
  /** The partner that claims this ISA identity, if any. */
  byIdentity(qualifier: string, id: string): Partner | undefined;
}

export function identityKey(qualifier: string, id: string): string {
  return `${qualifier.trim()}/${id.trim()}`;
}

export function ownsIdentity(partner: Partner, qualifier: string, id: string): boolean {
  const key = identityKey(qualifier, id);
  return partner.identities.some((i) => identityKey(i.qualifier, i.id) === key);
}

export class StaticPartnerDirectory implements PartnerDirectory {
  private readonly byId: Map<string, Partner>;
  private readonly byIsa = new Map<string, Partner>();

  constructor(partners: Partner[]) {
    this.byId = new Map(partners.map((p) => [p.id, p]));
    for (const p of partners) for (const i of p.identities) this.byIsa.set(identityKey(i.qualifier, i.id), p);
  }

  get(id: string): Partner | undefined {
    return this.byId.get(id);
  }

  all(): Partner[] {
    return [...this.byId.values()];
  }

  byIdentity(qualifier: string, id: string): Partner | undefined {
    return this.byIsa.get(identityKey(qualifier, id));
  }
}

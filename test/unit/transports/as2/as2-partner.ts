// A trading partner's AS2 server for the outbound tests: a local HTTP server that opens what we send with the
// openssl CLI (`cms -decrypt`, then `cms -verify` with our certificate as the only trust anchor), computes the
// MIC over what openssl hands out, and answers with an MDN. openssl does not build MDNs, so the MDN is made
// with our own buildMdn and the partner's key (or another key, to forge one).
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { As2KeyPair, As2Outbound, As2Settings } from '../../../../src/partners/partner.ts';
import { loadIdentity, type LoadedIdentity } from '../../../../src/transports/as2/certificates.ts';
import type { As2Failure } from '../../../../src/transports/as2/failures.ts';
import { buildMdn, type BuiltMdn } from '../../../../src/transports/as2/mdn.ts';
import {
  chooseMicAlgorithm,
  parseNotificationOptions,
} from '../../../../src/transports/as2/notification-options.ts';
import { splitSmime, type OpensslPeer, type PeerIdentity } from './openssl-peer.ts';

export type PartnerBehaviour =
  /** Opens the message and answers with a processed MDN in the response. */
  | 'processed'
  /** Answers with an MDN that refuses the message (processed/error). */
  | 'refuses'
  /** Answers with a processed MDN signed by another key. */
  | 'forges'
  /** Answers with a processed MDN whose MIC is of other bytes. */
  | 'wrong-mic'
  /** HTTP 500, no MDN. */
  | 'http-500'
  /** Never answers (until the test stops the server). */
  | 'hangs'
  /** HTTP 200 at once; the MDN is kept in `asyncMdns` for the test to post. */
  | 'async';

export interface ReceivedMessage {
  headers: IncomingHttpHeaders;
  /** The signed entity as openssl verified and output it. */
  signedEntity: Buffer;
  /** The MIC the partner computed over `signedEntity`, with the algorithm our options asked for. */
  mic: { digest: string; algorithm: string };
}

export interface AsyncMdn {
  headers: IncomingHttpHeaders;
  mdn: BuiltMdn;
}

export class As2PartnerServer {
  behaviour: PartnerBehaviour = 'processed';
  readonly received: ReceivedMessage[] = [];
  readonly asyncMdns: AsyncMdn[] = [];
  /** Async mode: run before the HTTP 200, e.g. to post the MDN while the sender still waits for its response. */
  beforeAnswering: ((mdn: AsyncMdn) => Promise<void>) | undefined;
  /** The error openssl reported for the last message it could not open. */
  lastFailure: string | undefined;
  private readonly server: Server;
  private readonly partnerKey: LoadedIdentity;
  private readonly otherKey: LoadedIdentity;

  constructor(
    private readonly peer: OpensslPeer,
    /** Us, as the partner knows us: whose signature it verifies. */
    private readonly ours: PeerIdentity,
    /** The partner: whose key decrypts and signs the MDN. */
    private readonly partner: PeerIdentity,
    other: PeerIdentity,
    readonly partnerAs2Id = 'ACME-AS2',
  ) {
    this.partnerKey = loadIdentity(partner.certPem, partner.keyPem);
    this.otherKey = loadIdentity(other.certPem, other.keyPem);
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (this.behaviour === 'hangs') return;
        if (this.behaviour === 'http-500') {
          res.writeHead(500, { 'Content-Type': 'text/plain' }).end('internal error');
          return;
        }
        const answer = this.answer(req.headers, Buffer.concat(chunks));
        if (this.behaviour === 'async') {
          const mdn: AsyncMdn = {
            headers: {
              'as2-from': this.partnerAs2Id,
              'as2-to': String(req.headers['as2-from']),
              'content-type': answer.contentType,
            },
            mdn: answer,
          };
          this.asyncMdns.push(mdn);
          void (this.beforeAnswering?.(mdn) ?? Promise.resolve()).then(
            () => res.writeHead(200, { 'Content-Length': '0' }).end(),
            () => res.writeHead(500).end(),
          );
          return;
        }
        res
          .writeHead(200, {
            'Content-Type': answer.contentType,
            'AS2-From': this.partnerAs2Id,
            'AS2-To': String(req.headers['as2-from']),
          })
          .end(answer.body);
      });
    });
  }

  async start(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/as2`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  /** Posts an asynchronous MDN to the gateway's AS2 endpoint, as the partner does; the HTTP status. */
  async postMdn(url: string, { headers, mdn }: AsyncMdn): Promise<number> {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'AS2-Version': '1.2',
        'AS2-From': this.partnerAs2Id,
        'AS2-To': `"${String(headers['as2-to']).replace(/^"|"$/g, '')}"`,
        'Message-ID': `<mdn-${Date.now()}-${Math.random().toString(36).slice(2)}@${this.partnerAs2Id}>`,
        'Content-Type': mdn.contentType,
      },
      body: mdn.body,
    });
    await response.arrayBuffer();
    return response.status;
  }

  private answer(headers: IncomingHttpHeaders, body: Buffer): BuiltMdn {
    const options = parseNotificationOptions(
      headers['disposition-notification-options'] as string | undefined,
    );
    const micalg = chooseMicAlgorithm(options) ?? { digest: 'sha256' as const, name: 'sha-256' };
    try {
      const decrypted = this.peer.decrypt(body, this.partner);
      const signedEntity = verifyDetached(this.peer, decrypted, this.ours);
      const mic = { digest: this.peer.digestBase64(signedEntity, micalg.digest), algorithm: micalg.name };
      const received = { headers, signedEntity, mic };
      this.received.push(received);
      return this.mdnFor(received, this.behaviour);
    } catch (error) {
      this.lastFailure = String((error as { stderr?: unknown }).stderr ?? error);
      return buildMdn({
        originalMessageId: String(headers['message-id']),
        ourAs2Id: this.partnerAs2Id,
        options,
        failure: { code: 'decryption-failed', message: 'openssl could not open it', layer: 'enveloped-data' },
        identity: this.partnerKey,
      });
    }
  }

  /** The MDN the partner sends for a message it received, as `behaviour` says: for a test that posts an
   * asynchronous MDN of its choosing. */
  mdnFor(received: ReceivedMessage, behaviour: PartnerBehaviour): BuiltMdn {
    const options = parseNotificationOptions(
      received.headers['disposition-notification-options'] as string | undefined,
    );
    let failure: As2Failure | undefined;
    let mic = received.mic;
    if (behaviour === 'refuses') {
      failure = {
        code: 'authentication-failed',
        message: 'the signer is not trusted',
        layer: 'multipart/signed',
      };
    }
    if (behaviour === 'wrong-mic') {
      const digest = chooseMicAlgorithm(options)?.digest ?? 'sha256';
      mic = { digest: this.peer.digestBase64(Buffer.from('other bytes'), digest), algorithm: mic.algorithm };
    }
    return buildMdn({
      originalMessageId: String(received.headers['message-id']),
      ourAs2Id: this.partnerAs2Id,
      options,
      ...(failure ? { failure } : {}),
      mic,
      identity: behaviour === 'forges' ? this.otherKey : this.partnerKey,
    });
  }
}

/** What an AS2 product does with a multipart/signed: split it byte for byte and verify the first part as
 * received, here with `openssl cms -verify -binary` on the detached signature. (openssl's S/MIME reader is not
 * usable for this: in binary mode it keeps a CR of the boundary, in text mode it turns the bare LFs of an X12
 * file into CRLFs and the digest no longer matches; see docs/as2.md.) Returns the signed entity. */
export function verifyDetached(peer: OpensslPeer, multipartSigned: Buffer, trusted: PeerIdentity): Buffer {
  const { contentType, body } = splitSmime(multipartSigned);
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary || !/^multipart\/signed/i.test(contentType))
    throw new Error(`not multipart/signed: ${contentType}`);
  const open = Buffer.from(`--${boundary}\r\n`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const firstStart = body.indexOf(open) + open.length;
  const firstEnd = body.indexOf(delimiter, firstStart);
  const secondStart = firstEnd + delimiter.length + 2;
  const secondEnd = body.indexOf(delimiter, secondStart);
  if (firstStart < open.length || firstEnd < 0 || secondEnd < 0)
    throw new Error('a multipart/signed without two parts');
  const signedEntity = body.subarray(firstStart, firstEnd);
  const signaturePart = body.subarray(secondStart, secondEnd);
  const signature = Buffer.from(
    signaturePart.subarray(signaturePart.indexOf('\r\n\r\n') + 4).toString('latin1'),
    'base64',
  );
  const content = peer.run([
    'cms',
    '-verify',
    '-binary',
    '-inform',
    'DER',
    '-in',
    peer.file(signature),
    '-content',
    peer.file(signedEntity),
    '-CAfile',
    trusted.certPath,
    '-purpose',
    'any',
  ]);
  if (!content.equals(signedEntity)) throw new Error('openssl output other bytes than the signed entity');
  return signedEntity;
}

export function as2Certificate(identity: PeerIdentity): As2Settings['certificate'] {
  return {
    pem: identity.certPem,
    ref: `file:${identity.certPath}`,
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + 86_400_000),
    subject: `CN=${identity.name}`,
  };
}

export function as2Settings(ours: PeerIdentity, partner: PeerIdentity): As2Settings {
  const pair: As2KeyPair = {
    certificate: as2Certificate(ours),
    privateKeyPem: ours.keyPem,
    privateKeyRef: `file:${ours.keyPath}`,
  };
  return {
    as2Id: 'ACME-AS2',
    ourAs2Id: 'DOCKSIDE AS2',
    certificate: as2Certificate(partner),
    identities: [pair],
    requireSigned: true,
    requireEncrypted: true,
    maxConcurrent: 4,
  };
}

export function as2Channel(url: string, overrides: Partial<As2Outbound> = {}): As2Outbound {
  return {
    kind: 'as2',
    url,
    sign: 'sha256',
    encrypt: 'aes-256-cbc',
    keyTransport: 'rsa-pkcs1',
    compress: false,
    mdn: 'sync',
    signedMdn: true,
    mdnTimeoutMs: 3_600_000,
    timeoutMs: 10_000,
    ...overrides,
  };
}

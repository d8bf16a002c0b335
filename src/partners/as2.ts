// The `as2` section of a partner file and its `as2` outbound channel. Unlike a channel's login secrets, the
// certificates and keys are read when the file loads: the AS2 endpoint must be able to verify and decrypt the
// first message that arrives, and a certificate that does not parse or a key that is not its certificate's is
// a mistake in the file, found best before the partner goes live. Messages name references, never PEM text.
import { readAllowedMdnUrl } from '../transports/as2/async-mdn-url.ts';
import { loadCertificate, loadIdentity } from '../transports/as2/certificates.ts';
import { errorMessage } from '../errors.ts';
import type { As2Certificate, As2KeyPair, As2Outbound, As2Settings } from './partner.ts';
import { resolveSecret } from './secrets.ts';

type Path = (string | number)[];
type Located = (path: Path, message: string, atKey?: string) => string;

export interface RawAs2 {
  as2Id: string;
  ourAs2Id: string;
  certificate: string;
  identities: { certificate: string; privateKey: string }[];
  requireSigned: boolean;
  requireEncrypted: boolean;
  maxConcurrent: number;
  asyncMdnUrls?: string[];
}

export type RawAs2Outbound = Omit<As2Outbound, 'asyncMdnUrl'> & { asyncMdnUrl?: string };

/** The referenced text, or an error at `path` saying why it cannot be read (the value is never shown). */
function resolveAt(
  reference: string,
  path: Path,
  located: Located,
  errors: string[],
  env: NodeJS.ProcessEnv | undefined,
): string | undefined {
  try {
    return resolveSecret(reference, path.join('.'), env ? { env } : {});
  } catch (e) {
    errors.push(
      located(
        path,
        `${reference} does not resolve: ${errorMessage(e).replace(/^.*?does not resolve: /, '')}`,
      ),
    );
    return undefined;
  }
}

function certificateAt(
  reference: string,
  path: Path,
  located: Located,
  errors: string[],
  env: NodeJS.ProcessEnv | undefined,
): As2Certificate | undefined {
  const pem = resolveAt(reference, path, located, errors, env);
  if (pem === undefined) return undefined;
  try {
    const loaded = loadCertificate(pem);
    return {
      pem,
      ref: reference,
      notBefore: loaded.parsed.notBefore.value,
      notAfter: loaded.parsed.notAfter.value,
      subject: loaded.subject,
    };
  } catch {
    errors.push(located(path, `${reference} is not a readable PEM X.509 certificate`));
    return undefined;
  }
}

/** The `as2` section with its certificates and keys read and checked; undefined when any of them is wrong. */
export function readAs2Settings(
  raw: RawAs2,
  located: Located,
  errors: string[],
  env: NodeJS.ProcessEnv | undefined,
): As2Settings | undefined {
  const before = errors.length;
  const certificate = certificateAt(raw.certificate, ['as2', 'certificate'], located, errors, env);
  const identities: As2KeyPair[] = [];
  raw.identities.forEach((entry, i) => {
    const at: Path = ['as2', 'identities', i];
    const cert = certificateAt(entry.certificate, [...at, 'certificate'], located, errors, env);
    const keyPem = resolveAt(entry.privateKey, [...at, 'privateKey'], located, errors, env);
    if (!cert || keyPem === undefined) return;
    try {
      loadIdentity(cert.pem, keyPem);
    } catch (e) {
      // loadIdentity's messages name the certificate's subject or say the key is unreadable; neither quotes it.
      const mismatch = /does not belong/.test(errorMessage(e));
      errors.push(
        located(
          [...at, 'privateKey'],
          mismatch
            ? `${entry.privateKey} is not the private key of ${entry.certificate} (${cert.subject})`
            : `${entry.privateKey} is not a readable PEM private key (PKCS#8 or PKCS#1, unencrypted)`,
        ),
      );
      return;
    }
    identities.push({ certificate: cert, privateKeyPem: keyPem, privateKeyRef: entry.privateKey });
  });
  raw.asyncMdnUrls?.forEach((entry, i) => {
    const problem = readAllowedMdnUrl(entry);
    if (typeof problem === 'string') errors.push(located(['as2', 'asyncMdnUrls', i], problem));
  });
  if (errors.length > before || !certificate) return undefined;
  return {
    as2Id: raw.as2Id,
    ourAs2Id: raw.ourAs2Id,
    certificate,
    identities,
    requireSigned: raw.requireSigned,
    requireEncrypted: raw.requireEncrypted,
    maxConcurrent: raw.maxConcurrent,
    ...(raw.asyncMdnUrls !== undefined ? { asyncMdnUrls: raw.asyncMdnUrls } : {}),
  };
}

/**
 * `as2.asyncMdnUrls` is where the partner takes our MDNs; the outbound channel's `asyncMdnUrl` is where it
 * posts its MDNs to us. Our own endpoint in the partner's list is that mix-up, and would post our MDNs to
 * ourselves.
 */
export function checkAsyncMdnUrlsAgainstOurs(
  as2: As2Settings,
  outbound: As2Outbound,
  located: Located,
  errors: string[],
): void {
  if (outbound.asyncMdnUrl === undefined) return;
  const ours = readAllowedMdnUrl(outbound.asyncMdnUrl);
  if (typeof ours === 'string') return;
  as2.asyncMdnUrls?.forEach((entry, i) => {
    const theirs = readAllowedMdnUrl(entry);
    if (typeof theirs === 'string') return;
    if (theirs.protocol === ours.protocol && theirs.hostname === ours.hostname && theirs.port === ours.port) {
      errors.push(
        located(
          ['as2', 'asyncMdnUrls', i],
          `is our own AS2 endpoint (channels.outbound.asyncMdnUrl); list where the partner receives MDNs`,
        ),
      );
    }
  });
}

/** The `as2` outbound channel, checked for what the schema cannot say. */
export function readAs2Outbound(
  raw: RawAs2Outbound,
  hasAs2Section: boolean,
  located: Located,
  errors: string[],
): As2Outbound | undefined {
  const at: Path = ['channels', 'outbound'];
  const before = errors.length;
  if (!hasAs2Section) {
    errors.push(
      located(
        [...at, 'kind'],
        'as2 needs the as2 section of the partner (its AS2 id, its certificate and ours) to sign and encrypt with',
      ),
    );
  }
  for (const field of ['url', 'asyncMdnUrl'] as const) {
    const value = raw[field];
    if (value === undefined) continue;
    try {
      new URL(value);
    } catch {
      errors.push(located([...at, field], 'is not a URL: http://host[:port]/path or https://…'));
    }
  }
  if (raw.mdn === 'async' && raw.asyncMdnUrl === undefined) {
    errors.push(
      located(
        at,
        'asks for an async MDN but has no asyncMdnUrl: where the partner is to post it (our AS2 endpoint)',
      ),
    );
  }
  if (raw.mdn !== 'async' && raw.asyncMdnUrl !== undefined) {
    errors.push(
      located(at, `has an asyncMdnUrl but mdn ${raw.mdn}; set mdn: async to use it`, 'asyncMdnUrl'),
    );
  }
  if (errors.length > before) return undefined;
  return {
    kind: 'as2',
    url: raw.url,
    sign: raw.sign,
    encrypt: raw.encrypt,
    keyTransport: raw.keyTransport,
    compress: raw.compress,
    mdn: raw.mdn,
    signedMdn: raw.signedMdn,
    ...(raw.asyncMdnUrl !== undefined ? { asyncMdnUrl: raw.asyncMdnUrl } : {}),
    mdnTimeoutMs: raw.mdnTimeoutMs,
    timeoutMs: raw.timeoutMs,
  };
}

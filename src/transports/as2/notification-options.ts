// The Disposition-Notification-Options header of an AS2 request (RFC 4130 §7.3), e.g.
// `signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, sha-256, sha1`:
// whether the sender wants the MDN signed, and with which digest the MIC and the signature should be made.
import { digestForMicalg, type DigestName } from './algorithms.ts';

export interface NotificationParameter {
  importance: 'required' | 'optional';
  values: string[];
}

export interface NotificationOptions {
  signedReceiptProtocol?: NotificationParameter;
  signedReceiptMicalg?: NotificationParameter;
}

export function parseNotificationOptions(header: string | undefined): NotificationOptions {
  const options: NotificationOptions = {};
  if (!header) return options;
  for (const clause of header.split(';')) {
    const eq = clause.indexOf('=');
    if (eq < 0) continue;
    const name = clause.slice(0, eq).trim().toLowerCase();
    const [importance, ...values] = clause
      .slice(eq + 1)
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    const parameter: NotificationParameter = {
      importance: importance?.toLowerCase() === 'required' ? 'required' : 'optional',
      values,
    };
    if (name === 'signed-receipt-protocol') options.signedReceiptProtocol = parameter;
    else if (name === 'signed-receipt-micalg') options.signedReceiptMicalg = parameter;
  }
  return options;
}

/** Whether the sender asked for a signed MDN (pkcs7-signature is the only protocol AS2 defines). */
export function wantsSignedReceipt(options: NotificationOptions): boolean {
  return options.signedReceiptProtocol?.values.some((v) => v.toLowerCase() === 'pkcs7-signature') ?? false;
}

/** The first algorithm in the sender's list that we support, with the sender's spelling of it; RFC 4130
 * lets the receiver choose from the list in order of the sender's preference. */
export function chooseMicAlgorithm(
  options: NotificationOptions,
): { digest: DigestName; name: string } | undefined {
  for (const name of options.signedReceiptMicalg?.values ?? []) {
    const digest = digestForMicalg(name);
    if (digest) return { digest, name };
  }
  return undefined;
}

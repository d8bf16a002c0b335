// How close an AS2 certificate is to its end. The AS2 core pins certificates and does not look at their dates
// (docs/as2.md), so an expired one keeps working here while the partner's software refuses it: the registry
// warns ahead of time instead, 30 days being about what it takes to exchange a new certificate.
import type { As2Certificate, Partner } from './partner.ts';

export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface CertificateExpiry {
  /** `expiring`: ends within EXPIRY_WARNING_DAYS; `not-yet-valid`: its notBefore is still ahead. */
  state: 'ok' | 'expiring' | 'expired' | 'not-yet-valid';
  /** Whole days left, counting a started day as one (a certificate made with `-days 5` has 5). */
  daysLeft: number;
  /** `certificate expires in 12 days (2026-12-18)`, `EXPIRED on 2026-11-01`, … */
  text: string;
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function certificateExpiry(
  cert: Pick<As2Certificate, 'notBefore' | 'notAfter'>,
  now: Date,
): CertificateExpiry {
  const left = cert.notAfter.getTime() - now.getTime();
  const daysLeft = Math.ceil(left / DAY_MS);
  if (left <= 0) return { state: 'expired', daysLeft, text: `certificate EXPIRED on ${day(cert.notAfter)}` };
  const ends = `certificate expires in ${daysLeft} day${daysLeft === 1 ? '' : 's'} (${day(cert.notAfter)})`;
  if (left <= EXPIRY_WARNING_DAYS * DAY_MS) return { state: 'expiring', daysLeft, text: ends };
  if (cert.notBefore.getTime() > now.getTime()) {
    return { state: 'not-yet-valid', daysLeft, text: `certificate not valid before ${day(cert.notBefore)}` };
  }
  return { state: 'ok', daysLeft, text: `certificate valid until ${day(cert.notAfter)}` };
}

/** Every AS2 certificate of a partner, the partner's first, with what it is for. */
export function as2Certificates(partner: Partner): { role: string; certificate: As2Certificate }[] {
  if (!partner.as2) return [];
  return [
    { role: "the partner's certificate", certificate: partner.as2.certificate },
    ...partner.as2.identities.map((k, i) => ({
      role: partner.as2!.identities.length > 1 ? `our certificate #${i + 1}` : 'our certificate',
      certificate: k.certificate,
    })),
  ];
}

// Who may log in to the hosted SFTP server, and how a login is checked. The login name is the partner id; the
// accounts are read from the partner registry at every login, so a reloaded registry applies at once.
import { timingSafeEqual } from 'node:crypto';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import { errorMessage } from '../../errors.ts';
import { parsePasswordHash, verifyAgainstDecoy, verifyPassword } from './password.ts';

/** A partner that pushes files to the hosted server, with its secrets already resolved. */
export interface HostedAccount {
  partnerId: string;
  /** A line made by hashPassword() (see password.ts); without it the partner cannot log in by password. */
  passwordHash?: string;
  /** OpenSSH one-line public keys (`ssh-ed25519 AAAA… comment`). */
  publicKeys: string[];
}

/** Partner ids as the partner schema allows them; anything else is not a login name. */
export const LOGIN_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export interface OfferedKey {
  /** The key algorithm as ssh2 reports it (`ssh-rsa` also for the rsa-sha2-* signature algorithms). */
  algo: string;
  /** The public key blob in SSH wire format. */
  data: Buffer;
}

export interface KeySignature {
  blob: Buffer;
  signature: Buffer;
  hashAlgo?: string | undefined;
}

export type KeyCheck =
  /** The key is one of the account's and the signature (if one came) is valid. */
  'match' | 'no-such-key' | 'bad-signature';

export interface AccountProblem {
  partnerId: string;
  problem: string;
}

/** Parses an account's keys; a line that is not a public key is reported (by its position, not its text)
 * and skipped, so one bad line does not lock the partner out of the keys that are fine. */
export function parsePublicKeys(account: HostedAccount, report?: (p: AccountProblem) => void): ParsedKey[] {
  const keys: ParsedKey[] = [];
  account.publicKeys.forEach((line, i) => {
    const key = ssh2.utils.parseKey(line.trim());
    if (key instanceof Error || key.isPrivateKey()) {
      const why = key instanceof Error ? errorMessage(key) : 'not a public key';
      report?.({ partnerId: account.partnerId, problem: `public key ${i + 1} cannot be used: ${why}` });
      return;
    }
    keys.push(key);
  });
  return keys;
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Checks an offered key against the account's keys: the same algorithm and the same key material, and,
 * when the client has signed, a signature that this key made over the session's data. Without a signature
 * the client only asks whether the key would do; the caller answers that without letting it in. */
export function checkPublicKey(keys: ParsedKey[], offered: OfferedKey, signed?: KeySignature): KeyCheck {
  const key = keys.find((k) => k.type === offered.algo && sameBytes(k.getPublicSSH(), offered.data));
  if (!key) return 'no-such-key';
  if (!signed) return 'match';
  return key.verify(signed.blob, signed.signature, signed.hashAlgo) === true ? 'match' : 'bad-signature';
}

/** Checks a password. An account without a password, or no account, costs the same time as a wrong one. */
export async function checkPassword(account: HostedAccount | undefined, password: string): Promise<boolean> {
  if (!account?.passwordHash) return verifyAgainstDecoy(password);
  return verifyPassword(password, parsePasswordHash(account.passwordHash));
}

/** What the server needs to know of a partner; the registry's Partner has this shape. */
export interface PartnerLogin {
  id: string;
  status: string;
  hosted?: { passwordHash?: string; publicKeys?: string[] };
}

/** The partners that may log in: those with a `hosted` login, unless suspended. */
export function hostedAccounts(partners: Iterable<PartnerLogin>): HostedAccount[] {
  const accounts: HostedAccount[] = [];
  for (const p of partners) {
    if (!p.hosted || p.status === 'suspended') continue;
    accounts.push({
      partnerId: p.id,
      ...(p.hosted.passwordHash ? { passwordHash: p.hosted.passwordHash } : {}),
      publicKeys: p.hosted.publicKeys ?? [],
    });
  }
  return accounts;
}

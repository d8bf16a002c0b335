// Hosted-SFTP passwords are stored as scrypt hashes in the PHC string format:
//   $scrypt$ln=<log2 N>,r=<block size>,p=<parallelism>$<salt>$<hash>
// salt and hash in base64 without padding (as PHC strings write them; padding is accepted), a salt of 8 to 64
// bytes and a hash of 16 to 64. The hosted server (transports/hosted-sftp/password.ts) reads the same form. A partner file refers to such a
// string with a secret reference (`hosted.passwordHash: file:/run/secrets/acme.hash`); the loader reads it
// and checks its form, the hosted server verifies a login against it.
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

export interface PasswordHash {
  logN: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

const PHC =
  /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

/** The parts of a hash string, or undefined when it is not one this module writes and reads. */
export function parsePasswordHash(text: string): PasswordHash | undefined {
  const m = PHC.exec(text.trim());
  if (!m) return undefined;
  const logN = Number(m[1]);
  const r = Number(m[2]);
  const p = Number(m[3]);
  // Beyond these the check would take seconds or gigabytes: a typo, not a policy.
  if (logN < 10 || logN > 20 || r < 1 || r > 32 || p < 1 || p > 16) return undefined;
  if (128 * 2 ** logN * r > 256 * 1024 * 1024) return undefined;
  const salt = Buffer.from(m[4]!, 'base64');
  const hash = Buffer.from(m[5]!, 'base64');
  if (salt.length < 8 || salt.length > 64 || hash.length < 16 || hash.length > 64) return undefined;
  return { logN, r, p, salt, hash };
}

export function hashPassword(
  password: string,
  options: { logN?: number; r?: number; p?: number } = {},
): string {
  const logN = options.logN ?? 15;
  const r = options.r ?? 8;
  const p = options.p ?? 1;
  const salt = randomBytes(16);
  const hash = derive(password, { logN, r, p, salt, hash: Buffer.alloc(32) });
  return `$scrypt$ln=${logN},r=${r},p=${p}$${b64(salt)}$${b64(hash)}`;
}

/** Whether the password matches the hash string; false for a string that is not a hash. */
export function verifyPassword(password: string, stored: string): boolean {
  const parsed = parsePasswordHash(stored);
  if (!parsed) return false;
  const candidate = derive(password, parsed);
  return candidate.length === parsed.hash.length && timingSafeEqual(candidate, parsed.hash);
}

function derive(password: string, h: PasswordHash): Buffer {
  const N = 2 ** h.logN;
  return scryptSync(password.normalize('NFC'), h.salt, h.hash.length, {
    N,
    r: h.r,
    p: h.p,
    maxmem: 256 * N * h.r + 1024 * 1024,
  });
}

function b64(b: Buffer): string {
  return b.toString('base64').replace(/=+$/, '');
}

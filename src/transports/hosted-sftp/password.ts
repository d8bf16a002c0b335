// Hosted-SFTP passwords are kept only as scrypt hashes, in the PHC string format:
//
//   $scrypt$ln=<log2 N>,r=<block size>,p=<parallelism>$<salt>$<hash>
//
// salt and hash in base64 without padding (padding is accepted when read); the hash is 16 to 64 bytes, the
// salt 8 to 64. Passwords are NFC-normalised first, so the same characters typed on different systems match.
// This module owns the form: the partner loader checks a hash with parsePasswordHash() when it loads; a
// partner file refers to such a string through a secret reference, and `hashPassword()` makes one. Checking
// is asynchronous, off the event loop, because a login flood must not stall the gateway; and the parameters
// are bounded so that a mistyped or hostile string cannot make one login cost gigabytes.
import {
  randomBytes,
  scrypt as scryptCallback,
  scryptSync,
  timingSafeEqual,
  type ScryptOptions,
} from 'node:crypto';
import { GatewayError } from '../../errors.ts';

export interface ScryptParams {
  /** log2 of the cost N. */
  logN: number;
  r: number;
  p: number;
}

/** N = 2^15, r = 8: 32 MiB and some tens of milliseconds per login on a current CPU. */
export const DEFAULT_SCRYPT: ScryptParams = { logN: 15, r: 8, p: 1 };

const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** scrypt needs 128·N·r bytes; more than this per login is refused as a misconfiguration. */
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;

export interface PasswordHash extends ScryptParams {
  salt: Buffer;
  hash: Buffer;
}

function scryptOptions(params: ScryptParams): ScryptOptions {
  const N = 2 ** params.logN;
  return {
    N,
    r: params.r,
    p: params.p,
    // Node refuses above 32 MiB by default, which the default parameters need exactly.
    maxmem: 2 * 128 * N * params.r + 1024 * 1024,
  };
}

function scrypt(password: string, salt: Buffer, length: number, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(password.normalize('NFC'), salt, length, scryptOptions(params), (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

function checkParams(params: ScryptParams, where: string): void {
  const { logN, r, p } = params;
  const N = 2 ** logN;
  const problem =
    !Number.isInteger(logN) || logN < 10 || logN > 20
      ? `ln=${logN} must be from 10 to 20`
      : !Number.isInteger(r) || r < 1 || r > 32
        ? `r=${r} must be from 1 to 32`
        : !Number.isInteger(p) || p < 1 || p > 16
          ? `p=${p} must be from 1 to 16`
          : 128 * N * r > MAX_SCRYPT_MEMORY
            ? `ln=${logN} and r=${r} would need more than ${MAX_SCRYPT_MEMORY / 1024 / 1024} MiB per login`
            : undefined;
  if (problem) throw new GatewayError('config-invalid', `${where}: ${problem}`, false);
}

/** Makes a hash line for a password, to be stored where the partner file's `passwordHash` reference points. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  if (password.length === 0) throw new GatewayError('usage', 'an empty password cannot be hashed', false);
  checkParams(params, 'scrypt parameters');
  const salt = randomBytes(SALT_BYTES);
  return hashLine(params, salt, await scrypt(password, salt, HASH_BYTES, params));
}

/** hashPassword() blocking the thread: for a command making one hash before anything else runs (the demo's
 * login, made while the command line starts), never for a server. */
export function hashPasswordSync(password: string, params: ScryptParams = DEFAULT_SCRYPT): string {
  if (password.length === 0) throw new GatewayError('usage', 'an empty password cannot be hashed', false);
  checkParams(params, 'scrypt parameters');
  const salt = randomBytes(SALT_BYTES);
  const hash = scryptSync(password.normalize('NFC'), salt, HASH_BYTES, scryptOptions(params));
  return hashLine(params, salt, hash);
}

function hashLine(params: ScryptParams, salt: Buffer, hash: Buffer): string {
  return `$scrypt$ln=${params.logN},r=${params.r},p=${params.p}$${b64(salt)}$${b64(hash)}`;
}

function b64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([^$]*)\$([^$]*)$/;

/** Reads a hash line; a line that is not one is a configuration error that names what is wrong (never the
 * line itself, which is a secret). */
export function parsePasswordHash(line: string): PasswordHash {
  const where = 'password hash';
  const m = PHC.exec(line.trim());
  if (!m) {
    throw new GatewayError(
      'config-invalid',
      `${where}: expected $scrypt$ln=N,r=N,p=N$salt$hash (base64 salt and hash), see docs/hosted-sftp.md`,
      false,
    );
  }
  const [, ln, r, p, salt, hash] = m as unknown as [string, string, string, string, string, string];
  const params = { logN: Number(ln), r: Number(r), p: Number(p) };
  checkParams(params, where);
  if (!BASE64.test(salt) || !BASE64.test(hash)) {
    throw new GatewayError('config-invalid', `${where}: salt and hash must be base64`, false);
  }
  const saltBytes = Buffer.from(salt, 'base64');
  const hashBytes = Buffer.from(hash, 'base64');
  if (saltBytes.length < 8 || saltBytes.length > 64) {
    throw new GatewayError('config-invalid', `${where}: the salt must be 8 to 64 bytes`, false);
  }
  if (hashBytes.length < 16 || hashBytes.length > 64) {
    throw new GatewayError('config-invalid', `${where}: the hash must be 16 to 64 bytes`, false);
  }
  return { ...params, salt: saltBytes, hash: hashBytes };
}

/** Whether the password matches the hash line. The comparison takes the same time wherever the bytes differ. */
export async function verifyPassword(password: string, line: string | PasswordHash): Promise<boolean> {
  const stored = typeof line === 'string' ? parsePasswordHash(line) : line;
  const computed = await scrypt(password, stored.salt, stored.hash.length, stored);
  return timingSafeEqual(computed, stored.hash);
}

let decoy: Promise<PasswordHash> | undefined;

/** Spends the time of a real check on a hash nobody knows, so that an unknown login name or an account
 * without a password answers as slowly as a wrong password and the names of accounts do not leak. */
export async function verifyAgainstDecoy(password: string): Promise<false> {
  decoy ??= hashPassword(randomBytes(18).toString('base64')).then(parsePasswordHash);
  await verifyPassword(password, await decoy);
  return false;
}

// Which SSH host keys a channel accepts. A key is named by its OpenSSH SHA256 fingerprint (what `ssh-keygen
// -lf` and `ssh-keyscan | ssh-keygen -lf -` print). Pinned fingerprints are enforced; without pins the key
// is refused unless the partner file allows trust on first use, in which case the first key seen is written
// under the data directory and enforced from then on. Every refusal names the key that was shown, so the
// operator can compare it with what the partner says it should be.
import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GatewayError } from '../errors.ts';
import type { HostKeyPolicy } from '../partners/partner.ts';

export function sha256Fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The algorithm named at the start of an SSH public key blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`, …). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const n = keyBlob.readUInt32BE(0);
  return n > 0 && n < 64 && keyBlob.length >= 4 + n ? keyBlob.toString('latin1', 4, 4 + n) : 'unknown';
}

interface Learned {
  fingerprint: string;
  keyType: string;
  learnedAt: string;
}

export type HostKeyVerdict =
  { accepted: true; learned: boolean; fingerprint: string } | { accepted: false; error: GatewayError };

export async function checkHostKey(
  policy: HostKeyPolicy,
  label: string,
  keyBlob: Buffer,
): Promise<HostKeyVerdict> {
  const fingerprint = sha256Fingerprint(keyBlob);
  const shown = `${keyTypeOf(keyBlob)} ${fingerprint}`;
  const refuse = (why: string): HostKeyVerdict => ({
    accepted: false,
    error: new GatewayError('host-key-refused', `${label} showed host key ${shown}: ${why}; refused`, false),
  });
  if (policy.fingerprints.length > 0) {
    if (policy.fingerprints.includes(fingerprint)) return { accepted: true, learned: false, fingerprint };
    return refuse(
      `it is not the pinned ${policy.fingerprints.join(' or ')} (if the partner changed its key, check the new ` +
        `fingerprint with them and pin it in hostKey.fingerprints)`,
    );
  }
  const learned = await readLearned(policy.learnedFile);
  if (learned) {
    if (learned.fingerprint === fingerprint) return { accepted: true, learned: false, fingerprint };
    return refuse(
      `it changed since ${learned.keyType} ${learned.fingerprint} was trusted on first use on ${learned.learnedAt} ` +
        `(if the partner changed its key, check it with them, pin it in hostKey.fingerprints, and remove ` +
        `${policy.learnedFile})`,
    );
  }
  if (!policy.trustOnFirstUse) {
    return refuse(
      'no fingerprint is pinned for this server (check the fingerprint with the partner and put it in ' +
        'hostKey.fingerprints, or set hostKey.trustOnFirstUse)',
    );
  }
  const entry: Learned = { fingerprint, keyType: keyTypeOf(keyBlob), learnedAt: new Date().toISOString() };
  await mkdir(dirname(policy.learnedFile), { recursive: true });
  const tmp = `${policy.learnedFile}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify(entry)}\n`);
  try {
    // link() creates the name only if nothing has it, with the whole content at once: of two processes
    // meeting a new server together, one learns its key and the other compares with it.
    await link(tmp, policy.learnedFile);
    return { accepted: true, learned: true, fingerprint };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return checkHostKey(policy, label, keyBlob);
  } finally {
    await rm(tmp, { force: true });
  }
}

async function readLearned(file: string): Promise<Learned | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const parsed = JSON.parse(text) as Partial<Learned>;
    if (typeof parsed.fingerprint === 'string') {
      return {
        fingerprint: parsed.fingerprint,
        keyType: parsed.keyType ?? 'unknown',
        learnedAt: parsed.learnedAt ?? 'an unknown date',
      };
    }
  } catch {
    // Unreadable: treated as a learned key that matches nothing, so that nothing is trusted by accident.
  }
  return {
    fingerprint: '(unreadable)',
    keyType: 'unknown',
    learnedAt: `an unknown date (${file} is damaged)`,
  };
}

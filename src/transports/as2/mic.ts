// Received-Content-MIC (RFC 4130 §7.3.1): a base64 digest and the name of its algorithm, `<digest>, <name>`.
// Which bytes it covers depends on how the message was protected; receive.ts and send.ts pick them.
import { createHash, timingSafeEqual } from 'node:crypto';
import { MICALG_BY_DIGEST, digestForMicalg, type DigestName } from './algorithms.ts';

export interface Mic {
  /** base64 of the digest */
  digest: string;
  /** the algorithm name as written in the MDN: the one the sender asked for, in its spelling */
  algorithm: string;
}

export function computeMic(
  content: Buffer,
  digest: DigestName,
  algorithmName = MICALG_BY_DIGEST[digest],
): Mic {
  return { digest: createHash(digest).update(content).digest('base64'), algorithm: algorithmName };
}

export function formatMic(mic: Mic): string {
  return `${mic.digest}, ${mic.algorithm}`;
}

/** Reads a Received-Content-MIC field value; undefined when it is not `<base64>, <algorithm>`. */
export function parseMic(value: string): Mic | undefined {
  const m = /^\s*([A-Za-z0-9+/]+={0,2})\s*,\s*([A-Za-z0-9-]+)\s*$/.exec(value);
  return m ? { digest: m[1]!, algorithm: m[2]! } : undefined;
}

/** Whether two MICs name the same digest by the same algorithm, whatever the spelling (`sha256`, `sha-256`). */
export function micsEqual(a: Mic, b: Mic): boolean {
  const algA = digestForMicalg(a.algorithm);
  if (algA === undefined || algA !== digestForMicalg(b.algorithm)) return false;
  const x = Buffer.from(a.digest, 'base64');
  const y = Buffer.from(b.digest, 'base64');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

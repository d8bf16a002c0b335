// What bench:as2 sends, made before anything is timed: an X12 850 of about the requested size, wrapped the way
// an AS2 product wraps it (MIME entity, `openssl cms -sign` sha256 in binary mode, `openssl cms -encrypt`
// aes-256-cbc for an RSA 2048 certificate, PKCS#1 v1.5 key transport). openssl is slow and is not what is
// measured, so each size is built once; messages differ only by their Message-ID, which is an HTTP header.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { OpensslPeer, ediEntity, type PeerIdentity } from '../../test/unit/transports/as2/openssl-peer.ts';

export interface SizeSpec {
  /** As the user wrote it and the table prints it: 1KB, 100KB, 10MB. */
  label: string;
  /** Target payload size; MB are 10^6 bytes, as in the other benchmarks. */
  bytes: number;
}

/** Reads `1KB`, `100kb`, `10MB`, `2500` (bytes); undefined when it is none of these. */
export function parseSize(text: string): SizeSpec | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m)?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? 'b').toLowerCase();
  const scale = unit.startsWith('m') ? 1_000_000 : unit.startsWith('k') ? 1000 : 1;
  const bytes = Math.round(Number(m[1]) * scale);
  if (bytes < 1) return undefined;
  const label = scale === 1 ? `${bytes} B` : `${m[1]} ${scale === 1000 ? 'KB' : 'MB'}`;
  return { label, bytes };
}

const HEADER = [
  'ISA*00*          *00*          *ZZ*BENCHPARTNER   *ZZ*DOCKSIDE       *260101*1200*U*00401*000000001*0*P*>~',
  'GS*PO*BENCHPARTNER*DOCKSIDE*20260101*1200*1*X*004010~',
  'ST*850*0001~',
  'BEG*00*SA*PO-BENCH**20260101~',
];

/** A valid 850 of at least `bytes` bytes (CRLF after each segment): as many PO1 lines as it takes. */
export function purchaseOrder(bytes: number): Buffer {
  const lines = [...HEADER];
  // The trailer is about 60 bytes; lines are added until the whole reaches the target.
  let size = lines.reduce((n, l) => n + l.length + 2, 0) + 60;
  let items = 0;
  while (size < bytes) {
    items++;
    const line = `PO1*${items}*12*EA*9.5**VP*SKU-${String(items).padStart(7, '0')}~`;
    lines.push(line);
    size += line.length + 2;
  }
  // ST and SE count themselves, BEG and CTT; the PO1 lines are the rest.
  lines.push(`CTT*${items}~`, `SE*${items + 4}*0001~`, 'GE*1*1~', 'IEA*1*000000001~');
  return Buffer.from(`${lines.join('\r\n')}\r\n`);
}

export interface Prepared {
  size: SizeSpec;
  payload: Buffer;
  /** The MIME entity that is signed: what the MDN's MIC covers. */
  entity: Buffer;
  /** The HTTP body: DER EnvelopedData around the signed multipart. */
  body: Buffer;
  /** The same body on disk, for the openssl comparison. */
  bodyPath: string;
}

export interface Parties {
  peer: OpensslPeer;
  /** Dockside's certificate and key: the partner encrypts for it, the MDN is signed with it. */
  ours: PeerIdentity;
  /** The partner's: it signs the messages. */
  theirs: PeerIdentity;
}

export function parties(): Parties {
  const peer = new OpensslPeer();
  return { peer, ours: peer.identity('dockside'), theirs: peer.identity('bench-partner') };
}

export function prepare(p: Parties, size: SizeSpec): Prepared {
  const payload = purchaseOrder(size.bytes);
  const entity = ediEntity(payload);
  const signed = p.peer.sign(entity, p.theirs, 'sha256');
  const body = p.peer.encrypt(signed, p.ours, 'aes-256-cbc');
  const bodyPath = p.peer.file(body, 'message.p7m');
  return { size, payload, entity, body, bodyPath };
}

/**
 * The other tool: the same cryptographic work as the endpoint does per message, with the openssl CLI —
 * `cms -decrypt` (RSA PKCS#1 v1.5 key unwrap, AES-256-CBC) then `cms -verify` of the signed multipart it gives
 * (sha256, RSA). Milliseconds of wall time of each command, process start-up included; runs one after another.
 */
export function opensslPerMessage(
  p: Parties,
  message: Prepared,
  runs: number,
): { decryptMs: number; verifyMs: number }[] {
  const decrypted = join(p.peer.dir, 'decrypted.smime');
  const times: { decryptMs: number; verifyMs: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    must(
      'cms -decrypt',
      spawnSync('openssl', [
        'cms',
        '-decrypt',
        '-binary',
        '-inform',
        'DER',
        '-in',
        message.bodyPath,
        '-recip',
        p.ours.certPath,
        '-inkey',
        p.ours.keyPath,
        '-out',
        decrypted,
      ]),
    );
    const decryptedAt = process.hrtime.bigint();
    // Not -binary: see OpensslPeer.verifySmime (OpenSSL 3.0 keeps the CR before the boundary in binary mode);
    // the entity is CRLF text, so the canonical form hashes the same bytes.
    must(
      'cms -verify',
      spawnSync('openssl', [
        'cms',
        '-verify',
        '-inform',
        'SMIME',
        '-in',
        decrypted,
        '-CAfile',
        p.theirs.certPath,
        '-purpose',
        'any',
        '-out',
        '/dev/null',
      ]),
    );
    times.push({
      decryptMs: Number(decryptedAt - start) / 1e6,
      verifyMs: Number(process.hrtime.bigint() - decryptedAt) / 1e6,
    });
  }
  return times;
}

function must(what: string, r: ReturnType<typeof spawnSync>): void {
  if (r.status !== 0) throw new Error(`openssl ${what} failed (${r.status}): ${String(r.stderr)}`);
}

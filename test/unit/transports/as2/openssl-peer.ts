// The partner side of the AS2 tests: the openssl CLI, with throwaway keys and certificates made per test run in
// a temporary directory (never committed).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PeerIdentity {
  name: string;
  certPath: string;
  keyPath: string;
  certPem: string;
  keyPem: string;
}

export class OpensslPeer {
  readonly dir = mkdtempSync(join(tmpdir(), 'dockside-as2-'));
  private files = 0;

  /** Runs openssl; throws with its stderr when it fails. */
  run(args: string[], input?: Buffer): Buffer {
    return execFileSync('openssl', args, {
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  }

  /** Like run, but returns the exit status and stderr instead of throwing. */
  try(args: string[], input?: Buffer): { status: number; stdout: Buffer; stderr: string } {
    try {
      return { status: 0, stdout: this.run(args, input), stderr: '' };
    } catch (error) {
      const e = error as { status?: number; stdout?: Buffer; stderr?: Buffer };
      return { status: e.status ?? 1, stdout: e.stdout ?? Buffer.alloc(0), stderr: String(e.stderr ?? '') };
    }
  }

  file(content: Buffer | string, name = `f${this.files++}`): string {
    const path = join(this.dir, name);
    writeFileSync(path, content);
    return path;
  }

  read(path: string): Buffer {
    return readFileSync(path);
  }

  /** A self-signed certificate; `serial` (hex) and `subject` may be chosen to imitate another certificate. */
  identity(
    name: string,
    options: { serial?: string; subject?: string; key?: 'rsa' | 'ec' } = {},
  ): PeerIdentity {
    const keyPath = join(this.dir, `${name}.key`);
    const certPath = join(this.dir, `${name}.crt`);
    const newkey =
      options.key === 'ec'
        ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']
        : ['-newkey', 'rsa:2048'];
    this.run([
      'req',
      '-x509',
      ...newkey,
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '2',
      '-subj',
      options.subject ?? `/O=Dockside tests/CN=${name}`,
      '-set_serial',
      `0x${options.serial ?? Buffer.from(name).toString('hex').slice(0, 16)}`,
    ]);
    return {
      name,
      certPath,
      keyPath,
      certPem: readFileSync(certPath, 'utf8'),
      keyPem: readFileSync(keyPath, 'utf8'),
    };
  }

  /** `openssl cms -sign` in binary mode, S/MIME output with CRLF line ends, as an AS2 product sends it. */
  sign(content: Buffer, signer: PeerIdentity, md = 'sha256', extra: string[] = []): Buffer {
    const args = [
      'cms',
      '-sign',
      '-binary',
      '-crlfeol',
      '-md',
      md,
      '-signer',
      signer.certPath,
      '-inkey',
      signer.keyPath,
    ];
    return this.run([...args, '-in', this.file(content), ...extra]);
  }

  /** `openssl cms -encrypt` in binary mode, DER output; `keyopts` such as `rsa_padding_mode:oaep`. */
  encrypt(content: Buffer, recipient: PeerIdentity, cipher = 'aes-256-cbc', keyopts: string[] = []): Buffer {
    const args = [
      'cms',
      '-encrypt',
      '-binary',
      '-outform',
      'DER',
      `-${cipher}`,
      '-in',
      this.file(content),
      '-recip',
      recipient.certPath,
    ];
    return this.run([...args, ...keyopts.flatMap((k) => ['-keyopt', k])]);
  }

  decrypt(der: Buffer, recipient: PeerIdentity): Buffer {
    const args = [
      'cms',
      '-decrypt',
      '-binary',
      '-inform',
      'DER',
      '-recip',
      recipient.certPath,
      '-inkey',
      recipient.keyPath,
    ];
    return this.run([...args, '-in', this.file(der)]);
  }

  /** Verifies an S/MIME multipart/signed with `trusted` as the only trust anchor; returns the signed entity.
   * Not in -binary mode: OpenSSL 3.0 reading a multipart/signed in binary mode keeps the CR of the CRLF before
   * the boundary and then fails even on what it signed itself. The entities tested are CRLF text, so the
   * canonical mode hashes the same bytes. */
  verifySmime(smime: Buffer, trusted: PeerIdentity): Buffer {
    return this.run([
      'cms',
      '-verify',
      '-inform',
      'SMIME',
      '-CAfile',
      trusted.certPath,
      '-purpose',
      'any',
      '-in',
      this.file(smime),
    ]);
  }

  /** `openssl dgst` of a buffer, base64: an independent MIC. */
  digestBase64(content: Buffer, digest: string): string {
    return this.run(['dgst', `-${digest}`, '-binary'], content).toString('base64');
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Splits an S/MIME message openssl wrote into its top-level Content-Type and body, as an HTTP layer would. */
export function splitSmime(message: Buffer): { contentType: string; body: Buffer } {
  const end = message.indexOf('\r\n\r\n');
  if (end < 0) throw new Error('no blank line in the S/MIME output (was -crlfeol given?)');
  const head = message
    .subarray(0, end)
    .toString('latin1')
    .replace(/\r\n[ \t]+/g, ' ');
  const contentType = /^content-type:\s*(.*)$/im.exec(head)?.[1];
  if (!contentType) throw new Error('no Content-Type in the S/MIME output');
  return { contentType: contentType.trim(), body: message.subarray(end + 4) };
}

/** An EDI payload as the MIME entity a sender signs: headers, blank line, bytes. */
export function ediEntity(payload: Buffer | string): Buffer {
  return Buffer.concat([
    Buffer.from(
      'Content-Type: application/edi-x12\r\nContent-Disposition: attachment; filename="po.edi"\r\n\r\n',
    ),
    Buffer.from(payload),
  ]);
}

export const SAMPLE_850 =
  [
    'ISA*00*          *00*          *ZZ*PARTNER        *ZZ*DOCKSIDE       *260101*1200*U*00401*000000001*0*P*>~',
    'GS*PO*PARTNER*DOCKSIDE*20260101*1200*1*X*004010~',
    'ST*850*0001~',
    'BEG*00*SA*PO-4711**20260101~',
    'PO1*1*12*EA*9.5**VP*SKU-1~',
    'CTT*1~',
    'SE*5*0001~',
    'GE*1*1~',
    'IEA*1*000000001~',
  ].join('\r\n') + '\r\n';

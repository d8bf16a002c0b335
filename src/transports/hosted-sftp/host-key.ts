// The server's host keys: made on the first start and kept, because partners pin them (a changed host key is
// what an attack looks like). An Ed25519 key for current clients and an RSA key for the older SSH libraries
// that many EDI tools still ship with. A key file that exists but cannot be read stops the start rather than
// being replaced.
import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { GatewayError, errorMessage } from '../../errors.ts';

export interface HostKey {
  type: string;
  /** The private key in OpenSSH format, for ssh2's Server. */
  privateKey: string;
  /** `type base64` as a known_hosts line wants it. */
  publicKey: string;
  /** `SHA256:…`, as `ssh-keygen -lf` and OpenSSH's prompts show it. */
  fingerprint: string;
}

const KINDS = [
  { file: 'ssh_host_ed25519_key', type: 'ed25519' },
  { file: 'ssh_host_rsa_key', type: 'rsa' },
] as const;

/** A new private key in OpenSSH format that ssh2 can read back. ssh2's own generator makes an Ed25519 key that
 * its parser then refuses ("Malformed OpenSSH private key") about once in 300 (measured: 11 of 3,000); such a
 * key would stop every later start, so it is never written: another is made instead. */
export function makeHostKey(type: 'ed25519' | 'rsa'): string {
  for (let attempt = 0; attempt < 20; attempt++) {
    const made =
      type === 'rsa'
        ? ssh2.utils.generateKeyPairSync('rsa', { bits: 3072 })
        : ssh2.utils.generateKeyPairSync('ed25519');
    const parsed = ssh2.utils.parseKey(made.private);
    if (!(parsed instanceof Error) && parsed.isPrivateKey()) return made.private;
  }
  throw new GatewayError('config-invalid', `could not make a ${type} host key that reads back`, false);
}

export function fingerprint(publicSsh: Buffer): string {
  return `SHA256:${createHash('sha256').update(publicSsh).digest('base64').replace(/=+$/, '')}`;
}

/** Reads the host keys in `dir`, making those that are missing. */
export async function loadHostKeys(dir: string): Promise<HostKey[]> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keys: HostKey[] = [];
  for (const kind of KINDS) {
    const path = join(dir, kind.file);
    let text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw new GatewayError('config-invalid', `cannot read the SFTP host key ${path}: ${e.message}`, false, {
        cause: e,
      });
    });
    text ??= await create(path, makeHostKey(kind.type));
    const key = ssh2.utils.parseKey(text);
    if (key instanceof Error || !key.isPrivateKey()) {
      throw new GatewayError(
        'config-invalid',
        `the SFTP host key ${path} is not a private key (${key instanceof Error ? errorMessage(key) : 'a public key'}); restore it from a backup, or delete it to make a new one (partners will then see a changed host key)`,
        false,
      );
    }
    const publicSsh = key.getPublicSSH();
    keys.push({
      type: key.type,
      privateKey: text,
      publicKey: `${key.type} ${publicSsh.toString('base64')}`,
      fingerprint: fingerprint(publicSsh),
    });
  }
  return keys;
}

/** Writes a new key whole and fsynced, and links it into place only if no other process got there first;
 * then reads back whichever key won. */
async function create(path: string, privateKey: string): Promise<string> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await open(tmp, 'wx', 0o600);
    try {
      await handle.writeFile(privateKey);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(tmp, path).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
  } catch (e) {
    throw new GatewayError(
      'config-invalid',
      `cannot write the SFTP host key ${path}: ${errorMessage(e)}`,
      false,
      {
        cause: e,
      },
    );
  } finally {
    await rm(tmp, { force: true });
  }
  return readFile(path, 'utf8');
}

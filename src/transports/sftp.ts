// SFTP to a partner's server (ssh2-sftp-client over ssh2): the RemoteFs that polls and deliveries use. The
// host key is checked before anything is sent (host-keys.ts); secrets are resolved at each connection;
// downloads use fastGet with the read size the server allows, which is what makes them fast.
import { connect } from 'node:net';
import type { Readable } from 'node:stream';
import SftpClient from 'ssh2-sftp-client';
import { GatewayError, errorMessage, isRetryable } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { SftpEndpoint } from '../partners/partner.ts';
import { resolveSecret } from '../partners/secrets.ts';
import { checkHostKey } from './host-keys.ts';
import type { RemoteEntry, RemoteFs } from './remote-fs.ts';

export interface SftpConnectOptions {
  /** Names the partner and channel in messages (`partner acme, channel pull`). */
  owner: string;
  log: Logger;
  /** How long the TCP connect and the SSH handshake may take. */
  readyTimeoutMs?: number;
  /** Parallel reads of one download (default 32). */
  concurrency?: number;
}

export function sftpLabel(e: { host: string; port: number; user: string }): string {
  return `sftp://${e.user}@${e.host}:${e.port}`;
}

/** SFTP status codes that a retry will not change: no such file, permission denied. */
const LASTING_SFTP_STATUS = new Set<unknown>([2, 3, 'ENOENT', 'EACCES', 'ERR_BAD_PATH']);

export async function connectSftp(endpoint: SftpEndpoint, options: SftpConnectOptions): Promise<RemoteFs> {
  const label = sftpLabel(endpoint);
  const secret = (field: 'password' | 'privateKey' | 'passphrase') => {
    const ref = endpoint[field];
    return ref === undefined
      ? undefined
      : resolveSecret(ref, `${options.owner}: ${field}`, { trimLineBreak: field !== 'privateKey' });
  };
  const password = secret('password');
  const privateKey = secret('privateKey');
  const passphrase = secret('passphrase');

  const client = new SftpClient(label, {
    error: () => undefined,
    end: () => undefined,
    close: () => undefined,
  });
  let refusal: GatewayError | undefined;
  let alive = false;
  const lost = () => {
    alive = false;
  };
  client.on('close', lost);
  client.on('end', lost);
  client.on('error', lost);
  try {
    const sftp = await client.connect({
      host: endpoint.host,
      port: endpoint.port,
      // Our own socket, for TCP_NODELAY: every SFTP request waits for its answer, and Nagle's algorithm would
      // hold many of them back for the peer's delayed ACK (about 40 ms each).
      sock: connect({ host: endpoint.host, port: endpoint.port, noDelay: true }),
      username: endpoint.user,
      ...(password !== undefined ? { password } : {}),
      ...(privateKey !== undefined ? { privateKey } : {}),
      ...(passphrase !== undefined ? { passphrase } : {}),
      readyTimeout: options.readyTimeoutMs ?? 20_000,
      keepaliveInterval: 15_000,
      keepaliveCountMax: 4,
      hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
        checkHostKey(endpoint.hostKey, label, key)
          .then((verdict) => {
            if (verdict.accepted) {
              if (verdict.learned) {
                options.log.warn(
                  { server: label, fingerprint: verdict.fingerprint, file: endpoint.hostKey.learnedFile },
                  'host key trusted on first use; it is enforced from now on',
                );
              }
            } else {
              refusal = verdict.error;
            }
            verify(verdict.accepted);
          })
          .catch((e: unknown) => {
            refusal = new GatewayError(
              'host-key-refused',
              `${label}: cannot check the host key: ${errorMessage(e)}`,
              false,
            );
            verify(false);
          });
      },
    });
    alive = true;
    // OpenSSH announces how much one read may return (limits@openssh.com); ssh2 keeps it on the channel but
    // exposes no getter. Reads of that size, many in flight, are what brings fastGet near OpenSSH's speed.
    const maxRead = (sftp as unknown as { _maxReadLen?: number })._maxReadLen;
    const extensions = (sftp as unknown as { _extensions?: Record<string, unknown> })._extensions ?? {};
    return new SftpFs(client, label, `${endpoint.host}:${endpoint.port}`, () => alive, {
      chunkSize: typeof maxRead === 'number' && maxRead > 0 ? maxRead : 32_768,
      concurrency: options.concurrency ?? 32,
      posixRename: 'posix-rename@openssh.com' in extensions,
    });
  } catch (e) {
    await client.end().catch(() => undefined);
    if (refusal) throw refusal;
    if (e instanceof GatewayError) throw e;
    const message = errorMessage(e).replace(/^getConnection: /, '');
    if (/authentication methods failed/i.test(message)) {
      throw new GatewayError(
        'login-refused',
        `${label}: login as ${endpoint.user} refused (${message})`,
        false,
        {
          cause: e,
        },
      );
    }
    throw new GatewayError('channel-unavailable', `${label}: cannot connect: ${message}`, true, { cause: e });
  }
}

interface SftpTuning {
  chunkSize: number;
  concurrency: number;
  posixRename: boolean;
}

class SftpFs implements RemoteFs {
  constructor(
    private readonly client: SftpClient,
    readonly label: string,
    readonly host: string,
    private readonly isAlive: () => boolean,
    private readonly tuning: SftpTuning,
  ) {}

  get connected(): boolean {
    return this.isAlive();
  }

  list(dir: string): Promise<RemoteEntry[]> {
    return this.run(`list ${dir}`, async () =>
      (await this.client.list(dir)).map((f) => ({
        name: f.name,
        size: f.size,
        mtime: new Date(f.modifyTime),
        isFile: f.type === '-',
      })),
    );
  }

  async stat(path: string): Promise<RemoteEntry | undefined> {
    try {
      const s = await this.client.stat(path);
      return {
        name: path.split('/').pop() ?? path,
        size: s.size,
        mtime: new Date(s.modifyTime),
        isFile: s.isFile,
      };
    } catch (e) {
      if ((e as { code?: unknown }).code === 'ENOENT' && this.connected) return undefined;
      throw this.failure(`stat ${path}`, e);
    }
  }

  download(path: string, localPath: string): Promise<void> {
    return this.run(`download ${path}`, async () => {
      await this.client.fastGet(path, localPath, {
        concurrency: this.tuning.concurrency,
        chunkSize: this.tuning.chunkSize,
      });
    });
  }

  rename(from: string, to: string): Promise<void> {
    return this.run(`rename ${from} to ${to}`, async () => {
      if (this.tuning.posixRename) {
        await this.client.posixRename(from, to);
        return;
      }
      // Plain SFTP rename fails when the target exists.
      await this.client.delete(to, true);
      await this.client.rename(from, to);
    });
  }

  delete(path: string): Promise<void> {
    return this.run(`delete ${path}`, async () => {
      await this.client.delete(path, true);
    });
  }

  mkdir(path: string): Promise<void> {
    return this.run(`mkdir ${path}`, async () => {
      await this.client.mkdir(path, true);
    });
  }

  upload(source: Buffer | Readable, path: string): Promise<void> {
    return this.run(`upload ${path}`, async () => {
      await this.client.put(source, path);
    });
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }

  private async run<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      throw this.failure(what, e);
    }
  }

  private failure(what: string, e: unknown): GatewayError {
    if (e instanceof GatewayError) return e;
    const connected = this.connected;
    const code = (e as { code?: unknown }).code;
    const retryable = !connected || isRetryable(e) || !LASTING_SFTP_STATUS.has(code);
    return new GatewayError(
      connected ? 'transfer-failed' : 'channel-unavailable',
      `${this.label}: ${what}: ${connected ? '' : 'connection lost: '}${errorMessage(e)}`,
      retryable,
      { cause: e },
    );
  }
}

// FTP and FTPS to a partner's server (basic-ftp): the RemoteFs that polls and deliveries use for legacy
// partners. With TLS the server's certificate is checked before the password is sent: against a pinned
// SHA-256 fingerprint, or against a CA (the system's, or the one the partner file names). Listings give
// modification times to the minute at best, so each file's time is asked for with MDTM, to the second.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { Readable } from 'node:stream';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { Client, FTPError, type FileInfo } from 'basic-ftp';
import { GatewayError, errorMessage, isRetryable } from '../errors.ts';
import type { FtpEndpoint } from '../partners/partner.ts';
import { resolveSecret } from '../partners/secrets.ts';
import type { RemoteEntry, RemoteFs } from './remote-fs.ts';

export interface FtpConnectOptions {
  /** Names the partner and channel in messages (`partner acme, channel pull`). */
  owner: string;
  timeoutMs?: number;
}

export function ftpLabel(e: { host: string; port: number; user: string; tls: { mode: string } }): string {
  return `${e.tls.mode === 'none' ? 'ftp' : 'ftps'}://${e.user}@${e.host}:${e.port}`;
}

export async function connectFtp(endpoint: FtpEndpoint, options: FtpConnectOptions): Promise<RemoteFs> {
  const label = ftpLabel(endpoint);
  const password =
    endpoint.password === undefined
      ? undefined
      : resolveSecret(endpoint.password, `${options.owner}: password`, { trimLineBreak: true });
  const { tls } = endpoint;
  let tlsOptions: ConnectionOptions | undefined;
  if (tls.mode !== 'none') {
    let ca: Buffer | undefined;
    if (tls.ca !== undefined) {
      try {
        ca = readFileSync(tls.ca);
      } catch (e) {
        throw new GatewayError(
          'config-invalid',
          `${options.owner}: cannot read tls.ca ${tls.ca} (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`,
          false,
        );
      }
    }
    // Verified by hand below, before the login, so that a refusal can name the certificate it saw.
    tlsOptions = {
      host: endpoint.host,
      ...(isIP(endpoint.host) === 0 ? { servername: endpoint.host } : {}),
      ...(ca ? { ca } : {}),
      minVersion: 'TLSv1.2',
      rejectUnauthorized: false,
    };
  }

  const client = new Client(options.timeoutMs ?? 30_000);
  try {
    if (tls.mode === 'implicit') await client.connectImplicitTLS(endpoint.host, endpoint.port, tlsOptions);
    else await client.connect(endpoint.host, endpoint.port);
    if (tls.mode === 'explicit') await client.useTLS(tlsOptions);
    if (tlsOptions) {
      checkCertificate(client.ftp.socket as TLSSocket, tls.fingerprint, label);
      // Data connections resume the control connection's TLS session; in CA mode Node checks them as well.
      client.ftp.tlsOptions = { ...tlsOptions, rejectUnauthorized: tls.fingerprint === undefined };
    }
    await client.login(endpoint.user, password);
    await client.useDefaultSettings();
  } catch (e) {
    client.close();
    if (e instanceof GatewayError) throw e;
    if (e instanceof FTPError && e.code === 530) {
      throw new GatewayError(
        'login-refused',
        `${label}: login as ${endpoint.user} refused (${e.message.trim()})`,
        false,
        { cause: e },
      );
    }
    throw new GatewayError('channel-unavailable', `${label}: cannot connect: ${errorMessage(e)}`, true, {
      cause: e,
    });
  }
  return new FtpFs(client, label, `${endpoint.host}:${endpoint.port}`);
}

function checkCertificate(socket: TLSSocket, fingerprint: string | undefined, label: string): void {
  const cert = socket.getPeerCertificate();
  const seen = cert.fingerprint256 ?? '(none)';
  if (fingerprint !== undefined) {
    if (seen.toUpperCase() === fingerprint.toUpperCase()) return;
    throw new GatewayError(
      'host-key-refused',
      `${label} showed a TLS certificate with SHA-256 fingerprint ${seen} (subject ${String(cert.subject?.CN ?? '?')}): ` +
        `it is not the pinned ${fingerprint}; refused`,
      false,
    );
  }
  if (socket.authorized) return;
  throw new GatewayError(
    'host-key-refused',
    `${label} showed a TLS certificate that is not trusted (${String(socket.authorizationError)}), SHA-256 ` +
      `fingerprint ${seen}: trust its CA with tls.ca, or pin the fingerprint with tls.fingerprint; refused`,
    false,
  );
}

class FtpFs implements RemoteFs {
  private readonly mdtm: boolean;

  constructor(
    private readonly client: Client,
    readonly label: string,
    readonly host: string,
  ) {
    // MLSD listings carry exact times; plain LIST ones do not.
    this.mdtm = !client.availableListCommands.some((c) => c.startsWith('MLSD'));
  }

  get connected(): boolean {
    return !this.client.closed;
  }

  list(dir: string): Promise<RemoteEntry[]> {
    return this.run(`list ${dir}`, async () => {
      const entries: RemoteEntry[] = [];
      for (const f of await this.client.list(dir)) {
        if (f.name === '.' || f.name === '..') continue;
        const mtime =
          f.isFile && this.mdtm
            ? await this.modified(`${dir.replace(/\/$/, '')}/${f.name}`, f)
            : fallbackTime(f);
        entries.push({ name: f.name, size: f.size, mtime, isFile: f.isFile });
      }
      return entries;
    });
  }

  async stat(path: string): Promise<RemoteEntry | undefined> {
    try {
      const size = await this.client.size(path);
      const mtime = await this.client.lastMod(path);
      return { name: path.split('/').pop() ?? path, size, mtime, isFile: true };
    } catch (e) {
      if (e instanceof FTPError && e.code === 550 && this.connected) return undefined;
      throw this.failure(`stat ${path}`, e);
    }
  }

  download(path: string, localPath: string): Promise<void> {
    return this.run(`download ${path}`, async () => {
      await this.client.downloadTo(localPath, path);
    });
  }

  rename(from: string, to: string): Promise<void> {
    return this.run(`rename ${from} to ${to}`, async () => {
      await this.client.rename(from, to);
    });
  }

  delete(path: string): Promise<void> {
    return this.run(`delete ${path}`, async () => {
      try {
        await this.client.remove(path);
      } catch (e) {
        // Already gone is what was asked for.
        if (!(e instanceof FTPError && e.code === 550 && (await this.stat(path)) === undefined)) throw e;
      }
    });
  }

  mkdir(path: string): Promise<void> {
    return this.run(`mkdir ${path}`, async () => {
      const parts = path.split('/');
      for (let i = 1; i <= parts.length; i++) {
        const prefix = parts.slice(0, i).join('/');
        if (prefix === '' || prefix === '.') continue;
        // 550 when it exists; a folder that really cannot be made shows in the upload or rename after it.
        await this.client.sendIgnoringError(`MKD ${prefix}`);
      }
    });
  }

  upload(source: Buffer | Readable, path: string): Promise<void> {
    return this.run(`upload ${path}`, async () => {
      await this.client.uploadFrom(Buffer.isBuffer(source) ? Readable.from([source]) : source, path);
    });
  }

  close(): Promise<void> {
    this.client.close();
    return Promise.resolve();
  }

  private async modified(path: string, f: FileInfo): Promise<Date> {
    try {
      return await this.client.lastMod(path);
    } catch (e) {
      if (!this.connected) throw e;
      return fallbackTime(f);
    }
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
    // 4xx replies are transient by definition; 5xx ones (no such file, no permission) are not.
    const retryable = !connected || isRetryable(e) || !(e instanceof FTPError && e.code >= 500);
    return new GatewayError(
      connected ? 'transfer-failed' : 'channel-unavailable',
      `${this.label}: ${what}: ${connected ? '' : 'connection lost: '}${errorMessage(e)}`,
      retryable,
      { cause: e },
    );
  }
}

function fallbackTime(f: FileInfo): Date {
  return f.modifiedAt ?? new Date(0);
}

// The hosted SFTP server: one per gateway, for partners who push. Logins are partner ids, checked against
// the partner registry at every login; each partner works in its own virtual tree (sftp-session.ts). Only
// the SFTP subsystem is offered: no shell, no commands, no port forwarding.
import { realpath } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import type { AuthContext, ClientInfo, Connection, Server } from 'ssh2';
import { GatewayError, errorMessage } from '../../errors.ts';
import type { Intake } from '../../intake/receive.ts';
import type { Logger } from '../../log.ts';
import { LoginThrottle, type LoginThrottleOptions } from '../../login-throttle.ts';
import { checkPassword, checkPublicKey, LOGIN_NAME, parsePublicKeys, type HostedAccount } from './auth.ts';
import { loadHostKeys, type HostKey } from './host-key.ts';
import { ensurePartnerDirs, partnerDirs, type PartnerDirs } from './layout.ts';
import { SftpSession } from './sftp-session.ts';

export interface HostedSftpLimits {
  /** Largest upload in bytes (default 1 GiB). */
  maxUploadBytes: number;
  /** A connection with no request for this long is closed (default 10 minutes). */
  idleTimeoutMs: number;
  /** A connection that has not logged in within this time is closed (default 2 minutes). */
  loginGraceMs: number;
  /** Connections one partner may have at once (default 4). */
  maxSessionsPerPartner: number;
  /** Failed login attempts on one connection before it is closed (default 6, as OpenSSH's MaxAuthTries). */
  maxAuthAttempts: number;
  /** Files and folders one session may hold open (default 64). */
  maxOpenHandles: number;
}

export const DEFAULT_LIMITS: HostedSftpLimits = {
  maxUploadBytes: 1024 * 1024 * 1024,
  idleTimeoutMs: 600_000,
  loginGraceMs: 120_000,
  maxSessionsPerPartner: 4,
  maxAuthAttempts: 6,
  maxOpenHandles: 64,
};

export interface HostedSftpOptions {
  /** Where the partners' trees live (`<root>/<partnerId>/…`, see layout.ts). */
  root: string;
  /** Where the host keys are kept (made on the first start). */
  hostKeysDir: string;
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** The partners that may log in, read at every login. */
  accounts: () => HostedAccount[];
  intake: Intake;
  log: Logger;
  limits?: Partial<HostedSftpLimits>;
  /** Limits on failed logins across connections (see LoginThrottleOptions for the defaults). */
  loginThrottle?: LoginThrottleOptions;
}

const METHODS: ('publickey' | 'password')[] = ['publickey', 'password'];

interface Client {
  connection: Connection;
  /** The client's IP address, for the login limits. */
  address: string;
  log: Logger;
  partnerId?: string;
  dirs?: PartnerDirs;
  failures: number;
  inflight: number;
  gone: boolean;
  timer?: NodeJS.Timeout;
  timerMs?: number;
  sessions: Set<SftpSession>;
}

/** A login name as it may appear in a log line: it comes from anyone and may be anything. */
function loggable(name: string): string {
  // eslint-disable-next-line no-control-regex
  return name.slice(0, 64).replace(/[\x00-\x1f\x7f]/g, '?');
}

export class HostedSftpServer {
  private readonly server: Server;
  private readonly clients = new Set<Client>();
  private readonly sessionsPerPartner = new Map<string, number>();
  private readonly busy = new Set<string>();
  private readonly limits: HostedSftpLimits;
  // maxAuthAttempts ends one connection after a few failures; a guesser simply reconnects. This counts
  // failures across connections, per login name and per address.
  private readonly throttle: LoginThrottle;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly options: HostedSftpOptions,
    readonly hostKeys: HostKey[],
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.throttle = new LoginThrottle(options.loginThrottle);
    this.server = new ssh2.Server(
      { hostKeys: hostKeys.map((k) => k.privateKey), ident: 'Dockside' },
      (c, info) => this.connect(c, info),
    );
  }

  /** Starts listening; fails with a clear error when the address cannot be used. */
  static async start(options: HostedSftpOptions): Promise<HostedSftpServer> {
    const hostKeys = await loadHostKeys(options.hostKeysDir);
    const server = new HostedSftpServer(options, hostKeys);
    await server.listen();
    const { port } = server.address();
    options.log.info(
      {
        host: options.host,
        port,
        hostKeys: hostKeys.map((k) => `${k.type} ${k.fingerprint}`),
        partners: options.accounts().map((a) => a.partnerId),
      },
      'hosted SFTP server listening',
    );
    return server;
  }

  private listen(): Promise<void> {
    const { host, port } = this.options;
    return new Promise((resolve, reject) => {
      const fail = (e: NodeJS.ErrnoException) => {
        const why =
          e.code === 'EADDRINUSE'
            ? 'the port is in use by another program; set DOCKSIDE_SFTP_PORT to a free port'
            : e.code === 'EACCES'
              ? 'this user may not listen on that port; use one above 1023 (DOCKSIDE_SFTP_PORT)'
              : e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND'
                ? 'this host has no such address; check DOCKSIDE_SFTP_HOST'
                : e.message;
        reject(
          new GatewayError(
            'config-invalid',
            `cannot listen for hosted SFTP on ${host}:${port}: ${why}`,
            false,
            {
              cause: e,
            },
          ),
        );
      };
      this.server.once('error', fail);
      this.server.listen(port, host, () => {
        this.server.off('error', fail);
        this.server.on('error', (e: Error) =>
          this.options.log.error({ err: errorMessage(e) }, 'hosted SFTP server error'),
        );
        resolve();
      });
    });
  }

  address(): { host: string; port: number } {
    const address = this.server.address() as AddressInfo;
    return { host: address.address, port: address.port };
  }

  /** Connections a partner has now. */
  sessionsOf(partnerId: string): number {
    return this.sessionsPerPartner.get(partnerId) ?? 0;
  }

  private connect(connection: Connection, info: ClientInfo): void {
    const client: Client = {
      connection,
      address: info.ip,
      log: this.options.log.child({ remote: `${info.ip}:${info.port}` }),
      failures: 0,
      inflight: 0,
      gone: false,
      sessions: new Set(),
    };
    this.clients.add(client);
    if (this.closing) {
      connection.end();
      return;
    }
    this.armTimer(client);
    connection.on('error', (e: Error) => client.log.debug({ err: errorMessage(e) }, 'sftp connection error'));
    connection.on('authentication', (ctx) => this.authenticate(client, ctx));
    connection.on('session', (accept) => {
      const dirs = client.dirs;
      const partnerId = client.partnerId;
      if (!dirs || !partnerId) return;
      const session = accept();
      session.on('sftp', (acceptSftp) => {
        const sftp = acceptSftp();
        const log = client.log;
        const handler = new SftpSession(sftp, {
          partnerId,
          dirs,
          intake: this.options.intake,
          log,
          limits: { maxUploadBytes: this.limits.maxUploadBytes, maxOpenHandles: this.limits.maxOpenHandles },
          busy: this.busy,
          activity: {
            begin: () => {
              client.inflight++;
              this.armTimer(client);
            },
            end: () => {
              client.inflight--;
              this.armTimer(client);
            },
          },
        });
        client.sessions.add(handler);
        // A client that is done sends EOF and waits for the server to close the channel.
        sftp.on('end', () => sftp.end());
        sftp.on('close', () => void handler.end());
      });
    });
    connection.on('close', () => {
      client.gone = true;
      clearTimeout(client.timer);
      this.clients.delete(client);
      if (client.partnerId) {
        const left = this.sessionsOf(client.partnerId) - 1;
        if (left > 0) this.sessionsPerPartner.set(client.partnerId, left);
        else this.sessionsPerPartner.delete(client.partnerId);
        client.log.info('partner disconnected');
      }
      for (const session of client.sessions) void session.end();
    });
  }

  /** Closes a connection that stays quiet too long; a request still running (a long intake) keeps it open. */
  private armTimer(client: Client): void {
    if (client.gone) return;
    const wait = client.partnerId ? this.limits.idleTimeoutMs : this.limits.loginGraceMs;
    // Every request re-arms the timer: refreshing one is cheaper than making a new one each time.
    if (client.timer && client.timerMs === wait) {
      client.timer.refresh();
      return;
    }
    clearTimeout(client.timer);
    client.timerMs = wait;
    client.timer = setTimeout(() => {
      if (client.inflight > 0) return this.armTimer(client);
      client.log.info(
        { afterMs: wait },
        client.partnerId ? 'sftp connection idle; closing it' : 'sftp connection did not log in; closing it',
      );
      client.connection.end();
    }, wait);
    client.timer.unref();
  }

  private account(name: string): HostedAccount | undefined {
    if (!LOGIN_NAME.test(name)) return undefined;
    return this.options.accounts().find((a) => a.partnerId === name);
  }

  private authenticate(client: Client, ctx: AuthContext): void {
    this.armTimer(client);
    const user = loggable(ctx.username);
    // A real attempt (a password, a signed key) that fails counts towards the login limits; a client asking
    // whether one of its keys would do does not, as ssh clients offer every key they have.
    const refuse = (reason: string, attempt = false) => {
      if (attempt) this.throttle.failed(ctx.username, client.address, new Date());
      client.failures++;
      client.log.info({ user, method: ctx.method, reason }, 'sftp login refused');
      ctx.reject(METHODS);
      if (client.failures >= this.limits.maxAuthAttempts) {
        client.log.warn(
          { user, attempts: client.failures },
          'too many failed sftp logins; closing the connection',
        );
        client.connection.end();
      }
    };
    let account: HostedAccount | undefined;
    try {
      account = this.account(ctx.username);
    } catch (e) {
      client.log.error({ err: errorMessage(e) }, 'the hosted accounts cannot be read; refusing logins');
      ctx.reject(METHODS);
      return;
    }
    const attempt = ctx.method === 'password' || (ctx.method === 'publickey' && ctx.signature !== undefined);
    const limited = attempt ? this.throttle.check(ctx.username, client.address, new Date()) : undefined;
    if (limited) {
      // Refused before the password or signature is looked at, so guesses made now teach nothing.
      return refuse(
        `too many failed logins ${limited.limitedBy === 'user' ? 'for this name' : 'from this address'}; ` +
          `refused for ${limited.retryAfterSeconds} s`,
      );
    }
    switch (ctx.method) {
      case 'publickey': {
        if (!account) return refuse('unknown login name');
        const keys = parsePublicKeys(account, (p) =>
          client.log.warn({ partnerId: p.partnerId, problem: p.problem }, 'hosted account key unusable'),
        );
        const signed =
          ctx.signature && ctx.blob
            ? { blob: ctx.blob, signature: ctx.signature, hashAlgo: ctx.hashAlgo }
            : undefined;
        const check = checkPublicKey(keys, ctx.key, signed);
        if (check === 'no-such-key') return refuse(`${ctx.key.algo} key not registered for this partner`);
        if (check === 'bad-signature') return refuse('key signature does not verify', true);
        // Without a signature the client only asked whether this key would do.
        if (!signed) return ctx.accept();
        return void this.admit(client, ctx, account.partnerId);
      }
      case 'password': {
        const password: unknown = ctx.password;
        if (typeof password !== 'string') return refuse('password change requests are not supported');
        checkPassword(account, password).then(
          (ok) => {
            if (!account) return refuse('unknown login name', true);
            if (!ok)
              return refuse(
                account.passwordHash ? 'wrong password' : 'no password set for this partner',
                true,
              );
            return this.admit(client, ctx, account.partnerId);
          },
          (e: unknown) => {
            client.log.error(
              { partnerId: account?.partnerId, err: errorMessage(e) },
              'the password hash of this partner cannot be used; fix it in the partner file',
            );
            refuse('password hash unusable');
          },
        );
        return;
      }
      default:
        // `none` is how every client starts, asking what is offered: not a failed attempt.
        if (ctx.method !== 'none')
          client.log.debug({ user, method: ctx.method }, 'sftp login method not offered');
        ctx.reject(METHODS);
    }
  }

  private async admit(client: Client, ctx: AuthContext, partnerId: string): Promise<void> {
    let dirs: PartnerDirs;
    try {
      const planned = partnerDirs(this.options.root, partnerId);
      await ensurePartnerDirs(planned);
      // Every later check compares real paths with these; the root itself may sit behind a link.
      dirs = partnerDirs(await realpath(this.options.root), partnerId);
    } catch (e) {
      client.log.error(
        { partnerId, err: errorMessage(e) },
        'cannot prepare the partner folders; refusing login',
      );
      ctx.reject(METHODS);
      return;
    }
    // The client may have gone while the folders were made; counting it now would never be undone.
    if (client.gone) return;
    if (this.sessionsOf(partnerId) >= this.limits.maxSessionsPerPartner) {
      client.log.warn(
        { partnerId, limit: this.limits.maxSessionsPerPartner },
        'partner has too many sftp connections; refusing another',
      );
      ctx.reject(METHODS);
      client.connection.end();
      return;
    }
    this.throttle.succeeded(partnerId);
    this.sessionsPerPartner.set(partnerId, this.sessionsOf(partnerId) + 1);
    client.partnerId = partnerId;
    client.dirs = dirs;
    client.log = client.log.child({ partnerId });
    client.log.info({ method: ctx.method }, 'partner logged in');
    ctx.accept();
    this.armTimer(client);
  }

  /** Stops listening, closes every connection and waits for requests still running (an upload being taken
   * in finishes; one still arriving is dropped and leaves nothing recorded). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
      const sessions: SftpSession[] = [];
      for (const client of this.clients) {
        sessions.push(...client.sessions);
        clearTimeout(client.timer);
        client.connection.end();
      }
      await Promise.allSettled(sessions.map((s) => s.end()));
      await stopped;
      this.options.log.info('hosted SFTP server stopped');
    })();
    return this.closing;
  }
}

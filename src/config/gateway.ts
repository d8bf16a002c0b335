// Gateway settings from the environment, checked once at start. Every setting has a default that runs the
// gateway on one machine with nothing else installed: PGlite under the data directory, the in-process queue.
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { isAbsolute, join, resolve } from 'node:path';
import { GatewayError } from '../errors.ts';
import { DEFAULT_SPECS_DIR } from './x12-specs.ts';

export interface GatewayConfig {
  /** PostgreSQL URL (DATABASE_URL); without it the embedded database under `dataDir/db`. */
  databaseUrl?: string;
  /** Redis URL (REDIS_URL); without it jobs run in this process. */
  redisUrl?: string;
  /** Key prefix of queues and leases in Redis, for several gateways on one server (DOCKSIDE_REDIS_PREFIX,
   * default dockside). */
  redisPrefix: string;
  /** Where blobs, the embedded database and the demo drop folders live (DOCKSIDE_DATA_DIR, default ./var). */
  dataDir: string;
  /** Partner files (DOCKSIDE_PARTNERS_DIR, default ./partners). */
  partnersDir: string;
  /** Transaction-set specs (DOCKSIDE_SPECS_DIR, default the project's specs/). */
  specsDir: string;
  /** pino level (DOCKSIDE_LOG_LEVEL, default info). */
  logLevel: string;
  /** Jobs of each queue running at once in one process (DOCKSIDE_WORKER_CONCURRENCY, default 128);
   * those running together share batches, so more of them cost little memory and save database work. */
  workerConcurrency: number;
  /** How long a stopping process waits for running jobs (DOCKSIDE_SHUTDOWN_TIMEOUT_MS, default 30 s). */
  shutdownTimeoutMs: number;
  /** How long a dead worker's job stays locked before another takes it (DOCKSIDE_JOB_LOCK_MS, default 30 s). */
  jobLockMs: number;
  /** Attempts per job and the first retry delay (DOCKSIDE_JOB_ATTEMPTS, default 6; DOCKSIDE_JOB_BACKOFF_MS,
   * default 1 s, doubling). */
  jobAttempts: number;
  jobBackoffMs: number;
  /** How often the sweeper looks for work lost from the queue (DOCKSIDE_SWEEP_INTERVAL_MS, default 30 s). */
  sweepIntervalMs: number;
  /** Port of the hosted SFTP server for partners who push (DOCKSIDE_SFTP_PORT, default 2222; 0 turns it off).
   * The server runs only while some partner has a `hosted` login, so a gateway without one never binds it. */
  sftpPort: number;
  /** Address the hosted SFTP server listens on (DOCKSIDE_SFTP_HOST, default 127.0.0.1): reachable from other
   * hosts only once an operator says so, e.g. 0.0.0.0 in a container. */
  sftpHost: string;
  /** Largest upload to the hosted SFTP server (DOCKSIDE_SFTP_MAX_UPLOAD_BYTES, default 1 GiB). */
  sftpMaxUploadBytes: number;
  /** A hosted SFTP connection quiet this long is closed (DOCKSIDE_SFTP_IDLE_TIMEOUT_MS, default 10 min). */
  sftpIdleTimeoutMs: number;
  /** Hosted SFTP connections one partner may hold at once (DOCKSIDE_SFTP_MAX_SESSIONS, default 4). */
  sftpMaxSessions: number;
  /** The ERP adapter's settings, a YAML file with an `erp:` section (DOCKSIDE_ERP_CONFIG; default ./erp.yaml when
   * that file exists). Without one, documents are stored but not reconciled. */
  erpConfigFile?: string;
  /** How often the scheduler looks for new ship notices, invoices and due POs to reconcile
   * (DOCKSIDE_RECONCILE_INTERVAL_MS, default 5 s). */
  reconcileIntervalMs: number;
  /** Port of the AS2 endpoint (DOCKSIDE_AS2_PORT, default 4080; 0 turns it off). It runs only while some partner
   * file has an `as2` section. */
  as2Port: number;
  /** Address it listens on (DOCKSIDE_AS2_HOST, default 127.0.0.1). */
  as2Host: string;
  /** Largest AS2 message accepted; a larger one gets HTTP 413 (DOCKSIDE_AS2_MAX_MESSAGE_BYTES, default 100 MiB). */
  as2MaxMessageBytes: number;
  /** A request not received whole within this long gets HTTP 408 (DOCKSIDE_AS2_REQUEST_TIMEOUT_MS, default
   * 120 s). */
  as2RequestTimeoutMs: number;
  /** Port of the HTTP API (DOCKSIDE_API_PORT, default 8080; 0 turns it off); the scheduler role serves it. */
  apiPort: number;
  /** Address the API listens on (DOCKSIDE_API_HOST, default 127.0.0.1). */
  apiHost: string;
  /** Mark the API's session cookie Secure, for a gateway behind HTTPS (DOCKSIDE_API_SECURE_COOKIE=true). */
  apiSecureCookie: boolean;
  /** Day archives older than this many days are removed by each `dockside archive` (DOCKSIDE_ARCHIVE_KEEP_DAYS;
   * unset keeps them all). */
  archiveKeepDays?: number;
}

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): GatewayConfig {
  const dir = (value: string | undefined, fallback: string) =>
    value ? (isAbsolute(value) ? value : resolve(cwd, value)) : fallback;
  const dataDir = dir(env.DOCKSIDE_DATA_DIR, resolve(cwd, 'var'));
  const logLevel = env.DOCKSIDE_LOG_LEVEL || 'info';
  if (!LEVELS.has(logLevel)) {
    throw new GatewayError(
      'config-invalid',
      `DOCKSIDE_LOG_LEVEL=${logLevel}: use one of ${[...LEVELS].join(', ')}`,
      false,
    );
  }
  return {
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
    redisPrefix: env.DOCKSIDE_REDIS_PREFIX || 'dockside',
    dataDir,
    partnersDir: dir(env.DOCKSIDE_PARTNERS_DIR, resolve(cwd, 'partners')),
    specsDir: dir(env.DOCKSIDE_SPECS_DIR, DEFAULT_SPECS_DIR),
    logLevel,
    workerConcurrency: int(env, 'DOCKSIDE_WORKER_CONCURRENCY', 128, 1, 256),
    shutdownTimeoutMs: int(env, 'DOCKSIDE_SHUTDOWN_TIMEOUT_MS', 30_000, 0, 3_600_000),
    jobLockMs: int(env, 'DOCKSIDE_JOB_LOCK_MS', 30_000, 1000, 3_600_000),
    jobAttempts: int(env, 'DOCKSIDE_JOB_ATTEMPTS', 6, 1, 100),
    jobBackoffMs: int(env, 'DOCKSIDE_JOB_BACKOFF_MS', 1000, 1, 3_600_000),
    sweepIntervalMs: int(env, 'DOCKSIDE_SWEEP_INTERVAL_MS', 30_000, 100, 3_600_000),
    sftpPort: int(env, 'DOCKSIDE_SFTP_PORT', 2222, 0, 65_535),
    sftpHost: listenAddress(env.DOCKSIDE_SFTP_HOST),
    sftpMaxUploadBytes: int(env, 'DOCKSIDE_SFTP_MAX_UPLOAD_BYTES', 1024 ** 3, 1, 1024 ** 4),
    sftpIdleTimeoutMs: int(env, 'DOCKSIDE_SFTP_IDLE_TIMEOUT_MS', 600_000, 1000, 86_400_000),
    sftpMaxSessions: int(env, 'DOCKSIDE_SFTP_MAX_SESSIONS', 4, 1, 1000),
    ...erpConfigFile(env.DOCKSIDE_ERP_CONFIG, cwd),
    reconcileIntervalMs: int(env, 'DOCKSIDE_RECONCILE_INTERVAL_MS', 5000, 100, 3_600_000),
    as2Port: int(env, 'DOCKSIDE_AS2_PORT', 4080, 0, 65_535),
    as2Host: listenAddress(env.DOCKSIDE_AS2_HOST, 'DOCKSIDE_AS2_HOST'),
    as2MaxMessageBytes: int(env, 'DOCKSIDE_AS2_MAX_MESSAGE_BYTES', 100 * 1024 ** 2, 1024, 1024 ** 4),
    as2RequestTimeoutMs: int(env, 'DOCKSIDE_AS2_REQUEST_TIMEOUT_MS', 120_000, 1000, 3_600_000),
    apiPort: int(env, 'DOCKSIDE_API_PORT', 8080, 0, 65_535),
    apiHost: listenAddress(env.DOCKSIDE_API_HOST, 'DOCKSIDE_API_HOST'),
    apiSecureCookie: flag(env, 'DOCKSIDE_API_SECURE_COOKIE'),
    ...(env.DOCKSIDE_ARCHIVE_KEEP_DAYS
      ? { archiveKeepDays: int(env, 'DOCKSIDE_ARCHIVE_KEEP_DAYS', 0, 0, 36_500) }
      : {}),
  };
}

/** An explicit DOCKSIDE_ERP_CONFIG must exist; the default ./erp.yaml is used only when it does. */
function erpConfigFile(raw: string | undefined, cwd: string): { erpConfigFile?: string } {
  if (raw === undefined || raw === '') {
    const fallback = resolve(cwd, 'erp.yaml');
    return existsSync(fallback) ? { erpConfigFile: fallback } : {};
  }
  const file = isAbsolute(raw) ? raw : resolve(cwd, raw);
  if (!existsSync(file)) {
    throw new GatewayError('config-invalid', `DOCKSIDE_ERP_CONFIG=${raw}: no such file (${file})`, false);
  }
  return { erpConfigFile: file };
}

function listenAddress(raw: string | undefined, name = 'DOCKSIDE_SFTP_HOST'): string {
  if (raw === undefined || raw === '') return '127.0.0.1';
  if (isIP(raw) === 0 && !/^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})$/.test(raw)) {
    throw new GatewayError(
      'config-invalid',
      `${name}=${raw}: expected an IP address (0.0.0.0 for every interface) or a host name`,
      false,
    );
  }
  return raw;
}

export const blobsDir = (c: GatewayConfig) => join(c.dataDir, 'blobs');
export const embeddedDbDir = (c: GatewayConfig) => join(c.dataDir, 'db');
/** The hosted SFTP partners' trees (`<partner id>/inbound`, `outbound`). */
export const hostedRootDir = (c: GatewayConfig) => join(c.dataDir, 'hosted');
/** The hosted SFTP server's host keys, made on its first start. */
export const hostKeysDir = (c: GatewayConfig) => join(c.dataDir, 'keys');

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new GatewayError('config-invalid', `${name}=${raw}: expected true or false`, false);
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  // Digits only: Number() would also take ' ' (0), '0x10' and '1e3'.
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new GatewayError(
      'config-invalid',
      `${name}=${raw}: expected a whole number from ${min} to ${max}`,
      false,
    );
  }
  return n;
}

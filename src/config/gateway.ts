// Gateway settings from the environment, checked once at start. Every setting has a default that runs the
// gateway on one machine with nothing else installed: PGlite under the data directory, the in-process queue.
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
  /** Jobs of each queue running at once in one process (DOCKSIDE_WORKER_CONCURRENCY, default 8). */
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
    workerConcurrency: int(env, 'DOCKSIDE_WORKER_CONCURRENCY', 32, 1, 256),
    shutdownTimeoutMs: int(env, 'DOCKSIDE_SHUTDOWN_TIMEOUT_MS', 30_000, 0, 3_600_000),
    jobLockMs: int(env, 'DOCKSIDE_JOB_LOCK_MS', 30_000, 1000, 3_600_000),
    jobAttempts: int(env, 'DOCKSIDE_JOB_ATTEMPTS', 6, 1, 100),
    jobBackoffMs: int(env, 'DOCKSIDE_JOB_BACKOFF_MS', 1000, 1, 3_600_000),
    sweepIntervalMs: int(env, 'DOCKSIDE_SWEEP_INTERVAL_MS', 30_000, 100, 3_600_000),
  };
}

export const blobsDir = (c: GatewayConfig) => join(c.dataDir, 'blobs');
export const embeddedDbDir = (c: GatewayConfig) => join(c.dataDir, 'db');

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

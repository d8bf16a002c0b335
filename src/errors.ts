// Exceptions are for broken infrastructure and misuse, never for problems in the data (those are Issue
// values, see x12/issues.ts). Every exception the gateway raises says whether trying again may help.

export type ErrorCode =
  /** A file or stream the caller named cannot be read. */
  | 'input-unreadable'
  /** Configuration (specs, settings, partner files) is invalid; fix it and start again. */
  | 'config-invalid'
  /** The caller asked for something that is not possible (a usage error). */
  | 'usage'
  /** The database cannot be reached or refused the work for a passing reason (connection, deadlock). */
  | 'store-unavailable'
  /** The database refused a statement for a lasting reason (a constraint, a bug). */
  | 'store-failed'
  /** The blob store cannot write or read a file. */
  | 'blob-failed'
  /** The job queue (Redis) cannot be reached. */
  | 'queue-unavailable'
  /** Something the caller named (a receipt, a dead letter, a partner) does not exist. */
  | 'not-found'
  /** Another process holds a resource that only one may hold (the embedded database). */
  | 'locked'
  /** An outbound channel could not deliver. */
  | 'delivery-failed'
  /** A partner's server cannot be reached, or the connection to it broke. */
  | 'channel-unavailable'
  /** An operation on a partner's server failed while the connection held (no such file, permission). */
  | 'transfer-failed'
  /** A partner's server refused our login (user, password or key). */
  | 'login-refused'
  /** A partner's server showed a host key (or TLS certificate) that is not the one trusted for it. */
  | 'host-key-refused'
  /** The ERP cannot be reached, timed out, or answered that it is busy or broken. */
  | 'erp-unavailable'
  /** The ERP answered with data the configured mapping cannot read (a price that is not a number). */
  | 'erp-data-invalid';

export class GatewayError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Whether the same call may succeed later without anyone changing anything (a busy server, a lock). */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GatewayError';
  }
}

/** Whether an error may go away by itself: a GatewayError says so; operating-system errors of the network and
 * of busy resources do; anything else (a bug, bad data that slipped through) does not. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof GatewayError) return error.retryable;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT_SYSTEM_CODES.has(code);
}

const TRANSIENT_SYSTEM_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EBUSY',
  'EAGAIN',
  'EMFILE',
  'ENFILE',
  'ENOSPC',
]);

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

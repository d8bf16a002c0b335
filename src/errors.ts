// Exceptions are for broken infrastructure and misuse, never for problems in the data (those are Issue
// values, see x12/issues.ts). Every exception the gateway raises says whether trying again may help.

export type ErrorCode =
  /** A file or stream the caller named cannot be read. */
  | 'input-unreadable'
  /** Configuration (specs, settings, partner files) is invalid; fix it and start again. */
  | 'config-invalid'
  /** The caller asked for something that is not possible (a usage error). */
  | 'usage';

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

// Logs: JSON lines by default (for collectors), readable lines with --pretty. Child loggers carry the
// receipt id, partner and interchange control number so one grep follows one file. Payloads and secrets
// never go into a log line; the redaction below is a safety net for fields that might carry them.
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

export interface LogOptions {
  level?: string;
  pretty?: boolean;
  /** Where lines go (default standard error, so command output on standard output stays clean). */
  destination?: NodeJS.WritableStream;
}

export const REDACTED_PATHS = [
  'password',
  'passphrase',
  'privateKey',
  'secret',
  'token',
  'body',
  'payload',
  '*.password',
  '*.passphrase',
  '*.privateKey',
  '*.secret',
  '*.token',
  '*.body',
  '*.payload',
];

export function createLogger(options: LogOptions = {}): Logger {
  const destination = options.destination ?? process.stderr;
  const base = {
    level: options.level ?? 'info',
    base: { pid: process.pid },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  if (options.pretty) {
    const colorize = (destination as { isTTY?: boolean }).isTTY === true;
    return pino(
      base,
      pretty({
        colorize,
        destination,
        ignore: 'pid,hostname',
        translateTime: 'SYS:HH:MM:ss.l',
        singleLine: true,
      }),
    );
  }
  return pino(base, destination as NodeJS.WritableStream & { write(s: string): boolean });
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

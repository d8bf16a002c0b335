// Secrets in partner files are references, never values: `env:NAME` reads an environment variable and
// `file:/path` reads a file (a mounted secret). A reference is checked for its form when the file is loaded
// and resolved only when it is used, so a rotated secret is picked up at the next connection and a missing
// one stops only the channel that needs it.
import { readFileSync } from 'node:fs';
import { GatewayError } from '../errors.ts';

/** What the partner schema accepts where a secret goes. */
export const SECRET_REFERENCE_PATTERN = '^(env:[A-Za-z_][A-Za-z0-9_]*|file:/.+)$';
const SECRET_REFERENCE = new RegExp(SECRET_REFERENCE_PATTERN);

export function isSecretReference(value: string): boolean {
  return SECRET_REFERENCE.test(value);
}

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  /** Drop one line break at the end, as `echo secret > file` leaves one (passwords; not keys). */
  trimLineBreak?: boolean;
}

/**
 * The value a reference stands for. `where` names the partner, channel and field for the message, which
 * never contains the value (nor, for a reference that is not one, what was written instead).
 */
export function resolveSecret(reference: string, where: string, options: ResolveOptions = {}): string {
  if (!SECRET_REFERENCE.test(reference)) {
    throw new GatewayError(
      'config-invalid',
      `${where} is not a secret reference (env:NAME or file:/absolute/path)`,
      false,
    );
  }
  let value: string;
  if (reference.startsWith('env:')) {
    const name = reference.slice(4);
    const found = (options.env ?? process.env)[name];
    if (found === undefined || found === '') {
      throw new GatewayError(
        'config-invalid',
        `${where}: ${reference} does not resolve: the environment variable ${name} is not set`,
        false,
      );
    }
    value = found;
  } else {
    const path = reference.slice(5);
    try {
      value = readFileSync(path, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new GatewayError(
        'config-invalid',
        `${where}: ${reference} does not resolve: cannot read ${path} (${code})`,
        false,
      );
    }
    if (value === '') {
      throw new GatewayError(
        'config-invalid',
        `${where}: ${reference} does not resolve: ${path} is empty`,
        false,
      );
    }
  }
  return options.trimLineBreak ? value.replace(/\r?\n$/, '') : value;
}

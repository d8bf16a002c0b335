import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';

import { GatewayError } from '../errors.ts';

/** Opens FILE, or standard input for '-'. Large reads keep the tokenizer's per-chunk overhead low. */
export function openInput(file: string): Readable {
  if (file === '-') return process.stdin;
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${code ?? String(e)})`;
    throw new GatewayError('input-unreadable', message, false, { cause: e });
  }
  if (!isFile) throw new GatewayError('input-unreadable', `${file}: not a regular file`, false);
  return createReadStream(file, { highWaterMark: 256 * 1024 });
}

/** Name used for stdin in messages. */
export function displayName(file: string): string {
  return file === '-' ? '<stdin>' : file;
}

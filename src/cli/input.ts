import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';

/** A usage or I/O problem: the CLI prints its message (no stack) and exits 2. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/** Opens FILE, or standard input for '-'. Large reads keep the tokenizer's per-chunk overhead low. */
export function openInput(file: string): Readable {
  if (file === '-') return process.stdin;
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(
      code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${code ?? String(e)})`,
    );
  }
  if (!isFile) throw new CliError(`${file}: not a regular file`);
  return createReadStream(file, { highWaterMark: 256 * 1024 });
}

/** Name used for stdin in messages. */
export function displayName(file: string): string {
  return file === '-' ? '<stdin>' : file;
}

// Drives OpenSSH's own `sftp` client against a server under test: batch files, key and password logins (the
// password through SSH_ASKPASS, as batch mode never prompts), a known_hosts file built from the server's host
// keys so that the host key is checked strictly, and a log capture to wait for what the server reports.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';
import { pino } from 'pino';
import type { Logger } from '../../src/log.ts';

const exec = promisify(execFile);

export interface SftpLogin {
  port: number;
  user: string;
  /** A known_hosts file that lists the server's keys (see writeKnownHosts). */
  knownHosts: string;
  /** A private key file; without it the login is by password. */
  key?: string;
  password?: string;
  /** An SSH_ASKPASS program that prints $DOCKSIDE_TEST_SFTP_PASSWORD (see writeAskpass). */
  askpass?: string;
}

export interface SftpOptions {
  /** Where local file names in the batch are relative to. */
  cwd: string;
  /** Bandwidth limit in Kbit/s (sftp -l), to make a transfer last. */
  limitKbps?: number;
  /** Keeps the client alive reading commands from a pipe instead of a batch file. */
  interactive?: boolean;
}

export interface SftpResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export async function makeClientKey(dir: string, name: string, type: 'ed25519' | 'rsa' = 'ed25519') {
  const file = join(dir, name);
  await exec('ssh-keygen', [
    '-q',
    '-t',
    type,
    ...(type === 'rsa' ? ['-b', '2048'] : []),
    '-N',
    '',
    '-C',
    name,
    '-f',
    file,
  ]);
  return { file, publicFile: `${file}.pub` };
}

export async function writeKnownHosts(file: string, port: number, publicKeys: string[]): Promise<string> {
  await writeFile(file, publicKeys.map((k) => `[127.0.0.1]:${port} ${k}\n`).join(''));
  return file;
}

export async function writeAskpass(dir: string): Promise<string> {
  const file = join(dir, 'askpass.sh');
  await writeFile(file, '#!/bin/sh\nprintf \'%s\\n\' "$DOCKSIDE_TEST_SFTP_PASSWORD"\n');
  await chmod(file, 0o700);
  return file;
}

function args(login: SftpLogin, options: SftpOptions, batchFile?: string): string[] {
  const out = [
    // Before -b, which turns batch mode on: the first value of an option wins, and batch mode would not let
    // ssh ask SSH_ASKPASS for the password.
    '-o',
    'BatchMode=no',
    ...(batchFile ? ['-b', batchFile] : []),
    '-F',
    '/dev/null',
    '-P',
    String(login.port),
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${login.knownHosts}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'NumberOfPasswordPrompts=1',
    '-o',
    'ConnectTimeout=20',
    ...(options.limitKbps ? ['-l', String(options.limitKbps)] : []),
  ];
  if (login.key) {
    out.push('-i', login.key, '-o', 'IdentitiesOnly=yes', '-o', 'PreferredAuthentications=publickey');
  } else {
    out.push('-o', 'PubkeyAuthentication=no', '-o', 'PreferredAuthentications=password');
  }
  out.push(`${login.user}@127.0.0.1`);
  return out;
}

function env(login: SftpLogin): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  if (login.key) return base;
  if (!login.askpass) throw new Error('a password login needs an askpass program');
  return {
    ...base,
    SSH_ASKPASS: login.askpass,
    SSH_ASKPASS_REQUIRE: 'force',
    DOCKSIDE_TEST_SFTP_PASSWORD: login.password ?? '',
  };
}

/** Starts the client in its own process group (so the whole of it, ssh included, can be killed at once). */
export async function spawnSftp(
  login: SftpLogin,
  commands: string[],
  options: SftpOptions,
): Promise<ChildProcess> {
  let batch: string | undefined;
  if (!options.interactive) {
    batch = join(options.cwd, `batch-${process.pid}-${Math.random().toString(36).slice(2)}`);
    await writeFile(batch, commands.map((c) => `${c}\n`).join(''));
  }
  const child = spawn('sftp', args(login, options, batch), {
    cwd: options.cwd,
    env: env(login),
    stdio: [options.interactive ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (options.interactive) for (const c of commands) child.stdin?.write(`${c}\n`);
  return child;
}

export function finished(child: ChildProcess): Promise<SftpResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs a batch of sftp commands; a command prefixed with `-` may fail without ending the batch. */
export async function runSftp(
  login: SftpLogin,
  commands: string[],
  options: SftpOptions,
): Promise<SftpResult> {
  return finished(await spawnSftp(login, commands, options));
}

/** Kills the client and its ssh at once, as a dropped connection would end them. */
export function killGroup(child: ChildProcess): void {
  if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A logger whose lines the test can read and wait for. */
export class LogCapture {
  readonly lines: LogLine[] = [];
  readonly text: string[] = [];
  private waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  readonly log: Logger;

  constructor() {
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        for (const raw of chunk.toString().split('\n')) {
          if (!raw) continue;
          this.text.push(raw);
          const line = JSON.parse(raw) as LogLine;
          this.lines.push(line);
          this.waiters = this.waiters.filter((w) => {
            if (!w.match(line)) return true;
            w.resolve(line);
            return false;
          });
        }
        done();
      },
    });
    this.log = pino({ level: 'debug' }, sink);
  }

  /** The first line (already logged or still to come) that matches. */
  waitFor(match: (l: LogLine) => boolean): Promise<LogLine> {
    const seen = this.lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  find(match: (l: LogLine) => boolean): LogLine[] {
    return this.lines.filter(match);
  }
}

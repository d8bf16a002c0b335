// What `dockside start` adds around the gateway for the demo partners: their secrets, a stand-in for a
// supplier's own SFTP server, their sample files on the first start, and a banner saying where files come from
// and where acks go.
//
// Where the "supplier's SFTP server" runs: a small demo-only server (demo-sftp-server.ts) that `start` runs on
// loopback, on the port the partner file names, serving a folder under the data directory. Not the gateway's
// own hosted server: that one takes uploads in and never lets a client read them back, which is the opposite
// of what a server the gateway polls must do. Its host key is made on the first start and pinned for the
// partner's channel in the same known-hosts file that trust on first use would write, before the first
// connection; the channel keeps `trustOnFirstUse: false`, so any other key is refused.
//
// Secrets: a partner file holds only references, and `file:` needs an absolute path, which a file in the
// repository cannot know. So the demo partners name environment variables `DOCKSIDE_DEMO_*`, whose values are
// made on this machine the first time a `dockside` command runs against those partner files, kept under
// `<data dir>/demo/secrets/` (one file per variable, mode 0600), and set by every later command from there
// when they are not set already. Nothing secret is in the repository, and the demo logins exist only where
// someone ran the demo.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import SftpClient from 'ssh2-sftp-client';
import { hostKeysDir, hostedRootDir, type GatewayConfig } from '../config/gateway.ts';
import { GatewayError, errorMessage } from '../errors.ts';
import type { Gateway } from '../main.ts';
import type { Partner } from '../partners/partner.ts';
import { outboundWhere } from '../partners/describe.ts';
import { resolveSecret } from '../partners/secrets.ts';
import { ensureDemoLogins } from './demo-console.ts';
import { sha256Fingerprint } from '../transports/host-keys.ts';
import { loadHostKeys } from '../transports/hosted-sftp/host-key.ts';
import { hashPasswordSync } from '../transports/hosted-sftp/password.ts';
import { sftpLabel } from '../transports/sftp.ts';
import { DemoSftpServer } from './demo-sftp-server.ts';

const PROJECT_ROOT = resolve(new URL('../..', import.meta.url).pathname);
const FIXTURES = join(PROJECT_ROOT, 'sftp-fixtures', 'demo');
const PREFIX = 'DOCKSIDE_DEMO_';
const REFERENCE = /env:(DOCKSIDE_DEMO_[A-Z0-9_]+)/g;

export const demoSecretsDir = (dataDir: string) => join(dataDir, 'demo', 'secrets');
/** The folder the demo supplier server of a partner serves as `/`. */
export const demoServerRoot = (dataDir: string, partnerId: string) =>
  join(dataDir, 'demo', 'sftp', partnerId);
/** The variable holding a hosted demo partner's password (its hash is `<this>_HASH`). */
export const demoPasswordVariable = (partnerId: string) =>
  `${PREFIX}${partnerId.toUpperCase().replace(/-/g, '_')}_PASSWORD`;

/**
 * Sets the `DOCKSIDE_DEMO_*` variables that the partner files refer to and that are not set, from the files
 * under `<data dir>/demo/secrets/`, making those that do not exist yet: `…_PASSWORD_HASH` is the scrypt hash
 * of a new random `…_PASSWORD` (the hosted server keeps only the hash; the password is what the user types
 * into `sftp`), any other name a new random password. Synchronous, as it runs while the command line is
 * built; it reads the partner directory only, and writes nothing unless the partner files use demo secrets.
 */
export function useDemoSecrets(
  config: Pick<GatewayConfig, 'dataDir' | 'partnersDir'>,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const wanted = new Set<string>();
  let files: string[];
  try {
    files = readdirSync(config.partnersDir).filter((f) => /\.ya?ml$/.test(f));
  } catch {
    return;
  }
  for (const f of files) {
    let text = '';
    try {
      text = readFileSync(join(config.partnersDir, f), 'utf8');
    } catch {
      // The loader reports a file it cannot read.
    }
    for (const m of text.matchAll(REFERENCE)) wanted.add(m[1]!);
  }
  const dir = demoSecretsDir(config.dataDir);
  for (const name of [...wanted].sort()) {
    if (env[name]) continue;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (name.endsWith('_PASSWORD_HASH')) {
      const passwordName = name.slice(0, -'_HASH'.length);
      const password = env[passwordName] || secretFile(dir, passwordName, newPassword);
      env[passwordName] ??= password;
      env[name] = secretFile(dir, name, () => hashPasswordSync(password));
    } else {
      env[name] = secretFile(dir, name, newPassword);
    }
  }
}

export function newPassword(): string {
  return randomBytes(18).toString('base64url');
}

/** The secret in `dir/name`, made with `make` when missing: written whole, readable by its owner only, and
 * linked into place only if no other process made it first (then theirs is the one read back). */
export function secretFile(dir: string, name: string, make: () => string): string {
  const path = join(dir, name);
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, make());
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  return readFileSync(path, 'utf8');
}

/** A partner's channel the demo serves: polled over SFTP on loopback with a demo password. */
function demoSftpChannel(partner: Partner) {
  for (const c of partner.inbound) {
    if (c.kind === 'sftp' && c.host === '127.0.0.1' && c.password?.startsWith(`env:${PREFIX}`)) return c;
  }
  return undefined;
}

export interface RunningDemo {
  /** After the gateway started: pushes the hosted partners' samples, prints the banner. */
  started(): Promise<void>;
  close(): Promise<void>;
}

/** Before the gateway polls: the demo supplier servers run, and the first start puts the samples in place. */
export async function startDemo(gateway: Gateway): Promise<RunningDemo> {
  const { config, log } = gateway;
  const marker = join(config.dataDir, '.demo-seeded');
  const firstStart = await stat(marker).then(
    () => false,
    () => true,
  );
  const shown = (path: string) => relative(process.cwd(), path) || '.';
  const lines = ['', `Dockside is running with the demo partners from ${shown(config.partnersDir)}/.`];
  const servers: DemoSftpServer[] = [];
  const pushing: Partner[] = [];
  try {
    for (const partner of gateway.partners.all()) {
      const isSuspended = partner.status === 'suspended';
      const suspended = isSuspended ? ' (suspended: not polled, no login)' : '';
      const sftp = demoSftpChannel(partner);
      const folder = partner.inbound.find((c) => c.kind === 'folder');
      if (sftp) {
        const root = demoServerRoot(config.dataDir, partner.id);
        const dirs = [...sftp.directories];
        const out = partner.outbound;
        if (out?.kind === 'sftp' && out.host === sftp.host && out.port === sftp.port)
          dirs.push(out.directory);
        for (const d of dirs) await mkdir(join(root, d), { recursive: true });
        // Ed25519 only, so that the one key pinned is the one every connection sees.
        const keys = (await loadHostKeys(join(config.dataDir, 'demo', 'sftp-keys', partner.id))).filter(
          (k) => k.type === 'ssh-ed25519',
        );
        const server = await DemoSftpServer.start({
          root,
          host: '127.0.0.1',
          port: sftp.port,
          user: sftp.user,
          password: resolveSecret(sftp.password!, `partner ${partner.id}, channel ${sftp.id}: password`, {
            trimLineBreak: true,
          }),
          hostKeys: keys,
          log: log.child({ partnerId: partner.id, demo: 'supplier sftp server' }),
        }).catch((e: unknown) => {
          throw new GatewayError(
            'config-invalid',
            `${errorMessage(e)}; to use another, change the port of ${partner.id}'s channel ${sftp.id} in ` +
              shown(partner.file),
            false,
            { cause: e },
          );
        });
        servers.push(server);
        await pinHostKey(sftp.hostKey.learnedFile, keys[0]!.publicKey);
        const inbox = join(root, sftp.directories[0]!);
        const key = keys[0]!;
        lines.push(
          `  ${partner.id}${suspended}: polled over SFTP at ${sftpLabel(sftp)}, the demo's stand-in for the supplier's ` +
            `own server (serving ${shown(root)}/).`,
          `    Files are taken from ${sftp.directories.join(', ')} there` +
            (out?.kind === 'sftp' && dirs.length > sftp.directories.length
              ? `; acknowledgments go to ${out.directory} (${shown(join(root, out.directory))}/).`
              : '.'),
          `    Its host key ${key.type} ${key.fingerprint} is pinned in ${shown(sftp.hostKey.learnedFile)}.`,
          `    Send a file as the supplier: copy it into ${shown(inbox)}/, or ` +
            `\`sftp -P ${sftp.port} ${sftp.user}@127.0.0.1\` (password in ` +
            `${shown(join(demoSecretsDir(config.dataDir), sftp.password!.slice(4)))}), ` +
            `then \`put FILE ${sftp.directories[0]!.replace(/^\//, '')}/\`.`,
        );
        if (firstStart) {
          const n = await placeSamples(partner.id, inbox);
          if (n > 0) log.info({ partnerId: partner.id, files: n }, "demo files put on the supplier's server");
        }
      } else if (folder) {
        const csv = partner.csv ?? [];
        lines.push(
          csv.length > 0
            ? `  ${partner.id}${suspended}: drop CSV files (${csv.flatMap((m) => m.files).join(', ')}) into ` +
                `${shown(folder.path)}/; they become documents, with no acknowledgment (CSV partners get none)`
            : `  ${partner.id}${suspended}: drop files into ${shown(folder.path)}/` +
                (partner.outbound?.kind === 'folder'
                  ? `; acknowledgments appear in ${shown(partner.outbound.path)}/`
                  : partner.outbound?.kind === 'ftp' || partner.outbound?.kind === 'sftp'
                    ? `; acknowledgments go to ${outboundWhere(partner.id, partner.outbound)}` +
                      // The demo runs no server there (bayline-3pl's is down on purpose, for the Operations page).
                      ', which the demo does not run: they fail, are retried, and become dead letters'
                    : ''),
        );
        if (firstStart && !isSuspended) {
          const n = await placeSamples(partner.id, folder.path);
          if (n > 0) log.info({ partnerId: partner.id, files: n }, 'demo files dropped');
        }
      }
      if (partner.hosted) {
        // A suspended partner cannot log in: its samples are pushed only by a first start (a fresh var/) after
        // it is activated.
        if (!isSuspended) pushing.push(partner);
        const passwordFile = join(demoSecretsDir(config.dataDir), demoPasswordVariable(partner.id));
        const hasDemoPassword = await stat(passwordFile).then(
          () => true,
          () => false,
        );
        if (config.sftpPort === 0) {
          lines.push(
            `  ${partner.id}${suspended}: pushes to the hosted SFTP server, which is off (DOCKSIDE_SFTP_PORT=0).`,
          );
        } else {
          lines.push(
            `  ${partner.id}${suspended}: pushes over SFTP to the gateway's hosted server, port ${config.sftpPort}` +
              (firstStart && !isSuspended
                ? '; the demo uploaded its sample files there as the partner would.'
                : '.'),
            `    Acknowledgments appear in its /outbound (${shown(join(hostedRootDir(config), partner.id, 'outbound'))}/).`,
            `    Push a file yourself: \`sftp -P ${config.sftpPort} ${partner.id}@127.0.0.1\`` +
              (hasDemoPassword ? ` (password in ${shown(passwordFile)})` : '') +
              ', then `put FILE inbound/` and `ls outbound/`.',
          );
        }
      }
    }
  } catch (e) {
    await Promise.all(servers.map((s) => s.close()));
    throw e;
  }
  const logins = config.apiPort !== 0 ? await ensureDemoLogins(gateway.db, config.dataDir) : [];
  // Said once the gateway runs, and only when this process serves the console: another process on the host
  // may hold the port, and then the link would lead to that one's logins.
  const consoleLines = () => {
    if (config.apiPort === 0) return [];
    const address = gateway.apiAddress();
    if (!address) {
      return [
        `  The console is not served by this process: port ${config.apiPort} is taken (the log says so); ` +
          'set DOCKSIDE_API_PORT to another port.',
      ];
    }
    const host = address.host === '0.0.0.0' || address.host === '::' ? '127.0.0.1' : address.host;
    return [
      `  The console is at http://${host.includes(':') ? `[${host}]` : host}:${address.port}/ ` +
        '(the HTTP API under /api). Log in as one of:',
      ...logins.map(
        (l) =>
          `    ${l.name.padEnd(10)} role ${l.role}` +
          (l.passwordFile
            ? `, password in ${shown(l.passwordFile)}`
            : ' (made before the demo; its own password)'),
      ),
    ];
  };
  const closing = [
    '  `npx dockside receipts list` (in another terminal, once this one is stopped) shows what arrived.',
    '  Stop with Ctrl-C.',
    '',
  ];

  return {
    async started() {
      if (firstStart) {
        for (const partner of pushing) {
          if (config.sftpPort === 0) continue;
          const n = await pushSamples(config, partner.id);
          if (n > 0)
            log.info({ partnerId: partner.id, files: n }, 'demo files uploaded to the hosted SFTP server');
        }
        await writeFile(marker, new Date().toISOString());
      }
      process.stderr.write(`${[...lines, ...consoleLines(), ...closing].join('\n')}\n`);
    },
    async close() {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}

async function samplesOf(partnerId: string): Promise<string[]> {
  try {
    return (await readdir(join(FIXTURES, partnerId))).filter((f) => !f.startsWith('.')).sort();
  } catch {
    return [];
  }
}

/** Copies a partner's samples into a folder under hidden names first, so a poll never sees half a file. */
async function placeSamples(partnerId: string, dir: string): Promise<number> {
  const samples = await samplesOf(partnerId);
  await mkdir(dir, { recursive: true });
  for (const s of samples) {
    const hidden = join(dir, `.${s}.copying`);
    await copyFile(join(FIXTURES, partnerId, s), hidden);
    await rename(hidden, join(dir, s));
  }
  return samples.length;
}

/** The known-hosts entry the SFTP channel reads (host-keys.ts): the demo's own server key, replaced if the
 * demo's key was made anew. */
async function pinHostKey(learnedFile: string, publicKey: string): Promise<void> {
  const blob = Buffer.from(publicKey.split(' ')[1]!, 'base64');
  const entry = { fingerprint: sha256Fingerprint(blob), keyType: publicKey.split(' ')[0], learnedAt: 'demo' };
  await mkdir(join(learnedFile, '..'), { recursive: true });
  const tmp = `${learnedFile}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify(entry)}\n`);
  await rename(tmp, learnedFile).catch(async (e: unknown) => {
    await rm(tmp, { force: true });
    throw e;
  });
}

/** Uploads a hosted partner's samples to the gateway's hosted SFTP server as the partner would: logged in with
 * its demo password, checking the server's host key against the gateway's own. */
async function pushSamples(config: GatewayConfig, partnerId: string): Promise<number> {
  const samples = await samplesOf(partnerId);
  if (samples.length === 0) return 0;
  const password = process.env[demoPasswordVariable(partnerId)];
  if (!password) return 0;
  const trusted = new Set((await loadHostKeys(hostKeysDir(config))).map((k) => k.fingerprint));
  const host = ['0.0.0.0', '::'].includes(config.sftpHost) ? '127.0.0.1' : config.sftpHost;
  const client = new SftpClient(`demo-${partnerId}`);
  try {
    await client.connect({
      host,
      port: config.sftpPort,
      username: partnerId,
      password,
      hostVerifier: (key: Buffer) => trusted.has(sha256Fingerprint(key)),
    });
    for (const s of samples) await client.put(join(FIXTURES, partnerId, s), `/inbound/${s}`);
  } catch (e) {
    throw new GatewayError(
      'channel-unavailable',
      `the demo could not upload ${partnerId}'s samples to the hosted SFTP server: ${errorMessage(e)}`,
      true,
      { cause: e },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
  return samples.length;
}

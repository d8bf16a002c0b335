// Reaching every channel of a partner the way the gateway will, one check at a time (`dockside partners test`
// and POST /api/partners/:id/test). An SSH host key is looked at before anything else is sent, and judged by
// the partner file without learning it: a test must not make the gateway trust a key nobody checked. Folders
// and servers get a probe file written and removed where acknowledgments will go. An AS2 partner's
// certificates are judged by their dates and its URL is only connected to: an AS2 message would be a real
// delivery to the partner.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { dirname, join, posix } from 'node:path';
import { connect as connectTls } from 'node:tls';
import ssh2 from 'ssh2';
import { errorMessage } from '../errors.ts';
import { silentLogger } from '../log.ts';
import { loadIdentity } from '../transports/as2/certificates.ts';
import { connectFtp, ftpLabel } from '../transports/ftp.ts';
import { keyTypeOf, sha256Fingerprint } from '../transports/host-keys.ts';
import { globToRegExp, matchesAny } from '../transports/read-lock.ts';
import type { RemoteFs } from '../transports/remote-fs.ts';
import { connectSftp, sftpLabel } from '../transports/sftp.ts';
import { as2Certificates, certificateExpiry } from './certificate-expiry.ts';
import type {
  As2Outbound,
  FolderInbound,
  FtpEndpoint,
  HostKeyPolicy,
  Partner,
  SftpEndpoint,
} from './partner.ts';

export interface CheckLine {
  ok: boolean | 'skipped';
  what: string;
  detail: string;
}

export interface TestOptions {
  /** The gateway's host keys folder (`hostKeysDir(config)`), where the hosted SFTP server keeps its key. */
  hostKeysDir: string;
  timeoutMs: number;
  report: (line: CheckLine) => void;
  /** What certificate validity is judged against (default the current time). */
  now?: Date;
}

export async function testPartner(partner: Partner, options: TestOptions): Promise<void> {
  const { report } = options;
  if (partner.inbound.length === 0 && !partner.hosted && !partner.as2) {
    report({
      ok: false,
      what: 'inbound',
      detail: 'the partner has no inbound channel, no hosted login and no as2 section',
    });
  }
  if (partner.as2) checkAs2(partner, options.now ?? new Date(), report);
  for (const c of partner.inbound) {
    const what = `inbound ${c.id}`;
    switch (c.kind) {
      case 'folder':
        await checkInboundFolder(what, c, report);
        break;
      case 'sftp':
      case 'ftp': {
        const patterns = c.patterns.map(globToRegExp);
        await withRemote(what, c.kind, c, partner.id, options, async (fs) => {
          for (const dir of c.directories) {
            try {
              const entries = await fs.list(dir);
              const files = entries.filter((e) => e.isFile);
              const taken = files.filter((e) => matchesAny(e.name, patterns)).length;
              report({
                ok: true,
                what,
                detail: `listed ${dir}: ${files.length} file(s), ${taken} matching ${c.patterns.join(' ')}`,
              });
            } catch (e) {
              report({ ok: false, what, detail: `cannot list ${dir}: ${errorMessage(e)}` });
            }
          }
        });
        break;
      }
    }
  }
  if (partner.hosted) {
    const h = partner.hosted;
    const ways = [
      ...(h.passwordHash !== undefined ? ['a password'] : []),
      ...(h.publicKeys.length > 0 ? [`${h.publicKeys.length} public key(s)`] : []),
    ];
    report(
      ways.length > 0
        ? { ok: true, what: 'hosted login', detail: `${partner.id} may log in with ${ways.join(' or ')}` }
        : {
            ok: false,
            what: 'hosted login',
            detail: 'no password hash and no public key: the partner cannot log in to the hosted SFTP server',
          },
    );
    report(await hostedServerKey(options.hostKeysDir));
  }
  const o = partner.outbound;
  if (!o) {
    report({
      ok: 'skipped',
      what: 'outbound',
      detail: 'no outbound channel: acknowledgments are recorded, not sent',
    });
    return;
  }
  switch (o.kind) {
    case 'folder':
      await probeLocalFolder('outbound', o.path, report);
      break;
    case 'hosted':
      await probeLocalFolder('outbound', join(o.root, partner.id, 'outbound'), report);
      break;
    case 'as2':
      report(await reachAs2(o, options.timeoutMs));
      break;
    case 'sftp':
    case 'ftp':
      await withRemote('outbound', o.kind, o, partner.id, options, async (fs) => {
        const probe = posix.join(o.directory, `.dockside-probe-${randomBytes(6).toString('hex')}.part`);
        try {
          // A delivery makes the folder when it is missing; so does the probe, to find out whether it can.
          await fs.mkdir(o.directory);
          await fs.upload(Buffer.from('dockside partners test\n'), probe);
          await fs.delete(probe);
          report({ ok: true, what: 'outbound', detail: `wrote and removed ${probe}` });
        } catch (e) {
          if (fs.connected) await fs.delete(probe).catch(() => undefined);
          report({
            ok: false,
            what: 'outbound',
            detail: `cannot write into ${o.directory}: ${errorMessage(e)}`,
          });
        }
      });
      break;
  }
}

/** Connects (host key first, for SFTP), reports the login, runs the checks, closes. */
async function withRemote(
  what: string,
  kind: 'sftp' | 'ftp',
  endpoint: SftpEndpoint | FtpEndpoint,
  partnerId: string,
  options: TestOptions,
  checks: (fs: RemoteFs) => Promise<void>,
): Promise<void> {
  const { report } = options;
  const owner = `partner ${partnerId}, ${what}`;
  let fs: RemoteFs;
  if (kind === 'sftp') {
    const sftp = endpoint as SftpEndpoint;
    const label = sftpLabel(sftp);
    const seen = await hostKeyOf(sftp.host, sftp.port, options.timeoutMs).catch((e: unknown) => e as Error);
    if (seen instanceof Error) {
      report({ ok: false, what, detail: `${label}: cannot connect: ${errorMessage(seen)}` });
      return;
    }
    const verdict = await judgeHostKey(sftp.hostKey, seen);
    report({ ok: verdict.trusted || verdict.onFirstUse, what, detail: `${label} host key ${verdict.text}` });
    if (!verdict.trusted && !verdict.onFirstUse) {
      report({
        ok: 'skipped',
        what,
        detail: `login and ${what === 'outbound' ? 'probe file' : 'listing'}: the host key is not trusted, so nothing is sent`,
      });
      return;
    }
    try {
      // Pinned to the key just judged, so that the test never writes a learned key.
      fs = await connectSftp(
        {
          ...sftp,
          hostKey: { ...sftp.hostKey, fingerprints: [sha256Fingerprint(seen)], trustOnFirstUse: false },
        },
        { owner, log: silentLogger(), readyTimeoutMs: options.timeoutMs },
      );
    } catch (e) {
      report({ ok: false, what, detail: errorMessage(e) });
      return;
    }
    report({ ok: true, what, detail: `logged in as ${sftp.user}` });
  } else {
    const ftp = endpoint as FtpEndpoint;
    try {
      fs = await connectFtp(ftp, { owner, timeoutMs: options.timeoutMs });
    } catch (e) {
      report({ ok: false, what, detail: errorMessage(e) });
      return;
    }
    report({
      ok: true,
      what,
      detail:
        `${ftpLabel(ftp)}: logged in as ${ftp.user}` +
        (ftp.tls.mode === 'none'
          ? ' over plain FTP (the password crossed the network readable)'
          : `, TLS ${ftp.tls.mode}, certificate ${ftp.tls.fingerprint ? 'matches the pinned fingerprint' : 'trusted'}`),
    });
  }
  try {
    await checks(fs);
  } finally {
    await fs.close();
  }
}

/** The host key an SSH server shows, read in a handshake that goes no further. */
function hostKeyOf(host: string, port: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let key: Buffer | undefined;
    client.on('error', (e) => (key ? resolve(key) : reject(e)));
    client.on('close', () => (key ? resolve(key) : reject(new Error('the server closed the connection'))));
    client.connect({
      host,
      port,
      username: 'dockside-host-key-probe',
      readyTimeout: timeoutMs,
      hostVerifier: (k: Buffer) => {
        key = k;
        resolve(k);
        client.end();
        return false;
      },
    });
  });
}

interface HostKeyVerdict {
  trusted: boolean;
  onFirstUse: boolean;
  text: string;
}

async function judgeHostKey(policy: HostKeyPolicy, key: Buffer): Promise<HostKeyVerdict> {
  const fp = sha256Fingerprint(key);
  const shown = `${keyTypeOf(key)} ${fp}`;
  if (policy.fingerprints.length > 0) {
    return policy.fingerprints.includes(fp)
      ? { trusted: true, onFirstUse: false, text: `${shown} (pinned)` }
      : {
          trusted: false,
          onFirstUse: false,
          text: `${shown} is not the pinned ${policy.fingerprints.join(' or ')}: connections are refused`,
        };
  }
  const learned = await readFile(policy.learnedFile, 'utf8').then(
    (t) => {
      try {
        const value = (JSON.parse(t) as { fingerprint?: unknown }).fingerprint;
        return typeof value === 'string' ? value : '(unreadable)';
      } catch {
        return '(unreadable)';
      }
    },
    () => undefined,
  );
  if (learned !== undefined) {
    return learned === fp
      ? { trusted: true, onFirstUse: false, text: `${shown} (as recorded in ${policy.learnedFile})` }
      : {
          trusted: false,
          onFirstUse: false,
          text: `${shown} differs from ${learned}, recorded in ${policy.learnedFile}: connections are refused`,
        };
  }
  if (policy.trustOnFirstUse) {
    return {
      trusted: false,
      onFirstUse: true,
      text: `${shown}: not pinned; the gateway will trust it at its first connection. Check it with the partner and pin it: hostKey.fingerprints: ['${fp}']`,
    };
  }
  return {
    trusted: false,
    onFirstUse: false,
    text: `${shown} is not pinned and trustOnFirstUse is off: connections are refused. Check it with the partner, then pin it: hostKey.fingerprints: ['${fp}']`,
  };
}

async function checkInboundFolder(
  what: string,
  c: FolderInbound,
  report: (l: CheckLine) => void,
): Promise<void> {
  let names: string[];
  try {
    names = await readdir(c.path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      report({ ok: false, what, detail: `cannot list ${c.path}: ${errorMessage(e)}` });
      return;
    }
    const parent = await writableAncestor(dirname(c.path));
    report(
      parent.ok
        ? {
            ok: true,
            what,
            detail: `${c.path} does not exist yet; the gateway makes it when the channel starts`,
          }
        : { ok: false, what, detail: `${c.path} does not exist and cannot be made: ${parent.why}` },
    );
    return;
  }
  const patterns = c.patterns.map(globToRegExp);
  const taken = names.filter((n) => matchesAny(n, patterns)).length;
  report({
    ok: true,
    what,
    detail: `listed ${c.path}: ${names.length} entries, ${taken} matching ${c.patterns.join(' ')}`,
  });
  // Taken files are moved or deleted, which needs the folder writable.
  if (c.completion.kind !== 'leave') {
    try {
      await access(c.path, constants.W_OK);
      report({
        ok: true,
        what,
        detail: `${c.path} is writable (files are ${c.completion.kind}d once stored)`,
      });
    } catch (e) {
      report({
        ok: false,
        what,
        detail: `${c.path} is not writable, files cannot be ${c.completion.kind}d: ${errorMessage(e)}`,
      });
    }
  }
}

async function probeLocalFolder(what: string, path: string, report: (l: CheckLine) => void): Promise<void> {
  const probe = join(path, `.dockside-probe-${randomBytes(6).toString('hex')}.part`);
  try {
    // Deliveries make the folder when it is missing; so does the probe.
    await mkdir(path, { recursive: true });
    await writeFile(probe, 'dockside partners test\n', { flag: 'wx' });
    await rm(probe);
    report({ ok: true, what, detail: `wrote and removed ${probe}` });
  } catch (e) {
    await rm(probe, { force: true }).catch(() => undefined);
    report({ ok: false, what, detail: `cannot write into ${path}: ${errorMessage(e)}` });
  }
}

async function writableAncestor(dir: string): Promise<{ ok: true } | { ok: false; why: string }> {
  for (let d = dir; ; d = dirname(d)) {
    try {
      await access(d, constants.F_OK);
    } catch {
      if (dirname(d) === d) return { ok: false, why: 'no folder above it exists' };
      continue;
    }
    try {
      await access(d, constants.W_OK);
      return { ok: true };
    } catch {
      return { ok: false, why: `${d} is not writable` };
    }
  }
}

/** The hosted server's own key, which the partner pins; read if it exists (the server makes it at start). */
async function hostedServerKey(keysDir: string): Promise<CheckLine> {
  const what = 'hosted server';
  const file = join(keysDir, 'ssh_host_ed25519_key');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return {
      ok: true,
      what,
      detail: `no host key yet (${file}); the gateway makes it at its first start: run this again then, for the fingerprint to give the partner`,
    };
  }
  const key = ssh2.utils.parseKey(text);
  if (key instanceof Error) return { ok: false, what, detail: `${file} is not a usable key: ${key.message}` };
  const blob = key.getPublicSSH();
  return {
    ok: true,
    what,
    detail: `host key ${keyTypeOf(blob)} ${sha256Fingerprint(blob)}: give the partner this fingerprint to pin`,
  };
}

/** Each certificate's dates, and each of our keys against its certificate. An expired certificate fails: the
 * partner's software refuses it even though ours, pinning it, would not notice. */
function checkAs2(partner: Partner, now: Date, report: (l: CheckLine) => void): void {
  const as2 = partner.as2!;
  report({
    ok: true,
    what: 'as2',
    detail: `AS2-From ${as2.as2Id}, AS2-To ${as2.ourAs2Id}; requires ${
      [...(as2.requireSigned ? ['signed'] : []), ...(as2.requireEncrypted ? ['encrypted'] : [])].join(
        ' and ',
      ) || 'neither signed nor encrypted'
    } messages`,
  });
  for (const { role, certificate } of as2Certificates(partner)) {
    const expiry = certificateExpiry(certificate, now);
    report({
      ok: expiry.state !== 'expired',
      what: 'as2',
      detail: `${role} ${certificate.subject} (${certificate.ref}): ${expiry.text}`,
    });
  }
  as2.identities.forEach((k, i) => {
    const which = as2.identities.length > 1 ? ` #${i + 1}` : '';
    try {
      loadIdentity(k.certificate.pem, k.privateKeyPem);
      report({
        ok: true,
        what: 'as2',
        detail: `our private key${which} (${k.privateKeyRef}) matches its certificate (${k.certificate.ref})`,
      });
    } catch (e) {
      report({
        ok: false,
        what: 'as2',
        detail: `our private key${which} (${k.privateKeyRef}): ${errorMessage(e)}`,
      });
    }
  });
}

/** Whether the AS2 URL's host takes a connection (a TLS handshake, certificate checked, for https); nothing is
 * sent, so the partner sees no message. */
async function reachAs2(o: As2Outbound, timeoutMs: number): Promise<CheckLine> {
  const what = 'outbound';
  const url = new URL(o.url);
  const tls = url.protocol === 'https:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || (tls ? 443 : 80));
  const where = `${url.host}${tls ? ' (TLS)' : ''}`;
  try {
    await new Promise<void>((resolve, reject) => {
      // Closed once what is written is out (the end of a TLS handshake), so the server sees a clean close.
      const ready = () => {
        socket.end(() => socket.destroy());
        resolve();
      };
      const socket: Socket = tls
        ? connectTls({ host, port, ...(isIP(host) ? {} : { servername: host }) }, ready)
        : connectTcp({ host, port }, ready);
      socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
      socket.once('error', reject);
    });
  } catch (e) {
    return { ok: false, what, detail: `AS2 ${o.url}: cannot connect to ${where}: ${errorMessage(e)}` };
  }
  return {
    ok: true,
    what,
    detail: `AS2 ${o.url}: ${where} accepts connections (nothing sent); ${o.mdn} MDN${
      o.mdn === 'async' ? ` to ${o.asyncMdnUrl}` : ''
    }, sign ${o.sign}, encrypt ${o.encrypt}`,
  };
}

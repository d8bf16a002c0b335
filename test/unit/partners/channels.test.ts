import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayError } from '../../../src/errors.ts';
import { loadPartners } from '../../../src/partners/load.ts';
import type { Partner } from '../../../src/partners/partner.ts';
import { hashPassword } from '../../../src/transports/hosted-sftp/password.ts';

const DATA_DIR = '/srv/dockside/var';
const HEAD = `id: acme
name: Acme
identities: [{ qualifier: ZZ, id: ACME }]
`;
const FP = 'SHA256:rDfvbp3YzcrgFYotisok+DolKm9GhioK3OmxM7xXytI';
const PUBLIC_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJYwhew5duVj+ufx/9uRAW+wgw3o5IEy390we619vRkj acme@laptop';

describe('partner channels', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dockside-channels-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function load(body: string, env: NodeJS.ProcessEnv = {}): Promise<Partner> {
    await writeFile(join(dir, 'acme.yaml'), HEAD + body);
    return loadPartners(dir, { dataDir: DATA_DIR, env }).get('acme')!;
  }

  /** The lines of the error, each `acme.yaml:LINE:COL: message`, without the directory. */
  async function problems(body: string, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
    await writeFile(join(dir, 'acme.yaml'), HEAD + body);
    try {
      loadPartners(dir, { dataDir: DATA_DIR, env });
    } catch (e) {
      assert.ok(e instanceof GatewayError, String(e));
      assert.equal(e.code, 'config-invalid');
      return e.message
        .split('\n')
        .slice(1)
        .map((l) => l.trim().replace(`${dir}/`, ''));
    }
    assert.fail('the partner file was accepted');
  }

  const SFTP = `channels:
  inbound:
    - kind: sftp
      id: pull
      host: sftp.acme.example
      user: dockside
      password: env:ACME_SFTP_PASSWORD
      hostKey: { fingerprints: ['${FP}'] }
      directories: [/outbound]
`;

  it('reads an SFTP channel and fills its documented defaults', async () => {
    const p = await load(SFTP);
    assert.deepEqual(p.inbound, [
      {
        kind: 'sftp',
        id: 'pull',
        host: 'sftp.acme.example',
        port: 22,
        user: 'dockside',
        password: 'env:ACME_SFTP_PASSWORD',
        hostKey: {
          fingerprints: [FP],
          trustOnFirstUse: false,
          learnedFile: join(DATA_DIR, 'known-hosts', 'acme', 'pull@sftp.acme.example_22'),
        },
        directories: ['/outbound'],
        pollIntervalMs: 2000,
        patterns: ['*'],
        maxFilesPerPoll: 100,
        readLock: { kind: 'changed', checks: 2, doneFile: '{name}.done' },
        completion: { kind: 'delete', to: 'archive' },
        backoffMaxMs: 300_000,
      },
    ]);
  });

  it('keeps secret references unresolved until a connection needs them', async () => {
    const p = await load(
      SFTP.replace('password: env:ACME_SFTP_PASSWORD', 'privateKey: file:/run/secrets/acme_key'),
    );
    const c = p.inbound[0]!;
    assert.ok(c.kind === 'sftp');
    assert.equal(c.privateKey, 'file:/run/secrets/acme_key');
    assert.equal(c.password, undefined);
  });

  it('refuses a password written into the file, at its line and column, without repeating it', async () => {
    const lines = await problems(SFTP.replace('env:ACME_SFTP_PASSWORD', 'hunter2'));
    assert.deepEqual(lines, [
      'acme.yaml:10:17: channels.inbound[0].password must be a secret reference (env:NAME or file:/absolute/path); the secret itself does not belong in a partner file',
    ]);
    assert.ok(!lines.join('\n').includes('hunter2'));
  });

  it('refuses a private key written into the file', async () => {
    const lines = await problems(
      SFTP.replace('password: env:ACME_SFTP_PASSWORD', 'privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----"'),
    );
    assert.equal(lines.length, 1);
    assert.match(
      lines[0]!,
      /^acme\.yaml:10:19: channels\.inbound\[0\]\.privateKey must be a secret reference/,
    );
  });

  it('refuses a fingerprint that is not in the OpenSSH SHA256 form, saying what the form is', async () => {
    const lines = await problems(SFTP.replace(FP, 'MD5:aa:bb'));
    assert.equal(lines.length, 1);
    assert.match(
      lines[0]!,
      /channels\.inbound\[0\]\.hostKey\.fingerprints\[0\] must be an OpenSSH SHA256 fingerprint/,
    );
  });

  it('needs a password or a private key on an SFTP channel', async () => {
    const lines = await problems(SFTP.replace('      password: env:ACME_SFTP_PASSWORD\n', ''));
    assert.deepEqual(lines, [
      'acme.yaml:6:7: channels.inbound[0] needs a password or a privateKey (as a secret reference)',
    ]);
  });

  it('names the allowed kinds once for an unknown kind', async () => {
    const lines = await problems('channels:\n  inbound:\n    - kind: as3\n      id: x\n');
    assert.deepEqual(lines, [
      'acme.yaml:6:13: channels.inbound[0].kind must be equal to one of the allowed values: folder, sftp, ftp',
    ]);
  });

  it('points at a setting that belongs to another kind of channel', async () => {
    const lines = await problems(
      SFTP.replace('directories: [/outbound]', 'directories: [/outbound]\n      path: /x'),
    );
    assert.deepEqual(lines, ['acme.yaml:13:7: channels.inbound[0].path is not a known setting']);
  });

  describe('FTP', () => {
    const FTP = `channels:
  inbound:
    - kind: ftp
      id: legacy
      host: ftp.acme.example
      user: dockside
      password: file:/run/secrets/acme_ftp
      directories: [/out]
`;

    it('uses explicit TLS on port 21 unless told otherwise', async () => {
      const c = (await load(FTP)).inbound[0]!;
      assert.ok(c.kind === 'ftp');
      assert.deepEqual([c.port, c.tls], [21, { mode: 'explicit' }]);
    });

    it('uses port 990 for implicit TLS, pins a fingerprint in upper case, and finds a relative CA file under the data directory', async () => {
      const fp = Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0')).join(':');
      const c = (
        await load(`${FTP}      tls: { mode: implicit, ca: certs/acme.pem, fingerprint: '${fp}' }\n`)
      ).inbound[0]!;
      assert.ok(c.kind === 'ftp');
      assert.deepEqual(c.port, 990);
      assert.deepEqual(c.tls, {
        mode: 'implicit',
        ca: join(DATA_DIR, 'certs/acme.pem'),
        fingerprint: fp.toUpperCase(),
      });
    });

    it('refuses a CA or fingerprint on plain FTP', async () => {
      const lines = await problems(`${FTP}      tls: { mode: none, ca: /x.pem }\n`);
      assert.deepEqual(lines, [
        'acme.yaml:12:12: channels.inbound[0].tls has a ca or fingerprint but mode none',
      ]);
    });

    it('needs a password', async () => {
      const lines = await problems(FTP.replace('      password: file:/run/secrets/acme_ftp\n', ''));
      assert.deepEqual(lines, [
        'acme.yaml:6:7: channels.inbound[0] needs a password (as a secret reference)',
      ]);
    });
  });

  describe('outbound', () => {
    it('borrows the login of an inbound channel of the same kind', async () => {
      const p = await load(`${SFTP}  outbound: { kind: sftp, channel: pull, directory: /inbound }\n`);
      const inbound = p.inbound[0]!;
      assert.ok(inbound.kind === 'sftp');
      assert.deepEqual(p.outbound, {
        kind: 'sftp',
        host: inbound.host,
        port: inbound.port,
        user: inbound.user,
        password: inbound.password,
        hostKey: inbound.hostKey,
        directory: '/inbound',
      });
    });

    it('takes a login of its own, with its own learned host key', async () => {
      const p = await load(
        `channels:\n  outbound:\n    kind: sftp\n    host: drop.acme.example\n    port: 2222\n    user: acks\n` +
          `    privateKey: file:/run/secrets/k\n    hostKey: { trustOnFirstUse: true }\n    directory: in\n`,
      );
      assert.deepEqual(p.outbound, {
        kind: 'sftp',
        host: 'drop.acme.example',
        port: 2222,
        user: 'acks',
        privateKey: 'file:/run/secrets/k',
        hostKey: {
          fingerprints: [],
          trustOnFirstUse: true,
          learnedFile: join(DATA_DIR, 'known-hosts', 'acme', 'outbound@drop.acme.example_2222'),
        },
        directory: 'in',
      });
    });

    it('refuses to borrow from a channel that is not there or of another kind, or to borrow and name a host', async () => {
      assert.deepEqual(await problems(`${SFTP}  outbound: { kind: ftp, channel: pull, directory: /in }\n`), [
        'acme.yaml:13:35: channels.outbound.channel is not an inbound ftp channel of this partner',
      ]);
      assert.deepEqual(
        await problems(
          `${SFTP}  outbound: { kind: sftp, channel: pull, host: h, user: u, directory: /in }\n`,
        ),
        [
          'acme.yaml:13:13: channels.outbound names both a channel to borrow the login from and a host or user',
        ],
      );
      assert.deepEqual(await problems(`${SFTP}  outbound: { kind: sftp, directory: /in }\n`), [
        'acme.yaml:13:13: channels.outbound needs host and user, or channel: the id of an inbound sftp channel',
      ]);
    });

    it('sends to the hosted server under the data directory', async () => {
      const p = await load('channels:\n  outbound: { kind: hosted }\n');
      assert.deepEqual(p.outbound, { kind: 'hosted', root: join(DATA_DIR, 'hosted') });
    });
  });

  describe('hosted login', () => {
    it('resolves the password hash and public keys, from the file or from files it names', async () => {
      const hash = await hashPassword('pw', { logN: 10, r: 8, p: 1 });
      await writeFile(join(dir, 'acme.hash'), `${hash}\n`);
      await writeFile(
        join(dir, 'keys'),
        `# the partner's keys\n${PUBLIC_KEY}\n\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJXPsUzyCExC7GsUlb92vraCvxQA6ZCwd0k0FnEZLzQu\n`,
      );
      const p = await load(
        `hosted:\n  passwordHash: file:${join(dir, 'acme.hash')}\n  publicKeys:\n    - ${PUBLIC_KEY}\n    - file:${join(dir, 'keys')}\n`,
      );
      assert.equal(p.hosted?.passwordHash, hash);
      assert.equal(p.hosted?.publicKeys.length, 3);
      assert.equal(p.hosted?.publicKeys[0], PUBLIC_KEY);
    });

    it('has no hosted login unless the file gives one, and no keys unless listed', async () => {
      assert.equal((await load('')).hosted, undefined);
      const env = { ACME_HASH: await hashPassword('pw', { logN: 10, r: 8, p: 1 }) };
      assert.deepEqual((await load('hosted:\n  passwordHash: env:ACME_HASH\n', env)).hosted, {
        passwordHash: env.ACME_HASH,
        publicKeys: [],
      });
    });

    it('refuses a hash written into the file, a reference that does not resolve, and a value that is not a hash', async () => {
      assert.match(
        (await problems('hosted:\n  passwordHash: $scrypt$ln=15\n'))[0]!,
        /^acme\.yaml:5:17: hosted\.passwordHash must be a secret reference/,
      );
      assert.deepEqual(await problems('hosted:\n  passwordHash: env:ACME_HASH\n'), [
        'acme.yaml:5:17: hosted.passwordHash does not resolve: the environment variable ACME_HASH is not set',
      ]);
      assert.deepEqual(await problems('hosted:\n  passwordHash: env:ACME_HASH\n', { ACME_HASH: 'plain' }), [
        'acme.yaml:5:17: hosted.passwordHash env:ACME_HASH is not a usable scrypt hash ($scrypt$ln=…,r=…,p=…$salt$hash): expected $scrypt$ln=N,r=N,p=N$salt$hash (base64 salt and hash), see docs/hosted-sftp.md',
      ]);
    });

    it('refuses a public key that is not one, or a key file that cannot be read, at its position', async () => {
      await writeFile(join(dir, 'bad-keys'), `${PUBLIC_KEY}\nssh-ed25519 not-base64!\n`);
      const lines = await problems(
        `hosted:\n  publicKeys:\n    - ssh-ed25519 AAAA\n    - file:${join(dir, 'bad-keys')}\n    - file:${join(dir, 'none')}\n`,
      );
      assert.deepEqual(lines, [
        'acme.yaml:6:7: hosted.publicKeys[0] is not an OpenSSH public key (type base64 [comment])',
        `acme.yaml:7:7: hosted.publicKeys[1] file:${join(dir, 'bad-keys')}: a line is not an OpenSSH public key (type base64 [comment])`,
        `acme.yaml:8:7: hosted.publicKeys[2] cannot read ${join(dir, 'none')} (ENOENT)`,
      ]);
    });
  });
});

describe("the compose demo's partners", () => {
  const root = join(import.meta.dirname, '..', '..', '..');

  it('poll acme-widget over SFTP on partner-sftp, with the password of a compose secret the gateways mount', async () => {
    const { parse } = await import('yaml');
    const dir = loadPartners(join(root, 'docker', 'partners'), { dataDir: '/var/lib/dockside' });
    const acme = dir.get('acme-widget')!;
    const pull = acme.inbound[0]!;
    assert.ok(pull.kind === 'sftp');
    assert.deepEqual(
      [pull.host, pull.port, pull.user, pull.directories],
      ['partner-sftp', 2222, 'acme', ['/outbound']],
    );
    assert.ok(acme.outbound?.kind === 'sftp');
    assert.deepEqual([acme.outbound.host, acme.outbound.directory], ['partner-sftp', '/inbound']);
    const compose = parse(readFileSync(join(root, 'docker', 'compose.yaml'), 'utf8'), { merge: true }) as {
      services: Record<string, { secrets?: string[]; environment?: Record<string, string> }>;
      secrets: Record<string, { file: string }>;
    };
    const secret = /^file:\/run\/secrets\/(.+)$/.exec(pull.password ?? '')?.[1];
    assert.ok(secret && compose.secrets[secret], `no compose secret for ${pull.password}`);
    assert.equal(readFileSync(join(root, 'docker', compose.secrets[secret].file), 'utf8').trim(), 'acme');
    for (const name of ['gateway-1', 'gateway-2']) {
      assert.ok(compose.services[name]?.secrets?.includes(secret), `${name} does not mount ${secret}`);
      assert.equal(compose.services[name]?.environment?.DOCKSIDE_PARTNERS_DIR, '/etc/dockside/partners');
    }
    assert.deepEqual(
      dir.all().map((p) => p.id),
      ['acme-widget', 'tchome'],
    );
  });
});

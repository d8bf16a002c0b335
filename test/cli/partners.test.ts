// `dockside partners list|show|validate|new|certify` as a user runs them, each on a partner directory and a
// data directory of its own. (`partners test` needs servers: test/service/partners-cli.test.ts; its AS2 checks,
// which need no more than a listening socket, are here.)
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '../../src/transports/hosted-sftp/password.ts';
import { ROOT } from '../helpers/golden.ts';

const GOLDEN = join(ROOT, 'test/golden/partners-certify');

interface Site {
  root: string;
  partners: string;
  data: string;
}

function site(): Site {
  const root = mkdtempSync(join(tmpdir(), 'dockside-partners-cli-'));
  const partners = join(root, 'partners');
  mkdirSync(partners);
  return { root, partners, data: join(root, 'var') };
}

function dockside(s: Site, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/dockside.js'), ...args], {
    cwd: s.root,
    env: {
      ...process.env,
      DATABASE_URL: '',
      REDIS_URL: '',
      DOCKSIDE_LOG_LEVEL: 'warn',
      DOCKSIDE_PARTNERS_DIR: s.partners,
      DOCKSIDE_DATA_DIR: s.data,
      ...env,
    },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same, without blocking this process: for tests whose servers run in it. */
function docksideAsync(s: Site, args: string[], env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/dockside.js'), ...args], {
      cwd: s.root,
      env: {
        ...process.env,
        DATABASE_URL: '',
        REDIS_URL: '',
        DOCKSIDE_LOG_LEVEL: 'warn',
        DOCKSIDE_PARTNERS_DIR: s.partners,
        DOCKSIDE_DATA_DIR: s.data,
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A self-signed certificate and its key made by openssl, `days` long (-1: it ended yesterday). */
function certificatePair(
  dir: string,
  name: string,
  days: number,
  extra: string[] = [],
): { cert: string; key: string } {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  if (days > 0) {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        String(days),
        '-subj',
        `/CN=${name}`,
        ...extra,
      ].concat(['-keyout', key, '-out', cert]),
      { stdio: 'ignore' },
    );
  } else {
    const csr = join(dir, `${name}.csr`);
    execFileSync(
      'openssl',
      ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', key, '-out', csr],
      {
        stdio: 'ignore',
      },
    );
    execFileSync(
      'openssl',
      ['x509', '-req', '-in', csr, '-signkey', key, '-days', String(days), '-set_serial', '7', '-out', cert],
      {
        stdio: 'ignore',
      },
    );
  }
  return { cert, key };
}

/** The day a certificate ends, as the commands print it. */
function endDay(cert: string): string {
  return new Date(new X509Certificate(readFileSync(cert)).validTo).toISOString().slice(0, 10);
}

const AS2_PARTNER = (id: string, partnerCert: string, ours: { cert: string; key: string }, url: string) =>
  [
    `id: ${id}`,
    `name: ${id}`,
    `identities: [{ qualifier: ZZ, id: ${id.toUpperCase()} }]`,
    'as2:',
    `  as2Id: ${id.toUpperCase()}-AS2`,
    '  ourAs2Id: DOCKSIDE',
    `  certificate: file:${partnerCert}`,
    `  identities: [{ certificate: 'file:${ours.cert}', privateKey: 'file:${ours.key}' }]`,
    'channels:',
    `  outbound: { kind: as2, url: '${url}' }`,
    '',
  ].join('\n');

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

const SFTP_PARTNER = [
  'id: north',
  'name: North Freight',
  'status: testing',
  'identities: [{ qualifier: ZZ, id: NORTHFREIGHT }, { qualifier: "01", id: "123456789" }]',
  'acknowledgments: { functional: "997", ta1: always }',
  "specOverlays: [{ set: '856', version: '004010', positions: { DTM: { usage: M } } }]",
  'contacts: [{ name: Dana Ortiz, email: edi@north.example, role: edi }]',
  'channels:',
  '  inbound:',
  '    - kind: sftp',
  '      id: pull',
  '      host: sftp.north.example',
  '      user: dockside',
  '      password: env:NORTH_SFTP_PASSWORD',
  "      hostKey: { fingerprints: ['SHA256:rDfvbp3YzcrgFYotisok+DolKm9GhioK3OmxM7xXytI'] }",
  '      directories: [/out]',
  '  outbound: { kind: sftp, channel: pull, directory: /in }',
  '',
].join('\n');

const FOLDER_PARTNER = (id: string, isa: string) =>
  [
    `id: ${id}`,
    `name: ${id}`,
    `identities: [{ qualifier: ZZ, id: ${isa} }]`,
    'channels:',
    `  inbound: [{ kind: folder, id: drop, path: drop/${id}/in }]`,
    `  outbound: { kind: folder, path: drop/${id}/out }`,
    '',
  ].join('\n');

describe('dockside partners (command line)', function () {
  this.timeout(180_000);

  describe('list', () => {
    it('prints each partner with its status and channels, and says no file was received yet', () => {
      const s = site();
      writeFileSync(join(s.partners, 'north.yaml'), SFTP_PARTNER);
      writeFileSync(join(s.partners, 'acme.yaml'), FOLDER_PARTNER('acme', 'ACMEWIDGET'));
      const r = dockside(s, ['partners', 'list']);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.split('\n');
      assert.match(lines[0]!, /^partner\s+status\s+channels\s+last file\s+last error$/);
      assert.match(lines[1]!, /^acme\s+active\s+in folder:drop; out folder\s+none yet\s+-$/);
      assert.match(lines[2]!, /^north\s+testing\s+in sftp:pull; out sftp\s+none yet\s+-$/);
      assert.match(r.stdout, /no database yet: no file has been received/);
    });

    it('shows the last file received and the last rejected one from the receipts', () => {
      const s = site();
      writeFileSync(join(s.partners, 'acme.yaml'), FOLDER_PARTNER('acme', 'ACMEWIDGET'));
      writeFileSync(join(s.partners, 'tchome.yaml'), FOLDER_PARTNER('tchome', 'TCHOME'));
      const samples = join(GOLDEN, 'samples');
      const ingest = dockside(s, [
        'ingest',
        join(samples, 'asn-with-errors.edi'),
        join(samples, 'asn-accepted.edi'),
        '--partner',
        'acme',
      ]);
      assert.equal(ingest.code, 0, ingest.stderr);
      const r = dockside(s, ['partners', 'list']);
      assert.equal(r.code, 0, r.stderr);
      const acme = r.stdout.split('\n').find((l) => l.startsWith('acme'))!;
      assert.match(acme, /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d asn-accepted\.edi \(accepted\)/);
      assert.match(acme, /receipt 1: rejected, line 4: BSN04 \(Time\) is not a valid time: '2460'$/);
      assert.match(r.stdout, /\ntchome\s+active\s+in folder:drop; out folder\s+none yet\s+-\n/);
    });

    it('still lists the registry when a running gateway holds the embedded database, and says so', () => {
      const s = site();
      writeFileSync(join(s.partners, 'acme.yaml'), FOLDER_PARTNER('acme', 'ACMEWIDGET'));
      mkdirSync(join(s.data, 'db'), { recursive: true });
      // The lock file of a live process (this test runner) is what a running gateway leaves.
      writeFileSync(join(s.data, 'db.lock'), String(process.pid));
      const r = dockside(s, ['partners', 'list']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^acme\s+active\s+in folder:drop; out folder\s+\?\s+\?$/m);
      assert.match(
        r.stdout,
        /last file and last error unknown: the embedded database is in use by a running gateway/,
      );
    });
  });

  describe('show', () => {
    it('prints identities, the ack policy and where each channel points, with secret references only', () => {
      const s = site();
      writeFileSync(join(s.partners, 'north.yaml'), SFTP_PARTNER);
      const r = dockside(s, ['partners', 'show', 'north'], { NORTH_SFTP_PASSWORD: 'hunter2-secret' });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^partner north {2}North Freight$/m);
      assert.match(r.stdout, /identities {2}ZZ\/NORTHFREIGHT, 01\/123456789/);
      assert.match(r.stdout, /acks {8}functional 997, TA1 always/);
      assert.match(r.stdout, /overlay {5}856 004010: narrows DTM/);
      assert.match(r.stdout, /contact {5}Dana Ortiz <edi@north\.example> \(edi\)/);
      assert.match(r.stdout, /inbound {5}sftp pull: sftp:\/\/dockside@sftp\.north\.example:22 \/out/);
      assert.match(r.stdout, /password env:NORTH_SFTP_PASSWORD/);
      assert.match(r.stdout, /host key pinned: SHA256:rDfvbp3YzcrgFYotisok\+DolKm9GhioK3OmxM7xXytI/);
      assert.match(r.stdout, /outbound {4}sftp: sftp:\/\/dockside@sftp\.north\.example:22 \/in/);
      assert.doesNotMatch(r.stdout, /hunter2/);
    });

    it('shows the hosted login by its reference, never the hash', async () => {
      const s = site();
      const hash = await hashPassword('pw', { logN: 10, r: 8, p: 1 });
      writeFileSync(
        join(s.partners, 'pusher.yaml'),
        [
          'id: pusher',
          'name: Pusher',
          'identities: [{ qualifier: ZZ, id: PUSHER }]',
          'hosted: { passwordHash: env:PUSHER_HASH }',
          'channels: { outbound: { kind: hosted } }',
          '',
        ].join('\n'),
      );
      const r = dockside(s, ['partners', 'show', 'pusher'], { PUSHER_HASH: hash });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /hosted SFTP login pusher: password hash env:PUSHER_HASH, 0 public key\(s\)/);
      assert.ok(!r.stdout.includes(hash.split('$').at(-1)!));
    });

    it('shows each CSV mapping: its files, the document it makes, its encoding and grouping', () => {
      const s = site();
      copyFileSync(join(ROOT, 'partners/nordic-parts.yaml'), join(s.partners, 'nordic-parts.yaml'));
      const r = dockside(s, ['partners', 'show', 'nordic-parts']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        /^ {2}csv {9}ship-notices: ASN_\*\.csv -> advance-ship-notice \(windows-1252, ';', header row, grouped by Sändningsnr\)$/m,
      );
      assert.match(r.stdout, /^ {2}csv {9}invoices: INV_\*\.csv -> invoice /m);
    });

    it('exits 2 for an unknown id and names the known ones', () => {
      const s = site();
      writeFileSync(join(s.partners, 'north.yaml'), SFTP_PARTNER);
      const r = dockside(s, ['partners', 'show', 'south']);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, 'dockside: there is no partner "south" (known: north)\n');
    });
  });

  describe('validate', () => {
    it('exits 0 and counts the files of the partner directory when all are valid', () => {
      const s = site();
      writeFileSync(join(s.partners, 'north.yaml'), SFTP_PARTNER);
      writeFileSync(join(s.partners, 'acme.yaml'), FOLDER_PARTNER('acme', 'ACMEWIDGET'));
      const r = dockside(s, ['partners', 'validate'], { NORTH_SFTP_PASSWORD: 'set' });
      assert.equal(r.code, 0, r.stdout);
      assert.equal(r.stdout, '2 partner files valid\n');
    });

    it("reports a channel's secret reference that does not resolve where it runs", () => {
      const s = site();
      writeFileSync(join(s.partners, 'north.yaml'), SFTP_PARTNER);
      const r = dockside(s, ['partners', 'validate'], { NORTH_SFTP_PASSWORD: '' });
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^partners\/north\.yaml:\d+:\d+: .*NORTH_SFTP_PASSWORD.*not set/m);
    });

    it('exits 1 and prints file:line:col: message for each problem of the files given', () => {
      const s = site();
      const bad = join(s.root, 'bad.yaml');
      writeFileSync(bad, SFTP_PARTNER.replace('user: dockside', 'user: dockside\n      port: 70000'));
      const twin = join(s.root, 'twin.yaml');
      writeFileSync(twin, FOLDER_PARTNER('twin', 'NORTHFREIGHT'));
      const r = dockside(s, ['partners', 'validate', 'bad.yaml', 'twin.yaml']);
      assert.equal(r.code, 1);
      const lines = r.stdout.trim().split('\n');
      assert.match(lines[0]!, /^bad\.yaml:14:13: channels\.inbound\[0\]\.port must be .*65535/);
      assert.equal(lines.at(-1), '1 problem(s) in 2 partner file(s)');
    });

    it('reports an id or ISA identity claimed twice among the files given', () => {
      const s = site();
      writeFileSync(join(s.root, 'a.yaml'), FOLDER_PARTNER('alpha', 'SAMEISA'));
      writeFileSync(join(s.root, 'b.yaml'), FOLDER_PARTNER('beta', 'SAMEISA'));
      const r = dockside(s, ['partners', 'validate', 'a.yaml', 'b.yaml']);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^b\.yaml:3:35: .*ZZ\/SAMEISA is already claimed by a\.yaml:3:35 /m);
    });

    it('exits 2 for a file that cannot be read', () => {
      const s = site();
      const r = dockside(s, ['partners', 'validate', 'missing.yaml']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^dockside: missing\.yaml: cannot read/);
    });
  });

  describe('new', () => {
    for (const template of ['sftp-x12', 'hosted-sftp', 'folder-csv', 'ftp-x12']) {
      it(`writes a ${template} starter that validates once its variables are set`, async () => {
        const s = site();
        const r = dockside(s, ['partners', 'new', 'blue-star', '--template', template]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^wrote partners\/blue-star\.yaml \(template /);
        const text = readFileSync(join(s.partners, 'blue-star.yaml'), 'utf8');
        assert.match(text, /^# yaml-language-server: \$schema=\.\/schema\.json\n/);
        assert.match(text, /^id: blue-star$/m);
        // Every env: reference in the file is one the output asks for.
        const asked = [...r.stdout.matchAll(/^ {2}([A-Z_]+) {2}/gm)].map((m) => m[1]!);
        const named = [
          ...text
            .split('\n')
            .filter((l) => !l.trimStart().startsWith('#'))
            .join('\n')
            .matchAll(/: env:([A-Z0-9_]+)/g),
        ].map((m) => m[1]!);
        assert.deepEqual(asked.sort(), [...new Set(named)].sort());
        const env: NodeJS.ProcessEnv = {};
        for (const name of asked) {
          env[name] = name.endsWith('_HASH') ? await hashPassword('pw', { logN: 10, r: 8, p: 1 }) : 'x';
        }
        const v = dockside(s, ['partners', 'validate'], env);
        assert.equal(v.code, 0, v.stdout);
        assert.equal(v.stdout, '1 partner file valid\n');
        if (template === 'folder-csv') assert.match(text, /^csv:\n {2}- name: ship-notices$/m);
      });
    }

    it('names the variables to set, and validate says which one is missing', () => {
      const s = site();
      const r = dockside(s, ['partners', 'new', 'pusher', '--template', 'hosted-sftp']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /set these environment variables.*\n {2}PUSHER_HOSTED_PASSWORD_HASH {2}/);
      const v = dockside(s, ['partners', 'validate']);
      assert.equal(v.code, 1);
      assert.match(
        v.stdout,
        /^partners\/pusher\.yaml:\d+:\d+: hosted\.passwordHash does not resolve: the environment variable PUSHER_HOSTED_PASSWORD_HASH is not set$/m,
      );
    });

    it('makes the partner directory when it does not exist yet', () => {
      const s = site();
      const r = dockside(s, ['partners', 'new', 'first', '--template', 'folder-csv'], {
        DOCKSIDE_PARTNERS_DIR: join(s.root, 'fresh', 'partners'),
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(readFileSync(join(s.root, 'fresh', 'partners', 'first.yaml'), 'utf8'), /^id: first$/m);
    });

    it('refuses to overwrite an existing file and leaves it as it was', () => {
      const s = site();
      writeFileSync(join(s.partners, 'north.yaml'), SFTP_PARTNER);
      const r = dockside(s, ['partners', 'new', 'north', '--template', 'folder-csv']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /partners\/north\.yaml already exists/);
      assert.equal(readFileSync(join(s.partners, 'north.yaml'), 'utf8'), SFTP_PARTNER);
    });

    it('refuses an id the registry cannot hold, and a template it does not know', () => {
      const s = site();
      assert.equal(dockside(s, ['partners', 'new', 'Bad_Id', '--template', 'sftp-x12']).code, 2);
      const r = dockside(s, ['partners', 'new', 'ok', '--template', 'x400']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /Allowed choices are sftp-x12, hosted-sftp, folder-csv, ftp-x12, as2/);
    });
  });

  describe('as2', () => {
    let certs: string;
    let ours: { cert: string; key: string };
    before(function () {
      this.timeout(120_000);
      certs = mkdtempSync(join(tmpdir(), 'dockside-partners-as2-'));
      ours = certificatePair(certs, 'ours', 730);
    });

    it('lists the AS2 id and warns of each certificate that expires within 30 days or has expired', () => {
      const s = site();
      const soon = certificatePair(certs, 'soon', 12);
      const edge = certificatePair(certs, 'edge', 30);
      const fine = certificatePair(certs, 'fine', 31);
      const gone = certificatePair(certs, 'gone', -1);
      const url = 'http://127.0.0.1:9/as2';
      writeFileSync(join(s.partners, 'soon.yaml'), AS2_PARTNER('soon', soon.cert, ours, url));
      writeFileSync(join(s.partners, 'edge.yaml'), AS2_PARTNER('edge', edge.cert, ours, url));
      writeFileSync(join(s.partners, 'fine.yaml'), AS2_PARTNER('fine', fine.cert, ours, url));
      // Our own certificate expiring is reported as well as the partner's.
      writeFileSync(join(s.partners, 'gone.yaml'), AS2_PARTNER('gone', fine.cert, gone, url));
      const r = dockside(s, ['partners', 'list']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^fine\s+active\s+in as2:FINE-AS2; out as2\s+none yet\s+-$/m);
      const warnings = r.stdout.split('\n').filter((l) => l.startsWith('warning:'));
      assert.deepEqual(warnings, [
        `warning: edge: the partner's certificate CN=edge (file:${edge.cert}): certificate expires in 30 days (${endDay(edge.cert)})`,
        `warning: gone: our certificate CN=gone (file:${gone.cert}): certificate EXPIRED on ${endDay(gone.cert)}`,
        `warning: soon: the partner's certificate CN=soon (file:${soon.cert}): certificate expires in 12 days (${endDay(soon.cert)})`,
      ]);
    });

    it('shows the as2 section and the as2 channel with references, never a key', () => {
      const s = site();
      const theirs = certificatePair(certs, 'theirs', 365);
      writeFileSync(
        join(s.partners, 'acme.yaml'),
        AS2_PARTNER('acme', theirs.cert, ours, 'https://as2.acme.example/as2'),
      );
      const r = dockside(s, ['partners', 'show', 'acme']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        /^ {2}as2 {9}AS2-From ACME-AS2, AS2-To DOCKSIDE; requires signed and encrypted messages; at most 4 at once$/m,
      );
      assert.match(
        r.stdout,
        new RegExp(
          `^ {14}partner certificate file:${theirs.cert}: CN=theirs, valid \\d{4}-\\d\\d-\\d\\d to ${endDay(theirs.cert)}$`,
          'm',
        ),
      );
      assert.match(
        r.stdout,
        new RegExp(
          `^ {14}our certificate file:${ours.cert}: CN=ours, .*; private key file:${ours.key}$`,
          'm',
        ),
      );
      assert.match(r.stdout, /^ {14}async MDNs to the host of its AS2 URL \(no as2\.asyncMdnUrls\)$/m);
      assert.match(r.stdout, /^ {2}outbound {4}as2: AS2 https:\/\/as2\.acme\.example\/as2 \(sync MDN\)$/m);
      assert.match(
        r.stdout,
        /^ {14}sign sha256, encrypt aes-256-cbc \(rsa-pkcs1\), not compressed; signed sync MDN; request timeout 60000 ms$/m,
      );
      assert.doesNotMatch(r.stdout, /BEGIN|PRIVATE KEY/);
    });

    it('test: reports each certificate and key, and connects to the AS2 URL without sending anything', async () => {
      const s = site();
      const theirs = certificatePair(certs, 'theirs-soon', 5);
      const received: Buffer[] = [];
      let connections = 0;
      const server = createServer((socket) => {
        connections++;
        socket.on('data', (d: Buffer) => received.push(d));
        socket.on('error', () => undefined);
      });
      const port = await listen(server);
      try {
        writeFileSync(
          join(s.partners, 'acme.yaml'),
          AS2_PARTNER('acme', theirs.cert, ours, `http://127.0.0.1:${port}/as2`),
        );
        const r = await docksideAsync(s, ['partners', 'test', 'acme', '--timeout', '5']);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.deepEqual(r.stdout.split('\n'), [
          'ok      as2: AS2-From ACME-AS2, AS2-To DOCKSIDE; requires signed and encrypted messages',
          `ok      as2: the partner's certificate CN=theirs-soon (file:${theirs.cert}): certificate expires in 5 days (${endDay(theirs.cert)})`,
          `ok      as2: our certificate CN=ours (file:${ours.cert}): certificate valid until ${endDay(ours.cert)}`,
          `ok      as2: our private key (file:${ours.key}) matches its certificate (file:${ours.cert})`,
          `ok      outbound: AS2 http://127.0.0.1:${port}/as2: 127.0.0.1:${port} accepts connections (nothing sent); sync MDN, sign sha256, encrypt aes-256-cbc`,
          'partner acme: every check passed',
          '',
        ]);
        assert.equal(connections, 1);
        assert.equal(Buffer.concat(received).length, 0);
      } finally {
        server.close();
      }
    });

    it('test: fails an expired certificate and an AS2 URL that refuses connections', async () => {
      const s = site();
      const gone = certificatePair(certs, 'gone-partner', -1);
      const closed = createServer();
      const port = await listen(closed);
      await new Promise((resolve) => closed.close(resolve));
      writeFileSync(
        join(s.partners, 'acme.yaml'),
        AS2_PARTNER('acme', gone.cert, ours, `http://127.0.0.1:${port}/as2`),
      );
      const r = await docksideAsync(s, ['partners', 'test', 'acme', '--timeout', '5']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stdout,
        new RegExp(
          `^FAILED  as2: the partner's certificate CN=gone-partner \\(file:${gone.cert}\\): certificate EXPIRED on ${endDay(gone.cert)}$`,
          'm',
        ),
      );
      assert.match(
        r.stdout,
        new RegExp(
          `^FAILED  outbound: AS2 http://127\\.0\\.0\\.1:${port}/as2: cannot connect to 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`,
          'm',
        ),
      );
      assert.match(r.stdout, /^partner acme: 2 check\(s\) failed$/m);
    });

    it('test: completes a TLS handshake for https, checking the server certificate', async () => {
      const s = site();
      const theirs = certificatePair(certs, 'theirs-tls', 365);
      const tlsCert = certificatePair(certs, 'localhost', 30, ['-addext', 'subjectAltName=DNS:localhost']);
      let handshakes = 0;
      const server = createTlsServer(
        { cert: readFileSync(tlsCert.cert), key: readFileSync(tlsCert.key) },
        (socket) => {
          handshakes++;
          socket.on('error', () => undefined);
        },
      );
      server.on('tlsClientError', () => undefined);
      const port = await listen(server);
      try {
        writeFileSync(
          join(s.partners, 'acme.yaml'),
          AS2_PARTNER('acme', theirs.cert, ours, `https://localhost:${port}/as2`),
        );
        const untrusted = await docksideAsync(s, ['partners', 'test', 'acme', '--timeout', '5']);
        assert.equal(untrusted.code, 1);
        assert.match(
          untrusted.stdout,
          new RegExp(
            `^FAILED  outbound: AS2 https://localhost:${port}/as2: cannot connect to localhost:${port} \\(TLS\\): self.signed certificate`,
            'm',
          ),
        );
        const trusted = await docksideAsync(s, ['partners', 'test', 'acme', '--timeout', '5'], {
          NODE_EXTRA_CA_CERTS: tlsCert.cert,
        });
        assert.equal(trusted.code, 0, trusted.stdout);
        assert.match(
          trusted.stdout,
          new RegExp(
            `^ok      outbound: AS2 https://localhost:${port}/as2: localhost:${port} \\(TLS\\) accepts connections \\(nothing sent\\)`,
            'm',
          ),
        );
        assert.equal(handshakes, 1);
      } finally {
        server.close();
      }
    });

    it('new --template as2: a commented starter that validates once its certificate files exist', () => {
      const s = site();
      const r = dockside(s, ['partners', 'new', 'blue-star', '--template', 'as2']);
      assert.equal(r.code, 0, r.stderr);
      const dir = join(s.data, 'as2', 'blue-star');
      assert.match(
        r.stdout,
        /^put these files in place \(the file is read when the gateway loads it, and refused without them\):$/m,
      );
      const files = [...r.stdout.matchAll(/^ {2}(\/\S+) {2}/gm)].map((m) => m[1]!);
      assert.deepEqual(files, [join(dir, 'partner.pem'), join(dir, 'our.pem'), join(dir, 'our.key')]);
      const text = readFileSync(join(s.partners, 'blue-star.yaml'), 'utf8');
      assert.match(
        text,
        /^# AS2-To\. This file validates once the three certificate and key files below exist/m,
      );
      assert.match(text, /^as2:\n {2}as2Id: BLUESTAR-AS2 /m);
      assert.match(text, /^ {4}kind: as2$/m);

      const before = dockside(s, ['partners', 'validate']);
      assert.equal(before.code, 1);
      assert.equal((before.stdout.match(/does not resolve: cannot read .* \(ENOENT\)$/gm) ?? []).length, 3);

      // What the file's comment says to run makes our pair; the partner's certificate comes from the partner.
      const ourCommand = text.match(/^# {3}(openssl req .*) \\\n# {5}(-keyout .*)$/m);
      assert.ok(ourCommand, 'the starter shows how to make our certificate');
      execFileSync('sh', ['-c', `${ourCommand[1]!} ${ourCommand[2]!}`], { stdio: 'ignore' });
      certificatePair(dir, 'partner', 365);
      const after = dockside(s, ['partners', 'validate']);
      assert.equal(after.code, 0, after.stdout);
      assert.equal(after.stdout, '1 partner file valid\n');
    });
  });

  describe('certify', () => {
    const samples = ['asn-accepted.edi', 'asn-with-errors.edi', 'invoice-other-sender.edi'].map((f) =>
      join(GOLDEN, 'samples', f),
    );
    const golden = (): Site => {
      const s = site();
      copyFileSync(join(GOLDEN, 'partners', 'acme.yaml'), join(s.partners, 'acme.yaml'));
      return s;
    };

    it('prints per file the outcome, the issues with their position and the acks it would send', () => {
      const r = dockside(golden(), ['partners', 'certify', 'acme', ...samples]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^asn-accepted\.edi: accepted$/m);
      assert.match(
        r.stdout,
        /^ {8}error invalid-time line 4 segment 4 \(BSN\) element 4: BSN04 \(Time\) is not a valid time: '2460'$/m,
      );
      assert.match(r.stdout, /^ {2}ack TA1 000000001 for interchange 000009901:$/m);
      assert.match(r.stdout, /^ {4}TA1\*000009901\*261121\*1600\*R\*006~$/m);
    });

    it('prints the document each accepted set becomes, and none for a rejected one', () => {
      const r = dockside(golden(), ['partners', 'certify', 'acme', ...samples]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^ {2}set 856 0001, line 3 -> advance-ship-notice:$/m);
      assert.match(r.stdout, /^ {6}"shipmentId": "SHP2026112001",$/m);
      // One accepted set in three samples: the others are rejected or refused.
      assert.equal(r.stdout.match(/ -> advance-ship-notice:| -> invoice:/g)?.length, 1);
    });

    it("reads a CSV sample with the partner's CSV mapping and prints its documents and bad rows", () => {
      const s = site();
      const csvGolden = join(ROOT, 'test/golden/csv/asn-bad-rows');
      copyFileSync(join(csvGolden, 'partner.yaml'), join(s.partners, 'golden-bad-asn.yaml'));
      copyFileSync(join(csvGolden, 'asn-bad.csv'), join(s.root, 'asn-bad.csv'));
      const r = dockside(s, ['partners', 'certify', 'golden-bad-asn', 'asn-bad.csv']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        /^asn-bad\.csv: partially accepted \(CSV, mapping asn for advance-ship-notice, \d+ row\(s\), 2 document\(s\)\)$/m,
      );
      assert.match(r.stdout, /^ {2}error invalid-value line 4 column Qty: /m);
      assert.match(r.stdout, /^ {2}document 1 -> advance-ship-notice:$/m);
      assert.match(r.stdout, /^ {6}"shipmentId": "SHP-1",$/m);
      assert.match(r.stdout, /^ {2}no acknowledgment would be sent \(CSV partners get none\)$/m);
    });

    it('passes against the expected folder and exits 0', () => {
      const r = dockside(golden(), [
        'partners',
        'certify',
        'acme',
        ...samples,
        '--expect',
        join(GOLDEN, 'expected'),
      ]);
      assert.equal(r.code, 0, r.stdout);
      assert.match(r.stdout, /all 3 sample\(s\) as expected\n$/);
    });

    it('exits 1 against a stale expected folder and prints the difference', () => {
      const r = dockside(golden(), [
        'partners',
        'certify',
        'acme',
        ...samples,
        '--expect',
        join(GOLDEN, 'stale'),
      ]);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /as expected \(.*stale\/asn-accepted\.edi\.expected\.txt\)/);
      assert.match(r.stdout, /DIFFERENT from .*stale\/asn-with-errors\.edi\.expected\.txt/);
      assert.match(r.stdout, /^ {4}\+ {9}error invalid-time line 4 segment 4 \(BSN\) element 4/m);
      assert.match(r.stdout, /^ {4}\+ {5}AK4\*4\*337\*9\*2460~$/m);
      assert.match(r.stdout, /^ {4}- {5}SE\*10\*0001~\n {4}\+ {5}SE\*12\*0001~$/m);
      assert.match(r.stdout, /1 of 3 sample\(s\) differ from what is expected\n$/);
    });

    it('writes expected files that a later --expect run accepts, and is the same at every run', () => {
      const s = golden();
      const dir = join(s.root, 'expected');
      const w = dockside(s, ['partners', 'certify', 'acme', ...samples, '--write-expected', dir]);
      assert.equal(w.code, 0, w.stderr);
      assert.equal(
        readFileSync(join(dir, 'asn-with-errors.edi.expected.txt'), 'utf8'),
        readFileSync(join(GOLDEN, 'expected', 'asn-with-errors.edi.expected.txt'), 'utf8'),
      );
      const e = dockside(s, ['partners', 'certify', 'acme', ...samples, '--expect', dir]);
      assert.equal(e.code, 0, e.stdout);
    });

    it('dates the acks with --now, so a different time is a difference', () => {
      const r = dockside(golden(), [
        'partners',
        'certify',
        'acme',
        samples[0]!,
        '--now',
        '2026-03-04T05:06:00Z',
        '--expect',
        join(GOLDEN, 'expected'),
      ]);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^ {4}\+ {5}ISA\*.*\*260304\*0506\*/m);
    });

    it("validates with the partner's spec overlays, as the gateway does", () => {
      const s = golden();
      writeFileSync(
        join(s.partners, 'acme.yaml'),
        readFileSync(join(GOLDEN, 'partners', 'acme.yaml'), 'utf8') +
          [
            'specOverlays:',
            "  - set: '856'",
            "    version: '004010'",
            "    positions: { BSN: { elements: { '01': { codes: ['05'] } } } }",
            '',
          ].join('\n'),
      );
      const r = dockside(s, ['partners', 'certify', 'acme', samples[0]!]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^asn-accepted\.edi: rejected$/m);
      assert.match(
        r.stdout,
        /^ {8}error invalid-code line 4 segment 4 \(BSN\) element 1: BSN01 .* has '00', which is not one of its codes \(05\)$/m,
      );
      assert.match(r.stdout, /^ {4}AK5\*R\*5~$/m);
    });

    it('prints the ack the running gateway sends for the same file, but for its date', () => {
      const s = golden();
      const ingest = dockside(s, ['ingest', samples[1]!, '--partner', 'acme']);
      assert.equal(ingest.code, 0, ingest.stderr);
      const shown = dockside(s, ['receipts', 'show', '1', '--json']);
      assert.equal(shown.code, 0, shown.stderr);
      const sent = (JSON.parse(shown.stdout) as { acknowledgments: { body: string }[] }).acknowledgments;
      assert.equal(sent.length, 1);
      const certified = dockside(s, ['partners', 'certify', 'acme', samples[1]!]);
      assert.equal(certified.code, 0, certified.stderr);
      const ackLines = certified.stdout
        .split('\n')
        .filter((l) => /^ {4}[A-Z][A-Z0-9]{1,2}\*/.test(l))
        .map((l) => l.trim());
      // ISA09/ISA10 and GS04/GS05 carry the time the ack was made.
      const undated = (segment: string) =>
        segment
          .replace(/^(ISA(?:\*[^*]*){8})\*\d{6}\*\d{4}/, '$1*DATE*TIME')
          .replace(/^(GS(?:\*[^*]*){3})\*\d{8}\*\d{4}/, '$1*DATE*TIME');
      assert.deepEqual(ackLines.map(undated), sent[0]!.body.split('\n').filter(Boolean).map(undated));
    });

    it('marks an interchange repeated in the same file as a duplicate and answers it with a TA1 only', () => {
      const s = golden();
      const twice = join(s.root, 'twice.edi');
      writeFileSync(twice, readFileSync(samples[0]!, 'latin1').repeat(2), 'latin1');
      const r = dockside(s, ['partners', 'certify', 'acme', twice]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^twice\.edi: partially-accepted$/m);
      assert.match(r.stdout, /^ {2}interchange 000008801 .*, line 38: duplicate$/m);
      assert.match(
        r.stdout,
        /^ {4}error duplicate-interchange line 38 segment 38 \(ISA\) element 13: .*already received in this file, at line 1;/m,
      );
      assert.match(r.stdout, /^ {2}ack 997 000000001 for interchange 000008801:$/m);
      assert.match(r.stdout, /^ {2}ack TA1 000000002 for interchange 000008801:$/m);
    });

    it('reports a file that is not X12, or empty, as rejected with no ack', () => {
      const s = golden();
      writeFileSync(join(s.root, 'orders.csv'), 'po,qty\n1,2\n');
      writeFileSync(join(s.root, 'empty.edi'), '');
      const r = dockside(s, ['partners', 'certify', 'acme', 'orders.csv', 'empty.edi']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        /^orders\.csv: rejected \(no interchange\)\n {2}error not-x12 line 1 segment 1: expected an X12 interchange starting with 'ISA'.*\n {2}no acknowledgment would be sent$/m,
      );
      assert.match(
        r.stdout,
        /^empty\.edi: rejected \(no interchange\)\n {2}the file is empty\n {2}no acknowledgment/m,
      );
    });

    it('exits 2 for an unknown partner and for a sample that cannot be read', () => {
      assert.equal(dockside(golden(), ['partners', 'certify', 'nobody', samples[0]!]).code, 2);
      const r = dockside(golden(), ['partners', 'certify', 'acme', 'nowhere.edi']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^dockside: nowhere\.edi: cannot read/);
    });
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../../src/log.ts';
import { loadPartners } from '../../../src/partners/load.ts';
import type { Partner } from '../../../src/partners/partner.ts';
import { StaticPartnerDirectory } from '../../../src/partners/partner.ts';
import {
  LivePartnerDirectory,
  PartnerReloader,
  diffDirectories,
  type PartnerChange,
} from '../../../src/partners/reload.ts';
import type { Db } from '../../../src/store/db.ts';
import { auditOf } from '../../../src/store/queries/audit.ts';
import { testPartner } from '../../helpers/pipeline.ts';
import { engines } from '../../helpers/store.ts';

const DATA_DIR = '/srv/dockside/var';

function partnerFile(id: string, isa: string, pollIntervalMs = 1000, extra = ''): string {
  return `id: ${id}
name: Partner ${id}
identities:
  - qualifier: ZZ
    id: ${isa}
channels:
  inbound:
    - kind: folder
      id: drop
      path: drop/${id}
      pollIntervalMs: ${pollIntervalMs}
${extra}`;
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const [engine] = engines();

describe('PartnerReloader', function () {
  this.timeout(60_000);
  let dir: string;
  let db: Db;
  let live: LivePartnerDirectory;
  let reloader: PartnerReloader;
  let logLines: string[];
  let applied: PartnerChange[][];

  beforeEach(async () => {
    db = await engine!.open();
    dir = await mkdtemp(join(tmpdir(), 'dockside-reload-'));
    await writeFile(join(dir, 'acme.yaml'), partnerFile('acme', 'ACME'));
    await writeFile(join(dir, 'globex.yaml'), partnerFile('globex', 'GLOBEX'));
    live = new LivePartnerDirectory(loadPartners(dir, { dataDir: DATA_DIR }));
    logLines = [];
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => logLines.push(...chunk.toString().split('\n').filter(Boolean)));
    applied = [];
    reloader = new PartnerReloader({
      dir,
      load: { dataDir: DATA_DIR },
      directory: live,
      db,
      log: createLogger({ destination: stream }),
      debounceMs: 50,
      onApplied: (changes) => {
        applied.push(changes);
        return Promise.resolve();
      },
    });
    await reloader.start();
  });

  afterEach(async () => {
    await reloader.close();
    await rm(dir, { recursive: true, force: true });
  });

  const pollInterval = () => {
    const c = live.get('acme')?.inbound[0];
    return c?.pollIntervalMs;
  };

  it('applies a valid change to a file without a restart and audits it as file-watch', async () => {
    const before = live.current;
    await writeFile(join(dir, 'acme.yaml'), partnerFile('acme', 'ACME', 5000, 'status: testing\n'));
    await until('the change to be applied', () => pollInterval() === 5000);
    assert.notEqual(live.current, before);
    assert.equal(live.get('acme')?.status, 'testing');

    await until('the audit row', async () => (await auditOf(db, 'partner', 'acme')).length === 1);
    const [row] = await auditOf(db, 'partner', 'acme');
    assert.equal(row!.actor, 'file-watch');
    assert.equal(row!.action, 'partner-changed');
    assert.ok(row!.at instanceof Date);
    assert.deepEqual(row!.details, {
      file: join(dir, 'acme.yaml'),
      changes: ['status: "active" → "testing"', 'inbound[0].pollIntervalMs: 1000 → 5000'],
    });
    assert.deepEqual(await auditOf(db, 'partner', 'globex'), []);
    assert.deepEqual(
      applied.map((changes) => changes.map((c) => [c.partnerId, c.kind, c.channelsChanged])),
      [[['acme', 'changed', true]]],
    );
  });

  it('applies a change whose file event was lost, found by the periodic rescan', async () => {
    await reloader.close();
    // A reloader whose watcher hears nothing: only the rescan can notice the change.
    reloader = new PartnerReloader({
      dir,
      load: { dataDir: DATA_DIR },
      directory: live,
      db,
      log: createLogger({ destination: new PassThrough() }),
      debounceMs: 50,
      rescanMs: 100,
    });
    await reloader.start();
    await (reloader as unknown as { watcher: { close(): Promise<void> } }).watcher.close();
    await writeFile(join(dir, 'acme.yaml'), partnerFile('acme', 'ACME', 7000));
    await until('the rescan to apply the change', () => pollInterval() === 7000);
    assert.equal((await auditOf(db, 'partner', 'acme'))[0]!.actor, 'file-watch');
  });

  it('reads a burst of writes once, after it settles', async () => {
    for (const interval of [2000, 3000, 4000]) {
      await writeFile(join(dir, 'acme.yaml'), partnerFile('acme', 'ACME', interval));
    }
    await until('the last write to be applied', () => pollInterval() === 4000);
    await new Promise((r) => setTimeout(r, 200));
    const rows = await auditOf(db, 'partner', 'acme');
    assert.deepEqual(
      rows.map((r) => (r.details as { changes: string[] }).changes),
      [['inbound[0].pollIntervalMs: 1000 → 4000']],
    );
  });

  it('refuses an invalid change, logs every error with its position, and keeps the last good config', async () => {
    const good = live.current;
    await writeFile(
      join(dir, 'acme.yaml'),
      partnerFile('acme', 'ACME', 5, 'status: live\n').replace('name: Partner acme\n', ''),
    );
    await until('the refusal to be logged', () => logLines.some((l) => l.includes('keeps running')));
    assert.equal(live.current, good);
    assert.equal(pollInterval(), 1000);
    const refused = logLines.filter((l) => l.includes('partner change refused'));
    assert.equal(refused.length, 3, logLines.join('\n'));
    assert.match(refused.join('\n'), /acme\.yaml:1:1: the file must have required property 'name'/);
    assert.match(
      refused.join('\n'),
      /acme\.yaml:10:23: channels\.inbound\[0\]\.pollIntervalMs must be at least 100/,
    );
    assert.match(refused.join('\n'), /acme\.yaml:11:9: status must be equal to one of the allowed values/);
    assert.deepEqual(await auditOf(db, 'partner', 'acme'), []);
    assert.deepEqual(applied, []);

    await writeFile(join(dir, 'acme.yaml'), partnerFile('acme', 'ACME', 3000));
    await until('the corrected file to be applied', () => pollInterval() === 3000);
  });

  it('refuses a new file that claims an identity already taken, naming both files', async () => {
    await writeFile(join(dir, 'copy.yaml'), partnerFile('copy', 'ACME'));
    await until('the refusal', () => logLines.some((l) => l.includes('keeps running')));
    assert.equal(live.get('copy'), undefined);
    const line = logLines.find((l) => l.includes('already claimed'));
    assert.ok(
      line?.includes(`${join(dir, 'copy.yaml')}:5:9`) && line.includes(`${join(dir, 'acme.yaml')}:5:9`),
      line,
    );
  });

  it('adds and removes partners with the files, auditing each', async () => {
    await writeFile(join(dir, 'initech.yaml'), partnerFile('initech', 'INITECH'));
    await unlink(join(dir, 'globex.yaml'));
    await until('both changes', () => live.get('initech') !== undefined && live.get('globex') === undefined);
    await until('the audit rows', async () => (await auditOf(db, 'partner', 'globex')).length === 1);
    const [added] = await auditOf(db, 'partner', 'initech');
    assert.equal(added!.action, 'partner-added');
    assert.deepEqual((added!.details as { changes: string[] }).changes, [
      'name: "Partner initech"',
      'status: active',
      'identities: ZZ/INITECH',
      'inbound: drop (folder)',
      'outbound: none',
    ]);
    const [removed] = await auditOf(db, 'partner', 'globex');
    assert.equal(removed!.action, 'partner-removed');
  });

  it('names the OS user for a reload someone asked for, and changes nothing when nothing changed', async () => {
    assert.deepEqual(await reloader.reload(), { applied: true, changes: [] });
    await reloader.close();
    await writeFile(join(dir, 'acme.yaml'), partnerFile('acme', 'ACME', 4000));
    const outcome = await reloader.reload();
    assert.equal(outcome.applied, true);
    assert.equal(pollInterval(), 4000);
    const [row] = await auditOf(db, 'partner', 'acme');
    assert.equal(row!.actor, userInfo().username);
  });
});

describe('diffDirectories', () => {
  const base = testPartner('acme', 'ACME', '/tmp', {
    hosted: { passwordHash: '$scrypt$ln=15,r=8,p=1$c2FsdA$aGFzaA', publicKeys: ['ssh-ed25519 AAAA one'] },
  });
  const dirOf = (...partners: Partner[]) => new StaticPartnerDirectory(partners);

  it('says a secret field changed without showing either value', () => {
    const after: Partner = {
      ...base,
      hosted: { passwordHash: '$scrypt$ln=15,r=8,p=1$c2FsdA$b3RoZXI', publicKeys: ['ssh-ed25519 AAAA two'] },
      inbound: [
        {
          kind: 'sftp',
          id: 'pull',
          host: 'sftp.example',
          port: 22,
          user: 'u',
          password: 'env:ACME_PW',
          hostKey: { fingerprints: [], trustOnFirstUse: false, learnedFile: '/k' },
          directories: ['out'],
          pollIntervalMs: 1000,
          patterns: ['*'],
          maxFilesPerPoll: 100,
          readLock: { kind: 'changed', checks: 2, doneFile: '{name}.done' },
          completion: { kind: 'delete', to: 'archive' },
          backoffMaxMs: 300000,
        },
      ],
    };
    const [change] = diffDirectories(dirOf(base), dirOf(after));
    const text = change!.changes.join('\n');
    assert.ok(change!.changes.includes('hosted.passwordHash: changed (value not shown)'), text);
    assert.ok(change!.changes.includes('hosted.publicKeys: changed (value not shown)'), text);
    assert.ok(change!.changes.includes('inbound[0].password: set (value not shown)'), text);
    assert.ok(change!.changes.includes('inbound[0].host: added "sftp.example"'), text);
    assert.doesNotMatch(text, /b3RoZXI|c2FsdA|AAAA|ACME_PW/);
    assert.equal(change!.channelsChanged, true);
  });

  it('shows a changed AS2 certificate by its reference, subject and dates, never a key or PEM', () => {
    const cert = (subject: string, end: string) => ({
      pem: `-----BEGIN CERTIFICATE-----\nPEM${subject}\n-----END CERTIFICATE-----\n`,
      ref: `file:/etc/dockside/as2/${subject}.pem`,
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date(end),
      subject: `CN=${subject}`,
    });
    const as2 = (partnerCert: ReturnType<typeof cert>, key: string) => ({
      as2Id: 'ACME-AS2',
      ourAs2Id: 'DOCKSIDE',
      certificate: partnerCert,
      identities: [
        {
          certificate: cert('ours', '2028-01-01T00:00:00Z'),
          privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${key}\n-----END PRIVATE KEY-----\n`,
          privateKeyRef: 'file:/etc/dockside/as2/ours.key',
        },
      ],
      requireSigned: true,
      requireEncrypted: true,
      maxConcurrent: 4,
    });
    const before = { ...base, as2: as2(cert('old', '2026-12-31T00:00:00Z'), 'KEYONE') };
    const after = { ...base, as2: as2(cert('new', '2027-12-31T00:00:00Z'), 'KEYTWO') };
    const [change] = diffDirectories(dirOf(before), dirOf(after));
    assert.deepEqual(change!.changes, [
      'as2.certificate.pem: changed (value not shown)',
      'as2.certificate.ref: "file:/etc/dockside/as2/old.pem" → "file:/etc/dockside/as2/new.pem"',
      'as2.certificate.notAfter: "2026-12-31T00:00:00.000Z" → "2027-12-31T00:00:00.000Z"',
      'as2.certificate.subject: "CN=old" → "CN=new"',
      'as2.identities[0].privateKeyPem: changed (value not shown)',
    ]);
    assert.doesNotMatch(change!.changes.join('\n'), /KEYONE|KEYTWO|PEMold|PEMnew/);
  });

  it('does not restart channels for a change outside them', () => {
    const [change] = diffDirectories(dirOf(base), dirOf({ ...base, duplicateWindowHours: 24 }));
    assert.deepEqual(change, {
      partnerId: 'acme',
      kind: 'changed',
      file: 'acme.yaml',
      changes: ['duplicateWindowHours: 720 → 24'],
      channelsChanged: false,
    });
  });

  it('finds nothing when only the file moved', () => {
    assert.deepEqual(diffDirectories(dirOf(base), dirOf({ ...base, file: 'elsewhere.yaml' })), []);
  });
});

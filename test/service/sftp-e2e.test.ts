// End to end through a real gateway (openGateway: PostgreSQL, the in-process queue, the partner registry read
// from YAML): an 856 dropped on the partner's SFTP server (a real sshd) becomes a receipt, and its 997 comes
// back over the partner's outbound SFTP channel into the inbound folder on that server. A partner whose
// server cannot be reached gets its ack marked failed with the reason after the last retry, which
// `dockside receipts show` prints.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chownSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { loadGatewayConfig } from '../../src/config/gateway.ts';
import { createLogger } from '../../src/log.ts';
import { openGateway, type Gateway } from '../../src/main.ts';
import { freshDatabase, until } from '../helpers/cluster.ts';
import { ROOT } from '../helpers/golden.ts';
import { GOLDEN_856, withEnvelope } from '../helpers/pipeline.ts';
import { Sshd, freePort, sshdUnavailable } from '../helpers/sshd.ts';
import { PG_URL } from '../helpers/store.ts';

const USER = 'dockside-sftp2';
const PASSWORD_ENV = 'DOCKSIDE_TEST_E2E_SFTP_PASSWORD';
const run = promisify(execFile);

interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

describe('a partner on SFTP, end to end', function () {
  this.timeout(120_000);
  let sshd: Sshd;
  let gateway: Gateway | undefined;
  let root: string;
  let env: Record<string, string>;
  const lines: LogLine[] = [];

  before(async function () {
    const why = sshdUnavailable() ?? (PG_URL ? undefined : 'DOCKSIDE_TEST_DATABASE_URL is not set');
    if (why) {
      if (process.env.CI) throw new Error(why);
      this.skip();
    }
    sshd = await Sshd.start({ users: [USER] });
    process.env[PASSWORD_ENV] = sshd.account(USER).password;
    root = join(tmpdir(), `dockside-sftp-e2e-${process.pid}`);
    const partnersDir = join(root, 'partners');
    mkdirSync(partnersDir, { recursive: true });
    const pull = [
      '    - kind: sftp',
      '      id: pull',
      '      host: 127.0.0.1',
      '      user: dockside-sftp2',
      `      password: env:${PASSWORD_ENV}`,
      `      hostKey: { fingerprints: ['${sshd.fingerprints()[0]}'] }`,
      '      directories: [/outbound]',
      '      patterns: ["*.edi"]',
      '      pollIntervalMs: 300',
    ];
    writeFileSync(
      join(partnersDir, 'acme.yaml'),
      [
        'id: acme',
        'name: Acme',
        'identities: [{ qualifier: ZZ, id: ACMEWIDGET }]',
        'channels:',
        '  inbound:',
        ...pull.map((l) => l.replace('host: 127.0.0.1', `host: 127.0.0.1\n      port: ${sshd.port}`)),
        '  outbound: { kind: sftp, channel: pull, directory: /inbound }',
        '',
      ].join('\n'),
    );
    // A second partner whose acks go to a server that is not there: they must end failed, with the reason.
    writeFileSync(
      join(partnersDir, 'globex.yaml'),
      [
        'id: globex',
        'name: Globex',
        'identities: [{ qualifier: ZZ, id: GLOBEX }]',
        'channels:',
        '  inbound: [{ kind: folder, id: drop, path: drop/globex, pollIntervalMs: 300 }]',
        '  outbound:',
        '    kind: sftp',
        '    host: 127.0.0.1',
        `    port: ${await freePort()}`,
        '    user: globex',
        `    password: env:${PASSWORD_ENV}`,
        '    hostKey: { trustOnFirstUse: true }',
        '    directory: /inbound',
        '',
      ].join('\n'),
    );
    env = {
      DATABASE_URL: await freshDatabase(PG_URL!, 'dockside_sftp_e2e'),
      DOCKSIDE_DATA_DIR: join(root, 'var'),
      DOCKSIDE_PARTNERS_DIR: partnersDir,
      DOCKSIDE_SFTP_PORT: '0',
      DOCKSIDE_JOB_ATTEMPTS: '2',
      DOCKSIDE_JOB_BACKOFF_MS: '100',
      DOCKSIDE_SWEEP_INTERVAL_MS: '60000',
    };
    const log = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk: Buffer, _e, done) {
          for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as LogLine);
          done();
        },
      }),
    });
    gateway = await openGateway(loadGatewayConfig(env, root), log);
    gateway.startWorkers();
    await gateway.startScheduler();
  });

  after(async () => {
    await gateway?.stop();
    await sshd?.close();
    if (root) await rm(root, { recursive: true, force: true });
    delete process.env[PASSWORD_ENV];
  });

  it('takes an 856 from the partner server and puts its 997 into the inbound folder there', async () => {
    const a = sshd.account(USER);
    const path = join(sshd.home(USER), 'outbound', 'asn-1.edi');
    writeFileSync(path, withEnvelope(GOLDEN_856, { sender: 'ACMEWIDGET', control: 4711 }), 'latin1');
    chownSync(path, a.uid, a.gid);
    const inbound = join(sshd.home(USER), 'inbound');
    await until('the 997 on the partner server', () => readdirSync(inbound).length > 0, 60_000);
    // The file is there a moment before the delivery is recorded.
    await until(
      'the delivery recorded',
      async () =>
        (await gateway!.db.query("select 1 from acknowledgments where delivery_status = 'delivered'"))
          .length > 0,
      10_000,
    );
    const rows = await gateway!.db.query<{
      id: number;
      channel_kind: string;
      remote_path: string;
      outcome: string;
    }>('select id, channel_kind, remote_path, outcome from receipts');
    assert.equal(rows.length, 1);
    assert.deepEqual(
      { kind: rows[0]!.channel_kind, path: rows[0]!.remote_path, outcome: rows[0]!.outcome },
      { kind: 'sftp-poll', path: '/outbound/asn-1.edi', outcome: 'accepted' },
    );
    const files = readdirSync(inbound);
    assert.equal(files.length, 1, `files: ${files.join(', ')}`);
    assert.match(files[0]!, /^997_\d{9}\.x12$/);
    const ack = readFileSync(join(inbound, files[0]!), 'latin1');
    assert.match(ack, /^ISA\*/);
    assert.match(ack, /ST\*997\*/);
    assert.match(ack, /AK1\*SH\*/);
    assert.match(ack, /AK9\*A\*1\*1\*1/);
    assert.deepEqual(
      readdirSync(join(sshd.home(USER), 'outbound')),
      [],
      'the 856 was not deleted after its intake',
    );
    const delivered = await gateway!.db.query<{
      delivery_status: string;
      channel_kind: string;
      delivered_to: string;
    }>('select delivery_status, channel_kind, delivered_to from acknowledgments');
    assert.deepEqual(delivered, [
      {
        delivery_status: 'delivered',
        channel_kind: 'sftp',
        delivered_to: `sftp://${USER}@127.0.0.1:${sshd.port}/inbound/${files[0]}`,
      },
    ]);
  });

  it('marks an ack that could not reach the partner server failed with the reason, for the CLI and the log', async () => {
    const drop = join(root, 'var', 'drop', 'globex');
    mkdirSync(drop, { recursive: true });
    writeFileSync(
      join(drop, 'asn.edi'),
      withEnvelope(GOLDEN_856, { sender: 'GLOBEX', control: 4712 }),
      'latin1',
    );
    let receiptId = 0;
    await until(
      'the ack failed for good',
      async () => {
        const rows = await gateway!.db.query<{ receipt_id: number; delivery_status: string }>(
          "select receipt_id, delivery_status from acknowledgments where partner_id = 'globex'",
        );
        receiptId = rows[0]?.receipt_id ?? 0;
        return rows[0]?.delivery_status === 'failed';
      },
      60_000,
    );
    const { stdout } = await run(
      process.execPath,
      [join(ROOT, 'bin/dockside.js'), 'receipts', 'show', String(receiptId)],
      {
        env: { ...process.env, ...env },
      },
    );
    assert.match(
      stdout,
      /ack 997 \d{9} for 000004712: failed \(sftp:\/\/globex@127\.0\.0\.1:\d+: cannot connect: .*ECONNREFUSED/,
    );
    const final = lines.filter((l) => l.partnerId === 'globex' && l.level >= 50);
    assert.equal(final.length, 1, JSON.stringify(final));
    assert.match(String(final[0]!.err), /cannot connect/);
  });
});

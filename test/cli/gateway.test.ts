// The gateway's commands as a user runs them, on the embedded database in a temp data directory: ingest,
// receipts, replay, dead letters, db migrate, and `run` / `start` as long-running processes stopped by SIGTERM.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/golden.ts';
import { GOLDEN_856, withEnvelope } from '../helpers/pipeline.ts';
import { site, until } from '../helpers/cluster.ts';

const s = site({ DOCKSIDE_LOG_LEVEL: 'warn' });
const env = { ...s.env, DATABASE_URL: '', REDIS_URL: '' };

function dockside(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/dockside.js'), ...args], {
    cwd: ROOT,
    env: { ...env, ...extraEnv },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const files = mkdtempSync(join(tmpdir(), 'dockside-cli-gw-'));
const asn = join(files, 'asn.edi');
const spoofed = join(files, 'spoofed.edi');
writeFileSync(asn, GOLDEN_856, 'latin1');
writeFileSync(spoofed, withEnvelope(GOLDEN_856, { sender: 'SOMEONEELSE', control: 42 }), 'latin1');

describe('dockside gateway commands (command line, embedded database)', function () {
  this.timeout(180_000);
  // Receipt ids as the commands print them (a sequence may skip numbers: a duplicate's first insert uses one).
  let duplicate = 0;
  let refused = 0;

  it('ingest takes a file in, waits for it and prints the outcome and the delivered 997', () => {
    const r = dockside(['ingest', asn, '--partner', 'acme']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /asn\.edi: receipt 1\n/);
    assert.match(r.stdout, /receipt 1: accepted \(997 000000001 delivered\)/);
    assert.deepEqual(readdirSync(s.outbound), ['997_000000001.x12']);
  });

  it('ingest records the same file again as a duplicate and a spoofed sender as refused', () => {
    const r = dockside(['ingest', asn, spoofed, '--partner', 'acme']);
    assert.equal(r.code, 0, r.stderr);
    duplicate = Number(
      /asn\.edi: receipt (\d+), a duplicate of receipt 1 \(not processed again\)/.exec(r.stdout)?.[1],
    );
    refused = Number(/spoofed\.edi: receipt (\d+)\n/.exec(r.stdout)?.[1]);
    assert.ok(duplicate > 1 && refused > duplicate, r.stdout);
    assert.match(r.stdout, new RegExp(`receipt ${refused}: rejected \\(TA1 000000002 delivered\\)`));
  });

  it('ingest refuses an unknown partner and a missing file with exit 2 and one line', () => {
    const unknown = dockside(['ingest', asn, '--partner', 'nobody']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^dockside: there is no partner "nobody" \(known: acme\)\n$/);
    const missing = dockside(['ingest', join(files, 'nope.edi'), '--partner', 'acme']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.edi: ENOENT/);
  });

  it('receipts list shows the newest first, with duplicates and outcomes', () => {
    const r = dockside(['receipts', 'list']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0]!, /^id +received +partner +channel +file +bytes +status +outcome$/);
    assert.match(lines[1]!, new RegExp(`^${refused} .* acme +cli +spoofed\\.edi .* processed +rejected$`));
    assert.match(lines[2]!, new RegExp(`^${duplicate} .* duplicate of 1`));
    assert.match(lines[3]!, /^1 .* processed +accepted$/);
    const json = dockside(['receipts', 'list', '--status', 'processed', '--json']);
    assert.deepEqual(
      json.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { id: number }).id),
      [refused, 1],
    );
  });

  it('receipts show explains a refusal with its code, line and message', () => {
    const r = dockside(['receipts', 'show', String(refused)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /interchange 000000042 ZZ\/SOMEONEELSE -> ZZ\/HARBORMART 00401: refused/);
    assert.match(
      r.stdout,
      /error sender-not-partner: line 1 ISA: ISA06 sender ZZ\/SOMEONEELSE is not an identity/,
    );
    assert.match(r.stdout, /ack TA1 000000002 for 000000042: delivered to /);
    const missing = dockside(['receipts', 'show', '99']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /there is no receipt 99/);
  });

  it('replay processes a receipt again as a new receipt with a new ack', () => {
    const r = dockside(['replay', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /receipt 1 replayed as receipt (\d+)\nreceipt \1: accepted \(997 000000003 delivered\)/,
    );
  });

  it('deadletters list says when there are none; db migrate has nothing to apply', () => {
    assert.match(dockside(['deadletters', 'list']).stdout, /^no open dead letters\n$/);
    assert.match(
      dockside(['db', 'migrate']).stdout,
      /^database \(embedded\) is at migration 1; nothing to apply\n$/,
    );
  });

  it('run takes files from the drop folder, holds the embedded database, and stops on SIGTERM with exit 0', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/dockside.js'), 'run'], {
      cwd: ROOT,
      env: { ...env, DOCKSIDE_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await until('the gateway running', () => log.includes('"msg":"gateway running"'), 60_000);
    writeFileSync(join(s.inbound, 'dropped.edi'), withEnvelope(GOLDEN_856, { control: 4242 }), 'latin1');
    await until('the dropped file acknowledged', () => readdirSync(s.outbound).length === 4, 60_000);
    // The ack may be out before the poller has moved the file: it goes right after the commit, while the move
    // waits for the intake call to return to the poller.
    await until(
      'the dropped file moved to processed/',
      () => existsSync(join(s.inbound, 'processed', 'dropped.edi')),
      30_000,
    );

    const health = dockside(['health']);
    assert.equal(health.code, 0, health.stderr);
    const locked = dockside(['receipts', 'list']);
    assert.equal(locked.code, 2);
    assert.match(locked.stderr, /is open in another Dockside process \(pid \d+\)/);

    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(log, /"msg":"stopping: no new files, finishing running jobs"/);
    // Logs carry ids, never the file's contents.
    assert.doesNotMatch(log, /BSN\*|ISA\*00/);
  });

  it('run refuses --role worker without REDIS_URL', () => {
    const r = dockside(['run', '--role', 'worker']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--role worker needs REDIS_URL/);
  });

  it('start drops the demo files on first start and every one is acknowledged', async () => {
    const demo = mkdtempSync(join(tmpdir(), 'dockside-demo-'));
    const child = spawn(process.execPath, [join(ROOT, 'bin/dockside.js'), 'start'], {
      cwd: demo,
      env: { ...env, DOCKSIDE_DATA_DIR: join(demo, 'var'), DOCKSIDE_PARTNERS_DIR: join(ROOT, 'partners') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const acks = (partner: string) => {
      const dir = join(demo, 'var', 'drop', partner, 'outbound');
      return existsSync(dir) ? readdirSync(dir) : [];
    };
    await until(
      'the demo files acknowledged',
      () => acks('acme-widget').length === 3 && acks('tchome').length === 1,
      90_000,
    );
    assert.match(log, /acme-widget: drop X12 files into var\/drop\/acme-widget\/inbound\//);
    assert.deepEqual(acks('tchome'), ['999_000000001.x12']);
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});

// The gateway's commands as a user runs them, on the embedded database in a temp data directory: ingest,
// receipts, replay, dead letters, db migrate, and `run` / `start` as long-running processes stopped by SIGTERM.
// `start` runs the demo partners end to end: one polled over SFTP, one pushing to the hosted SFTP server.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
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
    // The newest migration the project has: every command before this one applied them all.
    const latest = Math.max(
      ...readdirSync(join(ROOT, 'src/store/migrations')).map((f) =>
        Number(/^(\d+)_.*\.sql$/.exec(f)?.[1] ?? 0),
      ),
    );
    assert.equal(
      dockside(['db', 'migrate']).stdout,
      `database (embedded) is at migration ${latest}; nothing to apply\n`,
    );
  });

  it('users add and tokens create|list|revoke manage who may use the HTTP API, secrets never as arguments', () => {
    const passwordFile = join(files, 'password');
    writeFileSync(passwordFile, 'correct horse battery\n');
    const added = dockside(['users', 'add', 'fiona', '--role', 'finance', '--password-file', passwordFile]);
    assert.equal(added.code, 0, added.stderr);
    assert.equal(added.stdout, 'user fiona (finance) added\n');
    const again = dockside(['users', 'add', 'fiona', '--role', 'finance', '--password-file', passwordFile]);
    assert.equal(again.code, 2);
    assert.equal(again.stderr, 'dockside: a user named "fiona" exists already\n');
    const badRole = dockside(['users', 'add', 'x', '--role', 'cfo', '--password-file', passwordFile]);
    assert.equal(badRole.code, 2);
    const created = dockside(['tokens', 'create', 'erp-sync', '--role', 'operations']);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^dsk_[A-Za-z0-9_-]{43}\n$/);
    assert.match(created.stderr, /token erp-sync \(operations\) created; it is not shown again/);
    const listed = dockside(['tokens', 'list']);
    assert.match(listed.stdout, /^erp-sync +operations +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d *$/m);
    assert.ok(!listed.stdout.includes(created.stdout.trim()), 'the secret is not listed');
    assert.equal(dockside(['tokens', 'revoke', 'erp-sync']).stdout, 'token erp-sync revoked\n');
    assert.equal(dockside(['tokens', 'revoke', 'erp-sync']).code, 2, 'revoked once');
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
    try {
      await until('the gateway running', () => log.includes('"msg":"gateway running"'), 60_000);
      writeFileSync(join(s.inbound, 'dropped.edi'), withEnvelope(GOLDEN_856, { control: 4242 }), 'latin1');
      await until('the dropped file acknowledged', () => readdirSync(s.outbound).length === 4, 60_000);
      // The ack may be out before the poller has moved the file: it goes right after the commit, while the
      // move waits for the intake call to return to the poller.
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
    } finally {
      // Stopped whatever happened above: a gateway left running keeps mocha from exiting.
      child.kill('SIGTERM');
    }
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

  describe('start: the demo partners', () => {
    // A fresh clone's `npm start`, in a temp directory: acme-widget polled on the demo's stand-in for its own
    // SFTP server, tchome pushing to the hosted SFTP server. The partner files are the project's, copied with
    // free ports in place of the fixed demo ones, so a port taken on a shared machine cannot fail the test.
    const demo = mkdtempSync(join(tmpdir(), 'dockside-demo-'));
    const partners = join(demo, 'partners');
    const data = join(demo, 'var');
    let supplierPort = 0;
    let hostedPort = 0;
    let apiPort = 0;
    let demoEnv: NodeJS.ProcessEnv = {};
    const pinFile = () => join(data, 'known-hosts', 'acme-widget', `pull@127.0.0.1_${supplierPort}`);
    let pinnedAtFirstStart = '';
    const run = (args: string[]) => {
      const r = spawnSync(process.execPath, [join(ROOT, 'bin/dockside.js'), ...args], {
        cwd: demo,
        env: demoEnv,
        encoding: 'utf8',
        timeout: 120_000,
      });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    // Whole files only: an ack is uploaded as NAME.part and then renamed.
    const list = (dir: string) =>
      existsSync(dir)
        ? readdirSync(dir)
            .filter((f) => !f.endsWith('.part'))
            .sort()
        : [];
    const supplier = join(data, 'demo', 'sftp', 'acme-widget');
    const hostedOutbound = join(data, 'hosted', 'tchome', 'outbound');

    before(async () => {
      const ports = await freePorts(3);
      supplierPort = ports[0]!;
      hostedPort = ports[1]!;
      apiPort = ports[2]!;
      mkdirSync(partners);
      for (const f of readdirSync(join(ROOT, 'partners')).filter((n) => n.endsWith('.yaml'))) {
        let text = readFileSync(join(ROOT, 'partners', f), 'utf8');
        if (f === 'acme-widget.yaml') {
          assert.match(text, /\n {6}port: 2223\n/);
          text = text.replace(/\n {6}port: 2223\n/, `\n      port: ${supplierPort}\n`);
        }
        writeFileSync(join(partners, f), text);
      }
      demoEnv = {
        ...env,
        DOCKSIDE_DATA_DIR: data,
        DOCKSIDE_PARTNERS_DIR: partners,
        DOCKSIDE_SFTP_PORT: String(hostedPort),
        DOCKSIDE_API_PORT: String(apiPort),
        DOCKSIDE_LOG_LEVEL: 'info',
        // The project's erp.yaml, as `npm start` in the checkout finds it: the demo ERP export.
        DOCKSIDE_ERP_CONFIG: join(ROOT, 'erp.yaml'),
      };
      for (const name of Object.keys(demoEnv)) if (name.startsWith('DOCKSIDE_DEMO_')) delete demoEnv[name];
    });

    it('acknowledges every sample of both partners where each fetches its acks, and says where files go', async () => {
      const child = spawn(process.execPath, [join(ROOT, 'bin/dockside.js'), 'start', '--json-logs'], {
        cwd: demo,
        env: demoEnv,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let log = '';
      child.stderr.on('data', (d: Buffer) => (log += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      try {
        await until(
          'the demo files acknowledged',
          () => list(join(supplier, 'inbound')).length === 3 && list(hostedOutbound).length === 1,
          90_000,
        );
        // nordic-parts: CSV files in a drop folder, read by its CSV mappings and moved to processed/.
        await until(
          'the CSV samples taken',
          () => list(join(data, 'drop', 'nordic-parts', 'inbound', 'processed')).length === 3,
          60_000,
        );
        // The scheduler matches the ship notices and invoices against the demo ERP export: five POs.
        const reconciled = () =>
          log
            .split('\n')
            .filter((l) => l.includes('"msg":"purchase orders reconciled"'))
            .reduce((n, l) => n + (JSON.parse(l) as { reconciled: number }).reconciled, 0);
        await until('the five demo POs reconciled', () => reconciled() >= 5, 60_000);
        // acme-widget: polled from the supplier's /outbound, moved to its archive, 997s put into its /inbound.
        assert.deepEqual(list(join(supplier, 'inbound')), [
          '997_000000001.x12',
          '997_000000002.x12',
          '997_000000003.x12',
        ]);
        const verdicts = list(join(supplier, 'inbound')).map(
          (f) => /AK9\*([AER])\*/.exec(readFileSync(join(supplier, 'inbound', f), 'latin1'))?.[1],
        );
        assert.deepEqual(verdicts.sort(), ['A', 'A', 'R']);
        await until(
          'the taken files archived on the supplier server',
          () => list(join(supplier, 'outbound', 'archive')).length === 3,
          30_000,
        );
        assert.deepEqual(list(join(supplier, 'outbound')), ['archive']);
        assert.deepEqual(
          list(join(supplier, 'outbound', 'archive')),
          list(join(ROOT, 'sftp-fixtures/demo/acme-widget')),
        );
        // tchome: uploaded over SFTP to the hosted server, its 999 in its /outbound there.
        assert.deepEqual(list(hostedOutbound), ['999_000000001.x12']);
        assert.match(readFileSync(join(hostedOutbound, '999_000000001.x12'), 'latin1'), /AK9\*A\*1\*1\*1~/);
        assert.match(
          log,
          /"partnerId":"tchome","file":"\/inbound\/asn-005010\.edi",.*"msg":"upload taken in"/,
        );

        // The banner: where each partner's files come from, where acks go, and how to send one.
        pinnedAtFirstStart = readFileSync(pinFile(), 'utf8');
        const pinned = JSON.parse(pinnedAtFirstStart) as { fingerprint: string };
        for (const line of [
          `acme-widget: polled over SFTP at sftp://dockside@127.0.0.1:${supplierPort}`,
          'acknowledgments go to /inbound (var/demo/sftp/acme-widget/inbound/)',
          `Its host key ssh-ed25519 ${pinned.fingerprint} is pinned in var/known-hosts/acme-widget/pull@127.0.0.1_${supplierPort}`,
          `\`sftp -P ${supplierPort} dockside@127.0.0.1\` (password in var/demo/secrets/DOCKSIDE_DEMO_ACME_WIDGET_SFTP_PASSWORD)`,
          `tchome: pushes over SFTP to the gateway's hosted server, port ${hostedPort}`,
          'Acknowledgments appear in its /outbound (var/hosted/tchome/outbound/)',
          `\`sftp -P ${hostedPort} tchome@127.0.0.1\` (password in var/demo/secrets/DOCKSIDE_DEMO_TCHOME_PASSWORD)`,
          'nordic-parts: drop CSV files (ASN_*.csv, INV_*.csv) into var/drop/nordic-parts/inbound/; they become documents',
          'bayline-3pl: drop files into var/drop/bayline-3pl/inbound/; acknowledgments go to ftps://harbormart@127.0.0.1:1 /in',
          'which the demo does not run: they fail, are retried, and become dead letters',
        ]) {
          assert.ok(log.includes(line), `the banner lacks: ${line}\n${log}`);
        }

        // The console: a login per role, whose password the demo made; finance sees the demo's mismatches.
        assert.ok(log.includes(`The console is at http://127.0.0.1:${apiPort}/`), log);
        for (const role of ['finance', 'onboarding', 'operations', 'admin']) {
          const line = `    ${role.padEnd(10)} role ${role}, password in var/demo/secrets/console-${role}`;
          assert.ok(log.includes(line), `the banner lacks: ${line}`);
        }
        // What each console page reads, as the role that opens it: real data from the demo within the minute.
        const api = `http://127.0.0.1:${apiPort}`;
        const as = async (role: string) => {
          const login = await fetch(`${api}/api/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              user: role,
              password: readFileSync(join(data, 'demo', 'secrets', `console-${role}`), 'utf8'),
            }),
          });
          assert.equal(login.status, 200, await login.clone().text());
          const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
          const get = async <T>(path: string): Promise<T> => {
            const res = await fetch(`${api}${path}`, { headers: { cookie } });
            assert.equal(res.status, 200, `${role} ${path}: ${await res.clone().text()}`);
            return (await res.json()) as T;
          };
          return Object.assign(get, { cookie });
        };
        const page = await fetch(`${api}/console/`);
        assert.equal(page.status, 200);
        assert.match(await page.text(), /<title>[^<]*Dockside/);

        const finance = await as('finance');
        const open = await finance<{
          items: { id: number; partnerId: string; poNumber: string; type: string }[];
        }>('/api/mismatches?status=open');
        assert.deepEqual(open.items.map((m) => `${m.partnerId} ${m.poNumber} ${m.type}`).sort(), [
          'nordic-parts PO-2026-0415 unit-price-variance',
          'tchome PO88120459 short-shipment',
        ]);
        const chart = await finance<{ series: { partnerId: string; amountAtRisk: string }[] }>(
          '/api/mismatches/chart',
        );
        assert.deepEqual(chart.series.map((p) => `${p.partnerId} ${Number(p.amountAtRisk)}`).sort(), [
          'nordic-parts 225',
          'tchome 126',
        ]);
        const short = open.items.find((m) => m.type === 'short-shipment')!;
        const timeline = await finance<{
          purchaseOrder: { found: boolean };
          documents: { type: string }[];
          lines: { differences: string[] }[];
        }>(`/api/mismatches/${short.id}/timeline`);
        assert.equal(timeline.purchaseOrder.found, true);
        assert.deepEqual(
          timeline.documents.map((d) => d.type),
          ['advance-ship-notice'],
        );
        assert.ok(timeline.lines.some((l) => l.differences.includes('quantity')));
        const trace = await finance<{
          results: { partnerId: string; steps: { step: string; state: string }[] }[];
        }>('/api/trace?q=PO88120459');
        assert.deepEqual(
          trace.results.map(
            (r) => `${r.partnerId} ${r.steps.map((st) => `${st.step}:${st.state}`).join(' ')}`,
          ),
          ['tchome received:done validated:done acknowledged:done mapped:done reconciled:done'],
        );

        const onboarding = await as('onboarding');
        const partnerList = await onboarding<{
          items: { id: string; lastFile: unknown; acks: { sent: number } }[];
        }>('/api/partners');
        assert.deepEqual(
          partnerList.items.map((p) => `${p.id} ${p.lastFile ? 'has a last file' : 'none'} ${p.acks.sent}`),
          [
            'acme-widget has a last file 3',
            'bayline-3pl has a last file 1',
            'nordic-parts has a last file 0',
            'tchome has a last file 1',
          ],
        );

        const operations = await as('operations');
        const throughput = await operations<{ buckets: { received: number; processed: number }[] }>(
          '/api/throughput?hours=2',
        );
        // The eight demo files, possibly across an hour boundary.
        assert.equal(
          throughput.buckets.reduce((n, b) => n + b.received, 0),
          8,
        );
        // bayline-3pl's FTP server is down on purpose: its 997 is retried, then a dead letter and a failed
        // delivery, which the Operations page shows with a Retry button.
        await until(
          "bayline-3pl's undeliverable 997 a dead letter",
          async () =>
            (await operations<{ items: unknown[] }>('/api/dead-letters?status=open&partner=bayline-3pl'))
              .items.length === 1,
          90_000,
        );
        const failed = await operations<{ items: { partnerId: string; kinds: string; lastError: string }[] }>(
          '/api/deliveries?status=failed',
        );
        assert.deepEqual(
          failed.items.map((d) => `${d.partnerId} ${d.kinds}`),
          ['bayline-3pl 997'],
        );
        assert.match(failed.items[0]!.lastError, /127\.0\.0\.1/);
        const metrics = await fetch(`${api}/metrics`, { headers: { cookie: operations.cookie } });
        assert.equal(metrics.status, 200);
        assert.match(await metrics.text(), /^dockside_files_received_total\{partner="acme-widget"\} 3$/m);

        // The onboarding commands work against the running demo, with the secrets the demo made.
        const tested = run(['partners', 'test', 'acme-widget']);
        assert.equal(tested.code, 0, tested.stdout + tested.stderr);
        assert.match(tested.stdout, /ok {6}inbound pull: logged in as dockside\n/);
        assert.match(tested.stdout, /ok {6}outbound: wrote and removed \/inbound\/\.dockside-probe-/);
        assert.match(tested.stdout, /partner acme-widget: every check passed\n$/);
      } finally {
        child.kill('SIGTERM');
      }
      assert.equal(await exited, 0);
      // Logs carry ids, never the file's contents nor a demo secret.
      assert.doesNotMatch(log, /BSN\*|ISA\*00/);
      for (const f of readdirSync(join(data, 'demo', 'secrets'))) {
        assert.ok(!log.includes(readFileSync(join(data, 'demo', 'secrets', f), 'utf8')), f);
      }
    });

    it('records the receipts of both channels, and the demo partner files validate with the secrets it made', () => {
      const receipts = run(['receipts', 'list', '--json']);
      assert.equal(receipts.code, 0, receipts.stderr);
      const rows = receipts.stdout
        .trim()
        .split('\n')
        .map(
          (l) =>
            JSON.parse(l) as { channelId: string; fileName: string; status: string; outcome: string | null },
        );
      assert.deepEqual(rows.map((r) => `${r.channelId} ${r.fileName} ${r.status} ${r.outcome}`).sort(), [
        'acme-widget/pull asn-SHP2026112001.edi processed accepted',
        'acme-widget/pull asn-with-errors.edi processed rejected',
        'acme-widget/pull invoice-INV-2026-11873.edi processed accepted',
        'bayline-3pl/drop 945-BL2611230.edi processed accepted',
        'nordic-parts/drop ASN_20261120.csv processed accepted',
        'nordic-parts/drop ASN_20261122_bad-row.csv processed partially-accepted',
        'nordic-parts/drop INV_20261121.csv processed accepted',
        'tchome/hosted asn-005010.edi processed accepted',
      ]);
      // The documents they became, X12 and CSV alike, found by their business keys.
      const docs = run(['documents', 'list', '--json']);
      assert.equal(docs.code, 0, docs.stderr);
      const byPartner = docs.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { partnerId: string; type: string })
        .map((d) => `${d.partnerId} ${d.type}`)
        .sort();
      assert.deepEqual(byPartner, [
        'acme-widget advance-ship-notice',
        'acme-widget invoice',
        'bayline-3pl warehouse-shipping-advice',
        'nordic-parts advance-ship-notice',
        'nordic-parts advance-ship-notice',
        'nordic-parts advance-ship-notice',
        'nordic-parts invoice',
        'nordic-parts invoice',
        'tchome advance-ship-notice',
      ]);
      const po = run(['documents', 'list', '--po', 'HM4500123456']);
      assert.match(po.stdout, /acme-widget +invoice +invoice INV-2026-11873 +HM4500123456/);
      assert.match(po.stdout, /acme-widget +advance-ship-notice +shipment SHP2026112001, BOL ODFL7781200456/);
      const valid = run(['partners', 'validate']);
      assert.equal(valid.code, 0, valid.stdout + valid.stderr);
      // Reconciliation found what the demo ERP export was made to show, and nothing else: tchome's ship
      // notice is short on a line, one of nordic-parts' invoices bills a higher price than its PO.
      const found = run(['mismatches', 'list', '--json']);
      assert.equal(found.code, 0, found.stderr);
      const mismatches = found.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { partnerId: string; poNumber: string; type: string; status: string })
        .map((m) => `${m.partnerId} ${m.poNumber} ${m.type} ${m.status}`)
        .sort();
      assert.deepEqual(mismatches, [
        'nordic-parts PO-2026-0415 unit-price-variance open',
        'tchome PO88120459 short-shipment open',
      ]);
      const secrets = join(data, 'demo', 'secrets');
      assert.deepEqual(readdirSync(secrets).sort(), [
        'DOCKSIDE_DEMO_ACME_WIDGET_SFTP_PASSWORD',
        'DOCKSIDE_DEMO_BAYLINE_FTP_PASSWORD',
        'DOCKSIDE_DEMO_TCHOME_PASSWORD',
        'DOCKSIDE_DEMO_TCHOME_PASSWORD_HASH',
        'console-admin',
        'console-finance',
        'console-onboarding',
        'console-operations',
      ]);
      for (const f of readdirSync(secrets)) assert.equal(statSync(join(secrets, f)).mode & 0o077, 0, f);
    });

    it("reports the demo's two mismatches, records finance's decision with its history, and archives the day", () => {
      const csv = run(['report', 'mismatches', '--format', 'csv']);
      assert.equal(csv.code, 0, csv.stderr);
      const lines = csv.stdout.trimEnd().split('\r\n');
      assert.equal(lines.length, 3, csv.stdout);
      assert.match(lines[0]!, /^id,partner,po_number,type,/);
      assert.deepEqual(
        lines
          .slice(1)
          .map((l) => l.split(',').slice(1, 4).join(' '))
          .sort(),
        ['nordic-parts PO-2026-0415 unit-price-variance', 'tchome PO88120459 short-shipment'],
      );
      const xlsx = join(demo, 'mismatches.xlsx');
      const workbook = run([
        'report',
        'mismatches',
        '--format',
        'xlsx',
        '--output',
        xlsx,
        '--status',
        'open',
      ]);
      assert.equal(workbook.code, 0, workbook.stderr);
      assert.equal(workbook.stderr, `2 mismatch(es) written to ${xlsx}\n`);
      assert.equal(readFileSync(xlsx).subarray(0, 2).toString('latin1'), 'PK', 'a zip: an XLSX workbook');
      const html = run(['report', 'mismatches', '--format', 'html', '--partner', 'tchome']);
      assert.equal(html.code, 0, html.stderr);
      assert.match(html.stdout, /PO88120459/);
      assert.doesNotMatch(html.stdout, /PO-2026-0415/);

      const [price] = run(['mismatches', 'list', '--json', '--type', 'unit-price-variance'])
        .stdout.trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { id: number });
      const accepted = run([
        'mismatches',
        'accept',
        String(price!.id),
        '--comment',
        'price rise agreed',
        '--by',
        'fiona',
      ]);
      assert.equal(accepted.code, 0, accepted.stderr);
      assert.equal(accepted.stdout, `mismatch ${price!.id}: accepted by fiona: price rise agreed\n`);
      const refused = run(['mismatches', 'dispute', String(price!.id), '--comment', 'no']);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /is accepted: dispute applies to one that is open/);
      const shown = run(['mismatches', 'show', String(price!.id)]);
      assert.match(
        shown.stdout,
        /reconciliation mismatch\.detected\n.* fiona mismatch\.accept: price rise agreed\n/,
      );
      assert.equal(
        run(['mismatches', 'list', '--status', 'open', '--json']).stdout.trim().split('\n').length,
        1,
      );

      const today = new Date().toISOString().slice(0, 10);
      const archived = run(['archive', '--date', today]);
      assert.equal(archived.code, 0, archived.stdout + archived.stderr);
      assert.match(archived.stdout, /8 inbound file\(s\) \(\d+ bytes\), 5 ack\(s\), 9 document\(s\)/);
      assert.ok(existsSync(join(data, 'archive', `dockside-archive-${today}.zip`)));
    });

    it('a second start puts nothing again, serves the same pinned key and takes a file the supplier adds', async () => {
      // Another process holds the console's port this time: the start goes on without it and says so.
      const holder = createServer();
      await new Promise<void>((resolve) => holder.listen(apiPort, '127.0.0.1', resolve));
      const child = spawn(process.execPath, [join(ROOT, 'bin/dockside.js'), 'start', '--json-logs'], {
        cwd: demo,
        env: demoEnv,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let log = '';
      child.stderr.on('data', (d: Buffer) => (log += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      try {
        await until('the gateway running', () => log.includes('"msg":"gateway running"'), 60_000);
        assert.doesNotMatch(log, /demo files|uploaded its sample files/);
        writeFileSync(
          join(supplier, 'outbound', 'added.edi'),
          withEnvelope(GOLDEN_856, { control: 7007 }),
          'latin1',
        );
        await until(
          'the added file acknowledged',
          () => list(join(supplier, 'inbound')).length === 4,
          60_000,
        );
        assert.deepEqual(list(hostedOutbound), ['999_000000001.x12']);
        assert.equal(readFileSync(pinFile(), 'utf8'), pinnedAtFirstStart);
        await until('the banner', () => log.includes('Stop with Ctrl-C.'), 30_000);
        assert.ok(log.includes(`The console is not served by this process: port ${apiPort} is taken`), log);
        assert.ok(!log.includes('The console is at'), 'no link to a console another process serves');
      } finally {
        child.kill('SIGTERM');
        holder.close();
      }
      assert.equal(await exited, 0);
    });
  });
});

/** Ports free on loopback just now. */
async function freePorts(n: number): Promise<number[]> {
  const servers = Array.from({ length: n }, () => createServer());
  const ports = await Promise.all(
    servers.map(
      (srv) =>
        new Promise<number>((resolve) =>
          srv.listen(0, '127.0.0.1', () => resolve((srv.address() as AddressInfo).port)),
        ),
    ),
  );
  await Promise.all(servers.map((srv) => new Promise((resolve) => srv.close(resolve))));
  return ports;
}

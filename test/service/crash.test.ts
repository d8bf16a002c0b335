// Kill the worker process with SIGKILL at random moments while 500 files arrive, restart it each time, and
// check afterwards that every file was processed exactly once: one receipt, one set of interchange rows and
// one acknowledgment each, none missing, none doubled, every ack delivered once under its own number.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createIntake } from '../../src/intake/receive.ts';
import { BullmqQueue } from '../../src/jobs/bullmq.ts';
import { silentLogger } from '../../src/log.ts';
import { FileBlobStore } from '../../src/store/blobs.ts';
import { openPostgres, type Db } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { freshDatabase, site, spawnGateway, until, type GatewayProcess } from '../helpers/cluster.ts';
import { GOLDEN_856, withEnvelope } from '../helpers/pipeline.ts';
import { PG_URL, REDIS_URL } from '../helpers/store.ts';

const FILES = 500;
const MIN_KILLS = 10;

describe('crash recovery (PostgreSQL + BullMQ)', function () {
  this.timeout(600_000);
  let db: Db;
  let queue: BullmqQueue;

  before(function () {
    if (!PG_URL || !REDIS_URL) this.skip();
  });

  after(async () => {
    await queue?.obliterate().catch(() => undefined);
    await queue?.close({ timeoutMs: 1000 });
    await db?.close();
  });

  it('processes each of 500 files exactly once while the worker is killed at random moments', async () => {
    const url = await freshDatabase(PG_URL!, 'dockside_crash');
    const prefix = `dockside-crash-${process.pid}`;
    const s = site({
      DATABASE_URL: url,
      REDIS_URL: REDIS_URL!,
      DOCKSIDE_REDIS_PREFIX: prefix,
      DOCKSIDE_JOB_LOCK_MS: '2000',
      DOCKSIDE_SWEEP_INTERVAL_MS: '1000',
      DOCKSIDE_JOB_BACKOFF_MS: '100',
      DOCKSIDE_WORKER_CONCURRENCY: '8',
    });
    db = openPostgres({ url });
    await migrate(db);
    queue = new BullmqQueue({
      url: REDIS_URL!,
      prefix,
      policy: { attempts: 6, backoffMs: 100 },
      deadLetter: () => Promise.resolve(),
    });
    const intake = createIntake({
      db,
      blobs: new FileBlobStore(join(s.dataDir, 'blobs')),
      queue,
      log: silentLogger(),
    });

    let worker: GatewayProcess = spawnGateway(s);
    let kills = 0;
    let arrived = 0;
    const arrivals = (async () => {
      for (let n = 1; n <= FILES; n++) {
        const text = withEnvelope(GOLDEN_856, { control: 500_000 + n });
        await intake.receive(Readable.from([Buffer.from(text, 'latin1')]), {
          channel: { kind: 'upload', id: 'crash-test' },
          partnerId: 'acme',
          fileName: `asn-${n}.edi`,
        });
        arrived++;
        // Spread the arrivals so that kills land while files are still coming in.
        if (n % 25 === 0) await new Promise((r) => setTimeout(r, 300));
      }
    })();

    const processed = async () =>
      (
        await db.query<{ n: number }>(`select count(*)::int8 as n from receipts where status = 'processed'`)
      )[0]!.n;
    while (kills < MIN_KILLS || arrived < FILES) {
      // A random moment: anywhere from start-up to well into processing.
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 1700));
      worker.child.kill('SIGKILL');
      await worker.exited;
      kills++;
      worker = spawnGateway(s);
    }
    await arrivals;
    await until(
      'every receipt processed and every ack delivered',
      async () => {
        const [row] = await db.query<{ open: number; pending: number }>(
          `select (select count(*) from receipts where status <> 'processed')::int8 as open,
                  (select count(*) from acknowledgments where delivery_status <> 'delivered')::int8 as pending`,
        );
        return row!.open === 0 && row!.pending === 0 && (await processed()) === FILES;
      },
      300_000,
    );
    worker.child.kill('SIGTERM');
    assert.equal(await worker.exited, 0, 'the last worker stops cleanly on SIGTERM');

    assert.ok(kills >= MIN_KILLS, `killed ${kills} times`);
    const [counts] = await db.query<Record<string, number>>(
      `select (select count(*) from receipts)::int8 as receipts,
              (select count(distinct receipt_id) from interchanges)::int8 as receipts_with_interchanges,
              (select count(*) from interchanges)::int8 as interchanges,
              (select count(*) from functional_groups)::int8 as groups,
              (select count(*) from transaction_sets)::int8 as sets,
              (select count(*) from acknowledgments)::int8 as acks,
              (select count(distinct control_number) from acknowledgments)::int8 as ack_numbers,
              (select count(*) from dead_letters)::int8 as dead,
              (select count(*) from interchanges where status <> 'accepted')::int8 as not_accepted`,
    );
    assert.deepEqual(counts, {
      receipts: FILES,
      receipts_with_interchanges: FILES,
      interchanges: FILES,
      groups: FILES,
      sets: FILES,
      acks: FILES,
      ack_numbers: FILES,
      dead: 0,
      not_accepted: 0,
    });
    const delivered = readdirSync(s.outbound).filter((f) => !f.startsWith('.'));
    assert.equal(delivered.length, FILES, 'one ack file per receipt in the outbound folder');
    const attempts = await db.query<{ attempts: number; n: number }>(
      'select attempts, count(*)::int8 as n from receipts group by attempts order by attempts',
    );
    // Some receipts needed more than one attempt: the kills really hit work in progress.
    process.stdout.write(
      `      kills: ${kills}; receipts by attempts: ${attempts.map((a) => `${a.attempts}x${a.n}`).join(', ')}\n`,
    );
  });
});

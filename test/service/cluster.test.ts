// Two `dockside run` processes on one PostgreSQL database and one Redis share the work: files dropped into a
// partner's folder are taken by whichever process holds the channel's lease, files handed to intake are
// processed by whichever worker takes the job, and no receipt is processed twice.
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
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

const QUEUED = 300;
const DROPPED = 60;

describe('two gateway processes (PostgreSQL + BullMQ)', function () {
  this.timeout(300_000);
  let db: Db;
  let queue: BullmqQueue;
  const processes: GatewayProcess[] = [];

  before(function () {
    if (!PG_URL || !REDIS_URL) this.skip();
  });

  after(async () => {
    for (const p of processes) p.child.kill('SIGKILL');
    await queue?.obliterate().catch(() => undefined);
    await queue?.close({ timeoutMs: 1000 });
    await db?.close();
  });

  it('share the work without processing any receipt twice', async () => {
    const url = await freshDatabase(PG_URL!, 'dockside_cluster');
    const prefix = `dockside-cluster-${process.pid}`;
    const s = site({
      DATABASE_URL: url,
      REDIS_URL: REDIS_URL!,
      DOCKSIDE_REDIS_PREFIX: prefix,
      DOCKSIDE_WORKER_CONCURRENCY: '4',
    });
    db = openPostgres({ url });
    await migrate(db);
    queue = new BullmqQueue({
      url: REDIS_URL!,
      prefix,
      policy: { attempts: 6, backoffMs: 100 },
      deadLetter: () => Promise.resolve(),
    });
    processes.push(spawnGateway(s), spawnGateway(s));
    await until('both processes running', () =>
      processes.every((p) => p.logs.some((l) => l.msg === 'gateway running')),
    );

    const intake = createIntake({
      db,
      blobs: new FileBlobStore(join(s.dataDir, 'blobs')),
      queue,
      log: silentLogger(),
    });
    for (let n = 1; n <= QUEUED; n++) {
      await intake.receive(
        Readable.from([Buffer.from(withEnvelope(GOLDEN_856, { control: 700_000 + n }), 'latin1')]),
        {
          channel: { kind: 'upload', id: 'cluster-test' },
          partnerId: 'acme',
          fileName: `queued-${n}.edi`,
        },
      );
    }
    mkdirSync(s.inbound, { recursive: true });
    for (let n = 1; n <= DROPPED; n++) {
      writeFileSync(
        join(s.inbound, `dropped-${n}.edi`),
        withEnvelope(GOLDEN_856, { control: 800_000 + n }),
        'latin1',
      );
    }

    await until('every file processed and acknowledged', async () => {
      const [row] = await db.query<{ done: number; pending: number }>(
        `select (select count(*) from receipts where status = 'processed')::int8 as done,
                (select count(*) from acknowledgments where delivery_status <> 'delivered')::int8 as pending`,
      );
      return row!.done === QUEUED + DROPPED && row!.pending === 0;
    });

    for (const p of processes) p.child.kill('SIGTERM');
    assert.deepEqual(
      await Promise.all(processes.map((p) => p.exited)),
      [0, 0],
      'both stop cleanly on SIGTERM',
    );

    const [counts] = await db.query<Record<string, number>>(
      `select (select count(*) from receipts)::int8 as receipts,
              (select count(*) from receipts where attempts <> 1)::int8 as retried,
              (select count(*) from receipts where duplicate_of is not null)::int8 as duplicates,
              (select count(*) from interchanges)::int8 as interchanges,
              (select count(*) from acknowledgments)::int8 as acks`,
    );
    assert.deepEqual(counts, {
      receipts: QUEUED + DROPPED,
      retried: 0,
      duplicates: 0,
      interchanges: QUEUED + DROPPED,
      acks: QUEUED + DROPPED,
    });
    assert.equal(readdirSync(join(s.inbound, 'processed')).length, DROPPED);
    assert.equal(readdirSync(s.outbound).filter((f) => !f.startsWith('.')).length, QUEUED + DROPPED);

    // Who did what, from each process's own log: every receipt recorded by exactly one of them, and both
    // took part.
    const recorded = processes.map(
      (p) => new Set(p.logs.filter((l) => l.msg === 'interchange recorded').map((l) => Number(l.receiptId))),
    );
    const [a, b] = recorded as [Set<number>, Set<number>];
    assert.equal([...a].filter((id) => b.has(id)).length, 0, 'no receipt recorded by both processes');
    assert.equal(a.size + b.size, QUEUED + DROPPED);
    assert.ok(a.size > 0 && b.size > 0, `both processes worked (${a.size} and ${b.size})`);
    const pollers = processes.filter((p) => p.logs.some((l) => l.msg === 'file received'));
    assert.equal(pollers.length, 1, 'one process held the drop folder lease and took the dropped files');
  });
});

// One mode of the pipeline benchmark, in a process of its own so that its peak RSS is its own: opens the
// gateway, feeds it the files through intake.receive() with a bounded number in flight (standing in for the
// channels), waits until every ack is stored, checks that each file got exactly one receipt and one ack, and
// prints one JSON line of results. run.ts starts it; it is not meant to be run by hand.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadGatewayConfig } from '../../src/config/gateway.ts';
import { BullmqQueue } from '../../src/jobs/bullmq.ts';
import { createLogger } from '../../src/log.ts';
import { openGateway, type Gateway } from '../../src/main.ts';
import type { Queryable } from '../../src/store/db.ts';
import { listFiles, partnerOf } from './files.ts';
import { cpuBetween, cpuSnapshot, peakRssKB, type CpuShare } from './proc.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BENCH_DB = 'dockside_bench';
/** The benchmark's own key prefix in Redis (DOCKSIDE_REDIS_PREFIX), so that its queues are nobody else's. */
const PREFIX = 'dockside-bench';
/** No new ack for this long means something is stuck: stop and say what. */
const STALL_MS = 60_000;

export type Mode = 'postgres+bullmq' | 'embedded';

export interface ModeOptions {
  mode: Mode;
  /** Holds files/, partners/ and a data directory per mode. */
  dir: string;
  workers: number;
  concurrency: number;
  arrivals: number;
  /** Partners the files are dealt to, round-robin. */
  partners: number;
  databaseUrl: string;
  redisUrl: string;
  /** The first files of the folder, fed and acked before the measured ones and not counted with them. */
  warmup: number;
  /** Write V8 CPU profiles of the processing processes here. */
  cpuProfDir?: string;
}

export interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

export interface ModeResult {
  mode: Mode;
  files: number;
  bytes: number;
  settings: { workers: number; concurrency: number; arrivals: number; partners: number };
  /** First arrival to the last ack stored. */
  seconds: number;
  filesPerSecond: number;
  /** Arrival to ack stored, ms. */
  latency: Percentiles;
  /** Where a file's time goes, ms: arrival to receive() returning (blob fsynced, receipt committed,
   * job queued); from there until a worker starts it; from the start to its ack stored. */
  phases: { intake: Percentiles; wait: Percentiles; processing: Percentiles };
  /** Files taken in per second (first arrival to the last receive() returning). */
  intakePerSecond: number;
  rssMB: { label: string; mb: number }[];
  cpu: CpuShare;
  loadBefore: number[];
  /** Per file: transactions in the gateway's database, WAL syncs and Redis commands (the last two counted for
   * the whole server, so other clients' too). Absent in embedded mode. */
  perFile?: { transactions: number; walSyncs: number; redisCommands: number; topRedis: string };
  /** The warm-up round: its files and their rate, first arrival to the moment all their acks were seen
   * (polled every 100 ms) — the gateway's cold start. */
  warmup?: { files: number; filesPerSecond: number };
  /** map-documents jobs waiting at the end of the run (no handler takes them yet). */
  mapDocumentsWaiting: number;
}

interface Round {
  arrivedAt: number[];
  intakeDone: number[];
  receiptIds: number[];
  lastAckAt: number;
}

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]! };
}

/** Worker processes started and not yet stopped: a failing run must not leave them behind. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Transactions committed in the bench database (every autocommit statement is one, reads included) and WAL
 * syncs of the whole server so far. The statistics lag by up to a second: read after a pause. */
async function pgCounters(db: Queryable): Promise<{ transactions: number; walSyncs: number }> {
  const [row] = await db.query<{ transactions: number; walSyncs: number }>(
    `select (select xact_commit from pg_stat_database where datname = current_database())::float8 as transactions,
       (select wal_sync from pg_stat_wal)::float8 as "walSyncs"`,
  );
  return { transactions: Number(row?.transactions ?? 0), walSyncs: Number(row?.walSyncs ?? 0) };
}

async function redisCommandStats(url: string): Promise<Map<string, number>> {
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  try {
    const info = await redis.info('commandstats');
    return new Map(
      [...info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map((m): [string, number] => [
        m[1]!,
        Number(m[2]),
      ]),
    );
  } finally {
    redis.disconnect();
  }
}

function fail(message: string): never {
  process.stderr.write(`\nbench:pipeline: ${message}\n`);
  process.exit(1);
}

/** Drops and recreates the benchmark's own database on the server of `url`; returns its URL. */
async function resetDatabase(url: string): Promise<string> {
  const admin = new URL(url);
  if (admin.pathname === `/${BENCH_DB}`) admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  try {
    await client.connect();
    await client.query(`drop database if exists ${BENCH_DB} with (force)`);
    await client.query(`create database ${BENCH_DB}`);
  } catch (e) {
    fail(`cannot recreate database ${BENCH_DB} on ${admin.host}: ${(e as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
  const bench = new URL(url);
  bench.pathname = `/${BENCH_DB}`;
  return bench.toString();
}

interface WorkerProcess {
  child: ChildProcess;
  label: string;
  stderr: string[];
  exited?: string;
}

function spawnWorker(index: number, env: NodeJS.ProcessEnv, cpuProfDir?: string): WorkerProcess {
  const profile = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${join(cpuProfDir, `worker-${index}`)}`] : [];
  const child = spawn(
    process.execPath,
    // The flag `npx dockside` and the Docker image start workers with (README, "Running it for real").
    [...profile, '--max-semi-space-size=32', join(ROOT, 'bin/dockside.js'), 'run', '--role', 'worker'],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  running.add(child);
  const w: WorkerProcess = { child, label: `worker ${index}`, stderr: [] };
  let partial = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    const lines = (partial + s).split('\n');
    partial = lines.pop()!;
    w.stderr.push(...lines);
    if (w.stderr.length > 200) w.stderr.splice(0, w.stderr.length - 200);
  });
  child.on('exit', (code, signal) => {
    running.delete(child);
    w.exited = signal ? `killed by ${signal}` : `exited with ${code}`;
  });
  return w;
}

/** Until every worker process has its BullMQ workers connected to both queues it serves. */
async function waitForWorkers(redisUrl: string, prefix: string, workers: WorkerProcess[]): Promise<void> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const queues = ['process-receipt', 'deliver-outbound'].map(
    (name) => new Queue(name, { connection, prefix }),
  );
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const dead = workers.find((w) => w.exited);
      if (dead)
        fail(`${dead.label} ${dead.exited} before taking work:\n${dead.stderr.slice(-20).join('\n')}`);
      const counts = await Promise.all(queues.map((q) => q.getWorkersCount()));
      if (counts.every((c) => c >= workers.length)) return;
      if (Date.now() > deadline) fail(`the worker processes did not connect to Redis within 60 s`);
      await sleep(100);
    }
  } finally {
    await Promise.all(queues.map((q) => q.close()));
    connection.disconnect();
  }
}

async function stopWorker(w: WorkerProcess): Promise<void> {
  if (w.exited) return;
  const exited = new Promise<void>((resolveExit) => w.child.once('exit', () => resolveExit()));
  w.child.kill('SIGTERM');
  const timer = setTimeout(() => w.child.kill('SIGKILL'), 40_000);
  await exited;
  clearTimeout(timer);
}

async function count(db: Queryable, sql: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(sql);
  return Number(row!.n);
}

/** Every file must have exactly one receipt, processed and accepted, and exactly one 997 stored. */
async function check(db: Queryable, receiptIds: number[]): Promise<string[]> {
  const problems: string[] = [];
  const expected = new Set(receiptIds);
  if (expected.size !== receiptIds.length) problems.push('two files got the same receipt id');
  const receipts = await db.query<{
    id: number;
    status: string;
    outcome: string | null;
    duplicateOf: number | null;
  }>('select id, status, outcome, duplicate_of as "duplicateOf" from receipts');
  if (receipts.length !== receiptIds.length)
    problems.push(`${receipts.length} receipts for ${receiptIds.length} files`);
  const bad = receipts.filter(
    (r) => r.status !== 'processed' || r.outcome !== 'accepted' || r.duplicateOf !== null,
  );
  if (bad.length > 0)
    problems.push(
      `${bad.length} receipts not processed and accepted, e.g. receipt ${bad[0]!.id}: ${bad[0]!.status}/${bad[0]!.outcome}`,
    );
  const acks = await db.query<{ receiptId: number; n: number; kinds: string }>(
    `select receipt_id as "receiptId", count(*)::int as n, string_agg(kinds, ',') as kinds
     from acknowledgments group by receipt_id`,
  );
  const acked = new Map(acks.map((a) => [Number(a.receiptId), a]));
  const missing = receiptIds.filter((id) => !acked.has(id));
  if (missing.length > 0) problems.push(`${missing.length} files have no ack, e.g. receipt ${missing[0]}`);
  const doubled = acks.filter((a) => a.n !== 1);
  if (doubled.length > 0) problems.push(`${doubled.length} receipts have more than one ack`);
  const strays = acks.filter((a) => !expected.has(Number(a.receiptId)));
  if (strays.length > 0) problems.push(`${strays.length} acks belong to no file of this run`);
  const not997 = acks.filter((a) => a.kinds !== '997');
  if (not997.length > 0) problems.push(`${not997.length} acks are not a lone 997, e.g. ${not997[0]!.kinds}`);
  const dead = await count(db, 'select count(*)::int as n from dead_letters');
  if (dead > 0) problems.push(`${dead} dead letters`);
  return problems;
}

export async function runMode(options: ModeOptions): Promise<ModeResult> {
  const paths = listFiles(options.dir);
  const files = paths.map((p) => readFileSync(p));
  const dataDir = join(options.dir, options.mode === 'embedded' ? 'embedded' : 'postgres-bullmq');
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    DOCKSIDE_DATA_DIR: dataDir,
    DOCKSIDE_PARTNERS_DIR: join(options.dir, 'partners'),
    DOCKSIDE_WORKER_CONCURRENCY: String(options.concurrency),
    DOCKSIDE_LOG_LEVEL: 'warn',
    DOCKSIDE_REDIS_PREFIX: PREFIX,
  };
  if (options.mode === 'postgres+bullmq') {
    env.DATABASE_URL = await resetDatabase(options.databaseUrl);
    env.REDIS_URL = options.redisUrl;
  }
  const log = createLogger({ level: 'warn' });
  let gateway: Gateway;
  try {
    gateway = await openGateway(loadGatewayConfig(env, ROOT), log);
  } catch (e) {
    fail(`cannot open the gateway (${options.mode}): ${(e as Error).message}`);
  }
  const workers: WorkerProcess[] = [];
  if (gateway.queue instanceof BullmqQueue) {
    await gateway.queue.obliterate();
    for (let i = 1; i <= options.workers; i++) workers.push(spawnWorker(i, env, options.cpuProfDir));
    // A gateway without DOCKSIDE_REDIS_PREFIX uses BullmqQueue's default.
    const prefix = (gateway.config as { redisPrefix?: string }).redisPrefix ?? 'dockside';
    await waitForWorkers(options.redisUrl, prefix, workers);
  } else {
    gateway.startWorkers();
  }

  /** Offers `batch` (files of ordinals offset+1…) to intake with options.arrivals in flight and returns once
   * every file of this and earlier rounds has its ack stored. */
  async function feed(batch: Buffer[], offset: number): Promise<Round> {
    const size = batch.length;
    const arrivedAt = new Array<number>(size);
    const intakeDone = new Array<number>(size);
    const receiptIds = new Array<number>(size);
    let next = 0;
    let arrivalError: unknown;
    const lane = async () => {
      while (next < size && arrivalError === undefined) {
        const i = next++;
        const bytes = batch[i]!;
        const at = Date.now();
        const result = await gateway.intake.receive(Readable.from([bytes]), {
          channel: { kind: 'upload', id: 'bench/arrivals' },
          partnerId: partnerOf(offset + i + 1, options.partners).id,
          fileName: basename(paths[offset + i]!),
          size: bytes.length,
        });
        intakeDone[i] = Date.now();
        arrivedAt[i] = at;
        receiptIds[i] = result.receipt.id;
        if (result.duplicateOf)
          throw new Error(
            `${paths[offset + i]} was taken as a duplicate of receipt ${result.duplicateOf.id}`,
          );
      }
    };
    const arrivals = Promise.all(Array.from({ length: Math.min(options.arrivals, size) }, lane)).catch(
      (e: unknown) => {
        arrivalError = e;
      },
    );
    const target = offset + size;
    let stored = 0;
    let lastProgress = Date.now();
    for (;;) {
      await sleep(100);
      if (arrivalError !== undefined) fail(`receive() failed: ${(arrivalError as Error).message}`);
      const now = await count(gateway.db, 'select count(*)::int as n from acknowledgments');
      if (now !== stored) {
        stored = now;
        lastProgress = Date.now();
      }
      if (stored >= target) break;
      const dead = workers.find((w) => w.exited);
      if (dead) fail(`${dead.label} ${dead.exited}:\n${dead.stderr.slice(-20).join('\n')}`);
      if (Date.now() - lastProgress > STALL_MS) {
        const statuses = await gateway.db.query<{ status: string; n: number }>(
          'select status, count(*)::int as n from receipts group by status',
        );
        fail(
          `no ack stored for ${STALL_MS / 1000} s with ${stored} of ${target} done; receipts: ` +
            statuses.map((s) => `${s.status} ${s.n}`).join(', ') +
            (workers.length > 0
              ? `\nlast worker log lines:\n${workers.flatMap((w) => w.stderr.slice(-5)).join('\n')}`
              : ''),
        );
      }
    }
    await arrivals;
    return { arrivedAt, intakeDone, receiptIds, lastAckAt: Date.now() };
  }

  // The warm-up round: the same processes take the first files while V8 compiles their hot paths, which a
  // gateway that runs for days does once. Its own rate is reported as the cold start.
  const warm = options.warmup > 0 ? await feed(files.slice(0, options.warmup), 0) : undefined;
  const measured = files.slice(options.warmup);
  const n = measured.length;
  const loadBefore = loadavg();
  const postgres = gateway.db.kind === 'postgres';
  const pgBefore = postgres ? await pgCounters(gateway.db) : undefined;
  const redisBefore = postgres ? await redisCommandStats(options.redisUrl) : new Map<string, number>();
  const cpuStart = cpuSnapshot();
  const { arrivedAt, intakeDone, receiptIds } = await feed(measured, options.warmup);
  const cpuEnd = cpuSnapshot();
  let perFile: ModeResult['perFile'];
  if (pgBefore) {
    const redisAfter = await redisCommandStats(options.redisUrl);
    const used = [...redisAfter]
      .map(([cmd, calls]): [string, number] => [cmd, calls - (redisBefore.get(cmd) ?? 0)])
      .filter(([, calls]) => calls > 0)
      .sort((a, b) => b[1] - a[1]);
    await sleep(1500);
    const pgAfter = await pgCounters(gateway.db);
    perFile = {
      transactions: (pgAfter.transactions - pgBefore.transactions) / n,
      walSyncs: (pgAfter.walSyncs - pgBefore.walSyncs) / n,
      redisCommands: used.reduce((a, [, c]) => a + c, 0) / n,
      topRedis: used
        .slice(0, 6)
        .map(([cmd, c]) => `${cmd} ${(c / n).toFixed(1)}`)
        .join(', '),
    };
  }
  const rssMB = [
    {
      label: options.mode === 'embedded' ? 'gateway' : 'bench (intake)',
      mb: process.resourceUsage().maxRSS / 1024,
    },
    ...workers.map((w) => ({ label: w.label, mb: (peakRssKB(w.child.pid!) ?? NaN) / 1024 })),
  ];
  const labels = new Map<number, string>([
    [process.pid, options.mode === 'embedded' ? 'gateway' : 'bench (intake)'],
    ...workers.map((w): [number, string] => [w.child.pid!, 'workers']),
  ]);
  const cpu = cpuBetween(
    cpuStart,
    cpuEnd,
    labels,
    (comm) => comm === `postgres ${BENCH_DB}` || comm === 'postgres (server)' || comm === 'redis-server',
  );

  const problems = await check(gateway.db, [...(warm?.receiptIds ?? []), ...receiptIds]);
  if (problems.length > 0) fail(`${options.mode}: the run is not valid:\n  ${problems.join('\n  ')}`);

  const rows = await gateway.db.query<{ receiptId: number; ack: number; started: number }>(
    `select a.receipt_id as "receiptId", extract(epoch from a.created_at)::float8 * 1000 as ack,
       extract(epoch from r.started_at)::float8 * 1000 as started
     from acknowledgments a join receipts r on r.id = a.receipt_id`,
  );
  const indexOf = new Map(receiptIds.map((id, i) => [id, i]));
  const latency: number[] = [];
  const wait: number[] = [];
  const processing: number[] = [];
  let lastAck = 0;
  for (const r of rows) {
    const i = indexOf.get(Number(r.receiptId));
    if (i === undefined) continue; // a warm-up file
    latency.push(r.ack - arrivedAt[i]!);
    wait.push(r.started - intakeDone[i]!);
    processing.push(r.ack - r.started);
    lastAck = Math.max(lastAck, r.ack);
  }
  const firstArrival = Math.min(...arrivedAt);
  const seconds = (lastAck - firstArrival) / 1000;

  // Nothing consumes map-documents yet: what piles up there is reported, not waited for.
  const unconsumed = await gateway.queue.counts('map-documents');
  for (const w of workers) await stopWorker(w);
  const warnings = workers.flatMap((w) => w.stderr.filter((l) => l.trim() !== ''));
  if (warnings.length > 0)
    process.stderr.write(
      `${warnings.length} log lines from the workers, the last:\n${warnings.slice(-5).join('\n')}\n`,
    );
  if (gateway.queue instanceof BullmqQueue) await gateway.queue.obliterate();
  await gateway.stop();

  return {
    mode: options.mode,
    files: n,
    bytes: files.reduce((s, f) => s + f.length, 0),
    settings: {
      workers: workers.length,
      concurrency: options.concurrency,
      arrivals: options.arrivals,
      partners: options.partners,
    },
    seconds,
    filesPerSecond: n / seconds,
    latency: percentiles(latency),
    phases: {
      intake: percentiles(intakeDone.map((t, i) => t - arrivedAt[i]!)),
      wait: percentiles(wait),
      processing: percentiles(processing),
    },
    intakePerSecond: n / ((Math.max(...intakeDone) - firstArrival) / 1000),
    rssMB,
    cpu,
    loadBefore,
    mapDocumentsWaiting: unconsumed.waiting + unconsumed.delayed,
    ...(warm
      ? {
          warmup: {
            files: warm.receiptIds.length,
            filesPerSecond: warm.receiptIds.length / ((warm.lastAckAt - Math.min(...warm.arrivedAt)) / 1000),
          },
        }
      : {}),
    ...(perFile ? { perFile } : {}),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const options = JSON.parse(process.argv[2] ?? '') as ModeOptions;
  const result = await runMode(options);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  // The gateway is closed; a lingering handle (an ioredis reconnect timer) must not keep the run waiting.
  process.exit(0);
}

// npm run bench:pipeline [-- --files 2000] [--warmup 500] [--modes postgres+bullmq,embedded] [--workers N] [--concurrency 128]
//   [--arrivals 64] [--partners 1] [--database-url URL] [--redis-url URL] [--dir DIR] [--cpu-prof]
// The whole pipeline, arrival to ack stored: N distinct 856 files of about 5 KB (one interchange each) from
// one partner, fed to intake.receive() with --arrivals in flight, processed by --workers `dockside run --role
// worker` processes (PostgreSQL + BullMQ) or by the one embedded process (PGlite + in-process queue). Prints
// files/s, latency percentiles and peak RSS per process. Before the N measured files, --warmup more go through
// the same processes and are not counted: the rate of a gateway that has run a while, not of one whose V8 is
// still compiling its hot paths (that cold rate is printed too). Each mode runs in a process of its own; the
// PostgreSQL mode works in its own database (dockside_bench, dropped and recreated) and clears the gateway's
// BullMQ queues (prefix "dockside") before and after.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFiles, writePartners } from './files.ts';
import type { Mode, ModeOptions, ModeResult } from './mode.ts';

const here = dirname(fileURLToPath(import.meta.url));
const MODES: Mode[] = ['postgres+bullmq', 'embedded'];
const LABELS: Record<Mode, string> = {
  'postgres+bullmq': 'PostgreSQL + BullMQ',
  embedded: 'embedded (PGlite + in-process queue)',
};
const TARGET = 500;

function option(name: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.lastIndexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function whole(name: string, fallback: number): number {
  const raw = option(name);
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`${name} ${raw}: expected a whole number of at least 1`);
    process.exit(2);
  }
  return n;
}

const fileCount = whole('--files', 2000);
// 0 is allowed: a run that measures the cold start only.
const warmup = option('--warmup') === '0' ? 0 : whole('--warmup', 500);
// One worker process per core the intake process leaves: on 2 cores, intake and one worker. A second worker
// process there only adds its own event loop, GC and Redis polling, and halves the batches each one forms
// (docs/benchmarks-pipeline.md: 2 x 64 gave 417-499 files/s where 1 x 128 gave 539-571 in the same hour).
const workers = whole('--workers', Math.max(1, cpus().length - 1));
const concurrency = whole('--concurrency', 128);
const arrivals = whole('--arrivals', 64);
const partners = whole('--partners', 1);
const modes = (option('--modes') ?? MODES.join(',')).split(',').filter(Boolean) as Mode[];
const unknown = modes.filter((m) => !MODES.includes(m));
if (unknown.length > 0) {
  console.error(`--modes: unknown ${unknown.join(', ')}; use ${MODES.join(', ')}`);
  process.exit(2);
}
const dir = resolve(option('--dir') ?? join(tmpdir(), 'dockside-bench-pipeline'));
const profile = process.argv.includes('--cpu-prof');
const cpuProfDir = profile ? join(dir, 'profiles') : undefined;
if (cpuProfDir) {
  rmSync(cpuProfDir, { recursive: true, force: true });
  mkdirSync(cpuProfDir, { recursive: true });
}

mkdirSync(dir, { recursive: true });
const bytes = writeFiles(dir, warmup + fileCount, partners) * (fileCount / (warmup + fileCount));
writePartners(dir, partners);
process.stderr.write(
  `${warmup} warm-up and ${fileCount} measured files of ${(bytes / fileCount / 1024).toFixed(1)} KB on average in ${join(dir, 'files')}\n`,
);

const results: ModeResult[] = [];
for (const mode of modes) {
  const options: ModeOptions = {
    mode,
    dir,
    workers,
    concurrency,
    arrivals,
    partners,
    warmup,
    databaseUrl: option('--database-url') ?? 'postgres://postgres@127.0.0.1:5432/test',
    redisUrl: option('--redis-url') ?? 'redis://127.0.0.1:6379',
    ...(cpuProfDir ? { cpuProfDir } : {}),
  };
  process.stderr.write(`${LABELS[mode]}… `);
  // The mode's own process does the intake (and in embedded mode the processing too).
  const prof = cpuProfDir
    ? ['--cpu-prof', `--cpu-prof-dir=${join(cpuProfDir, mode === 'embedded' ? 'embedded' : 'intake')}`]
    : [];
  const r = spawnSync(
    process.execPath,
    [...prof, '--import', 'tsx', join(here, 'mode.ts'), JSON.stringify(options)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 30 * 60_000 },
  );
  if (r.status !== 0) {
    console.error(`\nbench:pipeline: ${LABELS[mode]} failed (${r.signal ?? `exit ${r.status}`}); see above`);
    process.exit(1);
  }
  const result = JSON.parse(r.stdout.trim().split('\n').pop()!) as ModeResult;
  results.push(result);
  process.stderr.write(`${result.filesPerSecond.toFixed(0)} files/s\n`);
}

const ms = (n: number) => n.toFixed(0);
const modeLabel = (r: ModeResult) =>
  r.mode === 'embedded'
    ? `${LABELS[r.mode]}, concurrency ${r.settings.concurrency}`
    : `${LABELS[r.mode]}, ${r.settings.workers} worker${r.settings.workers === 1 ? '' : 's'} x concurrency ${r.settings.concurrency}`;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 || i === widths.length - 1 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

console.log(
  `\nPipeline, arrival -> ack stored: ${fileCount} files of one 856 each (${(bytes / fileCount / 1024).toFixed(1)} KB on ` +
    `average) from ${partners === 1 ? 'one partner' : `${partners} partners`}, ${arrivals} arrivals in flight (node ${process.version}${process.execArgv
      .filter((a) => a.startsWith('--max-semi'))
      .map((a) => ` ${a}`)
      .join('')}, ${cpus().length} cores)\n`,
);
console.log(
  table(
    ['mode', 'files', 'files/s', 'p50 ms', 'p99 ms', 'max ms', 'peak RSS (MB) per process'],
    [
      ...results.map((r) => [
        modeLabel(r),
        String(r.files),
        r.filesPerSecond.toFixed(0),
        ms(r.latency.p50),
        ms(r.latency.p99),
        ms(r.latency.max),
        r.rssMB.map((p) => `${p.label} ${p.mb.toFixed(0)}`).join(', '),
      ]),
      ['Bots (documented figure, not measured here)', '—', '~55', '—', '—', '—', '—'],
    ],
  ),
);

console.log('\nWhere the time goes: p50 / p99 ms of each phase, and CPU seconds used during the run\n');
console.log(
  table(
    ['mode', 'intake', 'queue wait', 'processing', 'intake files/s', 'CPU s (wall s x cores available)'],
    results.map((r) => {
      const cpu = Object.entries(r.cpu.by)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${v.toFixed(1)}`);
      const ours = Object.values(r.cpu.by).reduce((a, b) => a + b, 0);
      cpu.push(`rest of machine ${Math.max(0, r.cpu.machineBusy - ours).toFixed(1)}`);
      const p = (x: { p50: number; p99: number }) => `${ms(x.p50)} / ${ms(x.p99)}`;
      return [
        LABELS[r.mode],
        p(r.phases.intake),
        p(r.phases.wait),
        p(r.phases.processing),
        r.intakePerSecond.toFixed(0),
        `${cpu.join(', ')} (${r.cpu.seconds.toFixed(1)} s x ${cpus().length})`,
      ];
    }),
  ),
);
console.log('');
for (const r of results) {
  console.log(
    `${LABELS[r.mode]}: load average before the run ${r.loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
  );
  if (r.perFile)
    console.log(
      `  per file: ${r.perFile.transactions.toFixed(1)} PostgreSQL transactions (reads included), ` +
        `${r.perFile.walSyncs.toFixed(1)} WAL syncs and ${r.perFile.redisCommands.toFixed(0)} Redis commands ` +
        `(${r.perFile.topRedis}); the last two count every client of the servers`,
    );
  if (r.warmup)
    console.log(
      `  warm-up before the run: ${r.warmup.files} files through the same processes at ${r.warmup.filesPerSecond.toFixed(0)} files/s ` +
        '(the cold start, V8 still compiling), not counted above',
    );
  if (r.mapDocumentsWaiting > 0)
    console.log(`  ${r.mapDocumentsWaiting} map-documents jobs left waiting: no worker takes that queue yet`);
}

const pg = results.find((r) => r.mode === 'postgres+bullmq');
if (pg) {
  const met = pg.filesPerSecond >= TARGET;
  console.log(
    `\nTarget: >= ${TARGET} files/s with PostgreSQL + BullMQ: ${met ? 'met' : 'NOT met'} (${pg.filesPerSecond.toFixed(0)} files/s).`,
  );
}
console.log(
  'Bots (open-source EDI translator) documents about 55 messages/s; that figure is quoted, not measured here.',
);
if (cpuProfDir) console.log(`CPU profiles in ${cpuProfDir}`);

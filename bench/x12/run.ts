// npm run bench:x12 [-- --size 1024] [--tools a,b] [--runs N] [--dir DIR]
// Generates realistic 856 files of 1, 10 and 100 MB (and any --size given) outside the repository, then
// reads each with each tool in a process of its own and prints one table: MB/s and peak RSS. Each
// measurement is the median of --runs runs (default 3; 1 for files over 100 MB and for runs over a minute),
// because a shared 2-core machine varies by ten percent from one run to the next.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { generate856 } from './generate.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const TOOLS = [
  'dockside-envelope',
  'dockside-full',
  'node-x12-parse',
  'node-x12-stream',
  'x12-parser',
] as const;
const LABELS: Record<(typeof TOOLS)[number], string> = {
  'dockside-envelope': 'Dockside (tokenize + envelope)',
  'dockside-full': 'Dockside (full spec validation)',
  'node-x12-parse': 'node-x12 1.7.1 parse',
  'node-x12-stream': 'node-x12 1.7.1 stream',
  'x12-parser': 'x12-parser 1.3.0 stream',
};

function option(name: string): string[] {
  const out: string[] = [];
  const args = process.argv.slice(2);
  args.forEach((a, i) => {
    if (a === name && args[i + 1] !== undefined) out.push(args[i + 1]!);
  });
  return out;
}

const sizes = [...new Set([1, 10, 100, ...option('--size').map(Number)])]
  .filter((n) => n > 0)
  .sort((a, b) => a - b);
const tools = option('--tools')
  .flatMap((t) => t.split(','))
  .filter(Boolean) as (typeof TOOLS)[number][];
const selected = tools.length > 0 ? TOOLS.filter((t) => tools.includes(t)) : [...TOOLS];
const dir = resolve(option('--dir')[0] ?? join(tmpdir(), 'dockside-bench'));
const runsWanted = Number(option('--runs')[0] ?? 3);
mkdirSync(dir, { recursive: true });

// The measured processes run plain JavaScript, as the other tools do: bundle the runner once.
const runner = join(dir, 'runner.mjs');
buildSync({
  entryPoints: [join(here, 'runner.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: runner,
  tsconfig: join(root, 'tsconfig.json'),
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'error',
});

interface Result {
  seconds: number;
  rssKB: number;
}

function skip(tool: string, mb: number): string | undefined {
  // node-x12's parse holds the file as one string and builds objects for all of it: about 60 times the
  // file in memory (6 GB at 100 MB), and V8 strings stop at 512 MB anyway.
  if (tool === 'node-x12-parse' && mb > 100)
    return 'skipped: needs the file as one string (V8 limit 512 MB) and ~60x its size in memory';
  return undefined;
}

const results = new Map<string, Result | string>();
for (const mb of sizes) {
  const file = join(dir, `856-${mb}MB.edi`);
  if (!existsSync(file) || statSync(file).size < mb * 1024 * 1024) {
    process.stderr.write(`generating ${file}\n`);
    await generate856(file, mb);
  }
  for (const tool of selected) {
    const why = skip(tool, mb);
    if (why) {
      results.set(`${tool}@${mb}`, why);
      continue;
    }
    process.stderr.write(`${LABELS[tool]} on ${mb} MB… `);
    const runs: Result[] = [];
    let failure: string | undefined;
    const wanted = mb > 100 ? 1 : runsWanted;
    while (runs.length < wanted) {
      const r = spawnSync(
        process.execPath,
        ['--max-old-space-size=16384', runner, tool, file, join(root, 'specs')],
        {
          encoding: 'utf8',
          timeout: 30 * 60_000,
          maxBuffer: 1 << 20,
        },
      );
      if (r.status !== 0) {
        failure = r.signal
          ? `killed (${r.signal})`
          : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`);
        break;
      }
      runs.push(JSON.parse(r.stdout.trim().split('\n').pop()!) as Result);
      if (runs[runs.length - 1]!.seconds > 60) break;
    }
    if (failure !== undefined) {
      results.set(`${tool}@${mb}`, `failed: ${failure}`);
      process.stderr.write('failed\n');
      continue;
    }
    runs.sort((a, b) => a.seconds - b.seconds);
    const median = runs[Math.floor(runs.length / 2)]!;
    results.set(`${tool}@${mb}`, median);
    process.stderr.write(
      `${(statSync(file).size / 1048576 / median.seconds).toFixed(1)} MB/s (median of ${runs.length})\n`,
    );
  }
}

const header = ['tool', ...sizes.flatMap((mb) => [`${mb} MB: MB/s`, `${mb} MB: peak RSS`])];
const rows = selected.map((tool) => [
  LABELS[tool],
  ...sizes.flatMap((mb) => {
    const r = results.get(`${tool}@${mb}`);
    if (r === undefined) return ['', ''];
    if (typeof r === 'string') return [r.startsWith('skipped') ? 'skipped' : 'failed', ''];
    return [
      (statSync(join(dir, `856-${mb}MB.edi`)).size / 1048576 / r.seconds).toFixed(1),
      `${(r.rssKB / 1024).toFixed(0)} MB`,
    ];
  }),
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) =>
  `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
console.log(
  `\nX12 reading, realistic 856 files: MB = 2^20 bytes (node ${process.version}, files in ${dir})\n`,
);
console.log(line(header));
console.log(
  `|${widths.map((w, i) => (i === 0 ? ':' : '-') + '-'.repeat(w) + (i === 0 ? '-' : ':')).join('|')}|`,
);
for (const r of rows) console.log(line(r));
const notes = [...results.entries()]
  .filter(([, r]) => typeof r === 'string')
  .map(([k, r]) => `- ${k}: ${r as string}`);
if (notes.length > 0) console.log(`\n${notes.join('\n')}`);
console.log(
  '\nTargets: Dockside tokenize + envelope >= 150 MB/s, full validation >= 60 MB/s, peak RSS <= 150 MB at 100 MB and 1 GB.',
);

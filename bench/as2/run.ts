// npm run bench:as2 [-- --sizes 1KB,100KB,10MB] [--count 100] [--warmup 5] [--concurrency 4]
//   [--openssl-runs 5] [--database-url URL]
// AS2 receiving, end to end on loopback: signed (sha256) and encrypted (aes-256-cbc, RSA 2048 PKCS#1 v1.5)
// X12 messages posted to the real endpoint (startAs2Server, a real intake: PGlite on disk, or PostgreSQL with
// --database-url), each asking for a signed synchronous MDN; --count messages per size, --concurrency in
// flight. Every MDN is checked afterwards (signed by our certificate, `processed`, the right MIC); any
// failure makes the run exit 1. Next to it, in the same run, the openssl CLI doing the same cryptography
// per message (cms -decrypt, then cms -verify), timed --openssl-runs times. Each size runs in a process of
// its own (size.ts), so its peak RSS is its own.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSize, type SizeSpec } from './messages.ts';
import type { SizeOptions, SizeResult } from './size.ts';

const here = dirname(fileURLToPath(import.meta.url));

function option(name: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.lastIndexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function whole(name: string, fallback: number, least = 1): number {
  const raw = option(name);
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < least) {
    console.error(`${name} ${raw}: expected a whole number of at least ${least}`);
    process.exit(2);
  }
  return n;
}

const count = whole('--count', 100);
const warmup = whole('--warmup', 5, 0);
const concurrency = whole('--concurrency', 4);
const opensslRuns = whole('--openssl-runs', 5);
const databaseUrl = option('--database-url');
const sizes: SizeSpec[] = (option('--sizes') ?? '1KB,100KB,10MB').split(',').map((s) => {
  const size = parseSize(s);
  if (!size) {
    console.error(`--sizes: ${s} is not a size (examples: 1KB, 100KB, 10MB)`);
    process.exit(2);
  }
  return size;
});

/** The start-up a CLI run pays before any work: the median of a few `openssl version`. */
function opensslStartMs(): number {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = process.hrtime.bigint();
    spawnSync('openssl', ['version']);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

const load = loadavg();
const results: SizeResult[] = [];
for (const size of sizes) {
  process.stderr.write(`${size.label}: ${warmup} warm-up + ${count} messages… `);
  const options: SizeOptions = {
    size,
    count,
    warmup,
    concurrency,
    opensslRuns,
    ...(databaseUrl ? { databaseUrl } : {}),
  };
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'size.ts'), JSON.stringify(options)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 30 * 60_000,
  });
  if (r.status !== 0) {
    console.error(`\nbench:as2: ${size.label} failed (${r.signal ?? `exit ${r.status}`}); see above`);
    process.exit(1);
  }
  const result = JSON.parse(r.stdout.trim().split('\n').pop()!) as SizeResult;
  results.push(result);
  process.stderr.write(`${(result.messages / result.seconds).toFixed(1)} messages/s\n`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

const fixed = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
console.log(
  `\nAS2 receive, POST to signed sync MDN: signed sha256 + aes-256-cbc, RSA 2048 PKCS#1 v1.5, ` +
    `${concurrency} in flight, ${databaseUrl ? 'PostgreSQL' : 'PGlite on disk'} (node ${process.version}, ` +
    `${cpus().length} cores, load average before ${load.map((l) => l.toFixed(2)).join(' ')})\n`,
);
console.log(
  table(
    [
      'size',
      'payload bytes',
      'messages',
      'messages/s',
      'MB/s',
      'p50 ms',
      'p99 ms',
      'peak RSS MB',
      'Dockside CPU ms/msg',
      `openssl CLI ms/msg (median of ${opensslRuns})`,
      'openssl msg/s',
    ],
    results.map((r) => {
      const o = median(r.openssl.map((t) => t.decryptMs + t.verifyMs));
      return [
        r.label,
        String(r.payloadBytes),
        String(r.messages),
        fixed(r.messages / r.seconds),
        fixed((r.messages * r.payloadBytes) / r.seconds / 1e6),
        fixed(r.latency.p50),
        fixed(r.latency.p99),
        r.rssMB.toFixed(0),
        fixed(r.cpuMsPerMessage),
        fixed(o),
        fixed(1000 / o),
      ];
    }),
  ),
);
console.log(
  '\nMB/s counts the X12 payload (10^6 bytes); the request body is the signed and encrypted message ' +
    `(${results.map((r) => `${r.label}: ${r.wireBytes} bytes`).join(', ')}).` +
    '\nEvery message of a size has the same body and a new Message-ID, so the blob store keeps one blob per ' +
    'size (one receipt per message): fine for AS2 throughput, not a test of blob storage.' +
    '\nDockside CPU ms/msg: CPU of the benchmark process (endpoint, intake, PGlite when used, and the sender) ' +
    'per message. openssl: `cms -decrypt` then `cms -verify`, one message after another, process start-up ' +
    'included; no HTTP, no MDN, nothing stored. Median ms of each command: ' +
    results
      .map(
        (r) =>
          `${r.label} decrypt ${fixed(median(r.openssl.map((t) => t.decryptMs)))}, ` +
          `verify ${fixed(median(r.openssl.map((t) => t.verifyMs)))}`,
      )
      .join('; ') +
    `; \`openssl version\` alone takes ${fixed(opensslStartMs())} ms.`,
);

const failed = results.filter((r) => r.failures > 0);
for (const r of failed) {
  console.log(`\n${r.label}: ${r.failures} failures`);
  for (const s of r.failureSamples) console.log(`  ${s}`);
}
console.log(
  failed.length === 0
    ? `\nEvery MDN checked: signed by our certificate, processed, MIC matching (${results.reduce((n, r) => n + r.messages, 0)} messages).`
    : '\nbench:as2: some messages did not get a processed, signed MDN',
);
if (failed.length > 0) process.exitCode = 1;

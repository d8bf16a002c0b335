// `dockside report mismatches` (CSV for tools, XLSX for finance, a standalone HTML page) and `dockside archive
// --date D` (a day's inbound files, acks, documents and mismatch report in one zip, with retention).
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { GatewayError } from '../errors.ts';
import { writeDayArchive, dayRange } from '../reports/archive.ts';
import {
  renderMismatchCsv,
  renderMismatchHtml,
  renderMismatchXlsx,
  type MismatchReport,
} from '../reports/index.ts';
import { loadMismatchReport } from '../reports/mismatch-source.ts';
import { applyRetention } from '../reports/retention.ts';
import type { Queryable } from '../store/db.ts';
import { withGateway } from './context.ts';
import { addFilterOptions, filterOf, type MismatchFilterOptions } from './mismatches.ts';

function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export async function mismatchReport(
  db: Queryable,
  options: MismatchFilterOptions,
  generatedAt: Date,
): Promise<MismatchReport> {
  return loadMismatchReport(db, filterOf(options), generatedAt);
}

export function reportCommand(): Command {
  const report = new Command('report').description("finance's reports");
  addFilterOptions(
    report.command('mismatches').description('the mismatches as CSV, an XLSX workbook or an HTML page'),
  )
    .addOption(
      new Option('--format <format>', 'csv, xlsx or html').choices(['csv', 'xlsx', 'html']).default('csv'),
    )
    .option(
      '--output <file>',
      'write to this file (an XLSX workbook needs one unless standard output is a pipe)',
    )
    .action(async (opts: MismatchFilterOptions & { format: 'csv' | 'xlsx' | 'html'; output?: string }) => {
      if (opts.format === 'xlsx' && !opts.output && process.stdout.isTTY) {
        throw new GatewayError(
          'usage',
          'an XLSX workbook is binary: give --output FILE.xlsx or pipe it',
          false,
        );
      }
      await withGateway({}, async (gateway) => {
        const r = await mismatchReport(gateway.db, opts, new Date());
        const body =
          opts.format === 'csv'
            ? Buffer.from(renderMismatchCsv(r), 'utf8')
            : opts.format === 'html'
              ? Buffer.from(renderMismatchHtml(r), 'utf8')
              : await renderMismatchXlsx(r);
        if (opts.output) {
          writeFileSync(opts.output, body);
          process.stderr.write(`${r.rows.length} mismatch(es) written to ${opts.output}\n`);
        } else {
          process.stdout.write(body);
        }
      });
    });
  return report;
}

export function archiveCommand(): Command {
  return new Command('archive')
    .description(
      "zip a UTC day's inbound files, acks, canonical documents and mismatch report, with a manifest",
    )
    .requiredOption('--date <YYYY-MM-DD>', 'the day (UTC)')
    .option('--out <dir>', 'where the zip goes (default: DOCKSIDE_DATA_DIR/archive)')
    .option(
      '--keep-days <n>',
      'then remove archives in that folder older than this many days (default DOCKSIDE_ARCHIVE_KEEP_DAYS)',
      (raw: string) => {
        if (!/^\d+$/.test(raw))
          throw new GatewayError('usage', `--keep-days: "${raw}" is not a whole number`, false);
        return Number(raw);
      },
    )
    .action(async (opts: { date: string; out?: string; keepDays?: number }) => {
      const day = dayRange(opts.date);
      await withGateway({}, async (gateway) => {
        const outDir = resolve(opts.out ?? join(gateway.config.dataDir, 'archive'));
        const now = new Date();
        // The day's mismatch report: those detected that day, whatever their status now.
        const report = await mismatchReport(
          gateway.db,
          { from: new Date(day.from), to: new Date(day.to) },
          now,
        );
        const result = await writeDayArchive(
          { db: gateway.db, blobs: gateway.blobs, log: gateway.log },
          { date: opts.date, outDir, mismatchReportCsv: renderMismatchCsv(report), now },
        );
        const c = result.counts;
        out(`${result.path}: ${result.size} bytes, sha256 ${result.sha256}`);
        out(
          `  ${c.inbound} inbound file(s) (${c.inboundBytes} bytes), ${c.acks} ack(s), ${c.documents} document(s), ` +
            `the mismatch report (${report.rows.length} detected that day)`,
        );
        if (!result.dayComplete) out('  the day has not ended: files that arrive later today are not in it');
        for (const m of result.missing) {
          out(
            `  MISSING receipt ${m.receiptId} (${m.fileName ?? m.blobKey}): its bytes are not in the blob store`,
          );
        }
        for (const e of result.errors) out(`  ERROR ${e.code}: ${e.message}`);
        const keepDays = opts.keepDays ?? gateway.config.archiveKeepDays;
        if (keepDays !== undefined) {
          const kept = await applyRetention({ log: gateway.log }, { outDir, keepDays, now });
          for (const r of kept.removed) out(`  removed ${r.path} (older than ${kept.keepFrom})`);
        }
        if (result.missing.length > 0 || result.errors.length > 0) process.exitCode = 1;
      });
    });
}

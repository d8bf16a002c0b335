// `dockside mismatches list|show|accept|dispute|resolve|reopen` and `dockside reconcile --po N`: finance's
// review of what reconciliation found, and a re-run of a match after the ERP's data changed.
import { userInfo } from 'node:os';
import { Command, Option } from 'commander';
import { GatewayError } from '../errors.ts';
import { reconcilePo, type PoOutcome } from '../pipeline/reconcile-documents.ts';
import { auditOf } from '../store/queries/audit.ts';
import {
  decideMismatch,
  findMismatches,
  getMismatch,
  partnersNamingPo,
  MISMATCH_STATUSES,
  queueLength,
  type MismatchDecision,
  type MismatchStatus,
  type StoredMismatch,
} from '../store/queries/mismatches.ts';
import { MISMATCH_TYPES } from '../reconcile/index.ts';
import { withGateway } from './context.ts';
import { positiveInt, table } from './operations.ts';

function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** A day (YYYY-MM-DD, UTC midnight) or a full ISO timestamp. */
export function dateOption(name: string) {
  return (raw: string): Date => {
    const d = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? new Date(`${raw}T00:00:00Z`) : new Date(raw);
    if (Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(raw)) {
      throw new GatewayError(
        'usage',
        `${name}: "${raw}" is not a date (YYYY-MM-DD or an ISO timestamp)`,
        false,
      );
    }
    return d;
  };
}

export function statusesOption(raw: string, previous: MismatchStatus[] = []): MismatchStatus[] {
  const list = raw.split(',').map((s) => s.trim());
  for (const s of list) {
    if (!(MISMATCH_STATUSES as readonly string[]).includes(s)) {
      throw new GatewayError(
        'usage',
        `--status: "${s}" is not one of ${MISMATCH_STATUSES.join(', ')}`,
        false,
      );
    }
  }
  return [...previous, ...(list as MismatchStatus[])];
}

export interface MismatchFilterOptions {
  from?: Date;
  to?: Date;
  partner?: string;
  po?: string;
  status?: MismatchStatus[];
  type?: string[];
}

export function addFilterOptions(c: Command): Command {
  return c
    .option(
      '--from <date>',
      'detected on or after (YYYY-MM-DD, UTC, or an ISO timestamp)',
      dateOption('--from'),
    )
    .option('--to <date>', 'detected before (YYYY-MM-DD, UTC, or an ISO timestamp)', dateOption('--to'))
    .option('--partner <id>', 'of this partner')
    .option('--po <number>', 'about this purchase order')
    .option('--status <list>', `${MISMATCH_STATUSES.join(', ')} (comma-separated)`, statusesOption)
    .addOption(
      new Option('--type <type>', 'of this type (repeatable)')
        .choices([...MISMATCH_TYPES])
        .argParser((v: string, prev: string[] = []) => [...prev, v]),
    );
}

export function filterOf(o: MismatchFilterOptions) {
  return {
    ...(o.from ? { from: o.from } : {}),
    ...(o.to ? { to: o.to } : {}),
    ...(o.partner ? { partnerId: o.partner } : {}),
    ...(o.po ? { poNumber: o.po } : {}),
    ...(o.status ? { statuses: o.status } : {}),
    ...(o.type ? { types: o.type } : {}),
  };
}

function money(m: StoredMismatch): string {
  return `${m.amountAtRisk}${m.currency ? ` ${m.currency}` : ''}`;
}

function when(d: Date): string {
  return d.toISOString().replace('T', ' ').slice(0, 19);
}

function printMismatch(m: StoredMismatch): void {
  out(`mismatch ${m.id}: ${m.type} (${m.severity}), ${m.status}`);
  out(`  partner ${m.partnerId}, PO ${m.poNumber}`);
  out(`  ${m.message}`);
  out(`  expected: ${m.expected}`);
  out(`  actual:   ${m.actual}`);
  out(`  amount at risk: ${money(m)}`);
  out(`  detected ${when(m.detectedAt)}, last seen ${when(m.lastSeenAt)}, updated ${when(m.updatedAt)}`);
  if (m.decidedBy) {
    out(`  decided by ${m.decidedBy} at ${when(m.decidedAt!)}${m.comment ? `: ${m.comment}` : ''}`);
  }
  out('  documents:');
  for (const d of m.documents) {
    const line =
      d.lineNumber !== undefined ? ` line ${d.lineNumber}` : d.ordinal !== undefined ? ` #${d.ordinal}` : '';
    const item = d.item ? ` item ${d.item}` : '';
    const at = d.trace ? ` (file line ${d.trace.line})` : '';
    out(`    ${d.documentType} ${d.documentId}${line}${item}${at}`);
  }
}

export function mismatchesCommand(): Command {
  const mismatches = new Command('mismatches').description(
    'what reconciliation found between ship notices, invoices and the ERP, and what finance decided',
  );
  addFilterOptions(mismatches.command('list').description('mismatches, newest first'))
    .option('--limit <n>', 'how many', positiveInt('--limit'), 100)
    .option('--json', 'JSON lines')
    .action(async (opts: MismatchFilterOptions & { limit: number; json?: boolean }) => {
      await withGateway({}, async (gateway) => {
        const rows = await findMismatches(gateway.db, { ...filterOf(opts), limit: opts.limit });
        if (opts.json) {
          for (const m of rows) out(JSON.stringify(m));
          return;
        }
        if (rows.length === 0) {
          out('no mismatches');
          return;
        }
        out(
          table(
            ['id', 'detected', 'partner', 'PO', 'type', 'severity', 'status', 'at risk', 'message'],
            rows.map((m) => [
              String(m.id),
              when(m.detectedAt),
              m.partnerId,
              m.poNumber,
              m.type,
              m.severity,
              m.status,
              money(m),
              m.message.length > 80 ? `${m.message.slice(0, 77)}...` : m.message,
            ]),
          ),
        );
      });
    });
  mismatches
    .command('show')
    .description('one mismatch with its documents and its history')
    .argument('<id>', 'mismatch id', positiveInt('mismatch id'))
    .action(async (id: number) => {
      await withGateway({}, async (gateway) => {
        const m = await getMismatch(gateway.db, id);
        if (!m) throw new GatewayError('not-found', `no mismatch ${id}`, false);
        printMismatch(m);
        out('  history:');
        for (const a of await auditOf(gateway.db, 'mismatch', id)) {
          const comment = typeof a.details.comment === 'string' ? `: ${a.details.comment}` : '';
          out(`    ${when(a.at)} ${a.actor} ${a.action}${comment}`);
        }
      });
    });
  const decisions: [MismatchDecision, string][] = [
    ['accept', 'accept it as a business exception (pay as billed)'],
    ['dispute', 'dispute it with the partner'],
    ['resolve', 'mark it resolved (corrected by the partner or in the ERP)'],
    ['reopen', 'open it again for review'],
  ];
  for (const [decision, description] of decisions) {
    mismatches
      .command(decision)
      .description(description)
      .argument('<id>', 'mismatch id', positiveInt('mismatch id'))
      .requiredOption('--comment <text>', 'why: kept with the decision and in the audit log')
      .option('--by <name>', 'who decides (default: the user running the command)')
      .action(async (id: number, opts: { comment: string; by?: string }) => {
        if (opts.comment.trim() === '') throw new GatewayError('usage', '--comment must say why', false);
        await withGateway({}, async (gateway) => {
          const actor = opts.by ?? userInfo().username;
          const result = await gateway.db.transaction((tx) =>
            decideMismatch(tx, id, decision, { actor, comment: opts.comment, at: new Date() }),
          );
          if (!result.ok && result.reason === 'not-found') {
            throw new GatewayError('not-found', `no mismatch ${id}`, false);
          }
          if (!result.ok) {
            throw new GatewayError(
              'usage',
              `mismatch ${id} is ${result.status}: ${decision} applies to one that is ${result.allowedFrom.join(' or ')}`,
              false,
            );
          }
          out(`mismatch ${id}: ${result.mismatch.status} by ${actor}: ${opts.comment}`);
        });
      });
  }
  return mismatches;
}

function printOutcome(o: PoOutcome): void {
  out(
    `PO ${o.poNumber} (partner ${o.partnerId}): ${o.knownToErp ? 'found in the ERP' : 'NOT in the ERP'}; ` +
      `${o.shipNotices} ship notice(s), ${o.invoices} invoice(s)`,
  );
  const s = o.saved;
  out(
    `  ${o.mismatches.length} mismatch(es): ${s.detected.length} new, ${s.updated.length + s.reopened.length} ` +
      `found again (${s.reopened.length} reopened), ${s.cleared.length} no longer found (resolved)`,
  );
  for (const m of o.mismatches) out(`  - ${m.type} (${m.severity}): ${m.message}`);
  if (o.nextDueAt)
    out(`  matched again at ${o.nextDueAt.toISOString()}, when an invoice's grace period ends`);
}

export function reconcileCommand(): Command {
  return new Command('reconcile')
    .description('match a purchase order again now (after the ERP data changed), or every queued one')
    .option('--po <number>', 'the purchase order')
    .option(
      '--partner <id>',
      'the partner whose documents name it (default: every partner whose documents do)',
    )
    .option('--queued', 'reconcile every PO that is due now, as the running gateway would')
    .action(async (opts: { po?: string; partner?: string; queued?: boolean }) => {
      if (!opts.po && !opts.queued) throw new GatewayError('usage', 'give --po NUMBER or --queued', false);
      await withGateway({}, async (gateway) => {
        if (!gateway.erp || !gateway.reconciler) {
          throw new GatewayError(
            'config-invalid',
            'no ERP is configured: set DOCKSIDE_ERP_CONFIG to an ERP settings file (docs/erp.md)',
            false,
          );
        }
        const deps = { db: gateway.db, erp: gateway.erp, partners: gateway.partners, log: gateway.log };
        if (opts.queued) {
          const run = await gateway.reconciler.runOnce();
          for (const o of run.reconciled) printOutcome(o);
          for (const f of run.failed)
            out(`PO ${f.poNumber} (partner ${f.partnerId}): not reconciled: ${f.error}`);
          const left = await queueLength(gateway.db);
          out(
            `${run.reconciled.length} PO(s) reconciled, ${run.failed.length} failed; ${left.waiting} waiting for a grace period`,
          );
          return;
        }
        const partners = opts.partner ? [opts.partner] : await partnersNamingPo(gateway.db, opts.po!);
        if (partners.length === 0) {
          throw new GatewayError('not-found', `no ship notice or invoice names PO ${opts.po}`, false);
        }
        for (const partnerId of partners) printOutcome(await reconcilePo(deps, partnerId, opts.po!));
      });
    });
}

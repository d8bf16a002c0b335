// `dockside ingest`, `receipts list|show`, `replay` and `deadletters list|retry`: what operations do by hand.
import { Command, Option } from 'commander';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { userInfo } from 'node:os';
import cliProgress from 'cli-progress';
import { GatewayError, errorMessage } from '../errors.ts';
import { replayReceipt, retryDeadLetter } from '../pipeline/operations.ts';
import { acknowledgmentsOfReceipt } from '../store/queries/acknowledgments.ts';
import { getDeadLetter, listDeadLetters } from '../store/queries/dead-letters.ts';
import { interchangesOfReceipt } from '../store/queries/interchanges.ts';
import { getReceipt, listReceipts, type Receipt, type ReceiptStatus } from '../store/queries/receipts.ts';
import type { Gateway } from '../main.ts';
import { waitForReceipts, withGateway, type CommandLogOptions } from './context.ts';

const actor = () => `cli:${userInfo().username}`;
const verboseOption = () => new Option('--verbose', 'show the gateway log (info level) while working');

function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 1)
      throw new GatewayError('usage', `${name} must be a positive whole number, not "${value}"`, false);
    return n;
  };
}

export function operationsCommands(): Command[] {
  const ingest = new Command('ingest')
    .description(
      'take files in for a partner as if its channel delivered them; waits until each is processed',
    )
    .argument('<files...>', 'X12 files')
    .requiredOption('--partner <id>', 'the partner the files come from')
    .option('--no-wait', 'with REDIS_URL: return once received, leave processing to the running workers')
    .addOption(verboseOption())
    .action(async (files: string[], opts: CommandLogOptions & { partner: string; wait: boolean }) => {
      await withGateway(opts, (gateway) => ingestFiles(gateway, files, opts), { work: true });
    });

  const receipts = new Command('receipts').description('what arrived, and what became of it');
  receipts
    .command('list')
    .description('the newest receipts first')
    .option('--partner <id>', 'only this partner')
    .addOption(
      new Option('--status <status>').choices(['received', 'processing', 'processed', 'duplicate', 'dead']),
    )
    .option('--limit <n>', 'how many', positiveInt('--limit'), 50)
    .option('--before <id>', 'older than this receipt (paging)', positiveInt('--before'))
    .option('--json', 'JSON lines')
    .action(
      async (opts: {
        partner?: string;
        status?: ReceiptStatus;
        limit: number;
        before?: number;
        json?: boolean;
      }) => {
        await withGateway({}, async (gateway) => {
          const rows = await listReceipts(gateway.db, {
            ...(opts.partner ? { partnerId: opts.partner } : {}),
            ...(opts.status ? { status: opts.status } : {}),
            ...(opts.before ? { beforeId: opts.before } : {}),
            limit: opts.limit,
          });
          if (opts.json) {
            for (const r of rows) out(JSON.stringify(r));
            return;
          }
          if (rows.length === 0) {
            out('no receipts');
            return;
          }
          out(
            table(
              ['id', 'received', 'partner', 'channel', 'file', 'bytes', 'status', 'outcome'],
              rows.map((r) => [
                String(r.id),
                r.receivedAt.toISOString().replace('T', ' ').slice(0, 19),
                r.partnerId ?? '',
                r.channelKind,
                r.fileName ?? '',
                String(r.size),
                r.duplicateOf ? `duplicate of ${r.duplicateOf}` : r.status,
                r.outcome ?? (r.lastError ? `error: ${r.lastError.slice(0, 60)}` : ''),
              ]),
            ),
          );
        });
      },
    );
  receipts
    .command('show')
    .description('one receipt: the file, its interchanges, groups and sets with their issues, and the acks')
    .argument('<id>', 'receipt id', positiveInt('receipt id'))
    .option('--json', 'as JSON')
    .action(async (id: number, opts: { json?: boolean }) => {
      await withGateway({}, async (gateway) => {
        const receipt = await getReceipt(gateway.db, id);
        if (!receipt) throw new GatewayError('not-found', `there is no receipt ${id}`, false);
        const detail = await interchangesOfReceipt(gateway.db, id);
        const acks = await acknowledgmentsOfReceipt(gateway.db, id);
        if (opts.json) {
          out(JSON.stringify({ receipt, ...detail, acknowledgments: acks }, null, 2));
          return;
        }
        printReceipt(receipt, detail, acks);
      });
    });

  const replay = new Command('replay')
    .description('process a receipt again from its stored file (a new receipt; acks get new control numbers)')
    .argument('<receipt>', 'receipt id', positiveInt('receipt id'))
    .addOption(verboseOption())
    .action(async (id: number, opts: CommandLogOptions) => {
      await withGateway(
        opts,
        async (gateway) => {
          const result = await replayReceipt(gateway, id, actor());
          out(`receipt ${id} replayed as receipt ${result.receipt.id}`);
          await reportWhenDone(gateway, [result.receipt.id]);
        },
        { work: true },
      );
    });

  const dead = new Command('deadletters').description('jobs that failed for good');
  dead
    .command('list')
    .description('open dead letters, newest first')
    .option('--all', 'include those already retried')
    .option('--json', 'JSON lines')
    .action(async (opts: { all?: boolean; json?: boolean }) => {
      await withGateway({}, async (gateway) => {
        const rows = await listDeadLetters(gateway.db, opts.all ? {} : { status: 'open' });
        if (opts.json) {
          for (const r of rows) out(JSON.stringify(r));
          return;
        }
        if (rows.length === 0) {
          out(opts.all ? 'no dead letters' : 'no open dead letters');
          return;
        }
        out(
          table(
            ['id', 'when', 'queue', 'receipt', 'attempts', 'status', 'reason'],
            rows.map((d) => [
              String(d.id),
              d.createdAt.toISOString().replace('T', ' ').slice(0, 19),
              d.queue,
              d.receiptId ? String(d.receiptId) : '',
              String(d.attempts),
              d.status,
              d.reason,
            ]),
          ),
        );
      });
    });
  dead
    .command('retry')
    .description('put a dead letter back in the queue')
    .argument('<id>', 'dead letter id', positiveInt('dead letter id'))
    .addOption(verboseOption())
    .action(async (id: number, opts: CommandLogOptions) => {
      await withGateway(
        opts,
        async (gateway) => {
          const letter = await getDeadLetter(gateway.db, id);
          await retryDeadLetter(gateway, id, actor());
          out(`dead letter ${id} retried`);
          if (letter?.receiptId) await reportWhenDone(gateway, [letter.receiptId]);
        },
        { work: true },
      );
    });
  return [ingest, receipts, replay, dead];
}

async function ingestFiles(
  gateway: Gateway,
  files: string[],
  opts: { partner: string; wait: boolean },
): Promise<void> {
  if (!gateway.partners.get(opts.partner)) {
    const known =
      gateway.partners
        .all()
        .map((p) => p.id)
        .join(', ') || 'none';
    throw new GatewayError('usage', `there is no partner "${opts.partner}" (known: ${known})`, false);
  }
  for (const f of files) {
    const info = await stat(f).catch((e: unknown) => {
      throw new GatewayError('input-unreadable', `${f}: ${errorMessage(e)}`, false);
    });
    if (!info.isFile()) throw new GatewayError('input-unreadable', `${f}: not a file`, false);
  }
  const bar =
    process.stderr.isTTY && files.length > 1
      ? new cliProgress.SingleBar(
          {
            format: 'ingest [{bar}] {value}/{total} files  {file}',
            hideCursor: true,
            stream: process.stderr,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  bar?.start(files.length, 0, { file: '' });
  const ids: number[] = [];
  const lines: string[] = [];
  for (const f of files) {
    const result = await gateway.intake.receive(createReadStream(f), {
      channel: { kind: 'cli', id: 'cli' },
      partnerId: opts.partner,
      remotePath: resolve(f),
      fileName: basename(f),
    });
    if (result.duplicateOf) {
      lines.push(
        `${f}: receipt ${result.receipt.id}, a duplicate of receipt ${result.duplicateOf.id} (not processed again)`,
      );
    } else {
      ids.push(result.receipt.id);
      lines.push(`${f}: receipt ${result.receipt.id}`);
    }
    bar?.increment(1, { file: basename(f) });
  }
  bar?.stop();
  for (const l of lines) out(l);
  if (gateway.queue.kind === 'bullmq' && !opts.wait) return;
  await reportWhenDone(gateway, ids);
}

async function reportWhenDone(gateway: Gateway, ids: number[]): Promise<void> {
  const left = await waitForReceipts(gateway, ids, () => undefined);
  for (const id of ids) {
    if (left.includes(id)) continue;
    const r = await getReceipt(gateway.db, id);
    if (r?.status === 'dead') process.exitCode = 1;
    const acks = await acknowledgmentsOfReceipt(gateway.db, id);
    const ackText =
      acks.map((a) => `${a.kinds} ${a.controlNumber} ${a.deliveryStatus}`).join(', ') || 'no acks';
    out(
      `receipt ${id}: ${r?.status === 'dead' ? `dead: ${r.lastError ?? ''}` : (r?.outcome ?? r?.status)} (${ackText})`,
    );
  }
  if (left.length > 0) {
    out(`still processing: ${left.join(', ')}`);
    process.exitCode = 1;
  }
}

function printReceipt(
  r: Receipt,
  detail: Awaited<ReturnType<typeof interchangesOfReceipt>>,
  acks: Awaited<ReturnType<typeof acknowledgmentsOfReceipt>>,
): void {
  out(`receipt ${r.id}  ${r.status}${r.outcome ? ` (${r.outcome})` : ''}`);
  out(`  partner   ${r.partnerId ?? '-'} via ${r.channelKind} ${r.channelId}`);
  out(`  file      ${r.remotePath ?? r.fileName ?? '-'}  ${r.size} bytes  sha256 ${r.sha256}`);
  out(
    `  received  ${r.receivedAt.toISOString()}${r.finishedAt ? `, finished ${r.finishedAt.toISOString()}` : ''}`,
  );
  if (r.duplicateOf) out(`  duplicate of receipt ${r.duplicateOf}`);
  if (r.replayOf) out(`  replay of receipt ${r.replayOf}`);
  if (r.lastError) out(`  last error (attempt ${r.attempts}): ${r.lastError}`);
  for (const i of r.issues as IssueLike[]) out(`  ${formatIssueLine(i)}`);
  for (const ic of detail.interchanges) {
    out(
      `  interchange ${ic.controlNumber} ${ic.senderQualifier}/${ic.senderId} -> ${ic.receiverQualifier}/${ic.receiverId} ${ic.version}: ${ic.status}`,
    );
    for (const i of ic.issues as IssueLike[]) out(`    ${formatIssueLine(i)}`);
    for (const g of detail.groups.filter((g) => g.interchangeId === ic.id)) {
      out(
        `    group ${g.functionalId} ${g.controlNumber} (${g.version}): ${g.setCount} set(s)${g.ackCode ? `, ack ${g.ackCode}` : ''}`,
      );
      for (const i of g.issues as IssueLike[]) out(`      ${formatIssueLine(i)}`);
      for (const s of detail.sets.filter((s) => s.groupId === g.id)) {
        out(
          `      set ${s.setId} ${s.controlNumber} (line ${s.startLine}, ${s.segmentCount} segments): ${s.status}`,
        );
        for (const i of s.issues as IssueLike[]) out(`        ${formatIssueLine(i)}`);
      }
    }
  }
  for (const a of acks) {
    out(
      `  ack ${a.kinds} ${a.controlNumber} for ${a.inboundControlNumber}: ${a.deliveryStatus}` +
        (a.deliveredTo ? ` to ${a.deliveredTo}` : '') +
        (a.lastError ? ` (${a.lastError})` : ''),
    );
  }
}

interface IssueLike {
  code: string;
  severity: string;
  message: string;
  location?: { line?: number; segment?: number; tag?: string };
}

function formatIssueLine(i: IssueLike): string {
  const at = i.location?.line ? `line ${i.location.line}${i.location.tag ? ` ${i.location.tag}` : ''}: ` : '';
  return `${i.severity} ${i.code}: ${at}${i.message}`;
}

export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

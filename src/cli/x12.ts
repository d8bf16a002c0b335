import { Command, Option } from 'commander';
import {
  buildAcknowledgments,
  serializeAck,
  type AckPolicy,
  type ControlNumbers,
} from '../x12/acks/build.ts';
import { analyze, type AnalysisResult } from '../x12/analyzer.ts';
import type { Issue } from '../x12/issues.ts';
import { createX12Services } from '../main.ts';
import { GatewayError } from '../errors.ts';
import { displayName, openInput } from './input.ts';

interface CommonOptions {
  specs?: string;
  encoding?: 'utf8' | 'latin1';
}

/** `retain`: keep interchanges, groups and sets (inspect and ack need them; validate only counts). */
async function run(file: string, options: CommonOptions, retain: boolean): Promise<AnalysisResult> {
  const services = createX12Services(options.specs !== undefined ? { specsDir: options.specs } : {});
  if (services.specs.errors.length > 0) {
    const errors = services.specs.errors;
    const shown = errors.slice(0, 40);
    const more = errors.length > shown.length ? `\n  … and ${errors.length - shown.length} more` : '';
    throw new GatewayError(
      'config-invalid',
      `the transaction-set specs have ${errors.length} problem(s):\n  ${shown.join('\n  ')}${more}`,
      false,
    );
  }
  const input = openInput(file);
  try {
    return await analyze(input, {
      specs: services.specs.registry,
      retain,
      ...(options.encoding ? { encoding: options.encoding } : {}),
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    // A read that fails half way (EIO, a vanished file) may well work the next time.
    throw new GatewayError(
      'input-unreadable',
      `${displayName(file)}: cannot read (${err.code ?? err.message})`,
      true,
      {
        cause: e,
      },
    );
  }
}

/** `FILE:LINE: segment N (TAG): message`, warnings and notes marked as such. */
export function formatIssue(file: string, i: Issue): string {
  const l = i.location;
  const where =
    l.segment > 0 && l.tag
      ? ` segment ${l.segment} (${l.tag}):`
      : l.segment > 0
        ? ` segment ${l.segment}:`
        : '';
  const prefix = i.severity === 'error' ? '' : `${i.severity}: `;
  return `${file}:${l.line}:${where} ${prefix}${i.message}`;
}

function ordered(issues: Issue[]): Issue[] {
  return [...issues].sort(
    (a, b) => a.location.offset - b.location.offset || a.location.segment - b.location.segment,
  );
}

function summary(r: AnalysisResult) {
  const errors = r.issues.filter((i) => i.severity === 'error').length;
  const warnings = r.issues.filter((i) => i.severity === 'warning').length;
  return {
    valid: errors === 0,
    errors,
    warnings,
    segments: r.segments,
    interchanges: r.counts.interchanges,
    groups: r.counts.groups,
    sets: r.counts.sets,
    setsById: r.counts.bySet,
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function describeSets(bySet: Record<string, number>): string {
  const parts = Object.entries(bySet)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, n]) => `${id} x${n}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

class Counter implements ControlNumbers {
  private readonly values = { interchange: 0, group: 0, set: 0 };
  constructor(start: number) {
    this.values = { interchange: start - 1, group: start - 1, set: start - 1 };
  }
  next(kind: 'interchange' | 'group' | 'set'): number {
    return ++this.values[kind];
  }
}

export function x12Command(): Command {
  const x12 = new Command('x12').description('read, check and acknowledge X12 files');
  const specsOption = new Option(
    '--specs <dir>',
    'transaction-set specs directory (default: the bundled specs/)',
  );
  const encodingOption = new Option('--encoding <encoding>', 'how element text is decoded')
    .choices(['utf8', 'latin1'])
    .default('utf8');

  x12
    .command('validate')
    .description(
      'check the envelope and every transaction set against its spec (exit 0 valid, 1 errors, 2 usage or I/O problem)',
    )
    .argument('<file>', "X12 file, or '-' for standard input")
    .option('--json', 'print the result as JSON with an "issues" array')
    .addOption(specsOption)
    .addOption(encodingOption)
    .action(async (file: string, opts: CommonOptions & { json?: boolean }) => {
      const result = await run(file, opts, false);
      const s = summary(result);
      const issues = ordered(result.issues);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ file: displayName(file), ...s, issues }, null, 2)}\n`);
      } else {
        const name = displayName(file);
        for (const i of issues) process.stdout.write(`${formatIssue(name, i)}\n`);
        process.stdout.write(
          `${name}: ${s.valid ? 'valid' : 'invalid'}: ${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}; ` +
            `${plural(s.interchanges, 'interchange')}, ${plural(s.groups, 'group')}, ${plural(s.sets, 'transaction set')}${describeSets(s.setsById)}\n`,
        );
      }
      process.exitCode = s.valid ? 0 : 1;
    });

  x12
    .command('inspect')
    .description('summarise a file: interchanges, groups, transaction sets by type, counts')
    .argument('<file>', "X12 file, or '-' for standard input")
    .option('--json', 'print the summary as JSON')
    .addOption(specsOption)
    .addOption(encodingOption)
    .action(async (file: string, opts: CommonOptions & { json?: boolean }) => {
      const result = await run(file, opts, true);
      const s = summary(result);
      const interchanges = result.interchanges.map((ic) => ({
        controlNumber: ic.header.controlNumber,
        sender: `${ic.header.senderQualifier}:${ic.header.senderId}`,
        receiver: `${ic.header.receiverQualifier}:${ic.header.receiverId}`,
        date: ic.header.date,
        time: ic.header.time,
        version: ic.header.version,
        usage: ic.header.usage,
        line: ic.location.line,
        groups: ic.groups.map((g) => ({
          functionalId: g.header.functionalId,
          controlNumber: g.header.controlNumber,
          sender: g.header.senderCode,
          receiver: g.header.receiverCode,
          version: g.header.version,
          sets: g.sets.length,
          setsById: countBy(g.sets.map((t) => t.id)),
        })),
      }));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ file: displayName(file), ...s, interchanges }, null, 2)}\n`);
        return;
      }
      const out: string[] = [
        `${displayName(file)}: ${plural(s.segments, 'segment')}, ${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}`,
      ];
      for (const ic of interchanges) {
        out.push(
          `interchange ${ic.controlNumber}  ${ic.sender} -> ${ic.receiver}  ${ic.date} ${ic.time}  version ${ic.version}  ${ic.usage === 'T' ? 'test' : ic.usage === 'P' ? 'production' : ic.usage}  (line ${ic.line})`,
        );
        for (const g of ic.groups) {
          out.push(
            `  group ${g.controlNumber}  ${g.functionalId}  ${g.sender} -> ${g.receiver}  version ${g.version}  ${plural(g.sets, 'set')}${describeSets(g.setsById)}`,
          );
        }
      }
      out.push(
        `total: ${plural(s.interchanges, 'interchange')}, ${plural(s.groups, 'group')}, ${plural(s.sets, 'transaction set')}${describeSets(s.setsById)}`,
      );
      process.stdout.write(`${out.join('\n')}\n`);
    });

  x12
    .command('ack')
    .description('print the acknowledgments Dockside would send for a file (TA1, 997, 999)')
    .argument('<file>', "X12 file, or '-' for standard input")
    .addOption(
      new Option(
        '--type <type>',
        'acknowledgment to build (default: 999 for 005010 groups, 997 before, TA1 when due)',
      ).choices(['997', '999', 'ta1']),
    )
    .addOption(
      new Option('--ta1 <when>', 'when a TA1 is due')
        .choices(['always', 'requested', 'errors', 'requested-or-errors', 'never'])
        .default('requested-or-errors'),
    )
    .option(
      '--control-start <n>',
      'first control number to use',
      (v) => parsePositive(v, '--control-start'),
      1,
    )
    .option('--now <iso-time>', 'time to stamp on the acks (default: now)', (v) => parseTime(v))
    .addOption(specsOption)
    .addOption(encodingOption)
    .action(
      async (
        file: string,
        opts: CommonOptions & {
          type?: '997' | '999' | 'ta1';
          ta1: NonNullable<AckPolicy['ta1']>;
          controlStart: number;
          now?: Date;
        },
      ) => {
        const result = await run(file, opts, true);
        const policy: AckPolicy =
          opts.type === 'ta1'
            ? { ta1: 'always', functional: 'none' }
            : { ta1: opts.ta1, functional: opts.type ?? 'auto' };
        const acks = buildAcknowledgments(result, {
          ...policy,
          controlNumbers: new Counter(opts.controlStart),
          now: opts.now ?? new Date(),
        });
        for (const a of acks) process.stdout.write(serializeAck(a));
        if (acks.length === 0) {
          process.stderr.write(
            result.interchanges.length === 0
              ? `${displayName(file)}: no interchange to acknowledge\n`
              : `${displayName(file)}: no acknowledgment is due (TA1 policy ${policy.ta1}; groups of acknowledgments are not acknowledged)\n`,
          );
        }
      },
    );
  return x12;
}

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

function parsePositive(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 999_999_999)
    throw new GatewayError('usage', `${name} must be a whole number from 1 to 999999999, got '${v}'`, false);
  return n;
}

function parseTime(v: string): Date {
  const d = new Date(v);
  if (Number.isNaN(d.getTime()))
    throw new GatewayError(
      'usage',
      `--now must be an ISO time such as 2026-11-26T12:00:00Z, got '${v}'`,
      false,
    );
  return d;
}

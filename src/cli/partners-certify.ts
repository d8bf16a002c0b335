// `dockside partners certify ID SAMPLE...`: what the gateway would do with each sample file from this
// partner — parse, validate, the partner's own checks, the acknowledgments its policy calls for — without
// a database, a queue or a channel. Control numbers start at 1 for each file and the time is fixed (--now),
// so the same sample always gives the same report: the team keeps the reports as the partner's acceptance
// tests (--write-expected once, --expect from then on).
import { Command } from 'commander';
import { selectCsvMapping, type CsvMapping } from '../csv/mapping.ts';
import { mapCsvFile } from '../csv/map-file.ts';
import type { CsvIssue } from '../csv/issues.ts';
import type { DocumentIssue } from '../documents/issues.ts';
import { defaultMappers, type MapperRegistry } from '../documents/mappers/index.ts';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { loadGatewayConfig } from '../config/gateway.ts';
import { GatewayError, errorMessage } from '../errors.ts';
import { identityKey, type Partner, type PartnerDirectory } from '../partners/partner.ts';
import { partnerSpecResolvers } from '../partners/specs.ts';
import { ackPolicyFor, checkAgainstPartner } from '../pipeline/partner-checks.ts';
import { planReceipt, refused } from '../pipeline/receipt-plan.ts';
import { buildForInterchange, type AckInterchange, type ControlNumbers } from '../x12/acks/build.ts';
import { analyze, type AnalysisResult, type InterchangeResult } from '../x12/analyzer.ts';
import { issue, type Issue } from '../x12/issues.ts';
import type { SpecResolver } from '../x12/spec/registry.ts';
import { formatBuilt } from '../x12/writer.ts';
import { readTransactionSets } from '../x12/set-segments.ts';
import { partnerOf, registryOf, specsOf } from './partners-registry.ts';

/** The time written into acks unless --now says otherwise: fixed, so that reports can be compared. */
export const DEFAULT_CERTIFY_TIME = '2026-01-01T00:00:00Z';

export function certifyCommand(): Command {
  return new Command('certify')
    .description(
      "run sample files through parsing, validation, the partner's checks, acknowledgments and mapping to documents, without " +
        'touching the database or any channel, and print what would happen',
    )
    .argument('<id>', 'partner id')
    .argument(
      '<samples...>',
      "sample files from the partner: X12, or CSV named as one of the partner's CSV mappings expects",
    )
    .option('--expect <dir>', 'compare each report with <dir>/<sample>.expected.txt; exit 1 on a difference')
    .option('--write-expected <dir>', 'write each report to <dir>/<sample>.expected.txt')
    .option('--now <time>', 'the time written into the acks (ISO 8601)', DEFAULT_CERTIFY_TIME)
    .action(
      async (
        id: string,
        samples: string[],
        opts: { expect?: string; writeExpected?: string; now: string },
      ) => {
        const now = new Date(opts.now);
        if (Number.isNaN(now.getTime())) {
          throw new GatewayError(
            'usage',
            `--now ${opts.now} is not a time (use ISO 8601, e.g. ${DEFAULT_CERTIFY_TIME})`,
            false,
          );
        }
        if (opts.expect !== undefined && opts.writeExpected !== undefined) {
          throw new GatewayError('usage', '--expect and --write-expected do not go together', false);
        }
        const config = loadGatewayConfig();
        const specs = specsOf(config);
        const registry = registryOf(config, specs);
        const partner = partnerOf(registry, id);
        // The standard specs narrowed by the partner's overlays, as the pipeline validates its files.
        const partnerSpecs = partnerSpecResolvers(specs)(partner);
        const mappers = defaultMappers();
        const names = new Set<string>();
        for (const s of samples) {
          // Expected files are named after the sample: two samples of one name would share one.
          if (names.has(basename(s)) && (opts.expect ?? opts.writeExpected) !== undefined) {
            throw new GatewayError('usage', `two samples are called ${basename(s)}; rename one`, false);
          }
          names.add(basename(s));
        }
        process.stdout.write(
          `certifying ${samples.length} sample(s) for partner ${partner.id} (${partner.status}); ` +
            `acks dated ${now.toISOString()}, control numbers from 1 per file; nothing is recorded or sent\n\n`,
        );
        let differences = 0;
        for (const sample of samples) {
          let bytes: Buffer;
          try {
            bytes = await readFile(sample);
          } catch (e) {
            throw new GatewayError('input-unreadable', `${sample}: cannot read (${errorMessage(e)})`, false);
          }
          const csv = partner.csv ? selectCsvMapping(partner.csv, basename(sample)) : undefined;
          const report = csv
            ? certifyCsvSample(basename(sample), bytes, partner, csv)
            : await certifySample(basename(sample), bytes, partner, registry, {
                specs: partnerSpecs,
                now,
                mappers,
              });
          process.stdout.write(report);
          if (opts.writeExpected !== undefined) {
            await mkdir(opts.writeExpected, { recursive: true });
            const file = expectedFile(opts.writeExpected, sample);
            await writeFile(file, report);
            process.stdout.write(`  wrote ${file}\n`);
          } else if (opts.expect !== undefined) {
            const file = expectedFile(opts.expect, sample);
            let expected: string;
            try {
              expected = await readFile(file, 'utf8');
            } catch {
              differences++;
              process.stdout.write(`  DIFFERENT: there is no ${file} (write it with --write-expected)\n`);
              continue;
            }
            if (expected === report) process.stdout.write(`  as expected (${file})\n`);
            else {
              differences++;
              process.stdout.write(`  DIFFERENT from ${file} (- expected, + now):\n`);
              for (const l of lineDiff(expected, report)) process.stdout.write(`    ${l}\n`);
            }
          }
          process.stdout.write('\n');
        }
        if (opts.expect !== undefined) {
          process.stdout.write(
            differences === 0
              ? `all ${samples.length} sample(s) as expected\n`
              : `${differences} of ${samples.length} sample(s) differ from what is expected\n`,
          );
          if (differences > 0) process.exitCode = 1;
        }
      },
    );
}

export function expectedFile(dir: string, sample: string): string {
  return join(dir, `${basename(sample)}.expected.txt`);
}

export interface CertifyOptions {
  specs: SpecResolver;
  now: Date;
  /** Turn the accepted sets into canonical documents. */
  mappers: MapperRegistry;
}

/** The report for one sample: the file's outcome, its interchanges, groups and sets with their issues, and
 * the acks that would be sent, segment by segment. */
export async function certifySample(
  name: string,
  bytes: Buffer,
  partner: Partner,
  registry: PartnerDirectory,
  options: CertifyOptions,
): Promise<string> {
  const analysis = await analyze([bytes], { specs: options.specs });
  checkAgainstPartner(analysis, partner, registry);
  markRepeats(analysis, partner);
  const acks = buildAcks(analysis, partner, options.now);
  const plan = planReceipt(analysis, partner.id, acks);
  const lines: string[] = [];
  const emit: Emit = (depth, text) => lines.push(`${'  '.repeat(depth)}${text}`);
  emit(0, `${name}: ${analysis.interchanges.length === 0 ? 'rejected (no interchange)' : plan.outcome}`);
  if (bytes.length === 0) emit(1, 'the file is empty');
  for (const i of analysis.fileIssues) emit(1, formatIssue(i));
  plan.interchanges.forEach((ic, n) => {
    const result = analysis.interchanges[n]!;
    emit(
      1,
      `interchange ${ic.controlNumber} from ${ic.senderQualifier}/${ic.senderId} to ` +
        `${ic.receiverQualifier}/${ic.receiverId} (${ic.version}), line ${ic.startLine}: ${ic.status}`,
    );
    for (const i of result.issues) emit(2, formatIssue(i));
    ic.groups.forEach((g, gn) => {
      const group = result.groups[gn]!;
      emit(
        2,
        `group ${g.functionalId} ${g.controlNumber} (${g.version}), ${g.setCount} set(s)` +
          (g.ackCode ? `: ack ${g.ackCode}` : ''),
      );
      for (const i of group.issues) emit(3, formatIssue(i));
      g.sets.forEach((s, sn) => {
        const set = group.sets[sn]!;
        emit(
          3,
          `set ${s.setId} ${s.controlNumber}, line ${s.startLine}, ${s.segmentCount} segments: ${s.status}` +
            (s.spec ? ` (checked against ${s.spec})` : ''),
        );
        for (const i of set.issues) emit(4, formatIssue(i));
        if (set.droppedIssues > 0) emit(4, `… and ${set.droppedIssues} more issue(s) not kept`);
      });
    });
  });
  if (plan.acks.length === 0) emit(1, 'no acknowledgment would be sent');
  for (const { ack } of plan.acks) {
    emit(1, `ack ${ackKinds(ack)} ${ack.controlNumber} for interchange ${ack.inboundControlNumber}:`);
    for (const s of ack.segments) emit(2, `${formatBuilt(s, ack.delimiters)}${ack.delimiters.segment}`);
  }
  // The sets the acks accept become documents, as the mapping step makes them from the stored file.
  const accepted = new Set<string>();
  plan.interchanges.forEach((ic) =>
    ic.groups.forEach((g) =>
      g.sets.forEach((s) => {
        if (s.status === 'accepted' || s.status === 'accepted-with-errors')
          accepted.add(setKey(ic.controlNumber, g.controlNumber, s.controlNumber));
      }),
    ),
  );
  if (accepted.size > 0) {
    for (const set of readTransactionSets(bytes).sets) {
      const key = setKey(set.interchange.controlNumber, set.group.controlNumber, set.controlNumber);
      if (!accepted.delete(key)) continue;
      const where = `set ${set.setId} ${set.controlNumber}, line ${set.segments[0]?.line ?? 1}`;
      emitMapping(emit, where, options.mappers.map(set, { partnerId: partner.id, fileName: name }));
    }
  }
  return `${lines.join('\n')}\n`;
}

const setKey = (interchange: string, group: string, set: string) => `${interchange}/${group}/${set}`;

type Emit = (depth: number, text: string) => void;

/** A document as the mapping would store it (its JSON, indented), or why there is none. */
function emitMapping(
  emit: Emit,
  where: string,
  result: { document?: object | undefined; issues: DocumentIssue[] },
): void {
  if (result.document) {
    const doc = result.document as { type: string };
    emit(1, `${where} -> ${doc.type}:`);
    for (const i of result.issues) emit(2, formatDocumentIssue(i));
    for (const l of JSON.stringify(result.document, null, 2).split('\n')) emit(2, l);
  } else {
    emit(1, `${where} -> no document:`);
    for (const i of result.issues) emit(2, formatDocumentIssue(i));
  }
}

/** A CSV sample: the partner's mapping for its name reads it into documents; no ack is sent for CSV. */
export function certifyCsvSample(name: string, bytes: Buffer, partner: Partner, mapping: CsvMapping): string {
  const result = mapCsvFile(bytes, name, mapping, partner.id);
  const lines: string[] = [];
  const emit: Emit = (depth, text) => lines.push(`${'  '.repeat(depth)}${text}`);
  const errors = result.issues.filter((i) => i.severity === 'error').length;
  const outcome = result.documents.length === 0 ? 'rejected' : errors > 0 ? 'partially accepted' : 'accepted';
  emit(
    0,
    `${name}: ${outcome} (CSV, mapping ${mapping.name} for ${mapping.produces}, ${result.rows} row(s), ` +
      `${result.documents.length} document(s))`,
  );
  for (const i of result.issues) emit(1, formatDocumentIssue(i));
  result.documents.forEach((d, n) => {
    emit(1, `document ${n + 1} -> ${d.type}:`);
    for (const l of JSON.stringify(d, null, 2).split('\n')) emit(2, l);
  });
  emit(1, 'no acknowledgment would be sent (CSV partners get none)');
  return `${lines.join('\n')}\n`;
}

/** `error code line L column C: message` for a mapping issue; X12 ones add segment and element. */
function formatDocumentIssue(i: DocumentIssue | CsvIssue): string {
  const l = i.location;
  const where = [`line ${l.line}`];
  if (l.segment !== undefined) where.push(`segment ${l.segment}${l.tag ? ` (${l.tag})` : ''}`);
  if (l.element !== undefined) {
    where.push(`element ${l.element}${l.component !== undefined ? `-${l.component}` : ''}`);
  }
  if (l.column !== undefined) where.push(`column ${l.column}`);
  return `${i.severity} ${i.code} ${where.join(' ')}: ${i.message}`;
}

function ackKinds(ack: AckInterchange): string {
  return [ack.ta1 ? 'TA1' : '', ...new Set(ack.functional.map((f) => f.type))].filter(Boolean).join('+');
}

/** `error code line L segment S (TAG) element E: message`: everything the acks and the UI locate it by. */
export function formatIssue(i: Issue): string {
  const l = i.location;
  const where = [`line ${l.line}`];
  if (l.segment > 0) where.push(`segment ${l.segment}${l.tag ? ` (${l.tag})` : ''}`);
  if (l.element !== undefined) {
    where.push(`element ${l.element}${l.component !== undefined ? `-${l.component}` : ''}`);
  }
  return `${i.severity} ${i.code} ${where.join(' ')}: ${i.message}`;
}

/** An interchange repeated within the same file is a duplicate. Repeats of earlier files need the
 * database, which certification does not touch. */
function markRepeats(analysis: AnalysisResult, partner: Partner): void {
  if (partner.duplicateWindowHours === 0) return;
  const seen = new Map<string, InterchangeResult>();
  for (const ic of analysis.interchanges) {
    if (refused(ic)) continue;
    const h = ic.header;
    const key = [
      identityKey(h.senderQualifier, h.senderId),
      identityKey(h.receiverQualifier, h.receiverId),
      h.controlNumber,
    ].join('/');
    const first = seen.get(key);
    if (!first) {
      seen.set(key, ic);
      continue;
    }
    ic.issues.push(
      issue(
        'duplicate-interchange',
        `interchange ${h.controlNumber} from ${h.senderQualifier.trim()}/${h.senderId.trim()} to ` +
          `${h.receiverQualifier.trim()}/${h.receiverId.trim()} was already received in this file, at line ` +
          `${first.location.line}; it is not processed again`,
        { ...ic.location, element: 13 },
        { data: h.controlNumber },
      ),
    );
  }
}

/** The acks per the partner's policy; refused and duplicate interchanges get only the envelope answer. */
function buildAcks(
  analysis: AnalysisResult,
  partner: Partner,
  now: Date,
): Map<InterchangeResult, AckInterchange> {
  const counters = { interchange: 0, group: 0, set: 0 };
  const controlNumbers: ControlNumbers = { next: (kind) => ++counters[kind] };
  const acks = new Map<InterchangeResult, AckInterchange>();
  for (const ic of analysis.interchanges) {
    const ack = buildForInterchange(ic, { ...ackPolicyFor(ic, partner), controlNumbers, now });
    if (ack) acks.set(ic, ack);
  }
  return acks;
}

/** The lines of a and b with what differs marked: `- ` only in a, `+ ` only in b, two spaces for a line
 * around a change. Reports are small, so the longest common subsequence is computed outright. */
export function lineDiff(a: string, b: string, context = 2): string[] {
  const x = a.split('\n');
  const y = b.split('\n');
  if (x.length * y.length > 4_000_000) {
    const at = x.findIndex((l, i) => l !== y[i]);
    return [`first difference at line ${at + 1}:`, `- ${x[at] ?? ''}`, `+ ${y[at] ?? ''}`];
  }
  const lcs: number[][] = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--) {
      lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const all: { mark: ' ' | '-' | '+'; text: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      all.push({ mark: ' ', text: x[i]! });
      i++;
      j++;
    } else if (i < x.length && (j === y.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      all.push({ mark: '-', text: x[i++]! });
    } else {
      all.push({ mark: '+', text: y[j++]! });
    }
  }
  const near = (k: number) =>
    all.slice(Math.max(0, k - context), k + context + 1).some((l) => l.mark !== ' ');
  const out: string[] = [];
  let skipped = false;
  all.forEach((l, k) => {
    if (l.mark !== ' ' || near(k)) {
      if (skipped && out.length > 0) out.push('…');
      skipped = false;
      out.push(`${l.mark} ${l.text}`);
    } else skipped = true;
  });
  return out;
}

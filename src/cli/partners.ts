// `dockside partners list|show|validate|new|test|certify`: what the onboarding team does with a partner file,
// from writing it to certifying sample files, without the gateway running and without touching its state.
import { Command, Option } from 'commander';
import { constants, existsSync, readFileSync } from 'node:fs';
import { access, mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parseDocument } from 'yaml';
import { embeddedDbDir, loadGatewayConfig, type GatewayConfig } from '../config/gateway.ts';
import { GatewayError, errorMessage } from '../errors.ts';
import { openDb } from '../main.ts';
import { certificateWarnings, inboundWhere, outboundWhere } from '../partners/describe.ts';
import { validatePartnerFiles } from '../partners/load.ts';
import type { Partner, PartnerDirectory } from '../partners/partner.ts';
import { isSecretReference } from '../partners/secrets.ts';
import type { Queryable } from '../store/db.ts';
import { interchangesOfReceipt } from '../store/queries/interchanges.ts';
import { listReceipts, type Receipt } from '../store/queries/receipts.ts';
import type { Issue } from '../x12/issues.ts';
import { certifyCommand } from './partners-certify.ts';
import { starterFile, TEMPLATE_NAMES, type TemplateName } from './partners-templates.ts';
import { loadOptions, partnerOf, registryOf, specsOf } from './partners-registry.ts';
import { testCommand } from './partners-test.ts';

function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function partnersCommand(): Command {
  const partners = new Command('partners').description(
    'the partner registry: list, show, validate and create partner files; test channels; certify samples',
  );

  partners
    .command('list')
    .description('every partner: status, channels, the last file received and the last error')
    .action(async () => {
      const config = loadGatewayConfig();
      const registry = registryOf(config);
      await listPartners(config, registry);
    });

  partners
    .command('show')
    .description(
      'one partner as the gateway reads it: identities, ack policy, channels (secrets as references)',
    )
    .argument('<id>', 'partner id')
    .action((id: string) => {
      const config = loadGatewayConfig();
      const partner = partnerOf(registryOf(config), id);
      for (const line of describePartner(partner)) out(line);
    });

  partners
    .command('validate')
    .description('check partner files; prints file:line:col: message for each problem (exit 1 on any)')
    .argument('[files...]', 'partner files (default: every file in the partner directory)')
    .action(async (files: string[]) => {
      const config = loadGatewayConfig();
      const result = await validateFiles(config, files);
      for (const e of result.errors) out(e);
      if (result.errors.length > 0) {
        out(`${result.errors.length} problem(s) in ${result.files} partner file(s)`);
        process.exitCode = 1;
        return;
      }
      out(`${result.files} partner file${result.files === 1 ? '' : 's'} valid`);
    });

  partners
    .command('new')
    .description('write a commented starter file partners/ID.yaml (never over an existing one)')
    .argument('<id>', 'the new partner id: lower-case letters, digits and dashes')
    .addOption(
      new Option('--template <template>', 'how the partner exchanges files')
        .choices([...TEMPLATE_NAMES])
        .makeOptionMandatory(),
    )
    .action(async (id: string, opts: { template: TemplateName }) => {
      const config = loadGatewayConfig();
      await newPartner(config, id, opts.template);
    });

  partners.addCommand(testCommand());
  partners.addCommand(certifyCommand());
  return partners;
}

// ---- list

interface Activity {
  last?: Receipt;
  lastProblem?: Receipt;
  /** The first error in the data of a rejected lastProblem, as `line N: message`. */
  why?: string;
}

/** How far back `list` looks for a partner's last problem: enough for an overview, bounded for a busy one. */
const PROBLEM_LOOKBACK = 200;

async function listPartners(config: GatewayConfig, registry: PartnerDirectory): Promise<void> {
  const partners = registry.all().sort((a, b) => a.id.localeCompare(b.id));
  if (partners.length === 0) {
    out(`no partners in ${shown(config.partnersDir)}`);
    return;
  }
  const activity = await readActivity(config, partners);
  const rows = partners.map((p) => {
    const a = activity.byPartner?.get(p.id);
    return [
      p.id,
      p.status,
      channelSummary(p),
      activity.byPartner ? (a?.last ? describeLast(a.last) : 'none yet') : '?',
      activity.byPartner ? (a?.lastProblem ? describeProblem(a) : '-') : '?',
    ];
  });
  out(table(['partner', 'status', 'channels', 'last file', 'last error'], rows));
  const now = new Date();
  const warnings = partners.flatMap((p) => certificateWarnings(p, now).map((w) => `warning: ${p.id}: ${w}`));
  if (warnings.length > 0) out(`\n${warnings.join('\n')}`);
  if (activity.note) out(`\n${activity.note}`);
}

async function readActivity(
  config: GatewayConfig,
  partners: Partner[],
): Promise<{ byPartner?: Map<string, Activity>; note?: string }> {
  // Opening the embedded database would create it: a registry never run has no receipts to show.
  if (!config.databaseUrl && !existsSync(embeddedDbDir(config))) {
    return { byPartner: new Map(), note: 'no database yet: no file has been received' };
  }
  let db;
  try {
    db = await openDb(config);
  } catch (e) {
    if (e instanceof GatewayError && e.code === 'locked') {
      return {
        note:
          'last file and last error unknown: the embedded database is in use by a running gateway ' +
          '(stop it, or run the gateway with DATABASE_URL so that commands can read alongside it)',
      };
    }
    return { note: `last file and last error unknown: cannot open the database: ${errorMessage(e)}` };
  }
  try {
    const byPartner = new Map<string, Activity>();
    for (const p of partners) {
      const recent = await listReceipts(db, { partnerId: p.id, limit: PROBLEM_LOOKBACK });
      const lastProblem = recent.find(
        (r) => r.lastError !== null || r.status === 'dead' || r.outcome === 'rejected',
      );
      const why =
        lastProblem && lastProblem.lastError === null ? await firstError(db, lastProblem) : undefined;
      byPartner.set(p.id, {
        ...(recent[0] ? { last: recent[0] } : {}),
        ...(lastProblem ? { lastProblem } : {}),
        ...(why ? { why } : {}),
      });
    }
    return { byPartner };
  } catch (e) {
    // A database that was never migrated has no receipts table: nothing was received through it.
    if (/relation "receipts" does not exist/.test(errorMessage(e))) {
      return { byPartner: new Map(), note: 'the database has no tables yet: no file has been received' };
    }
    return { note: `last file and last error unknown: ${errorMessage(e)}` };
  } finally {
    await db.close();
  }
}

function stamp(d: Date): string {
  return d.toISOString().replace('T', ' ').slice(0, 19);
}

function describeLast(r: Receipt): string {
  return `${stamp(r.receivedAt)} ${r.fileName ?? r.remotePath ?? `receipt ${r.id}`} (${r.outcome ?? r.status})`;
}

/** What rejected a receipt: its first error, from the file down to the sets. */
async function firstError(db: Queryable, r: Receipt): Promise<string | undefined> {
  const detail = await interchangesOfReceipt(db, r.id);
  const all = [r.issues, ...[...detail.interchanges, ...detail.groups, ...detail.sets].map((x) => x.issues)];
  for (const issues of all) {
    const found = (issues as Partial<Issue>[]).find((i) => i.severity === 'error');
    if (found?.message) return `line ${found.location?.line ?? '?'}: ${found.message}`;
  }
  return undefined;
}

function describeProblem(a: Activity): string {
  const r = a.lastProblem!;
  const what =
    r.lastError ?? `${r.outcome === 'rejected' ? 'rejected' : r.status}${a.why ? `, ${a.why}` : ''}`;
  const text = `${stamp(r.receivedAt)} receipt ${r.id}: ${what}`;
  return text.length > 100 ? `${text.slice(0, 99)}…` : text;
}

function channelSummary(p: Partner): string {
  const parts = p.inbound.map((c) => `${c.kind}:${c.id}`);
  if (p.hosted) parts.push('hosted');
  if (p.as2) parts.push(`as2:${p.as2.as2Id}`);
  const inbound = parts.length > 0 ? parts.join(',') : 'none';
  return `in ${inbound}; out ${p.outbound?.kind ?? 'none'}`;
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

// ---- show

function loginLines(c: {
  password?: string;
  privateKey?: string;
  passphrase?: string;
  hostKey?: { fingerprints: string[]; trustOnFirstUse: boolean; learnedFile: string };
}): string[] {
  const lines: string[] = [];
  // The loader keeps secrets as references; they are printed as such, and a value would never reach here.
  for (const field of ['password', 'privateKey', 'passphrase'] as const) {
    const ref = c[field];
    if (ref !== undefined) lines.push(`${field} ${isSecretReference(ref) ? ref : '(not a reference)'}`);
  }
  if (c.hostKey) {
    const k = c.hostKey;
    lines.push(
      k.fingerprints.length > 0
        ? `host key pinned: ${k.fingerprints.join(', ')}`
        : k.trustOnFirstUse
          ? `host key trusted on first use, kept in ${k.learnedFile}`
          : 'host key: none pinned and trustOnFirstUse off: every connection is refused until one is pinned',
    );
  }
  return lines;
}

function describePartner(p: Partner): string[] {
  const lines = [
    `partner ${p.id}  ${p.name}`,
    `  file        ${shown(p.file)}`,
    `  status      ${p.status}`,
    `  identities  ${p.identities
      .map(
        (i) =>
          `${i.qualifier}/${i.id}` +
          (i.applicationIds && i.applicationIds.length > 0 ? ` (GS ${i.applicationIds.join(', ')})` : ''),
      )
      .join(', ')}`,
    `  sets        ${
      p.transactionSets.length > 0
        ? p.transactionSets.map((t) => `${t.set} ${t.version} ${t.direction}`).join(', ')
        : 'none listed'
    }`,
    `  acks        functional ${p.acknowledgments.functional}, TA1 ${p.acknowledgments.ta1}, ` +
      `acks of acks ${p.acknowledgments.ackAcks ? 'yes' : 'no'}` +
      (p.acknowledgments.expectAckWithinHours !== undefined
        ? `; expects its ack of ours within ${p.acknowledgments.expectAckWithinHours} h`
        : ''),
    `  duplicates  an interchange repeated within ${p.duplicateWindowHours} h`,
  ];
  for (const o of p.specOverlays) {
    const positions = Object.keys(o.positions ?? {});
    lines.push(
      `  overlay     ${o.set} ${o.version}: ` +
        [
          ...(positions.length > 0 ? [`narrows ${positions.join(', ')}`] : []),
          ...(o.hierarchy ? ['narrows the HL hierarchy'] : []),
        ].join('; '),
    );
  }
  for (const m of p.csv ?? []) {
    lines.push(
      `  csv         ${m.name}: ${m.files.join(', ')} -> ${m.produces} (${m.encoding}, '${m.delimiter}'` +
        `${m.headerRow ? ', header row' : ', columns by number'}, grouped by ${m.groupBy.join(' + ')})`,
    );
  }
  const r = p.reconciliation;
  lines.push(
    `  tolerances  quantity ${r.quantityPercent} %, unit price ${r.unitPriceAbsolute} or ${r.unitPricePercent} %, ` +
      `invoice waits ${r.invoiceGraceDays} day(s) for its ship notice`,
  );
  for (const c of p.contacts)
    lines.push(`  contact     ${c.name} <${c.email}>${c.role ? ` (${c.role})` : ''}`);
  if (p.inbound.length === 0 && !p.hosted) lines.push('  inbound     none');
  for (const c of p.inbound) {
    lines.push(`  inbound     ${c.kind} ${c.id}: ${inboundWhere(c)}`);
    lines.push(
      `              files ${c.patterns.join(' ')}, every ${c.pollIntervalMs} ms, at most ${c.maxFilesPerPoll} a poll; ` +
        `read lock ${c.readLock.kind}` +
        (c.readLock.kind === 'done-file' ? ` ${c.readLock.doneFile}` : ` x${c.readLock.checks}`) +
        `; then ${c.completion.kind}${c.completion.kind === 'move' ? ` to ${c.completion.to}` : ''}` +
        (c.completion.failedTo ? `, refused files to ${c.completion.failedTo}` : ''),
    );
    if (c.kind === 'ftp') lines.push(`              TLS ${c.tls.mode}`);
    if (c.kind !== 'folder') for (const l of loginLines(c)) lines.push(`              ${l}`);
  }
  if (p.hosted) {
    const ref = hostedHashReference(p.file);
    lines.push(
      `  inbound     hosted SFTP login ${p.id}: ` +
        [
          p.hosted.passwordHash !== undefined ? `password hash ${ref ?? '(set)'}` : 'no password',
          `${p.hosted.publicKeys.length} public key(s)`,
        ].join(', '),
    );
    for (const k of p.hosted.publicKeys) {
      const [type, , comment] = k.split(/\s+/);
      lines.push(`              key ${type ?? '?'}${comment ? ` ${comment}` : ''}`);
    }
  }
  if (p.as2) lines.push(...as2Lines(p.as2));
  const o = p.outbound;
  if (!o) lines.push('  outbound    none: acknowledgments are recorded but not sent');
  else {
    lines.push(`  outbound    ${o.kind}: ${outboundWhere(p.id, o)}`);
    if (o.kind === 'sftp' || o.kind === 'ftp')
      for (const l of loginLines(o)) lines.push(`              ${l}`);
    if (o.kind === 'as2') {
      lines.push(
        `              sign ${o.sign}, encrypt ${o.encrypt} (${o.keyTransport}), ` +
          `${o.compress ? 'compressed' : 'not compressed'}; ` +
          (o.mdn === 'none'
            ? 'no MDN asked for'
            : `${o.signedMdn ? 'signed' : 'unsigned'} ${o.mdn} MDN` +
              (o.mdn === 'async' ? ` to ${o.asyncMdnUrl}, due within ${o.mdnTimeoutMs} ms` : '')) +
          `; request timeout ${o.timeoutMs} ms`,
      );
    }
  }
  return lines;
}

/** The as2 section: names, certificates by reference, subject and dates; keys by reference only. */
function as2Lines(a: NonNullable<Partner['as2']>): string[] {
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const cert = (c: NonNullable<Partner['as2']>['certificate']) =>
    `${c.ref}: ${c.subject}, valid ${day(c.notBefore)} to ${day(c.notAfter)}`;
  return [
    `  as2         AS2-From ${a.as2Id}, AS2-To ${a.ourAs2Id}; requires ` +
      (a.requireSigned || a.requireEncrypted
        ? [...(a.requireSigned ? ['signed'] : []), ...(a.requireEncrypted ? ['encrypted'] : [])].join(' and ')
        : 'neither signed nor encrypted') +
      ` messages; at most ${a.maxConcurrent} at once`,
    `              partner certificate ${cert(a.certificate)}`,
    `              async MDNs to ${
      a.asyncMdnUrls === undefined
        ? 'the host of its AS2 URL (no as2.asyncMdnUrls)'
        : a.asyncMdnUrls.length === 0
          ? 'nowhere (as2.asyncMdnUrls is empty)'
          : a.asyncMdnUrls.join(', ')
    }`,
    ...a.identities.map(
      (k, i) =>
        `              our certificate${a.identities.length > 1 ? ` #${i + 1}` : ''} ${cert(k.certificate)}; ` +
        `private key ${k.privateKeyRef}`,
    ),
  ];
}

/** The hosted password hash as written in the file: the loader keeps only the resolved hash, which is not
 * printed. */
function hostedHashReference(file: string): string | undefined {
  try {
    const value = parseDocument(readFileSync(file, 'utf8')).getIn(['hosted', 'passwordHash']);
    return typeof value === 'string' && isSecretReference(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

// ---- validate

interface Validation {
  files: number;
  errors: string[];
}

/**
 * Checks the files the way the gateway loads them: each on its own, then against each other (ids and ISA
 * identities unique among them). Without arguments, every file of the partner directory.
 */
async function validateFiles(config: GatewayConfig, files: string[]): Promise<Validation> {
  let paths = files;
  if (paths.length === 0) {
    const names = await readdir(config.partnersDir).catch((e: unknown) => {
      throw new GatewayError(
        'config-invalid',
        `cannot read the partner directory ${config.partnersDir}: ${errorMessage(e)}`,
        false,
      );
    });
    paths = names
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => join(config.partnersDir, f));
  }
  for (const file of paths) {
    if (!/\.ya?ml$/.test(file)) {
      throw new GatewayError('usage', `${file}: a partner file is a .yaml or .yml file`, false);
    }
    // A file that is not there is a usage error (exit 2), not a problem in a partner file.
    await access(file, constants.R_OK).catch((e: unknown) => {
      throw new GatewayError('input-unreadable', `${file}: cannot read (${errorMessage(e)})`, false);
    });
  }
  // Unlike the gateway, which resolves a channel's secrets at each connection, validation asks them to
  // resolve now: a variable not set where this runs is found before the partner goes live.
  const { errors } = validatePartnerFiles(paths, {
    ...loadOptions(config, specsOf(config)),
    checkSecrets: true,
  });
  return { files: paths.length, errors };
}

// ---- new

async function newPartner(config: GatewayConfig, id: string, template: TemplateName): Promise<void> {
  if (!ID_PATTERN.test(id)) {
    throw new GatewayError(
      'usage',
      `"${id}" cannot be a partner id: use lower-case letters, digits and dashes, starting with a letter or digit (at most 63)`,
      false,
    );
  }
  const file = join(config.partnersDir, `${id}.yaml`);
  const other = join(config.partnersDir, `${id}.yml`);
  if (existsSync(other)) {
    throw new GatewayError('usage', `${shown(other)} already exists; not writing ${shown(file)}`, false);
  }
  const starter = starterFile(id, template, { dataDir: config.dataDir });
  try {
    // A first partner may come before its directory does.
    await mkdir(config.partnersDir, { recursive: true });
    // 'wx': an existing file is never overwritten, even one created a moment ago by someone else.
    await writeFile(file, starter.text, { flag: 'wx' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new GatewayError(
      'usage',
      code === 'EEXIST'
        ? `${shown(file)} already exists; edit it, or remove it first to start again`
        : `cannot write ${shown(file)}: ${errorMessage(e)}`,
      false,
    );
  }
  out(`wrote ${shown(file)} (template ${template})`);
  if (starter.secrets.length > 0) {
    out('set these environment variables wherever the gateway and these commands run:');
    for (const s of starter.secrets) out(`  ${s.name}  ${s.holds}`);
  }
  if (starter.files.length > 0) {
    // Their folder is made (private: it will hold a key) so that openssl can write into it straight away.
    for (const f of starter.files) await mkdir(dirname(f.path), { recursive: true, mode: 0o700 });
    out('put these files in place (the file is read when the gateway loads it, and refused without them):');
    for (const f of starter.files) out(`  ${f.path}  ${f.holds}`);
  }
  out('next: edit the file (addresses, identities), then');
  out(`  dockside partners validate ${shown(file)}`);
  out(`  dockside partners test ${id}`);
  out(`  dockside partners certify ${id} SAMPLE.edi`);
}

/** A path as messages show it: relative to the working directory when under it. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && rel.split(sep)[0] !== '..' && !isAbsolute(rel) ? rel : resolve(path);
}

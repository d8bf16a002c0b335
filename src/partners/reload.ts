// The running gateway follows the partner files: a change is read with the whole directory (cross-file
// checks need every file), swapped in when valid, refused with every error logged when not, so the last good
// registry keeps serving. Every applied change is written to the audit log with a readable diff.
import { readdirSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Db } from '../store/db.ts';
import { audit } from '../store/queries/audit.ts';
import { readPartnerDirectory, type LoadPartnersOptions } from './load.ts';
import type { Partner, PartnerDirectory } from './partner.ts';

/** A directory whose partners can be replaced while it is in use; readers that need one consistent view
 * for a whole job take `current`. */
export class LivePartnerDirectory implements PartnerDirectory {
  constructor(private directory: PartnerDirectory) {}

  get current(): PartnerDirectory {
    return this.directory;
  }

  replace(next: PartnerDirectory): void {
    this.directory = next;
  }

  get(id: string): Partner | undefined {
    return this.directory.get(id);
  }

  all(): Partner[] {
    return this.directory.all();
  }

  byIdentity(qualifier: string, id: string): Partner | undefined {
    return this.directory.byIdentity(qualifier, id);
  }
}

export interface PartnerChange {
  partnerId: string;
  kind: 'added' | 'changed' | 'removed';
  /** The file as it is now (or was, for a removed partner). */
  file: string;
  /** One line per changed field: `path: before → after`; secret fields say only that they changed. */
  changes: string[];
  /** Its inbound channels or its status changed, so its pollers must be started anew. */
  channelsChanged: boolean;
}

export type ReloadOutcome =
  { applied: true; changes: PartnerChange[] } | { applied: false; errors: string[] };

export interface PartnerReloaderOptions {
  dir: string;
  load: LoadPartnersOptions;
  directory: LivePartnerDirectory;
  db: Db;
  log: Logger;
  /** Quiet time after the last file event before the directory is read (default 300 ms): an editor writes a
   * file in several steps, and a checkout changes many files at once. */
  debounceMs?: number;
  /** Called after a change is swapped in and audited, e.g. to restart the pollers of changed partners. */
  onApplied?: (changes: PartnerChange[]) => Promise<void>;
  /** How often the directory's names, sizes and times are compared with those of the last read, in case a
   * file event was lost (default 15 s; 0 turns it off). File events are not guaranteed: a watcher may miss
   * one under load, on a network file system, or when a file is replaced twice within its throttle. */
  rescanMs?: number;
}

/** Fields whose values never go into the audit log or the logs (the hosted hash and the AS2 private keys are
 * resolved values; an AS2 certificate's PEM is public but unreadable there: its ref, subject and dates say
 * which it is). */
const SECRET_FIELDS = new Set([
  'password',
  'privateKey',
  'passphrase',
  'passwordHash',
  'publicKeys',
  'privateKeyPem',
  'pem',
]);

export class PartnerReloader {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private rescan: NodeJS.Timeout | undefined;
  /** The directory as the last read saw it (see fingerprint). */
  private lastRead: string | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: PartnerReloaderOptions) {}

  /** Watches the directory; resolves once the watcher is ready, so a change made after it is seen. */
  async start(): Promise<void> {
    if (this.watcher) return;
    const watcher = watch(this.options.dir, {
      ignoreInitial: true,
      depth: 0,
      ignored: (path, stats) => stats?.isFile() === true && !/\.ya?ml$/.test(path),
    });
    this.watcher = watcher;
    const schedule = () => this.schedule();
    watcher.on('add', schedule).on('change', schedule).on('unlink', schedule);
    watcher.on('error', (e) =>
      this.options.log.error({ err: errorMessage(e) }, 'watching the partner files failed'),
    );
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    this.lastRead ??= fingerprint(this.options.dir);
    const every = this.options.rescanMs ?? 15_000;
    if (every > 0) {
      this.rescan = setInterval(() => {
        if (this.timer === undefined && fingerprint(this.options.dir) !== this.lastRead) {
          this.options.log.info({ dir: this.options.dir }, 'partner files changed without a file event');
          this.schedule();
        }
      }, every);
      this.rescan.unref();
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    clearInterval(this.rescan);
    this.rescan = undefined;
    await this.watcher?.close();
    this.watcher = undefined;
    await this.running;
  }

  /**
   * Reads the directory now and applies it if it is valid. `actor` is who the audit log names: the OS user
   * for a reload someone asked for, `file-watch` for one the watcher started.
   */
  reload(actor: string = userInfo().username): Promise<ReloadOutcome> {
    // One at a time, in order: a reload never swaps in a directory older than the one before it.
    const next = this.running.then(() => this.apply(actor));
    this.running = next.catch(() => undefined);
    return next;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.reload('file-watch').catch((e: unknown) =>
        this.options.log.error({ err: errorMessage(e) }, 'reloading the partner files failed'),
      );
    }, this.options.debounceMs ?? 300);
  }

  private async apply(actor: string): Promise<ReloadOutcome> {
    const { dir, load, directory, db, log } = this.options;
    this.lastRead = fingerprint(dir);
    const read = readPartnerDirectory(dir, load);
    if (!read.directory) {
      for (const error of read.errors) log.error({ dir }, `partner change refused: ${error}`);
      log.warn(
        { dir, errors: read.errors.length },
        'the partner files are invalid; the last valid partner configuration keeps running',
      );
      return { applied: false, errors: read.errors };
    }
    const changes = diffDirectories(directory.current, read.directory);
    if (changes.length === 0) return { applied: true, changes };
    directory.replace(read.directory);
    for (const c of changes) {
      log.info({ partnerId: c.partnerId, actor, changes: c.changes }, `partner ${c.kind}`);
    }
    try {
      await db.transaction(async (tx) => {
        for (const c of changes) {
          await audit(tx, {
            actor,
            action: `partner-${c.kind}`,
            subjectType: 'partner',
            subjectId: c.partnerId,
            details: { file: c.file, changes: c.changes },
          });
        }
      });
    } catch (e) {
      // The change is already serving; losing its audit row is reported, not a reason to run the old one.
      log.error(
        { err: errorMessage(e), partners: changes.map((c) => c.partnerId) },
        'partner change not audited',
      );
    }
    await this.options.onApplied?.(changes);
    return { applied: true, changes };
  }
}

/** The partner files' names, sizes and modification times: what the rescan compares. */
function fingerprint(dir: string): string {
  try {
    return readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => {
        try {
          const st = statSync(join(dir, f));
          return `${f}:${st.size}:${st.mtimeMs}`;
        } catch {
          return `${f}:gone`;
        }
      })
      .join('|');
  } catch {
    return '(unreadable)';
  }
}

/** What differs between two registries, per partner, in the order of the new one (removed ones last). */
export function diffDirectories(before: PartnerDirectory, after: PartnerDirectory): PartnerChange[] {
  const out: PartnerChange[] = [];
  for (const p of after.all()) {
    const old = before.get(p.id);
    if (old === undefined) {
      out.push({ partnerId: p.id, kind: 'added', file: p.file, changes: summary(p), channelsChanged: true });
      continue;
    }
    const lines: string[] = [];
    diffValues(comparable(old), comparable(p), '', lines);
    if (lines.length === 0) continue;
    const channelsChanged =
      old.status !== p.status || JSON.stringify(old.inbound) !== JSON.stringify(p.inbound);
    out.push({ partnerId: p.id, kind: 'changed', file: p.file, changes: lines, channelsChanged });
  }
  for (const p of before.all()) {
    if (after.get(p.id)) continue;
    out.push({ partnerId: p.id, kind: 'removed', file: p.file, changes: summary(p), channelsChanged: true });
  }
  return out;
}

/** What a partner that comes or goes is, in a few words. */
function summary(p: Partner): string[] {
  return [
    `name: ${shown(p.name)}`,
    `status: ${p.status}`,
    `identities: ${p.identities.map((i) => `${i.qualifier}/${i.id}`).join(', ')}`,
    `inbound: ${p.inbound.map((c) => `${c.id} (${c.kind})`).join(', ') || 'none'}`,
    `outbound: ${p.outbound?.kind ?? 'none'}`,
  ];
}

/** The partner as its file states it: `file` is where it is, not what it says. */
function comparable(p: Partner): Record<string, unknown> {
  const { file: _file, ...rest } = p;
  return rest;
}

function diffValues(before: unknown, after: unknown, path: string, out: string[]): void {
  if (JSON.stringify(before) === JSON.stringify(after)) return;
  const secret = SECRET_FIELDS.has(path.split('.').pop() ?? '');
  if (secret) {
    out.push(
      `${path}: ${before === undefined ? 'set' : after === undefined ? 'removed' : 'changed'} (value not shown)`,
    );
    return;
  }
  // A section added or removed is shown field by field, so that no secret inside it is printed whole.
  if (isRecord(before) || isRecord(after)) {
    if (before === undefined) before = {};
    if (after === undefined) after = {};
  }
  if (isRecord(before) && isRecord(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      diffValues(before[key], after[key], path ? `${path}.${key}` : key, out);
    }
    return;
  }
  if (Array.isArray(before) || Array.isArray(after)) {
    if (before === undefined) before = [];
    if (after === undefined) after = [];
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      diffValues(before[i], after[i], `${path}[${i}]`, out);
    }
    return;
  }
  if (before === undefined) out.push(`${path}: added ${shown(after)}`);
  else if (after === undefined) out.push(`${path}: removed (was ${shown(before)})`);
  else out.push(`${path}: ${shown(before)} → ${shown(after)}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  // A date (a certificate's validity) is a value, shown as its ISO form, not a record without keys.
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function shown(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

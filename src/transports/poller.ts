// One poller for every inbound channel kind, over RemoteFs. A poll: hold the channel's lease (one process
// polls a channel at a time), wait out the backoff if the server was unreachable, take the partner's
// connection turn, list the folders, let the read lock say which files are complete, and for each of those
// (oldest first, at most maxFilesPerPoll): download into a local file, check its size, hand it to the
// intake, and only once the intake returned (bytes fsynced, receipt committed) apply the completion. A file
// that fails anywhere before the intake returned stays where it is and is tried again at a later poll.
import { randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { access, mkdir, rm, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { GatewayError, errorMessage, isRetryable } from '../errors.ts';
import type { ChannelKind, Intake } from '../intake/receive.ts';
import type { Leases } from '../jobs/lease.ts';
import type { Logger } from '../log.ts';
import type { InboundChannel } from '../partners/partner.ts';
import { Backoff, type PartnerBackoffs } from './backoff.ts';
import { complete, folderFor, moveInto } from './completion.ts';
import { withPartnerConnection } from './partner-gate.ts';
import {
  IN_PROGRESS_SUFFIX,
  decideReadLock,
  globToRegExp,
  signatureOf,
  type Listed,
  type Ready,
  type Sighting,
} from './read-lock.ts';
import type { Connect, RemoteFs } from './remote-fs.ts';

export interface PollerOptions {
  partnerId: string;
  channel: InboundChannel;
  /** The folders listed at each poll. */
  directories: string[];
  channelKind: Extract<ChannelKind, 'folder' | 'sftp-poll' | 'ftp-poll'>;
  /** `sftp://user@host:port`, or the local folder: for log lines. */
  label: string;
  connect: Connect;
  intake: Intake;
  log: Logger;
  leases: Leases;
  /** Shared by the channels of a gateway, so that a partner's channels to one server back off together. */
  backoffs?: PartnerBackoffs;
  /** Where downloads are written before the intake reads them. */
  scratchDir: string;
  now?: () => Date;
}

type Outcome = 'taken' | 'duplicate' | 'waiting' | 'failed' | 'refused';

export class ChannelPoller {
  private sightings = new Map<string, Sighting>();
  /** Files not to take again while they keep their signature: left in place, or refused for good. */
  private readonly skip = new Map<string, string>();
  private readonly backoff: Backoff;
  private readonly patterns: RegExp[];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;
  /** Set by stop(): a poll in progress ends after its current file. */
  private stopping = false;
  private again = false;

  constructor(private readonly o: PollerOptions) {
    const first = o.channel.pollIntervalMs;
    const max = Math.max(o.channel.backoffMaxMs, o.channel.pollIntervalMs);
    this.backoff = o.backoffs?.of(o.partnerId, o.label, first, max) ?? new Backoff(first, max);
    this.patterns = o.channel.patterns.map(globToRegExp);
  }

  get leaseName(): string {
    return `channel:${this.o.partnerId}/${this.o.channel.id}`;
  }

  private get leaseMs(): number {
    // Outlives a few intervals so that a slow poll keeps it; renewed while a poll runs.
    return Math.max(30_000, this.o.channel.pollIntervalMs * 5);
  }

  private now(): Date {
    return this.o.now?.() ?? new Date();
  }

  start(): void {
    this.stopped = false;
    this.stopping = false;
    this.schedule(0);
  }

  /** Polls soon, because something changed (a file-system event). Such a poll counts a sighting only a poll
   * interval after the last one that counted. */
  wake(delayMs = 200): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(delayMs, true);
  }

  private schedule(delayMs: number, woken = false): void {
    clearTimeout(this.timer);
    const tick = () => {
      this.timer = undefined;
      this.running = this.poll(woken ? this.o.channel.pollIntervalMs : 0)
        .catch((e: unknown) => this.o.log.warn({ err: errorMessage(e), server: this.o.label }, 'poll failed'))
        .finally(() => {
          this.running = undefined;
          if (this.stopped) return;
          if (this.again) {
            this.again = false;
            this.schedule(200, true);
          } else {
            this.schedule(this.o.channel.pollIntervalMs);
          }
        });
    };
    if (delayMs === 0) tick();
    else this.timer = setTimeout(tick, delayMs);
  }

  /** Stops polling; resolves when a poll in progress has finished its current file. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running;
    await this.o.leases.release(this.leaseName).catch(() => undefined);
  }

  /** One poll; how many files were taken (repeats of earlier arrivals not counted). */
  async poll(minGapMs = 0): Promise<number> {
    if (!(await this.o.leases.hold(this.leaseName, this.leaseMs))) {
      // Another process polls this channel; what we saw before may be stale when the lease comes back.
      this.sightings.clear();
      return 0;
    }
    if (!this.backoff.ready(this.now().getTime())) return 0;
    return withPartnerConnection(this.o.partnerId, () => this.pollConnected(minGapMs));
  }

  private async pollConnected(minGapMs: number): Promise<number> {
    let fs: RemoteFs;
    try {
      fs = await this.o.connect();
    } catch (e) {
      this.down(e);
      return 0;
    }
    const renew = setInterval(
      () => void this.o.leases.hold(this.leaseName, this.leaseMs).catch(() => undefined),
      this.leaseMs / 3,
    );
    let taken = 0;
    try {
      const listing: Listed[] = [];
      for (const dir of this.o.directories) {
        for (const e of await fs.list(dir)) {
          listing.push({ dir, name: e.name, size: e.size, mtimeMs: e.mtime.getTime(), isFile: e.isFile });
        }
      }
      this.up();
      this.forgetVanished(listing);
      const decision = decideReadLock({
        lock: this.o.channel.readLock,
        patterns: this.patterns,
        listing,
        sightings: this.sightings,
        skip: this.skip,
        maxFiles: this.o.channel.maxFilesPerPoll,
        now: this.now().getTime(),
        minGapMs,
      });
      this.sightings = decision.sightings;
      for (const file of decision.ready) {
        if (this.stopping) break;
        if ((await this.take(fs, file)) === 'taken') taken++;
      }
      return taken;
    } catch (e) {
      // A listing that failed, or a connection lost in the middle of a file: nothing was taken that is not
      // durable, so waiting and trying again is all there is to do.
      this.down(e);
      return taken;
    } finally {
      clearInterval(renew);
      await fs.close().catch(() => undefined);
    }
  }

  private async take(fs: RemoteFs, listed: Ready): Promise<Outcome> {
    const { channel, log } = this.o;
    let file = listed;
    const signature = signatureOf(listed);
    if (channel.readLock.kind === 'rename' && !file.claimed) {
      const claimed = `${file.path}${IN_PROGRESS_SUFFIX}`;
      try {
        await fs.rename(file.path, claimed);
      } catch (e) {
        if (!fs.connected) throw e;
        // A server that locks files being written refuses the rename: the writer is not done.
        log.debug(
          { file: file.name, err: errorMessage(e) },
          'not claimed yet; trying again at the next poll',
        );
        return 'waiting';
      }
      file = { ...file, path: claimed, claimed: true };
    }

    let local: string | undefined;
    let source: string;
    try {
      if (fs.localPath) {
        source = fs.localPath(file.path);
        // Opened here rather than by the intake, so that a file that cannot be read is told apart from an
        // intake that cannot store.
        await access(source, constants.R_OK).catch((e: unknown) => {
          throw new GatewayError(
            'transfer-failed',
            `cannot read ${source}: ${errorMessage(e)}`,
            isRetryable(e),
          );
        });
      } else {
        await mkdir(this.o.scratchDir, { recursive: true });
        local = join(this.o.scratchDir, `${randomBytes(8).toString('hex')}.download`);
        source = local;
        await fs.download(file.path, local);
        const got = (await stat(local)).size;
        if (got !== file.size) {
          throw new GatewayError(
            'transfer-failed',
            `${file.originalPath}: listed as ${file.size} bytes but ${got} arrived`,
            true,
          );
        }
      }
    } catch (e) {
      if (local) await rm(local, { force: true });
      if (!fs.connected) throw e;
      if (!isRetryable(e)) {
        // Taken away by someone else since the listing: nothing to refuse.
        if ((await fs.stat(file.path).catch(() => undefined)) === undefined) {
          log.debug({ file: file.name }, 'file gone before it could be downloaded');
          return 'waiting';
        }
        await this.refuse(fs, file, signature, e);
        return 'refused';
      }
      log.warn({ file: file.name, err: errorMessage(e) }, 'download failed; trying again at the next poll');
      return 'failed';
    }

    let duplicate: boolean;
    try {
      const result = await this.o.intake.receive(createReadStream(source), {
        channel: { kind: this.o.channelKind, id: `${this.o.partnerId}/${channel.id}` },
        partnerId: this.o.partnerId,
        ...(fs.host !== undefined ? { host: fs.host } : {}),
        remotePath: file.originalPath,
        size: file.size,
        mtime: new Date(file.mtimeMs),
      });
      duplicate = result.duplicateOf !== undefined;
    } catch (e) {
      // The intake's trouble (a database away, a full disk, a file still growing) is not the file's fault.
      log.warn({ file: file.name, err: errorMessage(e) }, 'file not taken; trying again at the next poll');
      return 'failed';
    } finally {
      if (local) await rm(local, { force: true });
    }

    // The file is durable now; whatever happens to it on the server from here on cannot lose it.
    try {
      const where = await complete(fs, file, channel.completion, this.now());
      if (channel.completion.kind === 'leave') this.skip.set(file.originalPath, signature);
      log.debug({ file: file.name, completion: channel.completion.kind, to: where }, 'file completed');
    } catch (e) {
      // Taken again at the next poll, it is recorded as a repeat of this arrival and completed then.
      log.warn(
        { file: file.name, completion: channel.completion.kind, err: errorMessage(e) },
        'file received, but the completion failed; it will be completed when seen again',
      );
      if (!fs.connected) throw e;
      return 'failed';
    }
    this.sightings.delete(file.originalPath);
    return duplicate ? 'duplicate' : 'taken';
  }

  /** A file that cannot be read for a lasting reason (no permission): moved to failedTo when set, else left
   * and not taken again until it changes. */
  private async refuse(fs: RemoteFs, file: Ready, signature: string, error: unknown): Promise<void> {
    const { channel, log } = this.o;
    const failedTo = channel.completion.failedTo;
    let where: string | undefined;
    if (failedTo !== undefined) {
      try {
        where = await moveInto(fs, file.path, folderFor(file.dir, failedTo), file.name, this.now());
      } catch (e) {
        log.warn({ file: file.name, err: errorMessage(e) }, `cannot move the refused file to ${failedTo}`);
      }
    }
    if (where === undefined) this.skip.set(file.originalPath, signature);
    this.sightings.delete(file.originalPath);
    log.error(
      { file: file.name, err: errorMessage(error), movedTo: where },
      'file cannot be read; it is not tried again until it changes',
    );
  }

  private forgetVanished(listing: Listed[]): void {
    const present = new Set(listing.map((f) => posix.join(f.dir, f.name)));
    for (const path of this.skip.keys()) {
      if (!present.has(path) && !present.has(`${path}${IN_PROGRESS_SUFFIX}`)) this.skip.delete(path);
    }
  }

  private down(e: unknown): void {
    const report = this.backoff.failed(errorMessage(e), this.now().getTime());
    const fields = {
      server: this.o.label,
      err: errorMessage(e),
      failures: report.failures,
      retryInMs: report.delayMs,
    };
    if (!report.changed) {
      this.o.log.debug(fields, 'partner server still unreachable');
      return;
    }
    const code = e instanceof GatewayError ? e.code : undefined;
    if (code === 'host-key-refused' || code === 'login-refused' || code === 'config-invalid') {
      this.o.log.error(fields, 'cannot poll: the partner server refused us or the channel is misconfigured');
    } else {
      this.o.log.warn(fields, 'cannot poll: the partner server is unreachable; backing off');
    }
  }

  private up(): void {
    const failures = this.backoff.succeeded();
    if (failures > 0) this.o.log.info({ server: this.o.label, failures }, 'partner server reachable again');
  }
}

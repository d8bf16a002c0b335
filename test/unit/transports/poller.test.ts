// The poller core over a server that is a local folder reached through a RemoteFs that downloads (as SFTP
// and FTP do) and can be made to fail: refuse connections, lose the connection in the middle of a download,
// or hand over fewer bytes than it listed. The real servers are in test/service/.
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Writable } from 'node:stream';
import { GatewayError } from '../../../src/errors.ts';
import type { ArrivalMetadata, Intake, ReceiveResult } from '../../../src/intake/receive.ts';
import { localLeases } from '../../../src/jobs/lease.ts';
import { createLogger } from '../../../src/log.ts';
import type { SftpInbound } from '../../../src/partners/partner.ts';
import { FolderFs } from '../../../src/transports/folder.ts';
import { ChannelPoller } from '../../../src/transports/poller.ts';
import type { RemoteFs } from '../../../src/transports/remote-fs.ts';
import type { Receipt } from '../../../src/store/queries/receipts.ts';

class RecordingIntake implements Intake {
  calls: { meta: ArrivalMetadata; bytes: Buffer }[] = [];
  seen = new Set<string>();
  async receive(
    source: Readable | AsyncIterable<Uint8Array | string>,
    meta: ArrivalMetadata,
  ): Promise<ReceiveResult> {
    const chunks: Buffer[] = [];
    for await (const c of source) chunks.push(typeof c === 'string' ? Buffer.from(c) : Buffer.from(c));
    const bytes = Buffer.concat(chunks);
    if (meta.size !== bytes.length) throw new GatewayError('input-unreadable', 'size mismatch', true);
    const key = `${meta.remotePath}:${meta.size}:${meta.mtime?.toISOString()}`;
    const receipt = { id: this.calls.length + 1 } as Receipt;
    this.calls.push({ meta, bytes });
    if (this.seen.has(key)) return { receipt, duplicateOf: { id: 1 } as Receipt };
    this.seen.add(key);
    return { receipt };
  }
}

type Fault = 'refuse' | 'cut' | 'short' | 'unreadable' | 'vanish';

/** A "server" in a local folder, reached as remote servers are: by downloading. */
class FakeServer {
  connects = 0;
  faults: Fault[] = [];
  constructor(readonly root: string) {}

  connect = (): Promise<RemoteFs> => {
    this.connects++;
    if (this.faults[0] === 'refuse') {
      this.faults.shift();
      return Promise.reject(
        new GatewayError('channel-unavailable', 'sftp://x@server:22: cannot connect: ECONNREFUSED', true),
      );
    }
    const faults = this.faults;
    const local = new FolderFs();
    let connected = true;
    const fs: RemoteFs = {
      label: 'sftp://x@server:22',
      host: 'server:22',
      get connected() {
        return connected;
      },
      list: (dir) => local.list(dir),
      stat: (p) => local.stat(p),
      async download(path: string, to: string) {
        const fault =
          faults[0] === 'cut' || faults[0] === 'short' || faults[0] === 'unreadable' || faults[0] === 'vanish'
            ? faults.shift()
            : undefined;
        if (fault === 'cut') {
          const bytes = await readFile(path);
          await writeFile(to, bytes.subarray(0, bytes.length >> 1));
          connected = false;
          throw new GatewayError('channel-unavailable', 'connection lost: ECONNRESET', true);
        }
        if (fault === 'short') {
          const bytes = await readFile(path);
          await writeFile(to, bytes.subarray(0, bytes.length - 1));
          return;
        }
        if (fault === 'vanish') {
          await rm(path);
          throw new GatewayError('transfer-failed', `${path}: no such file`, false);
        }
        if (fault === 'unreadable')
          throw new GatewayError('transfer-failed', `${path}: permission denied`, false);
        await copyFile(path, to);
      },
      rename: (a, b) => local.rename(a, b),
      delete: (p) => local.delete(p),
      mkdir: (p) => local.mkdir(p),
      upload: (s, p) => local.upload(s, p),
      close: () => Promise.resolve(),
    };
    return Promise.resolve(fs);
  };
}

interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

describe('ChannelPoller', () => {
  let root: string;
  let out: string;
  let scratch: string;
  let server: FakeServer;
  let intake: RecordingIntake;
  let lines: LogLine[];
  let clock: number;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'dockside-poller-'));
    out = join(root, 'server', 'outbound');
    scratch = join(root, 'scratch');
    await mkdir(out, { recursive: true });
    server = new FakeServer(out);
    intake = new RecordingIntake();
    lines = [];
    clock = Date.parse('2026-11-27T12:00:00Z');
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  function poller(channel: Partial<SftpInbound> = {}): ChannelPoller {
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as LogLine);
        done();
      },
    });
    const settings: SftpInbound = {
      kind: 'sftp',
      id: 'pull',
      host: 'server',
      port: 22,
      user: 'x',
      hostKey: { fingerprints: [], trustOnFirstUse: false, learnedFile: join(root, 'kh') },
      directories: [out],
      pollIntervalMs: 100,
      patterns: ['*'],
      maxFilesPerPoll: 100,
      readLock: { kind: 'changed', checks: 1, doneFile: '{name}.done' },
      completion: { kind: 'delete', to: 'archive' },
      backoffMaxMs: 1000,
      ...channel,
    };
    return new ChannelPoller({
      partnerId: 'acme',
      channel: settings,
      directories: settings.directories,
      channelKind: 'sftp-poll',
      label: 'sftp://x@server:22',
      connect: server.connect,
      intake,
      log: createLogger({ level: 'debug', destination }),
      leases: localLeases,
      scratchDir: scratch,
      now: () => new Date(clock),
    });
  }

  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const warnings = () => lines.filter((l) => l.level >= 40).map((l) => l.msg);

  it('downloads, hands the bytes to the intake with the server as host, then completes, leaving no temp file', async () => {
    const p = poller();
    await writeFile(join(out, 'a.edi'), 'ISA*00~');
    const mtime = (await stat(join(out, 'a.edi'))).mtime;
    assert.equal(await p.poll(), 1);
    assert.equal(intake.calls.length, 1);
    const { meta, bytes } = intake.calls[0]!;
    assert.equal(bytes.toString(), 'ISA*00~');
    assert.deepEqual(meta.channel, { kind: 'sftp-poll', id: 'acme/pull' });
    assert.equal(meta.host, 'server:22');
    assert.equal(meta.remotePath, join(out, 'a.edi'));
    assert.equal(meta.mtime?.getTime(), mtime.getTime());
    assert.deepEqual(await readdir(out), []);
    assert.deepEqual(await readdir(scratch), []);
  });

  it('backs off while the server refuses, logging once, and says once when it is back', async () => {
    const p = poller({ pollIntervalMs: 100, backoffMaxMs: 1000 });
    await writeFile(join(out, 'a.edi'), 'x');
    server.faults = ['refuse', 'refuse', 'refuse'];
    const connectsAt = async (ms: number) => {
      clock += ms;
      await p.poll();
      return server.connects;
    };
    // Waits of 100, 200 and 400 ms after the first, second and third refusal.
    assert.deepEqual(
      [
        await connectsAt(0),
        await connectsAt(99),
        await connectsAt(1),
        await connectsAt(199),
        await connectsAt(1),
      ],
      [1, 1, 2, 2, 3],
    );
    assert.equal(intake.calls.length, 0);
    assert.deepEqual(warnings(), ['cannot poll: the partner server is unreachable; backing off']);
    assert.deepEqual([await connectsAt(399), await connectsAt(1)], [3, 4]);
    assert.equal(intake.calls.length, 1);
    const back = lines.filter((l) => l.msg === 'partner server reachable again');
    assert.equal(back.length, 1);
    assert.equal(back[0]!.failures, 3);
  });

  it('waits no longer than backoffMaxMs between attempts', async () => {
    const p = poller({ pollIntervalMs: 100, backoffMaxMs: 1000 });
    server.faults = Array<'refuse'>(10).fill('refuse');
    for (let i = 0; i < 10; i++) {
      await p.poll();
      clock += 1000;
    }
    assert.equal(server.connects, 10, 'an attempt every 1000 ms once the cap is reached');
    assert.equal(warnings().length, 1);
  });

  it('never hands a download cut short to the intake, and takes the file whole once the server is back', async () => {
    const p = poller();
    const body = Buffer.alloc(100_000, 'x');
    await writeFile(join(out, 'big.edi'), body);
    server.faults = ['cut'];
    assert.equal(await p.poll(), 0);
    assert.equal(intake.calls.length, 0);
    assert.deepEqual(await readdir(out), ['big.edi']);
    assert.deepEqual(await readdir(scratch), [], 'the partial download was left behind');
    assert.deepEqual(warnings(), ['cannot poll: the partner server is unreachable; backing off']);
    clock += 100;
    assert.equal(await p.poll(), 1);
    assert.equal(intake.calls.length, 1);
    assert.deepEqual(intake.calls[0]!.bytes, body);
  });

  it('does not hand over a download shorter than the listing, and takes the file at the next poll', async () => {
    const p = poller();
    await writeFile(join(out, 'a.edi'), 'ISA*00*GS~');
    server.faults = ['short'];
    assert.equal(await p.poll(), 0);
    assert.equal(intake.calls.length, 0);
    assert.deepEqual(await readdir(out), ['a.edi']);
    assert.equal(await p.poll(), 1);
    assert.equal(intake.calls[0]!.bytes.toString(), 'ISA*00*GS~');
  });

  it('takes at most maxFilesPerPoll files per poll, oldest first', async () => {
    const p = poller({ maxFilesPerPoll: 2 });
    for (let i = 1; i <= 5; i++) {
      await writeFile(join(out, `f${i}.edi`), `${i}`);
      await pause(5);
    }
    assert.deepEqual([await p.poll(), await p.poll(), await p.poll(), await p.poll()], [2, 2, 1, 0]);
    assert.deepEqual(
      intake.calls.map((c) => c.bytes.toString()),
      ['1', '2', '3', '4', '5'],
    );
  });

  it('claims a file by renaming it (rename read lock), and resumes its own claim after a failed intake under the original name', async () => {
    const p = poller({
      readLock: { kind: 'rename', checks: 1, doneFile: '{name}.done' },
      completion: { kind: 'move', to: 'archive' },
    });
    await writeFile(join(out, 'a.edi'), 'payload');
    const failing = intake.receive.bind(intake);
    let fail = true;
    intake.receive = async (source, meta) => {
      if (fail) {
        fail = false;
        for await (const _ of source) void _;
        throw new GatewayError('store-unavailable', 'database away', true);
      }
      return failing(source, meta);
    };
    assert.equal(await p.poll(), 0);
    assert.deepEqual(await readdir(out), ['a.edi.inprogress']);
    assert.equal(await p.poll(), 1);
    assert.equal(intake.calls[0]!.meta.remotePath, join(out, 'a.edi'));
    assert.deepEqual(await readdir(out), ['archive']);
    assert.deepEqual(await readdir(join(out, 'archive')), ['a.edi']);
  });

  it('takes a file only once its done marker is there, and removes the marker with it', async () => {
    const p = poller({
      readLock: { kind: 'done-file', checks: 2, doneFile: '{base}.ok' },
      patterns: ['*.edi'],
    });
    await writeFile(join(out, 'a.edi'), 'payload');
    assert.equal(await p.poll(), 0);
    assert.equal(await p.poll(), 0);
    await writeFile(join(out, 'a.ok'), '');
    assert.equal(await p.poll(), 1);
    assert.deepEqual(await readdir(out), []);
  });

  it('moves a file it cannot read to failedTo and does not try it again', async () => {
    const p = poller({ completion: { kind: 'delete', to: 'archive', failedTo: 'failed' } });
    await writeFile(join(out, 'a.edi'), 'payload');
    server.faults = ['unreadable'];
    assert.equal(await p.poll(), 0);
    assert.deepEqual(await readdir(out), ['failed']);
    assert.deepEqual(await readdir(join(out, 'failed')), ['a.edi']);
    assert.equal(await p.poll(), 0);
    assert.ok(lines.some((l) => l.level === 50 && /cannot be read/.test(l.msg)));
  });

  it('leaves a file it cannot read in place when there is no failedTo, until it changes', async () => {
    const p = poller();
    await writeFile(join(out, 'a.edi'), 'payload');
    server.faults = ['unreadable'];
    assert.equal(await p.poll(), 0);
    assert.equal(await p.poll(), 0);
    assert.equal(intake.calls.length, 0);
    assert.deepEqual(await readdir(out), ['a.edi']);
    await writeFile(join(out, 'a.edi'), 'payload, fixed');
    assert.equal(await p.poll(), 1);
  });

  it('says nothing about a file taken away by someone else between the listing and the download', async () => {
    const p = poller({ completion: { kind: 'delete', to: 'archive', failedTo: 'failed' } });
    await writeFile(join(out, 'a.edi'), 'payload');
    server.faults = ['vanish'];
    assert.equal(await p.poll(), 0);
    assert.deepEqual(await readdir(out), []);
    assert.deepEqual(warnings(), []);
  });

  it('completes a repeat arrival without counting it', async () => {
    const p = poller({ completion: { kind: 'leave', to: 'archive' } });
    await writeFile(join(out, 'a.edi'), 'payload');
    assert.equal(await p.poll(), 1);
    assert.equal(await p.poll(), 0, 'a file left in place is not downloaded again');
    assert.equal(intake.calls.length, 1);
    const fresh = poller({ completion: { kind: 'leave', to: 'archive' } });
    assert.equal(await fresh.poll(), 0, 'a new process sees it again, and the intake calls it a repeat');
    assert.equal(intake.calls.length, 2);
  });
});

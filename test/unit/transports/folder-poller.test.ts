import assert from 'node:assert/strict';
import {
  appendFile,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rename,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ArrivalMetadata, Intake, ReceiveResult } from '../../../src/intake/receive.ts';
import { localLeases, type Leases } from '../../../src/jobs/lease.ts';
import { silentLogger } from '../../../src/log.ts';
import type { FolderInbound } from '../../../src/partners/partner.ts';
import type { Receipt } from '../../../src/store/queries/receipts.ts';
import { FolderPoller, PROCESSED_DIR } from '../../../src/transports/folder.ts';

interface Call {
  meta: ArrivalMetadata;
  bytes: Buffer;
}

/** Records every arrival after reading its stream to the end, as the real intake does. */
class FakeIntake implements Intake {
  calls: Call[] = [];
  /** Errors to throw on the next calls, in order (after the stream was read). */
  failures: Error[] = [];
  /** Answer the next calls as repeats of an earlier receipt. */
  duplicate = false;

  async receive(
    source: Readable | AsyncIterable<Uint8Array | string>,
    meta: ArrivalMetadata,
  ): Promise<ReceiveResult> {
    const chunks: Buffer[] = [];
    for await (const chunk of source)
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
    const bytes = Buffer.concat(chunks);
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.calls.push({ meta, bytes });
    const receipt = {
      id: this.calls.length,
      fileName: meta.remotePath ?? null,
      size: bytes.length,
    } as Receipt;
    return this.duplicate ? { receipt, duplicateOf: { id: 1 } as Receipt } : { receipt };
  }

  names(): string[] {
    return this.calls.map((c) => c.meta.remotePath?.split('/').pop() ?? '?');
  }
}

/** A lease store another process controls: `held` says whether this process gets the lease. */
class SwitchLeases implements Leases {
  held = true;
  holds: { name: string; ttlMs: number }[] = [];
  released: string[] = [];
  hold(name: string, ttlMs: number): Promise<boolean> {
    this.holds.push({ name, ttlMs });
    return Promise.resolve(this.held);
  }
  release(name: string): Promise<void> {
    this.released.push(name);
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

describe('FolderPoller', () => {
  let root: string;
  let inbound: string;
  let intake: FakeIntake;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'dockside-folder-'));
    inbound = join(root, 'inbound');
    await mkdir(inbound);
    intake = new FakeIntake();
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  function poller(
    completion: FolderInbound['completion']['kind'] = 'move',
    leases: Leases = localLeases,
  ): FolderPoller {
    const channel: FolderInbound = {
      kind: 'folder',
      id: 'drop',
      path: inbound,
      pollIntervalMs: 1000,
      patterns: ['*'],
      maxFilesPerPoll: 100,
      readLock: { kind: 'changed', checks: 2, doneFile: '{name}.done' },
      completion: { kind: completion, to: PROCESSED_DIR, failedTo: 'failed' },
      backoffMaxMs: 300_000,
    };
    return new FolderPoller('acme', channel, intake, silentLogger(), leases);
  }

  async function listing(dir = inbound): Promise<string[]> {
    return (await readdir(dir)).sort();
  }

  it('does not take a file on the first poll it sees it, and takes it on the second when unchanged', async () => {
    const p = poller();
    await writeFile(join(inbound, 'a.edi'), 'ISA*00~');
    assert.equal(await p.poll(), 0);
    assert.equal(intake.calls.length, 0);
    assert.deepEqual(await listing(), ['a.edi']);

    assert.equal(await p.poll(), 1);
    assert.equal(intake.calls.length, 1);
    assert.equal(intake.calls[0]!.bytes.toString(), 'ISA*00~');
  });

  it('describes the arrival: channel, partner, full path, size and modification time', async () => {
    const p = poller();
    const path = join(inbound, 'a.edi');
    await writeFile(path, 'ISA*00~');
    const info = await stat(path);
    await p.poll();
    await p.poll();
    const { meta } = intake.calls[0]!;
    assert.deepEqual(meta.channel, { kind: 'folder', id: 'acme/drop' });
    assert.equal(meta.partnerId, 'acme');
    assert.equal(meta.remotePath, path);
    assert.equal(meta.size, 7);
    assert.equal(meta.mtime?.getTime(), info.mtime.getTime());
  });

  it('does not take a file that grew between polls until it has stayed the same across two polls', async () => {
    const p = poller();
    const path = join(inbound, 'big.edi');
    await writeFile(path, 'ISA*00*');
    assert.equal(await p.poll(), 0);
    await appendFile(path, 'GS*PO~');
    assert.equal(await p.poll(), 0, 'taken while still growing');
    await appendFile(path, 'IEA*1~');
    assert.equal(await p.poll(), 0, 'taken while still growing');
    assert.equal(await p.poll(), 1);
    assert.equal(intake.calls.length, 1);
    assert.equal(intake.calls[0]!.bytes.toString(), 'ISA*00*GS*PO~IEA*1~');
  });

  it('does not take a file rewritten to the same size with a new modification time', async () => {
    const p = poller();
    const path = join(inbound, 'a.edi');
    await writeFile(path, 'AAAA');
    await utimes(path, new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'));
    assert.equal(await p.poll(), 0);
    await writeFile(path, 'BBBB');
    await utimes(path, new Date('2026-01-01T00:00:05Z'), new Date('2026-01-01T00:00:05Z'));
    assert.equal(await p.poll(), 0);
    assert.equal(await p.poll(), 1);
    assert.equal(intake.calls[0]!.bytes.toString(), 'BBBB');
  });

  it('ignores temporary and hidden names until the writer renames the file', async () => {
    const p = poller();
    for (const name of ['x.part', '.hidden', 'x.tmp', 'y.PARTIAL', 'z.filepart', 'w.uploading']) {
      await writeFile(join(inbound, name), 'data');
    }
    for (let i = 0; i < 3; i++) assert.equal(await p.poll(), 0);
    assert.equal(intake.calls.length, 0);
    assert.deepEqual(await listing(), [
      '.hidden',
      'w.uploading',
      'x.part',
      'x.tmp',
      'y.PARTIAL',
      'z.filepart',
    ]);

    await rename(join(inbound, 'x.part'), join(inbound, 'x.edi'));
    assert.equal(await p.poll(), 0, 'a renamed file is new: it must be seen stable first');
    assert.equal(await p.poll(), 1);
    assert.deepEqual(intake.names(), ['x.edi']);
  });

  it('does not take subdirectories or anything inside them', async () => {
    const p = poller();
    await mkdir(join(inbound, 'sub'));
    await writeFile(join(inbound, 'sub', 'inner.edi'), 'data');
    await mkdir(join(inbound, 'folder.edi'));
    for (let i = 0; i < 3; i++) assert.equal(await p.poll(), 0);
    assert.equal(intake.calls.length, 0);
    assert.deepEqual(await listing(join(inbound, 'sub')), ['inner.edi']);
  });

  it('creates the inbound folder when it does not exist yet', async () => {
    await rm(inbound, { recursive: true });
    assert.equal(await poller().poll(), 0);
    assert.deepEqual(await listing(), []);
  });

  describe('completion', () => {
    it('moves a taken file into processed/', async () => {
      const p = poller('move');
      await writeFile(join(inbound, 'a.edi'), 'first');
      await p.poll();
      await p.poll();
      assert.deepEqual(await listing(), [PROCESSED_DIR]);
      assert.equal(await readFile(join(inbound, PROCESSED_DIR, 'a.edi'), 'utf8'), 'first');
      assert.equal(await p.poll(), 0, 'processed/ is not an arrival');
      assert.equal(intake.calls.length, 1);
    });

    it('moves a file whose name is already in processed/ under a timestamped name, keeping both', async () => {
      const p = poller('move');
      await mkdir(join(inbound, PROCESSED_DIR));
      await writeFile(join(inbound, PROCESSED_DIR, 'a.edi'), 'earlier');
      await writeFile(join(inbound, 'a.edi'), 'later');
      await p.poll();
      assert.equal(await p.poll(), 1);
      const done = await listing(join(inbound, PROCESSED_DIR));
      assert.equal(done.length, 2);
      assert.ok(done.includes('a.edi'));
      const renamed = done.find((n) => n !== 'a.edi')!;
      assert.match(renamed, /^\d{4}-\d{2}-\d{2}T\d{9}Z-a\.edi$/);
      assert.equal(await readFile(join(inbound, PROCESSED_DIR, 'a.edi'), 'utf8'), 'earlier');
      assert.equal(await readFile(join(inbound, PROCESSED_DIR, renamed), 'utf8'), 'later');
      assert.deepEqual(await listing(), [PROCESSED_DIR]);
    });

    it('deletes a taken file when completion is delete', async () => {
      const p = poller('delete');
      await writeFile(join(inbound, 'a.edi'), 'x');
      await p.poll();
      assert.equal(await p.poll(), 1);
      assert.deepEqual(await listing(), []);
    });

    it('leaves a taken file in place when completion is leave, and does not take it again', async () => {
      const p = poller('leave');
      await writeFile(join(inbound, 'a.edi'), 'x');
      await p.poll();
      assert.equal(await p.poll(), 1);
      for (let i = 0; i < 4; i++) assert.equal(await p.poll(), 0);
      assert.equal(intake.calls.length, 1, 'a file left in place was taken again');
      assert.deepEqual(await listing(), ['a.edi']);
    });

    it('takes a left file again once it has been rewritten and is stable', async () => {
      const p = poller('leave');
      const path = join(inbound, 'a.edi');
      await writeFile(path, 'one');
      await p.poll();
      await p.poll();
      await writeFile(path, 'second version');
      assert.equal(await p.poll(), 0);
      assert.equal(await p.poll(), 1);
      assert.deepEqual(
        intake.calls.map((c) => c.bytes.toString()),
        ['one', 'second version'],
      );
    });

    it('completes a repeat arrival but does not count it as taken', async () => {
      const p = poller('move');
      intake.duplicate = true;
      await writeFile(join(inbound, 'a.edi'), 'x');
      await p.poll();
      assert.equal(await p.poll(), 0);
      assert.equal(intake.calls.length, 1);
      assert.deepEqual(await listing(), [PROCESSED_DIR]);
    });
  });

  it('keeps the file when the intake fails and takes it at the next poll', async () => {
    const p = poller('move');
    await writeFile(join(inbound, 'a.edi'), 'payload');
    intake.failures.push(new Error('database unavailable'));
    await p.poll();
    assert.equal(await p.poll(), 0);
    assert.equal(intake.calls.length, 0);
    assert.deepEqual(await listing(), ['a.edi'], 'the file must stay until the intake is durable');

    assert.equal(await p.poll(), 1);
    assert.equal(intake.calls.length, 1);
    assert.equal(intake.calls[0]!.bytes.toString(), 'payload');
    assert.deepEqual(await listing(), [PROCESSED_DIR]);
  });

  it('keeps the file in place when the move fails after the intake', async () => {
    const p = poller('move');
    await writeFile(join(inbound, PROCESSED_DIR), 'a regular file where the folder should be');
    await writeFile(join(inbound, 'a.edi'), 'payload');
    await p.poll();
    assert.equal(await p.poll(), 0);
    assert.equal(await readFile(join(inbound, 'a.edi'), 'utf8'), 'payload');
  });

  it('takes nothing while another process holds the lease', async () => {
    const leases = new SwitchLeases();
    leases.held = false;
    const p = poller('move', leases);
    await writeFile(join(inbound, 'a.edi'), 'x');
    for (let i = 0; i < 3; i++) assert.equal(await p.poll(), 0);
    assert.equal(intake.calls.length, 0);
    assert.deepEqual(await listing(), ['a.edi']);
    assert.ok(leases.holds.length >= 3);
    for (const h of leases.holds) {
      assert.equal(h.name, 'channel:acme/drop');
      assert.ok(h.ttlMs >= 30_000, `lease of ${h.ttlMs} ms is shorter than a slow poll`);
    }
  });

  it('starts the stability check again after losing the lease', async () => {
    const leases = new SwitchLeases();
    const p = poller('move', leases);
    await writeFile(join(inbound, 'a.edi'), 'x');
    assert.equal(await p.poll(), 0);
    leases.held = false;
    assert.equal(await p.poll(), 0);
    leases.held = true;
    assert.equal(await p.poll(), 0, 'taken on the strength of a sighting from before the lease was lost');
    assert.equal(await p.poll(), 1);
  });

  it('releases its lease when stopped', async () => {
    const leases = new SwitchLeases();
    const p = poller('move', leases);
    p.start();
    await p.stop();
    assert.deepEqual(leases.released, ['channel:acme/drop']);
    assert.ok(leases.holds.length >= 1, 'start polls at once');
  });
});

describe('FolderPoller watching its folder', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'dockside-watch-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('looks at a new file when it appears, not at the next poll', async () => {
    const intake = new FakeIntake();
    // A poll interval of a day: only the watch can make this poller look again within the test.
    const p = new FolderPoller(
      'acme',
      {
        kind: 'folder',
        id: 'drop',
        path: root,
        pollIntervalMs: 86_400_000,
        patterns: ['*'],
        maxFilesPerPoll: 100,
        readLock: { kind: 'changed', checks: 1, doneFile: '{name}.done' },
        completion: { kind: 'move', to: PROCESSED_DIR, failedTo: 'failed' },
        backoffMaxMs: 86_400_000,
      },
      intake,
      silentLogger(),
      localLeases,
    );
    p.start();
    try {
      // Past the first poll, and the watcher is set up.
      await new Promise((r) => setTimeout(r, 500));
      await writeFile(join(root, 'a.edi'), 'ISA*00~');
      const deadline = Date.now() + 20_000;
      while (intake.calls.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(intake.names(), ['a.edi']);
    } finally {
      await p.stop();
    }
    assert.deepEqual(await readdir(root), [PROCESSED_DIR]);
  });
});

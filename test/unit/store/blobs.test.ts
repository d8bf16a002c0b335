import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { GatewayError } from '../../../src/errors.ts';
import { FileBlobStore } from '../../../src/store/blobs.ts';

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

async function* chunks(...parts: (Uint8Array | string)[]): AsyncIterable<Uint8Array | string> {
  for (const p of parts) {
    await Promise.resolve();
    yield p;
  }
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** Every file under the root, relative to it. */
async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

describe('FileBlobStore', () => {
  let root: string;
  let blobs: FileBlobStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'dockside-blobs-'));
    blobs = new FileBlobStore(root);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('keys a blob by the sha256 of its bytes and counts them', async () => {
    const text = 'ISA*00*          *00*~';
    const stored = await blobs.put(chunks(text));
    assert.equal(stored.key, sha256(text));
    assert.equal(stored.sha256, sha256(text));
    assert.equal(stored.size, Buffer.byteLength(text));
  });

  it('hashes and counts the concatenation of string and byte chunks, multibyte text included', async () => {
    const parts = ['größe ', new Uint8Array([0, 1, 2, 255]), '', 'ende'];
    const whole = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
    const stored = await blobs.put(chunks(...parts));
    assert.equal(stored.key, sha256(whole));
    assert.equal(stored.size, whole.length);
    assert.deepEqual(await collect(blobs.read(stored.key)), whole);
  });

  it('stores an empty source as the blob of no bytes', async () => {
    const stored = await blobs.put(chunks());
    assert.equal(stored.key, sha256(''));
    assert.equal(stored.size, 0);
    assert.equal(await blobs.size(stored.key), 0);
  });

  it('stores a blob at root/aa/<key> and nothing else once put returns', async () => {
    const stored = await blobs.put(chunks('abc'));
    const k = stored.key;
    assert.equal(blobs.path(k), join(root, k.slice(0, 2), k));
    assert.deepEqual(await filesUnder(root), [join(k.slice(0, 2), k)]);
    assert.equal(await readFile(blobs.path(k), 'utf8'), 'abc');
  });

  it('keeps one file for two puts of the same bytes', async () => {
    const a = await blobs.put(chunks('same', ' bytes'));
    const b = await blobs.put(chunks('same bytes'));
    assert.deepEqual(b, a);
    assert.deepEqual(await filesUnder(root), [join(a.key.slice(0, 2), a.key)]);
  });

  it('keeps one file for concurrent puts of the same bytes', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => blobs.put(chunks('x'.repeat(10_000)))));
    assert.equal(new Set(results.map((r) => r.key)).size, 1);
    assert.equal((await filesUnder(root)).length, 1);
    assert.equal(await blobs.size(results[0]!.key), 10_000);
  });

  it('reads back the bytes of a large blob put from a file stream', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) % 251;
    const source = join(root, 'source.bin');
    await writeFile(source, big);
    const stored = await blobs.put(createReadStream(source, { highWaterMark: 64 * 1024 }));
    assert.equal(stored.key, sha256(big));
    assert.equal(stored.size, big.length);
    assert.ok((await collect(blobs.read(stored.key))).equals(big));
  });

  it('passes on the error of a source that fails midway and leaves no blob and no temporary file', async () => {
    const dropped = new Error('connection lost after 2 chunks');
    async function* failing() {
      yield 'first chunk ';
      await Promise.resolve();
      yield Buffer.from('second chunk');
      throw dropped;
    }
    await assert.rejects(blobs.put(failing()), (e: unknown) => e === dropped);
    assert.deepEqual(await filesUnder(root), []);
    assert.equal(await blobs.has(sha256('first chunk second chunk')), false);
  });

  it('passes on the error of a Readable destroyed midway and leaves nothing behind', async () => {
    const dropped = new Error('socket hang up');
    const source = new Readable({ read() {} });
    source.push('partial data');
    setImmediate(() => source.destroy(dropped));
    await assert.rejects(blobs.put(source), (e: unknown) => e === dropped);
    assert.deepEqual(await filesUnder(root), []);
  });

  it('passes on the error of a file stream whose file vanished before it was opened, without an uncaught error', async () => {
    const source = createReadStream(join(root, 'deleted-after-listing.edi'));
    await assert.rejects(blobs.put(source), (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT');
    // An 'error' emitted while put was still opening its temporary file would have failed the run by now.
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(await filesUnder(root), []);
  });

  it('destroys a stream it could not consume because the disk failed', async () => {
    const file = join(root, 'a-file');
    await writeFile(file, 'not a directory');
    const source = createReadStream(file);
    await assert.rejects(new FileBlobStore(join(file, 'blobs')).put(source), GatewayError);
    assert.equal(source.destroyed, true);
  });

  it('reports a root it cannot write to as blob-failed', async () => {
    const file = join(root, 'a-file');
    await writeFile(file, 'not a directory');
    const broken = new FileBlobStore(join(file, 'blobs'));
    await assert.rejects(broken.put(chunks('x')), (e: unknown) => {
      assert.ok(e instanceof GatewayError, String(e));
      assert.equal(e.code, 'blob-failed');
      assert.equal(e.retryable, false);
      return true;
    });
  });

  it('says whether it has a blob', async () => {
    const stored = await blobs.put(chunks('present'));
    assert.equal(await blobs.has(stored.key), true);
    assert.equal(await blobs.has(sha256('absent')), false);
    assert.equal(await blobs.has('not-a-key'), false);
  });

  it('gives the size of a blob, and not-found for one it does not have', async () => {
    const stored = await blobs.put(chunks('12345'));
    assert.equal(await blobs.size(stored.key), 5);
    await assert.rejects(blobs.size(sha256('absent')), (e: unknown) => {
      assert.ok(e instanceof GatewayError);
      assert.equal(e.code, 'not-found');
      assert.equal(e.retryable, false);
      return true;
    });
  });

  it('fails reading a missing blob with ENOENT', async () => {
    await assert.rejects(collect(blobs.read(sha256('absent'))), (e: unknown) => {
      assert.equal((e as NodeJS.ErrnoException).code, 'ENOENT');
      return true;
    });
  });

  it('reads, sizes and finds a blob a store of the old two-level layout (root/aa/bb/<key>) wrote', async () => {
    const key = sha256('written before the layout changed');
    await mkdir(join(root, key.slice(0, 2), key.slice(2, 4)), { recursive: true });
    await writeFile(join(root, key.slice(0, 2), key.slice(2, 4), key), 'written before the layout changed');
    assert.equal(await blobs.has(key), true);
    assert.equal(await blobs.size(key), 33);
    assert.equal((await blobs.readAll(key)).toString(), 'written before the layout changed');
    assert.equal((await collect(blobs.read(key))).toString(), 'written before the layout changed');
  });

  it('makes one folder per first two hex digits and reuses it for every later blob there', async () => {
    const keys = [];
    for (let i = 0; i < 40; i++) keys.push((await blobs.put(chunks(`file ${i}`))).key);
    const folders = (await readdir(root)).filter((f) => f !== 'tmp').sort();
    assert.deepEqual(folders, [...new Set(keys.map((k) => k.slice(0, 2)))].sort());
    for (const k of keys) assert.equal(await blobs.has(k), true);
  });

  it('refuses a key that is not 64 lowercase hex digits before touching the disk', () => {
    const valid = sha256('x');
    for (const key of [
      '',
      'abc',
      valid.toUpperCase(),
      `${valid}0`,
      valid.slice(1),
      `../${valid.slice(3)}`,
      '../../../../etc/passwd',
      `${valid.slice(0, 63)}g`,
    ]) {
      assert.throws(
        () => blobs.path(key),
        (e: unknown) => e instanceof GatewayError && e.code === 'not-found' && !e.retryable,
        key,
      );
      assert.throws(() => blobs.read(key), GatewayError, key);
    }
  });
});

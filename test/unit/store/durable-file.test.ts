import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileDurably } from '../../../src/store/durable-file.ts';

describe('writeFileDurably', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'dockside-durable-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes a file whole under its name, making the folder, and leaves no temporary file', async () => {
    const dir = join(root, 'a', 'b');
    const path = await writeFileDurably(dir, '997_000000001.x12', 'ISA*00~');
    assert.equal(path, join(dir, '997_000000001.x12'));
    assert.equal(readFileSync(path, 'latin1'), 'ISA*00~');
    assert.deepEqual(readdirSync(dir), ['997_000000001.x12']);
  });

  it('writes many files into one folder at once, each whole, sharing the folder fsyncs', async () => {
    const names = Array.from({ length: 60 }, (_, i) => `f${i}.x12`);
    const paths = await Promise.all(names.map((n, i) => writeFileDurably(root, n, `body ${i}`)));
    assert.deepEqual(
      paths.map((p) => readFileSync(p, 'latin1')),
      names.map((_, i) => `body ${i}`),
    );
    assert.deepEqual(readdirSync(root).sort(), [...names].sort());
    // A later write into the same folder, after those fsyncs have ended, still completes.
    await writeFileDurably(root, 'later.x12', 'later');
    assert.equal(readFileSync(join(root, 'later.x12'), 'latin1'), 'later');
  });

  it('makes the folder again when it was removed after the first write', async () => {
    const dir = join(root, 'out');
    await writeFileDurably(dir, 'one', '1');
    rmSync(dir, { recursive: true });
    await writeFileDurably(dir, 'two', '2');
    assert.equal(readFileSync(join(dir, 'two'), 'latin1'), '2');
  });

  it('writes bytes as they are and a string as single bytes', async () => {
    await writeFileDurably(root, 'bytes', Uint8Array.from([0, 255, 10]));
    await writeFileDurably(root, 'text', 'é');
    assert.deepEqual([...readFileSync(join(root, 'bytes'))], [0, 255, 10]);
    assert.deepEqual([...readFileSync(join(root, 'text'))], [0xe9]);
  });
});

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Completion } from '../../../src/partners/partner.ts';
import { archiveNames, complete, folderFor, timestampedName } from '../../../src/transports/completion.ts';
import { FolderFs } from '../../../src/transports/folder.ts';
import type { Ready } from '../../../src/transports/read-lock.ts';

const NOW = new Date('2026-11-27T01:33:01.123Z');

describe('completion', () => {
  it('names a moved file with a sortable timestamp in front when its own name is taken', () => {
    assert.equal(timestampedName('a.edi', NOW), '2026-11-27T013301123Z-a.edi');
    const names = archiveNames('a.edi', NOW);
    assert.deepEqual(
      [names.next().value, names.next().value, names.next().value, names.next().value],
      [
        'a.edi',
        '2026-11-27T013301123Z-a.edi',
        '2026-11-27T013301123Z-a.edi.2',
        '2026-11-27T013301123Z-a.edi.3',
      ],
    );
  });

  it('takes the archive folder relative to the file folder unless it is absolute', () => {
    assert.equal(folderFor('/outbound', 'archive'), '/outbound/archive');
    assert.equal(folderFor('/outbound', '../done'), '/done');
    assert.equal(folderFor('/outbound', '/archive/acme'), '/archive/acme');
  });

  describe('on a folder', () => {
    let root: string;
    const fs = new FolderFs();

    beforeEach(async () => {
      root = await mkdtemp(join(tmpdir(), 'dockside-completion-'));
    });

    afterEach(async () => {
      await rm(root, { recursive: true, force: true });
    });

    function ready(name: string, extra: Partial<Ready> = {}): Ready {
      const path = join(root, name);
      return { dir: root, name, path, originalPath: path, size: 1, mtimeMs: 0, claimed: false, ...extra };
    }

    const move: Completion = { kind: 'move', to: 'archive' };

    it('moves into the archive folder, keeping both files when the name is taken there, twice over', async () => {
      await mkdir(join(root, 'archive'));
      await writeFile(join(root, 'archive', 'a.edi'), 'first');
      await writeFile(join(root, 'archive', '2026-11-27T013301123Z-a.edi'), 'second');
      await writeFile(join(root, 'a.edi'), 'third');
      const where = await complete(fs, ready('a.edi'), move, NOW);
      assert.equal(where, join(root, 'archive', '2026-11-27T013301123Z-a.edi.2'));
      assert.equal(await readFile(where, 'utf8'), 'third');
      assert.deepEqual(await readdir(root), ['archive']);
      assert.equal((await readdir(join(root, 'archive'))).length, 3);
    });

    it('deletes the file and its done marker', async () => {
      await writeFile(join(root, 'a.edi'), 'x');
      await writeFile(join(root, 'a.edi.done'), '');
      await complete(
        fs,
        ready('a.edi', { doneFile: join(root, 'a.edi.done') }),
        { kind: 'delete', to: 'x' },
        NOW,
      );
      assert.deepEqual(await readdir(root), []);
    });

    it('leaves a file where it is, and a claimed one under its own name again', async () => {
      await writeFile(join(root, 'a.edi.inprogress'), 'x');
      const file = ready('a.edi', { path: join(root, 'a.edi.inprogress'), claimed: true });
      const where = await complete(fs, file, { kind: 'leave', to: 'x' }, NOW);
      assert.equal(where, join(root, 'a.edi'));
      assert.deepEqual(await readdir(root), ['a.edi']);
    });

    it('moves a claimed file into the archive under its own name', async () => {
      await writeFile(join(root, 'a.edi.inprogress'), 'x');
      const file = ready('a.edi', { path: join(root, 'a.edi.inprogress'), claimed: true });
      await complete(fs, file, move, NOW);
      assert.deepEqual(await readdir(join(root, 'archive')), ['a.edi']);
    });
  });
});

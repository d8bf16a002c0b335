import assert from 'node:assert/strict';
import type { ReadLock } from '../../../src/partners/partner.ts';
import {
  decideReadLock,
  doneFileName,
  globToRegExp,
  isDoneFile,
  TEMPORARY_NAME,
  type Listed,
  type ReadLockDecision,
  type Sighting,
} from '../../../src/transports/read-lock.ts';

const CHANGED: ReadLock = { kind: 'changed', checks: 2, doneFile: '{name}.done' };

function file(name: string, size = 10, mtimeMs = 1_000_000, dir = '/out'): Listed {
  return { dir, name, size, mtimeMs, isFile: true };
}

function decide(
  listing: Listed[],
  o: {
    lock?: ReadLock;
    patterns?: string[];
    sightings?: Map<string, Sighting>;
    skip?: Map<string, string>;
    maxFiles?: number;
    now?: number;
    minGapMs?: number;
  } = {},
): ReadLockDecision {
  return decideReadLock({
    lock: o.lock ?? CHANGED,
    patterns: (o.patterns ?? ['*']).map(globToRegExp),
    listing,
    sightings: o.sightings ?? new Map(),
    skip: o.skip ?? new Map(),
    maxFiles: o.maxFiles ?? 100,
    now: o.now ?? 0,
    minGapMs: o.minGapMs ?? 0,
  });
}

/** Runs `polls` decisions over the same listing, carrying sightings forward; the ready paths of each. */
function polls(listing: Listed[], count: number, lock = CHANGED): string[][] {
  let sightings = new Map<string, Sighting>();
  const out: string[][] = [];
  for (let i = 0; i < count; i++) {
    const d = decide(listing, { lock, sightings, now: i * 1000 });
    sightings = d.sightings;
    out.push(d.ready.map((r) => r.path));
  }
  return out;
}

describe('read lock', () => {
  describe('changed', () => {
    it('takes a file only once its size and modification time were seen the same `checks` times', () => {
      assert.deepEqual(polls([file('a.edi')], 3), [[], ['/out/a.edi'], ['/out/a.edi']]);
      assert.deepEqual(polls([file('a.edi')], 3, { ...CHANGED, checks: 3 }), [[], [], ['/out/a.edi']]);
      assert.deepEqual(polls([file('a.edi')], 1, { ...CHANGED, checks: 1 }), [['/out/a.edi']]);
    });

    it('starts counting again when the size or the modification time changes', () => {
      const first = decide([file('a.edi', 10)]);
      const grown = decide([file('a.edi', 20)], { sightings: first.sightings });
      assert.deepEqual(grown.ready, []);
      assert.equal(grown.sightings.get('/out/a.edi')?.count, 1);
      const touched = decide([file('a.edi', 20, 2_000_000)], { sightings: grown.sightings });
      assert.deepEqual(touched.ready, []);
      const stable = decide([file('a.edi', 20, 2_000_000)], { sightings: touched.sightings });
      assert.deepEqual(
        stable.ready.map((r) => r.path),
        ['/out/a.edi'],
      );
    });

    it('does not count a sighting that comes sooner than the minimum gap after the last one that counted', () => {
      const first = decide([file('a.edi')], { now: 0, minGapMs: 1000 });
      const soon = decide([file('a.edi')], { sightings: first.sightings, now: 300, minGapMs: 1000 });
      assert.deepEqual(soon.ready, []);
      assert.equal(soon.sightings.get('/out/a.edi')?.count, 1);
      const later = decide([file('a.edi')], { sightings: soon.sightings, now: 1000, minGapMs: 1000 });
      assert.equal(later.ready.length, 1);
    });

    it('says how many files it saw but is not sure of yet', () => {
      const d = decide([file('a.edi'), file('b.edi'), file('c.part')]);
      assert.equal(d.waiting, 2);
    });
  });

  it('never takes temporary or hidden names, whatever the lock', () => {
    const names = [
      'x.part',
      '.hidden',
      'x.tmp',
      'y.PARTIAL',
      'z.filepart',
      'w.uploading',
      'v.inprogress',
      'u.temp',
    ];
    for (const name of names) assert.ok(TEMPORARY_NAME.test(name), name);
    for (const lock of [CHANGED, { ...CHANGED, checks: 1 }]) {
      assert.deepEqual(
        polls(
          names.map((n) => file(n)),
          3,
          lock,
        ).flat(),
        [],
      );
    }
    assert.ok(!TEMPORARY_NAME.test('asn.edi') && !TEMPORARY_NAME.test('part.edi'));
  });

  it('skips folders and takes only names that match a pattern, ignoring case', () => {
    const listing = [
      file('a.edi'),
      file('B.EDI'),
      file('c.x12'),
      file('readme.txt'),
      { ...file('d.edi'), isFile: false },
    ];
    const d = decide(listing, { patterns: ['*.edi', '*.x12'], lock: { ...CHANGED, checks: 1 } });
    assert.deepEqual(d.ready.map((r) => r.name).sort(), ['B.EDI', 'a.edi', 'c.x12']);
  });

  it('does not take a file left in place (or refused) while its signature stays the same', () => {
    const skip = new Map([['/out/a.edi', '10:1000000']]);
    const lock = { ...CHANGED, checks: 1 };
    assert.deepEqual(decide([file('a.edi')], { skip, lock }).ready, []);
    assert.equal(decide([file('a.edi', 11)], { skip, lock }).ready.length, 1);
  });

  it('takes the oldest files first, at most maxFiles, and counts the rest as waiting', () => {
    const listing = [
      file('c.edi', 1, 3000),
      file('a.edi', 1, 1000),
      file('b.edi', 1, 2000),
      file('d.edi', 1, 2000),
    ];
    const d = decide(listing, { lock: { ...CHANGED, checks: 1 }, maxFiles: 3 });
    assert.deepEqual(
      d.ready.map((r) => r.name),
      ['a.edi', 'b.edi', 'd.edi'],
    );
    assert.equal(d.waiting, 1);
  });

  it('keeps files of several folders apart', () => {
    const d = decide([file('a.edi', 1, 1, '/one'), file('a.edi', 2, 1, '/two')], {
      lock: { ...CHANGED, checks: 1 },
    });
    assert.deepEqual(
      d.ready.map((r) => r.path),
      ['/one/a.edi', '/two/a.edi'],
    );
  });

  describe('done-file', () => {
    const lock: ReadLock = { kind: 'done-file', checks: 2, doneFile: '{name}.done' };

    it('takes a file at once when its marker is there, and names the marker', () => {
      const d = decide([file('a.edi'), file('a.edi.done', 0), file('b.edi')], { lock });
      assert.deepEqual(
        d.ready.map((r) => [r.path, r.doneFile]),
        [['/out/a.edi', '/out/a.edi.done']],
      );
      assert.equal(d.waiting, 1);
    });

    it('never takes a marker as data, even before its file arrives', () => {
      assert.deepEqual(decide([file('late.edi.done', 0)], { lock }).ready, []);
    });

    it('names markers by the template', () => {
      assert.equal(doneFileName('{name}.done', 'a.edi'), 'a.edi.done');
      assert.equal(doneFileName('{base}.ok', 'a.edi'), 'a.ok');
      assert.equal(doneFileName('ready-{name}', 'a.edi'), 'ready-a.edi');
      assert.equal(doneFileName('{base}.ok', 'noext'), 'noext.ok');
      assert.ok(isDoneFile('{base}.ok', 'a.ok'));
      assert.ok(isDoneFile('ready-{name}', 'ready-a.edi'));
      assert.ok(!isDoneFile('ready-{name}', 'a.edi'));
      assert.ok(!isDoneFile('{name}.done', 'a.edi'));
    });
  });

  describe('rename', () => {
    const lock: ReadLock = { kind: 'rename', checks: 1, doneFile: '{name}.done' };

    it('offers a stable file for claiming', () => {
      const d = decide([file('a.edi')], { lock });
      assert.deepEqual(
        d.ready.map((r) => [r.path, r.claimed]),
        [['/out/a.edi', false]],
      );
    });

    it('takes up its own in-progress files at once, under their original names', () => {
      const d = decide([file('a.edi.inprogress')], { lock, patterns: ['*.edi'] });
      assert.deepEqual(
        d.ready.map((r) => ({
          path: r.path,
          name: r.name,
          originalPath: r.originalPath,
          claimed: r.claimed,
        })),
        [{ path: '/out/a.edi.inprogress', name: 'a.edi', originalPath: '/out/a.edi', claimed: true }],
      );
    });

    it('leaves in-progress files alone under the other locks', () => {
      assert.deepEqual(decide([file('a.edi.inprogress')], { lock: { ...CHANGED, checks: 1 } }).ready, []);
    });
  });

  describe('globToRegExp', () => {
    it('matches whole names with *, ? and classes, ignoring case', () => {
      const m = (glob: string, name: string) => globToRegExp(glob).test(name);
      assert.ok(m('*.edi', 'ASN.EDI'));
      assert.ok(!m('*.edi', 'asn.edi.part'));
      assert.ok(m('po_??.x12', 'po_01.x12'));
      assert.ok(!m('po_??.x12', 'po_1.x12'));
      assert.ok(m('[ab]*', 'beta'));
      assert.ok(!m('[!ab]*', 'beta'));
      assert.ok(m('a+b(1).edi', 'a+b(1).edi'));
      assert.ok(!m('a.edi', 'aXedi'));
    });
  });
});
